"""CalDAV against Nextcloud: discovery, calendars, and calendar objects with ETags.

Why: Nextcloud's CalDAV (Sabre) is found by discovery (DAV root -> current-user-principal
-> calendar-home-set), lists non-calendar collections (inbox, outbox, trash bin) in the
home, and answers writes with ETags that make concurrent edits safe. This module knows
those URLs, headers and XML bodies; it returns typed objects and raises the shared
error types, and knows nothing of MCP. Calendars are named by their URL segment
(`personal`), objects by their file name (`<uid>.ics`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit
from xml.etree.ElementTree import Element

from nextcloud_mcp_server.nextcloud import errors
from nextcloud_mcp_server.nextcloud.dav import (
    APPLE,
    CALDAV,
    CALSERVER,
    DAV,
    DavResponse,
    element,
    parse_multistatus,
    qname,
    serialize,
)
from nextcloud_mcp_server.nextcloud.discovery import discover_home, propfind
from nextcloud_mcp_server.nextcloud.paths import UnsafePath, split_user_path

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

XML = {"Content-Type": "application/xml; charset=utf-8"}
ICS = {"Content-Type": "text/calendar; charset=utf-8"}
CALENDAR_PROPS = [
    (DAV, "resourcetype"),
    (DAV, "displayname"),
    (APPLE, "calendar-color"),
    (CALDAV, "calendar-description"),
    (CALDAV, "supported-calendar-component-set"),
    (CALSERVER, "getctag"),
    (DAV, "sync-token"),
]


@dataclass
class CalendarInfo:
    """One calendar or task list in the user's calendar home."""

    name: str
    href: str
    display_name: str
    color: str | None = None
    description: str | None = None
    components: list[str] = field(default_factory=list)
    ctag: str | None = None
    sync_token: str | None = None

    def supports(self, component: str) -> bool:
        return not self.components or component in self.components


@dataclass
class CalendarObject:
    """One .ics resource: its calendar, file name, href, ETag and iCalendar text."""

    calendar: str
    name: str
    href: str
    etag: str | None
    data: str


def calendar_segment(name: str, argument: str = "calendar_name") -> str:
    """A calendar's URL segment, refused if it is empty or would leave the calendar home."""
    names = split_user_path(name, allow_root=False)
    if len(names) != 1:
        raise UnsafePath(f"{argument} must be one calendar name such as 'personal', not a path")
    return quote(names[0], safe="")


def utc_stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


class CalDAV:
    """CalDAV for one NextcloudClient (the calendar home is discovered once and cached)."""

    def __init__(self, client: NextcloudClient) -> None:
        self.client = client
        self._home: str | None = None

    # -- discovery ---------------------------------------------------------------------
    async def home(self) -> str:
        """The calendar home path, e.g. '/remote.php/dav/calendars/alice/'."""
        if self._home is None:
            self._home = await discover_home(
                self.client,
                (CALDAV, "calendar-home-set"),
                no_principal="the DAV root did not name the current user's principal",
                no_home="the principal has no calendar-home-set; is the Calendar app enabled?",
            )
        return self._home

    async def calendar_path(self, name: str) -> str:
        return await self.home() + calendar_segment(name) + "/"

    async def object_path(self, calendar: str, object_name: str) -> str:
        if not object_name or "/" in object_name or object_name in (".", ".."):
            raise UnsafePath(f"{object_name!r} is not a calendar object name")
        return await self.calendar_path(calendar) + quote(object_name, safe="@")

    # -- calendars ---------------------------------------------------------------------
    async def list_calendars(self) -> list[CalendarInfo]:
        """Every calendar and task list of the user (inbox, outbox and trash bin are left out)."""
        home = await self.home()
        found = await self._propfind(home, CALENDAR_PROPS, depth="1")
        return [
            _calendar_info(item) for item in found if qname(CALDAV, "calendar") in item.child_names(DAV, "resourcetype")
        ]

    async def get_calendar(self, name: str) -> CalendarInfo:
        found = await self._propfind(await self.calendar_path(name), CALENDAR_PROPS, depth="0")
        for item in found:
            if qname(CALDAV, "calendar") in item.child_names(DAV, "resourcetype"):
                return _calendar_info(item)
        raise errors.not_found(f"calendar {name!r}", "a collection, but not a calendar")

    async def create_calendar(
        self,
        name: str,
        display_name: str,
        *,
        description: str = "",
        color: str = "",
        components: tuple[str, ...] = ("VEVENT", "VTODO"),
    ) -> CalendarInfo:
        """MKCALENDAR with its properties (405 when the name is taken)."""
        root = element(CALDAV, "mkcalendar")
        prop = element(DAV, "prop", element(DAV, "set", root))
        element(DAV, "displayname", prop, display_name)
        if description:
            element(CALDAV, "calendar-description", prop, description)
        if color:
            element(APPLE, "calendar-color", prop, color)
        comp_set = element(CALDAV, "supported-calendar-component-set", prop)
        for comp in components:
            element(CALDAV, "comp", comp_set).set("name", comp)
        await self.client.request("MKCALENDAR", await self.calendar_path(name), headers=XML, content=serialize(root))
        return await self.get_calendar(name)

    async def update_calendar(
        self, name: str, *, display_name: str | None = None, description: str | None = None, color: str | None = None
    ) -> CalendarInfo:
        """PROPPATCH the display name, description or color."""
        root = element(DAV, "propertyupdate")
        prop = element(DAV, "prop", element(DAV, "set", root))
        for namespace, local, value in (
            (DAV, "displayname", display_name),
            (CALDAV, "calendar-description", description),
            (APPLE, "calendar-color", color),
        ):
            if value is not None:
                element(namespace, local, prop, value)
        response = await self.client.request(
            "PROPPATCH", await self.calendar_path(name), headers=XML, content=serialize(root)
        )
        if response.status_code == 207:
            for item in parse_multistatus(response.content):
                if item.status >= 400:
                    raise errors.error_for(item.status, "a calendar property was refused")
        return await self.get_calendar(name)

    async def delete_calendar(self, name: str) -> None:
        await self.client.request("DELETE", await self.calendar_path(name))

    # -- objects -----------------------------------------------------------------------
    async def query(
        self,
        calendar: str,
        component: str = "VEVENT",
        *,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        uid: str | None = None,
    ) -> list[CalendarObject]:
        """calendar-query REPORT: the objects with `component`, optionally overlapping [start, end)."""
        root = element(CALDAV, "calendar-query")
        prop = element(DAV, "prop", root)
        element(DAV, "getetag", prop)
        element(CALDAV, "calendar-data", prop)
        outer = element(CALDAV, "comp-filter", element(CALDAV, "filter", root))
        outer.set("name", "VCALENDAR")
        inner = element(CALDAV, "comp-filter", outer)
        inner.set("name", component)
        if start is not None or end is not None:
            time_range = element(CALDAV, "time-range", inner)
            if start is not None:
                time_range.set("start", utc_stamp(start))
            if end is not None:
                time_range.set("end", utc_stamp(end))
        if uid is not None:
            text_match = element(CALDAV, "text-match", _prop_filter(inner, "UID"), uid)
            text_match.set("collation", "i;octet")
        path = await self.calendar_path(calendar)
        response = await self.client.request(
            "REPORT", path, headers={**XML, "Depth": "1"}, content=serialize(root), ok=(207,)
        )
        objects = []
        for item in parse_multistatus(response.content):
            data = item.text(CALDAV, "calendar-data")
            if data is None or item.status >= 400:
                continue
            objects.append(_object(calendar, item.href, item.text(DAV, "getetag"), data))
        return objects

    async def get(self, calendar: str, object_name: str) -> CalendarObject:
        path = await self.object_path(calendar, object_name)
        response = await self.client.request("GET", path)
        return _object(calendar, path, response.headers.get("ETag"), response.text)

    async def find(self, calendar: str, uid: str, component: str = "VEVENT") -> CalendarObject:
        """The object holding `uid`: `<uid>.ics` (what most clients write) or found by a UID query."""
        try:
            found = await self.get(calendar, f"{uid}.ics")
            if _has_uid(found.data, uid):
                return found
        except (errors.NotFound, UnsafePath):
            pass
        for candidate in await self.query(calendar, component, uid=uid):
            if _has_uid(candidate.data, uid):
                return candidate
        raise errors.not_found(f"{component} UID {uid!r} in calendar {calendar!r}")

    async def put(
        self, calendar: str, object_name: str, data: bytes, *, etag: str | None = None, create: bool = False
    ) -> str | None:
        """Write an object: create-only with If-None-Match: *, or only over `etag` with If-Match.

        Returns the new ETag (None if Nextcloud did not send one). A 412 is raised with the
        object's current ETag, so the caller can re-read and retry.
        """
        path = await self.object_path(calendar, object_name)
        headers = dict(ICS)
        if create:
            headers["If-None-Match"] = "*"
        elif etag:
            headers["If-Match"] = etag
        try:
            response = await self.client.request("PUT", path, headers=headers, content=data)
        except errors.PreconditionFailed as exc:
            raise await self._conflict(calendar, object_name, exc) from None
        written: str | None = response.headers.get("ETag")
        return written

    async def delete(self, calendar: str, object_name: str, *, etag: str | None = None) -> None:
        path = await self.object_path(calendar, object_name)
        try:
            await self.client.request("DELETE", path, headers={"If-Match": etag} if etag else None)
        except errors.PreconditionFailed as exc:
            raise await self._conflict(calendar, object_name, exc) from None

    async def move(self, calendar: str, object_name: str, target: str) -> str:
        """MOVE an object into another calendar of the user under the same name; returns its new path.

        A move is not a new event: Sabre's scheduling ignores a MOVE (where a PUT there and a DELETE
        here would invite and cancel again). A name taken in `target` is refused (DestinationExists).
        """
        source = await self.object_path(calendar, object_name)
        destination = await self.object_path(target, object_name)
        headers = {"Destination": self.client.url(destination), "Overwrite": "F"}
        try:
            await self.client.request("MOVE", source, headers=headers)
        except errors.PreconditionFailed as exc:
            raise errors.DestinationExists(f"{target}/{object_name}", exc.detail) from None
        return destination

    async def _conflict(
        self, calendar: str, object_name: str, exc: errors.PreconditionFailed
    ) -> errors.PreconditionFailed:
        """Sabre's 412 carries no ETag: read the object to report its current version."""
        try:
            current = await self.get(calendar, object_name)
        except errors.NotFound:
            return errors.PreconditionFailed(exc.detail, current_etag=None)
        return errors.PreconditionFailed(exc.detail, current_etag=current.etag, current=current)

    async def _propfind(self, path: str, props: list[tuple[str, str]], *, depth: str) -> list[DavResponse]:
        return await propfind(self.client, path, props, depth)


def _prop_filter(parent: Element, name: str) -> Element:
    prop_filter = element(CALDAV, "prop-filter", parent)
    prop_filter.set("name", name)
    return prop_filter


def _segment(href: str) -> str:
    return unquote(urlsplit(href).path.rstrip("/").rsplit("/", 1)[-1])


def _calendar_info(item: DavResponse) -> CalendarInfo:
    comp_set = item.props.get(qname(CALDAV, "supported-calendar-component-set"))
    components = [] if comp_set is None else [c.get("name", "") for c in comp_set if c.get("name")]
    name = _segment(item.href)
    return CalendarInfo(
        name=name,
        href=urlsplit(item.href).path,
        display_name=item.text(DAV, "displayname") or name,
        color=item.text(APPLE, "calendar-color") or None,
        description=item.text(CALDAV, "calendar-description") or None,
        components=components,
        ctag=item.text(CALSERVER, "getctag") or None,
        sync_token=item.text(DAV, "sync-token") or None,
    )


def _object(calendar: str, href: str, etag: str | None, data: str) -> CalendarObject:
    return CalendarObject(calendar=calendar, name=_segment(href), href=urlsplit(href).path, etag=etag, data=data)


def _has_uid(data: str, uid: str) -> bool:
    unfolded = data.replace("\r\n ", "").replace("\n ", "")
    return any(line.strip() == f"UID:{uid}" for line in unfolded.splitlines())
