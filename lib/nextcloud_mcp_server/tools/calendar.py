"""MCP tools for Nextcloud Calendar (CalDAV): calendars, events, availability.

Names and arguments follow the `nextcloud-mcp-server` package (PyPI). Events are named
by calendar_name + event_uid; results carry the uid, href and etag, and updates take the
etag so that a concurrent change is reported instead of overwritten. Updates change only
what the caller names: attendees, alarms, time zones, recurrence and other clients'
properties are kept.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

from mcp_types import ToolAnnotations
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
    EVENT_STATUSES,
    PRIVACY,
    CalendarItem,
    CalendarName,
    DeleteResult,
    EtagArg,
    emails_arg,
    fmt,
    one_of,
    range_arg,
    zone_arg,
)
from nextcloud_mcp_server.tools._calendar_events import (
    EventItem,
    build_changes,
    collect_events,
    event_item,
    free_slots,
    parse_windows,
    save_event,
)
from nextcloud_mcp_server.tools.declare import Nextcloud, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

# Descriptions the event tools share (arguments of different types, so not one alias).
WHEN = "ISO 8601; without offset: in `timezone`."
COMMAS = "Comma-separated."
PRIORITY = "1 high .. 9 low; 0 none."
EventUid = Annotated[str, Field(min_length=1, description="The event's uid.")]

MANAGE = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False, open_world_hint=True)

TOOLSET = Toolset(
    "calendar",
    "Calendar",
    "Calendars and events (CalDAV): list, create, change and delete events; find free time.",
)


class CalendarList(BaseModel):
    calendars: list[CalendarItem] = Field(description="Calendars and task lists of the user.")
    page: Page


class EventList(BaseModel):
    events: list[EventItem] = Field(
        description="Events sorted by start; recurring events appear once per occurrence inside the range."
    )
    calendar_name: str | None = Field(description="The calendar searched (null: all calendars).")
    start: str | None = Field(description="Start of the range searched (inclusive).")
    end: str | None = Field(description="End of the range searched (exclusive).")
    page: Page


class Slot(BaseModel):
    start: str = Field(description="Start of a free period (ISO 8601 with offset).")
    end: str = Field(description="End of the free period.")
    duration_minutes: int = Field(description="Length of the free period in minutes (at least the requested duration).")


class Availability(BaseModel):
    slots: list[Slot] = Field(description="Free periods long enough for the meeting, earliest first.")
    timezone: str = Field(description="Zone of the working hours and of the slot times.")
    busy_periods: int = Field(description="Number of busy events considered.")
    note: str = Field(description="What was and was not checked.")


class ManageResult(BaseModel):
    action: str = Field(description="The action performed.")
    calendar: CalendarItem | None = Field(default=None, description="The created or updated calendar.")
    calendars: list[CalendarItem] = Field(default_factory=list, description="For 'list': every calendar.")
    deleted: bool = Field(default=False, description="For 'delete': true when the calendar was deleted.")


async def _event_calendars(nc: NextcloudClient, calendar_name: str) -> list[str]:
    if calendar_name:
        return [calendar_name]
    return [c.name for c in await nc.caldav.list_calendars() if c.supports("VEVENT")]


@tool(TOOLSET, READ, title="List calendars")
async def nc_calendar_list_calendars(nc: Nextcloud, limit: Limit = 50, offset: Offset = 0) -> CalendarList:
    """List calendars (VEVENT) and task lists (VTODO); `name` is the calendar_name."""
    calendars = sorted(await nc.caldav.list_calendars(), key=lambda c: c.name)
    chunk, page = paginate(calendars, offset, limit)
    return CalendarList(calendars=[CalendarItem.of(c) for c in chunk], page=page)


@tool(TOOLSET, CREATE, title="Create calendar event")
async def nc_calendar_create_event(
    nc: Nextcloud,
    calendar_name: CalendarName,
    title: str,
    start_datetime: Annotated[str, Field(description=f"{WHEN} A date: all-day.")],
    end_datetime: Annotated[str, Field(description="Default: start + 1 hour (all-day: 1 day).")] = "",
    all_day: Annotated[bool, Field(description="Dates only; the end date is exclusive.")] = False,
    description: str = "",
    location: str = "",
    categories: Annotated[str, Field(description=COMMAS)] = "",
    recurring: Annotated[bool, Field(description="Needs recurrence_rule.")] = False,
    recurrence_rule: Annotated[str, Field(description="RRULE, e.g. 'FREQ=WEEKLY;BYDAY=MO'.")] = "",
    recurrence_end_date: Annotated[str, Field(description="Last day, YYYY-MM-DD.")] = "",
    reminder_minutes: Annotated[int, Field(ge=0, description="Minutes before start; 0: none.")] = 15,
    reminder_email: Annotated[bool, Field(description="By email, not notification.")] = False,
    status: Annotated[str, one_of(EVENT_STATUSES)] = "CONFIRMED",
    priority: Annotated[int, Field(ge=0, le=9, description=PRIORITY)] = 5,
    privacy: Annotated[str, one_of(PRIVACY)] = "PUBLIC",
    attendees: Annotated[str, Field(description="Comma-separated emails.")] = "",
    url: str = "",
    color: Annotated[str, Field(description="e.g. '#1976D2' or 'red'.")] = "",
    timezone: Annotated[str, Field(description="IANA zone, e.g. 'Europe/Berlin'.")] = "",
) -> EventItem:
    """Create an event in a calendar."""
    if not title.strip():
        raise invalid("title", "an event needs a non-empty title")
    if recurring and not recurrence_rule:
        raise invalid("recurrence_rule", "a recurring event needs a rule, e.g. 'FREQ=WEEKLY'")
    changes = build_changes(
        title=title, start_datetime=start_datetime, end_datetime=end_datetime or None, all_day=all_day,
        description=description, location=location, categories=categories, recurring=None,
        recurrence_rule=recurrence_rule or None, recurrence_end_date=recurrence_end_date,
        reminder_minutes=reminder_minutes, reminder_email=reminder_email, status=status, priority=priority,
        privacy=privacy, attendees=attendees, url=url, color=color, timezone=timezone,
    )  # fmt: skip
    from nextcloud_mcp_server.nextcloud.ical import build_event

    uid, ics = build_event(changes)
    return await save_event(nc, calendar_name, f"{uid}.ics", ics, create=True)


@tool(TOOLSET, READ, title="List calendar events")
async def nc_calendar_list_events(
    nc: Nextcloud,
    calendar_name: Annotated[str, Field(description="Ignored with search_all_calendars.")],
    start_date: Annotated[str, Field(description="Range start: 'YYYY-MM-DD' or date-time.")] = "",
    end_date: Annotated[str, Field(description="Range end; a date includes that day.")] = "",
    limit: Limit = 50,
    offset: Offset = 0,
    min_attendees: Annotated[int | None, Field(ge=0, description="At least this many attendees.")] = None,
    min_duration_minutes: Annotated[int | None, Field(ge=0, description="At least this long.")] = None,
    categories: Annotated[str | None, Field(description="Any of these, comma-separated.")] = None,
    status: Annotated[str | None, one_of(EVENT_STATUSES)] = None,
    title_contains: str | None = None,
    location_contains: str | None = None,
    search_all_calendars: Annotated[bool, Field(description="Search every calendar.")] = False,
    timezone: Annotated[str, Field(description="IANA zone of the range dates; default UTC.")] = "",
) -> EventList:
    """List events; in a date range, recurring events are listed per occurrence."""
    zone = zone_arg(timezone)
    start, end = range_arg(start_date, end_date, zone, default_days=31)
    if not search_all_calendars and not calendar_name:
        raise invalid("calendar_name", "name a calendar, or set search_all_calendars")
    names = await _event_calendars(nc, "" if search_all_calendars else calendar_name)
    events = await collect_events(nc, names, start, end)
    events = [e for e in events if _matches(e, min_attendees, min_duration_minutes, categories, status,
                                             title_contains, location_contains)]  # fmt: skip
    chunk, page = paginate(events, offset, limit)
    return EventList(
        events=chunk, calendar_name=None if search_all_calendars else calendar_name,
        start=fmt(start), end=fmt(end), page=page,
    )  # fmt: skip


@tool(TOOLSET, READ, title="Get calendar event")
async def nc_calendar_get_event(
    nc: Nextcloud,
    calendar_name: CalendarName,
    event_uid: EventUid,
) -> EventItem:
    """Get one event with all its details."""
    found = await nc.caldav.find(calendar_name, event_uid)
    return event_item(found)


@tool(TOOLSET, UPDATE, title="Update calendar event")
async def nc_calendar_update_event(
    nc: Nextcloud,
    calendar_name: CalendarName,
    event_uid: EventUid,
    title: str | None = None,
    start_datetime: Annotated[str | None, Field(description=WHEN)] = None,
    end_datetime: str | None = None,
    all_day: Annotated[bool | None, Field(description="true: all-day; false: timed.")] = None,
    description: Annotated[str | None, Field(description="'' clears.")] = None,
    location: Annotated[str | None, Field(description="'' clears.")] = None,
    categories: Annotated[str | None, Field(description=COMMAS)] = None,
    recurring: Annotated[bool | None, Field(description="false: stop repeating.")] = None,
    recurrence_rule: Annotated[str | None, Field(description="RRULE; '' removes it.")] = None,
    recurrence_end_date: Annotated[str | None, Field(description="Last day, YYYY-MM-DD.")] = None,
    reminder_minutes: Annotated[int | None, Field(ge=0, description="Replaces reminders; 0: none.")] = None,
    reminder_email: Annotated[bool | None, Field(description="Remind by email.")] = None,
    status: Annotated[str | None, one_of(EVENT_STATUSES)] = None,
    priority: Annotated[int | None, Field(ge=0, le=9, description=PRIORITY)] = None,
    privacy: Annotated[str | None, one_of(PRIVACY)] = None,
    attendees: Annotated[str | None, Field(description="Comma-separated emails.")] = None,
    url: str | None = None,
    color: str | None = None,
    timezone: Annotated[str | None, Field(description="IANA zone; alone: same wall time there.")] = None,
    etag: EtagArg = "",
) -> EventItem:
    """Change only the given properties of an event; lists are replaced."""
    changes = build_changes(
        title=title, start_datetime=start_datetime, end_datetime=end_datetime, all_day=all_day,
        description=description, location=location, categories=categories, recurring=recurring,
        recurrence_rule=recurrence_rule, recurrence_end_date=recurrence_end_date,
        reminder_minutes=reminder_minutes, reminder_email=reminder_email, status=status, priority=priority,
        privacy=privacy, attendees=attendees, url=url, color=color, timezone=timezone,
    )  # fmt: skip
    if title is not None and not title.strip():
        raise invalid("title", "the title cannot be empty")
    from nextcloud_mcp_server.nextcloud.ical import merge_event

    found = await nc.caldav.find(calendar_name, event_uid)
    ics = merge_event(found.data, changes)
    return await save_event(nc, calendar_name, found.name, ics, etag=etag or found.etag)


@tool(TOOLSET, DELETE, title="Delete calendar event")
async def nc_calendar_delete_event(
    nc: Nextcloud,
    calendar_name: CalendarName,
    event_uid: EventUid,
    etag: EtagArg = "",
) -> DeleteResult:
    """Delete an event with all its occurrences."""
    found = await nc.caldav.find(calendar_name, event_uid)
    await nc.caldav.delete(calendar_name, found.name, etag=etag or None)
    return DeleteResult(deleted=True, calendar_name=calendar_name, uid=event_uid, href=found.href)


@tool(TOOLSET, READ, title="Get upcoming events")
async def nc_calendar_get_upcoming_events(
    nc: Nextcloud,
    calendar_name: Annotated[str, Field(description="One calendar; default all.")] = "",
    days_ahead: Annotated[int, Field(ge=1, le=366, description="Days ahead to look.")] = 7,
    limit: Limit = 10,
    offset: Offset = 0,
) -> EventList:
    """Events from now to `days_ahead` days ahead, soonest first."""
    start = dt.datetime.now(dt.UTC)
    end = start + dt.timedelta(days=days_ahead)
    events = await collect_events(nc, await _event_calendars(nc, calendar_name), start, end)
    chunk, page = paginate(events, offset, limit)
    return EventList(events=chunk, calendar_name=calendar_name or None, start=fmt(start), end=fmt(end), page=page)


@tool(TOOLSET, READ, title="Find free time")
async def nc_calendar_find_availability(
    nc: Nextcloud,
    duration_minutes: Annotated[int, Field(ge=5, le=1440, description="Meeting length.")],
    attendees: Annotated[str, Field(description="Emails; their calendars are not checked.")] = "",
    date_range_start: Annotated[str, Field(description="First day, 'YYYY-MM-DD'; default today.")] = "",
    date_range_end: Annotated[str, Field(description="Last day; default 7 days on.")] = "",
    business_hours_only: Annotated[bool, Field(description="Only 09:00-17:00.")] = True,
    exclude_weekends: Annotated[bool, Field(description="Skip weekends.")] = True,
    preferred_times: Annotated[str, Field(description="Windows 'HH:MM-HH:MM', comma-separated.")] = "",
    timezone: Annotated[str, Field(description="IANA zone of the hours; default UTC.")] = "",
    limit: Limit = 20,
) -> Availability:
    """Find free slots in the user's calendars; every event not cancelled is busy."""
    zone = zone_arg(timezone)
    windows = parse_windows(preferred_times, business_hours_only)
    emails_arg(attendees)
    today = dt.datetime.now(zone or dt.UTC).date().isoformat()
    start, end = range_arg(date_range_start or today, date_range_end, zone, default_days=7)
    assert start is not None
    assert end is not None
    events = await collect_events(nc, await _event_calendars(nc, ""), start, end)
    busy = [e for e in events if (e.status or "").upper() != "CANCELLED"]
    slots = free_slots(busy, start, end, zone, windows, duration_minutes, exclude_weekends)[:limit]
    note = "Checked the user's own calendars; other attendees' calendars are not visible to this user."
    return Availability(
        slots=[Slot(start=fmt(s) or "", end=fmt(e) or "", duration_minutes=int((e - s).total_seconds() // 60))
               for s, e in slots],
        timezone=str(zone or "UTC"), busy_periods=len(busy), note=note,
    )  # fmt: skip


@tool(TOOLSET, MANAGE, title="Manage calendars")
async def nc_calendar_manage_calendar(
    nc: Nextcloud,
    action: Annotated[str, Field(description="create, update, delete or list.")],
    calendar_name: Annotated[str, Field(description="e.g. 'work'.")] = "",
    display_name: Annotated[str, Field(description="Shown name (create/update).")] = "",
    description: Annotated[str, Field(description="Description (create/update).")] = "",
    color: Annotated[str, Field(description="'#RRGGBB' (create/update).")] = "#1976D2",
    components: Annotated[str, Field(description="For create: VEVENT, VTODO (tasks) or both.")] = "VEVENT,VTODO",
) -> ManageResult:
    """Create, update, delete (with its events) or list calendars."""
    act = action.strip().lower()
    if act not in ("create", "update", "delete", "list"):
        raise invalid("action", "use 'create', 'update', 'delete' or 'list'")
    if act != "list" and not calendar_name.strip():
        raise invalid("calendar_name", f"'{act}' needs the calendar's name")
    if color and not _is_color(color):
        raise invalid("color", f"{color!r} is not a color like '#1976D2'")
    comps = tuple(c.strip().upper() for c in components.split(",") if c.strip())
    if act == "create" and (not comps or any(c not in ("VEVENT", "VTODO", "VJOURNAL") for c in comps)):
        raise invalid("components", "use VEVENT, VTODO or both, comma-separated")
    if act == "list":
        return ManageResult(action=act, calendars=[CalendarItem.of(c) for c in await nc.caldav.list_calendars()])
    if act == "delete":
        await nc.caldav.delete_calendar(calendar_name)
        return ManageResult(action=act, deleted=True)
    if act == "create":
        info = await nc.caldav.create_calendar(
            calendar_name, display_name or calendar_name, description=description, color=color, components=comps
        )
    else:
        info = await nc.caldav.update_calendar(
            calendar_name, display_name=display_name or None, description=description or None, color=color or None
        )
    return ManageResult(action=act, calendar=CalendarItem.of(info))


def _is_color(color: str) -> bool:
    text = color.strip()
    if text.startswith("#"):
        return len(text) in (4, 7, 9) and all(ch in "0123456789abcdefABCDEF" for ch in text[1:])
    return text.isalpha() and len(text) < 30


def _matches(
    event: EventItem,
    min_attendees: int | None,
    min_duration: int | None,
    categories: str | None,
    status: str | None,
    title_contains: str | None,
    location_contains: str | None,
) -> bool:
    if min_attendees is not None and len(event.attendees) < min_attendees:
        return False
    if min_duration is not None and event.duration_minutes < min_duration:
        return False
    if categories:
        wanted = {c.strip().lower() for c in categories.split(",") if c.strip()}
        if not wanted & {c.lower() for c in event.categories}:
            return False
    if status and (event.status or "").upper() != status.strip().upper():
        return False
    if title_contains and title_contains.lower() not in event.title.lower():
        return False
    return not (location_contains and location_contains.lower() not in (event.location or "").lower())
