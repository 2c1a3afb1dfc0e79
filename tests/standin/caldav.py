"""Calendars and task lists: a real Radicale mounted where Nextcloud serves CalDAV.

Radicale answers CalDAV itself (PROPFIND, REPORT with time ranges, MKCALENDAR, PROPPATCH,
PUT/GET/DELETE with ETags). The front below covers where Nextcloud (Sabre) differs:

- hrefs are Nextcloud's: /remote.php/dav/calendars/<user>/<calendar>/<object>.ics
  (Radicale takes the mount as its base prefix from SCRIPT_NAME);
- the front's authenticated user reaches Radicale through X-Remote-User (a client's own
  X-Remote-User is dropped) and only their own calendar home is visible (404 otherwise);
- a PROPFIND without Depth is Depth 1;
- a calendar refuses components outside its supported-calendar-component-set with 403
  and Sabre's `cal:supported-calendar-component` precondition (Radicale accepts them);
- MKCALENDAR on an existing calendar is 405, as in Sabre (Radicale says 409);
- errors carry Sabre's XML error body (`s:exception`, `s:message`);
- the calendar home also lists Nextcloud's scheduling inbox/outbox and trash bin, which
  are not calendars (clients must look at the resourcetype);
- each user gets `personal` (VEVENT only, like Nextcloud's first login) and, for tests,
  a `tasks` list (VTODO);
- Nextcloud's implicit scheduling (invitations, replies, iMIP) runs after a PUT or DELETE of
  an object: tests/standin/scheduling.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote
from xml.sax.saxutils import escape

from tests.standin.core import Receive, Scope, Send, User, header, read_body, send_response
from tests.standin.radicale_bridge import (
    IF_NONE_MATCH_FAILED,
    SABRE_EXCEPTIONS,
    radicale_configuration,
    run_asgi,
    send_sabre_error,
)
from tests.standin.scheduling import Scheduling

if TYPE_CHECKING:
    from tests.standin.core import StandIn

MOUNT = "/remote.php/dav/calendars"
PERSONAL_COLOR = "#0082c9"
TASKS_COLOR = "#795AAB"
_COMPONENT = re.compile(rb"^BEGIN:(VEVENT|VTODO|VJOURNAL)\r?$", re.M)
_CAL_XMLNS = ' xmlns:cal="urn:ietf:params:xml:ns:caldav"'

_SABRE_EXCEPTIONS = {
    **SABRE_EXCEPTIONS,
    404: ("Sabre\\DAV\\Exception\\NotFound", "Calendar object not found"),
    409: ("Sabre\\DAV\\Exception\\Conflict", "Conflict"),
    415: ("Sabre\\DAV\\Exception\\UnsupportedMediaType", "Unsupported media type"),
}


class CalendarService:
    """CalDAV under /remote.php/dav/calendars/, served by Radicale behind a Nextcloud-shaped front."""

    def __init__(self, standin: StandIn) -> None:
        import radicale
        from a2wsgi import WSGIMiddleware

        self.standin = standin
        self.folder = standin.data_dir / "caldav"
        configuration = radicale_configuration(
            self.folder, auth={"type": "http_x_remote_user"}, rights={"type": "owner_only"}
        )
        self.asgi = WSGIMiddleware(radicale.Application(configuration), workers=4)  # type: ignore[arg-type]
        self.scheduling = Scheduling(self)

    # -- provisioning ------------------------------------------------------------------
    def collection_dir(self, user_id: str, calendar: str) -> Path:
        return self.folder / "collection-root" / user_id / calendar

    def provision(self, user: User) -> None:
        """What Nextcloud creates at first login, plus a task list for tests."""
        self.create_collection(user.id, "personal", "Personal", "VEVENT", PERSONAL_COLOR)
        self.create_collection(user.id, "tasks", "Tasks", "VTODO", TASKS_COLOR)

    def create_collection(self, user_id: str, name: str, display_name: str, components: str, color: str) -> None:
        path = self.collection_dir(user_id, name)
        if path.exists():
            return
        path.mkdir(parents=True)
        props = {
            "tag": "VCALENDAR",
            "D:displayname": display_name,
            "C:supported-calendar-component-set": components,
            "ICAL:calendar-color": color,
        }
        (path / ".Radicale.props").write_text(json.dumps(props), encoding="utf-8")

    def supported_components(self, user_id: str, calendar: str) -> list[str] | None:
        """The component set of a calendar, or None when it does not exist or is not a calendar."""
        props_file = self.collection_dir(user_id, calendar) / ".Radicale.props"
        try:
            props = json.loads(props_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if props.get("tag") != "VCALENDAR":
            return None
        value = props.get("C:supported-calendar-component-set") or "VEVENT,VTODO,VJOURNAL"
        return [item.strip() for item in value.split(",") if item.strip()]

    # -- requests ----------------------------------------------------------------------
    async def handle(self, scope: Scope, receive: Receive, send: Send, user: User) -> None:
        body = await read_body(receive)
        method: str = scope["method"]
        rest = scope["path"][len(MOUNT) :]
        names = [unquote(part) for part in rest.split("/") if part]
        if names and names[0] != user.id:
            await self._error(send, 404, "Sabre\\DAV\\Exception\\NotFound", f"Principal with name {names[0]} not found")
            return
        if method == "PUT" and len(names) == 3:
            allowed = self.supported_components(user.id, names[1])
            found = {match.decode() for match in _COMPONENT.findall(body)}
            if allowed is not None and found and not found <= set(allowed):
                await self._error(
                    send,
                    403,
                    "Sabre\\CalDAV\\Exception\\InvalidComponentType",
                    "iCalendar objects must at least have a component of type " + ", ".join(allowed),
                    "<cal:supported-calendar-component/>",
                )
                return
        before = self.scheduling.before(user, method, names)
        status, headers, payload = await self._radicale(scope, body, user)
        if method == "MKCALENDAR" and status == 409 and b"resource-must-be-null" in payload:
            status = 405
        if status >= 400:
            exception, message = _SABRE_EXCEPTIONS.get(status, ("Sabre\\DAV\\Exception", "Error"))
            if status == 412 and header(scope, "if-none-match"):
                message = IF_NONE_MATCH_FAILED
            await self._error(send, status, exception, message)
            return
        if method in ("PUT", "DELETE") and len(names) == 3:
            from tests.standin.apps.webhook_listeners import report_calendar_change

            report_calendar_change(self.standin, user, method, status, names[1], names[2], body)
            headers = await self.scheduling.after(user, method, status, names, before, body, headers)
        if method == "PROPFIND" and status == 207 and len(names) == 1:
            payload = _with_home_extras(payload, body, names[0])
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        await send_response(send, status, payload, headers)

    async def _radicale(self, scope: Scope, body: bytes, user: User) -> tuple[int, list[tuple[str, str]], bytes]:
        """Run one request through Radicale as `user`; return its whole response."""
        drop = {b"x-remote-user", b"x-script-name", b"authorization", b"accept-encoding"}
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() not in drop]
        headers.append((b"x-remote-user", user.id.encode()))
        if scope["method"] == "PROPFIND" and header(scope, "depth") is None:
            headers.append((b"depth", b"1"))
        inner = {**scope, "root_path": MOUNT, "headers": headers}
        return await run_asgi(self.asgi, inner, body)

    async def _error(self, send: Send, status: int, exception: str, message: str, extra: str = "") -> None:
        await send_sabre_error(send, status, exception, message, extra, _CAL_XMLNS)


_HOME_EXTRAS = (
    ("inbox", "<d:collection/><cal:schedule-inbox/>"),
    ("outbox", "<d:collection/><cal:schedule-outbox/>"),
    ("trashbin", "<d:collection/><nc:trash-bin/>"),
)


def _with_home_extras(payload: bytes, request_body: bytes, user_id: str) -> bytes:
    """Add the non-calendar collections Nextcloud lists in a calendar home."""
    if b"multistatus" not in payload or b"</" not in payload:
        return payload
    wants_type = not request_body.strip() or b"resourcetype" in request_body or b"allprop" in request_body
    if not wants_type:
        return payload
    extra = "".join(
        f'<d:response xmlns:d="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav" xmlns:nc="http://nextcloud.org/ns">'
        f"<d:href>{MOUNT}/{escape(user_id)}/{name}/</d:href><d:propstat><d:prop>"
        f"<d:resourcetype>{kinds}</d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>"
        "</d:response>"
        for name, kinds in _HOME_EXTRAS
    ).encode()
    end = payload.rfind(b"</")
    return payload[:end] + extra + payload[end:]
