"""Nextcloud's OCS endpoints an ExApp calls that are AppAPI's own (`/ocs/v1.php/apps/app_api/...`)
and the capabilities. webhook_listeners is the stand-in's (tests/standin/apps/webhook_listeners.py),
which accepts the same AppAPI authentication.

Every answer uses the v1 envelope (HTTP 200 with `meta.statuscode`, except 401), and every
request is authenticated the way AppAPI's middleware does it: `EX-APP-ID` of a registered
app, `EX-APP-VERSION`, and `AUTHORIZATION-APP-API` = base64(user:secret), with the user
(when not empty) a real Nextcloud user. A disabled app may only report its status.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
from typing import TYPE_CHECKING, Any

from tests.standin.core import Receive, Scope, Send, header, read_body, send_json
from tests.standin.ocs import capabilities, envelope

if TYPE_CHECKING:
    from tests.appapi.simulator import AppApiSimulator
    from tests.appapi.state import ExApp

APP_API_PREFIXES = ("/ocs/v1.php/apps/app_api/", "/ocs/v2.php/apps/app_api/")
CAPABILITIES_PATHS = ("/ocs/v1.php/cloud/capabilities", "/ocs/v2.php/cloud/capabilities")
ALLOWED_WHILE_DISABLED = ("ex-app/status", "ex-app/state", "api/v1/log")
APP_API_VERSION = "5.0.2"


class OcsFailure(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def reply(scope: Scope, send: Send, status: int, data: Any, message: str = "") -> None:
    version = 1 if scope["path"].startswith("/ocs/v1.php") else 2
    http_status, body = envelope(version, status, data, message)
    await send_json(send, http_status, body)


def authenticate_ex_app(sim: AppApiSimulator, scope: Scope, endpoint: str) -> tuple[ExApp, str]:
    """(the calling ExApp, its user) or OcsFailure(401)."""
    app_id = header(scope, "ex-app-id") or ""
    app = sim.registry.apps.get(app_id)
    signature = header(scope, "authorization-app-api") or ""
    if app is None or not header(scope, "ex-app-version") or not signature:
        raise OcsFailure(401, "Current user is not logged in")
    try:
        user, _, secret = base64.b64decode(signature, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise OcsFailure(401, "Current user is not logged in") from None
    if not hmac.compare_digest(secret.encode(), app.secret.encode()):
        raise OcsFailure(401, "Current user is not logged in")
    if user and user not in sim.standin.users:
        raise OcsFailure(401, "Current user is not logged in")
    if not app.enabled and not endpoint.startswith(ALLOWED_WHILE_DISABLED):
        raise OcsFailure(401, "ExApp is disabled")
    return app, user


async def handle_capabilities(sim: AppApiSimulator, scope: Scope, send: Send) -> None:
    """Capabilities are public in Nextcloud; AppAPI and webhook_listeners add their own entries.

    Asked as a user (an ExApp acting for one), the user's apps contribute theirs, as for a signed-in
    user; asked anonymously or as the app itself, every app that is enabled for anyone does.
    """
    try:
        _, user_id = authenticate_ex_app(sim, scope, "cloud/capabilities")
    except OcsFailure:
        user_id = ""
    user = sim.standin.users.get(user_id) if user_id else None
    document = capabilities(sim.standin.app_capabilities(user))
    if sim.nextcloud_version is not None:
        major, minor, micro = (int(x) for x in sim.nextcloud_version.split("."))
        document["version"].update(major=major, minor=minor, micro=micro, string=sim.nextcloud_version)
    document["capabilities"]["app_api"] = {"loglevel": 2, "version": APP_API_VERSION}
    document["capabilities"]["webhook_listeners"] = {"version": "1.2.0"}
    await reply(scope, send, 200, document)


async def handle_app_api(sim: AppApiSimulator, scope: Scope, receive: Receive, send: Send) -> None:
    endpoint = re.sub(r"^/ocs/v[12]\.php/apps/app_api/", "", scope["path"])
    try:
        app, _user = authenticate_ex_app(sim, scope, endpoint)
        body = await _json_body(receive)
        if endpoint == "ex-app/status" and scope["method"] == "PUT":
            # AppAPI enables the app inside this very call on progress 100 (heartbeat, then
            # /enabled?enabled=1), so the ExApp must serve /enabled while its status call is open.
            await sim.record_status(app, int(body.get("progress", 0)), str(body.get("error") or ""))
            status, data = 200, []
        else:
            status, data = _app_api(sim, app, scope["method"], endpoint, body, scope)
    except OcsFailure as exc:
        await reply(scope, send, exc.status, None, exc.message)
        return
    await reply(scope, send, status, data)


def _app_api(sim: AppApiSimulator, app: ExApp, method: str, endpoint: str, body: Any, scope: Scope) -> tuple[int, Any]:
    query = dict(_query(scope))
    if endpoint == "ex-app/state" and method == "GET":
        return 200, 1 if app.enabled else 0
    if endpoint == "api/v1/log" and method == "POST":
        return 200, []
    if endpoint == "api/v1/ui/settings":
        if method == "POST":
            scheme = body.get("formScheme") or {}
            if not scheme.get("id"):
                raise OcsFailure(400, "formScheme needs an id")
            app.settings_forms[scheme["id"]] = scheme
            return 200, []
        if method == "GET":
            form = app.settings_forms.get(query.get("formId", ""))
            if form is None:
                raise OcsFailure(404, "Form not found")
            return 200, form
        if method == "DELETE":
            if app.settings_forms.pop(query.get("formId", ""), None) is None:
                raise OcsFailure(404, "Form not found")
            return 200, []
    if endpoint == "api/v1/ex-app/config":
        if method == "POST":
            key = str(body.get("configKey") or "")
            if not key:
                raise OcsFailure(400, "Config key cannot be empty")
            app.config[key] = str(body.get("configValue", ""))
            # AppAPI answers with the stored row (ExAppConfig: its id and the sensitive flag too).
            row_id = list(app.config).index(key) + 1
            sensitive = 1 if body.get("sensitive") else 0
            return 200, {"id": row_id, "appid": app.app_id, "configkey": key, "configvalue": app.config[key],
                         "sensitive": sensitive}  # fmt: skip
        if method == "DELETE":
            keys = body.get("configKeys") or []
            removed = [k for k in keys if app.config.pop(k, None) is not None]
            if not removed:
                raise OcsFailure(404, "No appconfig_ex values deleted")
            return 200, len(removed)
    if endpoint == "api/v1/ex-app/config/get-values" and method == "POST":
        keys = body.get("configKeys") or []
        return 200, [{"configkey": k, "configvalue": app.config[k]} for k in keys if k in app.config]
    raise OcsFailure(404, f"no AppAPI endpoint {method} {endpoint} in the simulator")


def _query(scope: Scope) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(scope.get("query_string", b"").decode("latin-1"))


async def _json_body(receive: Receive) -> Any:
    raw = await read_body(receive)
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise OcsFailure(400, "The body is not JSON") from None
