"""The CardDAV client against scripted Nextcloud answers (httpx.MockTransport): discovery,
listing, queries, conditional writes and the errors they become."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import make_client
from nextcloud_mcp_server.nextcloud.carddav import CardDAV, segment
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.nextcloud.errors import Conflict, NotFound, PreconditionFailed
from nextcloud_mcp_server.nextcloud.paths import UnsafePath
from nextcloud_mcp_server.nextcloud.vcard import ContactInput

pytestmark = pytest.mark.anyio

BASE = "https://cloud.example.com"
HOME = "/remote.php/dav/addressbooks/users/ann/"
NS = 'xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:cs="http://calendarserver.org/ns/"'
CARD = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{fn}\r\nX-KEEP:me\r\nEND:VCARD\r\n"


def multistatus(*responses: str) -> httpx.Response:
    body = f'<?xml version="1.0"?><d:multistatus {NS}>{"".join(responses)}</d:multistatus>'
    return httpx.Response(207, content=body.encode(), headers={"Content-Type": "application/xml"})


def response(href: str, props: str) -> str:
    return (
        f"<d:response><d:href>{href}</d:href><d:propstat><d:prop>{props}</d:prop>"
        "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
    )


def discovery(request: httpx.Request, base_path: str = "") -> httpx.Response | None:
    """Nextcloud's answers to the two discovery PROPFINDs (None for anything else)."""
    path = request.url.path.removeprefix(base_path)
    if request.method == "PROPFIND" and path == "/remote.php/dav/":
        principal = f"{base_path}/remote.php/dav/principals/users/ann/"
        return multistatus(
            response(
                "/remote.php/dav/", f"<d:current-user-principal><d:href>{principal}</d:href></d:current-user-principal>"
            )
        )
    if request.method == "PROPFIND" and path == "/remote.php/dav/principals/users/ann/":
        home = f"<card:addressbook-home-set><d:href>{base_path}{HOME}</d:href></card:addressbook-home-set>"
        return multistatus(response(request.url.path, home))
    return None


def carddav(handler: Callable[[httpx.Request], httpx.Response], base: str = BASE) -> CardDAV:
    settings = Settings(nextcloud_url=base, nextcloud_username="ann", nextcloud_password="p", nextcloud_retries=0)
    http = make_client(
        settings, base_url=base, auth=httpx.BasicAuth("ann", "p"), transport=httpx.MockTransport(handler)
    )
    return CardDAV(NextcloudClient(http, "ann", base))


class Recorder:
    """Answers discovery, then the scripted handler; keeps every request."""

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response], base_path: str = "") -> None:
        self.handler = handler
        self.base_path = base_path
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return discovery(request, self.base_path) or self.handler(request)

    def sent(self, method: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method]


async def test_discovery_follows_the_principal_to_the_home_once_and_caches_it() -> None:
    rec = Recorder(lambda r: multistatus())
    api = carddav(rec)
    assert await api.home() == HOME
    assert await api.home() == HOME
    assert [r.url.path for r in rec.requests] == ["/remote.php/dav/", "/remote.php/dav/principals/users/ann/"]
    assert all(r.headers["Depth"] == "0" for r in rec.requests)


async def test_discovery_works_when_nextcloud_lives_under_a_subpath() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == f"/nc{HOME}"
        return multistatus(
            response(f"/nc{HOME}contacts/", "<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype>")
        )

    books = await carddav(Recorder(handler, "/nc"), base=f"{BASE}/nc").list_addressbooks()
    assert [b.name for b in books] == ["contacts"]


async def test_list_addressbooks_keeps_only_addressbooks_with_their_names_and_ctags() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        book = "<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype>"
        return multistatus(
            response(HOME, "<d:resourcetype><d:collection/></d:resourcetype>"),
            response(f"{HOME}contacts/", f"{book}<d:displayname>Contacts</d:displayname><cs:getctag>7</cs:getctag>"),
            response(f"{HOME}team%20%C3%BC/", f"{book}<d:displayname>Team Ü</d:displayname>"),
        )

    books = await carddav(Recorder(handler)).list_addressbooks()
    assert [(b.name, b.display_name, b.ctag) for b in books] == [
        ("contacts", "Contacts", "7"),
        ("team ü", "Team Ü", None),
    ]


async def test_list_cards_reads_hrefs_then_fetches_them_with_addressbook_multiget() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PROPFIND":
            return multistatus(
                response(f"{HOME}contacts/", "<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype>"),
                response(f"{HOME}contacts/a.vcf", '<d:getetag>"e1"</d:getetag><d:resourcetype/>'),
            )
        assert b"addressbook-multiget" in request.content
        assert f"{HOME}contacts/a.vcf".encode() in request.content
        data = CARD.format(uid="a", fn="Ann")
        return multistatus(
            response(
                f"{HOME}contacts/a.vcf", f'<d:getetag>"e1"</d:getetag><card:address-data>{data}</card:address-data>'
            )
        )

    cards = await carddav(Recorder(handler)).list_cards("contacts")
    assert [(c.uid, c.etag, c.contact.fn) for c in cards] == [("a", '"e1"', "Ann")]


async def test_search_sends_an_addressbook_query_with_depth_1_and_text_matches() -> None:
    rec = Recorder(lambda r: multistatus())
    await carddav(rec).search("contacts", "lee")
    report = rec.sent("REPORT")[0]
    assert report.headers["Depth"] == "1"
    body = report.content.decode()
    assert 'test="anyof"' in body
    for prop in ("FN", "EMAIL", "TEL", "ORG", "NICKNAME"):
        assert f'name="{prop}"' in body
    assert 'match-type="contains"' in body
    assert ">lee<" in body


async def test_create_sends_if_none_match_and_reports_an_existing_uid_as_a_conflict() -> None:
    rec = Recorder(lambda r: httpx.Response(412))
    with pytest.raises(Conflict, match="already exists"):
        await carddav(rec).create_contact("contacts", ContactInput(fn="Ann"), uid="abc")
    put = rec.sent("PUT")[0]
    assert put.url.path == f"{HOME}contacts/abc.vcf"
    assert put.headers["If-None-Match"] == "*"
    assert put.headers["Content-Type"].startswith("text/vcard")


async def test_create_fetches_the_etag_when_nextcloud_sends_none() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            return httpx.Response(201)
        return multistatus(response(request.url.path, '<d:getetag>"fresh"</d:getetag>'))

    card = await carddav(Recorder(handler)).create_contact("contacts", ContactInput(fn="Ann"))
    assert card.etag == '"fresh"'


async def test_update_merges_into_the_current_card_with_if_match() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, text=CARD.format(uid="u1", fn="Ann"), headers={"ETag": '"v1"'})
        return httpx.Response(204, headers={"ETag": '"v2"'})

    rec = Recorder(handler)
    card = await carddav(rec).update_contact("contacts", "u1", ContactInput(title="CTO"), etag="v1")
    put = rec.sent("PUT")[0]
    assert put.headers["If-Match"] == '"v1"'
    assert b"X-KEEP:me" in put.content
    assert b"TITLE:CTO" in put.content
    assert card.etag == '"v2"'


async def test_a_stale_etag_is_refused_with_the_current_etag_and_nothing_is_written() -> None:
    rec = Recorder(lambda r: httpx.Response(200, text=CARD.format(uid="u1", fn="Ann"), headers={"ETag": '"v5"'}))
    with pytest.raises(PreconditionFailed) as err:
        await carddav(rec).update_contact("contacts", "u1", ContactInput(title="x"), etag='"v4"')
    assert err.value.current_etag == '"v5"'
    assert rec.sent("PUT") == []


async def test_a_412_from_nextcloud_is_completed_with_the_current_etag() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, text=CARD.format(uid="u1", fn="Ann"), headers={"ETag": '"v1"'})
        if request.method == "PUT":
            return httpx.Response(412)
        return multistatus(response(request.url.path, '<d:getetag>"v2"</d:getetag>'))

    with pytest.raises(PreconditionFailed) as err:
        await carddav(Recorder(handler)).update_contact("contacts", "u1", ContactInput(title="x"))
    assert err.value.current_etag == '"v2"'


async def test_a_card_not_named_after_its_uid_is_found_by_a_uid_query() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(404)
        if request.method == "DELETE":
            return httpx.Response(204)
        assert b'name="UID"' in request.content
        assert b'match-type="equals"' in request.content
        data = CARD.format(uid="u1", fn="Ann")
        return multistatus(
            response(
                f"{HOME}contacts/other.vcf", f'<d:getetag>"e"</d:getetag><card:address-data>{data}</card:address-data>'
            )
        )

    rec = Recorder(handler)
    card = await carddav(rec).delete_contact("contacts", "u1")
    assert card.href == f"{HOME}contacts/other.vcf"
    assert rec.sent("DELETE")[0].url.path == f"{HOME}contacts/other.vcf"


async def test_a_missing_contact_is_not_found_with_a_clear_detail() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404) if request.method == "GET" else multistatus()

    with pytest.raises(NotFound) as missing:
        await carddav(Recorder(handler)).delete_contact("contacts", "nobody")
    assert missing.value.subject == "contact UID 'nobody' in addressbook 'contacts'"


async def test_extended_mkcol_carries_the_addressbook_type_and_display_name() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "MKCOL":
            return httpx.Response(201)
        props = "<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype><d:displayname>Work</d:displayname>"
        return multistatus(response(f"{HOME}work/", props))

    rec = Recorder(handler)
    book = await carddav(rec).create_addressbook("work", "Work")
    body = rec.sent("MKCOL")[0].content.decode()
    assert "mkcol" in body
    assert "addressbook" in body
    assert ">Work<" in body
    assert (book.name, book.display_name) == ("work", "Work")


@pytest.mark.parametrize("name", ["", "a/b", "..", ".", "x\x00y", "\\evil"])
def test_unsafe_segments_are_refused(name: str) -> None:
    with pytest.raises(UnsafePath):
        segment(name)


def test_segments_are_percent_encoded() -> None:
    assert segment("team ü%2e") == "team%20%C3%BC%252e"
