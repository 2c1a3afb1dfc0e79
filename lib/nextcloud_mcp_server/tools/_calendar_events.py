"""Event plumbing behind tools/calendar.py: the event result model, argument -> change
translation, saving with ETags, range collection with recurrence expansion, free slots.

Why apart from calendar.py: the tool module then reads as a list of tools; everything
here is imported lazily where it touches iCalendar (start-up stays lean).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from nextcloud_mcp_server.tools._base import invalid
from nextcloud_mcp_server.tools._caldav_common import (
    EVENT_STATUSES,
    PRIVACY,
    choice,
    emails_arg,
    fmt,
    moment_arg,
    put_object,
    sort_key,
    zone_arg,
)

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from nextcloud_mcp_server.nextcloud.caldav import CalendarObject
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient
    from nextcloud_mcp_server.nextcloud.ical import EventChanges
    from nextcloud_mcp_server.nextcloud.ical_read import EventInfo


class AttendeeItem(BaseModel):
    email: str = Field(description="The attendee's email address.")
    name: str | None = Field(default=None, description="Display name (CN).")
    status: str | None = Field(default=None, description="Reply: NEEDS-ACTION, ACCEPTED, DECLINED, TENTATIVE.")
    role: str | None = Field(default=None, description="REQ-PARTICIPANT, OPT-PARTICIPANT, CHAIR, ...")


class EventItem(BaseModel):
    """An event, or one occurrence of a recurring event."""

    uid: str = Field(description="The event's UID: pass as event_uid to get/update/delete.")
    calendar_name: str = Field(description="The calendar holding it.")
    href: str = Field(description="DAV path of the .ics object.")
    etag: str | None = Field(description="Version of the stored object: pass to update/delete to avoid lost updates.")
    title: str = Field(description="Title (SUMMARY).")
    start: str | None = Field(description="Start: 'YYYY-MM-DD' if all-day, else ISO date-time with UTC offset.")
    end: str | None = Field(description="End (exclusive for all-day events).")
    all_day: bool = Field(description="True for all-day events.")
    timezone: str | None = Field(description="TZID of the start ('UTC' for UTC times, null for floating/all-day).")
    duration_minutes: int = Field(description="Length in minutes.")
    location: str | None = Field(default=None, description="Location.")
    description: str | None = Field(default=None, description="Description.")
    categories: list[str] = Field(default_factory=list, description="Categories.")
    status: str | None = Field(default=None, description="CONFIRMED, TENTATIVE or CANCELLED.")
    priority: int | None = Field(default=None, description="1 highest .. 9 lowest.")
    privacy: str | None = Field(default=None, description="PUBLIC, PRIVATE or CONFIDENTIAL (CLASS).")
    url: str | None = Field(default=None, description="Related URL.")
    color: str | None = Field(default=None, description="Event color.")
    recurrence_rule: str | None = Field(default=None, description="RRULE of a recurring event.")
    recurrence_id: str | None = Field(
        default=None, description="For an occurrence of a recurring event: which occurrence (its original start)."
    )
    attendees: list[AttendeeItem] = Field(default_factory=list, description="Attendees and their replies.")
    organizer: str | None = Field(default=None, description="Organizer's email.")
    reminder_minutes: list[int] = Field(default_factory=list, description="Reminders, in minutes before the start.")


def to_item(info: EventInfo, obj: CalendarObject, etag: str | None = None) -> EventItem:
    return EventItem(
        uid=info.uid,
        calendar_name=obj.calendar,
        href=obj.href,
        etag=etag if etag is not None else obj.etag,
        title=info.summary,
        start=fmt(info.start),
        end=fmt(info.end),
        all_day=info.all_day,
        timezone=info.timezone,
        duration_minutes=info.duration_minutes,
        location=info.location,
        description=info.description,
        categories=info.categories,
        status=info.status,
        priority=info.priority,
        privacy=info.privacy,
        url=info.url,
        color=info.color,
        recurrence_rule=info.rrule,
        recurrence_id=fmt(info.recurrence_id) if info.rrule or info.recurrence_id else None,
        attendees=[AttendeeItem(email=a.email, name=a.name, status=a.partstat, role=a.role) for a in info.attendees],
        organizer=info.organizer,
        reminder_minutes=info.reminders_minutes,
    )


def event_item(obj: CalendarObject, etag: str | None = None) -> EventItem:
    """The stored event (its series, for a recurring one)."""
    from nextcloud_mcp_server.nextcloud.ical_read import event_info, load, master

    return to_item(event_info(master(load(obj.data))), obj, etag)


def build_changes(
    *,
    title: str | None,
    start_datetime: str | None,
    end_datetime: str | None,
    all_day: bool | None,
    description: str | None,
    location: str | None,
    categories: str | None,
    recurring: bool | None,
    recurrence_rule: str | None,
    recurrence_end_date: str | None,
    reminder_minutes: int | None,
    reminder_email: bool | None,
    status: str | None,
    priority: int | None,
    privacy: str | None,
    attendees: str | None,
    url: str | None,
    color: str | None,
    timezone: str | None,
) -> EventChanges:
    """Validate tool arguments into EventChanges (None: keep), raising 'Invalid argument' errors."""
    from nextcloud_mcp_server.nextcloud.ical import EventChanges, parse_rrule, split_list

    zone = zone_arg(timezone)
    start = moment_arg(start_datetime, "start_datetime", zone)
    end = moment_arg(end_datetime, "end_datetime", zone)
    if start is not None and end is not None and _instant(end) < _instant(start):
        raise invalid("end_datetime", "the event must end after it starts")
    rule = None
    if recurrence_rule:
        rule = parse_rrule(recurrence_rule)
    return EventChanges(
        title=title,
        start=start,
        end=end,
        all_day=all_day,
        timezone=zone,
        description=description,
        location=location,
        categories=split_list(categories) if categories is not None else None,
        rrule=rule,
        remove_rrule=recurring is False or recurrence_rule == "",
        recurrence_end=moment_arg(recurrence_end_date, "recurrence_end_date", zone),
        reminder_minutes=reminder_minutes,
        reminder_email=reminder_email,
        status=choice(status, EVENT_STATUSES, "status") if status else None,
        priority=priority,
        privacy=choice(privacy, PRIVACY, "privacy") if privacy else None,
        attendees=emails_arg(attendees) if attendees is not None else None,
        url=url,
        color=color,
    )


def _instant(moment: dt.date) -> dt.datetime:
    return sort_key(moment)


async def save_event(
    nc: NextcloudClient, calendar: str, name: str, ics: bytes, *, create: bool = False, etag: str | None = None
) -> EventItem:
    """PUT the event (create-only, or over `etag`) and describe what is now stored."""
    return event_item(await put_object(nc, calendar, name, ics, create=create, etag=etag))


async def collect_events(
    nc: NextcloudClient, calendars: list[str], start: dt.datetime | None, end: dt.datetime | None
) -> list[EventItem]:
    """Events of `calendars`: occurrences inside [start, end) when a range is given, else each stored event."""
    from nextcloud_mcp_server.nextcloud.ical_read import event_info, expand, load

    items: list[EventItem] = []
    for calendar in calendars:
        for obj in await nc.caldav.query(calendar, "VEVENT", start=start, end=end):
            cal = load(obj.data)
            if start is not None and end is not None:
                infos = expand(cal, start, end)
            else:
                infos = [event_info(c) for c in cal.walk("VEVENT") if "RECURRENCE-ID" not in c]
            items.extend(to_item(info, obj) for info in infos)
    items.sort(key=lambda item: (sort_key(_parse(item.start)), item.title))
    return items


def _parse(value: str | None) -> dt.date | None:
    if value is None:
        return None
    return dt.date.fromisoformat(value) if len(value) == 10 else dt.datetime.fromisoformat(value)


def parse_windows(preferred_times: str, business_hours_only: bool) -> list[tuple[dt.time, dt.time]]:
    """Daily windows: the preferred 'HH:MM-HH:MM' ranges, else 09:00-17:00, else the whole day."""
    windows = []
    for part in (p.strip() for p in preferred_times.split(",") if p.strip()):
        first, sep, last = part.partition("-")
        try:
            window = (dt.time.fromisoformat(first.strip()), dt.time.fromisoformat(last.strip()))
        except ValueError:
            window = None
        if not sep or window is None or window[1] <= window[0]:
            raise invalid("preferred_times", f"{part!r} is not a window like '09:00-12:00'")
        windows.append(window)
    if windows:
        return windows
    return [(dt.time(9), dt.time(17))] if business_hours_only else [(dt.time(0), dt.time.max)]


def free_slots(
    busy: list[EventItem],
    start: dt.datetime,
    end: dt.datetime,
    zone: ZoneInfo | None,
    windows: list[tuple[dt.time, dt.time]],
    duration_minutes: int,
    exclude_weekends: bool,
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Free periods of at least `duration_minutes` inside the daily windows, minus busy events."""
    tz: dt.tzinfo = zone or dt.UTC
    intervals = sorted(
        (sort_key(_parse(b.start)), sort_key(_parse(b.end)) if b.end else sort_key(_parse(b.start)))
        for b in busy
        if b.start
    )
    need = dt.timedelta(minutes=duration_minutes)
    slots: list[tuple[dt.datetime, dt.datetime]] = []
    day = start.astimezone(tz).date()
    while dt.datetime(day.year, day.month, day.day, tzinfo=tz) < end:
        if not (exclude_weekends and day.weekday() >= 5):
            for first, last in windows:
                lo = max(dt.datetime.combine(day, first, tz), start)
                hi = min(dt.datetime.combine(day, last, tz) if last != dt.time.max else
                         dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tz), end)  # fmt: skip
                cursor = lo
                for b_start, b_end in intervals:
                    if b_end <= cursor or b_start >= hi:
                        continue
                    if b_start - cursor >= need:
                        slots.append((cursor, b_start))
                    cursor = max(cursor, b_end)
                if hi - cursor >= need:
                    slots.append((cursor, hi))
        day += dt.timedelta(days=1)
    return [(s.astimezone(tz), e.astimezone(tz)) for s, e in slots]
