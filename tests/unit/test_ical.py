"""iCalendar building, merging and expansion (nextcloud/ical.py, ical_read.py, ical_todo.py): no servers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest

from nextcloud_mcp_server.nextcloud import ical, ical_read
from nextcloud_mcp_server.nextcloud.ical_todo import TodoChanges, build_todo, merge_todo, todo_info

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC


def vevent(ics: bytes) -> icalendar.cal.Component:
    return ical_read.master(ical_read.load(ics))


def test_tzid_round_trips_with_a_vtimezone() -> None:
    _uid, ics = ical.build_event(
        ical.EventChanges(title="T", start=dt.datetime(2026, 3, 16, 10, tzinfo=BERLIN), timezone=BERLIN)
    )
    assert b"DTSTART;TZID=Europe/Berlin:20260316T100000" in ics
    assert b"BEGIN:VTIMEZONE" in ics
    info = ical_read.event_info(vevent(ics))
    assert info.timezone == "Europe/Berlin"
    assert info.start == dt.datetime(2026, 3, 16, 10, tzinfo=BERLIN)
    assert info.end == dt.datetime(2026, 3, 16, 11, tzinfo=BERLIN)


def test_times_with_an_offset_are_stored_in_utc() -> None:
    start = ical.parse_moment("2026-05-01T12:00:00+02:00", "start")
    _uid, ics = ical.build_event(ical.EventChanges(title="T", start=start))
    assert b"DTSTART:20260501T100000Z" in ics


def test_all_day_event_uses_dates_with_an_exclusive_end() -> None:
    _uid, ics = ical.build_event(ical.EventChanges(title="T", start=dt.date(2026, 12, 24), all_day=True))
    assert b"DTSTART;VALUE=DATE:20261224" in ics
    assert b"DTEND;VALUE=DATE:20261225" in ics
    assert ical_read.event_info(vevent(ics)).all_day


def test_all_day_with_the_same_end_day_lasts_that_one_day() -> None:
    changes = ical.EventChanges(title="T", start=dt.date(2026, 12, 24), end=dt.date(2026, 12, 24), all_day=True)
    _uid, ics = ical.build_event(changes)
    assert b"DTEND;VALUE=DATE:20261225" in ics


def test_until_becomes_utc_when_dtstart_has_a_tzid() -> None:
    changes = ical.EventChanges(
        title="T",
        start=dt.datetime(2026, 3, 16, 10, tzinfo=BERLIN),
        rrule=ical.parse_rrule("FREQ=WEEKLY"),
        recurrence_end=dt.date(2026, 4, 27),
    )
    _uid, ics = ical.build_event(changes)
    rule = vevent(ics)["RRULE"]
    # the whole last day in Berlin (CEST, +02:00) is 21:59:59 UTC
    assert rule["UNTIL"] == [dt.datetime(2026, 4, 27, 21, 59, 59, tzinfo=ZoneInfo("UTC"))]
    assert b"UNTIL=20260427T215959Z" in ics


def test_until_in_an_rrule_given_as_local_time_is_converted_too() -> None:
    changes = ical.EventChanges(
        title="T",
        start=dt.datetime(2026, 3, 16, 10, tzinfo=BERLIN),
        rrule=ical.parse_rrule("FREQ=DAILY;UNTIL=20260320"),
    )
    _uid, ics = ical.build_event(changes)
    assert b"UNTIL=20260320T225959Z" in ics


def test_until_is_a_date_for_all_day_events() -> None:
    assert ical.until_for(dt.date(2026, 1, 1), dt.datetime(2026, 2, 1, 12)) == dt.date(2026, 2, 1)


def test_bad_rrule_zone_and_date_are_refused_with_the_argument_name() -> None:
    with pytest.raises(ical.IcalError) as rule:
        ical.parse_rrule("FREQ=SOMETIMES")
    assert rule.value.field == "recurrence_rule"
    with pytest.raises(ical.IcalError) as zone:
        ical.parse_zone("Mars/Olympus")
    assert zone.value.field == "timezone"
    with pytest.raises(ical.IcalError) as date:
        ical.parse_moment("31.12.2026", "due")
    assert date.value.field == "due"


def test_an_event_ending_before_it_starts_is_refused() -> None:
    changes = ical.EventChanges(
        title="T", start=dt.datetime(2026, 1, 1, 10, tzinfo=UTC), end=dt.datetime(2026, 1, 1, 9, tzinfo=UTC)
    )
    with pytest.raises(ical.IcalError) as err:
        ical.build_event(changes)
    assert err.value.field == "end_datetime"


FOREIGN = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other//EN\r\n"
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n"
    "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n"
    "BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
    "BEGIN:VEVENT\r\nUID:u1\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Old\r\nSEQUENCE:3\r\n"
    "DTSTART;TZID=Europe/Berlin:20261005T140000\r\nDTEND;TZID=Europe/Berlin:20261005T150000\r\n"
    "RRULE:FREQ=MONTHLY;COUNT=6\r\nX-OTHER-APP:keep\r\n"
    "ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED:mailto:bob@example.com\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Soon\r\nTRIGGER:-PT10M\r\nEND:VALARM\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_merge_keeps_attendees_alarms_tzid_recurrence_and_x_properties() -> None:
    merged = vevent(ical.merge_event(FOREIGN, ical.EventChanges(title="New", location="Room")))
    assert str(merged["SUMMARY"]) == "New"
    assert str(merged["LOCATION"]) == "Room"
    assert str(merged["X-OTHER-APP"]) == "keep"
    assert merged["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert merged["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert merged.decoded("DTSTART").hour == 14
    assert merged["RRULE"]["COUNT"] == [6]
    assert [a.decoded("TRIGGER") for a in merged.walk("VALARM")] == [dt.timedelta(minutes=-10)]
    assert int(merged["SEQUENCE"]) == 4


def test_merge_of_a_new_start_keeps_the_duration() -> None:
    start = dt.datetime(2026, 10, 6, 9, tzinfo=BERLIN)
    merged = vevent(ical.merge_event(FOREIGN, ical.EventChanges(start=start)))
    assert merged.decoded("DTEND") - merged.decoded("DTSTART") == dt.timedelta(hours=1)
    assert merged.decoded("DTSTART").hour == 9


def test_merge_of_attendees_keeps_the_replies_of_those_who_stay() -> None:
    merged = vevent(ical.merge_event(FOREIGN, ical.EventChanges(attendees=["bob@example.com", "eve@example.com"])))
    by_email = {str(a): a.params for a in merged["ATTENDEE"]}
    assert by_email["mailto:bob@example.com"]["PARTSTAT"] == "ACCEPTED"
    assert by_email["mailto:eve@example.com"]["PARTSTAT"] == "NEEDS-ACTION"


def test_merge_can_remove_the_recurrence() -> None:
    merged = vevent(ical.merge_event(FOREIGN, ical.EventChanges(remove_rrule=True)))
    assert "RRULE" not in merged


def test_expansion_lists_each_occurrence_at_local_ten_across_dst() -> None:
    changes = ical.EventChanges(
        title="W", start=dt.datetime(2026, 3, 16, 10, tzinfo=BERLIN), rrule=ical.parse_rrule("FREQ=WEEKLY;COUNT=4")
    )
    _uid, ics = ical.build_event(changes)
    found = ical_read.expand(
        ical_read.load(ics), dt.datetime(2026, 3, 1, tzinfo=UTC), dt.datetime(2026, 5, 1, tzinfo=UTC)
    )
    assert [o.start.hour for o in found] == [10, 10, 10, 10]
    assert [o.start.utcoffset() for o in found] == [dt.timedelta(hours=h) for h in (1, 1, 2, 2)]


def test_expansion_keeps_only_occurrences_inside_the_range() -> None:
    found = ical_read.expand(
        ical_read.load(FOREIGN), dt.datetime(2026, 11, 1, tzinfo=UTC), dt.datetime(2027, 1, 1, tzinfo=UTC)
    )
    assert [o.start.date() for o in found] == [dt.date(2026, 11, 5), dt.date(2026, 12, 5)]


def test_todo_build_and_complete_set_status_percent_and_completed() -> None:
    uid, ics = build_todo(TodoChanges(summary="Pay", due=dt.date(2026, 5, 1), priority=1))
    info = todo_info(ical_read.master(ical_read.load(ics), "VTODO"))
    assert (info.uid, info.status, info.priority, info.due) == (uid, "NEEDS-ACTION", 1, dt.date(2026, 5, 1))
    done = todo_info(ical_read.master(ical_read.load(merge_todo(ics, TodoChanges(status="COMPLETED"))), "VTODO"))
    assert done.status == "COMPLETED"
    assert done.percent_complete == 100
    assert isinstance(done.completed, dt.datetime)
    assert done.completed.utcoffset() == dt.timedelta(0)
    reopened = todo_info(
        ical_read.master(
            ical_read.load(
                merge_todo(merge_todo(ics, TodoChanges(status="COMPLETED")), TodoChanges(status="NEEDS-ACTION"))
            ),
            "VTODO",
        )
    )
    assert reopened.completed is None
    assert reopened.percent_complete == 0


def test_todo_without_summary_is_refused() -> None:
    with pytest.raises(ical.IcalError) as err:
        build_todo(TodoChanges(summary="  "))
    assert err.value.field == "summary"
