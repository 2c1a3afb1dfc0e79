"""Calendar tools end to end through the real MCP client; every effect is checked on the
stand-in with raw CalDAV requests (GET of the .ics, calendar-query REPORT), independently of the server."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest

from tests.e2e.helpers import call, error_of, unique

pytestmark = pytest.mark.anyio

CALS = "/remote.php/dav/calendars"


def raw_event(nc_user: Any, href: str) -> tuple[icalendar.cal.Component, str]:
    """The stored VEVENT and its ETag, read with a plain CalDAV GET."""
    with nc_user.raw() as raw:
        response = raw.get(href)
    assert response.status_code == 200, response.text
    cal = icalendar.Calendar.from_ical(response.content)
    return next(c for c in cal.walk("VEVENT") if "RECURRENCE-ID" not in c), response.headers["ETag"]


QUERY = (
    b'<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
    b"<d:prop><d:getetag/><c:calendar-data/></d:prop>"
    b'<c:filter><c:comp-filter name="VCALENDAR"/></c:filter></c:calendar-query>'
)


def raw_report(nc_user: Any, calendar: str) -> str:
    """Every object of a calendar, read with a plain calendar-query REPORT."""
    with nc_user.raw() as raw:
        response = raw.request("REPORT", f"{CALS}/{nc_user.id}/{calendar}/", headers={"Depth": "1"}, content=QUERY)
    assert response.status_code == 207, response.text
    return response.text


def raw_put(nc_user: Any, href: str, ics: bytes) -> str:
    with nc_user.raw() as raw:
        response = raw.put(href, content=ics, headers={"Content-Type": "text/calendar"})
    assert response.status_code in (201, 204), response.text
    return response.headers["ETag"]


async def test_create_event_stores_a_tzid_event_with_vtimezone_alarm_and_attendee(mcp, nc_user) -> None:
    title = unique("ev")
    created = await call(
        mcp, "nc_calendar_create_event", calendar_name="personal", title=title,
        start_datetime="2026-06-10T09:30:00", end_datetime="2026-06-10T10:15:00", timezone="Europe/Berlin",
        location="Room 4", attendees="ann@example.com", reminder_minutes=30, categories="work,planning",
    )  # fmt: skip
    assert created["href"] == f"{CALS}/{nc_user.id}/personal/{created['uid']}.ics"
    assert created["start"] == "2026-06-10T09:30:00+02:00"
    assert created["timezone"] == "Europe/Berlin"
    event, etag = raw_event(nc_user, created["href"])
    assert etag == created["etag"]
    assert str(event["SUMMARY"]) == title
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("DTSTART") == dt.datetime(2026, 6, 10, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert event.decoded("DTEND").time() == dt.time(10, 15)
    assert str(event["ATTENDEE"]) == "mailto:ann@example.com"
    assert [a.decoded("TRIGGER") for a in event.walk("VALARM")] == [dt.timedelta(minutes=-30)]
    with nc_user.raw() as raw:
        whole = raw.get(created["href"]).text
    assert "BEGIN:VTIMEZONE" in whole
    assert "TZID:Europe/Berlin" in whole


async def test_get_event_returns_what_is_stored_with_its_etag(mcp, nc_user) -> None:
    created = await call(
        mcp, "nc_calendar_create_event", calendar_name="personal", title=unique("ev"),
        start_datetime="2026-07-01T08:00:00Z", end_datetime="2026-07-01T09:00:00Z",
    )  # fmt: skip
    got = await call(mcp, "nc_calendar_get_event", calendar_name="personal", event_uid=created["uid"])
    _event, etag = raw_event(nc_user, created["href"])
    assert got["etag"] == etag
    assert got["start"] == "2026-07-01T08:00:00+00:00"
    assert got["timezone"] == "UTC"
    assert got["duration_minutes"] == 60


async def test_weekly_berlin_event_keeps_ten_oclock_local_across_the_dst_change(mcp, nc_user) -> None:
    title = unique("weekly")
    created = await call(
        mcp, "nc_calendar_create_event", calendar_name="personal", title=title,
        start_datetime="2026-03-16T10:00:00", end_datetime="2026-03-16T11:00:00", timezone="Europe/Berlin",
        recurring=True, recurrence_rule="FREQ=WEEKLY", recurrence_end_date="2026-04-27",
    )  # fmt: skip
    event, _ = raw_event(nc_user, created["href"])
    until = event["RRULE"]["UNTIL"][0]
    assert until.utcoffset() == dt.timedelta(0)  # RFC 5545: UTC because DTSTART has a TZID
    listed = await call(
        mcp, "nc_calendar_list_events", calendar_name="personal", start_date="2026-03-01", end_date="2026-04-30",
        title_contains=title,
    )  # fmt: skip
    starts = [e["start"] for e in listed["events"]]
    assert starts == [
        "2026-03-16T10:00:00+01:00",
        "2026-03-23T10:00:00+01:00",
        "2026-03-30T10:00:00+02:00",
        "2026-04-06T10:00:00+02:00",
        "2026-04-13T10:00:00+02:00",
        "2026-04-20T10:00:00+02:00",
        "2026-04-27T10:00:00+02:00",
    ]
    assert all(e["uid"] == created["uid"] and e["recurrence_id"] for e in listed["events"])


async def test_list_events_expands_only_occurrences_inside_the_range_and_paginates(mcp, nc_user) -> None:
    title = unique("daily")
    await call(
        mcp, "nc_calendar_create_event", calendar_name="personal", title=title,
        start_datetime="2026-09-01T07:00:00Z", recurrence_rule="FREQ=DAILY;COUNT=30",
    )  # fmt: skip
    first = await call(
        mcp, "nc_calendar_list_events", calendar_name="personal", start_date="2026-09-10", end_date="2026-09-14",
        title_contains=title, limit=3,
    )  # fmt: skip
    assert [e["start"][:10] for e in first["events"]] == ["2026-09-10", "2026-09-11", "2026-09-12"]
    assert first["page"] == {"total": 5, "offset": 0, "next_offset": 3}
    rest = await call(
        mcp, "nc_calendar_list_events", calendar_name="personal", start_date="2026-09-10", end_date="2026-09-14",
        title_contains=title, limit=3, offset=3,
    )  # fmt: skip
    assert [e["start"][:10] for e in rest["events"]] == ["2026-09-13", "2026-09-14"]


async def test_all_day_event_is_stored_with_dates_and_an_exclusive_end(mcp, nc_user) -> None:
    created = await call(
        mcp, "nc_calendar_create_event", calendar_name="personal", title=unique("holiday"),
        start_datetime="2026-12-24", end_datetime="2026-12-26", all_day=True,
    )  # fmt: skip
    event, _ = raw_event(nc_user, created["href"])
    assert event.decoded("DTSTART") == dt.date(2026, 12, 24)
    assert event.decoded("DTEND") == dt.date(2026, 12, 26)
    assert "VALUE=DATE" in event["DTSTART"].to_ical().decode() or event["DTSTART"].params.get("VALUE") == "DATE"
    assert created["all_day"] is True
    assert created["start"] == "2026-12-24"


async def test_update_changes_only_named_fields_and_keeps_attendees_alarms_and_x_props(mcp, nc_user) -> None:
    uid = unique("foreign")
    href = f"{CALS}/{nc_user.id}/personal/{uid}.ics"
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other client//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Planning\r\n"
        "DTSTART;TZID=Europe/Berlin:20261005T140000\r\nDTEND;TZID=Europe/Berlin:20261005T150000\r\n"
        "RRULE:FREQ=MONTHLY;COUNT=6\r\nX-OTHER-APP-FLAG:keep-me\r\n"
        "ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED:mailto:bob@example.com\r\n"
        "ORGANIZER:mailto:boss@example.com\r\n"
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Soon\r\nTRIGGER:-PT10M\r\nEND:VALARM\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    raw_put(nc_user, href, ics)
    updated = await call(
        mcp, "nc_calendar_update_event", calendar_name="personal", event_uid=uid, title="Planning v2",
        location="Room 9",
    )  # fmt: skip
    event, etag = raw_event(nc_user, href)
    assert updated["etag"] == etag
    assert str(event["SUMMARY"]) == "Planning v2"
    assert str(event["LOCATION"]) == "Room 9"
    assert str(event["X-OTHER-APP-FLAG"]) == "keep-me"
    assert str(event["ATTENDEE"]) == "mailto:bob@example.com"
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert str(event["ORGANIZER"]) == "mailto:boss@example.com"
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("DTSTART").hour == 14
    assert event["RRULE"]["COUNT"] == [6]
    assert [a.decoded("TRIGGER") for a in event.walk("VALARM")] == [dt.timedelta(minutes=-10)]


async def test_update_with_a_stale_etag_is_refused_with_the_current_etag(mcp, nc_user) -> None:
    created = await call(
        mcp, "nc_calendar_create_event", calendar_name="personal", title=unique("ev"),
        start_datetime="2026-08-03T12:00:00Z",
    )  # fmt: skip
    event, _ = raw_event(nc_user, created["href"])
    event["SUMMARY"] = "changed elsewhere"
    cal = icalendar.Calendar()
    cal.add("VERSION", "2.0")
    cal.add("PRODID", "-//Other//EN")
    cal.add_component(event)
    current = raw_put(nc_user, created["href"], cal.to_ical())
    message = await error_of(
        mcp, "nc_calendar_update_event", calendar_name="personal", event_uid=created["uid"], title="mine",
        etag=created["etag"],
    )  # fmt: skip
    assert "412" in message
    assert current in message
    stored, _ = raw_event(nc_user, created["href"])
    assert str(stored["SUMMARY"]) == "changed elsewhere"


async def test_delete_event_removes_the_object(mcp, nc_user) -> None:
    created = await call(
        mcp, "nc_calendar_create_event", calendar_name="personal", title=unique("ev"), start_datetime="2026-08-04"
    )
    deleted = await call(mcp, "nc_calendar_delete_event", calendar_name="personal", event_uid=created["uid"])
    assert deleted["deleted"] is True
    with nc_user.raw() as raw:
        assert raw.get(created["href"]).status_code == 404
    missing = await error_of(mcp, "nc_calendar_get_event", calendar_name="personal", event_uid=created["uid"])
    assert "404" in missing


async def test_find_availability_leaves_out_busy_times(mcp, nc_user) -> None:
    await call(
        mcp, "nc_calendar_create_event", calendar_name="personal", title=unique("busy"),
        start_datetime="2027-06-15T10:00:00", end_datetime="2027-06-15T12:00:00", timezone="Europe/Berlin",
    )  # fmt: skip
    found = await call(
        mcp, "nc_calendar_find_availability", duration_minutes=60, date_range_start="2027-06-15",
        date_range_end="2027-06-15", timezone="Europe/Berlin",
    )  # fmt: skip
    slots = [(s["start"], s["end"]) for s in found["slots"]]
    assert slots == [
        ("2027-06-15T09:00:00+02:00", "2027-06-15T10:00:00+02:00"),
        ("2027-06-15T12:00:00+02:00", "2027-06-15T17:00:00+02:00"),
    ]


async def test_manage_calendar_creates_updates_lists_and_deletes(mcp, nc_user) -> None:
    name = unique("cal")
    created = await call(
        mcp, "nc_calendar_manage_calendar", action="create", calendar_name=name, display_name="Team Ω",
        color="#AA3300", components="VEVENT",
    )  # fmt: skip
    assert created["calendar"]["display_name"] == "Team Ω"
    assert created["calendar"]["components"] == ["VEVENT"]
    with nc_user.raw() as raw:
        found = raw.request("PROPFIND", f"{CALS}/{nc_user.id}/{name}/", headers={"Depth": "0"})
    assert found.status_code == 207
    assert "Team Ω" in found.text
    await call(mcp, "nc_calendar_manage_calendar", action="update", calendar_name=name, display_name="Renamed")
    listed = await call(mcp, "nc_calendar_list_calendars")
    names = {c["name"]: c for c in listed["calendars"]}
    assert names[name]["display_name"] == "Renamed"
    assert {"personal", "tasks"} <= names.keys()
    assert "inbox" not in names
    assert "trashbin" not in names
    taken = await error_of(mcp, "nc_calendar_manage_calendar", action="create", calendar_name=name)
    assert "405" in taken
    await call(mcp, "nc_calendar_manage_calendar", action="delete", calendar_name=name)
    with nc_user.raw() as raw:
        assert raw.request("PROPFIND", f"{CALS}/{nc_user.id}/{name}/", headers={"Depth": "0"}).status_code == 404


async def test_upcoming_events_lists_what_starts_in_the_next_days(mcp, nc_user) -> None:
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).replace(microsecond=0)
    title = unique("soon")
    await call(
        mcp, "nc_calendar_create_event", calendar_name="personal", title=title,
        start_datetime=soon.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )  # fmt: skip
    upcoming = await call(mcp, "nc_calendar_get_upcoming_events", days_ahead=5, limit=100)
    assert title in [e["title"] for e in upcoming["events"]]


@pytest.mark.parametrize(
    ("arguments", "argument"),
    [
        ({"start_datetime": "2026-05-01T10:00:00", "end_datetime": "2026-05-01T09:00:00"}, "end_datetime"),
        ({"start_datetime": "2026-05-01T10:00:00", "timezone": "Mars/Olympus"}, "timezone"),
        ({"start_datetime": "2026-05-01T10:00:00", "recurrence_rule": "FREQ=SOMETIMES"}, "recurrence_rule"),
        ({"start_datetime": "next tuesday"}, "start_datetime"),
        ({"start_datetime": "2026-05-01T10:00:00", "title": "  "}, "title"),
        ({"start_datetime": "2026-05-01T10:00:00", "attendees": "not-an-email"}, "attendees"),
    ],
)
async def test_invalid_event_arguments_are_refused_before_any_write(mcp, nc_user, arguments, argument) -> None:
    arguments = dict(arguments)  # shared by both transports' runs
    title = arguments.pop("title", unique("bad"))
    message = await error_of(mcp, "nc_calendar_create_event", calendar_name="personal", title=title, **arguments)
    assert f"Invalid argument '{argument}'" in message
    if title.strip():
        assert title not in raw_report(nc_user, "personal")
