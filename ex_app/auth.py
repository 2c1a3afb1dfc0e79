"""Inbound AppAPI authentication: is this request really from our Nextcloud, and for whom?

Why not nc_py_api's `sign_check`: it compares the secret with `!=` and puts both secrets
in the exception, which its FastAPI integration prints. Here the secret is compared in
constant time and never appears in a message, a log line or a response.

Rules (AppAPI docs, tech_details/Authentication.rst): `EX-APP-ID` must be this app,
`EX-APP-VERSION` present, `AUTHORIZATION-APP-API` = base64(`user:secret`). The user may
be empty (a call from Nextcloud itself, or a public route reached without a session).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from nextcloud_mcp_server.nextcloud.appapi_auth import AppApiIdentity

log = logging.getLogger(__name__)

CALLER_KEY = "nextcloud_user"
"""Key in the ASGI scope's `state` holding the Nextcloud user AppAPI vouched for."""


class AppApiAuthError(Exception):
    """The request does not carry a valid AppAPI signature (the message never holds a secret)."""


class NoAppApiHeaders(AppApiAuthError):
    """The request carries none of AppAPI's headers: it did not come through Nextcloud (the direct port)."""


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


def verify(scope: Scope, identity: AppApiIdentity) -> str:
    """The AppAPI user of the request ("" for the app itself), or AppApiAuthError."""
    app_id = _header(scope, b"ex-app-id")
    version = _header(scope, b"ex-app-version")
    signature = _header(scope, b"authorization-app-api")
    missing = [
        name
        for name, value in (("EX-APP-ID", app_id), ("EX-APP-VERSION", version), ("AUTHORIZATION-APP-API", signature))
        if not value
    ]
    if len(missing) == 3:
        raise NoAppApiHeaders(f"missing AppAPI headers: {', '.join(missing)}")
    if missing:
        raise AppApiAuthError(f"missing AppAPI headers: {', '.join(missing)}")
    if not hmac.compare_digest(app_id.encode(), identity.app_id.encode()):
        raise AppApiAuthError("EX-APP-ID names another app")
    try:
        decoded = base64.b64decode(signature, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise AppApiAuthError("AUTHORIZATION-APP-API is not base64 of user:secret") from None
    user, sep, secret = decoded.partition(":")
    if not sep or not hmac.compare_digest(secret.encode(), identity.secret.encode()):
        raise AppApiAuthError("AUTHORIZATION-APP-API does not carry this app's secret")
    return user


class AppApiAuthMiddleware:
    """Checks the AppAPI signature of every HTTP request except open and public paths.

    On success the AppAPI user is put in `scope["state"][CALLER_KEY]`, where the ExApp's
    NextcloudAccess finds it: identity is resolved here once, tools never see headers.
    Paths in `user_required` additionally need a non-empty user, except that on `bearer_paths`
    a request with no AppAPI user (an empty one, or no AppAPI headers at all) is handed on
    without one: the external-client gate inside decides (bearer token or 401).
    """

    def __init__(
        self,
        app: ASGIApp,
        identity: AppApiIdentity,
        *,
        open_paths: Iterable[str] = (),
        public_prefixes: Iterable[str] = (),
        user_required: Iterable[str] = (),
        bearer_paths: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.identity = identity
        self.open_paths = frozenset(open_paths)
        self.public_prefixes = tuple(public_prefixes)
        self.user_required = tuple(user_required)
        self.bearer_paths = tuple(bearer_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.open_paths:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        try:
            user = verify(scope, self.identity)
        except AppApiAuthError as exc:
            if path.startswith(self.public_prefixes) or (
                isinstance(exc, NoAppApiHeaders) and path.startswith(self.bearer_paths)
            ):
                await self.app(scope, receive, send)  # public: the route authenticates (or not) itself
                return
            log.warning("Refused %s %s: %s", scope["method"], path, exc)
            await unauthorized(send, str(exc))
            return
        if not user and path.startswith(self.bearer_paths):
            await self.app(scope, receive, send)  # no Nextcloud user: only a bearer token can admit it
            return
        if not user and path.startswith(self.user_required):
            log.warning("Refused %s %s: no Nextcloud user in the AppAPI request", scope["method"], path)
            await unauthorized(send, "sign in to Nextcloud (or use an app password) to use this endpoint")
            return
        scope.setdefault("state", {})[CALLER_KEY] = user
        await self.app(scope, receive, send)


async def unauthorized(send: Send, reason: str) -> None:
    """A JSON 401 with the reason (never a secret)."""
    body = json.dumps({"error": "unauthorized", "error_description": reason}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
