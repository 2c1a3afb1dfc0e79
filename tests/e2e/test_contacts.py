"""Contacts tools end to end through the real MCP client; every effect is checked on the
stand-in with raw CardDAV requests, independently of the server."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e.helpers import call, error_of, unique

pytestmark = pytest.mark.anyio

PHOTO = (
    "PHOTO;ENCODING=b;TYPE=PNG:"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
MKCOL = (
    '<?xml version="1.0"?><d:mkcol xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:set><d:prop>'
    "<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype><d:displayname>{}</d:displayname>"
    "</d:prop></d:set></d:mkcol>"
)


def book_path(nc_user: Any, book: str = "contacts") -> str:
    return f"/remote.php/dav/addressbooks/users/{nc_user.id}/{book}/"


def raw_card(nc_user: Any, uid: str, book: str = "contacts") -> tuple[int, str, str | None]:
    with nc_user.raw() as raw:
        got = raw.get(f"{book_path(nc_user, book)}{uid}.vcf")
    return got.status_code, got.text, got.headers.get("ETag")


def put_raw(nc_user: Any, uid: str, *lines: str, book: str = "contacts") -> str:
    card = "\r\n".join(["BEGIN:VCARD", "VERSION:3.0", f"UID:{uid}", *lines, "END:VCARD", ""])
    with nc_user.raw() as raw:
        put = raw.put(f"{book_path(nc_user, book)}{uid}.vcf", content=card.encode(), headers={"If-None-Match": "*"})
    assert put.status_code == 201, put.text
    return put.headers["ETag"]


async def test_create_contact_stores_a_vcard_3_with_the_fields_and_returns_uid_and_etag(mcp, nc_user) -> None:
    tag = unique("c")
    made = await call(
        mcp,
        "nc_contacts_create_contact",
        addressbook="contacts",
        contact_data={
            "fn": f"Zoë Ñandú {tag}",
            "email": [{"value": f"{tag}@example.org", "type": "work"}],
            "org": "Acme",
        },
    )
    contact = made["contact"]
    status, text, etag = raw_card(nc_user, contact["uid"])
    assert status == 200
    assert "VERSION:3.0" in text
    assert f"FN:Zoë Ñandú {tag}" in text
    assert f"UID:{contact['uid']}" in text
    assert f"{tag}@example.org" in text
    assert "WORK" in text
    assert contact["etag"] == etag
    assert uuid.UUID(contact["uid"]).version == 4


async def test_addressbooks_are_listed_created_and_deleted(mcp, nc_user) -> None:
    name = unique("book")
    listed = await call(mcp, "nc_contacts_list_addressbooks")
    assert "contacts" in [b["name"] for b in listed["addressbooks"]]
    made = await call(mcp, "nc_contacts_create_addressbook", name=name, display_name="Team Ü")
    assert made["addressbook"]["name"] == name
    with nc_user.raw() as raw:
        found = raw.request("PROPFIND", book_path(nc_user, name), headers={"Depth": "0"})
    assert found.status_code == 207
    assert "Team Ü" in found.text
    deleted = await call(mcp, "nc_contacts_delete_addressbook", name=name)
    assert deleted["deleted"] is True
    with nc_user.raw() as raw:
        assert raw.request("PROPFIND", book_path(nc_user, name), headers={"Depth": "0"}).status_code == 404


async def test_list_contacts_pages_through_an_addressbook_sorted_by_name(mcp, nc_user) -> None:
    name = unique("list")
    with nc_user.raw() as raw:
        assert raw.request("MKCOL", book_path(nc_user, name), content=MKCOL.format(name)).status_code == 201
    for fn in ("Carol", "alice", "Bob"):
        put_raw(nc_user, unique("c"), f"FN:{fn}", f"N:{fn};;;;", book=name)
    first = await call(mcp, "nc_contacts_list_contacts", addressbook=name, limit=2)
    rest = await call(mcp, "nc_contacts_list_contacts", addressbook=name, limit=2, offset=first["page"]["next_offset"])
    assert [c["fn"] for c in first["contacts"] + rest["contacts"]] == ["alice", "Bob", "Carol"]
    assert first["page"]["total"] == 3
    assert rest["page"]["next_offset"] is None
    assert all(c["etag"] for c in first["contacts"])


async def test_search_finds_contacts_by_email_and_organization_substring(mcp, nc_user) -> None:
    tag = uuid.uuid4().hex[:8]
    put_raw(nc_user, unique("c"), f"FN:Searchable {tag}", f"EMAIL;TYPE=INTERNET:s.{tag}@example.org")
    put_raw(nc_user, unique("c"), "FN:Other Person", f"ORG:Firma{tag} GmbH")
    put_raw(nc_user, unique("c"), "FN:Unrelated", "EMAIL:nobody@example.org")
    by_email = await call(mcp, "nc_contacts_search_contacts", query=f"S.{tag}@EXAMPLE", addressbook="contacts")
    by_org = await call(mcp, "nc_contacts_search_contacts", query=f"firma{tag}")
    assert [c["fn"] for c in by_email["contacts"]] == [f"Searchable {tag}"]
    assert [c["fn"] for c in by_org["contacts"]] == ["Other Person"]
    assert by_org["addressbook"] == "*"


async def test_update_keeps_the_photo_and_custom_fields_it_never_mentioned(mcp, nc_user) -> None:
    uid = unique("c")
    etag = put_raw(
        nc_user, uid, "FN:Ann Lee", "N:Lee;Ann;;;", PHOTO, "X-SOCIALPROFILE;TYPE=mastodon:https://m.example/@ann"
    )
    updated = await call(
        mcp,
        "nc_contacts_update_contact",
        addressbook="contacts",
        uid=uid,
        contact_data={"title": "CTO", "email": "ann@example.org"},
        etag=etag,
    )
    status, text, new_etag = raw_card(nc_user, uid)
    unfolded = text.replace("\r\n ", "")
    assert status == 200
    assert PHOTO in unfolded
    assert "X-SOCIALPROFILE;TYPE=mastodon:https://m.example/@ann" in unfolded
    assert "TITLE:CTO" in text
    assert "ann@example.org" in text
    assert "FN:Ann Lee" in text
    assert updated["contact"]["etag"] == new_etag != etag
    assert updated["contact"]["has_photo"] is True


async def test_update_with_a_stale_etag_is_refused_and_names_the_current_etag(mcp, nc_user) -> None:
    uid = unique("c")
    stale = put_raw(nc_user, uid, "FN:Version One")
    with nc_user.raw() as raw:
        card = f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:Version Two\r\nEND:VCARD\r\n"
        current = raw.put(f"{book_path(nc_user)}{uid}.vcf", content=card.encode()).headers["ETag"]
    message = await error_of(
        mcp, "nc_contacts_update_contact", addressbook="contacts", uid=uid, contact_data={"fn": "Mine"}, etag=stale
    )
    assert "412" in message
    assert current in message
    assert "FN:Version Two" in raw_card(nc_user, uid)[1]


async def test_delete_contact_removes_the_card_and_refuses_a_stale_etag(mcp, nc_user) -> None:
    uid = unique("c")
    etag = put_raw(nc_user, uid, "FN:Short Lived")
    refused = await error_of(mcp, "nc_contacts_delete_contact", addressbook="contacts", uid=uid, etag='"stale"')
    assert etag in refused
    assert raw_card(nc_user, uid)[0] == 200
    done = await call(mcp, "nc_contacts_delete_contact", addressbook="contacts", uid=uid, etag=etag)
    assert done["deleted"] is True
    assert raw_card(nc_user, uid)[0] == 404


async def test_a_missing_contact_is_reported_as_not_found(mcp, nc_user) -> None:
    message = await error_of(
        mcp, "nc_contacts_update_contact", addressbook="contacts", uid=unique("gone"), contact_data={"note": "x"}
    )
    assert "404" in message
    assert "for contact UID '" in message


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        ("nc_contacts_create_addressbook", {"name": "", "display_name": "X"}, "'name': must not be empty"),
        ("nc_contacts_create_addressbook", {"name": "../etc", "display_name": "X"}, "not a plain name"),
        ("nc_contacts_list_contacts", {"addressbook": "a/b"}, "not a plain name"),
        (
            "nc_contacts_create_contact",
            {"addressbook": "contacts", "contact_data": {"fn": "Bad Mail", "email": "not-an-email"}},
            "not an email address",
        ),
        ("nc_contacts_create_contact", {"addressbook": "contacts", "contact_data": {}}, "names no field"),
        (
            "nc_contacts_update_contact",
            {"addressbook": "contacts", "uid": "x", "contact_data": {"bday": "23.04.1990"}},
            "not a date",
        ),
    ],
)
async def test_invalid_arguments_are_refused_with_a_message(mcp, nc_user, tool, arguments, expected) -> None:
    with nc_user.raw() as raw:
        before = raw.request("PROPFIND", book_path(nc_user), headers={"Depth": "1"}).text.count("<response>")
    message = await error_of(mcp, tool, **arguments)
    assert expected in message
    with nc_user.raw() as raw:
        after = raw.request("PROPFIND", book_path(nc_user), headers={"Depth": "1"}).text.count("<response>")
    assert after == before
