"""ASGI assembly of every HTTP route: `/mcp`, `/health/live`, `/health/ready`.

Only assembly happens here; each area owns its handlers. The lifespan yields nothing
global: the session manager, the Nextcloud access and the settings live on one `Deps`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from nextcloud_mcp_server.config import is_loopback
from nextcloud_mcp_server.registry import Registry
from nextcloud_mcp_server.sessions import SessionLimits
from nextcloud_mcp_server.toolsets import ConnectionToolsets

if TYPE_CHECKING:
    import anyio.abc
    from mcp.server.mcpserver import MCPServer
    from mcp.server.transport_security import TransportSecuritySettings

    from nextcloud_mcp_server.auth.app_password import AppPasswordAccess
    from nextcloud_mcp_server.auth.oauth import ResourceServer
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.offer import Rule
    from nextcloud_mcp_server.store import Store
    from nextcloud_mcp_server.webhooks.processor import InboxProcessor

log = logging.getLogger(__name__)


@dataclass
class Deps:
    settings: Settings
    access: AppPasswordAccess
    server: MCPServer[Any]
    registry: Registry
    store: Store | None = None
    webhooks: InboxProcessor | None = None


async def check_nextcloud(access: AppPasswordAccess) -> tuple[bool, str]:
    """(reachable and usable, a sentence for humans) — never raises."""
    from nextcloud_mcp_server.nextcloud.errors import NextcloudError
    from nextcloud_mcp_server.nextcloud.status import server_status

    client = await access.shared_client()
    try:
        status = await server_status(client)
    except NextcloudError as exc:
        return False, str(exc.detail or exc)
    if not status.installed:
        return False, f"Nextcloud at {client.base_url} is not installed yet"
    if status.maintenance:
        return False, f"Nextcloud at {client.base_url} is in maintenance mode"
    return True, f"{status.productname} {status.display_version} at {client.base_url}"


def transport_security(settings: Settings, host: str) -> TransportSecuritySettings:
    """Host/Origin checks against DNS rebinding that never break a container deployment.

    Enforced when bound to loopback, or when a public URL or extra hosts are configured.
    Bound to all interfaces with no public URL, the Host check cannot know the right name,
    so it is off (a log line says how to turn it on).
    """
    from mcp.server.transport_security import TransportSecuritySettings

    hosts = ["127.0.0.1:*", "localhost:*", "[::1]:*", "127.0.0.1", "localhost", "[::1]"]
    origins = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
    if settings.public_url:
        parts = urlsplit(settings.public_url)
        hosts.append(parts.netloc)
        origins.append(f"{parts.scheme}://{parts.netloc}")
        if parts.hostname and parts.port is None:  # a proxy may pass the default port explicitly
            hosts.append(f"{parts.netloc}:*")
            origins.append(f"{parts.scheme}://{parts.netloc}:*")
    hosts.extend(settings.allowed_hosts)
    # A host trusted for requests is trusted as a browser origin too (same name, either scheme).
    origins.extend(f"{scheme}://{allowed}" for allowed in settings.allowed_hosts for scheme in ("http", "https"))
    origins.extend(settings.allowed_origins)
    enforce = is_loopback(host) or bool(settings.public_url or settings.allowed_hosts)
    if not enforce:
        log.info(
            "Host/Origin checks are off because the server listens on %s with no public URL; "
            "set NEXTCLOUD_MCP_SERVER_URL (or MCP_ALLOWED_HOSTS) to enable them",
            host,
        )
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=enforce, allowed_hosts=hosts, allowed_origins=origins
    )


def build_app(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    access: AppPasswordAccess | None = None,
    offer_rules: Sequence[Rule] = (),
    store_migrated: bool = False,
    registry: Registry | None = None,
) -> Starlette:
    """The whole HTTP application for standalone mode.

    `offer_rules` join the offer filter's own (scopes, toolsets): the ExApp applies the admin's
    settings (enabled toolsets, read-only) with one.
    `store_migrated`: the caller already migrated the store (the CLI does, to fail before listening).
    `registry` is filled with what the server offers (the ExApp passes its own, to read it too).
    """
    from nextcloud_mcp_server.auth.app_password import AppPasswordAccess
    from nextcloud_mcp_server.server import build_mcp_server
    from nextcloud_mcp_server.webhooks.subscriptions import ResourceSubscriptions

    registry = registry if registry is not None else Registry()
    access = access or AppPasswordAccess(settings)
    oauth = _oauth(settings, registry)
    if oauth is not None:  # bearer tokens (Flow 1): the caller is the token's user
        access = oauth.access(access, store=lambda: deps.store)  # type: ignore[assignment]
    subscriptions = ResourceSubscriptions()
    server = build_mcp_server(
        settings,
        access,
        subscriptions=subscriptions,
        store=lambda: deps.store,
        registry=registry,
        offer_rules=offer_rules,
    )
    streamable = server.streamable_http_app(
        streamable_http_path="/mcp",
        transport_security=transport_security(settings, host),
        max_request_body_size=settings.max_request_bytes,
        session_idle_timeout=settings.session_idle_timeout,
        max_sessions=settings.max_sessions,
        host=host,
    )
    limited = SessionLimits(
        streamable,
        access.identify,
        # The live session ids: the SDK's manager owns them and offers no public view.
        lambda: server.session_manager._server_instances.keys(),
        per_user=settings.max_sessions_per_user,
        idle_timeout=settings.session_idle_timeout,
    )
    mcp_app = ConnectionToolsets(limited, registry)
    deps = Deps(settings=settings, access=access, server=server, registry=registry)

    async def live(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def ready(request: Request) -> JSONResponse:
        ok, detail = await check_nextcloud(deps.access)
        return JSONResponse(
            {"status": "ready" if ok else "not ready", "nextcloud": detail}, status_code=200 if ok else 503
        )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stack = AsyncExitStack()
        ok, detail = await check_nextcloud(deps.access)
        if ok:
            log.info("Connected to %s", detail)
        else:
            log.error("Nextcloud is not usable: %s. /health/ready reports 503 until it is.", detail)
        try:
            async with anyio.create_task_group() as background:
                if settings.store_needed:  # opening migrates to head (under a lock: replicas may start together)
                    from nextcloud_mcp_server.store import Store

                    deps.store = await stack.enter_async_context(Store(settings, migrate=not store_migrated))
                    await _start_store_work(deps, subscriptions, background)
                try:
                    async with server.session_manager.run():
                        yield
                finally:
                    background.cancel_scope.cancel()
        finally:
            await stack.aclose()
            deps.store = None
            deps.webhooks = None
            await deps.access.aclose()
            if oauth is not None:
                await oauth.aclose()

    app = Starlette(
        routes=[
            Route("/health/live", live, methods=["GET"]),
            Route("/health/ready", ready, methods=["GET"]),
            *_webhook_routes(deps),
            *(oauth.routes() if oauth is not None else []),
            Mount("/", app=oauth.protect(mcp_app) if oauth is not None else mcp_app),
        ],
        lifespan=lifespan,
    )
    app.state.deps = deps  # the ExApp reaches the open Store and the MCP server through it
    return app


def _webhook_routes(deps: Deps) -> list[Route]:
    """`/webhooks/nextcloud`, only when WEBHOOK_SECRET is set (otherwise there is nothing to check against)."""
    if deps.settings.webhook_secret is None or not deps.settings.webhook_secret.get_secret_value():
        return []
    from nextcloud_mcp_server.webhooks.receiver import routes

    def stored(event_id: int) -> None:
        if deps.webhooks is not None:
            deps.webhooks.wake(event_id)

    return routes(deps.settings.webhook_secret, lambda: deps.store, stored)


async def _start_store_work(deps: Deps, subscriptions: Any, background: anyio.abc.TaskGroup) -> None:
    """The store is open (and migrated to head, under a lock): purge now and hourly, process webhooks."""
    store = deps.store
    assert store is not None
    purged = await store.purge()
    if purged.sessions or purged.events:
        log.info("Purged %d expired sessions and %d processed events", purged.sessions, purged.events)
    background.start_soon(functools.partial(store.purge_periodically, delay_first=True))
    deps.webhooks = await _start_webhooks(deps.settings, store, subscriptions, background)


async def _start_webhooks(
    settings: Settings, store: Store, subscriptions: Any, background: anyio.abc.TaskGroup
) -> InboxProcessor:
    """Process the inbox (events left from before a restart first) and follow it for live updates."""
    from nextcloud_mcp_server.webhooks.processor import InboxProcessor

    processor = InboxProcessor(
        store,
        subscriptions,
        max_attempts=settings.webhook_max_attempts,
        poll_interval=settings.webhook_poll_interval,
    )
    await background.start(processor.run)
    return processor


def _oauth(settings: Settings, registry: Registry) -> ResourceServer | None:
    """The OAuth resource-server parts when OIDC_DISCOVERY_URL is set, else None."""
    if not settings.oauth_enabled:
        return None
    from nextcloud_mcp_server.auth.oauth import ResourceServer

    return ResourceServer.from_settings(settings, registry)
