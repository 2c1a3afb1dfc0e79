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
  a `tasks` list (VTODO).
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote
from xml.sax.saxutils import escape

from tests.standin.core import Receive, Scope, Send, User, header, read_body, send_response

if TYPE_CHECKING:
    from tests.standin.core import StandIn

MOUNT = "/remote.php/dav/calendars"
PERSONAL_COLOR = "#0082c9"
TASKS_COLOR = "#795AAB"
_COMPONENT = re.compile(rb"^BEGIN:(VEVENT|VTODO|VJOURNAL)\r?$", re.M)
_XML_HEADERS = [("Content-Type", "application/xml; charset=utf-8")]

_SABRE_EXCEPTIONS = {
    400: ("Sabre\\DAV\\Exception\\BadRequest", "Bad request"),
    403: ("Sabre\\DAV\\Exception\\Forbidden", "Access denied"),
    404: ("Sabre\\DAV\\Exception\\NotFound", "Calendar object not found"),
    405: ("Sabre\\DAV\\Exception\\MethodNotAllowed", "The resource you tried to create already exists"),
    409: ("Sabre\\DAV\\Exception\\Conflict", "Conflict"),
    412: (
        "Sabre\\DAV\\Exception\\PreconditionFailed",
        "An If-Match header was specified, but none of the specified ETags matched.",
    ),
    415: ("Sabre\\DAV\\Exception\\UnsupportedMediaType", "Unsupported media type"),
    507: ("Sabre\\DAV\\Exception\\InsufficientStorage", "Insufficient storage"),
}


def sabre_error(exception: str, message: str, extra: str = "") -> bytes:
    """The XML body Sabre sends with an error status."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" xmlns:cal="urn:ietf:params:xml:ns:caldav">'
        f"<s:exception>{escape(exception)}</s:exception><s:message>{escape(message)}</s:message>{extra}"
        "</d:error>"
    ).encode()


class CalendarService:
    """CalDAV under /remote.php/dav/calendars/, served by Radicale behind a Nextcloud-shaped front."""

    def __init__(self, standin: StandIn) -> None:
        import radicale
        import radicale.config
        from a2wsgi import WSGIMiddleware

        self.folder = standin.data_dir / "caldav"
        (self.folder / "collection-root").mkdir(parents=True, exist_ok=True)
        logging.getLogger("radicale").setLevel(logging.ERROR)  # its 412/404 warnings are expected here
        configuration = radicale.config.load()
        configuration.update(
            {
                "server": {"delay_on_error": "0"},
                "auth": {"type": "http_x_remote_user", "delay": "0"},
                "rights": {"type": "owner_only"},
                "storage": {"filesystem_folder": str(self.folder), "_filesystem_fsync": "False"},
                "web": {"type": "none"},
            },
            "nextcloud stand-in",
            privileged=True,
        )
        self.asgi = WSGIMiddleware(radicale.Application(configuration), workers=4)  # type: ignore[arg-type]

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
        status, headers, payload = await self._radicale(scope, body, user)
        if method == "MKCALENDAR" and status == 409 and b"resource-must-be-null" in payload:
            status = 405
        if status >= 400:
            exception, message = _SABRE_EXCEPTIONS.get(status, ("Sabre\\DAV\\Exception", "Error"))
            if status == 412 and header(scope, "if-none-match"):
                message = "An If-None-Match header was specified, but the ETag matched (or * was specified)."
            await self._error(send, status, exception, message)
            return
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
        sent = False

        async def inner_receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        result: dict[str, Any] = {"status": 500, "headers": [], "body": []}

        async def inner_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                result["status"] = message["status"]
                result["headers"] = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message["headers"]]
            elif message["type"] == "http.response.body":
                result["body"].append(message.get("body", b""))

        await self.asgi(inner, inner_receive, inner_send)
        return result["status"], result["headers"], b"".join(result["body"])

    async def _error(self, send: Send, status: int, exception: str, message: str, extra: str = "") -> None:
        await send_response(send, status, sabre_error(exception, message, extra), _XML_HEADERS)


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
