"""WebDAV client: parsing Nextcloud's answers, building URLs and bodies, conditional writes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from urllib.parse import unquote

import httpx
import pytest

from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import make_client
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.nextcloud.errors import Conflict, NotFound, PreconditionFailed
from nextcloud_mcp_server.nextcloud.webdav import FileTooLarge, WebDAV, quote_etag

pytestmark = pytest.mark.anyio

BASE = "https://cloud.example.com"

LISTING = b"""<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" xmlns:oc="http://owncloud.org/ns"
 xmlns:nc="http://nextcloud.org/ns">
 <d:response><d:href>/remote.php/dav/files/al%20ice/Docs/</d:href>
  <d:propstat><d:prop><d:getetag>"folder1"</d:getetag><d:resourcetype><d:collection/></d:resourcetype>
   <oc:fileid>10</oc:fileid><oc:size>1234</oc:size><oc:permissions>RGDNVCK</oc:permissions>
   <oc:favorite>0</oc:favorite><d:getlastmodified>Tue, 03 Jun 2025 10:00:00 GMT</d:getlastmodified>
  </d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
  <d:propstat><d:prop><d:getcontenttype/><d:getcontentlength/></d:prop>
   <d:status>HTTP/1.1 404 Not Found</d:status></d:propstat></d:response>
 <d:response><d:href>/remote.php/dav/files/al%20ice/Docs/R%C3%A9sum%C3%A9%20%23%25.md</d:href>
  <d:propstat><d:prop><d:getetag>"abc"</d:getetag><d:resourcetype/><oc:fileid>11</oc:fileid>
   <oc:size>34</oc:size><d:getcontentlength>34</d:getcontentlength><d:getcontenttype>text/markdown</d:getcontenttype>
   <oc:permissions>RGDNVW</oc:permissions><oc:favorite>1</oc:favorite>
   <d:getlastmodified>Wed, 04 Jun 2025 11:30:00 GMT</d:getlastmodified></d:prop>
   <d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
 <d:response><d:href>/remote.php/dav/files/al%20ice/Docs/Sub/</d:href>
  <d:propstat><d:prop><d:getetag>"sub"</d:getetag><d:resourcetype><d:collection/></d:resourcetype>
   <oc:fileid>12</oc:fileid><oc:size>0</oc:size></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
 </d:response>
</d:multistatus>"""


def webdav(handler: Callable[[httpx.Request], httpx.Response], user: str = "al ice") -> WebDAV:
    settings = Settings(nextcloud_url=BASE, nextcloud_username=user, nextcloud_password="pw", nextcloud_retries=0)
    http = make_client(settings, base_url=BASE, transport=httpx.MockTransport(handler))
    return WebDAV(NextcloudClient(http, user, BASE))


def multistatus_one(href: str, etag: str) -> bytes:
    return (
        '<d:multistatus xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:response>'
        f"<d:href>{href}</d:href><d:propstat><d:prop><d:getetag>{etag}</d:getetag><d:resourcetype/>"
        "<oc:size>3</oc:size></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
        "</d:multistatus>"
    ).encode()


async def test_listing_parses_nextcloud_properties_and_skips_the_folder_itself() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(207, content=LISTING)

    me, children = await webdav(handler).listing("Docs")
    assert seen[0].method == "PROPFIND"
    assert seen[0].headers["Depth"] == "1"
    assert seen[0].url.raw_path == b"/remote.php/dav/files/al%20ice/Docs"
    assert b"<oc:fileid" in seen[0].content
    assert b"<oc:favorite" in seen[0].content
    assert me.path == "Docs"
    assert me.is_dir
    assert me.etag == '"folder1"'
    assert me.size == 1234
    assert [c.name for c in children] == ["Sub", "Résumé #%.md"]
    sub, note = children
    assert sub.is_dir
    assert sub.file_id == 12
    assert note.path == "Docs/Résumé #%.md"
    assert (note.size, note.etag, note.file_id, note.permissions, note.favorite) == (34, '"abc"', 11, "RGDNVW", True)
    assert note.content_type == "text/markdown"
    assert note.last_modified is not None
    assert note.last_modified.hour == 11


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        (
            "Résumé 日本語 🎉.md",
            "/remote.php/dav/files/al%20ice/R%C3%A9sum%C3%A9%20%E6%97%A5%E6%9C%AC%E8%AA%9E%20%F0%9F%8E%89.md",
        ),
        ("a #b/100%.txt", "/remote.php/dav/files/al%20ice/a%20%23b/100%25.txt"),
        ("%2e%2e/x", "/remote.php/dav/files/al%20ice/%252e%252e/x"),
        ("/etc/passwd", "/remote.php/dav/files/al%20ice/etc/passwd"),
    ],
)
async def test_paths_are_percent_encoded_name_by_name_inside_the_user_root(path: str, raw: str) -> None:
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path)
        return httpx.Response(201)

    await webdav(handler).upload(path, b"x")
    assert seen == [raw.encode()]


async def test_upload_with_a_stale_etag_raises_precondition_failed_carrying_the_current_etag() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            assert request.headers["If-Match"] == '"old"'
            return httpx.Response(412, content=b"<d:error><s:message>etag mismatch</s:message></d:error>")
        assert request.headers["Depth"] == "0"
        return httpx.Response(207, content=multistatus_one("/remote.php/dav/files/al%20ice/a.md", '"new"'))

    with pytest.raises(PreconditionFailed) as err:
        await webdav(handler).upload("a.md", b"text", etag="old")
    assert err.value.current_etag == '"new"'
    assert err.value.detail == "etag mismatch"


async def test_upload_streams_an_async_iterator_and_reports_the_new_etag_and_file_id() -> None:
    received: list[bytes] = []

    async def chunks() -> AsyncIterator[bytes]:
        for part in (b"ab", b"cd", b"ef"):
            yield part

    async def handler_async(request: httpx.Request) -> httpx.Response:
        received.append(await request.aread())
        assert request.headers["Content-Length"] == "6"
        return httpx.Response(201, headers={"ETag": '"e1"', "OC-ETag": '"e1"', "OC-FileId": "00000042ocabc"})

    settings = Settings(nextcloud_url=BASE, nextcloud_username="u", nextcloud_password="pw")
    http = make_client(settings, base_url=BASE, transport=httpx.MockTransport(handler_async))
    result = await WebDAV(NextcloudClient(http, "u", BASE)).upload("f.bin", chunks(), content_length=6)
    assert received == [b"abcdef"]
    assert (result.etag, result.file_id, result.created) == ('"e1"', 42, True)


async def test_read_refuses_a_file_over_the_limit_before_downloading() -> None:
    methods: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        methods.append(request.method)
        return httpx.Response(207, content=multistatus_one("/remote.php/dav/files/al%20ice/big.bin", '"e"'))

    with pytest.raises(FileTooLarge) as err:
        await webdav(handler).read("big.bin", max_bytes=2)
    assert (err.value.size, err.value.limit) == (3, 2)
    assert methods == ["PROPFIND"]


async def test_move_sends_an_absolute_destination_and_overwrite_false() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201)

    await webdav(handler).move("a b.md", "Archiv/ä.md")
    assert seen[0].method == "MOVE"
    assert seen[0].headers["Destination"] == f"{BASE}/remote.php/dav/files/al%20ice/Archiv/%C3%A4.md"
    assert seen[0].headers["Overwrite"] == "F"


async def test_errors_map_to_the_shared_types() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(409 if request.method == "MKCOL" else 404)

    api = webdav(handler)
    with pytest.raises(Conflict):
        await api.mkcol("missing/child")
    with pytest.raises(NotFound):
        await api.stat("nothing.txt")


async def test_search_sends_basicsearch_to_the_dav_root_with_the_scope_and_filters() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(207, content=LISTING)

    found = await webdav(handler).search("Docs", name_like="%.md", type_like="text/%", limit=5)
    request = seen[0]
    assert (request.method, request.url.path) == ("SEARCH", "/remote.php/dav/")
    body = request.content.decode()
    assert "<d:href>/files/al ice/Docs</d:href>" in body
    assert "<d:literal>%.md</d:literal>" in body
    assert "<d:literal>text/%</d:literal>" in body
    assert "<d:and>" in body
    assert "<d:nresults>5</d:nresults>" in body
    assert [f.path for f in found] == ["Docs", "Docs/Résumé #%.md", "Docs/Sub"]


async def test_hrefs_outside_the_user_root_are_ignored() -> None:
    body = LISTING.replace(b"/remote.php/dav/files/al%20ice/Docs/Sub/", b"/remote.php/dav/files/mallory/x/")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(207, content=body)

    _me, children = await webdav(handler).listing("Docs")
    assert [unquote(c.path) for c in children] == ["Docs/Résumé #%.md"]


def test_etags_are_quoted_once() -> None:
    assert quote_etag("abc") == '"abc"'
    assert quote_etag('"abc"') == '"abc"'


async def test_a_move_onto_a_taken_destination_is_destination_exists_and_an_etag_mismatch_is_not() -> None:
    from nextcloud_mcp_server.nextcloud.errors import DestinationExists

    seen: list[str | None] = []

    def nextcloud(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Overwrite"))
        return httpx.Response(412, text="<d:error/>")

    api = webdav(nextcloud)
    with pytest.raises(DestinationExists) as taken:
        await api.move("a.txt", "b.txt")
    with pytest.raises(PreconditionFailed) as changed:
        await api.move("a.txt", "b.txt", etag='"v1"')
    assert taken.value.destination == "b.txt"
    assert not isinstance(changed.value, DestinationExists)
    assert seen[0] == "F"  # Nextcloud decides, in the same request: no look-then-move gap


def test_a_file_too_large_and_a_taken_destination_say_what_to_do() -> None:
    from nextcloud_mcp_server.nextcloud.errors import DestinationExists
    from nextcloud_mcp_server.tools._base import failure_message

    large = failure_message(FileTooLarge("big.bin", 20, 10), "Read file")
    taken = failure_message(DestinationExists("b.txt"), "Move or rename")
    assert "'big.bin' is 20 bytes, over the server's read limit of 10 bytes" in large
    assert "MAX_FILE_READ_BYTES" in large
    assert "'b.txt' already exists" in taken
    assert "overwrite=true" in taken
