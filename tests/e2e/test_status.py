"""User status and out-of-office end to end through the real MCP client: the module's user (alice
here) over both transports, bob through a server of his own. What alice sets is checked on the
stand-in with raw OCS requests as bob, and bob's tools see it; gating removes the toolset."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mcp import Client

from tests.conftest import NcUser, StandInHandle
from tests.e2e.helpers import call, error_of, own_server, unique

pytestmark = pytest.mark.anyio

OCS = {"OCS-APIRequest": "true"}
STATUS = "/ocs/v2.php/apps/user_status/api/v1"
OOO = "/ocs/v2.php/apps/dav/api/v1/outOfOffice"


def raw_status(viewer: NcUser, user_id: str) -> dict[str, Any]:
    with viewer.raw() as raw:
        response = raw.get(f"{STATUS}/statuses/{user_id}", headers=OCS)
    assert response.status_code == 200, response.text
    return dict(response.json()["ocs"]["data"])


def raw_absence(viewer: NcUser, user_id: str) -> dict[str, Any] | None:
    with viewer.raw() as raw:
        response = raw.get(f"{OOO}/{user_id}", headers=OCS)
    return None if response.status_code == 404 else dict(response.json()["ocs"]["data"])


@pytest.fixture(scope="module")
def bob(standin: StandInHandle) -> NcUser:
    return standin.add_user("ustatus-bob", "pw-ustatus-bob")


@pytest.fixture(scope="module")
def bob_url(bob: NcUser) -> Iterator[str]:
    with own_server(bob) as url:
        yield url


@pytest.fixture
async def as_bob(bob_url: str) -> AsyncIterator[Client]:
    async with Client(bob_url) as client:
        yield client


@pytest.fixture
def clock(standin: StandInHandle) -> Iterator[Any]:
    """Move the stand-in's time (user status and absences) forward by setting `.offset` seconds."""

    class Clock:
        offset = 0.0

        def __call__(self) -> float:
            return time.time() + self.offset

    moved = Clock()
    apps = [standin.app.services["user_status"], standin.app.services["dav"]]
    for app in apps:
        app.clock = moved
    yield moved
    for app in apps:
        app.clock = time.time


@pytest.fixture(autouse=True)
def no_absence(nc_user: NcUser) -> Iterator[None]:
    yield
    nc_user.standin.app.services["dav"].forget_user(nc_user.id)


async def test_alice_sets_a_status_with_a_message_and_clear_at_that_bob_reads(
    mcp: Any, as_bob: Client, nc_user: NcUser, bob: NcUser
) -> None:
    message = unique("Deep work")
    before = int(time.time())
    mine = await call(mcp, "nc_status_set", status="dnd", message=message, icon="🎧", clear_at="2h")
    seen = raw_status(bob, nc_user.id)
    assert (seen["status"], seen["message"], seen["icon"]) == ("dnd", message, "🎧")
    assert before + 7200 <= seen["clearAt"] <= int(time.time()) + 7200
    theirs = await call(as_bob, "nc_status_get", user_id=nc_user.id)
    assert theirs == mine
    assert datetime.fromisoformat(theirs["clear_at"]).timestamp() == seen["clearAt"]


async def test_a_message_clears_itself_at_its_clear_at(mcp: Any, as_bob: Client, nc_user: NcUser, clock: Any) -> None:
    until = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
    await call(mcp, "nc_status_set", status="away", message="Lunch", clear_at=until.isoformat())
    assert raw_status(nc_user, nc_user.id)["clearAt"] == int(until.timestamp())
    clock.offset = 2 * 3600
    later = await call(as_bob, "nc_status_get", user_id=nc_user.id)
    assert (later["status"], later["message"], later["clear_at"]) == ("offline", None, None)


async def test_an_emoji_alone_keeps_the_current_message(mcp: Any, nc_user: NcUser) -> None:
    await call(mcp, "nc_status_set", message="Commuting by train")
    changed = await call(mcp, "nc_status_set", icon="🚆")
    assert (changed["message"], changed["icon"]) == ("Commuting by train", "🚆")
    assert raw_status(nc_user, nc_user.id)["icon"] == "🚆"


async def test_clear_removes_the_message_and_keeps_the_status(mcp: Any, nc_user: NcUser) -> None:
    await call(mcp, "nc_status_set", status="away", message="Back soon", icon="☕", clear_at="30m")
    cleared = await call(mcp, "nc_status_clear")
    seen = raw_status(nc_user, nc_user.id)
    assert (seen["status"], seen["message"], seen["icon"], seen["clearAt"]) == ("away", None, None, None)
    assert (cleared["status"], cleared["message"]) == ("away", None)


async def test_invisible_shows_as_offline_to_others(mcp: Any, as_bob: Client, nc_user: NcUser) -> None:
    mine = await call(mcp, "nc_status_set", status="invisible")
    assert mine["status"] == "invisible"
    assert (await call(as_bob, "nc_status_get", user_id=nc_user.id))["status"] == "offline"


async def test_someone_without_a_status_has_none_recorded(mcp: Any, standin: StandInHandle) -> None:
    quiet = standin.add_user(unique("ustatus-quiet"), "pw-quiet-1")
    assert (await call(mcp, "nc_status_get", user_id=quiet.id))["status"] is None


async def test_alice_sets_out_of_office_and_bob_sees_who_is_out_and_her_status_follows(
    mcp: Any, as_bob: Client, nc_user: NcUser, bob: NcUser
) -> None:
    await call(mcp, "nc_status_set", status="online", message="At my desk")
    today = datetime.now(UTC).date()
    back = today + timedelta(days=4)
    set_ = await call(
        mcp,
        "nc_status_set_out_of_office",
        first_day=today.isoformat(),
        last_day=back.isoformat(),
        status="On vacation",
        message="Back on the 5th; ask Bob.",
        replacement_user_id=bob.id,
    )
    stored = raw_absence(bob, nc_user.id)
    assert stored is not None
    assert (stored["firstDay"], stored["lastDay"], stored["replacementUserId"]) == (
        today.isoformat(),
        back.isoformat(),
        bob.id,
    )
    out = await call(as_bob, "nc_status_get_out_of_office", user_id=nc_user.id)
    assert out == set_
    assert (out["configured"], out["out_of_office_now"], out["message"]) == (True, True, "Back on the 5th; ask Bob.")
    assert out["replacement_user_id"] == bob.id
    status = await call(as_bob, "nc_status_get", user_id=nc_user.id)
    assert (status["status"], status["message"], status["icon"]) == ("dnd", "On vacation", "🛑")
    await call(mcp, "nc_status_clear_out_of_office")
    assert raw_absence(bob, nc_user.id) is None
    after = await call(as_bob, "nc_status_get_out_of_office", user_id=nc_user.id)
    assert (after["configured"], after["out_of_office_now"]) == (False, False)
    restored = await call(as_bob, "nc_status_get", user_id=nc_user.id)
    assert (restored["status"], restored["message"]) == ("online", "At my desk")


async def test_an_upcoming_absence_is_configured_but_not_on_yet(mcp: Any, as_bob: Client, nc_user: NcUser) -> None:
    start = datetime.now(UTC).date() + timedelta(days=20)
    await call(
        mcp,
        "nc_status_set_out_of_office",
        first_day=start.isoformat(),
        last_day=start.isoformat(),
        status="Conference",
        message="At a conference.",
    )
    out = await call(as_bob, "nc_status_get_out_of_office", user_id=nc_user.id)
    assert (out["configured"], out["out_of_office_now"], out["first_day"]) == (True, False, start.isoformat())


async def test_my_own_out_of_office_is_read_without_a_user_id(mcp: Any, nc_user: NcUser) -> None:
    assert (await call(mcp, "nc_status_get_out_of_office"))["configured"] is False
    day = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()
    await call(mcp, "nc_status_set_out_of_office", first_day=day, last_day=day, status="Off", message="Day off.")
    mine = await call(mcp, "nc_status_get_out_of_office")
    assert (mine["user_id"], mine["status"]) == (nc_user.id, "Off")


async def test_a_replacement_who_does_not_exist_is_reported(mcp: Any, nc_user: NcUser) -> None:
    day = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()
    message = await error_of(
        mcp,
        "nc_status_set_out_of_office",
        first_day=day,
        last_day=day,
        status="Off",
        message="x",
        replacement_user_id="no-such-user",
    )
    assert "replacement user 'no-such-user'" in message
    assert "does not exist" in message
    assert raw_absence(nc_user, nc_user.id) is None


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        ("nc_status_set", {}, "give a status, a message, or both"),
        ("nc_status_set", {"message": "x", "clear_at": "2020-01-01T00:00:00Z"}, "is not in the future"),
        ("nc_status_set", {"message": "x", "clear_at": "soon"}, "neither an ISO 8601 time nor a duration"),
        ("nc_status_set", {"message": "x" * 81}, "Nextcloud allows 80"),
        ("nc_status_set", {"message": "x", "icon": "ok"}, "is not a single emoji"),
        ("nc_status_get", {"user_id": "a/b"}, "is not a login id"),
        (
            "nc_status_set_out_of_office",
            {"first_day": "2026-08-07", "last_day": "2026-08-03", "status": "Off", "message": "x"},
            "is before first_day",
        ),
        (
            "nc_status_set_out_of_office",
            {"first_day": "2026-08-03", "last_day": "2026-08-07", "status": " ", "message": "x"},
            "must not be empty",
        ),
        (
            "nc_status_set_out_of_office",
            {"first_day": "2026-08-03", "last_day": "2026-08-07", "status": "x" * 101, "message": "x"},
            "Nextcloud allows 100",
        ),
    ],
)
async def test_bad_arguments_are_refused_with_what_to_do(
    mcp: Any, nc_user: NcUser, tool: str, arguments: dict[str, Any], expected: str
) -> None:
    before = nc_user.standin.app.services["user_status"].rows.get(nc_user.id)
    snapshot = None if before is None else (before.status, before.custom_message, before.clear_at)
    message = await error_of(mcp, tool, **arguments)
    assert "Invalid argument" in message
    assert expected in message
    after = nc_user.standin.app.services["user_status"].rows.get(nc_user.id)
    assert (None if after is None else (after.status, after.custom_message, after.clear_at)) == snapshot
    assert raw_absence(nc_user, nc_user.id) is None


async def test_with_user_status_disabled_for_the_user_the_status_tools_vanish(standin: StandInHandle) -> None:
    user = standin.add_user(unique("ustatus-gated"), "pw-gated-1")
    with own_server(user, capabilities_ttl=0) as url:
        async with Client(url) as client:
            before = {t.name for t in (await client.list_tools()).tools}
            standin.app.set_app_enabled(user.id, "user_status", False)
            try:
                without = {t.name for t in (await client.list_tools()).tools}
                refused = await client.call_tool("nc_status_get", {})
            finally:
                standin.app.set_app_enabled(user.id, "user_status", True)
            again = {t.name for t in (await client.list_tools()).tools}
    status_tools = {name for name in before if name.startswith("nc_status_")}
    assert len(status_tools) == 6
    assert status_tools.isdisjoint(without)
    assert "nc_users_get_current" in without
    assert refused.is_error
    assert "needs the Nextcloud app 'User status' (user_status)" in refused.content[0].text
    assert status_tools <= again
