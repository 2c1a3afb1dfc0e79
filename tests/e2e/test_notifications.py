"""Notifications end to end through the real MCP client: notifications are sent on the stand-in
(as an app would), listed and dismissed through the tools, and what remains is checked on the
stand-in, for the user and for another user whose notifications must stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mcp import Client

from tests.conftest import NcUser, StandInHandle
from tests.e2e.helpers import call, error_of, own_server, unique

pytestmark = pytest.mark.anyio


def app_of(user: NcUser) -> Any:
    return user.standin.app.services["notifications"]


def remaining(user: NcUser) -> list[int]:
    return [n.id for n in app_of(user).of(user.id)]


@pytest.fixture(autouse=True)
def none_left(nc_user: NcUser) -> None:
    app_of(nc_user).forget_user(nc_user.id)


@pytest.fixture(scope="module")
def other(standin: StandInHandle) -> NcUser:
    return standin.add_user("unotifications-other", "pw-other-1")


async def test_list_shows_my_notifications_newest_first_with_their_actions(mcp: Any, nc_user: NcUser) -> None:
    app = app_of(nc_user)
    now = datetime.now(UTC).replace(microsecond=0)
    shared = app.notify(
        nc_user.id,
        "Bob shared “Plan.odt” with you",
        app="files_sharing",
        link="https://cloud.example/f/12",
        object_type="remote_share",
        object_id="12",
        actions=[("Accept", "/ocs/v2.php/apps/files_sharing/api/v1/shares/pending/12", "POST")],
        when=now - timedelta(hours=1),
    )
    reminder = app.notify(nc_user.id, "Standup", message="in 10 minutes", app="calendar", when=now)
    found = await call(mcp, "nc_notifications_list")
    assert [item["id"] for item in found["items"]] == [reminder, shared]
    first, second = found["items"]
    assert (first["app"], first["subject"], first["message"]) == ("calendar", "Standup", "in 10 minutes")
    assert datetime.fromisoformat(first["time"]) == now
    assert (second["link"], second["object_type"], second["object_id"]) == (
        "https://cloud.example/f/12",
        "remote_share",
        "12",
    )
    assert second["actions"] == [
        {"label": "Accept", "method": "POST", "url": "/ocs/v2.php/apps/files_sharing/api/v1/shares/pending/12"}
    ]
    assert found["page"] == {"total": 2, "offset": 0, "next_offset": None}


async def test_list_pages(mcp: Any, nc_user: NcUser) -> None:
    ids = [app_of(nc_user).notify(nc_user.id, f"n{n}") for n in range(3)]
    first = await call(mcp, "nc_notifications_list", limit=2)
    rest = await call(mcp, "nc_notifications_list", limit=2, offset=first["page"]["next_offset"])
    assert [item["id"] for item in first["items"] + rest["items"]] == sorted(ids, reverse=True)


async def test_an_empty_list_is_empty(mcp: Any) -> None:
    assert (await call(mcp, "nc_notifications_list"))["items"] == []


async def test_dismiss_removes_one_notification_and_says_which(mcp: Any, nc_user: NcUser) -> None:
    keep = app_of(nc_user).notify(nc_user.id, "Keep me")
    drop = app_of(nc_user).notify(nc_user.id, unique("Drop me"))
    result = await call(mcp, "nc_notifications_dismiss", notification_id=drop)
    assert result["dismissed"]["id"] == drop
    assert result["dismissed"]["subject"].startswith("Drop me")
    assert remaining(nc_user) == [keep]


async def test_dismissing_an_unknown_or_someone_elses_notification_is_not_found(
    mcp: Any, nc_user: NcUser, other: NcUser
) -> None:
    theirs = app_of(other).notify(other.id, "Private to the other user")
    mine = app_of(nc_user).notify(nc_user.id, "Mine")
    for notification_id in (theirs, 999_999):
        message = await error_of(mcp, "nc_notifications_dismiss", notification_id=notification_id)
        assert f"for notification {notification_id}" in message
        assert "does not exist" in message
    assert theirs in remaining(other)
    assert remaining(nc_user) == [mine]


async def test_dismiss_all_removes_mine_only(mcp: Any, nc_user: NcUser, other: NcUser) -> None:
    for n in range(3):
        app_of(nc_user).notify(nc_user.id, f"n{n}")
    theirs = app_of(other).notify(other.id, "Stays")
    result = await call(mcp, "nc_notifications_dismiss_all")
    assert result["count"] == 3
    assert remaining(nc_user) == []
    assert theirs in remaining(other)


async def test_a_notification_id_below_one_is_refused(mcp: Any, nc_user: NcUser) -> None:
    mine = app_of(nc_user).notify(nc_user.id, "Mine")
    message = await error_of(mcp, "nc_notifications_dismiss", notification_id=0)
    assert "notification_id" in message
    assert remaining(nc_user) == [mine]


async def test_with_notifications_disabled_for_the_user_the_tools_vanish(standin: StandInHandle) -> None:
    user = standin.add_user(unique("unotifications-gated"), "pw-gated-1")
    with own_server(user, capabilities_ttl=0) as url:
        async with Client(url) as client:
            before = {t.name for t in (await client.list_tools()).tools}
            standin.app.set_app_enabled(user.id, "notifications", False)
            try:
                without = {t.name for t in (await client.list_tools()).tools}
                refused = await client.call_tool("nc_notifications_list", {})
            finally:
                standin.app.set_app_enabled(user.id, "notifications", True)
            again = {t.name for t in (await client.list_tools()).tools}
    tools = {name for name in before if name.startswith("nc_notifications_")}
    assert tools == {"nc_notifications_list", "nc_notifications_dismiss", "nc_notifications_dismiss_all"}
    assert tools.isdisjoint(without)
    assert "nc_status_get" in without
    assert refused.is_error
    assert "needs the Nextcloud app 'Notifications' (notifications)" in refused.content[0].text
    assert tools <= again
