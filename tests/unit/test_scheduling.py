"""The scheduling clients against a scripted transport answering as Nextcloud does: the user's
calendar-user addresses, the principal search, moving an event, reading a note's attachment; and
the iCalendar of an invitation and of a reply."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import icalendar
import pytest
from defusedxml import ElementTree

from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import make_client
from nextcloud_mcp_server.nextcloud.caldav import CalDAV
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.nextcloud.errors import DestinationExists, FileTooLarge, NotFound
from nextcloud_mcp_server.nextcloud.ical_schedule import invite, reply, role_of
from nextcloud_mcp_server.nextcloud.notes import NotesAPI
from nextcloud_mcp_server.nextcloud.scheduling import Me, Person, Scheduling, address

pytestmark = pytest.mark.anyio

BASE = "https://cloud.example.com"
PRINCIPAL = "/remote.php/dav/principals/users/alice/"
NS = 'xmlns:d="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav" xmlns:s="http://sabredav.org/ns"'


def multistatus(*responses: str) -> httpx.Response:
    body = f'<?xml version="1.0"?><d:multistatus {NS}>{"".join(responses)}</d:multistatus>'
    return httpx.Response(207, content=body.encode(), headers={"Content-Type": "application/xml; charset=utf-8"})


def found(href: str, props: str) -> str:
    return (
        f"<d:response><d:href>{href}</d:href><d:propstat><d:prop>{props}</d:prop>"
        "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
    )


def client(handler: Callable[[httpx.Request], httpx.Response], seen: list[httpx.Request]) -> NextcloudClient:
    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "PROPFIND" and request.url.path == "/remote.php/dav/":
            principal = f"<d:current-user-principal><d:href>{PRINCIPAL}</d:href></d:current-user-principal>"
            return multistatus(found("/remote.php/dav/", principal))
        return handler(request)

    settings = Settings(nextcloud_url=BASE, nextcloud_username="alice", nextcloud_password="p", nextcloud_retries=0)
    http = make_client(
        settings, base_url=BASE, auth=httpx.BasicAuth("alice", "p"), transport=httpx.MockTransport(record)
    )
    return NextcloudClient(http, "alice", BASE)


async def test_me_is_the_display_name_and_every_calendar_user_address_of_the_principal() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert (request.method, request.url.path, request.headers["Depth"]) == ("PROPFIND", PRINCIPAL, "0")
        addresses = f"<d:href>mailto:Alice@Example.com</d:href><d:href>{PRINCIPAL}</d:href>"
        props = f"<d:displayname>Alice A</d:displayname><cal:calendar-user-address-set>{addresses}"
        return multistatus(found(PRINCIPAL, props + "</cal:calendar-user-address-set>"))

    seen: list[httpx.Request] = []
    sched = Scheduling(client(handler, seen))
    me = await sched.me()
    assert (me.name, me.email) == ("Alice A", "Alice@Example.com")
    assert me.is_me("MAILTO:alice@example.com")
    assert me.is_me(f"{BASE}{PRINCIPAL}")
    assert not me.is_me("mailto:bob@x.org")
    await sched.me()
    assert len(seen) == 2  # discovered once


async def test_a_user_without_an_email_has_no_sending_address() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        addresses = f"<cal:calendar-user-address-set><d:href>{PRINCIPAL}</d:href></cal:calendar-user-address-set>"
        return multistatus(found(PRINCIPAL, addresses))

    me = await Scheduling(client(handler, [])).me()
    assert (me.name, me.email) == ("alice", None)


async def test_find_users_sends_one_principal_property_search_and_keeps_users_with_an_email() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert (request.method, request.url.path, request.headers["Depth"]) == (
            "REPORT",
            "/remote.php/dav/principals/users/",
            "0",
        )
        root = ElementTree.fromstring(request.content)
        assert root.tag == "{DAV:}principal-property-search"
        assert root.get("test") == "anyof"
        assert [m.text for m in root.iter("{DAV:}match")] == ["anna", "anna"]
        with_email = "<d:displayname>Anna B</d:displayname><s:email-address>anna@x.org</s:email-address>"
        in_set = (
            "<d:displayname>Annabel</d:displayname><cal:calendar-user-address-set>"
            "<d:href>mailto:annabel@x.org</d:href></cal:calendar-user-address-set>"
        )
        without = "<d:displayname>Joanna</d:displayname>"
        return multistatus(found("/u/anna/", with_email), found("/u/annabel/", in_set), found("/u/jo/", without))

    people = await Scheduling(client(handler, [])).find_users("anna")
    assert people == [Person("Anna B", "anna@x.org"), Person("Annabel", "annabel@x.org")]


async def test_move_keeps_the_name_and_a_taken_name_is_destination_exists() -> None:
    home = "<cal:calendar-home-set><d:href>/remote.php/dav/calendars/alice/</d:href></cal:calendar-home-set>"

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PROPFIND":
            return multistatus(found(PRINCIPAL, home))
        assert request.method == "MOVE"
        name = request.url.path.rsplit("/", 1)[-1]
        assert request.headers["Destination"] == f"{BASE}/remote.php/dav/calendars/alice/work/{name}"
        assert request.headers["Overwrite"] == "F"
        return httpx.Response(412 if name == "taken.ics" else 201)

    caldav = CalDAV(client(handler, []))
    assert await caldav.move("personal", "e1.ics", "work") == "/remote.php/dav/calendars/alice/work/e1.ics"
    with pytest.raises(DestinationExists):
        await caldav.move("personal", "taken.ics", "work")


def notes(handler: Callable[[httpx.Request], httpx.Response]) -> NotesAPI:
    return NotesAPI(client(handler, []))


async def test_an_attachment_is_read_from_api_1_4_with_its_path_type_and_name() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/index.php/apps/notes/api/v1.4/attachment/7"
        assert request.url.params["path"] == ".attachments.7/a b.png"
        headers = {"Content-Type": "image/png", "Content-Disposition": 'attachment; filename="a b.png"'}
        return httpx.Response(200, content=b"\x89PNG", headers=headers)

    found = await notes(handler).attachment(7, ".attachments.7/a b.png", 100)
    assert (found.name, found.content_type, found.data) == ("a b.png", "image/png", b"\x89PNG")


async def test_a_missing_attachment_is_not_found_with_the_notes_error_type() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"errorType": "OCP\\Files\\NotFoundException"})

    with pytest.raises(NotFound) as err:
        await notes(handler).attachment(7, "gone.png", 100)
    assert err.value.detail == "NotFoundException"
    assert err.value.subject == "attachment 'gone.png' of note 7"


async def test_an_attachment_over_the_limit_is_refused_by_its_length_or_while_reading() -> None:
    def declared(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"x" * 50, headers={"Content-Type": "image/png"})

    def streamed(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=httpx.ByteStream(b"x" * 50), headers={"Content-Type": "image/png"})

    for handler in (declared, streamed):
        with pytest.raises(FileTooLarge) as err:
            await notes(handler).attachment(7, "big.png", 10)
        assert err.value.limit == 10


ME = Me("Alice A", frozenset({"alice@x.org", PRINCIPAL}), "alice@x.org")
EVENT = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:u1\r\nDTSTAMP:20260101T000000Z\r\n"
    b"DTSTART:20300101T090000Z\r\nSUMMARY:Plan\r\nSEQUENCE:2\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_an_invitation_names_the_organizer_and_asks_each_attendee_to_reply() -> None:
    ics = invite(EVENT, Person("Alice A", "alice@x.org"), [Person("Bob", "bob@x.org"), Person(None, "ext@y.org")])
    event = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
    assert str(event["ORGANIZER"]) == "mailto:alice@x.org"
    assert event["ORGANIZER"].params["CN"] == "Alice A"
    bob, ext = event["ATTENDEE"]
    assert (str(bob), bob.params["CN"], bob.params["PARTSTAT"], bob.params["RSVP"]) == (
        "mailto:bob@x.org",
        "Bob",
        "NEEDS-ACTION",
        "TRUE",
    )
    assert "CN" not in ext.params
    assert role_of(ics, ME).organizer


def test_a_reply_sets_my_partstat_everywhere_and_keeps_the_sequence() -> None:
    organizer = Person("Org", "org@x.org")
    ics = invite(EVENT, organizer, [Person("Alice A", "ALICE@x.org"), Person("Bob", "bob@x.org")])
    role = role_of(ics, ME)
    assert (role.organizer, role.partstat, role.invited) == (False, "NEEDS-ACTION", True)
    answered = reply(ics, ME, "TENTATIVE")
    event = icalendar.Calendar.from_ical(answered).walk("VEVENT")[0]
    assert {address(str(a)): a.params["PARTSTAT"] for a in event["ATTENDEE"]} == {
        "alice@x.org": "TENTATIVE",
        "bob@x.org": "NEEDS-ACTION",
    }
    assert int(event["SEQUENCE"]) == 2
    assert role_of(answered, ME).partstat == "TENTATIVE"
    assert not role_of(EVENT, ME).invited
