"""Nextcloud's webhook_listeners app: the OCS API to register webhooks, and their delivery.

Registration (`/ocs/v2.php/apps/webhook_listeners/api/v1/webhooks`, admins only) answers with
the WebhookInfo shape of the app's OpenAPI document. Delivery follows the admin manual: when a
file, note (a file too) or calendar object changes, each matching registration gets a POST of
`{"event": {"class": ..., ...}, "user": {"uid", "displayName"}, "time": <unix>}` as JSON
*without* a Content-Type header, with the registration's headers (and its auth headers for
`authMethod: header`), a 3 s timeout, one at a time from a background worker (Nextcloud sends
from a background job, never inside the user's request). `wait_delivered(n)` lets tests wait
for the n-th attempt without sleeping.
"""

from __future__ import annotations

import json
import queue
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from tests.standin.core import Receive, Scope, Send, User, header, read_body
from tests.standin.ocs import ocs_error, ocs_reply

if TYPE_CHECKING:
    from tests.standin.core import StandIn

API = "apps/webhook_listeners/api/v1/webhooks"
NODE = "OCP\\Files\\Events\\Node\\"
CALENDAR = "OCP\\Calendar\\Events\\"
TIMEOUT_S = 3.0


@dataclass
class Registration:
    id: int
    user_id: str
    http_method: str
    uri: str
    event: str
    event_filter: dict[str, Any] | None = None
    user_id_filter: str | None = None
    headers: dict[str, str] | None = None
    auth_method: str = "none"
    auth_data: dict[str, str] | None = None
    app_id: str | None = None

    def info(self) -> dict[str, Any]:
        """WebhookInfo as the OCS API returns it (auth data is never echoed)."""
        info: dict[str, Any] = {
            "id": str(self.id),
            "userId": self.user_id,
            "httpMethod": self.http_method,
            "uri": self.uri,
            "event": self.event,
            "authMethod": self.auth_method,
        }
        if self.event_filter:
            info["eventFilter"] = self.event_filter
        if self.user_id_filter:
            info["userIdFilter"] = self.user_id_filter
        if self.headers:
            info["headers"] = self.headers
        return info


@dataclass
class Delivery:
    uri: str
    body: dict[str, Any]
    status: int | None
    error: str | None = None


@dataclass
class _Deliveries:
    done: list[Delivery] = field(default_factory=list)
    cond: threading.Condition = field(default_factory=threading.Condition)


def _lookup(envelope: dict[str, Any], dotted: str) -> Any:
    value: Any = envelope
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


_NODE = "OCP\\Files\\Events\\Node\\"
_CALENDAR = "OCP\\Calendar\\Events\\"
WEBHOOK_COMPATIBLE_EVENTS = frozenset(
    {
        *(
            _NODE + name
            for name in (
                "BeforeNodeCreatedEvent", "BeforeNodeTouchedEvent", "BeforeNodeWrittenEvent", "BeforeNodeReadEvent",
                "BeforeNodeDeletedEvent", "NodeCreatedEvent", "NodeTouchedEvent", "NodeWrittenEvent",
                "NodeDeletedEvent", "NodeCopiedEvent", "NodeRenamedEvent", "NodeRestoredEvent",
                "BeforeNodeCopiedEvent", "BeforeNodeRestoredEvent", "BeforeNodeRenamedEvent",
            )
        ),
        "OCP\\SystemTag\\TagAssignedEvent",
        "OCP\\SystemTag\\TagUnassignedEvent",
        *(
            _CALENDAR + name
            for name in (
                "CalendarObjectCreatedEvent", "CalendarObjectDeletedEvent", "CalendarObjectMovedToTrashEvent",
                "CalendarObjectRestoredEvent", "CalendarObjectUpdatedEvent", "CalendarObjectMovedEvent",
            )
        ),
    }
)  # fmt: skip
"""The core events the admin manual lists as webhook-compatible; webhook_listeners refuses any other
class ("... is not an event class compatible with webhooks", IWebhookCompatibleEvent)."""


def incompatible_event(event: str) -> str | None:
    """Nextcloud's refusal for an event class that is not webhook-compatible, else None."""
    event = event.lstrip("\\")
    if event in WEBHOOK_COMPATIBLE_EVENTS:
        return None
    return f"{event} is not an event class compatible with webhooks"


def filter_matches(event_filter: dict[str, Any] | None, envelope: dict[str, Any]) -> bool:
    """The admin manual's filters: dot-notation keys, equality, or a `/regex/` for strings."""
    for key, expected in (event_filter or {}).items():
        actual = _lookup(envelope, key)
        if isinstance(expected, str) and len(expected) > 1 and expected.startswith("/") and expected.endswith("/"):
            if not isinstance(actual, str) or re.search(expected[1:-1], actual) is None:
                return False
        elif actual != expected:
            return False
    return True


class WebhookListenersService:
    """The OCS API of webhook_listeners and the delivery worker."""

    def __init__(self, standin: StandIn) -> None:
        self.standin = standin
        self.admins: set[str] = {"admin"}
        self.registrations: dict[int, Registration] = {}
        self._next_id = 1
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[Registration, dict[str, Any]]] = queue.Queue()
        self.deliveries = _Deliveries()
        threading.Thread(target=self._worker, daemon=True, name="standin-webhooks").start()

    def provision(self, user: User) -> None:
        return None

    # -- OCS API ---------------------------------------------------------------------------
    async def handle(self, scope: Scope, receive: Receive, send: Send, user: User) -> None:
        body = await read_body(receive)
        if header(scope, "ocs-apirequest") != "true":
            await ocs_error(scope, send, 401, "CSRF check failed")
            return
        if user.id not in self.admins:
            await ocs_error(scope, send, 403, "Logged in account must be an admin")
            return
        rest = scope["path"].split(API, 1)[1].strip("/") if API in scope["path"] else None
        method = scope["method"]
        if rest is None:
            await ocs_error(scope, send, 404, "Not found")
        elif rest == "" and method == "GET":
            uri = parse_qs(scope.get("query_string", b"").decode()).get("uri", [None])[0]
            found = [r.info() for r in self.registrations.values() if uri is None or r.uri == uri]
            await ocs_reply(scope, send, 200, found)
        elif rest == "" and method == "POST":
            await self._save(scope, send, user, None, body)
        elif rest.startswith("byappid/") and method == "DELETE":
            app_id = rest.split("/", 1)[1]
            with self._lock:
                gone = [i for i, r in self.registrations.items() if r.app_id == app_id]
                for registration_id in gone:
                    del self.registrations[registration_id]
            await ocs_reply(scope, send, 200, len(gone))
        elif rest.isdigit():
            registration = self.registrations.get(int(rest))
            if registration is None:
                await ocs_error(scope, send, 404, "Webhook not found")
            elif method == "GET":
                await ocs_reply(scope, send, 200, registration.info())
            elif method == "POST":
                await self._save(scope, send, user, registration.id, body)
            elif method == "DELETE":
                with self._lock:
                    self.registrations.pop(registration.id, None)
                await ocs_reply(scope, send, 200, True)
            else:
                await ocs_error(scope, send, 405, "Method not allowed")
        else:
            await ocs_error(scope, send, 405 if rest == "" else 404, "Not found")

    async def _save(self, scope: Scope, send: Send, user: User, registration_id: int | None, body: bytes) -> None:
        ctype = header(scope, "content-type") or ""
        try:
            if "json" in ctype:
                params = json.loads(body or b"{}")
            else:
                params = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        except (ValueError, UnicodeDecodeError):
            await ocs_error(scope, send, 400, "Invalid request body")
            return
        http_method = str(params.get("httpMethod") or "")
        uri = str(params.get("uri") or "")
        event = str(params.get("event") or "")
        auth_method = str(params.get("authMethod") or "none")
        if http_method not in ("POST", "PUT", "GET") or not uri.startswith(("http://", "https://")) or not event:
            await ocs_error(scope, send, 400, "Invalid httpMethod, uri or event")
            return
        if auth_method not in ("none", "header"):
            await ocs_error(scope, send, 400, "Invalid authMethod")
            return
        if (refusal := incompatible_event(event)) is not None:
            await ocs_error(scope, send, 400, refusal)
            return
        with self._lock:
            if registration_id is None:
                registration_id = self._next_id
                self._next_id += 1
            registration = Registration(
                id=registration_id,
                user_id=user.id,
                http_method=http_method,
                uri=uri,
                event=event,
                event_filter=params.get("eventFilter") or None,
                user_id_filter=params.get("userIdFilter") or None,
                headers=params.get("headers") or None,
                auth_method=auth_method,
                auth_data=params.get("authData") or None,
                app_id=header(scope, "ex-app-id"),
            )
            self.registrations[registration_id] = registration
        await ocs_reply(scope, send, 200, registration.info())

    # -- events ----------------------------------------------------------------------------
    def emit(self, user: User | None, event: dict[str, Any]) -> None:
        """Queue the event for every matching registration (called by the other parts on a change)."""
        envelope = {
            "event": event,
            "user": {"uid": user.id, "displayName": user.display_name or user.id} if user else None,
            "time": int(time.time()),
        }
        for registration in list(self.registrations.values()):
            if registration.event != event["class"]:
                continue
            if registration.user_id_filter and (user is None or user.id != registration.user_id_filter):
                continue
            if filter_matches(registration.event_filter, envelope):
                self._queue.put((registration, envelope))

    def node(self, user: User, event_class: str, path: Path, *, source: Path | None = None) -> None:
        """A node event for a path under the user's files (source/target for renames and copies)."""
        target = self._node(user, path)
        if source is None:
            self.emit(user, {"class": NODE + event_class, "node": target})
        else:
            self.emit(user, {"class": NODE + event_class, "source": self._node(user, source), "target": target})

    def _node(self, user: User, path: Path) -> dict[str, Any]:
        rel = path.relative_to(self.standin.files_root(user)).as_posix()
        node: dict[str, Any] = {"path": f"/{user.id}/files/{rel}"}
        if path.exists():
            node["id"] = self.standin.file_id(path)
        return node

    def calendar_object(self, user: User, event_class: str, calendar: str, object_uri: str, component: str) -> None:
        self.emit(
            user,
            {
                "class": CALENDAR + event_class,
                "calendarId": abs(hash((user.id, calendar))) % 10**6,
                # The calendar's row as CalDavBackend returns it, owner included (principaluri).
                "calendarData": {
                    "id": abs(hash((user.id, calendar))) % 10**6,
                    "uri": calendar,
                    "principaluri": f"principals/users/{user.id}",
                },
                "shares": [],
                "objectData": {"uri": object_uri, "lastmodified": int(time.time()), "component": component},
            },
        )

    # -- delivery --------------------------------------------------------------------------
    def _worker(self) -> None:
        import httpx

        with httpx.Client(timeout=TIMEOUT_S) as client:
            while True:
                registration, envelope = self._queue.get()
                headers = dict(registration.headers or {})
                if registration.auth_method == "header":
                    headers.update(registration.auth_data or {})
                body = json.dumps(envelope).encode()
                try:  # `content=` bytes: no Content-Type header, as webhook_listeners sends it
                    response = client.request(registration.http_method, registration.uri, content=body, headers=headers)
                    done = Delivery(registration.uri, envelope, response.status_code)
                except httpx.HTTPError as exc:
                    done = Delivery(registration.uri, envelope, None, type(exc).__name__)
                with self.deliveries.cond:
                    self.deliveries.done.append(done)
                    self.deliveries.cond.notify_all()

    def wait_delivered(self, count: int, *, to: str | None = None, timeout: float = 10.0) -> list[Delivery]:
        """Block until `count` deliveries (to the URI `to`, if given) were attempted; those deliveries."""

        def matching() -> list[Delivery]:
            return [d for d in self.deliveries.done if to is None or d.uri == to]

        with self.deliveries.cond:
            if not self.deliveries.cond.wait_for(lambda: len(matching()) >= count, timeout):
                raise TimeoutError(f"{len(matching())} of {count} webhook deliveries attempted")
            return matching()


def hooks(standin: StandIn) -> WebhookListenersService | None:
    """The webhooks part, for the other parts to report changes to (None when not mounted)."""
    service = standin.services.get("webhooks")
    return service if isinstance(service, WebhookListenersService) else None


def report_dav_change(files: Any, scope: Scope, user: User, method: str, fp: Path, existed: bool) -> None:
    """Turn a successful WebDAV write into the node event Nextcloud fires for it."""
    service = hooks(files.standin)
    if service is None or not service.registrations:
        return
    if method == "PUT":
        service.node(user, "NodeWrittenEvent" if existed else "NodeCreatedEvent", fp)
    elif method == "MKCOL":
        service.node(user, "NodeCreatedEvent", fp)
    elif method == "DELETE":
        service.node(user, "NodeDeletedEvent", fp)
    elif method in ("MOVE", "COPY"):
        for rel in files._destination_rels(scope, user):
            target = files.locate(user, rel)
            service.node(user, "NodeRenamedEvent" if method == "MOVE" else "NodeCopiedEvent", target, source=fp)


def report_calendar_change(
    standin: StandIn, user: User, method: str, status: int, calendar: str, object_uri: str, body: bytes
) -> None:
    """Turn a successful CalDAV write into the calendar-object event Nextcloud fires for it."""
    service = hooks(standin)
    if service is None or not service.registrations:
        return
    found = re.search(rb"BEGIN:(VEVENT|VTODO|VJOURNAL)", body)
    component = found.group(1).decode() if found else "VEVENT"
    if method == "DELETE":
        event_class = "CalendarObjectDeletedEvent"
    else:
        event_class = "CalendarObjectCreatedEvent" if status == 201 else "CalendarObjectUpdatedEvent"
    service.calendar_object(user, event_class, calendar, object_uri, component)


def report_node(standin: StandIn, user: User, event_class: str, path: Path, *, source: Path | None = None) -> None:
    """A node event for a file the stand-in changed itself (Notes writes the user's files)."""
    service = hooks(standin)
    if service is not None and service.registrations:
        service.node(user, event_class, path, source=source)
