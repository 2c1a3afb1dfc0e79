"""External OAuth clients in app mode: Flow 1 verified by the ExApp, tools acting through AppAPI.

Why a gate of its own rather than the engine's: the engine's bearer gate refuses every
request without a token, which would lock out Nextcloud users (they arrive with AppAPI
headers, not tokens). The ExApp's rule for `/mcp` (DESIGN.md §3): a valid AppAPI signature
with a user means Nextcloud authenticated that user; otherwise (an empty AppAPI user, or
the direct port without AppAPI headers) an `Authorization: Bearer` token is verified like in
standalone mode (same verifier, PRM document and scopes); anything else gets Flow 1's 401.
The client's token is never passed on: tools act as the token's user with AppAPI headers.

Why rebuilt at run time: the identity provider (discovery URL, allowed clients) and the
public URL may come from the admin's form, so a change there takes effect without restart;
environment variables are the defaults the form overrides.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ex_app.auth import CALLER_KEY, Receive, Scope, Send

if TYPE_CHECKING:
    import httpx

    from ex_app.admin_settings import PolicySource
    from nextcloud_mcp_server.auth.oauth import ResourceServer
    from nextcloud_mcp_server.config import Settings

log = logging.getLogger(__name__)

PROVISIONING_REFUSED = (
    "The Nextcloud admin requires external MCP clients to provision access (Flow 2) first, "
    "which this server does not offer in app mode yet. Ask the admin to turn off "
    "'Require Flow 2 provisioning' in the MCP Server settings, or sign in through Nextcloud."
)


class ExternalClients:
    """The current Flow 1 resource server, or None when no identity provider is configured."""

    def __init__(
        self, settings: Settings, policy: PolicySource, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._settings = settings
        self._policy = policy
        self._transport = transport
        self._key: tuple[str, str, tuple[str, ...]] | None = None
        self._server: ResourceServer | None = None
        self._retired: list[ResourceServer] = []
        self._lock = anyio.Lock()

    async def current(self) -> ResourceServer | None:
        """Built from the admin's form (when filled in) over the environment's values; cached per configuration."""
        policy = await self._policy.current()
        discovery = policy.oidc_discovery_url or self._settings.oidc_discovery_url or ""
        public = policy.public_url or self._settings.public_url or ""
        clients = tuple(policy.allowed_mcp_clients) or tuple(self._settings.allowed_mcp_clients)
        if not discovery or not public:
            return None
        key = (discovery, public.rstrip("/"), clients)
        if key == self._key and self._server is not None:
            return self._server
        async with self._lock:
            if key != self._key or self._server is None:
                from nextcloud_mcp_server.auth.oauth import ResourceServer

                update = {"oidc_discovery_url": discovery, "public_url": key[1], "allowed_mcp_clients": list(clients)}
                settings = self._settings.model_copy(update=update)
                if self._server is not None:  # requests may still use it: closed at shutdown
                    self._retired.append(self._server)
                self._server = ResourceServer.from_settings(settings, transport=self._transport)
                self._key = key
                log.info("External MCP clients: tokens from %s for %s/mcp are accepted", discovery, key[1])
            return self._server

    async def require_provisioning(self) -> bool:
        return (await self._policy.current()).require_provisioning

    def routes(self) -> list[Route]:
        """The protected-resource metadata (PUBLIC in the manifest), for whichever provider is current."""
        from nextcloud_mcp_server.auth.resource import PRM_PATH, routes

        async def metadata(request: Request) -> Response:
            server = await self.current()
            if server is None:
                return JSONResponse(
                    {"error": "not_found", "error_description": "external OAuth clients are not configured"}, 404
                )
            endpoint: Any = routes(server.settings, server.provider)[0].endpoint
            response: Response = await endpoint(request)
            return response

        return [Route(PRM_PATH, metadata, methods=["GET"]), Route(PRM_PATH + "/mcp", metadata, methods=["GET"])]

    async def aclose(self) -> None:
        servers = [*self._retired, *([self._server] if self._server else [])]
        self._server, self._key, self._retired = None, None, []
        for server in servers:
            await server.aclose()


class ExternalClientGate:
    """Runs inside AppApiAuthMiddleware: `/mcp` without an AppAPI user needs a valid bearer token."""

    def __init__(self, app: Any, clients: ExternalClients) -> None:
        self.app = app
        self.clients = clients

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or not (path == "/mcp" or path.startswith("/mcp/"))
            or scope["method"] == "OPTIONS"
            or (scope.get("state") or {}).get(CALLER_KEY)
        ):
            await self.app(scope, receive, send)
            return
        server = await self.clients.current()
        if server is None:
            log.warning("Refused %s %s: no Nextcloud user and no identity provider", scope["method"], path)
            await _unauthorized(send, "sign in to Nextcloud (or use an app password) to use this endpoint")
            return
        if not _has_bearer(scope):
            log.warning("Refused %s %s: no Nextcloud user and no bearer token", scope["method"], path)
        await server.protect(self.app)(scope, receive, send)


class ProvisioningRequired:
    """MCP SDK middleware: with "require Flow 2 provisioning" on, external clients' tool calls are refused."""

    def __init__(self, clients: ExternalClients) -> None:
        self.clients = clients

    async def __call__(self, ctx: Any, call_next: Any) -> Any:
        if ctx.method == "tools/call":
            from nextcloud_mcp_server.auth.scopes import caller_of

            if caller_of(ctx.request) is not None and await self.clients.require_provisioning():
                from mcp_types import CallToolResult, TextContent

                return CallToolResult(content=[TextContent(type="text", text=PROVISIONING_REFUSED)], is_error=True)
        return await call_next(ctx)


def _has_bearer(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name.lower() == b"authorization":
            return bytes(value).lower().startswith(b"bearer ")
    return False


async def _unauthorized(send: Send, reason: str) -> None:
    body = json.dumps({"error": "unauthorized", "error_description": reason}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
