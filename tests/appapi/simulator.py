"""The AppAPI simulator: Nextcloud's side of the ExApp protocol, in front of the stand-in.

It plays what AppAPI does in a real Nextcloud (nextcloud/app_api: lib/Service/AppAPIService.php,
lib/Controller/ExAppProxyController.php, docs/tech_details):

- the lifecycle Nextcloud drives: register (heartbeat until `{"status":"ok"}` -> `POST /init`
  -> wait for progress 100 -> heartbeat -> `PUT /enabled?enabled=1`), disable
  (`PUT /enabled?enabled=0` while the app is still enabled), unregister;
- the OCS endpoints an ExApp calls (see `tests/appapi/ocs.py`), with AppAPI's authentication;
- the proxy: `/index.php/apps/app_api/proxy/<app>/<path>` (the PHP proxy, which buffers) and
  `/exapps/<app>/<path>` (HaRP, which streams). Nextcloud authenticates the user (Basic here),
  checks the route's access level, drops `authorization-app-api`, `content-length`,
  `x-origin-ip` and the route's `headers_to_exclude`, and adds the AppAPI headers with the
  session user (an empty one for an anonymous request on a PUBLIC route). Everything else is
  forwarded, `Authorization` included (ExAppProxyController::buildHeadersWithExclude drops only
  `headers_to_exclude`), so an external client's bearer token reaches the app;
- webhook delivery through AppAPI (`PublicFunctions::exAppRequest`): webhook_listeners sends an
  ExApp's registration with a relative `uri` to the app with AppAPI headers, no Content-Type,
  3 s timeout. The simulator installs itself as the stand-in's AppAPI for that (`ex_app_request`).

Everything else is the stand-in, which accepts AppAPI headers of enabled apps as the named user,
and as the app itself where Nextcloud allows that: webhook_listeners, the one emulation of it
(tests/standin/apps/webhook_listeners.py), serves the ExApp's registrations too. A simulator is
one Nextcloud's AppAPI over a stand-in that outlives it: `close()` (when `serve_simulator` ends)
removes what its ExApps registered there and uninstalls it.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from pathlib import Path
from typing import Any

import anyio
import httpx

from tests.appapi import ocs
from tests.appapi.state import ExApp, Registry, routes_from_manifest
from tests.standin.apps.webhook_listeners import Registration, WebhookListenersApp
from tests.standin.core import Receive, Scope, Send, StandIn, read_body, send_json, send_response

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "appinfo" / "info.xml"
AA_VERSION = ocs.APP_API_VERSION
PROXY_PATTERNS = (
    re.compile(r"^/index\.php/apps/app_api/proxy/(?P<app>[^/]+)(?P<path>/.*)?$"),
    re.compile(r"^/apps/app_api/proxy/(?P<app>[^/]+)(?P<path>/.*)?$"),
)
HARP_PATTERN = re.compile(r"^/exapps/(?P<app>[^/]+)(?P<path>/.*)?$")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length"}
ALWAYS_DROPPED = ("authorization-app-api", "content-length", "x-origin-ip")
WEBHOOK_TIMEOUT = 3.0


class LifecycleError(Exception):
    """Nextcloud would show this to the admin: the app did not complete a lifecycle step."""


def appapi_headers(app: ExApp, user: str) -> dict[str, str]:
    """What AppAPIService adds to every request it sends to an ExApp."""
    return {
        "AA-VERSION": AA_VERSION,
        "EX-APP-ID": app.app_id,
        "EX-APP-VERSION": app.version,
        "AUTHORIZATION-APP-API": base64.b64encode(f"{user}:{app.secret}".encode()).decode(),
        "AA-REQUEST-ID": uuid.uuid4().hex,
    }


class AppApiSimulator:
    """ASGI app: Nextcloud with AppAPI and webhook_listeners, over the stand-in `standin`."""

    def __init__(
        self, standin: StandIn, *, admins: set[str] | None = None, nextcloud_version: str | None = None
    ) -> None:
        self.standin = standin
        self.webhook_listeners: WebhookListenersApp = standin.services[WebhookListenersApp.app_id]
        self.registry = Registry(self.webhook_listeners)
        self.webhook_listeners.app_api = self  # AppAPI is installed: webhook_listeners reaches ExApps through it
        self.admins = admins or {"admin"}
        self.nextcloud_version = nextcloud_version
        """Announce this version (e.g. "29.0.7") in the capabilities instead of the stand-in's."""

    # -- ASGI ------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.standin(scope, receive, send)
            return
        path: str = scope["path"]
        if match := HARP_PATTERN.match(path):
            await self.proxy(scope, receive, send, match["app"], match["path"] or "/", stream=True)
        elif match := next((m for p in PROXY_PATTERNS if (m := p.match(path))), None):
            await self.proxy(scope, receive, send, match["app"], match["path"] or "/", stream=False)
        elif path in ocs.CAPABILITIES_PATHS:
            await ocs.handle_capabilities(self, scope, send)
        elif path.startswith(ocs.APP_API_PREFIXES):
            await ocs.handle_app_api(self, scope, receive, send)
        else:
            await self.standin(scope, receive, send)

    async def record_status(self, app: ExApp, progress: int, error: str) -> None:
        """`PUT ex-app/status`: store the progress; at 100 AppAPI checks the heartbeat and enables the app."""
        app.status_calls.append({"progress": progress, "error": error})
        app.progress = progress
        app.init_error = error
        if not error and progress >= 100 and not app.enabled:
            try:
                await self.heartbeat(app)
                await self.enable(app.app_id)
            except LifecycleError as exc:
                app.init_error = str(exc)
        if app.init_error or progress >= 100:
            app.init_finished.set()

    # -- the proxy -------------------------------------------------------------------------
    async def proxy(self, scope: Scope, receive: Receive, send: Send, app_id: str, path: str, *, stream: bool) -> None:
        app = self.registry.apps.get(app_id)
        if app is None or not app.enabled:
            await send_json(send, 404, {"message": "ExApp not found or not enabled"})
            return
        route = next((r for r in app.routes if r.matches(path, scope["method"])), None)
        if route is None:
            await send_json(send, 404, {"message": "Route not found"})
            return
        user = self.standin.authenticate(_without(scope, b"authorization-app-api"))
        if route.access_level >= 1 and user is None:
            await send_json(send, 401, {"message": "Unauthorized"})
            return
        if route.access_level >= 2 and (user is None or user.id not in self.admins):
            await send_json(send, 403, {"message": "Admin access required"})
            return
        dropped = {*ALWAYS_DROPPED, *route.headers_to_exclude, "host", "ex-app-id", "ex-app-version", "aa-version"}
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"] if k.decode() not in dropped]
        headers.extend(appapi_headers(app, user.id if user else "").items())
        body = await read_body(receive)
        query = scope.get("query_string", b"").decode("latin-1")
        url = app.url + path + (f"?{query}" if query else "")
        async with httpx.AsyncClient(timeout=httpx.Timeout(30, read=None)) as client:
            request = client.build_request(scope["method"], url, headers=headers, content=body)
            response = await client.send(request, stream=True)
            try:
                out = [(k.lower(), v) for k, v in response.headers.items() if k.lower() not in HOP_BY_HOP]
                if not stream:  # the PHP proxy reads the whole answer before it sends anything
                    await response.aread()
                    await send_response(send, response.status_code, response.content, out)
                    return
                raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in out]
                await send({"type": "http.response.start", "status": response.status_code, "headers": raw})
                async for chunk in response.aiter_raw():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b""})
            finally:
                await response.aclose()

    # -- the lifecycle Nextcloud drives ----------------------------------------------------
    async def heartbeat(self, app: ExApp, *, attempts: int = 1) -> dict[str, Any]:
        """GET /heartbeat (no authentication), as AppAPI polls it after deploying."""
        last: Exception | None = None
        async with httpx.AsyncClient(timeout=5) as client:
            for attempt in range(attempts):
                try:
                    answer = (await client.get(f"{app.url}/heartbeat")).json()
                except (httpx.HTTPError, ValueError) as exc:
                    last = exc
                else:
                    if answer.get("status") == "ok":
                        return answer
                    last = LifecycleError(f"heartbeat answered {answer!r}")
                if attempt + 1 < attempts:
                    await anyio.sleep(0.2)  # AppAPI's own polling interval between heartbeats
        raise LifecycleError(f"heartbeat of {app.app_id} failed: {last}")

    async def call(self, app: ExApp, method: str, path: str, *, user: str = "", **kwargs: Any) -> httpx.Response:
        """A request from Nextcloud to the ExApp with AppAPI headers (AppAPIService::requestToExApp)."""
        async with httpx.AsyncClient(timeout=30) as client:
            return await client.request(method, app.url + path, headers=appapi_headers(app, user), **kwargs)

    async def register(
        self, app_id: str, *, url: str, secret: str, version: str, manifest: Path = MANIFEST, init_timeout: float = 30
    ) -> ExApp:
        """`occ app_api:app:register --wait-finish`: heartbeat, init, wait for 100 (then heartbeat, enable)."""
        app = ExApp(app_id=app_id, version=version, secret=secret, url=url.rstrip("/"), routes=[])
        app.routes = routes_from_manifest(manifest)
        self.registry.apps[app_id] = app
        await self.heartbeat(app, attempts=50)
        response = await self.call(app, "POST", "/init")
        if response.status_code != 200:
            raise LifecycleError(f"/init answered HTTP {response.status_code}")
        finished = await anyio.to_thread.run_sync(app.init_finished.wait, init_timeout)
        if not finished:
            raise LifecycleError(f"{app_id} did not report progress 100 within {init_timeout}s")
        if app.init_error:
            raise LifecycleError(f"{app_id} failed to initialise: {app.init_error}")
        return app

    async def enable(self, app_id: str) -> None:
        """AppAPI marks the app enabled, then calls /enabled?enabled=1; an error disables it again."""
        app = self.registry.apps[app_id]
        app.enabled = True
        self.standin.ex_apps[app_id] = app.secret
        error = await self._enabled_call(app, 1)
        if error:
            app.enabled = False
            self.standin.ex_apps.pop(app_id, None)
            raise LifecycleError(f"enabling {app_id} failed: {error}")

    async def disable(self, app_id: str) -> None:
        """AppAPI calls /enabled?enabled=0 while the app is still enabled, then disables it."""
        app = self.registry.apps[app_id]
        error = await self._enabled_call(app, 0)
        app.enabled = False
        self.standin.ex_apps.pop(app_id, None)
        if error:
            raise LifecycleError(f"disabling {app_id} reported: {error}")

    async def unregister(self, app_id: str) -> None:
        """Disable (if enabled) and forget the app, its routes and its webhooks."""
        app = self.registry.apps[app_id]
        if app.enabled:
            await self.disable(app_id)
        self.registry.remove_webhooks(app_id)
        del self.registry.apps[app_id]

    def close(self) -> None:
        """This Nextcloud is gone: its ExApps' webhooks leave the stand-in, which has no AppAPI any more."""
        for app_id in list(self.registry.apps):
            self.registry.remove_webhooks(app_id)
        if self.webhook_listeners.app_api is self:
            self.webhook_listeners.app_api = None

    async def _enabled_call(self, app: ExApp, value: int) -> str:
        response = await self.call(app, "PUT", "/enabled", params={"enabled": str(value)})
        if response.status_code != 200:
            return f"HTTP {response.status_code}"
        return str(response.json().get("error", ""))

    # -- webhook delivery ------------------------------------------------------------------
    def _to_ex_app(self, app_id: str, uri: str, user_id: str, headers: dict[str, str]) -> tuple[str, dict[str, str]]:
        """(URL, headers) of a request AppAPI sends to the ExApp for webhook_listeners."""
        app = self.registry.apps.get(app_id)
        if app is None:
            raise RuntimeError(f"ExApp {app_id} is missing.")
        if not app.enabled:
            raise RuntimeError(f"ExApp {app_id} is disabled.")
        return app.url + uri, {**headers, **appapi_headers(app, user_id)}

    def ex_app_request(
        self, app_id: str, uri: str, user_id: str, method: str, headers: dict[str, str], body: bytes
    ) -> httpx.Response:
        """PublicFunctions::exAppRequest, as webhook_listeners' worker calls it (from its thread)."""
        url, sent = self._to_ex_app(app_id, uri, user_id, headers)
        with httpx.Client(timeout=WEBHOOK_TIMEOUT) as client:
            # `content=` bytes: httpx adds Content-Length but no Content-Type, as Nextcloud sends it.
            return client.request(method, url, headers=sent, content=body)

    async def deliver(self, hook: Registration, payload: dict[str, Any]) -> httpx.Response:
        """webhook_listeners' delivery of `payload` to the ExApp that registered `hook`, through AppAPI
        (what the worker does for a change in the stand-in; here for a payload the test chose)."""
        url, headers = self._to_ex_app(hook.app_id or "", hook.uri, hook.user_id or "", hook.delivery_headers())
        body = json.dumps(payload).encode()
        async with httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT) as client:
            # `content=` bytes: httpx adds Content-Length but no Content-Type, as Nextcloud sends it.
            return await client.request(hook.http_method, url, headers=headers, content=body)


def _without(scope: Scope, name: bytes) -> Scope:
    return {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() != name]}
