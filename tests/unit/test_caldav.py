"""CalDAV client against a scripted transport answering as Nextcloud (Sabre) does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import httpx
import pytest

from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import make_client
from nextcloud_mcp_server.nextcloud.caldav import CalDAV
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.nextcloud.errors import Forbidden, NotFound, PreconditionFailed
from nextcloud_mcp_server.nextcloud.paths import UnsafePath

pytestmark = pytest.mark.anyio

BASE = "https://cloud.example.com"
HOME = "/remote.php/dav/calendars/alice/"
NS = (
    'xmlns:d="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/" '
    'xmlns:x1="http://apple.com/ns/ical/" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns"'
)
ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"


def multistatus(*responses: str) -> httpx.Response:
    body = f'<?xml version="1.0"?><d:multistatus {NS}>{"".join(responses)}</d:multistatus>'
    return httpx.Response(207, content=body.encode(), headers={"Content-Type": "application/xml; charset=utf-8"})


def response(href: str, props: str) -> str:
    return (
        f"<d:response><d:href>{href}</d:href><d:propstat><d:prop>{props}</d:prop>"
        "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
    )


def discovery(request: httpx.Request) -> httpx.Response | None:
    """Nextcloud's answers to the two discovery PROPFINDs."""
    if request.method == "PROPFIND" and request.url.path == "/remote.php/dav/":
        principal = "<d:current-user-principal><d:href>/remote.php/dav/principals/users/alice/</d:href>"
        return multistatus(response("/remote.php/dav/", principal + "</d:current-user-principal>"))
    if request.method == "PROPFIND" and request.url.path == "/remote.php/dav/principals/users/alice/":
        home = f"<cal:calendar-home-set><d:href>{HOME}</d:href></cal:calendar-home-set>"
        return multistatus(response("/remote.php/dav/principals/users/alice/", home))
    return None


def sabre_error(status: int, exception: str, message: str) -> httpx.Response:
    body = (
        f'<?xml version="1.0" encoding="utf-8"?><d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">'
        f"<s:exception>{exception}</s:exception><s:message>{message}</s:message></d:error>"
    )
    return httpx.Response(status, content=body.encode(), headers={"Content-Type": "application/xml; charset=utf-8"})


def caldav(handler: Callable[[httpx.Request], httpx.Response]) -> tuple[CalDAV, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return discovery(request) or handler(request)

    settings = Settings(nextcloud_url=BASE, nextcloud_username="alice", nextcloud_password="p", nextcloud_retries=0)
    http = make_client(
        settings, base_url=BASE, auth=httpx.BasicAuth("alice", "p"), transport=httpx.MockTransport(record)
    )
    return CalDAV(NextcloudClient(http, "alice", BASE)), seen


async def test_list_calendars_discovers_the_home_once_and_skips_inbox_outbox_and_trash() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == HOME
        assert request.headers["Depth"] == "1"
        calendar = (
            "<d:resourcetype><d:collection/><cal:calendar/></d:resourcetype><d:displayname>Personal</d:displayname>"
            "<x1:calendar-color>#0082c9</x1:calendar-color><cs:getctag>ctag-1</cs:getctag>"
            '<cal:supported-calendar-component-set><cal:comp name="VEVENT"/></cal:supported-calendar-component-set>'
        )
        return multistatus(
            response(HOME, "<d:resourcetype><d:collection/></d:resourcetype>"),
            response(HOME + "personal/", calendar),
            response(HOME + "inbox/", "<d:resourcetype><d:collection/><cal:schedule-inbox/></d:resourcetype>"),
            response(HOME + "trashbin/", "<d:resourcetype><d:collection/><nc:trash-bin/></d:resourcetype>"),
        )

    api, seen = caldav(handler)
    first = await api.list_calendars()
    await api.list_calendars()
    assert [(c.name, c.display_name, c.color, c.components, c.ctag) for c in first] == [
        ("personal", "Personal", "#0082c9", ["VEVENT"], "ctag-1")
    ]
    assert [r.url.path for r in seen].count("/remote.php/dav/") == 1


async def test_query_sends_a_time_range_in_utc_and_returns_objects_with_etags() -> None:
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.method == "REPORT"
        assert request.headers["Depth"] == "1"
        bodies.append(request.content)
        data = ICS.format(uid="u1").replace("\r\n", "&#13;\n")
        return multistatus(
            response(
                HOME + "personal/u1.ics", f'<d:getetag>"e1"</d:getetag><cal:calendar-data>{data}</cal:calendar-data>'
            )
        )

    api, _ = caldav(handler)
    start = dt.datetime(2026, 3, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    found = await api.query("personal", start=start, end=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    assert b'start="20260301T000000Z"' in bodies[0]
    assert b'end="20260401T000000Z"' in bodies[0]
    assert b'name="VEVENT"' in bodies[0]
    assert [(o.name, o.etag, o.href) for o in found] == [("u1.ics", '"e1"', HOME + "personal/u1.ics")]
    assert "UID:u1" in found[0].data


async def test_put_creates_with_if_none_match_and_updates_with_if_match() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, headers={"ETag": '"new"'})

    api, seen = caldav(handler)
    assert await api.put("personal", "u1.ics", b"BEGIN:VCALENDAR", create=True) == '"new"'
    await api.put("personal", "u1.ics", b"BEGIN:VCALENDAR", etag='"old"')
    puts = [r for r in seen if r.method == "PUT"]
    assert puts[0].headers["If-None-Match"] == "*"
    assert puts[1].headers["If-Match"] == '"old"'
    assert puts[0].url.path == HOME + "personal/u1.ics"
    assert puts[0].headers["Content-Type"].startswith("text/calendar")


async def test_a_412_reports_the_current_etag_read_after_the_refusal() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            return sabre_error(412, "Sabre\\DAV\\Exception\\PreconditionFailed", "An If-Match header was specified")
        return httpx.Response(200, text=ICS.format(uid="u1"), headers={"ETag": '"current"'})

    api, _ = caldav(handler)
    with pytest.raises(PreconditionFailed) as err:
        await api.put("personal", "u1.ics", b"x", etag='"stale"')
    assert err.value.current_etag == '"current"'
    assert err.value.current.etag == '"current"'


async def test_find_falls_back_to_a_uid_query_when_the_file_is_named_otherwise() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return sabre_error(404, "Sabre\\DAV\\Exception\\NotFound", "Calendar object not found")
        assert b"<cal:prop-filter" in request.content or b"prop-filter" in request.content
        data = ICS.format(uid="abc")
        return multistatus(
            response(
                HOME + "personal/OTHER.ics", f'<d:getetag>"e"</d:getetag><cal:calendar-data>{data}</cal:calendar-data>'
            )
        )

    api, _ = caldav(handler)
    found = await api.find("personal", "abc")
    assert found.name == "OTHER.ics"


async def test_find_of_a_missing_uid_raises_not_found() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return sabre_error(404, "Sabre\\DAV\\Exception\\NotFound", "Calendar object not found")
        return multistatus()

    api, _ = caldav(handler)
    with pytest.raises(NotFound):
        await api.find("personal", "nope")


async def test_a_refused_component_type_is_a_forbidden_error_with_sabres_message() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return sabre_error(
            403,
            "Sabre\\CalDAV\\Exception\\InvalidComponentType",
            "iCalendar objects must at least have a component of type VEVENT",
        )

    api, _ = caldav(handler)
    with pytest.raises(Forbidden) as err:
        await api.put("personal", "t.ics", b"x", create=True)
    assert "VEVENT" in err.value.detail


async def test_create_calendar_sends_mkcalendar_with_its_properties() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "MKCALENDAR":
            return httpx.Response(201)
        calendar = (
            "<d:resourcetype><d:collection/><cal:calendar/></d:resourcetype><d:displayname>Work</d:displayname>"
            '<cal:supported-calendar-component-set><cal:comp name="VTODO"/></cal:supported-calendar-component-set>'
        )
        return multistatus(response(HOME + "work/", calendar))

    api, seen = caldav(handler)
    info = await api.create_calendar("work", "Work", color="#112233", components=("VTODO",))
    mk = next(r for r in seen if r.method == "MKCALENDAR")
    assert mk.url.path == HOME + "work/"
    assert b"Work" in mk.content
    assert b"#112233" in mk.content
    assert b'name="VTODO"' in mk.content
    assert info.components == ["VTODO"]


@pytest.mark.parametrize("name", ["..", "a/b", "", "../bob"])
async def test_calendar_names_that_leave_the_home_are_refused_before_any_request(name: str) -> None:
    api, seen = caldav(lambda request: httpx.Response(500))
    with pytest.raises(UnsafePath):
        await api.query(name)
    assert [r for r in seen if r.method == "REPORT"] == []
