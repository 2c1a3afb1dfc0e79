"""Sharing tools end to end through the real MCP client; every effect is checked on the stand-in
with raw OCS requests as the user concerned (or in the stand-in's state), never through the server.

The module's user is alice (the `mcp` fixture's, over both transports); bob is a second stand-in
user with his own MCP server where he acts himself (pending shares, accepting, reading)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest

from tests.conftest import NcUser, StandInHandle
from tests.e2e.helpers import call, error_of, own_server, unique
from tests.standin import serve_in_thread

pytestmark = pytest.mark.anyio

API = "/ocs/v2.php/apps/files_sharing/api/v1"
OCS = {"OCS-APIRequest": "true", "Accept": "application/json"}
SHARING_TOOLS = {
    "nc_share_list", "nc_share_get", "nc_share_create", "nc_share_create_public_link", "nc_share_update",
    "nc_share_delete", "nc_share_list_pending", "nc_share_accept", "nc_share_decline", "nc_share_search_sharees",
}  # fmt: skip


def ocs(user: NcUser, method: str, path: str, **kwargs: Any) -> Any:
    """A raw OCS call as `user`; its `ocs.data` (asserting success)."""
    with user.raw() as raw:
        response = raw.request(method, API + path, headers=OCS, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()["ocs"]["data"]


def raw_share(user: NcUser, share_id: int) -> dict[str, Any] | None:
    """The share as `user` gets it from Nextcloud, or None when Nextcloud says there is none."""
    with user.raw() as raw:
        response = raw.get(f"{API}/shares/{share_id}", headers=OCS)
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    return response.json()["ocs"]["data"][0]


def sharing(nc_user: NcUser) -> Any:
    return nc_user.standin.app.services["files_sharing"]


def folder(user: NcUser, *files: str, name: str | None = None) -> str:
    """A new folder in `user`'s files with the given files in it (content: the file's name)."""
    name = name or unique("shared")
    (user.files_root / name).mkdir()
    for file in files:
        (user.files_root / name / file).write_text(f"content of {file}")
    return name


def in_days(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


@pytest.fixture(scope="module")
def bob(standin: StandInHandle) -> NcUser:
    return standin.add_user("usharing-bob", "pw-usharing-bob", display_name="Bob Builder", email="bob@example.org")


@pytest.fixture(scope="module")
def carol(standin: StandInHandle) -> NcUser:
    return standin.add_user("usharing-carol", "pw-usharing-carol")


@pytest.fixture(scope="module")
def bob_url(bob: NcUser) -> Iterator[str]:
    """Bob's own MCP server (configured with his app password), every toolset on."""
    with own_server(bob) as url:
        yield url


@pytest.fixture
async def bob_mcp(bob_url: str) -> AsyncIterator[Any]:
    """Bob's MCP session."""
    from mcp import Client

    async with Client(bob_url) as client:
        yield client


@contextmanager
def accepting(nc_user: NcUser, user: NcUser, accept: bool) -> Iterator[None]:
    """`user`'s "accept shares by default" setting, restored afterwards."""
    app = sharing(nc_user)
    before = app.accept_default.get(user.id, True)
    app.set_accept_by_default(user.id, accept)
    try:
        yield
    finally:
        app.set_accept_by_default(user.id, before)


@contextmanager
def setting(nc_user: NcUser, **values: Any) -> Iterator[Any]:
    """Admin sharing settings of the stand-in (global, like Nextcloud's), restored afterwards."""
    app = sharing(nc_user)
    before = {name: getattr(app, name) for name in values}
    for name, value in values.items():
        setattr(app, name, value)
    try:
        yield app
    finally:
        for name, value in before.items():
            setattr(app, name, value)


# -- creating shares ----------------------------------------------------------------------------
async def test_create_shares_with_a_user_with_permission_names_expiry_and_note(mcp, nc_user, bob) -> None:
    name = folder(nc_user, "a.txt")
    expiry = in_days(5)
    made = await call(
        mcp, "nc_share_create", path=name, share_with=bob.id, permissions=["read", "update"],
        expire_date=expiry, note="for the review",
    )  # fmt: skip
    stored = raw_share(nc_user, made["id"])
    assert stored is not None
    assert (stored["share_type"], stored["share_with"], stored["permissions"]) == (0, bob.id, 1 | 2)
    assert (stored["expiration"], stored["note"], stored["path"]) == (
        f"{expiry} 00:00:00",
        "for the review",
        f"/{name}",
    )
    assert made["permissions"] == ["read", "update"]
    assert (made["share_type"], made["share_with_name"], made["expiration"]) == ("user", "Bob Builder", expiry)


async def test_create_without_permissions_gives_what_the_item_allows(mcp, nc_user, bob) -> None:
    name = folder(nc_user, "a.txt")
    made = await call(mcp, "nc_share_create", path=f"{name}/a.txt", share_with=bob.id)
    assert made["permissions"] == ["read", "update", "share"]  # a file: never create or delete
    assert raw_share(nc_user, made["id"])["permissions"] == 1 | 2 | 16  # type: ignore[index]


async def test_create_refuses_bad_arguments_with_what_to_do(mcp, nc_user, bob) -> None:
    name = folder(nc_user)
    before = len(ocs(nc_user, "GET", "/shares"))
    blank = await error_of(mcp, "nc_share_create", path=name, share_with="  ")
    assert "share_with" in blank
    assert "nc_share_search_sharees" in blank
    password = await error_of(mcp, "nc_share_create", path=name, share_with=bob.id, password="long-enough-1")
    assert "password" in password
    assert "nc_share_create_public_link" in password
    when = await error_of(mcp, "nc_share_create", path=name, share_with=bob.id, expire_date="next friday")
    assert "expire_date" in when
    assert "YYYY-MM-DD" in when
    empty = await error_of(mcp, "nc_share_create", path=name, share_with=bob.id, permissions=[])
    assert "permissions" in empty
    assert "'read'" in empty
    escape = await error_of(mcp, "nc_share_create", path="../other", share_with=bob.id)
    assert "'path'" in escape
    assert ".." in escape
    assert len(ocs(nc_user, "GET", "/shares")) == before


async def test_create_of_a_missing_path_and_for_an_unknown_user_says_so(mcp, nc_user) -> None:
    missing = await error_of(mcp, "nc_share_create", path=unique("nowhere"), share_with="usharing-bob")
    assert "Wrong path, file/folder does not exist" in missing
    nobody = await error_of(mcp, "nc_share_create", path=folder(nc_user), share_with=unique("nobody"))
    assert "Please specify a valid account to share with" in nobody


async def test_a_forbidden_share_type_is_refused_in_nextclouds_words(mcp, nc_user) -> None:
    name = folder(nc_user)
    room = await error_of(mcp, "nc_share_create", path=name, share_type="talk_room", share_with="abc123")
    assert "HTTP 403" in room
    assert "does not support room shares" in room
    with setting(nc_user, outgoing_federation=False):
        remote = await error_of(mcp, "nc_share_create", path=name, share_type="federated", share_with="x@cloud.example")
    assert "HTTP 403" in remote
    assert "does not allow shares from type 6" in remote
    assert ocs(nc_user, "GET", "/shares", params={"path": name}) == []


async def test_email_team_and_federated_shares_are_made_with_their_recipients(mcp, nc_user, bob) -> None:
    name = folder(nc_user)
    team = sharing(nc_user).add_team(unique("team"), "Design Team", bob.id)
    email = await call(
        mcp, "nc_share_create", path=name, share_type="email", share_with="guest@example.org",
        password="long-enough-pw-1", label="guest copy", send_mail=False,
    )  # fmt: skip
    circle = await call(mcp, "nc_share_create", path=name, share_type="team", share_with=team.id)
    remote = await call(mcp, "nc_share_create", path=name, share_type="federated", share_with="eve@cloud.example")
    stored = {s["id"]: s for s in ocs(nc_user, "GET", "/shares", params={"path": name})}
    assert (stored[str(email["id"])]["share_type"], stored[str(email["id"])]["label"]) == (4, "guest copy")
    assert stored[str(email["id"])]["password"]  # kept (hashed) by Nextcloud
    assert (stored[str(circle["id"])]["share_type"], stored[str(circle["id"])]["share_with"]) == (7, team.id)
    assert (stored[str(remote["id"])]["share_type"], stored[str(remote["id"])]["share_with"]) == (
        6,
        "eve@cloud.example",
    )
    assert (email["share_type"], circle["share_type"], remote["share_type"]) == ("email", "team", "federated")
    assert email["has_password"] is True


# -- public links -------------------------------------------------------------------------------
async def test_public_link_with_password_expiry_upload_hidden_download_and_label(mcp, nc_user) -> None:
    name = folder(nc_user, "a.txt")
    expiry = in_days(3)
    link = await call(
        mcp, "nc_share_create_public_link", path=name, access="upload", password="a-long-passphrase",
        expire_date=expiry, hide_download=True, label="for the client",
    )  # fmt: skip
    stored = raw_share(nc_user, link["id"])
    assert stored is not None
    assert (stored["share_type"], stored["permissions"], stored["hide_download"]) == (3, 1 | 2 | 4 | 8 | 16, 1)
    assert (stored["label"], stored["expiration"]) == ("for the client", f"{expiry} 00:00:00")
    assert stored["password"]
    assert link["has_password"] is True
    assert link["url"] == stored["url"]
    assert link["url"].endswith(f"/index.php/s/{stored['token']}")
    assert link["share_with"] is None  # Nextcloud puts the password hash there; it is not shown


async def test_a_read_only_link_and_a_file_drop(mcp, nc_user) -> None:
    name = folder(nc_user, "a.txt")
    read_only = await call(mcp, "nc_share_create_public_link", path=f"{name}/a.txt")
    drop = await call(mcp, "nc_share_create_public_link", path=name, access="file_drop")
    assert raw_share(nc_user, read_only["id"])["permissions"] == 1 | 16  # type: ignore[index]
    assert raw_share(nc_user, drop["id"])["permissions"] == 4  # type: ignore[index]
    assert drop["permissions"] == ["create"]
    on_a_file = await error_of(mcp, "nc_share_create_public_link", path=f"{name}/a.txt", access="file_drop")
    assert "'access'" in on_a_file
    assert "folder" in on_a_file


async def test_a_link_with_a_too_short_password_is_refused_with_the_policy_in_words(mcp, nc_user) -> None:
    name = folder(nc_user, "a.txt")
    message = await error_of(mcp, "nc_share_create_public_link", path=name, password="short")
    assert "HTTP 400" in message
    assert "Password needs to be at least 10 characters long." in message
    assert "malformed" not in message  # Nextcloud's reason, not one guessed from the status
    assert ocs(nc_user, "GET", "/shares", params={"path": name}) == []


async def test_an_expiry_beyond_the_enforced_maximum_is_refused_in_words(mcp, nc_user) -> None:
    name = folder(nc_user, "a.txt")
    enforced = type(sharing(nc_user).link_expiry)(enabled=True, days=7, enforced=True)
    with setting(nc_user, link_expiry=enforced):
        message = await error_of(mcp, "nc_share_create_public_link", path=name, expire_date=in_days(30))
        within = await call(mcp, "nc_share_create_public_link", path=name, expire_date=in_days(7))
    assert "Cannot set expiration date more than 7 days in the future" in message
    assert "does not exist" not in message  # Nextcloud answers 404; the message does not say "not found"
    assert raw_share(nc_user, within["id"])["expiration"] == f"{in_days(7)} 00:00:00"  # type: ignore[index]


async def test_passwords_enforced_by_the_admin_are_named(mcp, nc_user) -> None:
    name = folder(nc_user)
    with setting(nc_user, password_enforced=True):
        message = await error_of(mcp, "nc_share_create_public_link", path=name)
    assert "Passwords are enforced for link and mail shares" in message


# -- reading, listing, updating, deleting -------------------------------------------------------
async def test_get_and_list_show_the_share_and_filter_by_path_and_subfiles(mcp, nc_user, bob) -> None:
    parent = folder(nc_user)
    child = folder(nc_user, "x.txt", name=f"{parent}/child")
    outer = await call(mcp, "nc_share_create", path=parent, share_with=bob.id, permissions=["read"])
    inner = await call(mcp, "nc_share_create_public_link", path=child)
    got = await call(mcp, "nc_share_get", share_id=inner["id"])
    assert (got["path"], got["item_type"], got["share_type"]) == (child, "folder", "link")
    mine = await call(mcp, "nc_share_list", limit=500)
    assert {outer["id"], inner["id"]} <= {s["id"] for s in mine["items"]}
    assert [s["id"] for s in (await call(mcp, "nc_share_list", path=parent))["items"]] == [outer["id"]]
    below = await call(mcp, "nc_share_list", path=parent, subfiles=True)
    assert [s["id"] for s in below["items"]] == [inner["id"]]
    refused = await error_of(mcp, "nc_share_list", subfiles=True)
    assert "'subfiles'" in refused
    assert "path" in refused


async def test_shared_with_me_lists_what_others_shared(mcp, nc_user, bob) -> None:
    theirs = folder(bob, "b.txt")
    share = ocs(bob, "POST", "/shares", json={"path": theirs, "shareType": 0, "shareWith": nc_user.id})
    listed = await call(mcp, "nc_share_list", shared_with_me=True, limit=500)
    found = {s["id"]: s for s in listed["items"]}
    assert int(share["id"]) in found
    assert found[int(share["id"])]["owner"] == bob.id
    assert (nc_user.files_root / found[int(share["id"])]["path"]).exists() is False  # a mount, not a copy
    assert int(share["id"]) not in {s["id"] for s in (await call(mcp, "nc_share_list", limit=500))["items"]}


async def test_update_changes_what_is_given_and_keeps_the_rest(mcp, nc_user, bob) -> None:
    name = folder(nc_user)
    made = await call(mcp, "nc_share_create", path=name, share_with=bob.id, note="first", expire_date=in_days(4))
    updated = await call(mcp, "nc_share_update", share_id=made["id"], permissions=["read", "share"], expire_date="")
    stored = raw_share(nc_user, made["id"])
    assert stored is not None
    assert (stored["permissions"], stored["expiration"], stored["note"]) == (1 | 16, None, "first")
    assert updated["permissions"] == ["read", "share"]
    link = await call(mcp, "nc_share_create_public_link", path=name)
    await call(mcp, "nc_share_update", share_id=link["id"], password="another-long-one", label="v2", hide_download=True)
    stored = raw_share(nc_user, link["id"])
    assert stored is not None
    assert (bool(stored["password"]), stored["label"], stored["hide_download"]) == (True, "v2", 1)
    short = await error_of(mcp, "nc_share_update", share_id=link["id"], password="tiny")
    assert "Password needs to be at least 10 characters long." in short


async def test_update_refuses_nothing_to_change_and_shares_of_others(mcp, nc_user, bob) -> None:
    nothing = await error_of(mcp, "nc_share_update", share_id=1)
    assert "give at least one" in nothing
    theirs = ocs(bob, "POST", "/shares", json={"path": folder(bob), "shareType": 3})
    foreign = await error_of(mcp, "nc_share_update", share_id=int(theirs["id"]), note="mine now")
    assert "HTTP 404" in foreign
    assert f"share {theirs['id']}" in foreign
    assert raw_share(bob, int(theirs["id"]))["note"] == ""  # type: ignore[index]


async def test_delete_removes_the_share_and_a_foreign_share_is_not_found(mcp, nc_user, bob) -> None:
    made = await call(mcp, "nc_share_create_public_link", path=folder(nc_user))
    gone = await call(mcp, "nc_share_delete", share_id=made["id"])
    assert gone["share_id"] == made["id"]
    assert raw_share(nc_user, made["id"]) is None
    theirs = ocs(bob, "POST", "/shares", json={"path": folder(bob), "shareType": 3})
    refused = await error_of(mcp, "nc_share_delete", share_id=int(theirs["id"]))
    assert "HTTP 404" in refused
    assert "Wrong share ID, share does not exist" in refused
    assert raw_share(bob, int(theirs["id"])) is not None
    missing = await error_of(mcp, "nc_share_get", share_id=999_999_999)
    assert "share 999999999" in missing


# -- sharees -------------------------------------------------------------------------------------
async def test_the_marketing_group_is_found_and_shared_with(mcp, nc_user, bob) -> None:
    group_id = unique("marketing")
    sharing(nc_user).add_group(group_id, bob.id, display_name=f"Marketing {group_id[-8:]}")
    found = await call(mcp, "nc_share_search_sharees", search="marketing", share_types=["group"])
    match = next(s for s in found["items"] if s["share_with"] == group_id)
    assert (match["share_type"], match["label"]) == ("group", f"Marketing {group_id[-8:]}")
    name = folder(nc_user, "plan.md")
    made = await call(mcp, "nc_share_create", path=name, share_type=match["share_type"], share_with=match["share_with"])
    assert (made["share_type"], made["share_with"]) == ("group", group_id)
    received = ocs(bob, "GET", "/shares", params={"shared_with_me": "true"})
    assert str(made["id"]) in {s["id"] for s in received}  # bob accepts by default: it is in his files


async def test_sharees_find_users_exactly_and_email_addresses(mcp, nc_user, bob) -> None:
    exact = await call(mcp, "nc_share_search_sharees", search=bob.id)
    first = exact["items"][0]
    assert (first["share_with"], first["exact"], first["label"], first["detail"]) == (
        bob.id, True, "Bob Builder", "bob@example.org"
    )  # fmt: skip
    email = await call(mcp, "nc_share_search_sharees", search="someone@example.net", share_types=["email"])
    assert [(s["share_type"], s["share_with"]) for s in email["items"]] == [("email", "someone@example.net")]
    recommended = await call(mcp, "nc_share_search_sharees")
    assert bob.id in {s["share_with"] for s in recommended["items"] if s["share_type"] == "user"}


# -- the recipient's side ------------------------------------------------------------------------
async def test_bob_sees_alices_share_pending_accepts_it_and_reads_the_file(mcp, nc_user, bob, bob_mcp) -> None:
    name = folder(nc_user, "report.txt")
    with accepting(nc_user, bob, False):
        made = await call(mcp, "nc_share_create", path=name, share_with=bob.id, permissions=["read"])
    pending = await call(bob_mcp, "nc_share_list_pending", limit=500)
    offered = next(s for s in pending["items"] if s["id"] == made["id"])
    assert (offered["owner"], offered["path"], offered["item_type"]) == (nc_user.id, name, "folder")
    before = await call(bob_mcp, "nc_webdav_list_directory")
    assert name not in {f["name"] for f in before["files"]}
    accepted = await call(bob_mcp, "nc_share_accept", share_id=made["id"])
    assert accepted["path"] == name
    after = await call(bob_mcp, "nc_share_list_pending", limit=500)
    assert made["id"] not in {s["id"] for s in after["items"]}
    read = await call(bob_mcp, "nc_webdav_read_file", path=f"{accepted['path']}/report.txt")
    assert read["content"] == "content of report.txt"
    assert not (bob.files_root / name).exists()  # alice's folder, mounted in bob's files, not a copy
    read_only = await error_of(bob_mcp, "nc_webdav_write_file", path=f"{accepted['path']}/report.txt", content="x")
    assert "403" in read_only


async def test_an_accepted_share_whose_name_is_taken_lands_beside_it(mcp, nc_user, bob, bob_mcp) -> None:
    name = folder(nc_user, "a.txt")
    (bob.files_root / name).mkdir()
    with accepting(nc_user, bob, False):
        made = await call(mcp, "nc_share_create", path=name, share_with=bob.id)
    accepted = await call(bob_mcp, "nc_share_accept", share_id=made["id"])
    assert accepted["path"] == f"{name} (2)"
    listing = await call(bob_mcp, "nc_webdav_list_directory", path=accepted["path"])
    assert [f["name"] for f in listing["files"]] == ["a.txt"]


async def test_bob_declines_a_pending_share_and_it_is_gone_for_both(mcp, nc_user, bob, bob_mcp) -> None:
    name = folder(nc_user, "a.txt")
    with accepting(nc_user, bob, False):
        made = await call(mcp, "nc_share_create", path=name, share_with=bob.id)
    declined = await call(bob_mcp, "nc_share_decline", share_id=made["id"])
    assert declined["share_id"] == made["id"]
    assert made["id"] not in {int(s["id"]) for s in ocs(bob, "GET", "/shares/pending")}
    assert raw_share(nc_user, made["id"]) is None  # declining a user share deletes it in Nextcloud


async def test_decline_refuses_a_share_one_made_and_one_of_strangers(mcp, nc_user, bob) -> None:
    mine = await call(mcp, "nc_share_create_public_link", path=folder(nc_user))
    own = await error_of(mcp, "nc_share_decline", share_id=mine["id"])
    assert "'share_id'" in own
    assert "nc_share_delete" in own
    assert raw_share(nc_user, mine["id"]) is not None
    theirs = ocs(bob, "POST", "/shares", json={"path": folder(bob), "shareType": 3})
    foreign = await error_of(mcp, "nc_share_decline", share_id=int(theirs["id"]))
    assert "HTTP 404" in foreign
    assert raw_share(bob, int(theirs["id"])) is not None


async def test_accepting_what_is_not_offered_is_refused(mcp, nc_user, bob) -> None:
    link = await call(mcp, "nc_share_create_public_link", path=folder(nc_user))
    own = await error_of(mcp, "nc_share_accept", share_id=link["id"])
    assert "HTTP 400" in own
    assert "Failed to accept share." in own
    theirs = ocs(bob, "POST", "/shares", json={"path": folder(bob), "shareType": 3})
    foreign = await error_of(mcp, "nc_share_accept", share_id=int(theirs["id"]))
    assert "HTTP 404" in foreign


async def test_resharing_needs_the_share_permission_and_stays_within_ones_own(
    mcp, nc_user, bob, bob_mcp, carol
) -> None:
    read_only = folder(nc_user, "a.txt")
    resharable = folder(nc_user, "b.txt")
    first = await call(mcp, "nc_share_create", path=read_only, share_with=bob.id, permissions=["read"])
    second = await call(mcp, "nc_share_create", path=resharable, share_with=bob.id, permissions=["read", "share"])
    mounts = {
        s["id"]: s["path"] for s in (await call(bob_mcp, "nc_share_list", shared_with_me=True, limit=500))["items"]
    }
    not_allowed = await error_of(bob_mcp, "nc_share_create", path=mounts[first["id"]], share_with=carol.id)
    assert "You are not allowed to share" in not_allowed
    beyond = await error_of(
        bob_mcp, "nc_share_create", path=mounts[second["id"]], share_with=carol.id, permissions=["read", "update"]
    )
    assert "Cannot increase permissions of" in beyond
    reshared = await call(
        bob_mcp, "nc_share_create", path=mounts[second["id"]], share_with=carol.id, permissions=["read"]
    )
    stored = raw_share(nc_user, reshared["id"])  # alice, the owner, sees bob's reshare of her folder
    assert stored is not None
    assert (stored["uid_owner"], stored["uid_file_owner"]) == (bob.id, nc_user.id)
    assert str(reshared["id"]) in {s["id"] for s in ocs(carol, "GET", "/shares", params={"shared_with_me": "true"})}


# -- gating ---------------------------------------------------------------------------------------
async def test_with_files_sharing_disabled_for_the_user_the_sharing_tools_vanish(standin: StandInHandle) -> None:
    from mcp import Client

    from nextcloud_mcp_server.app import build_app

    user = standin.add_user(unique("sharing-gated"), "pw-sharing-gated")
    app = build_app(user.settings(toolsets=["all"], capabilities_ttl=0))
    with serve_in_thread(app, lifespan="on") as url:
        async with Client(f"{url}/mcp") as client:
            before = {t.name for t in (await client.list_tools()).tools}
            standin.app.set_app_enabled(user.id, "files_sharing", False)
            try:
                without = {t.name for t in (await client.list_tools()).tools}
                refused = await client.call_tool("nc_share_list", {})
            finally:
                standin.app.set_app_enabled(user.id, "files_sharing", True)
    assert before >= SHARING_TOOLS
    assert without & SHARING_TOOLS == set()
    assert "nc_webdav_list_directory" in without
    assert refused.is_error
    assert "needs the Nextcloud app 'Sharing' (files_sharing)" in refused.content[0].text
