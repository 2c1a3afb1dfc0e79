"""Reading iCalendar back: load a VCALENDAR, find the series component, read typed
properties, summarise a VEVENT as EventInfo, and expand recurrences in a time range.

Why apart from ical.py: listing and reading events needs none of the building and merging
rules; ical.py (events) and ical_todo.py (tasks) build on these readers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import icalendar

from nextcloud_mcp_server.nextcloud.errors import InvalidInput

UTC = dt.UTC
Moment = dt.date | dt.datetime


class IcalError(InvalidInput):
    """Caller input that cannot become valid iCalendar; `field` names the argument."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(field, problem)
        self.field = field


def as_datetime(moment: Moment, zone: dt.tzinfo | None = UTC) -> dt.datetime:
    """A date as midnight in `zone`; a floating time as local to `zone`."""
    if isinstance(moment, dt.datetime):
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
    return dt.datetime(moment.year, moment.month, moment.day, tzinfo=zone)


@dataclass
class Attendee:
    email: str
    name: str | None = None
    partstat: str | None = None
    role: str | None = None


@dataclass
class EventInfo:
    """One VEVENT (a stored event or one occurrence of a recurring one)."""

    uid: str
    summary: str
    start: Moment | None
    end: Moment | None
    all_day: bool
    timezone: str | None
    description: str | None = None
    location: str | None = None
    categories: list[str] = field(default_factory=list)
    status: str | None = None
    priority: int | None = None
    privacy: str | None = None
    url: str | None = None
    color: str | None = None
    rrule: str | None = None
    recurrence_id: Moment | None = None
    attendees: list[Attendee] = field(default_factory=list)
    organizer: str | None = None
    reminders_minutes: list[int] = field(default_factory=list)
    sequence: int = 0

    @property
    def duration_minutes(self) -> int:
        if self.start is None or self.end is None:
            return 0
        return int((as_datetime(self.end) - as_datetime(self.start)).total_seconds() // 60)


def load(ics: str | bytes) -> icalendar.Calendar:
    """Parse a VCALENDAR (raises IcalError on broken data)."""
    try:
        return icalendar.Calendar.from_ical(ics)
    except ValueError as exc:
        raise IcalError("ics", f"unreadable iCalendar data: {exc}") from None


def master(cal: icalendar.Calendar, name: str = "VEVENT") -> icalendar.cal.Component:
    """The component without RECURRENCE-ID (the series), or the first one."""
    components = cal.walk(name)
    if not components:
        raise IcalError("ics", f"no {name} in the calendar object")
    return next((c for c in components if "RECURRENCE-ID" not in c), components[0])


def text_of(component: icalendar.cal.Component, name: str) -> str | None:
    value = component.get(name)
    return None if value is None else str(value)


def categories_of(component: icalendar.cal.Component) -> list[str]:
    raw = component.get("CATEGORIES")
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    return [str(cat) for item in items for cat in getattr(item, "cats", [item])]


def moment_of(component: icalendar.cal.Component, name: str) -> Moment | None:
    if name not in component:
        return None
    value = component.decoded(name)
    return value if isinstance(value, dt.date) else None


def tzid_of(component: icalendar.cal.Component, name: str = "DTSTART") -> str | None:
    prop = component.get(name)
    if prop is None:
        return None
    tzid = prop.params.get("TZID")
    if tzid:
        return str(tzid)
    value = getattr(prop, "dt", None)
    if isinstance(value, dt.datetime) and value.tzinfo is not None and value.utcoffset() == dt.timedelta(0):
        return "UTC"
    return None


def alarms_minutes(component: icalendar.cal.Component) -> list[int]:
    minutes = []
    for alarm in component.walk("VALARM"):
        trigger = alarm.get("TRIGGER")
        delta = getattr(trigger, "dt", None)
        if isinstance(delta, dt.timedelta):
            minutes.append(int(-delta.total_seconds() // 60))
    return minutes


def event_info(component: icalendar.cal.Component) -> EventInfo:
    start = moment_of(component, "DTSTART")
    end = moment_of(component, "DTEND")
    if end is None and start is not None:
        duration = component.decoded("DURATION") if "DURATION" in component else None
        if isinstance(duration, dt.timedelta):
            end = start + duration
        elif not isinstance(start, dt.datetime):
            end = start + dt.timedelta(days=1)
    rrule = component.get("RRULE")
    attendees = []
    for raw in as_list(component.get("ATTENDEE")):
        params = getattr(raw, "params", {})
        attendees.append(
            Attendee(
                email=str(raw).removeprefix("mailto:").removeprefix("MAILTO:"),
                name=params.get("CN"),
                partstat=params.get("PARTSTAT"),
                role=params.get("ROLE"),
            )
        )
    organizer = component.get("ORGANIZER")
    priority = component.get("PRIORITY")
    return EventInfo(
        uid=str(component.get("UID", "")),
        summary=str(component.get("SUMMARY", "")),
        start=start,
        end=end,
        all_day=start is not None and not isinstance(start, dt.datetime),
        timezone=tzid_of(component),
        description=text_of(component, "DESCRIPTION"),
        location=text_of(component, "LOCATION"),
        categories=categories_of(component),
        status=text_of(component, "STATUS"),
        priority=int(priority) if priority is not None else None,
        privacy=text_of(component, "CLASS"),
        url=text_of(component, "URL"),
        color=text_of(component, "COLOR"),
        rrule=rrule.to_ical().decode() if rrule is not None else None,
        recurrence_id=moment_of(component, "RECURRENCE-ID"),
        attendees=attendees,
        organizer=str(organizer).removeprefix("mailto:") if organizer is not None else None,
        reminders_minutes=alarms_minutes(component),
        sequence=int(component.get("SEQUENCE", 0)),
    )


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def expand(cal: icalendar.Calendar, start: dt.datetime, end: dt.datetime) -> list[EventInfo]:
    """Every occurrence of every event of `cal` that overlaps [start, end)."""
    import recurring_ical_events

    occurrences = recurring_ical_events.of(cal, components=["VEVENT"]).between(start, end)
    return [event_info(occurrence) for occurrence in occurrences]
