"""Accounts and groups end to end through the real MCP client: the module's user (a plain account)
over both transports, and the stand-in's administrator through a server of their own. Every
effect is checked on the stand-in: its accounts, groups and files, and whether an account can
still sign in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from mcp import Client

from tests.conftest import NcUser, StandInHandle
from tests.e2e.helpers import call, error_of, own_server, unique

pytestmark = pytest.mark.anyio

NOT_ADMIN = "you are not a Nextcloud administrator"


def accounts(nc_user: NcUser) -> Any:
    """The stand-in's provisioning_api emulation (accounts and groups)."""
    return nc_user.standin.app.services["provisioning_api"]


def signs_in(standin: StandInHandle, user_id: str, password: str) -> int:
    with httpx.Client(base_url=standin.url, auth=(user_id, password), timeout=30) as raw:
        return raw.get("/ocs/v2.php/cloud/user", headers={"OCS-APIRequest": "true"}).status_code


@pytest.fixture(scope="module")
def admin(standin: StandInHandle) -> NcUser:
    return standin.add_user("admin", "users-admin-app-password")


@pytest.fixture(scope="module")
def admin_url(admin: NcUser) -> Iterator[str]:
    with own_server(admin) as url:
        yield url


@pytest.fixture
async def as_admin(admin_url: str) -> AsyncIterator[Client]:
    async with Client(admin_url) as client:
        yield client


@pytest.fixture
def someone(standin: StandInHandle) -> NcUser:
    """Another plain account, with a file of its own."""
    user = standin.add_user(unique("uusers-other"), "pw-someone-1")
    (user.files_root / "mine.txt").write_text("data")
    return user


async def test_get_current_is_my_account_with_my_groups(mcp: Any, nc_user: NcUser) -> None:
    group = unique("team")
    accounts(nc_user).add_group(group, nc_user.id, display_name="The Team")
    me = await call(mcp, "nc_users_get_current")
    assert (me["id"], me["email"], me["is_admin"]) == (nc_user.id, f"{nc_user.id}@example.com", False)
    assert group in me["groups"]
    assert me["storage"]["used_bytes"] is not None


async def test_the_admin_sees_they_are_one(as_admin: Client) -> None:
    me = await call(as_admin, "nc_users_get_current")
    assert me["is_admin"] is True
    assert "admin" in me["groups"]


async def test_a_non_admin_creating_a_user_is_refused_in_words(mcp: Any, nc_user: NcUser) -> None:
    new_id = unique("uusers-new")
    message = await error_of(mcp, "nc_users_create", user_id=new_id, password="Secret-pass-123")
    assert NOT_ADMIN in message
    assert new_id not in nc_user.standin.app.users


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("nc_users_list", {}),
        ("nc_users_get", {}),
        ("nc_users_update", {"field": "displayname", "value": "Hijacked"}),
        ("nc_users_disable", {}),
        ("nc_users_enable", {}),
        ("nc_users_delete", {}),
    ],
)
async def test_a_non_admin_is_refused_every_other_accounts_action_in_words(
    mcp: Any, someone: NcUser, tool: str, arguments: dict[str, Any]
) -> None:
    if tool != "nc_users_list":
        arguments = {**arguments, "user_id": someone.id}
    message = await error_of(mcp, tool, **arguments)
    assert NOT_ADMIN in message
    users = someone.standin.app.users
    assert someone.id in users
    assert users[someone.id].display_name != "Hijacked"
    assert signs_in(someone.standin, someone.id, someone.password) == 200


async def test_a_non_admin_changes_their_own_display_name_but_not_their_own_quota(mcp: Any, nc_user: NcUser) -> None:
    name = unique("Me")
    changed = await call(mcp, "nc_users_update", user_id=nc_user.id, field="displayname", value=name)
    assert changed["display_name"] == name
    assert nc_user.standin.app.users[nc_user.id].display_name == name
    message = await error_of(mcp, "nc_users_update", user_id=nc_user.id, field="quota", value="1 GB")
    assert NOT_ADMIN in message
    assert nc_user.standin.app.users[nc_user.id].quota is None


async def test_admin_creates_a_user_in_a_group_with_a_quota_who_can_then_sign_in(
    as_admin: Client, nc_user: NcUser
) -> None:
    group, new_id = unique("sales"), unique("uusers-new")
    accounts(nc_user).add_group(group)
    created = await call(
        as_admin,
        "nc_users_create",
        user_id=new_id,
        display_name="New Person",
        email="new@example.com",
        password="Secret-pass-123",
        groups=[group],
        quota="2 GB",
    )
    user = nc_user.standin.app.users[new_id]
    assert (user.display_name, user.email, user.quota) == ("New Person", "new@example.com", 2 * 1024**3)
    assert new_id in accounts(nc_user).groups[group].members
    assert (created["id"], created["groups"], created["enabled"]) == (new_id, [group], True)
    assert created["storage"]["limit_bytes"] == 2 * 1024**3
    assert signs_in(nc_user.standin, new_id, "Secret-pass-123") == 200


async def test_admin_creates_a_user_with_only_an_email(as_admin: Client, nc_user: NcUser) -> None:
    new_id = unique("uusers-mail")
    await call(as_admin, "nc_users_create", user_id=new_id, email="mail-only@example.com")
    assert nc_user.standin.app.users[new_id].email == "mail-only@example.com"


async def test_admin_disables_a_user_who_then_cannot_sign_in_and_enables_them_again(
    as_admin: Client, someone: NcUser
) -> None:
    disabled = await call(as_admin, "nc_users_disable", user_id=someone.id)
    assert disabled["user_id"] == someone.id
    assert accounts(someone).account(someone.id).enabled is False
    assert signs_in(someone.standin, someone.id, someone.password) == 401
    seen = await call(as_admin, "nc_users_get", user_id=someone.id)
    assert seen["enabled"] is False
    await call(as_admin, "nc_users_enable", user_id=someone.id)
    assert accounts(someone).account(someone.id).enabled is True
    assert signs_in(someone.standin, someone.id, someone.password) == 200


async def test_admin_deletes_a_user_with_their_files(as_admin: Client, someone: NcUser) -> None:
    files = someone.files_root
    deleted = await call(as_admin, "nc_users_delete", user_id=someone.id)
    assert "deleted" in deleted["message"]
    assert someone.id not in someone.standin.app.users
    assert not (files / "mine.txt").exists()
    assert signs_in(someone.standin, someone.id, someone.password) == 401


async def test_admin_lists_users_by_search_page_by_page(as_admin: Client, standin: StandInHandle) -> None:
    prefix = unique("uusers-page")
    for n in range(3):
        standin.add_user(f"{prefix}-{n}", "pw-page-1")
    first = await call(as_admin, "nc_users_list", search=prefix, limit=2)
    rest = await call(as_admin, "nc_users_list", search=prefix, limit=2, offset=first["page"]["next_offset"])
    ids = [item["id"] for item in first["items"] + rest["items"]]
    assert ids == [f"{prefix}-{n}" for n in range(3)]
    assert (first["page"]["total"], rest["page"]["next_offset"]) == (3, None)


async def test_admin_reads_and_changes_another_account(as_admin: Client, someone: NcUser) -> None:
    await call(as_admin, "nc_users_update", user_id=someone.id, field="quota", value="500 MB")
    changed = await call(as_admin, "nc_users_update", user_id=someone.id, field="role", value="Accountant")
    assert someone.standin.app.users[someone.id].quota == 500 * 1024**2
    assert changed["profile"] == {"role": "Accountant"}
    assert changed["storage"]["limit_bytes"] == 500 * 1024**2
    with someone.raw() as raw:
        mine = raw.get("/ocs/v2.php/cloud/user", headers={"OCS-APIRequest": "true"}).json()["ocs"]["data"]
    assert mine["role"] == "Accountant"


async def test_groups_are_listed_to_anyone_with_names_and_member_counts(mcp: Any, nc_user: NcUser) -> None:
    group = unique("marketing")
    accounts(nc_user).add_group(group, nc_user.id, display_name="Marketing")
    found = await call(mcp, "nc_users_list_groups", search=group)
    assert found["items"] == [{"id": group, "display_name": "Marketing", "user_count": 1}]


async def test_admin_lists_a_groups_members_and_a_plain_user_is_refused(
    as_admin: Client, mcp: Any, nc_user: NcUser, someone: NcUser
) -> None:
    group = unique("ops")
    accounts(nc_user).add_group(group, someone.id, nc_user.id)
    members = await call(as_admin, "nc_users_list_group_members", group_id=group)
    assert sorted(item["id"] for item in members["items"]) == sorted([someone.id, nc_user.id])
    assert NOT_ADMIN in await error_of(mcp, "nc_users_list_group_members", group_id=group)


async def test_a_group_admin_creates_and_lists_accounts_of_their_group(mcp: Any, nc_user: NcUser) -> None:
    group, new_id = unique("lab"), unique("uusers-lab")
    accounts(nc_user).make_group_admin(nc_user.id, group)
    try:
        await call(mcp, "nc_users_create", user_id=new_id, password="Secret-pass-123", groups=[group])
        listed = await call(mcp, "nc_users_list", search="uusers-lab")
        refused = await error_of(mcp, "nc_users_create", user_id=unique("uusers-lab"), password="Secret-pass-123")
    finally:
        accounts(nc_user).group_admins[group].discard(nc_user.id)  # a plain account again, for the other tests
    assert new_id in accounts(nc_user).groups[group].members
    assert new_id in [item["id"] for item in listed["items"]]
    assert "no group specified (required for subadmins)" in refused


async def test_admin_gets_an_unknown_user_as_not_found(as_admin: Client) -> None:
    message = await error_of(as_admin, "nc_users_get", user_id="no-such-account")
    assert "for user 'no-such-account'" in message
    assert "does not exist" in message


async def test_creating_an_existing_user_says_so(as_admin: Client, someone: NcUser) -> None:
    message = await error_of(as_admin, "nc_users_create", user_id=someone.id, password="Secret-pass-123")
    assert "User already exists" in message


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        ("nc_users_get", {"user_id": "a/b"}, "is not a login id"),
        ("nc_users_get", {"user_id": "  "}, "must not be empty"),
        ("nc_users_create", {"user_id": "uusers-x"}, "give a password, or an email address"),
        ("nc_users_create", {"user_id": "uusers-x", "email": "nope"}, "is not an email address"),
        ("nc_users_update", {"user_id": "admin", "field": "email", "value": "nope"}, "is not an email address"),
        ("nc_users_update", {"user_id": "admin", "field": "displayname", "value": " "}, "must not be empty"),
        ("nc_users_list_group_members", {"group_id": " "}, "must not be empty"),
    ],
)
async def test_bad_arguments_are_refused_with_what_to_do(
    mcp: Any, tool: str, arguments: dict[str, Any], expected: str
) -> None:
    message = await error_of(mcp, tool, **arguments)
    assert "Invalid argument" in message
    assert expected in message


@pytest.mark.parametrize("tool", ["nc_users_disable", "nc_users_enable", "nc_users_delete"])
async def test_the_admin_cannot_disable_or_delete_themselves(as_admin: Client, admin: NcUser, tool: str) -> None:
    message = await error_of(as_admin, tool, user_id=admin.id)
    assert "is your own account" in message
    assert admin.id in admin.standin.app.users
    assert accounts(admin).account(admin.id).enabled is True
