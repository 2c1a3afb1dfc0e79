"""Files tools end to end through the real MCP client over both transports; every effect is
checked independently on the stand-in (raw WebDAV) or on disk."""

from __future__ import annotations

import base64
import os
from typing import Any
from urllib.parse import quote

import pytest
from defusedxml.ElementTree import fromstring

from tests.e2e.helpers import call, error_of, unique

pytestmark = pytest.mark.anyio

D = "{DAV:}"


def raw_props(nc_user: Any, path: str, depth: str = "0") -> dict[str, dict[str, str]]:
    """PROPFIND on the stand-in, keyed by path relative to the user's root."""
    root = f"/remote.php/dav/files/{nc_user.id}/"
    with nc_user.raw() as raw:
        response = raw.request("PROPFIND", root + quote(path), headers={"Depth": depth})
    if response.status_code == 404:
        return {}
    assert response.status_code == 207, response.text
    out: dict[str, dict[str, str]] = {}
    for item in fromstring(response.content).iter(f"{D}response"):
        from urllib.parse import unquote

        href = unquote(item.findtext(f"{D}href") or "")
        props = {p.tag: p.text or "" for p in item.iter() if p.tag.startswith("{")}
        out[href.removeprefix(root).strip("/")] = props
    return out


def _touch(path: Any) -> Any:
    path.write_bytes(b"")
    return path


def folder(nc_user: Any, name: str | None = None) -> str:
    name = name or unique("dir")
    (nc_user.files_root / name).mkdir()
    return name


async def test_list_directory_pages_through_a_50_file_folder(mcp, nc_user) -> None:
    base = folder(nc_user)
    for i in range(50):
        (nc_user.files_root / base / f"file-{i:02d}.txt").write_bytes(b"x" * i)
    (nc_user.files_root / base / "sub").mkdir()
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = await call(mcp, "nc_webdav_list_directory", path=base, limit=20, offset=offset)
        seen += [f["name"] for f in page["files"]]
        offset = page["page"]["next_offset"]
    assert seen == ["sub", *[f"file-{i:02d}.txt" for i in range(50)]]
    assert (page["files_count"], page["directories_count"], page["total_size"]) == (50, 1, sum(range(50)))
    first = (await call(mcp, "nc_webdav_list_directory", path=base, limit=2))["files"][1]
    assert first["path"] == f"{base}/file-00.txt"
    assert first["etag"]
    assert first["file_id"]


async def test_unicode_names_round_trip(mcp, nc_user) -> None:
    base = folder(nc_user)
    name = f"{base}/Résumé 日本語 🎉 #1 100%.md"
    written = await call(mcp, "nc_webdav_write_file", path=name, content="# Ünïcödé ✓\n")
    assert (nc_user.files_root / name).read_text(encoding="utf-8") == "# Ünïcödé ✓\n"
    assert written["etag"] == raw_props(nc_user, name)[name][f"{D}getetag"]
    read = await call(mcp, "nc_webdav_read_file", path=name)
    assert (read["content"], read["encoding"], read["etag"]) == ("# Ünïcödé ✓\n", "text", written["etag"])
    listed = await call(mcp, "nc_webdav_list_directory", path=base)
    assert [f["name"] for f in listed["files"]] == ["Résumé 日本語 🎉 #1 100%.md"]


async def test_a_3mb_binary_round_trips_byte_identical_with_progress(mcp, nc_user) -> None:
    data = os.urandom(3 * 1024 * 1024)
    path = f"{folder(nc_user)}/blob.bin"
    progress: list[tuple[float, float | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total))

    result = await mcp.call_tool(
        "nc_webdav_write_file",
        {"path": path, "content": base64.b64encode(data).decode(), "content_type": "application/octet-stream;base64"},
        progress_callback=on_progress,
    )
    assert not result.is_error, result.content[0].text
    assert (nc_user.files_root / path).read_bytes() == data
    assert progress[0][0] == 0
    assert progress[-1] == (len(data), len(data))
    read = await mcp.call_tool("nc_webdav_read_file", {"path": path})
    assert read.structured_content["encoding"] == "base64"
    embedded = next(block for block in read.content if block.type == "resource")
    assert embedded.resource.mime_type == "application/octet-stream"
    assert base64.b64decode(embedded.resource.blob) == data


async def test_reading_a_missing_file_is_a_clear_error(mcp, nc_user) -> None:
    message = await error_of(mcp, "nc_webdav_read_file", path=f"{unique('f')}/missing.txt")
    assert "404" in message
    assert "does not exist" in message


async def test_writing_with_a_stale_etag_reports_the_current_etag(mcp, nc_user) -> None:
    path = f"{folder(nc_user)}/doc.md"
    first = await call(mcp, "nc_webdav_write_file", path=path, content="v1")
    with nc_user.raw() as raw:
        current = raw.put(f"/remote.php/dav/files/{nc_user.id}/{quote(path)}", content=b"someone else").headers["ETag"]
    message = await error_of(mcp, "nc_webdav_write_file", path=path, content="mine", etag=first["etag"])
    assert "412" in message
    assert current in message
    assert (nc_user.files_root / path).read_bytes() == b"someone else"
    done = await call(mcp, "nc_webdav_write_file", path=path, content="merged", etag=current)
    assert (nc_user.files_root / path).read_text() == "merged"
    assert done["created"] is False


async def test_write_into_a_missing_folder_says_to_create_the_parent(mcp, nc_user) -> None:
    message = await error_of(mcp, "nc_webdav_write_file", path=f"{unique('f')}/x/y.txt", content="x")
    assert "409" in message
    assert "parent" in message


async def test_create_directory_move_copy_and_delete_have_their_effects(mcp, nc_user) -> None:
    base = folder(nc_user)
    made = await call(mcp, "nc_webdav_create_directory", path=f"{base}/new")
    assert raw_props(nc_user, f"{base}/new")[f"{base}/new"][f"{D}getetag"] == made["etag"]
    await call(mcp, "nc_webdav_write_file", path=f"{base}/a.txt", content="A")
    moved = await call(
        mcp, "nc_webdav_move_resource", source_path=f"{base}/a.txt", destination_path=f"{base}/new/b.txt"
    )
    listing = raw_props(nc_user, base, depth="infinity")
    assert f"{base}/a.txt" not in listing
    assert f"{base}/new/b.txt" in listing
    assert moved["file_id"] == int(listing[f"{base}/new/b.txt"]["{http://owncloud.org/ns}fileid"])
    await call(mcp, "nc_webdav_copy_resource", source_path=f"{base}/new", destination_path=f"{base}/copy")
    assert (nc_user.files_root / base / "copy" / "b.txt").read_text() == "A"
    message = await error_of(mcp, "nc_webdav_move_resource", source_path=f"{base}/new", destination_path=f"{base}/copy")
    assert "already exists" in message
    assert "overwrite" in message
    deleted = await call(mcp, "nc_webdav_delete_resource", path=f"{base}/new")
    assert deleted["deleted"]
    assert raw_props(nc_user, f"{base}/new") == {}
    message = await error_of(mcp, "nc_webdav_delete_resource", path=f"{base}/new")
    assert "404" in message


@pytest.mark.parametrize("path", ["../x", "a/../../etc/passwd", "a\\b", "bad\x00name"])
async def test_paths_escaping_the_tree_are_refused_before_any_request(mcp, nc_user, path) -> None:
    message = await error_of(mcp, "nc_webdav_write_file", path=path, content="x")
    assert "Invalid argument 'path'" in message
    assert not (nc_user.files_root.parent / "x").exists()


async def test_absolute_and_percent_encoded_paths_stay_inside_the_tree(mcp, nc_user) -> None:
    base = folder(nc_user)
    await call(mcp, "nc_webdav_write_file", path=f"/{base}/abs.txt", content="inside")
    assert (nc_user.files_root / base / "abs.txt").read_text() == "inside"
    await call(mcp, "nc_webdav_write_file", path=f"{base}/%2e%2e", content="literal")
    assert (nc_user.files_root / base / "%2e%2e").read_text() == "literal"
    message = await error_of(mcp, "nc_webdav_read_file", path="/etc/passwd")
    assert "404" in message


async def test_a_file_over_the_read_limit_is_refused_with_the_limit(mcp, nc_user) -> None:
    path = f"{folder(nc_user)}/huge.log"
    os.truncate(_touch(nc_user.files_root / path), 10 * 1024 * 1024 + 1)
    message = await error_of(mcp, "nc_webdav_read_file", path=path)
    assert str(10 * 1024 * 1024) in message
    assert "MAX_FILE_READ_BYTES" in message


async def test_search_find_by_name_and_type_and_favorites(mcp, nc_user) -> None:
    base = folder(nc_user)
    (nc_user.files_root / base / "deep").mkdir()
    (nc_user.files_root / base / "deep" / "Plan.MD").write_text("p")
    (nc_user.files_root / base / "photo.jpg").write_bytes(b"\xff\xd8")
    (nc_user.files_root / base / "notes.txt").write_text("n")
    by_name = await call(mcp, "nc_webdav_find_by_name", pattern="%.md", scope=base)
    assert [r["path"] for r in by_name["results"]] == [f"{base}/deep/Plan.MD"]
    by_type = await call(mcp, "nc_webdav_find_by_type", mime_type="image/%", scope=base)
    assert [r["path"] for r in by_type["results"]] == [f"{base}/photo.jpg"]
    with nc_user.raw() as raw:
        raw.request(
            "PROPPATCH",
            f"/remote.php/dav/files/{nc_user.id}/{base}/notes.txt",
            content=b'<d:propertyupdate xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:set><d:prop>'
            b"<oc:favorite>1</oc:favorite></d:prop></d:set></d:propertyupdate>",
        )
    favorites = await call(mcp, "nc_webdav_list_favorites", scope=base)
    assert [r["path"] for r in favorites["results"]] == [f"{base}/notes.txt"]
    assert favorites["results"][0]["favorite"] is True
    both = await call(mcp, "nc_webdav_search_files", scope=base, name_pattern="%s%", only_favorites=True)
    assert [r["path"] for r in both["results"]] == [f"{base}/notes.txt"]


async def test_file_resource_template_reads_text_and_blobs(mcp, nc_user) -> None:
    base = folder(nc_user)
    (nc_user.files_root / base / "r.md").write_text("res ✓", encoding="utf-8")
    (nc_user.files_root / base / "r.png").write_bytes(b"\x89PNG\x00\x01")
    text = await mcp.read_resource(f"nc://files/{base}/r.md")
    assert text.contents[0].text == "res ✓"
    blob = await mcp.read_resource(f"nc://files/{base}/r.png")
    assert base64.b64decode(blob.contents[0].blob) == b"\x89PNG\x00\x01"


async def test_a_missing_file_resource_is_refused_with_the_same_hint_a_tool_gives(mcp, nc_user) -> None:
    from mcp.shared.exceptions import MCPError

    missing = f"{folder(nc_user)}/missing.md"
    tool = await error_of(mcp, "nc_webdav_read_file", path=missing)
    with pytest.raises(MCPError) as refused:
        await mcp.read_resource(f"nc://files/{missing}")
    assert "HTTP 404" in str(refused.value)
    hint = "use the matching list or search tool to find valid names and ids"
    assert hint in str(refused.value)
    assert hint in tool
