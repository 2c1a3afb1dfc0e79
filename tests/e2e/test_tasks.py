"""Task tools end to end through the real MCP client; effects checked with raw CalDAV GETs on the stand-in."""

from __future__ import annotations

import datetime as dt
from typing import Any

import icalendar
import pytest

from tests.e2e.helpers import call, error_of, unique

pytestmark = pytest.mark.anyio

CALS = "/remote.php/dav/calendars"


def raw_todo(nc_user: Any, href: str) -> tuple[icalendar.cal.Component, str]:
    with nc_user.raw() as raw:
        response = raw.get(href)
    assert response.status_code == 200, response.text
    return icalendar.Calendar.from_ical(response.content).walk("VTODO")[0], response.headers["ETag"]


async def test_create_todo_stores_due_priority_and_categories(mcp, nc_user) -> None:
    summary = unique("task")
    created = await call(
        mcp, "nc_calendar_create_todo", calendar_name="tasks", summary=summary, due="2026-12-01T17:00:00",
        timezone="Europe/Berlin", priority=2, categories="home,urgent", percent_complete=20,
    )  # fmt: skip
    assert created["href"] == f"{CALS}/{nc_user.id}/tasks/{created['uid']}.ics"
    todo, etag = raw_todo(nc_user, created["href"])
    assert etag == created["etag"]
    assert str(todo["SUMMARY"]) == summary
    assert todo["DUE"].params["TZID"] == "Europe/Berlin"
    assert todo.decoded("DUE").hour == 17
    assert int(todo["PRIORITY"]) == 2
    assert int(todo["PERCENT-COMPLETE"]) == 20
    assert str(todo["STATUS"]) == "NEEDS-ACTION"
    assert created["due"] == "2026-12-01T17:00:00+01:00"


async def test_a_task_in_the_events_only_personal_calendar_is_refused_by_nextcloud(mcp, nc_user) -> None:
    message = await error_of(mcp, "nc_calendar_create_todo", calendar_name="personal", summary=unique("task"))
    assert "403" in message
    assert "VEVENT" in message


async def test_update_and_complete_todo_set_status_percent_and_completed(mcp, nc_user) -> None:
    created = await call(
        mcp, "nc_calendar_create_todo", calendar_name="tasks", summary=unique("task"), due="2026-11-30"
    )
    updated = await call(
        mcp, "nc_calendar_update_todo", calendar_name="tasks", todo_uid=created["uid"], percent_complete=60,
        status="IN-PROCESS", etag=created["etag"],
    )  # fmt: skip
    todo, _ = raw_todo(nc_user, created["href"])
    assert str(todo["STATUS"]) == "IN-PROCESS"
    assert int(todo["PERCENT-COMPLETE"]) == 60
    assert todo.decoded("DUE") == dt.date(2026, 11, 30)
    done = await call(
        mcp, "nc_calendar_complete_todo", calendar_name="tasks", todo_uid=created["uid"], etag=updated["etag"]
    )
    todo, etag = raw_todo(nc_user, created["href"])
    assert done["etag"] == etag
    assert str(todo["STATUS"]) == "COMPLETED"
    assert int(todo["PERCENT-COMPLETE"]) == 100
    completed = todo.decoded("COMPLETED")
    assert completed.utcoffset() == dt.timedelta(0)
    assert abs(dt.datetime.now(dt.UTC) - completed) < dt.timedelta(minutes=5)


async def test_complete_todo_with_a_stale_etag_reports_the_current_one(mcp, nc_user) -> None:
    created = await call(mcp, "nc_calendar_create_todo", calendar_name="tasks", summary=unique("task"))
    changed = await call(mcp, "nc_calendar_update_todo", calendar_name="tasks", todo_uid=created["uid"], priority=1)
    message = await error_of(
        mcp, "nc_calendar_complete_todo", calendar_name="tasks", todo_uid=created["uid"], etag=created["etag"]
    )
    assert "412" in message
    assert changed["etag"] in message
    todo, _ = raw_todo(nc_user, created["href"])
    assert str(todo["STATUS"]) == "NEEDS-ACTION"


async def test_list_and_search_todos_filter_by_status_priority_and_text(mcp, nc_user) -> None:
    marker = unique("find")
    urgent = await call(mcp, "nc_calendar_create_todo", calendar_name="tasks", summary=f"{marker} urgent", priority=1)
    await call(mcp, "nc_calendar_create_todo", calendar_name="tasks", summary=f"{marker} later", priority=8)
    listed = await call(mcp, "nc_calendar_list_todos", calendar_name="tasks", summary_contains=marker, min_priority=3)
    assert [t["uid"] for t in listed["todos"]] == [urgent["uid"]]
    searched = await call(mcp, "nc_calendar_search_todos", summary_contains=marker)
    assert sorted(t["summary"] for t in searched["todos"]) == [f"{marker} later", f"{marker} urgent"]
    assert searched["page"]["total"] == 2
    none_done = await call(mcp, "nc_calendar_search_todos", summary_contains=marker, status="COMPLETED")
    assert none_done["todos"] == []


async def test_delete_todo_removes_the_object(mcp, nc_user) -> None:
    created = await call(mcp, "nc_calendar_create_todo", calendar_name="tasks", summary=unique("task"))
    await call(mcp, "nc_calendar_delete_todo", calendar_name="tasks", todo_uid=created["uid"])
    with nc_user.raw() as raw:
        assert raw.get(created["href"]).status_code == 404


@pytest.mark.parametrize(
    ("tool", "arguments", "argument"),
    [
        ("nc_calendar_create_todo", {"summary": " "}, "summary"),
        ("nc_calendar_create_todo", {"summary": "x", "due": "31/12/2026"}, "due"),
        ("nc_calendar_create_todo", {"summary": "x", "status": "DONE-ISH"}, "status"),
        ("nc_calendar_create_todo", {"summary": "x", "due": "2026-12-01", "dtstart": "2026-12-05"}, "due"),
        ("nc_calendar_list_todos", {"status": "WHATEVER"}, "status"),
    ],
)
async def test_invalid_task_arguments_are_refused(mcp, nc_user, tool, arguments, argument) -> None:
    message = await error_of(mcp, tool, calendar_name="tasks", **arguments)
    assert f"Invalid argument '{argument}'" in message
