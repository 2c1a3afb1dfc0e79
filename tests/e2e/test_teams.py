"""Teams (circles) tools end to end through the real MCP client; every effect is checked on the
stand-in with raw OCS requests as the user concerned (or in the stand-in's state).

The module's user is alice (the `mcp` fixture's, over both transports); bob is a second stand-in
user with his own MCP server, carol a third one who only gets added. Multi-user cases: bob, a
plain member, may not remove alice's members, rename or delete her team; as a moderator he removes
plain members but not admins; a secret team is not found by someone outside it; an open team is
joined, one needing approval asked for and confirmed, and the owner hands the team over."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from mcp import Client

from tests.conftest import NcUser, StandInHandle
from tests.e2e.helpers import call, error_of, own_server, unique

pytestmark = pytest.mark.anyio

API = "/ocs/v2.php/apps/circles/circles"
OCS = {"OCS-APIRequest": "true", "Accept": "application/json"}
TOOLS = {
    "nc_teams_list", "nc_teams_get", "nc_teams_list_members", "nc_teams_create", "nc_teams_update",
    "nc_teams_delete", "nc_teams_join", "nc_teams_leave", "nc_teams_add_member", "nc_teams_confirm_member",
    "nc_teams_remove_member", "nc_teams_set_member_level",
}  # fmt: skip


def raw(user: NcUser, method: str, path: str = "", **kwargs: Any) -> tuple[int, Any]:
    """A raw OCS call to Circles as `user`: (HTTP status, `ocs.data`)."""
    with user.raw() as http:
        response = http.request(method, API + path, headers=OCS, **kwargs)
    return response.status_code, response.json()["ocs"]["data"]


def a_team(owner: NcUser, *members: NcUser, config: int = 0) -> str:
    """A team of `owner`'s with `members` added as plain members and `config` set, as the web page does."""
    status, made = raw(owner, "POST", json={"name": unique("Team")})
    assert status == 200, made
    for member in members:
        status, added = raw(owner, "POST", f"/{made['id']}/members", json={"userId": member.id, "type": 1})
        assert status == 200, added
    if config:
        assert raw(owner, "PUT", f"/{made['id']}/config", json={"value": config})[0] == 200
    return str(made["id"])


def members_of(owner: NcUser, team_id: str) -> dict[str, dict[str, Any]]:
    status, found = raw(owner, "GET", f"/{team_id}/members")
    assert status == 200, found
    return {m["userId"]: m for m in found}


def level_of(owner: NcUser, team_id: str, who: NcUser) -> int:
    return int(members_of(owner, team_id)[who.id]["level"])


@pytest.fixture(scope="module")
def bob(standin: StandInHandle) -> NcUser:
    return standin.add_user("uteams-bob", "pw-uteams-bob", display_name="Bob Teams")


@pytest.fixture(scope="module")
def carol(standin: StandInHandle) -> NcUser:
    return standin.add_user("uteams-carol", "pw-uteams-carol")


@pytest.fixture(scope="module")
def bob_url(bob: NcUser) -> Iterator[str]:
    """Bob's own MCP server (configured with his app password), every toolset on."""
    with own_server(bob) as url:
        yield url


@pytest.fixture
async def bob_mcp(bob_url: str) -> AsyncIterator[Any]:
    async with Client(bob_url) as client:
        yield client


# -- teams ----------------------------------------------------------------------------------------
async def test_create_makes_a_secret_team_i_own(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    name = unique("Project")
    made = await call(mcp, "nc_teams_create", name=f"  {name}  ")
    assert (made["name"], made["my_level"], made["owner"], made["flags"], made["members"]) == (
        name, "owner", nc_user.id, [], 1
    )  # fmt: skip
    status, found = raw(nc_user, "GET", f"/{made['id']}")
    assert status == 200
    assert found["name"] == name
    assert found["config"] == 0
    assert found["owner"]["userId"] == nc_user.id
    assert found["owner"]["level"] == 9
    assert raw(bob, "GET", f"/{made['id']}")[0] == 404  # secret: not found by outsiders

    personal = await call(mcp, "nc_teams_create", name=unique("Mine"), personal=True)
    assert personal["flags"] == ["personal"]


async def test_create_refuses_a_short_name_before_anything_is_made(mcp: Any, nc_user: NcUser) -> None:
    before = len(raw(nc_user, "GET")[1])
    message = await error_of(mcp, "nc_teams_create", name=" x ")
    assert "Invalid argument 'name'" in message
    assert "at least 3 characters" in message
    assert len(raw(nc_user, "GET")[1]) == before


async def test_list_shows_mine_and_visible_ones_and_pages(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    mine = a_team(nc_user)
    bobs_visible = a_team(bob, config=8)
    bobs_secret = a_team(bob)
    listed = await call(mcp, "nc_teams_list", limit=500)
    by_id = {team["id"]: team for team in listed["items"]}
    assert by_id[mine]["my_level"] == "owner"
    assert (by_id[bobs_visible]["my_level"], by_id[bobs_visible]["flags"]) == ("none", ["visible"])
    assert bobs_secret not in by_id
    assert listed["page"]["total"] == len(listed["items"]) >= 2
    first = await call(mcp, "nc_teams_list", limit=1)
    assert len(first["items"]) == 1
    assert first["page"]["next_offset"] == 1


async def test_get_reads_one_and_names_a_missing_or_secret_one(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    mine = a_team(nc_user, bob)
    found = await call(mcp, "nc_teams_get", team_id=mine)
    assert (found["id"], found["members"], found["my_level"]) == (mine, 2, "owner")
    bobs_secret = a_team(bob)
    message = await error_of(mcp, "nc_teams_get", team_id=bobs_secret)
    assert f"for team {bobs_secret}" in message
    assert "does not exist" in message
    assert "Circle not found" in message
    bad = await error_of(mcp, "nc_teams_get", team_id="../x")
    assert "Invalid argument 'team_id'" in bad
    assert "nc_teams_list" in bad


async def test_update_renames_describes_and_sets_flags(mcp: Any, nc_user: NcUser) -> None:
    team = a_team(nc_user)
    name = unique("Renamed")
    updated = await call(
        mcp, "nc_teams_update", team_id=team, name=name, description="What we do", flags=["visible", "open"]
    )
    assert (updated["name"], updated["description"], updated["flags"]) == (name, "What we do", ["visible", "open"])
    _status, found = raw(nc_user, "GET", f"/{team}")
    assert (found["name"], found["description"], found["config"]) == (name, "What we do", 8 | 16)
    # Circles turns "open" on with "request" (joining needs approval implies joining)
    requested = await call(mcp, "nc_teams_update", team_id=team, flags=["request"])
    assert requested["flags"] == ["open", "request"]
    assert raw(nc_user, "GET", f"/{team}")[1]["config"] == 16 | 64
    cleared = await call(mcp, "nc_teams_update", team_id=team, flags=[])
    assert cleared["flags"] == []
    assert raw(nc_user, "GET", f"/{team}")[1]["config"] == 0


async def test_update_refuses_nothing_to_change_and_a_short_name(mcp: Any, nc_user: NcUser) -> None:
    team = a_team(nc_user)
    before = raw(nc_user, "GET", f"/{team}")[1]
    assert "nothing was changed" in await error_of(mcp, "nc_teams_update", team_id=team)
    assert "at least 3 characters" in await error_of(mcp, "nc_teams_update", team_id=team, name="ab")
    assert "flags" in await error_of(mcp, "nc_teams_update", team_id=team, flags=["hidden"])
    after = raw(nc_user, "GET", f"/{team}")[1]
    assert (after["name"], after["config"]) == (before["name"], before["config"])


async def test_delete_removes_the_team(mcp: Any, nc_user: NcUser) -> None:
    team = a_team(nc_user)
    done = await call(mcp, "nc_teams_delete", team_id=team)
    assert team in done["message"]
    assert raw(nc_user, "GET", f"/{team}")[0] == 404


# -- members --------------------------------------------------------------------------------------
async def test_add_member_adds_a_user_a_group_and_an_email(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    nc_user.standin.app.services["provisioning_api"].add_group("uteams-group", bob.id)
    team = a_team(nc_user)
    user = await call(mcp, "nc_teams_add_member", team_id=team, member=bob.id)
    assert (user["member"]["name"], user["member"]["type"], user["member"]["level"]) == (bob.id, "user", "member")
    assert user["member"]["display_name"] == "Bob Teams"
    assert user["message"] == "Added"
    group = await call(mcp, "nc_teams_add_member", team_id=team, member="uteams-group", member_type="group")
    assert group["member"]["type"] == "group"
    email = await call(mcp, "nc_teams_add_member", team_id=team, member="guest@example.com", member_type="email")
    assert email["member"]["type"] == "email"
    found = members_of(nc_user, team)
    assert (found[bob.id]["userType"], found["uteams-group"]["userType"], found["guest@example.com"]["userType"]) == (
        1, 2, 4
    )  # fmt: skip
    again = await error_of(mcp, "nc_teams_add_member", team_id=team, member=bob.id)
    assert "refused" in again
    assert "Already member of the circle" in again


async def test_add_member_refuses_bad_or_unknown_members(mcp: Any, nc_user: NcUser) -> None:
    team = a_team(nc_user)
    assert "Invalid argument 'member'" in await error_of(mcp, "nc_teams_add_member", team_id=team, member=" ")
    not_mail = await error_of(mcp, "nc_teams_add_member", team_id=team, member="bob", member_type="email")
    assert "email address" in not_mail
    unknown = await error_of(mcp, "nc_teams_add_member", team_id=team, member="nobody-at-all")
    assert "user nobody-at-all not found" in unknown
    assert list(members_of(nc_user, team)) == [nc_user.id]


async def test_an_invite_team_invites_and_the_invited_join(
    mcp: Any, bob_mcp: Any, nc_user: NcUser, bob: NcUser
) -> None:
    team = a_team(nc_user, config=32)
    invited = await call(mcp, "nc_teams_add_member", team_id=team, member=bob.id)
    assert (invited["member"]["status"], invited["member"]["level"]) == ("Invited", "none")
    assert "nc_teams_join" in invited["message"]
    assert (await call(bob_mcp, "nc_teams_get", team_id=team))["my_level"] == "none"
    joined = await call(bob_mcp, "nc_teams_join", team_id=team)
    assert joined["member"]["status"] == "Member"
    assert joined["message"] == "Joined"
    assert level_of(nc_user, team, bob) == 1


async def test_list_members_lists_them_highest_level_first(
    mcp: Any, nc_user: NcUser, bob: NcUser, carol: NcUser
) -> None:
    team = a_team(nc_user, carol, bob)
    assert raw(nc_user, "PUT", f"/{team}/members/{members_of(nc_user, team)[bob.id]['id']}/level",
               json={"level": 4})[0] == 200  # fmt: skip
    listed = await call(mcp, "nc_teams_list_members", team_id=team)
    assert [(m["name"], m["level"]) for m in listed["items"]] == [
        (nc_user.id, "owner"), (bob.id, "moderator"), (carol.id, "member")
    ]  # fmt: skip
    paged = await call(mcp, "nc_teams_list_members", team_id=team, limit=2)
    assert len(paged["items"]) == 2
    assert paged["page"] == {"total": 3, "offset": 0, "next_offset": 2}
    unknown = await error_of(mcp, "nc_teams_list_members", team_id="nosuchteam")
    assert "for team nosuchteam" in unknown


async def test_remove_member_removes_and_reports_who(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    team = a_team(nc_user, bob)
    member_id = members_of(nc_user, team)[bob.id]["id"]
    removed = await call(mcp, "nc_teams_remove_member", team_id=team, member_id=member_id)
    assert removed["member"]["name"] == bob.id
    assert removed["message"] == "Removed"
    assert bob.id not in members_of(nc_user, team)
    gone = await error_of(mcp, "nc_teams_remove_member", team_id=team, member_id=member_id)
    assert f"member {member_id} of team {team}" in gone
    assert "does not exist" in gone
    bad = await error_of(mcp, "nc_teams_remove_member", team_id=team, member_id="a b")
    assert "Invalid argument 'member_id'" in bad


async def test_set_member_level_promotes_and_hands_over_ownership(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    team = a_team(nc_user, bob)
    member_id = members_of(nc_user, team)[bob.id]["id"]
    promoted = await call(mcp, "nc_teams_set_member_level", team_id=team, member_id=member_id, level="moderator")
    assert promoted["member"]["level"] == "moderator"
    assert level_of(nc_user, team, bob) == 4
    same = await error_of(mcp, "nc_teams_set_member_level", team_id=team, member_id=member_id, level="moderator")
    assert "already have the selected level" in same
    bad = await mcp.call_tool("nc_teams_set_member_level", {"team_id": team, "member_id": member_id, "level": "boss"})
    assert bad.is_error
    assert "level" in bad.content[0].text
    handed = await call(mcp, "nc_teams_set_member_level", team_id=team, member_id=member_id, level="owner")
    assert handed["member"]["level"] == "owner"
    assert (level_of(nc_user, team, bob), level_of(nc_user, team, nc_user)) == (9, 8)
    assert (await call(mcp, "nc_teams_get", team_id=team))["owner"] == bob.id


# -- multi-user -----------------------------------------------------------------------------------
async def test_a_plain_member_cannot_remove_rename_or_delete(
    mcp: Any, bob_mcp: Any, nc_user: NcUser, bob: NcUser, carol: NcUser
) -> None:
    team = a_team(nc_user, bob, carol)
    before = raw(nc_user, "GET", f"/{team}")[1]
    carols = members_of(nc_user, team)[carol.id]["id"]
    messages = [
        await error_of(bob_mcp, "nc_teams_remove_member", team_id=team, member_id=carols),
        await error_of(bob_mcp, "nc_teams_add_member", team_id=team, member="guest@example.com", member_type="email"),
        await error_of(bob_mcp, "nc_teams_update", team_id=team, name="Taken over"),
        await error_of(bob_mcp, "nc_teams_delete", team_id=team),
    ]
    for message in messages:
        assert "refused" in message, message
        assert "Insufficient rights" in message, message
    assert set(members_of(nc_user, team)) == {nc_user.id, bob.id, carol.id}
    assert raw(nc_user, "GET", f"/{team}")[1]["name"] == before["name"]


async def test_a_moderator_removes_members_but_not_admins(
    mcp: Any, bob_mcp: Any, nc_user: NcUser, bob: NcUser, carol: NcUser, standin: StandInHandle
) -> None:
    dave = standin.add_user("uteams-dave", "pw-uteams-dave")
    team = a_team(nc_user, bob, carol, dave)
    ids = {user_id: m["id"] for user_id, m in members_of(nc_user, team).items()}
    await call(mcp, "nc_teams_set_member_level", team_id=team, member_id=ids[bob.id], level="moderator")
    await call(mcp, "nc_teams_set_member_level", team_id=team, member_id=ids[dave.id], level="admin")
    removed = await call(bob_mcp, "nc_teams_remove_member", team_id=team, member_id=ids[carol.id])
    assert removed["member"]["name"] == carol.id
    refused = await error_of(bob_mcp, "nc_teams_remove_member", team_id=team, member_id=ids[dave.id])
    assert "Insufficient rights" in refused
    too_high = await error_of(bob_mcp, "nc_teams_set_member_level", team_id=team, member_id=ids[dave.id],
                              level="member")  # fmt: skip
    assert "Insufficient rights" in too_high
    assert set(members_of(nc_user, team)) == {nc_user.id, bob.id, dave.id}


async def test_a_secret_team_is_not_found_by_outsiders(mcp: Any, bob_mcp: Any, nc_user: NcUser) -> None:
    team = a_team(nc_user)
    for tool, arguments in [
        ("nc_teams_get", {}),
        ("nc_teams_list_members", {}),
        ("nc_teams_join", {}),
        ("nc_teams_add_member", {"member": "uteams-bob"}),
        ("nc_teams_delete", {}),
    ]:
        message = await error_of(bob_mcp, tool, team_id=team, **arguments)
        assert f"for team {team}" in message, (tool, message)
        assert "does not exist" in message, (tool, message)
    assert team not in {t["id"] for t in (await call(bob_mcp, "nc_teams_list", limit=500))["items"]}
    assert list(members_of(nc_user, team)) == [nc_user.id]


async def test_join_an_open_team_or_ask_to_and_get_confirmed(
    mcp: Any, bob_mcp: Any, nc_user: NcUser, bob: NcUser
) -> None:
    closed = a_team(nc_user, config=8)
    assert "Circle is closed" in await error_of(bob_mcp, "nc_teams_join", team_id=closed)
    open_team = a_team(nc_user, config=16)  # open, not visible: joined by its id
    joined = await call(bob_mcp, "nc_teams_join", team_id=open_team)
    assert joined["member"]["level"] == "member"
    assert level_of(nc_user, open_team, bob) == 1
    assert "already a member" in await error_of(bob_mcp, "nc_teams_join", team_id=open_team)

    approval = a_team(nc_user, config=16 | 64)
    asked = await call(bob_mcp, "nc_teams_join", team_id=approval)
    assert asked["member"]["status"] == "Requesting"
    assert "moderator confirms" in asked["message"]
    member_id = members_of(nc_user, approval)[bob.id]["id"]
    assert members_of(nc_user, approval)[bob.id]["status"] == "Requesting"
    confirmed = await call(mcp, "nc_teams_confirm_member", team_id=approval, member_id=member_id)
    assert confirmed["member"]["status"] == "Member"
    assert level_of(nc_user, approval, bob) == 1
    twice = await error_of(mcp, "nc_teams_confirm_member", team_id=approval, member_id=member_id)
    assert "not asking to join" in twice


async def test_leave_a_team_but_not_as_its_owner(mcp: Any, bob_mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    team = a_team(nc_user, bob)
    left = await call(bob_mcp, "nc_teams_leave", team_id=team)
    assert team in left["message"]
    assert bob.id not in members_of(nc_user, team)
    owner = await error_of(mcp, "nc_teams_leave", team_id=team)
    assert "Member cannot be Owner" in owner
    assert nc_user.id in members_of(nc_user, team)


# -- the app --------------------------------------------------------------------------------------
async def test_with_teams_disabled_for_the_user_the_tools_vanish(standin: StandInHandle) -> None:
    user = standin.add_user(unique("uteams-gated"), "pw-gated-1")
    with own_server(user, capabilities_ttl=0) as url:
        async with Client(url) as client:
            before = {t.name for t in (await client.list_tools()).tools}
            standin.app.set_app_enabled(user.id, "circles", False)
            try:
                without = {t.name for t in (await client.list_tools()).tools}
                refused = await client.call_tool("nc_teams_list", {})
            finally:
                standin.app.set_app_enabled(user.id, "circles", True)
            again = {t.name for t in (await client.list_tools()).tools}
    assert before >= TOOLS
    assert TOOLS.isdisjoint(without)
    assert refused.is_error
    assert "needs the Nextcloud app 'Teams' (circles)" in refused.content[0].text
    assert again >= TOOLS
