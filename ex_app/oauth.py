"""External OAuth clients in app mode: Flow 1 verified by the ExApp, tools acting through AppAPI.

Why a gate of its own rather than the engine's: the engine's bearer gate refuses every
request without a token, which would lock out Nextcloud users (they arrive with AppAPI
headers, not tokens). The ExApp's rule for `/mcp` (DESIGN.md §3): a valid AppAPI signature
with a user means Nextcloud authenticated that user; otherwise (an empty AppAPI user, or
the direct port without AppAPI headers) an `Authorization: Bearer` token is verified like in
standalone mode (same verifier, PRM document and scopes); anything else gets Flow 1's 401.
The client's token is never passed on: tools act as the token's user with AppAPI headers,
or, when the admin requires Flow 2 provisioning, with the Bearer token the token broker
holds for that user (the user first grants this server its own Nextcloud access through
`/oauth/authorize-nextcloud` and `/oauth/callback`, PUBLIC routes served here from the same
Provisioning machinery and store as in standalone mode).

Why rebuilt at run time: the identity provider (discovery URL, allowed clients) and the
public URL may come from the admin's form, so a change there takes effect without restart;
environment variables are the defaults the form overrides.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ex_app.auth import CALLER_KEY, unauthorized

if TYPE_CHECKING:
    from collections.abc import Callable

    import httpx

    from ex_app.admin_settings import PolicySource
    from nextcloud_mcp_server.auth.access import OAuthAccess
    from nextcloud_mcp_server.auth.oauth import ResourceServer
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.registry import Registry
    from nextcloud_mcp_server.store import Store

log = logging.getLogger(__name__)


class ExternalClients:
    """The current Flow 1 resource server (and its Flow 2 access), or None when no identity provider is configured."""

    def __init__(
        self,
        settings: Settings,
        policy: PolicySource,
        registry: Registry,
        *,
        store: Callable[[], Store | None] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._settings = settings
        self._policy = policy
        self._registry = registry
        self._store = store
        self._transport = transport
        self._key: tuple[str, str, tuple[str, ...]] | None = None
        self._server: ResourceServer | None = None
        self._access: OAuthAccess | None = None
        self._retired: list[tuple[ResourceServer, OAuthAccess | None]] = []
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

                update = {
                    "oidc_discovery_url": discovery,
                    "public_url": key[1],
                    "allowed_mcp_clients": list(clients),
                    "nextcloud_username": None,  # no app-password user in app mode: every token user provisions
                }
                settings = self._settings.model_copy(update=update)
                if self._server is not None:  # requests may still use it: closed at shutdown
                    self._retired.append((self._server, self._access))
                server = ResourceServer.from_settings(settings, self._registry, transport=self._transport)
                self._access = None
                if self._store is not None:  # Flow 2: the callback is <public URL>/oauth/callback
                    from nextcloud_mcp_server.auth.app_password import AppPasswordAccess

                    self._access = server.access(AppPasswordAccess(settings), store=self._store)
                self._server = server
                self._key = key
                log.info("External MCP clients: tokens from %s for %s/mcp are accepted", discovery, key[1])
            return self._server

    async def require_provisioning(self) -> bool:
        return (await self._policy.current()).require_provisioning

    async def delegated(self) -> OAuthAccess | None:
        """Flow 2's access for the current provider (the token broker's Bearer clients), or None."""
        await self.current()
        return self._access

    def routes(self) -> list[Route]:
        """The protected-resource metadata and Flow 2's two routes (PUBLIC in the manifest), for the current IdP."""
        from nextcloud_mcp_server.auth.provisioning import AUTHORIZE_PATH, CALLBACK_PATH, page
        from nextcloud_mcp_server.auth.resource import PRM_PATH, routes

        async def metadata(request: Request) -> Response:
            server = await self.current()
            if server is None:
                return JSONResponse(
                    {"error": "not_found", "error_description": "external OAuth clients are not configured"}, 404
                )
            endpoint: Any = routes(server.settings, server.provider, server.registry)[0].endpoint
            response: Response = await endpoint(request)
            return response

        def flow2(step: str) -> Any:
            async def endpoint(request: Request) -> Response:
                server = await self.current()
                if server is None or server.provisioning is None:
                    return page("Not available", "Granting Nextcloud access is not configured on this server.", 404)
                response: Response = await getattr(server.provisioning, step)(request)
                return response

            return endpoint

        return [
            Route(PRM_PATH, metadata, methods=["GET"]),
            Route(PRM_PATH + "/mcp", metadata, methods=["GET"]),
            Route(AUTHORIZE_PATH, flow2("authorize"), methods=["GET"]),
            Route(CALLBACK_PATH, flow2("callback"), methods=["GET"]),
        ]

    async def aclose(self) -> None:
        pairs = [*self._retired, *([(self._server, self._access)] if self._server else [])]
        self._server, self._access, self._key, self._retired = None, None, None, []
        for server, access in pairs:
            if access is not None:
                await access.aclose()
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
            await unauthorized(send, "sign in to Nextcloud (or use an app password) to use this endpoint")
            return
        if not _has_bearer(scope):
            log.warning("Refused %s %s: no Nextcloud user and no bearer token", scope["method"], path)
        await server.protect(self.app)(scope, receive, send)


def _has_bearer(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name.lower() == b"authorization":
            return bytes(value).lower().startswith(b"bearer ")
    return False
