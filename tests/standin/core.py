"""The stand-in's front: users, authentication and routing to each emulated Nextcloud part.

Nextcloud itself cannot run here, so this ASGI app plays it: real servers where they
exist (WsgiDAV for files, Radicale for calendars and contacts) mounted under Nextcloud's
paths, and emulations of the Nextcloud-only APIs (OCS, Notes). Each part is a service
object with `provision(user)` (run when a user is created, like Nextcloud's first login)
and an ASGI-like `handle(scope, receive, send, user)`.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import json
import os
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tests.standin.bearer import BearerConfig

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

NEXTCLOUD_VERSION = "31.0.9.1"
NEXTCLOUD_VERSION_STRING = "31.0.9"


@dataclass
class User:
    """A Nextcloud account. `quota` is in bytes (None: unlimited)."""

    id: str
    password: str
    display_name: str = ""
    email: str | None = None
    quota: int | None = None
    app_passwords: list[str] = field(default_factory=list)

    def accepts(self, secret: str) -> bool:
        candidates = [self.password, *self.app_passwords]
        return any(hmac.compare_digest(secret.encode(), c.encode()) for c in candidates)


class Service(Protocol):
    def provision(self, user: User) -> None: ...

    async def handle(self, scope: Scope, receive: Receive, send: Send, user: User) -> None: ...


APP_ATTRIBUTE = "app_id"
"""A service that emulates a Nextcloud app names it here; the app can then be disabled per user,
and its `capabilities(user)` (when it has that method) join `/ocs/.../cloud/capabilities`."""

APP_API_WITHOUT_USER = "app_api_without_user"
"""A service whose routes an enabled ExApp may call as itself, without a user, sets this true
(Nextcloud's `#[AppApiAdminAccessWithoutUser]`, e.g. webhook_listeners). Such a request reaches it
with `ex_app_itself(app_id)` as its user; `StandIn.ex_app_caller(scope)` tells who called."""


@dataclass(frozen=True)
class ExAppCaller:
    """An AppAPI-authenticated request: the enabled ExApp and the user it acts for ("": the app itself)."""

    app_id: str
    user_id: str


def ex_app_itself(app_id: str) -> User:
    """The caller of an app-only AppAPI request: no Nextcloud account (an empty id, no password)."""
    return User("", "", app_id)


async def send_response(
    send: Send, status: int, body: bytes = b"", headers: list[tuple[str, str]] | None = None
) -> None:
    """Send a whole response."""
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or [])]
    if not any(k == b"content-length" for k, _ in raw):
        raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def send_json(send: Send, status: int, data: Any, headers: list[tuple[str, str]] | None = None) -> None:
    body = json.dumps(data).encode()
    await send_response(send, status, body, [("Content-Type", "application/json; charset=utf-8"), *(headers or [])])


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def header(scope: Scope, name: str) -> str | None:
    wanted = name.lower().encode()
    for key, value in scope.get("headers", []):
        if key == wanted:
            return value.decode("latin-1")
    return None


class StandIn:
    """A Nextcloud stand-in with its data under `data_dir`."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.users: dict[str, User] = {}
        self._lock = threading.Lock()
        self.services: dict[str, Service] = {}
        self.routes: list[tuple[str, Service]] = []
        self.ex_apps: dict[str, str] = {}
        """Enabled AppAPI external apps: app id -> app secret (set by the AppAPI simulator)."""
        self.oidc: BearerConfig | None = None
        """The identity provider whose Bearer tokens are accepted (user_oidc); set by the tests."""
        self.disabled_apps: dict[str, set[str]] = {}
        """User id -> the app ids disabled for that user (Nextcloud: app enabled only for some groups)."""
        self._mount_parts()

    # -- parts -------------------------------------------------------------------------
    def _mount_parts(self) -> None:
        """Mount every part; each one owns a path prefix as Nextcloud lays them out."""
        from tests.standin.ocs import OcsService

        self.mount("ocs", OcsService(self), "/ocs/")
        for name, module, cls, prefixes in PARTS:
            try:
                mod = __import__(f"tests.standin.{module}", fromlist=[cls])
            except ModuleNotFoundError as exc:
                if exc.name != f"tests.standin.{module}":
                    raise
                continue
            self.mount(name, getattr(mod, cls)(self), *prefixes)
        for app in emulated_apps():
            self.mount(app.app_id, app(self), *app.mount_prefixes())

    def mount(self, name: str, service: Service, *prefixes: str) -> None:
        self.services[name] = service
        for prefix in prefixes:
            self.routes.append((prefix, service))
        self.routes.sort(key=lambda item: len(item[0]), reverse=True)

    def set_app_enabled(self, user_id: str, app_id: str, enabled: bool) -> None:
        """Enable or disable an app for one user: its routes answer 404 and its capabilities vanish."""
        with self._lock:
            disabled = self.disabled_apps.setdefault(user_id, set())
            if enabled:
                disabled.discard(app_id)
            else:
                disabled.add(app_id)

    def app_enabled(self, user: User | None, service: Any) -> bool:
        """Whether `user` may use the app `service` emulates (None: anyone; apps are disabled per user)."""
        app_id = getattr(service, APP_ATTRIBUTE, None)
        return app_id is None or user is None or app_id not in self.disabled_apps.get(user.id, set())

    def app_capabilities(self, user: User | None) -> dict[str, Any]:
        """What the enabled app services contribute to the capabilities of `user` (None: anonymous)."""
        found: dict[str, Any] = {}
        for service in self.services.values():
            contribute = getattr(service, "capabilities", None)
            if contribute is not None and self.app_enabled(user, service):
                found = merged(found, contribute(user))
        return found

    # -- users -------------------------------------------------------------------------
    def add_user(
        self,
        user_id: str,
        password: str,
        *,
        display_name: str | None = None,
        email: str | None = None,
        quota: int | None = None,
    ) -> User:
        """Create a user and provision what Nextcloud creates at first login."""
        with self._lock:
            if user_id in self.users:
                return self.users[user_id]
            user = User(user_id, password, display_name or user_id, email, quota)
            self.users[user_id] = user
        for service in self.services.values():
            service.provision(user)
        return user

    def files_root(self, user: User | str) -> Path:
        """The folder holding a user's files (what /remote.php/dav/files/<user>/ shows)."""
        user_id = user.id if isinstance(user, User) else user
        path = self.data_dir / "files" / user_id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def used_bytes(self, user: User) -> int:
        total = 0
        for dirpath, _dirs, files in os.walk(self.files_root(user)):
            for name in files:
                with contextlib.suppress(OSError):
                    total += os.path.getsize(os.path.join(dirpath, name))
        return total

    def free_bytes(self, user: User) -> int | None:
        """Remaining quota, or None when unlimited."""
        if user.quota is None:
            return None
        return max(0, user.quota - self.used_bytes(user))

    @staticmethod
    def file_id(path: Path) -> int:
        """Nextcloud's fileid: stable across renames and in-place writes (the inode here)."""
        return path.stat().st_ino

    # -- ASGI --------------------------------------------------------------------------
    def authenticate(self, scope: Scope) -> User | None:
        if header(scope, "authorization-app-api") is not None:
            return self.authenticate_ex_app(scope)
        value = header(scope, "authorization") or ""
        if value.lower().startswith("bearer ") and self.oidc is not None:
            user_id = self.oidc.user_of(value[7:].strip())
            return self.users.get(user_id) if user_id else None
        if not value.lower().startswith("basic "):
            return None
        try:
            decoded = base64.b64decode(value[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        user_id, _, secret = decoded.partition(":")
        user = self.users.get(user_id)
        if user is None or not user.accepts(secret):
            return None
        return user

    def authenticate_ex_app(self, scope: Scope) -> User | None:
        """The user an ExApp's request runs as; None for the app itself, which only the services
        that allow it (`APP_API_WITHOUT_USER`) serve."""
        caller = self.ex_app_caller(scope)
        return self.users.get(caller.user_id) if caller is not None and caller.user_id else None

    def ex_app_caller(self, scope: Scope) -> ExAppCaller | None:
        """AppAPI's rule: an enabled ExApp's id, version, and base64(user:secret), the user (when not
        empty) an existing one; None when the request is not such a call."""
        if header(scope, "authorization-app-api") is None:
            return None
        app_id = header(scope, "ex-app-id") or ""
        secret = self.ex_apps.get(app_id)
        if secret is None or not header(scope, "ex-app-version"):
            return None
        try:
            decoded = base64.b64decode(header(scope, "authorization-app-api") or "", validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        user_id, _, given = decoded.partition(":")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return None
        if user_id and user_id not in self.users:
            return None
        return ExAppCaller(app_id, user_id)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path == "/status.php":
            await send_json(send, 200, status_document())
            return
        if path in ("/.well-known/caldav", "/.well-known/carddav"):
            await send_response(send, 301, headers=[("Location", "/remote.php/dav/")])
            return
        service = next((svc for prefix, svc in self.routes if path.startswith(prefix) or path + "/" == prefix), None)
        if scope["method"] == "SEARCH" and path.rstrip("/") == "/remote.php/dav" and "files" in self.services:
            service = self.services["files"]  # Nextcloud's files SEARCH is sent to the DAV root
        if service is None:
            await send_response(send, 404, b"Not found in the stand-in", [("Content-Type", "text/plain")])
            return
        user = self.authenticate(scope)
        if user is None and getattr(service, APP_API_WITHOUT_USER, False):
            caller = self.ex_app_caller(scope)
            user = ex_app_itself(caller.app_id) if caller is not None and not caller.user_id else None
        if user is None:
            await self._unauthorized(scope, send)
            return
        if not self.app_enabled(user, service):  # Nextcloud does not load an app the user may not use
            if path.startswith("/ocs/"):
                from tests.standin.ocs import ocs_error

                await ocs_error(scope, send, 404, "Invalid query, please check the syntax.")
                return
            await send_response(send, 404, b"Page not found", [("Content-Type", "text/html; charset=utf-8")])
            return
        await service.handle(scope, receive, send, user)

    async def _unauthorized(self, scope: Scope, send: Send) -> None:
        if scope["path"].startswith("/ocs/"):
            from tests.standin.ocs import ocs_error

            await ocs_error(scope, send, 401, "Current user is not logged in")
            return
        body = (
            b'<?xml version="1.0" encoding="utf-8"?>\n<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">'
            b"<s:exception>Sabre\\DAV\\Exception\\NotAuthenticated</s:exception>"
            b"<s:message>No public access to this resource., Username or password was incorrect</s:message>"
            b"</d:error>"
        )
        await send_response(
            send,
            401,
            body,
            [("Content-Type", "application/xml; charset=utf-8"), ("WWW-Authenticate", 'Basic realm="Nextcloud"')],
        )


# Parts mounted when their module exists: (name, module, class, path prefixes).
PARTS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("files", "files", "FilesService", ("/remote.php/dav/files/",)),
    ("calendars", "caldav", "CalendarService", ("/remote.php/dav/calendars/",)),
    ("contacts", "carddav", "ContactsService", ("/remote.php/dav/addressbooks/",)),
    ("principals", "principals", "PrincipalService", ("/remote.php/dav/principals/", "/remote.php/dav/")),
    ("notes", "notes", "NotesService", ("/index.php/apps/notes/api/", "/apps/notes/api/")),
]


def merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`extra` merged into `base` at every depth, as Nextcloud merges the apps' capabilities
    (array_replace_recursive: comments adds `files.comments` beside the files app's own keys)."""
    result = dict(base)
    for key, value in extra.items():
        mine = result.get(key)
        result[key] = merged(mine, value) if isinstance(mine, dict) and isinstance(value, dict) else value
    return result


def emulated_apps() -> list[Any]:
    """Every app emulated on the kit: each `EmulatedApp` subclass a module of tests/standin/apps/ defines."""
    import importlib
    import pkgutil

    from tests.standin import apps
    from tests.standin.kit import EmulatedApp

    found = []
    for info in sorted(pkgutil.iter_modules(apps.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{apps.__name__}.{info.name}")
        found += [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, EmulatedApp) and value.__module__ == module.__name__
        ]
    return found


def status_document() -> dict[str, Any]:
    return {
        "installed": True,
        "maintenance": False,
        "needsDbUpgrade": False,
        "version": NEXTCLOUD_VERSION,
        "versionstring": NEXTCLOUD_VERSION_STRING,
        "edition": "",
        "productname": "Nextcloud",
        "extendedSupport": False,
    }


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
