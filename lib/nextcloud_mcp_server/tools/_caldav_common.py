"""What the calendar and task tools share: result models, argument parsing, date formatting,
and saving an object.

Why a module of its own: tools/calendar.py and tools/tasks.py both name calendars and
turn caller dates into iCalendar values; keeping that here keeps each tool module about
its tools. Nothing heavy is imported at module level (start-up stays lean): the
iCalendar helpers are imported when a tool runs.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field

from nextcloud_mcp_server.tools._base import invalid

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from nextcloud_mcp_server.nextcloud.caldav import CalendarInfo, CalendarObject
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient
    from nextcloud_mcp_server.nextcloud.ical_read import Moment

CalendarName = Annotated[str, Field(min_length=1, description="e.g. 'personal'.")]
EVENT_STATUSES = ("CONFIRMED", "TENTATIVE", "CANCELLED")
PRIVACY = ("PUBLIC", "PRIVATE", "CONFIDENTIAL")
TODO_STATUSES = ("NEEDS-ACTION", "IN-PROCESS", "COMPLETED", "CANCELLED")
EtagArg = Annotated[str, Field(description="Only if it still has this etag.")]


class CalendarItem(BaseModel):
    """A calendar or task list."""

    name: str = Field(description="The calendar_name to pass to other tools (URL segment, e.g. 'personal').")
    display_name: str = Field(description="The name shown in Nextcloud.")
    color: str | None = Field(default=None, description="Color as '#RRGGBB'.")
    description: str | None = Field(default=None, description="The calendar's description.")
    components: list[str] = Field(description="What it holds: VEVENT (events), VTODO (tasks), or both.")
    ctag: str | None = Field(default=None, description="Changes whenever anything in the calendar changes.")
    href: str = Field(description="The calendar's DAV path on Nextcloud.")

    @classmethod
    def of(cls, info: CalendarInfo) -> CalendarItem:
        return cls(
            name=info.name,
            display_name=info.display_name,
            color=info.color,
            description=info.description,
            components=info.components,
            ctag=info.ctag,
            href=info.href,
        )


class DeleteResult(BaseModel):
    """What was deleted."""

    deleted: bool = Field(description="True when the object was deleted.")
    calendar_name: str = Field(description="The calendar it was in.")
    uid: str = Field(description="The UID of the deleted event or task.")
    href: str = Field(description="The DAV path it had.")


def fmt(moment: Moment | None) -> str | None:
    """ISO 8601: 'YYYY-MM-DD' for dates, with the UTC offset for zoned times, without for floating ones."""
    return None if moment is None else moment.isoformat()


def sort_key(moment: Moment | None) -> dt.datetime:
    """Order dates and times together (floating times and dates read as UTC)."""
    if moment is None:
        return dt.datetime.max.replace(tzinfo=dt.UTC)
    if isinstance(moment, dt.datetime):
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return dt.datetime(moment.year, moment.month, moment.day, tzinfo=dt.UTC)


async def put_object(
    nc: NextcloudClient, calendar: str, name: str, ics: bytes, *, create: bool = False, etag: str | None = None
) -> CalendarObject:
    """PUT an event or task (create-only, or over `etag`) and return what is now stored."""
    from nextcloud_mcp_server.nextcloud.caldav import CalendarObject

    new_etag = await nc.caldav.put(calendar, name, ics, etag=etag, create=create)
    if new_etag is None:
        return await nc.caldav.get(calendar, name)
    path = await nc.caldav.object_path(calendar, name)
    return CalendarObject(calendar, name, path, new_etag, ics.decode("utf-8"))


def zone_arg(timezone: str | None, field: str = "timezone") -> ZoneInfo | None:
    from nextcloud_mcp_server.nextcloud.ical import parse_zone

    if not timezone:
        return None
    return parse_zone(timezone, field)


def moment_arg(value: str | None, field: str, zone: ZoneInfo | None = None) -> Moment | None:
    from nextcloud_mcp_server.nextcloud.ical import parse_moment

    if not value:
        return None
    return parse_moment(value, field, zone)


def range_arg(
    start_date: str, end_date: str, zone: ZoneInfo | None, default_days: int | None = None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """A [start, end) range from dates or times; an end date includes that whole day."""
    tz: dt.tzinfo = zone or dt.UTC
    start = moment_arg(start_date, "start_date", zone)
    end = moment_arg(end_date, "end_date", zone)
    start_dt = _at(start, tz) if start is not None else None
    end_dt = None
    if end is not None:
        end_dt = _at(end, tz) if isinstance(end, dt.datetime) else _at(end + dt.timedelta(days=1), tz)
    if start_dt is not None and end_dt is None and default_days is not None:
        end_dt = start_dt + dt.timedelta(days=default_days)
    if end_dt is not None and start_dt is None and default_days is not None:
        start_dt = end_dt - dt.timedelta(days=default_days)
    if start_dt is not None and end_dt is not None and end_dt <= start_dt:
        raise invalid("end_date", "the range must end after it starts")
    return start_dt, end_dt


def _at(moment: Moment, tz: dt.tzinfo) -> dt.datetime:
    if isinstance(moment, dt.datetime):
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)
    return dt.datetime(moment.year, moment.month, moment.day, tzinfo=tz)


def one_of(allowed: tuple[str, ...], description: str | None = None) -> Any:
    """An argument listed to the model as an enum; `choice` still takes it in any case."""
    return Field(description=description, json_schema_extra={"enum": list(allowed)})


def choice(value: str, allowed: tuple[str, ...], field: str) -> str:
    """An upper-cased enumeration value, refused when unknown."""
    upper = value.strip().upper()
    if upper not in allowed:
        raise invalid(field, f"{value!r} is not one of {', '.join(allowed)}")
    return upper


def emails_arg(text: str, field: str = "attendees") -> list[str]:
    from nextcloud_mcp_server.nextcloud.ical import split_list

    emails = [e.removeprefix("mailto:") for e in split_list(text)]
    for email in emails:
        local, _, domain = email.partition("@")
        if not local or "." not in domain or " " in email:
            raise invalid(field, f"{email!r} is not an email address; give comma-separated addresses")
    return emails
