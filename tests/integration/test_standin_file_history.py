"""The stand-in keeps a file's representations in step as Nextcloud does: a WebDAV DELETE moves it
into the trash bin (restorable, with its id), an overwrite keeps the replaced content as a version,
a reminder goes with its file, and nc:has-preview and the preview route agree. Checked over raw
HTTP, independently of the server's clients."""

from __future__ import annotations

import os
import uuid

import httpx
import pytest
from defusedxml.ElementTree import fromstring

from tests.standin import png

D, OC, NC = "{DAV:}", "{http://owncloud.org/ns}", "{http://nextcloud.org/ns}"
TRASH_PROPS = (
    b'<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns"><d:prop>'
    b"<nc:trashbin-filename/><nc:trashbin-original-location/><nc:trashbin-deletion-time/><oc:fileid/>"
    b"</d:prop></d:propfind>"
)
OCS = {"OCS-APIRequest": "true", "Accept": "application/json"}


@pytest.fixture
def dav(nc_user):
    with nc_user.raw() as client:
        yield client


@pytest.fixture
def folder(nc_user, dav: httpx.Client) -> str:
    name = f"h-{uuid.uuid4().hex[:8]}"
    assert dav.request("MKCOL", f"/remote.php/dav/files/{nc_user.id}/{name}").status_code == 201
    return name


def props_by_href(body: bytes) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for resp in fromstring(body).iter(f"{D}response"):
        props: dict[str, str] = {}
        for propstat in resp.iter(f"{D}propstat"):
            if "200" in (propstat.findtext(f"{D}status") or ""):
                props.update((prop.tag, prop.text or "") for prop in propstat.find(f"{D}prop"))
        out[resp.findtext(f"{D}href") or ""] = props
    return out


def trash(nc_user, dav: httpx.Client) -> dict[str, dict[str, str]]:
    answer = dav.request("PROPFIND", f"/remote.php/dav/trashbin/{nc_user.id}/trash", content=TRASH_PROPS)
    assert answer.status_code == 207
    prefix = f"/remote.php/dav/trashbin/{nc_user.id}/trash/"
    return {href.removeprefix(prefix): p for href, p in props_by_href(answer.content).items() if href != prefix}


def restore(nc_user, dav: httpx.Client, entry: str) -> httpx.Response:
    base = f"/remote.php/dav/trashbin/{nc_user.id}"
    return dav.request(
        "MOVE", f"{base}/trash/{entry}", headers={"Destination": f"{dav.base_url}{base}/restore/{entry}"}
    )


def test_a_deleted_file_leaves_its_folder_for_the_trash_and_comes_back_with_its_id(nc_user, dav, folder) -> None:
    url = f"/remote.php/dav/files/{nc_user.id}/{folder}/a.txt"
    assert dav.put(url, content=b"keep me").status_code == 201
    file_id = (nc_user.files_root / folder / "a.txt").stat().st_ino
    assert dav.delete(url).status_code == 204
    assert dav.get(url).status_code == 404
    entries = {
        name: p for name, p in trash(nc_user, dav).items() if p[f"{NC}trashbin-original-location"] == f"{folder}/a.txt"
    }
    [(entry, props)] = entries.items()
    assert entry.startswith("a.txt.d")
    assert (props[f"{NC}trashbin-filename"], props[f"{OC}fileid"]) == ("a.txt", str(file_id))
    assert restore(nc_user, dav, entry).status_code == 201
    assert dav.get(url).content == b"keep me"
    assert (nc_user.files_root / folder / "a.txt").stat().st_ino == file_id
    assert entry not in trash(nc_user, dav)


def test_restoring_onto_a_taken_name_or_into_a_vanished_folder(nc_user, dav, folder) -> None:
    files = f"/remote.php/dav/files/{nc_user.id}"
    dav.put(f"{files}/{folder}/b.txt", content=b"old")
    dav.delete(f"{files}/{folder}/b.txt")
    dav.put(f"{files}/{folder}/b.txt", content=b"new")
    [entry] = [n for n, p in trash(nc_user, dav).items() if p[f"{NC}trashbin-original-location"] == f"{folder}/b.txt"]
    assert restore(nc_user, dav, entry).status_code == 201
    assert dav.get(f"{files}/{folder}/b (restored).txt").content == b"old"
    assert dav.get(f"{files}/{folder}/b.txt").content == b"new"

    dav.request("MKCOL", f"{files}/{folder}/sub")
    name = f"lonely-{uuid.uuid4().hex[:6]}.txt"
    dav.put(f"{files}/{folder}/sub/{name}", content=b"x")
    dav.delete(f"{files}/{folder}/sub/{name}")
    dav.delete(f"{files}/{folder}/sub")  # the folder goes to the trash too
    [entry] = [n for n in trash(nc_user, dav) if n.startswith(f"{name}.d")]
    assert restore(nc_user, dav, entry).status_code == 201
    assert dav.get(f"{files}/{name}").content == b"x"  # its folder is gone: restored into the root


def test_deleting_from_the_trash_and_emptying_it_remove_for_good(nc_user, dav, folder) -> None:
    files = f"/remote.php/dav/files/{nc_user.id}/{folder}"
    for name in ("c.txt", "d.txt"):
        dav.put(f"{files}/{name}", content=name.encode())
        dav.delete(f"{files}/{name}")
    mine = [n for n, p in trash(nc_user, dav).items() if p[f"{NC}trashbin-original-location"].startswith(folder)]
    base = f"/remote.php/dav/trashbin/{nc_user.id}/trash"
    assert dav.delete(f"{base}/{mine[0]}").status_code == 204
    assert mine[0] not in trash(nc_user, dav)
    assert dav.delete(f"{base}/{mine[0]}").status_code == 404
    assert dav.delete(base).status_code == 204
    assert trash(nc_user, dav) == {}


def test_another_users_trash_bin_is_forbidden(nc_user, dav, standin) -> None:
    standin.add_user("history-other", "pw-other")
    assert dav.request("PROPFIND", "/remote.php/dav/trashbin/history-other/trash").status_code == 403


def test_with_the_trash_bin_off_a_delete_is_for_good(nc_user, dav, folder, standin) -> None:
    url = f"/remote.php/dav/files/{nc_user.id}/{folder}/gone.txt"
    dav.put(url, content=b"bye")
    standin.app.set_app_enabled(nc_user.id, "files_trashbin", False)
    try:
        assert dav.delete(url).status_code == 204
    finally:
        standin.app.set_app_enabled(nc_user.id, "files_trashbin", True)
    assert not any(p[f"{NC}trashbin-original-location"] == f"{folder}/gone.txt" for p in trash(nc_user, dav).values())


def test_an_overwrite_keeps_the_old_content_as_a_version_and_a_restore_swaps_them(nc_user, dav, folder) -> None:
    url = f"/remote.php/dav/files/{nc_user.id}/{folder}/v.txt"
    dav.put(url, content=b"one")
    disk = nc_user.files_root / folder / "v.txt"
    old = int(disk.stat().st_mtime) - 7200
    os.utime(disk, (old, old))  # written two hours ago
    dav.put(url, content=b"two")
    file_id = disk.stat().st_ino
    versions = f"/remote.php/dav/versions/{nc_user.id}/versions/{file_id}"
    listed = props_by_href(dav.request("PROPFIND", versions, headers={"Depth": "1"}).content)
    names = sorted(href.rsplit("/", 1)[-1] for href in listed if not href.endswith("/"))
    current = str(int(disk.stat().st_mtime))
    assert names == sorted([str(old), current])
    assert dav.get(f"{versions}/{old}").content == b"one"
    target = f"{dav.base_url}/remote.php/dav/versions/{nc_user.id}/restore/target"
    assert dav.request("MOVE", f"{versions}/{old}", headers={"Destination": target}).status_code == 201
    assert dav.get(url).content == b"one"
    assert (disk.stat().st_ino, int(disk.stat().st_mtime)) == (file_id, old)
    after = props_by_href(dav.request("PROPFIND", versions, headers={"Depth": "1"}).content)
    assert sorted(href.rsplit("/", 1)[-1] for href in after if not href.endswith("/")) == sorted([str(old), current])
    assert dav.get(f"{versions}/{current}").content == b"two"  # the replaced content is a version now


def test_a_reminder_goes_with_its_file_and_shows_as_a_dav_property(nc_user, dav, folder, standin) -> None:
    url = f"/remote.php/dav/files/{nc_user.id}/{folder}/r.txt"
    dav.put(url, content=b"r")
    file_id = (nc_user.files_root / folder / "r.txt").stat().st_ino
    api = f"/ocs/v2.php/apps/files_reminders/api/v1/{file_id}"
    assert dav.put(api, headers=OCS, json={"dueDate": "2031-02-03T04:05:06Z"}).status_code == 201
    ask = b'<d:propfind xmlns:d="DAV:" xmlns:nc="http://nextcloud.org/ns"><d:prop><nc:reminder-due-date/></d:prop></d:propfind>'
    props = props_by_href(dav.request("PROPFIND", url, headers={"Depth": "0"}, content=ask).content)
    assert next(iter(props.values()))[f"{NC}reminder-due-date"] == "2031-02-03T04:05:06+00:00"
    standin.app.set_app_enabled(nc_user.id, "files_reminders", False)
    try:
        props = props_by_href(dav.request("PROPFIND", url, headers={"Depth": "0"}, content=ask).content)
    finally:
        standin.app.set_app_enabled(nc_user.id, "files_reminders", True)
    assert f"{NC}reminder-due-date" not in next(iter(props.values()))  # a 404 propstat without the app
    dav.delete(url)
    assert dav.get(api, headers=OCS).json()["ocs"]["data"] == {"dueDate": None}


def test_the_preview_of_a_png_is_a_png_scaled_into_the_box(nc_user, dav, folder) -> None:
    url = f"/remote.php/dav/files/{nc_user.id}/{folder}/p.png"
    dav.put(url, content=png.encode(png.solid(200, 100, (1, 2, 3, 255))))
    file_id = (nc_user.files_root / folder / "p.png").stat().st_ino
    answer = dav.get("/index.php/core/preview", params={"fileId": file_id, "x": 64, "y": 64, "a": 1})
    assert answer.headers["content-type"] == "image/png"
    image = png.decode(answer.content)
    assert (image.width, image.height) == (64, 32)
    assert image.rgba[:4] == bytes((1, 2, 3, 255))
    cropped = png.decode(dav.get("/index.php/core/preview", params={"fileId": file_id, "x": 50, "y": 50}).content)
    assert (cropped.width, cropped.height) == (50, 50)
