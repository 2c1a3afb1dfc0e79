"""The contacts tools in memory: bad arguments are refused before any request reaches
Nextcloud, and Nextcloud's refusals become tool errors that say what to do."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.anyio

SENT: list[httpx.Request] = []
CARD = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u1\r\nFN:Ann\r\nEND:VCARD\r\n"


def nextcloud(request: httpx.Request) -> httpx.Response:
    """A Nextcloud whose card u1 has moved on to etag "v9"."""
    SENT.append(request)
    path = request.url.path
    if request.method == "PROPFIND" and path == "/remote.php/dav/":
        body = (
            '<d:multistatus xmlns:d="DAV:"><d:response><d:href>/remote.php/dav/</d:href><d:propstat><d:prop>'
            "<d:current-user-principal><d:href>/p/</d:href></d:current-user-principal></d:prop>"
            "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"
        )
        return httpx.Response(207, text=body)
    if request.method == "PROPFIND" and path == "/p/":
        body = (
            '<d:multistatus xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:response><d:href>/p/</d:href>'
            "<d:propstat><d:prop><card:addressbook-home-set><d:href>/h/</d:href></card:addressbook-home-set></d:prop>"
            "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"
        )
        return httpx.Response(207, text=body)
    if request.method == "GET":
        return httpx.Response(200, text=CARD, headers={"ETag": '"v9"'})
    return httpx.Response(500)


@pytest.fixture(scope="module")
async def client() -> AsyncIterator[Any]:
    from mcp import Client

    from nextcloud_mcp_server.auth.app_password import AppPasswordAccess
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.server import build_mcp_server

    settings = Settings(
        nextcloud_url="https://nc.example", nextcloud_username="u", nextcloud_password="p", nextcloud_retries=0
    )
    server = build_mcp_server(settings, AppPasswordAccess(settings, transport=httpx.MockTransport(nextcloud)))
    async with Client(server) as connected:
        yield connected


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        ("nc_contacts_create_addressbook", {"name": " ", "display_name": "X"}, "'name': must not be empty"),
        ("nc_contacts_create_addressbook", {"name": "a b", "display_name": "X"}, "letters, digits"),
        ("nc_contacts_create_addressbook", {"name": "ok", "display_name": ""}, "'display_name'"),
        ("nc_contacts_delete_addressbook", {"name": ".."}, "not a plain name"),
        ("nc_contacts_list_contacts", {"addressbook": "x\x00"}, "not a plain name"),
        ("nc_contacts_search_contacts", {"query": "  "}, "'query': must not be empty"),
        ("nc_contacts_create_contact", {"addressbook": "contacts", "contact_data": {}}, "names no field"),
        (
            "nc_contacts_create_contact",
            {"addressbook": "contacts", "contact_data": {"note": "only a note"}},
            "needs a name",
        ),
        (
            "nc_contacts_create_contact",
            {"addressbook": "contacts", "contact_data": {"fn": "A", "email": ["a@b.c", "nope"]}},
            "'nope' is not an email address",
        ),
        (
            "nc_contacts_create_contact",
            {"addressbook": "contacts", "contact_data": {"fn": "A", "tel": [{"value": "1", "type": "a;b"}]}},
            "must be a single word",
        ),
        (
            "nc_contacts_create_contact",
            {"addressbook": "contacts", "uid": "../x", "contact_data": {"fn": "A"}},
            "'uid'",
        ),
        ("nc_contacts_update_contact", {"addressbook": "contacts", "uid": "u1", "contact_data": {"fn": ""}}, "empty"),
        (
            "nc_contacts_update_contact",
            {"addressbook": "contacts", "uid": "u1", "contact_data": {"tel": "1", "phone": "2"}},
            "not both",
        ),
        ("nc_contacts_delete_contact", {"addressbook": "contacts", "uid": ""}, "'uid': must not be empty"),
    ],
)
async def test_invalid_arguments_are_refused_before_any_request(client, tool, arguments, expected) -> None:
    SENT.clear()
    result = await client.call_tool(tool, arguments)
    assert result.is_error
    assert expected in result.content[0].text
    assert SENT == []


async def test_unknown_contact_fields_are_refused_by_the_schema(client) -> None:
    SENT.clear()
    result = await client.call_tool(
        "nc_contacts_create_contact", {"addressbook": "contacts", "contact_data": {"fn": "A", "shoe_size": 44}}
    )
    assert result.is_error
    assert SENT == []


async def test_a_stale_etag_becomes_an_error_naming_the_current_etag(client) -> None:
    result = await client.call_tool(
        "nc_contacts_update_contact",
        {"addressbook": "contacts", "uid": "u1", "contact_data": {"title": "CTO"}, "etag": '"v8"'},
    )
    assert result.is_error
    assert '"v9"' in result.content[0].text
    assert "412" in result.content[0].text


async def test_every_contacts_tool_declares_its_output_schema_and_scope(client) -> None:
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.server import offered

    settings = Settings(nextcloud_url="https://cloud.example.com", nextcloud_username="u", nextcloud_password="p")
    registry = offered(settings)
    tools = [t for t in (await client.list_tools()).tools if t.name.startswith("nc_contacts_")]
    assert len(tools) == 8
    for tool in tools:
        assert tool.output_schema is not None, tool.name
        assert registry.scope_of_tool(tool.name) in ("contacts.read", "contacts.write")
    schema = next(t for t in tools if t.name == "nc_contacts_update_contact").input_schema
    assert {"addressbook", "uid", "contact_data", "etag"} <= set(schema["properties"])
