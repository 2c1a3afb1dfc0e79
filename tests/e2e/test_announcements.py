"""Announcement Center tools end to end through the real MCP client; every effect is checked on the
stand-in with raw OCS requests (or in the stand-in's state).

The module's user is alice (the `mcp` fixture's, over both transports), made one of the app's
admins through an admin group the app is told about (its "allowed groups"); bob is a second user,
no admin, with his own MCP server. Multi-user cases: bob reads what was posted to his group but
may neither post nor delete, refused in words; carol, outside the group, does not see it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from mcp import Client

from tests.conftest import NcUser, StandInHandle
from tests.e2e.helpers import call, error_of, own_server, unique

pytestmark = pytest.mark.anyio

API = "/ocs/v2.php/apps/announcementcenter/api/v1/announcements"
OCS = {"OCS-APIRequest": "true", "Accept": "application/json"}
ADMINS = "uannouncements-admins"
GROUP = "uannouncements-team"
TOOLS = {"nc_announcements_list", "nc_announcements_create", "nc_announcements_delete"}


def raw(user: NcUser, method: str, path: str = "", **kwargs: Any) -> tuple[int, Any]:
    """A raw OCS call to the app as `user`: (HTTP status, `ocs.data`)."""
    with user.raw() as http:
        response = http.request(method, API + path, headers=OCS, **kwargs)
    return response.status_code, response.json()["ocs"]["data"]


def app(user: NcUser) -> Any:
    return user.standin.app.services["announcementcenter"]


def seen_by(user: NcUser) -> dict[int, dict[str, Any]]:
    """Every announcement `user` may read, walking the app's pages."""
    found: dict[int, dict[str, Any]] = {}
    offset = 0
    while True:
        status, page = raw(user, "GET", params={"offset": offset} if offset else None)
        assert status == 200, page
        found.update({a["id"]: a for a in page})
        if len(page) < 7:
            return found
        offset = page[-1]["id"]


@pytest.fixture(scope="module", autouse=True)
def admins(nc_user: NcUser, bob: NcUser) -> None:
    """Alice in an admin group the app allows; bob in the team group, no admin."""
    directory = nc_user.standin.app.services["provisioning_api"]
    directory.add_group(ADMINS, nc_user.id)
    directory.add_group(GROUP, nc_user.id, bob.id, display_name="The Team")
    if ADMINS not in app(nc_user).admin_groups:
        app(nc_user).admin_groups.append(ADMINS)


@pytest.fixture(scope="module")
def bob(standin: StandInHandle) -> NcUser:
    return standin.add_user("uannouncements-bob", "pw-uannouncements-bob")


@pytest.fixture(scope="module")
def carol(standin: StandInHandle) -> NcUser:
    return standin.add_user("uannouncements-carol", "pw-uannouncements-carol")


@pytest.fixture(scope="module")
def bob_url(bob: NcUser) -> Iterator[str]:
    with own_server(bob) as url:
        yield url


@pytest.fixture
async def bob_mcp(bob_url: str) -> AsyncIterator[Any]:
    async with Client(bob_url) as client:
        yield client


async def test_create_posts_to_a_group_and_notifies_its_members(
    mcp: Any, nc_user: NcUser, bob: NcUser, carol: NcUser
) -> None:
    subject = unique("Standup moved")
    made = await call(mcp, "nc_announcements_create", subject=subject, message="To 10:00.", groups=["The Team"])
    assert (made["subject"], made["message"], made["author"], made["groups"], made["comments"]) == (
        subject, "To 10:00.", nc_user.id, [GROUP], 0
    )  # fmt: skip
    assert seen_by(nc_user)[made["id"]]["groups"] == [{"id": GROUP, "name": "The Team"}]
    bobs = seen_by(bob)[made["id"]]
    assert (bobs["subject"], bobs["groups"]) == (subject, None)  # groups are for the app's admins only
    assert made["id"] not in seen_by(carol)
    notified = [n for n in nc_user.standin.app.services["notifications"].of(bob.id) if n.subject == subject]
    assert len(notified) == 1


async def test_create_to_everyone_without_notifying_or_comments(mcp: Any, nc_user: NcUser, carol: NcUser) -> None:
    subject = unique("Holiday")
    made = await call(mcp, "nc_announcements_create", subject=subject, notify=False, comments=False)
    assert (made["groups"], made["comments"]) == (["everyone"], None)
    assert made["id"] in seen_by(carol)
    assert not [n for n in nc_user.standin.app.services["notifications"].of(carol.id) if n.subject == subject]


async def test_create_refuses_a_bad_subject_or_an_unknown_group_and_posts_nothing(mcp: Any, nc_user: NcUser) -> None:
    before = set(seen_by(nc_user))
    assert "Invalid argument 'subject'" in await error_of(mcp, "nc_announcements_create", subject="   ")
    long = await error_of(mcp, "nc_announcements_create", subject="x" * 513)
    assert "512 characters" in long
    unknown = await error_of(mcp, "nc_announcements_create", subject="Hello", groups=["no-such-group"])
    assert "Invalid argument 'groups'" in unknown
    assert "no group 'no-such-group'" in unknown
    assert set(seen_by(nc_user)) == before


async def test_list_pages_seven_at_a_time_newest_first(mcp: Any, nc_user: NcUser) -> None:
    for n in range(9):
        app(nc_user).post(nc_user.id, f"Paged {n}", groups=[GROUP])
    first = await call(mcp, "nc_announcements_list")
    assert len(first["items"]) == 7
    assert first["next_offset"] == first["items"][-1]["id"]
    ids = [a["id"] for a in first["items"]]
    assert ids == sorted(ids, reverse=True)
    second = await call(mcp, "nc_announcements_list", offset=first["next_offset"])
    assert second["items"]
    assert all(a["id"] < first["next_offset"] for a in second["items"])
    everything: list[int] = ids + [a["id"] for a in second["items"]]
    page = second
    while page["next_offset"] is not None:
        page = await call(mcp, "nc_announcements_list", offset=page["next_offset"])
        everything += [a["id"] for a in page["items"]]
    assert sorted(everything, reverse=True) == sorted(seen_by(nc_user), reverse=True)


async def test_delete_removes_it_and_names_a_missing_one(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    made = await call(mcp, "nc_announcements_create", subject=unique("Obsolete"), groups=[GROUP])
    deleted = await call(mcp, "nc_announcements_delete", announcement_id=made["id"])
    assert deleted["deleted"]["subject"] == made["subject"]
    assert made["id"] not in seen_by(nc_user)
    assert made["id"] not in seen_by(bob)
    gone = await error_of(mcp, "nc_announcements_delete", announcement_id=made["id"])
    assert f"announcement {made['id']}" in gone
    assert "does not exist" in gone


async def test_a_non_admin_reads_but_may_not_post_or_delete(bob_mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    posted = app(nc_user).post(nc_user.id, unique("For the team"), groups=[GROUP])
    listed = await call(bob_mcp, "nc_announcements_list")
    mine = next(a for a in listed["items"] if a["id"] == posted)
    assert mine["groups"] is None
    assert mine["author"] == nc_user.id
    before = set(seen_by(nc_user))
    refused = [
        await error_of(bob_mcp, "nc_announcements_create", subject="From bob"),
        await error_of(bob_mcp, "nc_announcements_create", subject="From bob", groups=[GROUP]),
        await error_of(bob_mcp, "nc_announcements_delete", announcement_id=posted),
    ]
    for message in refused:
        assert "refused" in message, message
        assert "Logged in user must be an admin" in message, message
    assert set(seen_by(nc_user)) == before
    assert posted in before


async def test_without_the_app_a_call_names_it(mcp: Any, nc_user: NcUser) -> None:
    """The app shows no capabilities, so its tools stay listed; a call says the app is missing."""
    listed = {tool.name for tool in (await mcp.list_tools()).tools}
    assert listed >= TOOLS
    nc_user.standin.app.set_app_enabled(nc_user.id, "announcementcenter", False)
    try:
        messages = [
            await error_of(mcp, "nc_announcements_list"),
            await error_of(mcp, "nc_announcements_create", subject="Hello"),
        ]
    finally:
        nc_user.standin.app.set_app_enabled(nc_user.id, "announcementcenter", True)
    for message in messages:
        assert "needs the Nextcloud app 'Announcement Center' (announcementcenter)" in message, message
