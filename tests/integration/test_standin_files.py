"""The files stand-in answers as Nextcloud does: Depth default, oc/nc properties, SEARCH,
favorites, and the status codes of refused writes (409/412/423/507)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from defusedxml.ElementTree import fromstring

D, OC, NC = "{DAV:}", "{http://owncloud.org/ns}", "{http://nextcloud.org/ns}"
PROPS = (
    b'<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns"><d:prop>'
    b"<d:getetag/><d:resourcetype/><d:getcontenttype/><d:getcontentlength/><oc:fileid/><oc:id/>"
    b"<oc:permissions/><oc:size/><nc:has-preview/><oc:favorite/><oc:owner-id/><oc:owner-display-name/>"
    b"</d:prop></d:propfind>"
)


@pytest.fixture
def dav(nc_user):
    with nc_user.raw() as client:
        yield client


@pytest.fixture
def base(nc_user, dav: httpx.Client) -> str:
    """A fresh folder for one test."""
    url = f"/remote.php/dav/files/{nc_user.id}/t-{uuid.uuid4().hex[:8]}"
    assert dav.request("MKCOL", url).status_code == 201
    return url


def responses(body: bytes) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for resp in fromstring(body).iter(f"{D}response"):
        props: dict[str, str] = {}
        for propstat in resp.iter(f"{D}propstat"):
            if "200" not in (propstat.findtext(f"{D}status") or ""):
                continue
            for prop in propstat.find(f"{D}prop"):
                props[prop.tag] = "collection" if prop.find(f"{D}collection") is not None else (prop.text or "")
        out[resp.findtext(f"{D}href")] = props
    return out


def sabre_message(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/xml")
    return fromstring(response.content).findtext("{http://sabredav.org/ns}message") or ""


def test_propfind_without_depth_lists_one_level_like_nextcloud(dav, base) -> None:
    dav.request("MKCOL", f"{base}/a")
    dav.put(f"{base}/a/deep.txt", content=b"x")
    dav.put(f"{base}/top.txt", content=b"y")
    hrefs = set(responses(dav.request("PROPFIND", base).content))
    assert hrefs == {f"{base}/", f"{base}/a/", f"{base}/top.txt"}


def test_propfind_answers_nextcloud_properties_for_files_and_folders(nc_user, dav, base) -> None:
    put = dav.put(f"{base}/pic.png", content=b"\x89PNG....")
    props = responses(dav.request("PROPFIND", base, headers={"Depth": "1"}, content=PROPS).content)
    folder, pic = props[f"{base}/"], props[f"{base}/pic.png"]
    disk = nc_user.files_root / base.rsplit("/", 1)[-1] / "pic.png"
    assert pic[f"{OC}fileid"] == str(disk.stat().st_ino)
    assert pic[f"{OC}id"].startswith(f"{disk.stat().st_ino:08d}")
    assert pic[f"{OC}permissions"] == "RGDNVW"
    assert folder[f"{OC}permissions"] == "RGDNVCK"
    assert pic[f"{OC}size"] == "8"
    assert folder[f"{OC}size"] == "8"
    assert pic[f"{NC}has-preview"] == "true"
    assert pic[f"{D}getcontenttype"] == "image/png"
    assert pic[f"{OC}favorite"] == "0"
    assert pic[f"{OC}owner-id"] == nc_user.id
    assert pic[f"{D}getetag"] == put.headers["ETag"] == put.headers["OC-ETag"]
    assert put.headers["OC-FileId"] == pic[f"{OC}id"]
    assert folder[f"{D}resourcetype"] == "collection"


def test_every_write_changes_the_etag_of_the_file_and_its_folder(dav, base) -> None:
    first = dav.put(f"{base}/f.txt", content=b"same").headers["ETag"]
    folder_before = responses(dav.request("PROPFIND", base, headers={"Depth": "0"}).content)[f"{base}/"]
    second = dav.put(f"{base}/f.txt", content=b"same").headers["ETag"]
    folder_after = responses(dav.request("PROPFIND", base, headers={"Depth": "0"}).content)[f"{base}/"]
    assert first != second
    assert folder_before[f"{D}getetag"] != folder_after[f"{D}getetag"]


def test_conditional_writes_with_a_stale_etag_get_412(dav, base) -> None:
    old = dav.put(f"{base}/c.txt", content=b"1").headers["ETag"]
    new = dav.put(f"{base}/c.txt", content=b"2", headers={"If-Match": old}).headers["ETag"]
    stale = dav.put(f"{base}/c.txt", content=b"3", headers={"If-Match": old})
    assert stale.status_code == 412
    assert "ETag" in sabre_message(stale)
    assert dav.delete(f"{base}/c.txt", headers={"If-Match": old}).status_code == 412
    assert dav.put(f"{base}/c.txt", content=b"x", headers={"If-None-Match": "*"}).status_code == 412
    assert dav.put(f"{base}/c.txt", content=b"4", headers={"If-Match": new}).status_code == 204
    assert dav.get(f"{base}/c.txt").content == b"4"


def test_missing_parents_give_409_and_nothing_is_created(nc_user, dav, base) -> None:
    put = dav.put(f"{base}/no/such/file.txt", content=b"x")
    mkcol = dav.request("MKCOL", f"{base}/no/such")
    assert (put.status_code, mkcol.status_code) == (409, 409)
    assert "Sabre\\DAV\\Exception\\Conflict" in put.text
    assert not (nc_user.files_root / base.rsplit("/", 1)[-1] / "no").exists()
    assert dav.request("MKCOL", base).status_code == 405


def test_move_and_copy_with_overwrite_false_onto_an_existing_target_get_412(dav, base) -> None:
    dav.put(f"{base}/a.txt", content=b"a")
    dav.put(f"{base}/b.txt", content=b"b")
    dest = {"Destination": str(dav.base_url).rstrip("/") + f"{base}/b.txt", "Overwrite": "F"}
    assert dav.request("MOVE", f"{base}/a.txt", headers=dest).status_code == 412
    assert dav.request("COPY", f"{base}/a.txt", headers=dest).status_code == 412
    assert dav.request("MOVE", f"{base}/a.txt", headers={**dest, "Overwrite": "T"}).status_code == 204
    assert dav.get(f"{base}/b.txt").content == b"a"


def test_a_put_over_quota_gets_507_with_a_sabre_body(standin) -> None:
    user = standin.add_user(f"q{uuid.uuid4().hex[:8]}", "pw", quota=1000)
    with user.raw() as client:
        over = client.put(f"/remote.php/dav/files/{user.id}/big.bin", content=b"x" * 2000)
        fits = client.put(f"/remote.php/dav/files/{user.id}/small.bin", content=b"x" * 500)
    assert over.status_code == 507
    assert "Insufficient space" in sabre_message(over)
    assert fits.status_code == 201


def test_files_locked_by_another_user_refuse_writes_with_423(standin, nc_user, dav, base) -> None:
    dav.put(f"{base}/locked.txt", content=b"v1")
    service = standin.app.services["files"]
    rel = base.split(f"/files/{nc_user.id}/", 1)[1] + "/locked.txt"
    service.lock(nc_user.id, rel, owner="someone-else")
    try:
        refused = dav.put(f"{base}/locked.txt", content=b"v2")
        assert refused.status_code == 423
        assert "is locked" in sabre_message(refused)
    finally:
        service.unlock(nc_user.id, rel)
    assert dav.put(f"{base}/locked.txt", content=b"v2").status_code == 204


def test_a_webdav_lock_blocks_writes_without_its_token(dav, base) -> None:
    dav.put(f"{base}/l.txt", content=b"x")
    body = (
        b'<d:lockinfo xmlns:d="DAV:"><d:lockscope><d:exclusive/></d:lockscope>'
        b"<d:locktype><d:write/></d:locktype></d:lockinfo>"
    )
    locked = dav.request("LOCK", f"{base}/l.txt", content=body, headers={"Timeout": "Second-60"})
    assert locked.status_code == 200
    assert dav.put(f"{base}/l.txt", content=b"y").status_code == 423
    dav.request("UNLOCK", f"{base}/l.txt", headers={"Lock-Token": locked.headers["Lock-Token"]})


def test_favorites_are_set_with_proppatch_and_found_by_report_and_search(nc_user, dav, base) -> None:
    dav.put(f"{base}/fav.md", content=b"x")
    dav.put(f"{base}/plain.md", content=b"x")
    patch = (
        b'<d:propertyupdate xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:set><d:prop>'
        b"<oc:favorite>1</oc:favorite></d:prop></d:set></d:propertyupdate>"
    )
    assert dav.request("PROPPATCH", f"{base}/fav.md", content=patch).status_code == 207
    report = (
        b'<oc:filter-files xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop><oc:fileid/></d:prop>'
        b"<oc:filter-rules><oc:favorite>1</oc:favorite></oc:filter-rules></oc:filter-files>"
    )
    found = dav.request("REPORT", f"{base}/", content=report)
    assert found.status_code == 207
    assert set(responses(found.content)) == {f"{base}/fav.md"}
    scope = base.removeprefix("/remote.php/dav")
    search = dav.request("SEARCH", "/remote.php/dav/", content=search_body(scope, "oc:favorite", "eq", "1"))
    assert set(responses(search.content)) == {f"{base}/fav.md"}


def search_body(scope: str, prop: str, op: str, literal: str, extra: str = "") -> bytes:
    return (
        '<d:searchrequest xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:basicsearch>'
        "<d:select><d:prop><d:displayname/><oc:fileid/><oc:size/></d:prop></d:select>"
        f"<d:from><d:scope><d:href>{scope}</d:href><d:depth>infinity</d:depth></d:scope></d:from>"
        f"<d:where><d:{op}><d:prop><{prop}/></d:prop><d:literal>{literal}</d:literal></d:{op}></d:where>"
        f"<d:orderby/>{extra}</d:basicsearch></d:searchrequest>"
    ).encode()


def test_search_filters_by_name_type_and_size_within_the_scope(dav, base) -> None:
    dav.request("MKCOL", f"{base}/sub")
    dav.put(f"{base}/sub/Report.MD", content=b"x" * 10)
    dav.put(f"{base}/notes.md", content=b"x")
    dav.put(f"{base}/img.jpg", content=b"x" * 100)
    scope = base.removeprefix("/remote.php/dav")
    by_name = responses(
        dav.request("SEARCH", "/remote.php/dav/", content=search_body(scope, "d:displayname", "like", "%.md")).content
    )
    assert set(by_name) == {f"{base}/sub/Report.MD", f"{base}/notes.md"}
    by_type = responses(
        dav.request(
            "SEARCH", "/remote.php/dav/", content=search_body(scope, "d:getcontenttype", "like", "image/%")
        ).content
    )
    assert set(by_type) == {f"{base}/img.jpg"}
    big = responses(
        dav.request("SEARCH", "/remote.php/dav/", content=search_body(scope, "oc:size", "gt", "50")).content
    )
    assert f"{base}/img.jpg" in big
    assert f"{base}/notes.md" not in big
    limited = dav.request(
        "SEARCH",
        "/remote.php/dav/",
        content=search_body(scope, "d:displayname", "like", "%", "<d:limit><d:nresults>2</d:nresults></d:limit>"),
    )
    assert len(responses(limited.content)) == 2


def test_search_outside_the_own_files_is_refused(dav) -> None:
    bad = dav.request(
        "SEARCH", "/remote.php/dav/", content=search_body("/files/someone-else", "d:displayname", "like", "%")
    )
    assert bad.status_code == 400


def test_another_users_tree_is_an_empty_collection_and_cannot_be_written(standin, dav) -> None:
    other = standin.add_user(f"o{uuid.uuid4().hex[:8]}", "pw")
    with other.raw() as client:
        client.put(f"/remote.php/dav/files/{other.id}/secret.txt", content=b"s")
    root = f"/remote.php/dav/files/{other.id}/"
    listing = dav.request("PROPFIND", root, headers={"Depth": "1"})
    assert listing.status_code == 207
    assert set(responses(listing.content)) == {root}
    assert dav.get(f"{root}secret.txt").status_code == 404
    assert dav.put(f"{root}x.txt", content=b"x").status_code == 403
    assert dav.request("PROPFIND", "/remote.php/dav/files/nobody-here/").status_code == 404


def test_missing_files_get_404_with_a_sabre_body(dav, base) -> None:
    missing = dav.get(f"{base}/nope.txt")
    assert missing.status_code == 404
    assert "Sabre\\DAV\\Exception\\NotFound" in missing.text
