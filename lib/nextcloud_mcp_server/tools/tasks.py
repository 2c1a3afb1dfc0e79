"""MCP tools for Nextcloud Tasks: to-dos (VTODO) in CalDAV task lists.

Names and arguments follow the `nextcloud-mcp-server` package (PyPI). Nextcloud keeps
tasks in calendars whose component set includes VTODO (the default `personal` calendar
holds events only), so tools name a task list by calendar_name and a task by todo_uid.
Updates change only what the caller names and take the etag of the last read.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, Field

from nextcloud_mcp_server.registry import Toolset
from nextcloud_mcp_server.tools._base import (
    CREATE,
    DELETE,
    READ,
    UPDATE,
    Limit,
    Offset,
    Page,
    invalid,
    paginate,
)
from nextcloud_mcp_server.tools._caldav_common import (
    TODO_STATUSES,
    CalendarName,
    DeleteResult,
    EtagArg,
    choice,
    fmt,
    moment_arg,
    one_of,
    put_object,
    sort_key,
    zone_arg,
)
from nextcloud_mcp_server.tools.declare import Nextcloud, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.caldav import CalendarObject
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient
    from nextcloud_mcp_server.nextcloud.ical_todo import TodoChanges

TodoUid = Annotated[str, Field(min_length=1, description="The task's uid.")]
Priority = Annotated[int, Field(ge=0, le=9, description="1 high .. 9 low; 0 none.")]

TOOLSET = Toolset(
    "tasks",
    "Tasks",
    "Task lists (CalDAV to-dos): list, search, create, change, complete and delete tasks.",
    scope="todo",
)


class TodoItem(BaseModel):
    """A task."""

    uid: str = Field(description="The task's UID: pass as todo_uid.")
    calendar_name: str = Field(description="The task list holding it.")
    href: str = Field(description="DAV path of the .ics object.")
    etag: str | None = Field(description="Version of the stored object: pass to update/complete/delete.")
    summary: str = Field(description="Title.")
    description: str | None = Field(default=None, description="Details.")
    status: str | None = Field(default=None, description="NEEDS-ACTION, IN-PROCESS, COMPLETED or CANCELLED.")
    priority: int = Field(description="1 highest .. 9 lowest; 0 undefined.")
    percent_complete: int = Field(description="0-100.")
    due: str | None = Field(default=None, description="Due date or date-time.")
    dtstart: str | None = Field(default=None, description="Start date or date-time.")
    completed: str | None = Field(default=None, description="When it was completed (UTC).")
    categories: list[str] = Field(default_factory=list, description="Categories.")


class TodoList(BaseModel):
    todos: list[TodoItem] = Field(description="Tasks: open ones first by due date, then the rest.")
    calendar_name: str | None = Field(description="The task list searched (null: all task lists).")
    page: Page


def _todo_item(obj: CalendarObject, etag: str | None = None) -> TodoItem:
    from nextcloud_mcp_server.nextcloud.ical_read import load, master
    from nextcloud_mcp_server.nextcloud.ical_todo import todo_info

    info = todo_info(master(load(obj.data), "VTODO"))
    return TodoItem(
        uid=info.uid, calendar_name=obj.calendar, href=obj.href, etag=etag if etag is not None else obj.etag,
        summary=info.summary, description=info.description, status=info.status, priority=info.priority,
        percent_complete=info.percent_complete, due=fmt(info.due), dtstart=fmt(info.dtstart),
        completed=fmt(info.completed), categories=info.categories,
    )  # fmt: skip


async def _save(
    nc: NextcloudClient, calendar: str, name: str, ics: bytes, *, create: bool = False, etag: str | None = None
) -> TodoItem:
    """PUT the task (create-only, or over `etag`) and describe what is now stored."""
    return _todo_item(await put_object(nc, calendar, name, ics, create=create, etag=etag))


async def _update(nc: NextcloudClient, calendar: str, uid: str, changes: TodoChanges, etag: str) -> TodoItem:
    from nextcloud_mcp_server.nextcloud.ical_todo import merge_todo

    found = await nc.caldav.find(calendar, uid, "VTODO")
    ics = merge_todo(found.data, changes)
    return await _save(nc, calendar, found.name, ics, etag=etag or found.etag)


async def _todos(nc: NextcloudClient, calendars: list[str]) -> list[TodoItem]:
    items: list[TodoItem] = []
    for calendar in calendars:
        items.extend(_todo_item(obj) for obj in await nc.caldav.query(calendar, "VTODO"))
    items.sort(key=lambda t: (t.status in ("COMPLETED", "CANCELLED"), sort_key(_parse(t.due)), t.summary))
    return items


def _parse(value: str | None) -> dt.date | None:
    if value is None:
        return None
    return dt.date.fromisoformat(value) if len(value) == 10 else dt.datetime.fromisoformat(value)


def _filter(
    items: list[TodoItem],
    status: str | None,
    min_priority: int | None,
    categories: str | None,
    summary_contains: str | None,
) -> list[TodoItem]:
    wanted = {c.strip().lower() for c in (categories or "").split(",") if c.strip()}
    wanted_status = choice(status, TODO_STATUSES, "status") if status else None
    return [
        t
        for t in items
        if (wanted_status is None or (t.status or "NEEDS-ACTION") == wanted_status)
        and (min_priority is None or (t.priority != 0 and t.priority <= min_priority))
        and (not wanted or wanted & {c.lower() for c in t.categories})
        and (not summary_contains or summary_contains.lower() in t.summary.lower())
    ]


FilterStatus = Annotated[str | None, one_of(TODO_STATUSES)]
MinPriority = Annotated[int | None, Field(ge=1, le=9, description="Only priority 1 to this.")]
Categories = Annotated[str | None, Field(description="Any of these, comma-separated.")]
Contains = str | None


def _todo_page(items: list[TodoItem], calendar_name: str | None, offset: int, limit: int) -> TodoList:
    chunk, page = paginate(items, offset, limit)
    return TodoList(todos=chunk, calendar_name=calendar_name, page=page)


@tool(TOOLSET, READ, title="List tasks")
async def nc_calendar_list_todos(
    nc: Nextcloud,
    calendar_name: CalendarName,
    status: FilterStatus = None,
    min_priority: MinPriority = None,
    categories: Categories = None,
    summary_contains: Contains = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> TodoList:
    """List a task list's tasks, open ones first."""
    wanted = choice(status, TODO_STATUSES, "status") if status else None
    items = _filter(await _todos(nc, [calendar_name]), wanted, min_priority, categories, summary_contains)
    return _todo_page(items, calendar_name, offset, limit)


@tool(TOOLSET, READ, title="Search tasks")
async def nc_calendar_search_todos(
    nc: Nextcloud,
    status: FilterStatus = None,
    min_priority: MinPriority = None,
    categories: Categories = None,
    summary_contains: Contains = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> TodoList:
    """Search tasks across all of the user's task lists."""
    wanted = choice(status, TODO_STATUSES, "status") if status else None
    names = [c.name for c in await nc.caldav.list_calendars() if c.supports("VTODO")]
    items = _filter(await _todos(nc, names), wanted, min_priority, categories, summary_contains)
    return _todo_page(items, None, offset, limit)


@tool(TOOLSET, CREATE, title="Create task")
async def nc_calendar_create_todo(
    nc: Nextcloud,
    calendar_name: CalendarName,
    summary: Annotated[str, Field(description="Task title.")],
    description: str = "",
    status: Annotated[str, one_of(TODO_STATUSES)] = "NEEDS-ACTION",
    priority: Priority = 0,
    due: Annotated[str, Field(description="Date or date-time, e.g. '2026-03-20T17:00:00'.")] = "",
    dtstart: Annotated[str, Field(description="Start date or date-time.")] = "",
    categories: Annotated[str, Field(description="Comma-separated.")] = "",
    percent_complete: Annotated[int, Field(ge=0, le=100)] = 0,
    timezone: Annotated[str, Field(description="IANA zone for times without offset.")] = "",
) -> TodoItem:
    """Create a task in a task list (a calendar with VTODO; 'personal' holds only events)."""
    from nextcloud_mcp_server.nextcloud.ical import split_list
    from nextcloud_mcp_server.nextcloud.ical_todo import TodoChanges, build_todo

    if not summary.strip():
        raise invalid("summary", "a task needs a non-empty summary")
    zone = zone_arg(timezone)
    changes = TodoChanges(
        summary=summary, description=description or None, status=choice(status, TODO_STATUSES, "status"),
        priority=priority, percent_complete=percent_complete or None,
        due=moment_arg(due, "due", zone), dtstart=moment_arg(dtstart, "dtstart", zone),
        categories=split_list(categories) or None,
    )  # fmt: skip
    uid, ics = build_todo(changes)
    return await _save(nc, calendar_name, f"{uid}.ics", ics, create=True)


@tool(TOOLSET, UPDATE, title="Update task")
async def nc_calendar_update_todo(
    nc: Nextcloud,
    calendar_name: CalendarName,
    todo_uid: TodoUid,
    summary: str | None = None,
    description: Annotated[str | None, Field(description="'' clears.")] = None,
    status: Annotated[str | None, one_of(TODO_STATUSES)] = None,
    priority: Annotated[int | None, Field(ge=0, le=9, description="1 high .. 9 low; 0 clears.")] = None,
    percent_complete: Annotated[int | None, Field(ge=0, le=100)] = None,
    due: Annotated[str | None, Field(description="Date or date-time; '' removes it.")] = None,
    dtstart: Annotated[str | None, Field(description="Start date or date-time.")] = None,
    completed: Annotated[str | None, Field(description="Completion time; marks it COMPLETED.")] = None,
    categories: Annotated[str | None, Field(description="Comma-separated.")] = None,
    timezone: Annotated[str | None, Field(description="IANA zone for times without offset.")] = None,
    etag: EtagArg = "",
) -> TodoItem:
    """Change only the given fields of a task; the rest (alarms, other apps' data) is kept."""
    from nextcloud_mcp_server.nextcloud.ical import split_list
    from nextcloud_mcp_server.nextcloud.ical_todo import TodoChanges

    if summary is not None and not summary.strip():
        raise invalid("summary", "the summary cannot be empty")
    zone = zone_arg(timezone)
    changes = TodoChanges(
        summary=summary, description=description,
        status=choice(status, TODO_STATUSES, "status") if status else None,
        priority=priority, percent_complete=percent_complete,
        due=moment_arg(due, "due", zone), clear_due=due == "",
        dtstart=moment_arg(dtstart, "dtstart", zone), completed=moment_arg(completed, "completed", zone),
        categories=split_list(categories) if categories is not None else None,
    )  # fmt: skip
    return await _update(nc, calendar_name, todo_uid, changes, etag)


@tool(TOOLSET, UPDATE, title="Complete task")
async def nc_calendar_complete_todo(
    nc: Nextcloud,
    calendar_name: CalendarName,
    todo_uid: TodoUid,
    completed_at: Annotated[str | None, Field(description="ISO 8601; default now.")] = None,
    etag: EtagArg = "",
) -> TodoItem:
    """Mark a task done: status COMPLETED, 100% and the completion time."""
    from nextcloud_mcp_server.nextcloud.ical_todo import TodoChanges

    when = moment_arg(completed_at, "completed_at") or dt.datetime.now(dt.UTC)
    changes = TodoChanges(status="COMPLETED", percent_complete=100, completed=when)
    return await _update(nc, calendar_name, todo_uid, changes, etag)


@tool(TOOLSET, DELETE, title="Delete task")
async def nc_calendar_delete_todo(
    nc: Nextcloud, calendar_name: CalendarName, todo_uid: TodoUid, etag: EtagArg = ""
) -> DeleteResult:
    """Delete a task from a task list."""
    found = await nc.caldav.find(calendar_name, todo_uid, "VTODO")
    await nc.caldav.delete(calendar_name, found.name, etag=etag or None)
    return DeleteResult(deleted=True, calendar_name=calendar_name, uid=todo_uid, href=found.href)
