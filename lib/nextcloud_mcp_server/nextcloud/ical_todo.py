"""iCalendar for tasks (VTODO): build, merge and read, with the same keep-what-you-did-not-name rule as events.

Why separate from ical.py: tasks have their own fields (DUE, PRIORITY, PERCENT-COMPLETE,
STATUS, COMPLETED) and completion rules (COMPLETED is set with STATUS:COMPLETED and
cleared when a task is reopened), and the Tasks app reads them from any client.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import icalendar

from nextcloud_mcp_server.nextcloud.ical import _set, _set_time, finish, new_calendar
from nextcloud_mcp_server.nextcloud.ical_read import (
    UTC,
    IcalError,
    Moment,
    categories_of,
    load,
    master,
    moment_of,
    text_of,
    tzid_of,
)

TODO_STATUSES = ("NEEDS-ACTION", "IN-PROCESS", "COMPLETED", "CANCELLED")


@dataclass
class TodoInfo:
    uid: str
    summary: str
    description: str | None
    status: str | None
    priority: int
    percent_complete: int
    due: Moment | None
    dtstart: Moment | None
    completed: Moment | None
    categories: list[str] = field(default_factory=list)
    timezone: str | None = None

    @property
    def is_done(self) -> bool:
        return self.status in ("COMPLETED", "CANCELLED")


@dataclass
class TodoChanges:
    """What a caller asked for; None keeps what is stored."""

    summary: str | None = None
    description: str | None = None
    status: str | None = None
    priority: int | None = None
    percent_complete: int | None = None
    due: Moment | None = None
    clear_due: bool = False
    dtstart: Moment | None = None
    completed: Moment | None = None
    categories: list[str] | None = None


def todo_info(component: icalendar.cal.Component) -> TodoInfo:
    priority = component.get("PRIORITY")
    percent = component.get("PERCENT-COMPLETE")
    return TodoInfo(
        uid=str(component.get("UID", "")),
        summary=str(component.get("SUMMARY", "")),
        description=text_of(component, "DESCRIPTION"),
        status=text_of(component, "STATUS"),
        priority=int(priority) if priority is not None else 0,
        percent_complete=int(percent) if percent is not None else 0,
        due=moment_of(component, "DUE"),
        dtstart=moment_of(component, "DTSTART"),
        completed=moment_of(component, "COMPLETED"),
        categories=categories_of(component),
        timezone=tzid_of(component, "DUE") or tzid_of(component, "DTSTART"),
    )


def build_todo(changes: TodoChanges, uid: str | None = None) -> tuple[str, bytes]:
    """A new VCALENDAR with one VTODO; returns (uid, ics)."""
    if not (changes.summary or "").strip():
        raise IcalError("summary", "a task needs a non-empty summary")
    uid = uid or str(uuid.uuid4())
    cal = new_calendar()
    todo = icalendar.Todo()
    todo.add("UID", uid)
    todo.add("CREATED", dt.datetime.now(UTC))
    cal.add_component(todo)
    apply_todo_changes(todo, TodoChanges(**{**changes.__dict__, "status": changes.status or "NEEDS-ACTION"}))
    finish(cal, todo)
    return uid, cal.to_ical()


def merge_todo(ics: str | bytes, changes: TodoChanges) -> bytes:
    """The stored task with only the named properties changed."""
    cal = load(ics)
    todo = master(cal, "VTODO")
    apply_todo_changes(todo, changes)
    todo["SEQUENCE"] = int(todo.get("SEQUENCE", 0)) + 1
    finish(cal, todo)
    return bytes(cal.to_ical())


def apply_todo_changes(todo: icalendar.cal.Component, ch: TodoChanges) -> None:
    if ch.summary is not None:
        if not ch.summary.strip():
            raise IcalError("summary", "the summary cannot be empty")
        _set(todo, "SUMMARY", ch.summary)
    if ch.description is not None:
        _set(todo, "DESCRIPTION", ch.description)
    if ch.priority is not None:
        _set(todo, "PRIORITY", ch.priority if ch.priority > 0 else None)
    if ch.categories is not None:
        _set(todo, "CATEGORIES", ch.categories or None)
    if ch.dtstart is not None:
        _set_time(todo, "DTSTART", ch.dtstart)
    if ch.due is not None or ch.clear_due:
        _set_time(todo, "DUE", ch.due)
    start, due = moment_of(todo, "DTSTART"), moment_of(todo, "DUE")
    if start is not None and due is not None and _key(due) < _key(start):
        raise IcalError("due", "the task cannot be due before it starts")
    if ch.percent_complete is not None:
        _set(todo, "PERCENT-COMPLETE", ch.percent_complete)
    status = ch.status
    if status is None and ch.completed is not None:
        status = "COMPLETED"
    if status is not None:
        _set(todo, "STATUS", status)
        if status == "COMPLETED":
            _set_time(todo, "COMPLETED", _utc(ch.completed) if ch.completed else dt.datetime.now(UTC))
            if ch.percent_complete is None:
                _set(todo, "PERCENT-COMPLETE", 100)
        else:
            todo.pop("COMPLETED", None)
            if int(todo.get("PERCENT-COMPLETE", 0)) == 100 and ch.percent_complete is None:
                todo.pop("PERCENT-COMPLETE", None)


def _utc(moment: Moment) -> dt.datetime:
    """COMPLETED must be a UTC DATE-TIME (RFC 5545 3.8.2.1)."""
    if isinstance(moment, dt.datetime):
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return dt.datetime(moment.year, moment.month, moment.day, tzinfo=UTC)


def _key(moment: Moment) -> dt.datetime:
    if isinstance(moment, dt.datetime):
        return moment.replace(tzinfo=None) if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)
    return dt.datetime(moment.year, moment.month, moment.day)
