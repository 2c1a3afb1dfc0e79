"""Nextcloud's webhook_listeners: the OCS API to register webhooks, and their delivery.

One emulation for every caller: admins (Basic auth, absolute URIs: the CLI, the tests) and ExApps
through AppAPI (the AppAPI simulator in tests/appapi/ routes their calls here).

Who may call (WebhooksController: `#[AuthorizedAdminSetting]` + `#[AppApiAdminAccessWithoutUser]`):
an admin; an ExApp acting for an admin; an ExApp acting for no user (the app itself). Anyone else
gets 403. A registration made through AppAPI records the ExApp's id (`EX-APP-ID`), and its `uri`
may be relative: WebhookCall then delivers it through AppAPI (`PublicFunctions::exAppRequest`),
which the AppAPI simulator provides by installing itself as `app_api`. Without AppAPI, or to an
ExApp that is gone or disabled, such a delivery fails as Nextcloud logs it (never a POST to a
relative URI).

Answers use the WebhookInfo shape of the contract (`id` as a string) with the fields Nextcloud's
WebhookListener::jsonSerialize sends and clients read (nc_py_api reads `appId`, `eventFilter`,
`userIdFilter`, `headers`): `eventFilter` is `[]` when there is none (PHP's empty array),
`headers` is null when there are none, `userIdFilter` is "" when there is none, `userId` is null
for a registration the ExApp made as itself. `authData` is not echoed (Nextcloud sends its
encrypted form; the stand-in keeps the secret out of every answer).

Delivery follows the admin manual: when a file, note (a file too) or calendar object changes,
each matching registration gets a request of `{"event": {"class": ..., ...}, "user": {"uid",
"displayName"}, "time": <unix>}` as JSON *without* a Content-Type header, with the registration's
headers (and its auth headers for `authMethod: header`), a 3 s timeout, one at a time from a
background worker (Nextcloud sends from a background job, never inside the user's request).
`wait_delivered(n)` lets tests wait for the n-th attempt without sleeping.
"""

from __future__ import annotations

import json
import queue
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from tests.standin.core import Scope, User
from tests.standin.kit import EmulatedApp, Failure, Reply, Request, Sample, route

if TYPE_CHECKING:
    import httpx

    from tests.standin.core import StandIn

CONTRACT = "nextcloud-31/webhook_listeners.openapi.json"
BASE = "/ocs/v2.php/apps/webhook_listeners/api/v1/webhooks"
NODE = "OCP\\Files\\Events\\Node\\"
CALENDAR = "OCP\\Calendar\\Events\\"
TIMEOUT_S = 3.0

WEBHOOK_COMPATIBLE_EVENTS = frozenset(
    {
        *(
            NODE + name
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
            CALENDAR + name
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


def _lookup(envelope: dict[str, Any], dotted: str) -> Any:
    value: Any = envelope
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


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


@dataclass
class Registration:
    """One row of webhook_listeners' table."""

    id: int
    user_id: str | None
    """Who registered it; None when an ExApp registered it as itself (no user)."""
    http_method: str
    uri: str
    event: str
    event_filter: dict[str, Any] | None = None
    user_id_filter: str | None = None
    headers: dict[str, str] | None = None
    auth_method: str = "none"
    auth_data: dict[str, str] | None = None
    app_id: str | None = None
    """The ExApp that registered it through AppAPI (None for an admin's registration)."""

    def info(self) -> dict[str, Any]:
        """WebhookInfo as the OCS API returns it (auth data is never echoed)."""
        return {
            "id": str(self.id),
            "appId": self.app_id,
            "userId": self.user_id,
            "httpMethod": self.http_method,
            "uri": self.uri,
            "event": self.event,
            "eventFilter": self.event_filter or [],
            "userIdFilter": self.user_id_filter or "",
            "headers": self.headers,
            "authMethod": self.auth_method,
        }

    def delivery_headers(self) -> dict[str, str]:
        """The headers WebhookCall sends: the registration's, then its auth headers (`authMethod: header`)."""
        headers = dict(self.headers or {})
        if self.auth_method == "header":
            headers.update(self.auth_data or {})
        return headers

    @property
    def via_app_api(self) -> bool:
        """WebhookCall's rule: an ExApp's registration with a relative uri is delivered through AppAPI."""
        return self.app_id is not None and self.uri.startswith("/")


class AppApi(Protocol):
    """What webhook_listeners uses of AppAPI to reach an ExApp (PublicFunctions::exAppRequest)."""

    def ex_app_request(
        self, app_id: str, uri: str, user_id: str, method: str, headers: dict[str, str], body: bytes
    ) -> httpx.Response:
        """Send to the ExApp `app_id` at `uri`, with AppAPI's headers for `user_id` ("" = no user);
        RuntimeError when the ExApp is missing or disabled."""
        ...


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


def _php_int(value: str) -> int:
    """A route's `int $id` as PHP casts it ("12abc" is 12, "abc" is 0)."""
    found = re.match(r"\s*[+-]?\d+", value)
    return int(found.group()) if found else 0


def _map(params: dict[str, Any], name: str) -> dict[str, Any] | None:
    """A `?array` parameter: an object, or None when absent or empty."""
    value = params.get(name)
    if value in (None, "", [], {}):
        return None
    if not isinstance(value, dict):
        raise Failure(400, f"{name} must be an object")
    return value


class WebhookListenersApp(EmulatedApp):
    """The OCS API of webhook_listeners and the delivery worker."""

    app_id = "webhook_listeners"
    prefixes = ("/ocs/v2.php/apps/webhook_listeners/",)
    app_api_without_user = True
    """Every route is `#[AppApiAdminAccessWithoutUser]`: an ExApp may call as itself (core.APP_API_WITHOUT_USER)."""

    def __init__(self, standin: StandIn) -> None:
        super().__init__(standin)
        self.admins: set[str] = {"admin"}
        self.registrations: dict[int, Registration] = {}
        self.app_api: AppApi | None = None
        """AppAPI, when installed (the AppAPI simulator installs itself): how an ExApp is reached."""
        self._next_id = 1
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[Registration, dict[str, Any]]] = queue.Queue()
        self.deliveries = _Deliveries()
        threading.Thread(target=self._worker, daemon=True, name="standin-webhooks").start()

    # -- OCS API ---------------------------------------------------------------------------
    @route("GET", BASE, contract=CONTRACT)
    async def index(self, request: Request) -> Reply:
        self._authorize(request)
        uri = request.query.get("uri")
        with self._lock:
            found = [r.info() for r in self.registrations.values() if uri is None or r.uri == uri]
        return Reply(200, found)

    @route("POST", BASE, contract=CONTRACT)
    async def create(self, request: Request) -> Reply:
        app_id = self._authorize(request)
        return Reply(200, self._save(request, app_id, None).info())

    @route("GET", BASE + "/{id}", contract=CONTRACT)
    async def show(self, request: Request) -> Reply:
        self._authorize(request)
        registration = self.registrations.get(_php_int(request.params["id"]))
        if registration is None:
            raise Failure(404, "Webhook not found")
        return Reply(200, registration.info())

    @route("POST", BASE + "/{id}", contract=CONTRACT)
    async def update(self, request: Request) -> Reply:
        app_id = self._authorize(request)
        return Reply(200, self._save(request, app_id, _php_int(request.params["id"])).info())

    @route("DELETE", BASE + "/{id}", contract=CONTRACT)
    async def destroy(self, request: Request) -> Reply:
        self._authorize(request)
        with self._lock:
            deleted = self.registrations.pop(_php_int(request.params["id"]), None) is not None
        return Reply(200, deleted)  # an unknown id is not an error: "whether something was deleted"

    @route("DELETE", BASE + "/byappid/{appid}", contract=CONTRACT)
    async def delete_by_app(self, request: Request) -> Reply:
        self._authorize(request)
        return Reply(200, self.delete_by_app_id(request.params["appid"]))

    def _authorize(self, request: Request) -> str | None:
        """Nextcloud's security middleware for these routes; the calling ExApp's id (None: not AppAPI)."""
        caller = self.standin.ex_app_caller(request.scope)
        if caller is not None and not caller.user_id:
            return caller.app_id  # AppApiAdminAccessWithoutUser: the ExApp itself may
        if request.user.id not in self.admins:  # as an admin, or an ExApp acting for an admin
            raise Failure(403, "Logged in account must be an admin")
        return caller.app_id if caller is not None else None

    def _save(self, request: Request, app_id: str | None, registration_id: int | None) -> Registration:
        params = request.args()
        http_method, uri, event = (str(params.get(name) or "") for name in ("httpMethod", "uri", "event"))
        if not (http_method and uri and event):
            raise Failure(400, "httpMethod, uri and event are required")
        auth_method = str(params.get("authMethod") or "none")
        if auth_method not in ("none", "header"):
            raise Failure(400, "This auth method does not exist")
        if (refusal := incompatible_event(event)) is not None:
            raise Failure(400, refusal)
        auth_data = _map(params, "authData")
        if auth_method == "header" and auth_data is None:
            raise Failure(400, "Header auth method needs an associative array of headers as auth data")
        registration = Registration(
            id=0,
            user_id=request.user.id or None,
            http_method=http_method,
            uri=uri,
            event=event.lstrip("\\"),
            event_filter=_map(params, "eventFilter"),
            user_id_filter=str(params.get("userIdFilter") or "") or None,
            headers=_map(params, "headers"),
            auth_method=auth_method,
            auth_data=auth_data,
            app_id=app_id,
        )
        return self.store(registration, registration_id)

    # -- the table, for the AppAPI simulator and the contract samples ------------------------
    def store(self, registration: Registration, registration_id: int | None = None) -> Registration:
        """Insert `registration` (a new id), or replace the row `registration_id`.

        Replacing an id that does not exist stores nothing and still answers the registration, as
        QBMapper::update does (an UPDATE of no row)."""
        with self._lock:
            if registration_id is None:
                registration.id = self._next_id
                self._next_id += 1
                self.registrations[registration.id] = registration
            else:
                registration.id = registration_id
                if registration_id in self.registrations:
                    self.registrations[registration_id] = registration
        return registration

    def register(self, user_id: str | None, uri: str, event: str, **values: Any) -> Registration:
        """A registration made directly (test setup): POST by default, no auth."""
        values.setdefault("http_method", "POST")
        return self.store(Registration(id=0, user_id=user_id, uri=uri, event=event, **values))

    def of_app(self, app_id: str) -> list[Registration]:
        """The registrations the ExApp `app_id` made."""
        with self._lock:
            return [r for r in self.registrations.values() if r.app_id == app_id]

    def delete_by_app_id(self, app_id: str) -> int:
        """Remove the ExApp's registrations; how many."""
        with self._lock:
            gone = [i for i, r in self.registrations.items() if r.app_id == app_id]
            for registration_id in gone:
                del self.registrations[registration_id]
        return len(gone)

    # -- events ----------------------------------------------------------------------------
    def emit(self, user: User | None, event: dict[str, Any]) -> None:
        """Queue the event for every matching registration (called by the other parts on a change)."""
        envelope = {
            "event": event,
            "user": {"uid": user.id, "displayName": user.display_name or user.id} if user else None,
            "time": int(time.time()),
        }
        with self._lock:
            candidates = list(self.registrations.values())
        for registration in candidates:
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
        """The node as Nextcloud reports it: under its owner's path, also when `user` wrote it
        through a share (`/alice/files/...` with bob as the acting user)."""
        roots = {uid: self.standin.files_root(uid) for uid in [user.id, *self.standin.users]}
        owner = next(uid for uid, root in roots.items() if path.is_relative_to(root))
        rel = path.relative_to(self.standin.files_root(owner)).as_posix()
        node: dict[str, Any] = {"path": f"/{owner}/files/{rel}"}
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
                done = self._deliver(client, registration, envelope)
                with self.deliveries.cond:
                    self.deliveries.done.append(done)
                    self.deliveries.cond.notify_all()

    def _deliver(self, client: httpx.Client, registration: Registration, envelope: dict[str, Any]) -> Delivery:
        """One WebhookCall: through AppAPI for an ExApp's relative uri, else a plain request."""
        import httpx

        headers = registration.delivery_headers()
        body = json.dumps(envelope).encode()  # sent as bytes: no Content-Type, as webhook_listeners sends it
        try:
            if registration.via_app_api:
                if self.app_api is None:
                    raise RuntimeError("AppAPI is disabled or not installed.")
                response = self.app_api.ex_app_request(
                    registration.app_id or "",
                    registration.uri,
                    registration.user_id or "",
                    registration.http_method,
                    headers,
                    body,
                )
            else:
                response = client.request(registration.http_method, registration.uri, content=body, headers=headers)
        except httpx.HTTPError as exc:  # a relative uri without an ExApp fails here too, without a request
            return Delivery(registration.uri, envelope, None, type(exc).__name__)
        except RuntimeError as exc:
            return Delivery(registration.uri, envelope, None, str(exc))
        return Delivery(registration.uri, envelope, response.status_code)

    def wait_delivered(self, count: int, *, to: str | None = None, timeout: float = 10.0) -> list[Delivery]:
        """Block until `count` deliveries (to the URI `to`, if given) were attempted; those deliveries."""

        def matching() -> list[Delivery]:
            return [d for d in self.deliveries.done if to is None or d.uri == to]

        with self.deliveries.cond:
            if not self.deliveries.cond.wait_for(lambda: len(matching()) >= count, timeout):
                raise TimeoutError(f"{len(matching())} of {count} webhook deliveries attempted")
            return matching()


# -- what the other parts of the stand-in call on a change -------------------------------------
def hooks(standin: StandIn) -> WebhookListenersApp | None:
    """The webhook_listeners app, for the other parts to report changes to (None when not mounted)."""
    service = standin.services.get(WebhookListenersApp.app_id)
    return service if isinstance(service, WebhookListenersApp) else None


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


# -- contract samples (tests/integration/test_app_contracts.py) --------------------------------
# Sample registrations never fire: bob, whom they filter on, changes nothing, and their uri is a
# closed local port.
NOWHERE = "http://127.0.0.1:9/contract-hook"
WRITTEN = NODE + "NodeWrittenEvent"
EXAPP = "contract_exapp"


def _registered(ctx: Any, **values: Any) -> dict[str, str]:
    bob = ctx.users["bob"].id
    registration = ctx.app.register(
        ctx.users["admin"].id, NOWHERE, WRITTEN, user_id_filter=bob, event_filter={"user.uid": bob}, **values
    )
    return {"id": str(registration.id)}


def _plain(ctx: Any) -> dict[str, str]:
    """A registration without filter or headers: `eventFilter: []`, `headers: null`, as Nextcloud sends them."""
    registration = ctx.app.register(ctx.users["admin"].id, NOWHERE + "/plain", WRITTEN, user_id_filter="nobody")
    return {"id": str(registration.id), "uri": registration.uri}


def _gone(ctx: Any) -> dict[str, str]:
    names = _registered(ctx)
    ctx.app.registrations.pop(int(names["id"]))
    return names


def _by_exapp(ctx: Any) -> dict[str, str]:
    names = _registered(ctx, app_id=EXAPP)
    return {**names, "appid": EXAPP}


_BODY = {
    "httpMethod": "POST",
    "uri": NOWHERE,
    "event": WRITTEN,
    "eventFilter": {"user.uid": "{bob}", "event.node.path": "/^\\/[^\\/]+\\/files\\/Notes\\//"},
    "userIdFilter": "{bob}",
    "headers": {"X-Contract": "yes"},
    "authMethod": "header",
    "authData": {"X-Webhook-Secret": "contract-secret"},
}
_NOT_FOR_WEBHOOKS = {**_BODY, "event": "OCA\\DAV\\Events\\CalendarObjectCreatedEvent"}
_ONE = BASE + "/{id}"

SAMPLES = [
    Sample("GET", BASE, user="admin", query={"uri": "{uri}"}, setup=_plain, note="eventFilter [] and headers null"),
    Sample("GET", BASE.replace("/v2.php/", "/v1.php/"), 100, user="admin", note="v1, as nc_py_api calls it"),
    Sample("POST", BASE, user="admin", json=_BODY),
    Sample("POST", BASE, 400, user="admin", json=_NOT_FOR_WEBHOOKS, note="not a webhook-compatible event"),
    Sample("POST", BASE, 403, user="alice", json=_BODY, note="not an admin"),
    Sample("GET", _ONE, user="admin", setup=_registered),
    Sample("GET", _ONE, 404, user="admin", setup=_gone),
    Sample("POST", _ONE, user="admin", json={**_BODY, "uri": NOWHERE + "/moved"}, setup=_registered),
    Sample("POST", _ONE, 400, user="admin", json=_NOT_FOR_WEBHOOKS, setup=_registered),
    Sample("POST", _ONE, 403, user="alice", json=_BODY, setup=_registered),
    Sample("DELETE", _ONE, user="admin", setup=_registered),
    Sample("DELETE", _ONE, 403, user="alice", setup=_registered),
    Sample("DELETE", BASE + "/byappid/{appid}", user="admin", setup=_by_exapp),
    Sample("DELETE", BASE + "/byappid/{appid}", 403, user="alice", setup=_by_exapp),
]
