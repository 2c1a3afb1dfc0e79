"""Trash bin tools end to end through the real MCP client: a file deleted through WebDAV is listed
in the trash and restored to its path with its content; an entry is deleted for good; the trash is
emptied; bad entry ids are refused; with files_trashbin disabled for the user the toolset vanishes.
Every effect is checked on the stand-in with raw WebDAV requests."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest
from defusedxml.ElementTree import fromstring
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.e2e.helpers import call, error_of, unique
from tests.standin import serve_in_thread

pytestmark = pytest.mark.anyio

D, NC = "{DAV:}", "{http://nextcloud.org/ns}"
TRASH_TOOLS = {"nc_webdav_list_trash", "nc_webdav_restore_from_trash", "nc_trash_delete", "nc_trash_empty"}


def files(nc_user: Any) -> str:
    return f"/remote.php/dav/files/{nc_user.id}"


def deleted(nc_user: Any, content: bytes = b"precious", folder: str = "") -> str:
    """A file written and deleted through WebDAV as the user; its path."""
    path = f"{folder}/{unique('doc')}.txt".lstrip("/")
    with nc_user.raw() as raw:
        if folder:
            raw.request("MKCOL", f"{files(nc_user)}/{folder}")
        assert raw.put(f"{files(nc_user)}/{path}", content=content).status_code == 201
        assert raw.delete(f"{files(nc_user)}/{path}").status_code == 204
    return path


def raw_trash(nc_user: Any) -> dict[str, str]:
    """Entry name -> original location, as the stand-in's trash bin answers them."""
    body = (
        b'<d:propfind xmlns:d="DAV:" xmlns:nc="http://nextcloud.org/ns"><d:prop>'
        b"<nc:trashbin-original-location/></d:prop></d:propfind>"
    )
    with nc_user.raw() as raw:
        answer = raw.request("PROPFIND", f"/remote.php/dav/trashbin/{nc_user.id}/trash", content=body)
    assert answer.status_code == 207
    found = {}
    for response in fromstring(answer.content).iter(f"{D}response"):
        location = response.findtext(f".//{NC}trashbin-original-location")
        if location:
            found[(response.findtext(f"{D}href") or "").rsplit("/", 1)[-1]] = location
    return found


async def entry_of(mcp: Any, path: str) -> dict[str, Any]:
    listed = await call(mcp, "nc_webdav_list_trash", limit=500)
    [entry] = [item for item in listed["items"] if item["original_location"] == path]
    return entry


async def test_a_deleted_file_is_listed_and_restored_to_its_path_with_its_content(mcp, nc_user) -> None:
    path = deleted(nc_user, b"restore me", folder=unique("Reports"))
    entry = await entry_of(mcp, path)
    assert entry["id"] in raw_trash(nc_user)
    assert (entry["name"], entry["is_directory"], entry["size"]) == (path.rsplit("/", 1)[-1], False, 10)
    assert entry["deleted_at"] is not None

    restored = await call(mcp, "nc_webdav_restore_from_trash", entry_id=entry["id"])

    assert (restored["path"], restored["original_location"]) == (path, path)
    with nc_user.raw() as raw:
        assert raw.get(f"{files(nc_user)}/{path}").content == b"restore me"
    assert entry["id"] not in raw_trash(nc_user)
    assert (nc_user.files_root / path).stat().st_ino == entry["file_id"]


async def test_restoring_onto_a_taken_name_says_where_it_went(mcp, nc_user) -> None:
    path = deleted(nc_user, b"the old one")
    with nc_user.raw() as raw:
        raw.put(f"{files(nc_user)}/{path}", content=b"the new one")
    entry = await entry_of(mcp, path)
    restored = await call(mcp, "nc_webdav_restore_from_trash", entry_id=entry["id"])
    assert restored["path"] == path.removesuffix(".txt") + " (restored).txt"
    assert (nc_user.files_root / restored["path"]).read_bytes() == b"the old one"
    assert (nc_user.files_root / path).read_bytes() == b"the new one"


async def test_deleting_an_entry_for_good_removes_it_from_the_trash(mcp, nc_user) -> None:
    path = deleted(nc_user)
    entry = await entry_of(mcp, path)
    result = await call(mcp, "nc_trash_delete", entry_id=entry["id"])
    assert result == {"entry_id": entry["id"], "deleted": True}
    assert entry["id"] not in raw_trash(nc_user)
    assert not (nc_user.files_root / path).exists()
    message = await error_of(mcp, "nc_webdav_restore_from_trash", entry_id=entry["id"])
    assert f"trash entry '{entry['id']}'" in message
    assert "does not exist" in message


async def test_emptying_the_trash_deletes_every_entry(mcp, nc_user) -> None:
    deleted(nc_user)
    deleted(nc_user, folder=unique("Old"))
    assert raw_trash(nc_user)
    assert await call(mcp, "nc_trash_empty") == {"entry_id": None, "deleted": True}
    assert raw_trash(nc_user) == {}
    assert (await call(mcp, "nc_webdav_list_trash"))["items"] == []


async def test_a_deleted_folder_is_one_entry_and_comes_back_whole(mcp, nc_user) -> None:
    folder = unique("Project")
    with nc_user.raw() as raw:
        raw.request("MKCOL", f"{files(nc_user)}/{folder}")
        raw.put(f"{files(nc_user)}/{folder}/inside.md", content=b"# kept")
        assert raw.delete(f"{files(nc_user)}/{folder}").status_code == 204
    entry = await entry_of(mcp, folder)
    assert entry["is_directory"] is True
    await call(mcp, "nc_webdav_restore_from_trash", entry_id=entry["id"])
    assert (nc_user.files_root / folder / "inside.md").read_bytes() == b"# kept"


async def test_the_list_pages_newest_first(mcp, nc_user) -> None:
    deleted(nc_user), deleted(nc_user)
    page = await call(mcp, "nc_webdav_list_trash", limit=1)
    assert page["page"]["next_offset"] == 1
    assert page["page"]["total"] == len(raw_trash(nc_user))
    rest = await call(mcp, "nc_webdav_list_trash", limit=500, offset=1)
    assert len(rest["items"]) == page["page"]["total"] - 1
    times = [item["deleted_at"] for item in [*page["items"], *rest["items"]]]
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize("entry_id", ["", "  ", "a/b.d1", ".."])
async def test_an_entry_id_that_is_no_entry_name_is_refused_before_any_request(mcp, entry_id) -> None:
    for tool in ("nc_webdav_restore_from_trash", "nc_trash_delete"):
        message = await error_of(mcp, tool, entry_id=entry_id)
        assert "Invalid argument 'entry_id'" in message
        assert "nc_webdav_list_trash" in message


async def test_an_unknown_entry_is_not_found(mcp) -> None:
    message = await error_of(mcp, "nc_trash_delete", entry_id="nothing.txt.d1")
    assert "HTTP 404" in message
    assert "trash entry 'nothing.txt.d1'" in message


async def test_another_users_deletions_are_not_in_my_trash(mcp, nc_user) -> None:
    other = nc_user.standin.add_user("trash-neighbour", "pw-neighbour")
    theirs = deleted(other, b"not yours")
    listed = await call(mcp, "nc_webdav_list_trash", limit=500)
    assert theirs not in [item["original_location"] for item in listed["items"]]
    assert theirs in raw_trash(other).values()


async def test_without_files_trashbin_the_trash_tools_vanish_and_a_call_names_the_app(standin) -> None:
    from nextcloud_mcp_server.app import build_app

    user = standin.add_user("trash-gated", "pw-trash-gated")
    app = build_app(user.settings(capabilities_ttl=0, toolsets=["all"]))
    try:
        with serve_in_thread(app, lifespan="on") as url:
            http = httpx.AsyncClient(timeout=30)
            async with Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client:
                before = {t.name for t in (await client.list_tools()).tools}
                standin.app.set_app_enabled(user.id, "files_trashbin", False)
                without = {t.name for t in (await client.list_tools()).tools}
                refused = await client.call_tool("nc_webdav_list_trash", {})
                states = {s["name"]: s for s in (await call(client, "nc_toolsets_list"))["toolsets"]}
                standin.app.set_app_enabled(user.id, "files_trashbin", True)
                with anyio.fail_after(10):
                    after = {t.name for t in (await client.list_tools()).tools}
    finally:
        standin.app.set_app_enabled(user.id, "files_trashbin", True)
    assert before >= TRASH_TOOLS
    assert without.isdisjoint(TRASH_TOOLS)
    assert "nc_webdav_list_versions" in without  # only the trash bin is gone
    assert refused.is_error
    assert "needs the Nextcloud app 'Deleted files' (files_trashbin)" in refused.content[0].text
    assert states["trash"]["available"] is False
    assert after >= TRASH_TOOLS
