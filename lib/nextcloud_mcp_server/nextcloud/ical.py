"""iCalendar for events: parse caller input, build and MERGE VEVENTs (reading them back: ical_read.py).

Why: Nextcloud stores whatever iCalendar a client PUTs. An update that rebuilt the event
from our few fields would drop attendees, alarms, time zones, recurrence and the X-
properties other clients rely on, so updates change only the properties the caller named
on the stored component. Time zones round-trip as TZID plus a VTIMEZONE; all-day events are
VALUE=DATE with an exclusive DTEND; an RRULE's UNTIL follows RFC 5545 (UTC when DTSTART has
a TZID, a DATE for all-day events, floating for floating events). Tasks live in ical_todo.py.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

from nextcloud_mcp_server.nextcloud.ical_read import (
    UTC,
    IcalError,
    Moment,
    alarms_minutes,
    as_datetime,
    as_list,
    load,
    master,
    moment_of,
)

PRODID = "-//Nextcloud MCP Server//EN"


# -- parsing caller input ------------------------------------------------------------------
def parse_zone(name: str, field: str = "timezone") -> ZoneInfo:
    """An IANA zone such as 'Europe/Berlin'."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder of zones, e.g. 'America'
        raise IcalError(
            field, f"unknown time zone {name!r}; use an IANA name such as 'Europe/Berlin' or 'UTC'"
        ) from None


def parse_moment(value: str, field: str, zone: ZoneInfo | None = None) -> Moment:
    """'2026-03-16' is a date; '2026-03-16T10:00' is local to `zone` (floating without one);
    a 'Z' or an offset makes an exact instant, kept in UTC."""
    text = value.strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise IcalError(
            field, f"{value!r} is not a date; use ISO 8601, e.g. '2026-03-16' or '2026-03-16T10:00:00'"
        ) from None
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    return moment.replace(tzinfo=zone) if zone is not None else moment


def parse_rrule(rule: str, field: str = "recurrence_rule") -> icalendar.vRecur:
    """An RFC 5545 RRULE value ('FREQ=WEEKLY;BYDAY=MO'), checked by expanding it once."""
    from dateutil.rrule import rrulestr

    text = rule.strip().removeprefix("RRULE:")
    try:
        recur = icalendar.vRecur.from_ical(text)
        if "FREQ" not in recur:
            raise ValueError("FREQ is missing")
        rrulestr(recur.to_ical().decode(), dtstart=dt.datetime(2026, 1, 1), ignoretz=True)
    except (ValueError, TypeError, KeyError) as exc:
        raise IcalError(field, f"{rule!r} is not a valid RRULE ({exc}); e.g. 'FREQ=WEEKLY;BYDAY=MO,WE'") from None
    return cast(icalendar.vRecur, recur)


def split_list(text: str) -> list[str]:
    """'work, meeting' -> ['work', 'meeting']."""
    return [item.strip() for item in text.split(",") if item.strip()]


# -- building and merging ------------------------------------------------------------------
@dataclass
class EventChanges:
    """What a caller asked for; None means 'keep what is stored'."""

    title: str | None = None
    start: Moment | None = None
    end: Moment | None = None
    all_day: bool | None = None
    timezone: ZoneInfo | None = None
    description: str | None = None
    location: str | None = None
    categories: list[str] | None = None
    rrule: icalendar.vRecur | None = None
    remove_rrule: bool = False
    recurrence_end: Moment | None = None
    reminder_minutes: int | None = None
    reminder_email: bool | None = None
    status: str | None = None
    priority: int | None = None
    privacy: str | None = None
    attendees: list[str] | None = None
    url: str | None = None
    color: str | None = None


def new_calendar() -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    return cal


def build_event(changes: EventChanges, uid: str | None = None) -> tuple[str, bytes]:
    """A new VCALENDAR with one VEVENT (and its VTIMEZONE); returns (uid, ics)."""
    if changes.start is None:
        raise IcalError("start_datetime", "an event needs a start")
    uid = uid or str(uuid.uuid4())
    cal = new_calendar()
    event = icalendar.Event()
    event.add("UID", uid)
    event.add("DTSTAMP", dt.datetime.now(UTC))
    event.add("CREATED", dt.datetime.now(UTC))
    cal.add_component(event)
    apply_event_changes(event, changes, creating=True)
    finish(cal, event)
    return uid, cal.to_ical()


def merge_event(ics: str | bytes, changes: EventChanges) -> bytes:
    """The stored event with only the named properties changed; everything else is kept."""
    cal = load(ics)
    event = master(cal)
    apply_event_changes(event, changes, creating=False)
    event["SEQUENCE"] = int(event.get("SEQUENCE", 0)) + 1
    finish(cal, event)
    return bytes(cal.to_ical())


def finish(cal: icalendar.Calendar, component: icalendar.cal.Component) -> None:
    """Stamp the change and add a VTIMEZONE for every TZID now in use."""
    for name in ("DTSTAMP", "LAST-MODIFIED"):
        component.pop(name, None)
        component.add(name, dt.datetime.now(UTC))
    start = moment_of(component, "DTSTART") or moment_of(component, "DUE")
    first = dt.date((start.year if start else 2000) - 1, 1, 1)
    cal.add_missing_timezones(first_date=first, last_date=max(dt.date(2038, 1, 1), first.replace(year=first.year + 12)))


def _set(component: icalendar.cal.Component, name: str, value: Any) -> None:
    component.pop(name, None)
    if value not in (None, "", []):
        component.add(name, value)


def _set_time(component: icalendar.cal.Component, name: str, value: Moment | None) -> None:
    component.pop(name, None)
    if value is None:
        return
    if isinstance(value, dt.datetime) and value.tzinfo is UTC:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    component.add(name, value)
    if isinstance(value, dt.datetime) and isinstance(value.tzinfo, ZoneInfo) and value.tzinfo.key == "UTC":
        component[name].params.pop("TZID", None)


def _localize(moment: Moment, zone: ZoneInfo | None) -> Moment:
    """Give a floating time the event's zone; exact instants stay as they are."""
    if isinstance(moment, dt.datetime) and moment.tzinfo is None and zone is not None:
        return moment.replace(tzinfo=zone)
    return moment


def apply_event_changes(event: icalendar.cal.Component, ch: EventChanges, *, creating: bool) -> None:
    """Apply `ch` to `event` in place (see EventChanges)."""
    _apply_times(event, ch, creating=creating)
    simple = {
        "SUMMARY": ch.title,
        "DESCRIPTION": ch.description,
        "LOCATION": ch.location,
        "STATUS": ch.status,
        "CLASS": ch.privacy,
        "URL": ch.url,
        "COLOR": ch.color,
    }
    for name, value in simple.items():
        if value is not None:
            _set(event, name, value)
    if ch.priority is not None:
        _set(event, "PRIORITY", ch.priority if ch.priority > 0 else None)
    if ch.categories is not None:
        _set(event, "CATEGORIES", ch.categories or None)
    if ch.attendees is not None:
        _set_attendees(event, ch.attendees)
    if ch.reminder_minutes is not None or ch.reminder_email is not None:
        _set_reminder(event, ch)
    _apply_rrule(event, ch)


def _apply_times(event: icalendar.cal.Component, ch: EventChanges, *, creating: bool) -> None:
    old_start = moment_of(event, "DTSTART")
    old_end = moment_of(event, "DTEND")
    duration = (old_end - old_start) if old_start is not None and old_end is not None else None
    zone = ch.timezone
    start = ch.start if ch.start is not None else old_start
    end = ch.end
    if zone is not None and ch.start is None and isinstance(start, dt.datetime):
        # A new zone alone keeps the wall-clock time ("10:00, now in Berlin").
        start = start.replace(tzinfo=zone)
        if end is None and isinstance(old_end, dt.datetime):
            end = old_end.replace(tzinfo=zone)
    if start is None:
        return
    start = _localize(start, zone)
    end = _localize(end, zone) if end is not None else None
    all_day = ch.all_day if ch.all_day is not None else not isinstance(start, dt.datetime)
    if all_day:
        start = start.date() if isinstance(start, dt.datetime) else start
        if end is not None:
            end = end.date() if isinstance(end, dt.datetime) else end
            if end <= start:  # an inclusive last day given by the caller
                end = start + dt.timedelta(days=1)
        elif duration is not None and duration.days >= 1 and not creating:
            end = start + dt.timedelta(days=duration.days)
        else:
            end = start + dt.timedelta(days=1)
    else:
        if not isinstance(start, dt.datetime):
            start = as_datetime(start, zone)
        if end is not None and not isinstance(end, dt.datetime):
            end = as_datetime(end, zone)
        if end is None:
            keep = duration if isinstance(duration, dt.timedelta) and duration.days < 1 and not creating else None
            end = start + (keep or dt.timedelta(hours=1))
    if _instant(end, _zone_of(start)) <= _instant(start, _zone_of(start)):
        raise IcalError("end_datetime", "the event must end after it starts")
    if creating or ch.start is not None or ch.end is not None or ch.all_day is not None or zone is not None:
        _set_time(event, "DTSTART", start)
        event.pop("DURATION", None)
        _set_time(event, "DTEND", end)


def _zone_of(moment: Moment) -> dt.tzinfo | None:
    return moment.tzinfo if isinstance(moment, dt.datetime) else None


def _instant(moment: Moment, zone: dt.tzinfo | None) -> dt.datetime:
    """Comparable form: floating times are read in `zone` (or UTC)."""
    return as_datetime(moment, zone or UTC).astimezone(UTC) if zone or isinstance(moment, dt.date) else moment


def _set_attendees(event: icalendar.cal.Component, emails: list[str]) -> None:
    """Replace the attendee list, keeping CN/PARTSTAT/ROLE of attendees who stay."""
    existing = {str(a).lower().removeprefix("mailto:"): a for a in as_list(event.get("ATTENDEE"))}
    event.pop("ATTENDEE", None)
    for email in emails:
        kept = existing.get(email.lower())
        if kept is not None:
            event.add("ATTENDEE", kept)
            continue
        address = icalendar.vCalAddress(f"mailto:{email}")
        address.params.update({"CUTYPE": "INDIVIDUAL", "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION"})
        address.params["RSVP"] = "TRUE"
        event.add("ATTENDEE", address)


def _set_reminder(event: icalendar.cal.Component, ch: EventChanges) -> None:
    """Replace the alarms with one reminder `reminder_minutes` before the start (0 or less: none)."""
    previous = alarms_minutes(event)
    minutes = ch.reminder_minutes if ch.reminder_minutes is not None else (previous[0] if previous else 15)
    event.subcomponents = [c for c in event.subcomponents if c.name != "VALARM"]
    if minutes <= 0:
        return
    alarm = icalendar.Alarm()
    alarm.add("ACTION", "EMAIL" if ch.reminder_email else "DISPLAY")
    alarm.add("DESCRIPTION", str(event.get("SUMMARY", "Reminder")))
    alarm.add("TRIGGER", dt.timedelta(minutes=-minutes))
    if ch.reminder_email:
        alarm.add("SUMMARY", str(event.get("SUMMARY", "Reminder")))
        for attendee in as_list(event.get("ATTENDEE")):
            alarm.add("ATTENDEE", attendee)
    event.add_component(alarm)


def _apply_rrule(event: icalendar.cal.Component, ch: EventChanges) -> None:
    if ch.remove_rrule:
        event.pop("RRULE", None)
        return
    rule = ch.rrule if ch.rrule is not None else event.get("RRULE")
    if rule is None:
        if ch.recurrence_end is not None:
            raise IcalError("recurrence_end_date", "an end of recurrence needs a recurrence_rule")
        return
    rule = icalendar.vRecur(dict(rule))
    until: Moment | None = ch.recurrence_end
    if until is None and rule.get("UNTIL"):
        until = rule["UNTIL"][0]
    if until is not None:
        rule.pop("COUNT", None)
        rule["UNTIL"] = [until_for(moment_of(event, "DTSTART"), until)]
    event.pop("RRULE", None)
    event.add("RRULE", rule)


def until_for(start: Moment | None, until: Moment) -> Moment:
    """UNTIL in the form RFC 5545 requires for this DTSTART (a date or time given in the event's zone)."""
    if start is None or not isinstance(start, dt.datetime):
        return until.date() if isinstance(until, dt.datetime) else until
    if not isinstance(until, dt.datetime):  # the whole last day counts
        until = dt.datetime.combine(until, dt.time(23, 59, 59))
    if start.tzinfo is None:
        return until.replace(tzinfo=None) if until.tzinfo is None else until.astimezone(UTC).replace(tzinfo=None)
    if until.tzinfo is None:
        until = until.replace(tzinfo=start.tzinfo)
    return until.astimezone(ZoneInfo("UTC"))
