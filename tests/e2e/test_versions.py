"""Version tools end to end through the real MCP client: overwriting a file keeps the old content as
a version; listing shows it beside the current content; restoring it brings the old content back
(same file id) and keeps the replaced content as a version. Effects are checked on the stand-in
with raw WebDAV requests; the old content is backdated on disk so that the overwrite falls in
another second (Nextcloud names versions by their mtime in seconds)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.e2e.helpers import call, error_of, unique

pytestmark = pytest.mark.anyio


def files(nc_user: Any) -> str:
    return f"/remote.php/dav/files/{nc_user.id}"


def written_an_hour_ago(nc_user: Any, content: bytes) -> tuple[str, int]:
    """A file written as the user, its mtime then set an hour back; its path and that mtime."""
    path = f"{unique('draft')}.md"
    with nc_user.raw() as raw:
        assert raw.put(f"{files(nc_user)}/{path}", content=content).status_code == 201
    disk = nc_user.files_root / path
    stamp = int(disk.stat().st_mtime) - 3600
    os.utime(disk, (stamp, stamp))
    return path, stamp


def raw_versions(nc_user: Any, file_id: int) -> list[str]:
    with nc_user.raw() as raw:
        answer = raw.request("PROPFIND", f"/remote.php/dav/versions/{nc_user.id}/versions/{file_id}")
    assert answer.status_code == 207
    hrefs = [part.split("</d:href>")[0] for part in answer.text.split("<d:href>")[1:]]
    return sorted(href.rsplit("/", 1)[-1] for href in hrefs if not href.endswith("/"))


async def test_overwrite_list_and_restore_brings_the_old_content_back(mcp, nc_user) -> None:
    path, old = written_an_hour_ago(nc_user, b"# version one")
    await call(mcp, "nc_webdav_write_file", path=path, content="# version two")
    disk = nc_user.files_root / path
    file_id, now = disk.stat().st_ino, int(disk.stat().st_mtime)

    listed = await call(mcp, "nc_webdav_list_versions", path=path)
    versions = [(v["version_id"], v["current"], v["size"]) for v in listed["items"]]
    assert versions == [(str(now), True, 13), (str(old), False, 13)]
    assert raw_versions(nc_user, file_id) == sorted([str(old), str(now)])

    restored = await call(mcp, "nc_webdav_restore_version", path=path, version_id=str(old))

    with nc_user.raw() as raw:
        answer = raw.get(f"{files(nc_user)}/{path}")
    assert answer.content == b"# version one"
    assert restored == {"path": path, "version_id": str(old), "etag": answer.headers["ETag"], "file_id": file_id}
    assert disk.stat().st_ino == file_id
    after = await call(mcp, "nc_webdav_list_versions", path=path)
    assert [(v["version_id"], v["current"]) for v in after["items"]] == [(str(now), False), (str(old), True)]
    with nc_user.raw() as raw:  # the content it replaced is kept, so the restore can be undone
        assert raw.get(f"/remote.php/dav/versions/{nc_user.id}/versions/{file_id}/{now}").content == b"# version two"


async def test_a_new_file_has_only_its_current_version(mcp, nc_user) -> None:
    path = f"{unique('fresh')}.txt"
    await call(mcp, "nc_webdav_write_file", path=path, content="only")
    listed = await call(mcp, "nc_webdav_list_versions", path=path)
    assert [v["current"] for v in listed["items"]] == [True]
    assert listed["items"][0]["author"] == nc_user.id


async def test_a_folder_has_no_versions(mcp, nc_user) -> None:
    folder = unique("Folder")
    await call(mcp, "nc_webdav_create_directory", path=folder)
    message = await error_of(mcp, "nc_webdav_list_versions", path=folder)
    assert f"'{folder}' is a folder; only files have versions." in message


@pytest.mark.parametrize("version_id", ["", "yesterday", "12.5"])
async def test_a_version_id_that_is_no_timestamp_is_refused(mcp, nc_user, version_id) -> None:
    message = await error_of(mcp, "nc_webdav_restore_version", path="any.txt", version_id=version_id)
    assert "Invalid argument 'version_id'" in message
    assert "nc_webdav_list_versions" in message


async def test_an_unknown_version_or_file_is_not_found(mcp, nc_user) -> None:
    path, _ = written_an_hour_ago(nc_user, b"x")
    file_id = (nc_user.files_root / path).stat().st_ino
    message = await error_of(mcp, "nc_webdav_restore_version", path=path, version_id="1")
    assert "HTTP 404" in message
    assert f"version 1 of file {file_id}" in message
    assert (nc_user.files_root / path).read_bytes() == b"x"
    missing = await error_of(mcp, "nc_webdav_list_versions", path=f"{unique('nowhere')}.txt")
    assert "HTTP 404" in missing


async def test_a_path_leaving_the_files_root_is_refused(mcp) -> None:
    message = await error_of(mcp, "nc_webdav_list_versions", path="../other/a.txt")
    assert "Invalid argument 'path'" in message
