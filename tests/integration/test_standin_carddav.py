"""The stand-in's CardDAV answers as Nextcloud's does: paths, statuses, bodies, queries."""

from __future__ import annotations

import uuid

import pytest
from defusedxml.ElementTree import fromstring

D = "{DAV:}"
CARD = "{urn:ietf:params:xml:ns:carddav}"

QUERY = """<?xml version="1.0" encoding="utf-8"?>
<card:addressbook-query xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">
  <d:prop><d:getetag/><card:address-data/></d:prop>
  <card:filter test="anyof">
    <card:prop-filter name="{prop}">
      <card:text-match collation="i;unicode-casemap" match-type="contains">{text}</card:text-match>
    </card:prop-filter>
  </card:filter>
</card:addressbook-query>"""

MKCOL = """<?xml version="1.0" encoding="utf-8"?>
<d:mkcol xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:set><d:prop>
<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype><d:displayname>{name}</d:displayname>
</d:prop></d:set></d:mkcol>"""


def vcard(uid: str, fn: str, email: str = "someone@example.com") -> bytes:
    return (
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{fn}\r\nN:{fn};;;;\r\nEMAIL:{email}\r\nEND:VCARD\r\n"
    ).encode()


@pytest.fixture
def book(nc_user) -> str:
    return f"/remote.php/dav/addressbooks/users/{nc_user.id}/contacts/"


def responses(body: bytes) -> dict[str, object]:
    root = fromstring(body)
    assert root.tag == f"{D}multistatus"
    return {r.find(f"{D}href").text: r for r in root.findall(f"{D}response")}


def test_provisioning_creates_the_contacts_addressbook_under_nextclouds_home(nc_user) -> None:
    home = f"/remote.php/dav/addressbooks/users/{nc_user.id}/"
    with nc_user.raw() as http:
        answer = http.request("PROPFIND", home, headers={"Depth": "1"})
    assert answer.status_code == 207
    found = responses(answer.content)
    contacts = found[f"{home}contacts/"]
    assert contacts.find(f".//{D}resourcetype/{CARD}addressbook") is not None
    assert contacts.find(f".//{D}displayname").text == "Contacts"


def test_a_propfind_without_depth_lists_the_children_as_nextcloud_does(nc_user, book) -> None:
    uid = uuid.uuid4().hex
    with nc_user.raw() as http:
        assert http.put(f"{book}{uid}.vcf", content=vcard(uid, "Depth Default")).status_code == 201
        answer = http.request("PROPFIND", book)
    assert f"{book}{uid}.vcf" in responses(answer.content)


def test_a_card_is_stored_and_read_back_with_its_etag(nc_user, book) -> None:
    uid = uuid.uuid4().hex
    with nc_user.raw() as http:
        put = http.put(f"{book}{uid}.vcf", content=vcard(uid, "Zoë Ñandú"), headers={"If-None-Match": "*"})
        got = http.get(f"{book}{uid}.vcf")
    assert put.status_code == 201
    assert got.status_code == 200
    assert got.headers["ETag"] == put.headers["ETag"]
    assert got.headers["Content-Type"].startswith("text/vcard")
    assert "FN:Zoë Ñandú" in got.text


def test_a_stale_if_match_is_refused_with_412_and_sabres_error_body(nc_user, book) -> None:
    uid = uuid.uuid4().hex
    with nc_user.raw() as http:
        http.put(f"{book}{uid}.vcf", content=vcard(uid, "First"))
        stale = http.put(f"{book}{uid}.vcf", content=vcard(uid, "Second"), headers={"If-Match": '"not-the-etag"'})
        kept = http.get(f"{book}{uid}.vcf")
        delete = http.delete(f"{book}{uid}.vcf", headers={"If-Match": '"not-the-etag"'})
    assert stale.status_code == 412
    assert b"Sabre\\DAV\\Exception\\PreconditionFailed" in stale.content
    assert "FN:First" in kept.text
    assert delete.status_code == 412


def test_if_none_match_star_never_replaces_an_existing_card(nc_user, book) -> None:
    uid = uuid.uuid4().hex
    with nc_user.raw() as http:
        http.put(f"{book}{uid}.vcf", content=vcard(uid, "Original"))
        again = http.put(f"{book}{uid}.vcf", content=vcard(uid, "Copy"), headers={"If-None-Match": "*"})
    assert again.status_code == 412


def test_a_second_card_with_the_same_uid_is_a_bad_request(nc_user, book) -> None:
    uid = uuid.uuid4().hex
    with nc_user.raw() as http:
        http.put(f"{book}{uid}.vcf", content=vcard(uid, "One"))
        dup = http.put(f"{book}other-{uid}.vcf", content=vcard(uid, "Two"))
    assert dup.status_code == 400
    assert b"VCard object with uid already exists" in dup.content


def test_an_update_answers_204_and_a_delete_204_then_the_card_is_gone(nc_user, book) -> None:
    uid = uuid.uuid4().hex
    with nc_user.raw() as http:
        etag = http.put(f"{book}{uid}.vcf", content=vcard(uid, "V1")).headers["ETag"]
        update = http.put(f"{book}{uid}.vcf", content=vcard(uid, "V2"), headers={"If-Match": etag})
        delete = http.delete(f"{book}{uid}.vcf", headers={"If-Match": update.headers["ETag"]})
        gone = http.get(f"{book}{uid}.vcf")
    assert update.status_code == 204
    assert delete.status_code == 204
    assert gone.status_code == 404
    assert b"Sabre\\DAV\\Exception\\NotFound" in gone.content


def test_addressbook_query_filters_by_text_match_contains(nc_user, book) -> None:
    tag = uuid.uuid4().hex[:8]
    with nc_user.raw() as http:
        http.put(f"{book}a-{tag}.vcf", content=vcard(f"a-{tag}", "Alice", f"alice.{tag}@example.org"))
        http.put(f"{book}b-{tag}.vcf", content=vcard(f"b-{tag}", "Bob", f"bob.{tag}@example.org"))
        answer = http.request(
            "REPORT", book, headers={"Depth": "1"}, content=QUERY.format(prop="EMAIL", text=f"ALICE.{tag}")
        )
    assert answer.status_code == 207
    found = responses(answer.content)
    assert list(found) == [f"{book}a-{tag}.vcf"]
    data = found[f"{book}a-{tag}.vcf"].find(f".//{CARD}address-data").text
    assert "FN:Alice" in data


def test_addressbook_query_with_depth_0_on_an_addressbook_is_not_supported(nc_user, book) -> None:
    with nc_user.raw() as http:
        answer = http.request("REPORT", book, content=QUERY.format(prop="FN", text="x"))
    assert answer.status_code == 403
    assert b"ReportNotSupported" in answer.content


def test_extended_mkcol_creates_an_addressbook_and_delete_removes_it(nc_user) -> None:
    name = f"book-{uuid.uuid4().hex[:8]}"
    path = f"/remote.php/dav/addressbooks/users/{nc_user.id}/{name}/"
    with nc_user.raw() as http:
        created = http.request("MKCOL", path, content=MKCOL.format(name="Team Ü"))
        again = http.request("MKCOL", path, content=MKCOL.format(name="Team Ü"))
        listed = http.request("PROPFIND", path, headers={"Depth": "0"})
        deleted = http.delete(path)
        after = http.request("PROPFIND", path, headers={"Depth": "0"})
    assert created.status_code == 201
    assert again.status_code == 405
    assert responses(listed.content)[path].find(f".//{D}displayname").text == "Team Ü"
    assert deleted.status_code == 204
    assert after.status_code == 404


def test_another_users_addressbooks_are_not_reachable(standin, nc_user) -> None:
    other = standin.add_user(f"other{uuid.uuid4().hex[:8]}", "pw-other")
    with nc_user.raw() as http:
        answer = http.request("PROPFIND", f"/remote.php/dav/addressbooks/users/{other.id}/", headers={"Depth": "1"})
    assert answer.status_code == 404


def test_a_card_put_into_a_missing_addressbook_is_a_conflict(nc_user) -> None:
    path = f"/remote.php/dav/addressbooks/users/{nc_user.id}/missing-{uuid.uuid4().hex[:6]}/x.vcf"
    with nc_user.raw() as http:
        answer = http.put(path, content=vcard("x", "Nobody"))
    assert answer.status_code == 409
