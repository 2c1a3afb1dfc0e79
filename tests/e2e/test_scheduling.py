"""Meeting tools end to end through the real MCP client: the module's user organizes, bob (another
stand-in user) answers through his own MCP server. Effects are checked on the stand-in: the stored
objects with raw CalDAV as each user, and the iMIP messages Nextcloud would have emailed (the
stand-in's scheduling outbox, tests/standin/scheduling.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import icalendar
import pytest
from defusedxml import ElementTree
from mcp import Client

from tests.conftest import NcUser, StandInHandle
from tests.e2e.helpers import call, error_of, own_server, unique
from tests.standin.scheduling import Sent

pytestmark = pytest.mark.anyio

CALS = "/remote.php/dav/calendars"
BOOKS = "/remote.php/dav/addressbooks/users"
BOB_NAME = "Bobby Scheduler"
QUERY = (
    b'<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/>'
    b'<c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"/></c:filter></c:calendar-query>'
)


@pytest.fixture(scope="module")
def bob(standin: StandInHandle) -> NcUser:
    return standin.add_user("sched-bobby", "pw-bobby", display_name=BOB_NAME, email="bobby.scheduler@example.com")


@pytest.fixture(scope="module")
def bob_mcp(bob: NcUser) -> Iterator[str]:
    """Bob's own MCP server (his app password), every toolset on."""
    with own_server(bob) as url:
        yield url


@pytest.fixture(scope="module")
def contacts(nc_user: NcUser) -> None:
    """Three of the organizer's contacts: Carla, and two Danas."""
    with nc_user.raw() as raw:
        for uid, name, email in (
            ("c-carla", "Carla Contact", "carla@partner.example"),
            ("c-dana1", "Dana One", "dana.one@partner.example"),
            ("c-dana2", "Dana Two", "dana.two@partner.example"),
        ):
            card = f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{name}\r\nEMAIL:{email}\r\nEND:VCARD\r\n"
            response = raw.put(f"{BOOKS}/{nc_user.id}/contacts/{uid}.vcf", content=card.encode())
            assert response.status_code in (201, 204), response.text


async def as_bob(bob_mcp: str, tool: str, **arguments: Any) -> dict[str, Any]:
    async with Client(bob_mcp) as client:
        return await call(client, tool, **arguments)


def email_of(user: NcUser) -> str:
    found = user.standin.app.users[user.id].email
    assert found
    return found


def outbox(user: NcUser, uid: str) -> list[Sent]:
    return user.standin.app.services["calendars"].scheduling.sent(uid=uid)


def events_of(user: NcUser, calendar: str = "personal") -> dict[str, icalendar.cal.Component]:
    """Each stored VEVENT of the user's calendar by UID (a raw calendar-query as that user)."""
    with user.raw() as raw:
        response = raw.request("REPORT", f"{CALS}/{user.id}/{calendar}/", content=QUERY, headers={"Depth": "1"})
    assert response.status_code == 207, response.text
    found = {}
    for data in ElementTree.fromstring(response.content).iter("{urn:ietf:params:xml:ns:caldav}calendar-data"):
        event = icalendar.Calendar.from_ical(data.text or "").walk("VEVENT")[0]
        found[str(event["UID"])] = event
    return found


def partstats(event: icalendar.cal.Component) -> dict[str, str]:
    raw = event.get("ATTENDEE")
    attendees = raw if isinstance(raw, list) else [raw] if raw is not None else []
    return {str(a).removeprefix("mailto:"): str(a.params.get("PARTSTAT")) for a in attendees}


async def meeting_with_bob(mcp: Any, title: str) -> dict[str, Any]:
    return await call(
        mcp, "nc_calendar_create_meeting", title=title, date="2030-06-10", time="09:30", duration_minutes=45,
        attendees=BOB_NAME, timezone="Europe/Berlin",
    )  # fmt: skip


async def test_a_meeting_with_a_user_and_an_email_sends_two_requests_and_lands_in_the_users_calendar(
    mcp, nc_user, bob
) -> None:
    guest = f"guest-{uuid.uuid4().hex[:6]}@elsewhere.org"
    made = await call(
        mcp, "nc_calendar_create_meeting", title=unique("sync"), date="2030-06-10", time="09:30",
        duration_minutes=45, attendees=f"{BOB_NAME}, {guest}", location="Room 4", timezone="Europe/Berlin",
    )  # fmt: skip
    uid = made["event"]["uid"]
    assert [(i["name"], i["email"], i["found_as"]) for i in made["invited"]] == [
        (BOB_NAME, email_of(bob), "user"),
        (None, guest, "email"),
    ]
    assert made["event"]["start"] == "2030-06-10T09:30:00+02:00"
    assert made["event"]["organizer"] == email_of(nc_user)
    stored = events_of(nc_user)[uid]
    assert str(stored["ORGANIZER"]) == f"mailto:{email_of(nc_user)}"
    assert partstats(stored) == {email_of(bob): "NEEDS-ACTION", guest: "NEEDS-ACTION"}
    assert all(str(a.params["RSVP"]) == "TRUE" for a in stored["ATTENDEE"])
    assert sorted((s.method, s.recipient) for s in outbox(nc_user, uid)) == sorted(
        [("REQUEST", email_of(bob)), ("REQUEST", guest)]
    )
    assert uid in events_of(bob)  # Nextcloud's own delivery into bob's calendar


async def test_bob_accepts_in_his_own_session_and_the_organizer_learns_it(mcp, nc_user, bob, bob_mcp) -> None:
    made = await meeting_with_bob(mcp, unique("review"))
    uid = made["event"]["uid"]
    pending = await as_bob(bob_mcp, "nc_calendar_list_invitations")
    assert [(i["uid"], i["my_status"]) for i in pending["items"] if i["uid"] == uid] == [(uid, "NEEDS-ACTION")]
    answered = await as_bob(
        bob_mcp, "nc_calendar_respond_to_invitation", calendar_name="personal", event_uid=uid, response="accepted"
    )
    assert answered["my_status"] == "ACCEPTED"
    assert partstats(events_of(bob)[uid])[email_of(bob)] == "ACCEPTED"
    replies = [(s.sender, s.recipient) for s in outbox(nc_user, uid) if s.method == "REPLY"]
    assert replies == [(email_of(bob), email_of(nc_user))]
    assert partstats(events_of(nc_user)[uid])[email_of(bob)] == "ACCEPTED"
    seen = await call(mcp, "nc_calendar_get_event", calendar_name="personal", event_uid=uid)
    assert [(a["email"], a["status"]) for a in seen["attendees"]] == [(email_of(bob), "ACCEPTED")]
    after = await as_bob(bob_mcp, "nc_calendar_list_invitations")
    assert uid not in [i["uid"] for i in after["items"]]


async def test_attendees_are_found_among_contacts_and_unclear_names_are_refused(mcp, nc_user, contacts) -> None:
    title = unique("contacts")
    made = await call(mcp, "nc_calendar_create_meeting", title=title, date="2030-07-01", time="14:00",
                      attendees="carla contact")  # fmt: skip
    assert [(i["name"], i["email"], i["found_as"]) for i in made["invited"]] == [
        ("Carla Contact", "carla@partner.example", "contact")
    ]
    assert partstats(events_of(nc_user)[made["event"]["uid"]]) == {"carla@partner.example": "NEEDS-ACTION"}
    several = await error_of(mcp, "nc_calendar_create_meeting", title=title, date="2030-07-01", time="14:00",
                             attendees="Dana")  # fmt: skip
    assert "Invalid argument 'attendees'" in several
    assert "Dana One <dana.one@partner.example>" in several
    assert "Dana Two <dana.two@partner.example>" in several
    unknown = await error_of(mcp, "nc_calendar_create_meeting", title=title, date="2030-07-01", time="14:00",
                             attendees="Zed Nobody")  # fmt: skip
    assert "no Nextcloud user or contact of yours matches 'Zed Nobody'" in unknown
    assert len([e for e in events_of(nc_user).values() if str(e["SUMMARY"]) == title]) == 1  # only the first


@pytest.mark.parametrize(
    ("arguments", "argument"),
    [
        ({"date": "10.06.2030"}, "date"),
        ({"time": "9h30"}, "time"),
        ({"title": "  "}, "title"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"attendees": "bad@"}, "attendees"),
        ({"attendees": "uscheduling@example.com"}, "attendees"),  # only the organizer
    ],
)
async def test_bad_meeting_arguments_are_refused_before_anything_is_written(mcp, nc_user, arguments, argument) -> None:
    title = unique("bad")
    values = {"title": title, "date": "2030-06-10", "time": "09:30", "attendees": BOB_NAME, **arguments}
    message = await error_of(mcp, "nc_calendar_create_meeting", **values)
    assert f"Invalid argument '{argument}'" in message
    assert not [e for e in events_of(nc_user).values() if str(e["SUMMARY"]) == title]


async def test_an_organizer_without_an_email_is_told_to_set_one(standin: StandInHandle, bob) -> None:
    user = standin.add_user("sched-noemail", "pw-noemail")
    with own_server(user) as url:
        async with Client(url) as client:
            message = await error_of(client, "nc_calendar_create_meeting", title="x", date="2030-06-10", time="09:30",
                                     attendees=BOB_NAME)  # fmt: skip
            alone = await call(client, "nc_calendar_create_meeting", title="alone", date="2030-06-10", time="10:00")
    assert "has no email address" in message
    assert "Personal settings" in message
    assert alone["invited"] == []
    assert alone["note"] == "No one was invited."


async def test_answering_is_refused_for_ones_own_meeting_a_foreign_event_and_an_unknown_reply(
    mcp, nc_user, bob, bob_mcp
) -> None:
    made = await meeting_with_bob(mcp, unique("own"))
    uid = made["event"]["uid"]
    own = await error_of(mcp, "nc_calendar_respond_to_invitation", calendar_name="personal", event_uid=uid,
                         response="ACCEPTED")  # fmt: skip
    assert "you organize this event" in own
    plain = await call(mcp, "nc_calendar_create_event", calendar_name="personal", title=unique("plain"),
                       start_datetime="2030-06-11T09:00:00Z")  # fmt: skip
    foreign = await error_of(mcp, "nc_calendar_respond_to_invitation", calendar_name="personal",
                             event_uid=plain["uid"], response="DECLINED")  # fmt: skip
    assert "not among this event's attendees" in foreign
    missing = await error_of(mcp, "nc_calendar_respond_to_invitation", calendar_name="personal",
                             event_uid="no-such-uid", response="DECLINED")  # fmt: skip
    assert "404" in missing
    maybe = await error_of(mcp, "nc_calendar_respond_to_invitation", calendar_name="personal", event_uid=uid,
                           response="MAYBE")  # fmt: skip
    assert "Invalid argument 'response'" in maybe
    assert partstats(events_of(bob)[uid])[email_of(bob)] == "NEEDS-ACTION"  # nothing was answered
    assert [s.method for s in outbox(nc_user, uid)] == ["REQUEST"]


def put_event(user: NcUser, calendar: str, uid: str, title: str, start: str) -> None:
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\nDURATION:PT1H\r\nSUMMARY:{title}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    with user.raw() as raw:
        response = raw.put(f"{CALS}/{user.id}/{calendar}/{uid}.ics", content=ics.encode())
    assert response.status_code == 201, response.text


async def test_bulk_operations_report_each_event_and_one_failure_leaves_the_rest_done(mcp, nc_user) -> None:
    tag = unique("bulk")
    archive = unique("archive")
    uids = [f"{tag}-{n}" for n in ("a", "b", "c")]
    for uid, start in zip(uids, ("20300901T090000Z", "20300902T090000Z", "20300903T090000Z"), strict=True):
        put_event(nc_user, "personal", uid, f"{tag} {uid[-1]}" if uid[-1] != "c" else "unrelated", start)
    await call(mcp, "nc_calendar_manage_calendar", action="create", calendar_name=archive, components="VEVENT")
    put_event(nc_user, archive, uids[1], "already archived", "20300902T090000Z")

    updated = await call(mcp, "nc_calendar_bulk_operations", operation="update", title_contains=tag,
                         new_location="Room 7", new_priority=2)  # fmt: skip
    assert (updated["total_found"], updated["succeeded"], updated["failed"]) == (2, 2, 0)
    assert [(r["uid"], r["status"]) for r in updated["results"]] == [(uids[0], "updated"), (uids[1], "updated")]
    mine = events_of(nc_user)
    assert [str(mine[u].get("LOCATION")) for u in uids] == ["Room 7", "Room 7", "None"]
    assert int(mine[uids[0]]["PRIORITY"]) == 2

    moved = await call(mcp, "nc_calendar_bulk_operations", operation="move", title_contains=tag,
                       calendar_name="personal", target_calendar=archive)  # fmt: skip
    assert (moved["succeeded"], moved["failed"]) == (1, 1)
    first, second = moved["results"]
    assert (first["uid"], first["status"], first["error"]) == (uids[0], "moved", None)
    assert (second["uid"], second["status"]) == (uids[1], "failed")
    assert "already holds this event" in second["error"]
    assert uids[0] in events_of(nc_user, archive)
    assert uids[0] not in events_of(nc_user)
    assert uids[1] in events_of(nc_user)  # the failed one stayed where it was

    deleted = await call(mcp, "nc_calendar_bulk_operations", operation="delete", calendar_name=archive,
                         start_date="2030-09-01", end_date="2030-09-01")  # fmt: skip
    assert [(r["uid"], r["status"]) for r in deleted["results"]] == [(uids[0], "deleted")]
    assert list(events_of(nc_user, archive)) == [uids[1]]


@pytest.mark.parametrize(
    ("arguments", "argument"),
    [
        ({"operation": "delete"}, "title_contains"),  # no filter: not every event
        ({"operation": "purge", "title_contains": "x"}, "operation"),
        ({"operation": "update", "title_contains": "x"}, "new_title"),
        ({"operation": "update", "title_contains": "x", "new_title": " "}, "new_title"),
        ({"operation": "update", "title_contains": "x", "new_priority": 12}, "new_priority"),
        ({"operation": "move", "title_contains": "x"}, "target_calendar"),
        ({"operation": "delete", "start_date": "June"}, "start_date"),
    ],
)
async def test_bad_bulk_arguments_are_refused_before_any_change(mcp, nc_user, arguments, argument) -> None:
    before = events_of(nc_user)
    message = await error_of(mcp, "nc_calendar_bulk_operations", **arguments)
    assert f"Invalid argument '{argument}'" in message
    assert events_of(nc_user).keys() == before.keys()
