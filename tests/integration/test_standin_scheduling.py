"""The stand-in schedules as Nextcloud does (tests/standin/scheduling.py): an organizer's PUT sends
REQUESTs (iMIP for every email, delivery into the calendars of users), an attendee's PARTSTAT change
sends the REPLY, a removal or deletion a CANCEL; and the DAV principal search finds users. Raw
HTTP only (no MCP, no product code)."""

from __future__ import annotations

import uuid
from typing import Any

import icalendar
import pytest
from defusedxml import ElementTree

from tests.conftest import NcUser, StandInHandle

CALS = "/remote.php/dav/calendars"
QUERY = (
    b'<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/>'
    b'<c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"/></c:filter></c:calendar-query>'
)


def meeting(uid: str, organizer: str, *attendees: str, start: str = "20300610T090000Z") -> bytes:
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//t//EN", "BEGIN:VEVENT", f"UID:{uid}",
        "DTSTAMP:20260101T000000Z", f"DTSTART:{start}", f"DTEND:{start[:9]}235900Z", "SUMMARY:Plan",
        f"ORGANIZER;CN=Org:mailto:{organizer}",
        *(f"ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{a}" for a in attendees),
        "END:VEVENT", "END:VCALENDAR",
    ]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.fixture(scope="module")
def people(standin: StandInHandle) -> tuple[NcUser, NcUser]:
    suffix = uuid.uuid4().hex[:6]
    alice = standin.add_user(
        f"sa-{suffix}", "pa", display_name=f"Sched Alice {suffix}", email=f"sa-{suffix}@example.com"
    )
    bob = standin.add_user(f"sb-{suffix}", "pb", display_name=f"Sched Bob {suffix}", email=f"sb-{suffix}@example.com")
    return alice, bob


def email(user: NcUser) -> str:
    found = user.standin.app.users[user.id].email
    assert found
    return found


def sent(standin: StandInHandle, uid: str) -> list[tuple[str, str, str]]:
    return [(s.method, s.sender, s.recipient) for s in standin.app.services["calendars"].scheduling.sent(uid=uid)]


def stored(user: NcUser, calendar: str = "personal") -> dict[str, tuple[str, icalendar.cal.Component]]:
    """(href, VEVENT) of each object of the user's calendar by UID, read with a calendar-query."""
    with user.raw() as raw:
        response = raw.request("REPORT", f"{CALS}/{user.id}/{calendar}/", content=QUERY, headers={"Depth": "1"})
    assert response.status_code == 207, response.text
    found = {}
    for item in ElementTree.fromstring(response.content).iter("{DAV:}response"):
        data = item.findtext(".//{urn:ietf:params:xml:ns:caldav}calendar-data") or ""
        event = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
        found[str(event["UID"])] = (item.findtext("{DAV:}href") or "", event)
    return found


def objects(user: NcUser, calendar: str = "personal") -> dict[str, icalendar.cal.Component]:
    return {uid: event for uid, (_, event) in stored(user, calendar).items()}


def attendees(event: icalendar.cal.Component) -> list[Any]:
    raw = event.get("ATTENDEE")
    return raw if isinstance(raw, list) else [raw] if raw is not None else []


def put(user: NcUser, name: str, data: bytes) -> Any:
    with user.raw() as raw:
        return raw.put(f"{CALS}/{user.id}/personal/{name}", content=data, headers={"Content-Type": "text/calendar"})


def partstats(event: icalendar.cal.Component) -> dict[str, str]:
    return {str(a).removeprefix("mailto:"): str(a.params.get("PARTSTAT")) for a in attendees(event)}


def test_an_organizers_put_emails_every_attendee_and_delivers_into_a_users_calendar(people, standin) -> None:
    alice, bob = people
    uid = f"m-{uuid.uuid4().hex}"
    response = put(alice, f"{uid}.ics", meeting(uid, email(alice), email(bob), "guest@elsewhere.org"))
    assert response.status_code == 201
    assert "ETag" not in response.headers  # the stored object got SCHEDULE-STATUS, so Sabre sends no ETag
    assert sent(standin, uid) == [
        ("REQUEST", email(alice), email(bob)),
        ("REQUEST", email(alice), "guest@elsewhere.org"),
    ]
    assert "METHOD:REQUEST" in standin.app.services["calendars"].scheduling.sent(uid=uid)[0].ics
    delivered = objects(bob)[uid]  # under a name of its own in bob's default calendar
    assert str(delivered["ORGANIZER"]) == f"mailto:{email(alice)}"
    marks = {str(a).removeprefix("mailto:"): str(a.params["SCHEDULE-STATUS"]) for a in attendees(objects(alice)[uid])}
    assert marks == {email(bob): "1.1", "guest@elsewhere.org": "1.1"}


def test_an_attendee_changing_partstat_replies_and_the_organizers_copy_learns_it(people, standin) -> None:
    alice, bob = people
    uid = f"m-{uuid.uuid4().hex}"
    assert put(alice, f"{uid}.ics", meeting(uid, email(alice), email(bob))).status_code == 201
    href = stored(bob)[uid][0]
    assert not href.endswith(f"/{uid}.ics")  # delivered under a name of its own
    with bob.raw() as raw:
        mine = icalendar.Calendar.from_ical(raw.get(href).content)
    mine.walk("VEVENT")[0]["ATTENDEE"].params["PARTSTAT"] = "ACCEPTED"
    with bob.raw() as raw:
        assert raw.put(href, content=mine.to_ical(), headers={"Content-Type": "text/calendar"}).status_code == 204
    assert sent(standin, uid)[-1] == ("REPLY", email(bob), email(alice))
    organizers = objects(alice)[uid]["ATTENDEE"]
    assert organizers.params["PARTSTAT"] == "ACCEPTED"
    assert organizers.params["SCHEDULE-STATUS"] == "2.0"
    assert "RSVP" not in organizers.params


def test_a_change_that_is_not_significant_updates_copies_without_an_email(people, standin) -> None:
    alice, bob = people
    uid = f"m-{uuid.uuid4().hex}"
    assert put(alice, f"{uid}.ics", meeting(uid, email(alice), email(bob))).status_code == 201
    renamed = meeting(uid, email(alice), email(bob)).replace(b"SUMMARY:Plan", b"SUMMARY:Renamed")
    assert put(alice, f"{uid}.ics", renamed).status_code == 204
    assert [m for m, _, _ in sent(standin, uid)] == ["REQUEST"]  # a new title is not significant
    assert str(objects(bob)[uid]["SUMMARY"]) == "Renamed"  # the local copy is updated all the same
    moved = meeting(uid, email(alice), email(bob), start="20300611T090000Z")
    assert put(alice, f"{uid}.ics", moved).status_code == 204
    assert [m for m, _, _ in sent(standin, uid)] == ["REQUEST", "REQUEST"]


def test_removing_an_attendee_or_deleting_the_meeting_cancels(people, standin) -> None:
    alice, bob = people
    uid = f"m-{uuid.uuid4().hex}"
    assert put(alice, f"{uid}.ics", meeting(uid, email(alice), email(bob), "guest@elsewhere.org")).status_code == 201
    assert put(alice, f"{uid}.ics", meeting(uid, email(alice), email(bob))).status_code == 204
    assert sent(standin, uid)[-1] == ("CANCEL", email(alice), "guest@elsewhere.org")
    with alice.raw() as raw:
        assert raw.delete(f"{CALS}/{alice.id}/personal/{uid}.ics").is_success
    assert sent(standin, uid)[-1] == ("CANCEL", email(alice), email(bob))
    assert str(objects(bob)[uid]["STATUS"]) == "CANCELLED"


def test_an_attendee_deleting_their_copy_declines(people, standin) -> None:
    alice, bob = people
    uid = f"m-{uuid.uuid4().hex}"
    invitation = meeting(uid, email(bob), email(alice))  # bob organizes here; alice's copy is delivered
    assert put(bob, f"{uid}.ics", invitation).status_code == 201
    with alice.raw() as raw:
        assert raw.delete(stored(alice)[uid][0]).is_success
    assert sent(standin, uid)[-1] == ("REPLY", email(alice), email(bob))
    assert partstats(objects(bob)[uid]) == {email(alice): "DECLINED"}


def test_no_email_for_a_meeting_that_is_over_and_none_without_an_organizer(people, standin) -> None:
    alice, bob = people
    past, plain = f"m-{uuid.uuid4().hex}", f"m-{uuid.uuid4().hex}"
    assert (
        put(alice, f"{past}.ics", meeting(past, email(alice), email(bob), start="20200101T090000Z")).status_code == 201
    )
    assert sent(standin, past) == []
    assert past in objects(bob)  # delivered into bob's calendar all the same
    no_organizer = meeting(plain, email(alice), email(bob)).replace(
        f"ORGANIZER;CN=Org:mailto:{email(alice)}\r\n".encode(), b""
    )
    response = put(alice, f"{plain}.ics", no_organizer)
    assert response.status_code == 201
    assert response.headers.get("ETag")
    assert sent(standin, plain) == []
    assert plain not in objects(bob)


def test_a_move_between_calendars_schedules_nothing(people, standin) -> None:
    alice, bob = people
    uid = f"m-{uuid.uuid4().hex}"
    assert put(alice, f"{uid}.ics", meeting(uid, email(alice), email(bob))).status_code == 201
    with alice.raw() as raw:
        made = raw.request("MKCALENDAR", f"{CALS}/{alice.id}/moves-{uid[-6:]}/")
        assert made.status_code == 201, made.text
        moved = raw.request(
            "MOVE",
            f"{CALS}/{alice.id}/personal/{uid}.ics",
            headers={"Destination": f"{alice.url}{CALS}/{alice.id}/moves-{uid[-6:]}/{uid}.ics", "Overwrite": "F"},
        )
    assert moved.status_code == 201, moved.text
    assert [m for m, _, _ in sent(standin, uid)] == ["REQUEST"]  # the invitation, and nothing for the move


SEARCH = (
    '<d:principal-property-search xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" test="{test}">'
    "<d:property-search><d:prop><d:displayname/></d:prop><d:match>{name}</d:match></d:property-search>"
    "<d:property-search><d:prop><s:email-address/></d:prop><d:match>{email}</d:match></d:property-search>"
    "<d:prop><d:displayname/><s:email-address/><d:getetag/></d:prop></d:principal-property-search>"
)


def search(user: NcUser, depth: str = "0", **values: str) -> Any:
    with user.raw() as raw:
        return raw.request(
            "REPORT", "/remote.php/dav/principals/users/", content=SEARCH.format(**values), headers={"Depth": depth}
        )


def test_the_principal_search_finds_users_by_part_of_the_name_or_the_exact_email(people) -> None:
    alice, bob = people
    bob_name = bob.standin.app.users[bob.id].display_name
    by_name = search(alice, test="anyof", name=bob_name.removeprefix("Sched ").upper(), email="nobody@x.org")
    assert by_name.status_code == 207
    root = ElementTree.fromstring(by_name.content)
    assert [h.text for h in root.iter("{DAV:}href")] == [f"/remote.php/dav/principals/users/{bob.id}/"]
    assert root.findtext(".//{http://sabredav.org/ns}email-address") == email(bob)
    assert "404 Not Found" in by_name.text  # getetag is no principal property
    partial_email = search(alice, test="anyof", name="zz-nobody", email=email(bob)[:-3])
    assert "<d:response>" not in partial_email.text
    both = search(alice, test="allof", name=bob_name, email=email(bob))
    assert [h.text for h in ElementTree.fromstring(both.content).iter("{DAV:}href")] == [
        f"/remote.php/dav/principals/users/{bob.id}/"
    ]


def test_the_principal_search_is_answered_only_with_depth_0(people) -> None:
    alice, _ = people
    response = search(alice, depth="1", test="anyof", name="x", email="x@y.org")
    assert response.status_code == 400
    assert "Depth" in response.text
