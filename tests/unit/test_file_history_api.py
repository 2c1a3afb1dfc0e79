"""The trash bin, versions, reminders and previews clients against a scripted transport: the
requests they send, how they read Nextcloud's answers, and the typed errors they raise."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import make_client
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.nextcloud.errors import BadResponse, FileTooLarge, InvalidInput, NotFound
from nextcloud_mcp_server.nextcloud.previews import PreviewAPI, dimensions
from nextcloud_mcp_server.nextcloud.reminders import RemindersAPI, due_at
from nextcloud_mcp_server.nextcloud.trashbin import TrashbinAPI
from nextcloud_mcp_server.nextcloud.versions import VersionsAPI

pytestmark = pytest.mark.anyio

BASE = "https://cloud.example.com"
USER = "ann lee"
TRASH = "/remote.php/dav/trashbin/ann%20lee/trash"


def client(handler: Callable[[httpx.Request], httpx.Response]) -> NextcloudClient:
    settings = Settings(nextcloud_url=BASE, nextcloud_username=USER, nextcloud_password="p", nextcloud_retries=0)
    http = make_client(settings, base_url=BASE, auth=httpx.BasicAuth(USER, "p"), transport=httpx.MockTransport(handler))
    return NextcloudClient(http, USER, BASE)


def multistatus(*responses: str) -> httpx.Response:
    body = (
        '<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" '
        f'xmlns:nc="http://nextcloud.org/ns">{"".join(responses)}</d:multistatus>'
    )
    return httpx.Response(207, content=body.encode(), headers={"Content-Type": "application/xml"})


def entry(href: str, props: str, missing: str = "") -> str:
    absent = f"<d:propstat><d:prop>{missing}</d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>"
    return (
        f"<d:response><d:href>{href}</d:href><d:propstat><d:prop>{props}</d:prop>"
        f"<d:status>HTTP/1.1 200 OK</d:status></d:propstat>{absent if missing else ''}</d:response>"
    )


def trashed(name: str, location: str, when: int, file_id: int, folder: bool = False) -> str:
    kind = "<d:collection/>" if folder else ""
    return entry(
        f"{TRASH}/{name}.d{when}",
        f"<nc:trashbin-filename>{name}</nc:trashbin-filename>"
        f"<nc:trashbin-original-location>{location}</nc:trashbin-original-location>"
        f"<nc:trashbin-deletion-time>{when}</nc:trashbin-deletion-time><oc:fileid>{file_id}</oc:fileid>"
        f"<oc:size>12</oc:size><d:resourcetype>{kind}</d:resourcetype><d:getcontenttype>text/plain</d:getcontenttype>",
    )


async def test_the_trash_lists_entries_newest_first_without_the_folder_itself() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return multistatus(
            entry(f"{TRASH}/", "<d:resourcetype><d:collection/></d:resourcetype>"),
            trashed("a.txt", "Docs/a.txt", 100, 7),
            trashed("Old", "Old", 300, 8, folder=True),
        )

    items = await client(handler).api(TrashbinAPI).items()

    assert [(i.id, i.original_location, i.deleted_at, i.is_dir) for i in items] == [
        ("Old.d300", "Old", 300, True),
        ("a.txt.d100", "Docs/a.txt", 100, False),
    ]
    assert items[1].content_type == "text/plain"
    assert items[0].content_type is None
    assert (seen[0].method, seen[0].url.raw_path.decode(), seen[0].headers["Depth"]) == ("PROPFIND", f"{TRASH}/", "1")
    assert b"trashbin-original-location" in seen[0].content


async def test_restoring_moves_into_the_restore_folder_and_finds_where_it_went_by_file_id() -> None:
    calls: list[tuple[str, str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode()
        calls.append((request.method, path, request.headers.get("Destination")))
        if request.method == "PROPFIND" and path.startswith(TRASH):
            return multistatus(trashed("a.txt", "Docs/a.txt", 100, 7))
        if request.method == "MOVE":
            return httpx.Response(201)
        if path == "/remote.php/dav/files/ann%20lee/Docs/":
            return multistatus(
                entry(path, "<oc:fileid>2</oc:fileid>"),
                entry(f"{path}a.txt", "<oc:fileid>6</oc:fileid>"),
                entry(f"{path}a%20(restored).txt", "<oc:fileid>7</oc:fileid>"),
            )
        return httpx.Response(404)

    restored = await client(handler).api(TrashbinAPI).restore("a.txt.d100")

    assert restored.path == "Docs/a (restored).txt"
    assert calls[1] == ("MOVE", f"{TRASH}/a.txt.d100", f"{BASE}/remote.php/dav/trashbin/ann%20lee/restore/a.txt.d100")


async def test_restoring_an_entry_whose_folder_is_gone_looks_in_the_root() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode()
        if path.startswith(TRASH):
            return multistatus(trashed("a.txt", "Gone/a.txt", 100, 7))
        if request.method == "MOVE":
            return httpx.Response(201)
        if path == "/remote.php/dav/files/ann%20lee/":
            return multistatus(entry(f"{path}a.txt", "<oc:fileid>7</oc:fileid>"))
        return httpx.Response(404)

    assert (await client(handler).api(TrashbinAPI).restore("a.txt.d100")).path == "a.txt"


async def test_an_unknown_entry_is_not_found_before_anything_moves() -> None:
    methods: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        methods.append(request.method)
        return multistatus(trashed("a.txt", "a.txt", 100, 7))

    with pytest.raises(NotFound) as raised:
        await client(handler).api(TrashbinAPI).restore("b.txt.d1")
    assert raised.value.subject == "trash entry 'b.txt.d1'"
    assert methods == ["PROPFIND"]


async def test_deleting_an_entry_that_is_gone_names_it() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert (request.method, request.url.raw_path.decode()) == ("DELETE", f"{TRASH}/x%20y.d1")
        return httpx.Response(404)

    with pytest.raises(NotFound) as raised:
        await client(handler).api(TrashbinAPI).delete("x y.d1")
    assert raised.value.subject == "trash entry 'x y.d1'"


async def test_versions_are_read_newest_first_and_restored_by_a_move() -> None:
    folder = "/remote.php/dav/versions/ann%20lee/versions/42"
    calls: list[tuple[str, str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append((request.method, request.url.raw_path.decode(), request.headers.get("Destination")))
        if request.method == "MOVE":
            return httpx.Response(201)
        return multistatus(
            entry(f"{folder}/", "<d:resourcetype><d:collection/></d:resourcetype>"),
            entry(f"{folder}/1700000000", "<d:getcontentlength>3</d:getcontentlength>", "<nc:version-label/>"),
            entry(
                f"{folder}/1700003600",
                "<d:getcontentlength>5</d:getcontentlength><d:getlastmodified>Tue, 14 Nov 2023 23:13:20 GMT"
                "</d:getlastmodified><nc:version-author>ann lee</nc:version-author>",
            ),
        )

    api = client(handler).api(VersionsAPI)
    versions = await api.list(42)
    await api.restore(42, "1700000000")

    assert [(v.id, v.size, v.author, v.label) for v in versions] == [
        ("1700003600", 5, "ann lee", None),
        ("1700000000", 3, None, None),
    ]
    assert versions[1].modified == datetime.fromtimestamp(1700000000, UTC)  # no getlastmodified: the name says
    assert calls[1] == (
        "MOVE",
        f"{folder}/1700000000",
        f"{BASE}/remote.php/dav/versions/ann%20lee/restore/target",
    )


async def test_an_unknown_version_is_not_found_with_what_it_was_about() -> None:
    with pytest.raises(NotFound) as raised:
        await client(lambda request: httpx.Response(404)).api(VersionsAPI).restore(42, "1")
    assert raised.value.subject == "version 1 of file 42"


def ocs(status: int, data: object, code: int | None = None) -> httpx.Response:
    meta = {"status": "ok" if status < 300 else "failure", "statuscode": code or status, "message": ""}
    return httpx.Response(status, json={"ocs": {"meta": meta, "data": data}})


async def test_a_reminder_is_set_in_utc_and_read_back_as_a_datetime() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.method == "PUT":
            return ocs(201, [])
        return ocs(200, {"dueDate": "2031-03-04T08:30:00+00:00"})

    api = client(handler).api(RemindersAPI)
    created = await api.set(9, due_at("2031-03-04T10:30:00+02:00", "due"))
    due = await api.get(9)

    assert created is True
    assert json.loads(sent[0].content) == {"dueDate": "2031-03-04T08:30:00+00:00"}
    assert sent[0].headers["OCS-APIRequest"] == "true"
    assert sent[0].url.path == "/ocs/v2.php/apps/files_reminders/api/v1/9"
    assert due == datetime(2031, 3, 4, 8, 30, tzinfo=UTC)


async def test_no_reminder_reads_as_none_and_removing_none_is_not_found() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return ocs(200, {"dueDate": None}) if request.method == "GET" else ocs(404, [])

    api = client(handler).api(RemindersAPI)
    assert await api.get(9) is None
    with pytest.raises(NotFound) as raised:
        await api.remove(9)
    assert raised.value.subject == "the reminder on file 9"


@pytest.mark.parametrize(("value", "says"), [("soon", "not an ISO 8601"), ("2031-01-01T10:00:00", "no UTC offset")])
def test_a_due_date_that_nextcloud_would_misread_is_invalid_input(value: str, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        due_at(value, "due")


async def test_a_preview_is_read_with_its_type_and_size() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x40\x00\x00\x00\x20" + b"\x00" * 20

    def handler(request: httpx.Request) -> httpx.Response:
        assert dict(request.url.params) == {"fileId": "5", "x": "64", "y": "48", "a": "1"}
        return httpx.Response(200, content=png, headers={"Content-Type": "image/png"})

    preview = await client(handler).api(PreviewAPI).get(5, 64, 48, keep_aspect=True, max_bytes=1000)
    assert (preview.mime_type, dimensions(preview.data)) == ("image/png", (64, 32))


async def test_a_preview_over_the_limit_or_not_an_image_is_refused() -> None:
    big = client(lambda r: httpx.Response(200, content=b"x" * 2000, headers={"Content-Type": "image/png"}))
    with pytest.raises(FileTooLarge):
        await big.api(PreviewAPI).get(5, 64, 64, keep_aspect=False, max_bytes=1000)
    page = client(lambda r: httpx.Response(200, content=b"<html>", headers={"Content-Type": "text/html"}))
    with pytest.raises(BadResponse, match="not an image"):
        await page.api(PreviewAPI).get(5, 64, 64, keep_aspect=False, max_bytes=1000)


async def test_no_preview_is_not_found_about_the_preview() -> None:
    none = client(lambda r: httpx.Response(404, json=[]))
    with pytest.raises(NotFound) as raised:
        await none.api(PreviewAPI).get(5, 64, 64, keep_aspect=True, max_bytes=1000)
    assert raised.value.subject == "the preview of file 5"


def test_image_dimensions_from_gif_and_jpeg_headers() -> None:
    assert dimensions(b"GIF89a\x10\x00\x08\x00rest") == (16, 8)
    jpeg = b"\xff\xd8" + b"\xff\xe0\x00\x04\x00\x00" + b"\xff\xc0\x00\x11\x08\x00\x20\x00\x40" + b"\x00" * 12
    assert dimensions(jpeg) == (64, 32)
    assert dimensions(b"plain text") is None
