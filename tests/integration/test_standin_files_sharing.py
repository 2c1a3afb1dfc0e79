"""The stand-in's files_sharing keeps the representations Nextcloud keeps in step: what the owner
shares, what each recipient has pending or in their files (WebDAV), and what goes when the shared
item goes. Raw HTTP as each user; the contract samples check the shapes (test_app_contracts.py)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import NcUser, StandInHandle

API = "/ocs/v2.php/apps/files_sharing/api/v1"
OCS = {"OCS-APIRequest": "true", "Accept": "application/json"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def ocs(user: NcUser, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
    with user.raw() as raw:
        response = raw.request(method, API + path, headers=OCS, **kwargs)
    assert response.status_code == status, response.text
    return response.json()["ocs"]["data"] if status == 200 else response.json()["ocs"]["meta"]["message"]


def dav_names(user: NcUser, path: str = "") -> set[str]:
    """The names WebDAV lists in a folder of `user`'s files."""
    from urllib.parse import unquote

    from defusedxml.ElementTree import fromstring

    with user.raw() as raw:
        response = raw.request("PROPFIND", f"/remote.php/dav/files/{user.id}/{path}", headers={"Depth": "1"})
    assert response.status_code == 207, response.text
    hrefs = [unquote(e.text or "") for e in fromstring(response.content).iter("{DAV:}href")]
    base = f"/remote.php/dav/files/{user.id}/{path}".rstrip("/") + "/"
    return {h[len(base) :].strip("/") for h in hrefs if h.rstrip("/") + "/" != base}


@pytest.fixture
def people(standin: StandInHandle) -> tuple[NcUser, NcUser, NcUser]:
    return tuple(standin.add_user(unique(who), f"pw-{who}") for who in ("owner", "bob", "carol"))  # type: ignore[return-value]


def folder(user: NcUser, *files: str) -> str:
    name = unique("folder")
    (user.files_root / name).mkdir()
    for file in files:
        (user.files_root / name / file).write_text(file)
    return name


def test_a_pending_share_is_not_in_the_recipients_files_until_accepted(standin, people) -> None:
    owner, bob, _ = people
    sharing = standin.app.services["files_sharing"]
    sharing.set_accept_by_default(bob.id, False)
    name = folder(owner, "a.txt")
    share = ocs(owner, "POST", "/shares", json={"path": name, "shareType": 0, "shareWith": bob.id})
    assert [s["id"] for s in ocs(bob, "GET", "/shares/pending")] == [share["id"]]
    assert name not in dav_names(bob)
    assert ocs(bob, "GET", f"/shares/{share['id']}", 404) == "Wrong share ID, share does not exist"
    ocs(bob, "POST", f"/shares/pending/{share['id']}")
    assert ocs(bob, "GET", "/shares/pending") == []
    assert name in dav_names(bob)
    assert dav_names(bob, name) == {"a.txt"}
    assert ocs(bob, "GET", f"/shares/{share['id']}")[0]["path"] == f"/{name}"


def test_a_member_who_declines_a_group_share_loses_it_and_the_others_keep_it(standin, people) -> None:
    owner, bob, carol = people
    group = standin.app.services["files_sharing"].add_group(unique("team"), bob.id, carol.id)
    name = folder(owner, "a.txt")
    share = ocs(owner, "POST", "/shares", json={"path": name, "shareType": 1, "shareWith": group.id})
    assert name in dav_names(bob)
    assert name in dav_names(carol)
    ocs(bob, "DELETE", f"/shares/{share['id']}")
    assert name not in dav_names(bob)
    assert name in dav_names(carol)
    assert [s["id"] for s in ocs(owner, "GET", "/shares", params={"path": name})] == [share["id"]]


def test_a_share_goes_when_its_item_is_deleted_and_follows_it_when_moved(standin, people) -> None:
    owner, bob, _ = people
    moved, deleted = folder(owner, "a.txt"), folder(owner, "b.txt")
    kept = ocs(owner, "POST", "/shares", json={"path": moved, "shareType": 0, "shareWith": bob.id})
    gone = ocs(owner, "POST", "/shares", json={"path": deleted, "shareType": 3})
    (owner.files_root / moved).rename(owner.files_root / f"{moved}-renamed")
    for file in (owner.files_root / deleted).iterdir():
        file.unlink()
    (owner.files_root / deleted).rmdir()
    assert ocs(owner, "GET", f"/shares/{kept['id']}")[0]["path"] == f"/{moved}-renamed"
    assert ocs(owner, "GET", f"/shares/{gone['id']}", 404) == "Wrong share ID, share does not exist"
    assert dav_names(bob, moved) == {"a.txt"}  # bob's mount keeps its name


def test_a_recipient_writes_through_a_writable_share_and_not_through_a_read_only_one(standin, people) -> None:
    owner, bob, _ = people
    writable, read_only = folder(owner, "a.txt"), folder(owner, "b.txt")
    ocs(owner, "POST", "/shares", json={"path": writable, "shareType": 0, "shareWith": bob.id, "permissions": 15})
    ocs(owner, "POST", "/shares", json={"path": read_only, "shareType": 0, "shareWith": bob.id, "permissions": 1})
    with bob.raw() as raw:
        assert raw.put(f"/remote.php/dav/files/{bob.id}/{writable}/new.txt", content=b"from bob").status_code == 201
        assert raw.put(f"/remote.php/dav/files/{bob.id}/{read_only}/new.txt", content=b"from bob").status_code == 403
        assert raw.delete(f"/remote.php/dav/files/{bob.id}/{writable}").status_code == 403  # the share itself
    assert (owner.files_root / writable / "new.txt").read_text() == "from bob"
    assert not (owner.files_root / read_only / "new.txt").exists()


def test_settings_show_in_the_capabilities(standin, people) -> None:
    owner = people[0]
    sharing = standin.app.services["files_sharing"]
    with owner.raw() as raw:
        capabilities = raw.get("/ocs/v2.php/cloud/capabilities", headers=OCS).json()["ocs"]["data"]["capabilities"]
    assert capabilities["files_sharing"]["api_enabled"] is True
    assert capabilities["files_sharing"]["public"]["password"]["enforced"] is sharing.password_enforced
    assert capabilities["password_policy"]["minLength"] == sharing.password_min_length == 10
    standin.app.set_app_enabled(owner.id, "files_sharing", False)
    try:
        with owner.raw() as raw:
            gone = raw.get("/ocs/v2.php/cloud/capabilities", headers=OCS).json()["ocs"]["data"]["capabilities"]
            refused = raw.get(f"{API}/shares", headers=OCS).status_code
    finally:
        standin.app.set_app_enabled(owner.id, "files_sharing", True)
    assert "files_sharing" not in gone
    assert refused == 404
