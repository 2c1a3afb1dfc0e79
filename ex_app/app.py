"""The one ASGI app an ExApp serves: AppAPI's lifecycle routes plus every engine route,
behind AppAPI request authentication.

Why a wrapper rather than new routes in the engine: the engine must work without
AppAPI, so the AppAPI face is added around it (ex_app imports the engine, never the reverse).
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from ex_app import admin_settings, webhooks
from ex_app.access import AppApiAccess
from ex_app.admin_settings import AdminPolicy, AdminRule, PolicySource, appconfig_fetcher
from ex_app.auth import AppApiAuthMiddleware
from ex_app.lifecycle import Lifecycle
from ex_app.oauth import ExternalClientGate, ExternalClients

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    import httpx

    from ex_app.env import ExAppEnv
    from nextcloud_mcp_server.config import Settings

WEBHOOK_PATH = "/webhooks/nextcloud"
OPEN_PATHS = ("/heartbeat",)
"""Answered without any authentication (AppAPI's heartbeat carries none)."""
PUBLIC_PREFIXES = ("/.well-known/oauth-protected-resource", "/oauth/")
"""PUBLIC routes in appinfo/info.xml whose handlers authenticate (or need no authentication) themselves."""
USER_REQUIRED = ("/mcp", "/admin")
"""Paths that act on Nextcloud as a user: an AppAPI signature with an empty user is refused."""
BEARER_PATHS = ("/mcp",)
"""...except here, where an external OAuth client (no AppAPI user) may present a bearer token."""


def exapp_settings(env: ExAppEnv, **overrides: Any) -> Settings:
    """The engine's Settings in ExApp mode: Nextcloud and storage come from AppAPI's environment."""
    from nextcloud_mcp_server.config import load_settings

    # The engine's webhook receiver checks a shared secret; in ExApp mode deliveries are
    # authenticated by AppAPI instead, and WebhookBridge hands this process-local secret on.
    values: dict[str, Any] = {"nextcloud_url": env.nextcloud_url, "webhook_secret": secrets.token_urlsafe(32)}
    # Sessions start with the default toolsets (NEXTCLOUD_MCP_TOOLSETS may say otherwise) and enable
    # others through discovery; the admin's form says which are available at all (AdminRule).
    if env.persistent_storage is not None:
        values["app_persistent_storage"] = env.persistent_storage
    # OIDC_DISCOVERY_URL stays here: ex_app.oauth (not the engine's gate) serves external clients.
    return load_settings(**{**values, **overrides})


def build_exapp(
    env: ExAppEnv,
    settings: Settings | None = None,
    *,
    host: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    settings_ttl: float = 5.0,
) -> Starlette:
    """Lifecycle routes + the engine's routes, with AppAPI authentication in front of both.

    `settings_ttl`: seconds the admin's settings are cached before they are read again.
    """
    from nextcloud_mcp_server.app import build_app
    from nextcloud_mcp_server.registry import Registry

    settings = settings or exapp_settings(env)
    registry = Registry()  # filled by build_app; the form, the policy and external clients read it
    lifecycle = Lifecycle(env, settings)
    fetch_settings = appconfig_fetcher(lifecycle.nextcloud_app)
    policy = PolicySource(fetch_settings, ttl=settings_ttl)
    # Flow 2 keeps its state (PKCE, grants) in the engine's store, opened by the engine's lifespan.
    external = ExternalClients(settings, policy, registry, store=lambda: engine.state.deps.store)
    access = AppApiAccess(settings, env.identity, transport=transport, external=external)
    engine = build_app(
        # The engine's own bearer gate would refuse Nextcloud users: ExternalClientGate replaces it.
        settings.model_copy(update={"oidc_discovery_url": None}),
        host=host or env.app_host,
        access=access,  # type: ignore[arg-type]
        offer_rules=[AdminRule(policy, registry)],
        registry=registry,
    )

    async def on_enable(nc: Any) -> None:
        """Register the admin form, then the webhooks (or remove them when the admin turned sync off)."""
        await nc.ui.settings.register_form(admin_settings.form(registry))
        store = engine.state.deps.store
        sync = AdminPolicy.from_config(await fetch_settings()).webhook_sync
        async with webhooks.exclusive(settings):  # replicas enabling at once must not both register
            if sync:
                await webhooks.register(nc, env.app_id, store)
            else:
                await webhooks.unregister(nc, env.app_id, store)

    async def on_disable(nc: Any) -> None:
        async with webhooks.exclusive(settings):
            await webhooks.unregister(nc, env.app_id, engine.state.deps.store)

    lifecycle.on_enable = on_enable
    lifecycle.on_disable = on_disable

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with engine.router.lifespan_context(engine), anyio.create_task_group() as tasks:
            lifecycle.task_group = tasks
            try:
                yield
            finally:
                lifecycle.task_group = None
                tasks.cancel_scope.cancel()
                await external.aclose()

    async def admin_status(request: Request) -> JSONResponse:
        """What an admin sees at /admin (Nextcloud lets only admins through): version and settings in effect."""
        current = await policy.current()
        store = engine.state.deps.store
        registered = len(await store.webhooks.list(limit=1000)) if store is not None else None
        return JSONResponse(
            {
                "app": env.app_id,
                "version": env.app_version,
                "settings": {**dataclasses.asdict(current), "enabled_apps": current.enabled_toolsets(registry)},
                "webhooks_registered": registered,
            }
        )

    app = Starlette(
        routes=[
            *lifecycle.routes(),
            Route("/admin", admin_status, methods=["GET"]),
            *external.routes(),
            Mount("/", app=engine),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(WebhookBridge, secret=settings.webhook_secret)
    app.add_middleware(ExternalClientGate, clients=external)
    app.add_middleware(
        AppApiAuthMiddleware,
        identity=env.identity,
        open_paths=OPEN_PATHS,
        public_prefixes=PUBLIC_PREFIXES,
        user_required=USER_REQUIRED,
        bearer_paths=BEARER_PATHS,
    )
    app.state.lifecycle = lifecycle
    app.state.access = access
    app.state.registry = registry
    app.state.external_clients = external
    return app


class WebhookBridge:
    """Runs inside AppApiAuthMiddleware: a delivery that passed AppAPI's check gets the receiver's secret header.

    webhook_listeners delivers to an ExApp through AppAPI with AppAPI headers, not with the
    receiver's shared secret; any `X-Webhook-Secret` the request carried is dropped first.
    """

    def __init__(self, app: Any, secret: Any) -> None:
        self.app = app
        self.header = (b"x-webhook-secret", secret.get_secret_value().encode()) if secret is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == WEBHOOK_PATH and self.header is not None:
            headers = [(k, v) for k, v in scope["headers"] if k.lower() != self.header[0]]
            scope = {**scope, "headers": [*headers, self.header]}
        await self.app(scope, receive, send)
