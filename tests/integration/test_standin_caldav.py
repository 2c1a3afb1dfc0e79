"""The stand-in's CalDAV behaves as Nextcloud's: paths, provisioned calendars, component sets,
ETag preconditions, Sabre error bodies, discovery. Raw HTTP only (no MCP, no product code)."""

from __future__ import annotations

import uuid
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree as ET

CALS = "/remote.php/dav/calendars"
D, C = "{DAV:}", "{urn:ietf:params:xml:ns:caldav}"
PROPS = (
    b'<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav" '
    b'xmlns:cs="http://calendarserver.org/ns/" xmlns:x1="http://apple.com/ns/ical/"><d:prop><d:resourcetype/>'
    b"<d:displayname/><cs:getctag/><d:sync-token/><x1:calendar-color/><cal:supported-calendar-component-set/>"
    b"</d:prop></d:propfind>"
)


def ics(component: str, uid: str, summary: str = "x") -> bytes:
    dates = "DTSTART:20260101T100000Z\r\n" if component == "VEVENT" else ""
    return (
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:{component}\r\nUID:{uid}\r\n"
        f"DTSTAMP:20260101T000000Z\r\n{dates}SUMMARY:{summary}\r\nEND:{component}\r\nEND:VCALENDAR\r\n"
    ).encode()


@pytest.fixture(scope="module")
def calendars(nc_user) -> dict[str, Element]:
    with nc_user.raw() as raw:
        response = raw.request("PROPFIND", f"{CALS}/{nc_user.id}/", content=PROPS)  # no Depth: Depth 1
    assert response.status_code == 207, response.text
    found = {}
    for item in ET.fromstring(response.content).findall(f"{D}response"):
        found[item.findtext(f"{D}href")] = item
    return found


def test_calendar_home_lists_personal_and_tasks_under_nextcloud_hrefs(nc_user, calendars) -> None:
    personal = calendars[f"{CALS}/{nc_user.id}/personal/"]
    tasks = calendars[f"{CALS}/{nc_user.id}/tasks/"]
    assert personal.findtext(f".//{D}displayname") == "Personal"
    assert [c.get("name") for c in personal.iter(f"{C}comp")] == ["VEVENT"]
    assert [c.get("name") for c in tasks.iter(f"{C}comp")] == ["VTODO"]
    assert personal.findtext(".//{http://apple.com/ns/ical/}calendar-color")
    assert personal.findtext(".//{http://calendarserver.org/ns/}getctag")
    assert personal.findtext(f".//{D}sync-token")


def test_calendar_home_also_lists_inbox_outbox_and_trashbin_which_are_not_calendars(nc_user, calendars) -> None:
    for name in ("inbox", "outbox", "trashbin"):
        item = calendars[f"{CALS}/{nc_user.id}/{name}/"]
        assert item.find(f".//{C}calendar") is None


def test_personal_calendar_refuses_a_vtodo_with_sabres_precondition(nc_user) -> None:
    uid = uuid.uuid4().hex
    with nc_user.raw() as raw:
        response = raw.put(f"{CALS}/{nc_user.id}/personal/{uid}.ics", content=ics("VTODO", uid))
        missing = raw.get(f"{CALS}/{nc_user.id}/personal/{uid}.ics")
    assert response.status_code == 403
    assert b"<cal:supported-calendar-component/>" in response.content
    assert b"Sabre\\CalDAV\\Exception\\InvalidComponentType" in response.content
    assert missing.status_code == 404


def test_tasks_list_accepts_a_vtodo_and_returns_its_etag(nc_user) -> None:
    uid = uuid.uuid4().hex
    href = f"{CALS}/{nc_user.id}/tasks/{uid}.ics"
    with nc_user.raw() as raw:
        created = raw.put(href, content=ics("VTODO", uid), headers={"If-None-Match": "*"})
        got = raw.get(href)
    assert created.status_code == 201
    assert got.headers["ETag"] == created.headers["ETag"]
    assert f"UID:{uid}" in got.text


def test_if_match_mismatch_is_412_and_if_none_match_on_existing_is_412(nc_user) -> None:
    uid = uuid.uuid4().hex
    href = f"{CALS}/{nc_user.id}/personal/{uid}.ics"
    with nc_user.raw() as raw:
        first = raw.put(href, content=ics("VEVENT", uid))
        stale = raw.put(href, content=ics("VEVENT", uid, "b"), headers={"If-Match": '"not-it"'})
        again = raw.put(href, content=ics("VEVENT", uid, "c"), headers={"If-None-Match": "*"})
        fresh = raw.put(href, content=ics("VEVENT", uid, "d"), headers={"If-Match": first.headers["ETag"]})
        delete_stale = raw.delete(href, headers={"If-Match": first.headers["ETag"]})
    assert stale.status_code == 412
    assert b"Sabre\\DAV\\Exception\\PreconditionFailed" in stale.content
    assert again.status_code == 412
    assert fresh.status_code == 204
    assert delete_stale.status_code == 412


def test_missing_object_is_404_with_a_sabre_body(nc_user) -> None:
    with nc_user.raw() as raw:
        response = raw.get(f"{CALS}/{nc_user.id}/personal/none.ics")
    assert response.status_code == 404
    assert b"Sabre\\DAV\\Exception\\NotFound" in response.content


def test_another_users_calendar_home_is_not_found(nc_user, standin) -> None:
    standin.add_user("ucaldavother", "pw-other")
    with nc_user.raw() as raw:
        response = raw.request("PROPFIND", f"{CALS}/ucaldavother/", headers={"Depth": "1"})
    assert response.status_code == 404


def test_mkcalendar_creates_with_props_refuses_a_taken_name_and_delete_removes_it(nc_user) -> None:
    name = f"c{uuid.uuid4().hex[:8]}"
    body = (
        b'<?xml version="1.0"?><cal:mkcalendar xmlns:d="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav" '
        b'xmlns:x1="http://apple.com/ns/ical/"><d:set><d:prop><d:displayname>Club</d:displayname>'
        b"<x1:calendar-color>#123456</x1:calendar-color><cal:supported-calendar-component-set>"
        b'<cal:comp name="VEVENT"/></cal:supported-calendar-component-set></d:prop></d:set></cal:mkcalendar>'
    )
    href = f"{CALS}/{nc_user.id}/{name}/"
    with nc_user.raw() as raw:
        created = raw.request("MKCALENDAR", href, content=body)
        taken = raw.request("MKCALENDAR", href, content=body)
        found = raw.request("PROPFIND", href, headers={"Depth": "0"}, content=PROPS)
        deleted = raw.delete(href)
        gone = raw.request("PROPFIND", href, headers={"Depth": "0"}, content=PROPS)
    assert created.status_code == 201
    assert taken.status_code == 405
    assert b"Club" in found.content
    assert b"#123456" in found.content
    assert deleted.status_code in (200, 204)
    assert gone.status_code == 404


def test_discovery_leads_from_the_dav_root_to_the_calendar_home(nc_user) -> None:
    with nc_user.raw() as raw:
        root = raw.request("PROPFIND", "/remote.php/dav/", headers={"Depth": "0"})
        principal = ET.fromstring(root.content).findtext(f".//{D}current-user-principal/{D}href")
        found = raw.request("PROPFIND", principal, headers={"Depth": "0"})
    home = ET.fromstring(found.content).findtext(f".//{C}calendar-home-set/{D}href")
    assert home == f"{CALS}/{nc_user.id}/"


def test_a_client_cannot_pick_its_radicale_user_with_x_remote_user(nc_user, standin) -> None:
    standin.add_user("ucaldavvictim", "pw-victim")
    with nc_user.raw() as raw:
        response = raw.request(
            "PROPFIND", f"{CALS}/{nc_user.id}/", headers={"Depth": "1", "X-Remote-User": "ucaldavvictim"}
        )
    assert response.status_code == 207
    assert b"ucaldavvictim" not in response.content
