"""Build the MCPServer: name, instructions, every tool and resource.

Why separate from app.py: stdio needs the MCP server without any HTTP routes, and tests
connect to it in memory.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import MCPServer

from nextcloud_mcp_server import PRODUCT, __version__
from nextcloud_mcp_server.auth.caller import CallerMiddleware
from nextcloud_mcp_server.auth.scopes import ScopeRule
from nextcloud_mcp_server.offer import OfferFilter, Rule
from nextcloud_mcp_server.registry import Registry
from nextcloud_mcp_server.tools import register_all
from nextcloud_mcp_server.tools._base import NextcloudAccess, ToolDeps

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from nextcloud_mcp_server.auth.caller import Caller
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.store import Store
    from nextcloud_mcp_server.webhooks.subscriptions import ResourceSubscriptions

log = logging.getLogger(__name__)

INSTRUCTIONS = """\
Tools for the user's Nextcloud: files (WebDAV), notes, calendars and tasks (CalDAV),
contacts (CardDAV). Paths are relative to the user's files root, e.g. 'Documents/a.md'.
Results carry ids and etags; pass the etag back to an update to make it conditional, so
a concurrent change is reported instead of overwritten. Lists are paginated with
limit/offset; follow next_offset until it is null.
"""


def build_mcp_server(
    settings: Settings,
    access: NextcloudAccess,
    *,
    subscriptions: ResourceSubscriptions | None = None,
    store: Callable[[], Store | None] | None = None,
    registry: Registry | None = None,
    offer_rules: Sequence[Rule] = (),
) -> MCPServer[Any]:
    """The MCP server with every tool and resource registered against `access`, and recorded in `registry`.

    Every request first resolves its caller through `access` (CallerMiddleware), so whatever
    touches Nextcloud acts as that caller; then one OfferFilter lists and admits only what the
    caller's scopes, the selected toolsets and any `offer_rules` (the ExApp admin's) allow.
    Raises ConfigError when NEXTCLOUD_MCP_TOOLSETS names an unknown toolset. With `subscriptions`,
    clients may subscribe to resources (both MCP eras) and hear of their own changes the webhooks report; `store` gives
    tools the open Store (the recent-changes feed).
    """
    server: MCPServer[Any] = MCPServer(
        PRODUCT,
        title="Nextcloud MCP Server",
        version=__version__,
        instructions=INSTRUCTIONS,
        website_url="https://github.com/nextcloud/nextcloud-mcp-server",
        log_level=settings.log_level,  # type: ignore[arg-type]
        subscriptions=subscriptions.bus if subscriptions is not None else None,
    )
    server.middleware.insert(0, CallerMiddleware(access.identify))
    if subscriptions is not None:
        subscriptions.install(server)
    from nextcloud_mcp_server.session_log import SessionLog
    from nextcloud_mcp_server.toolsets import ToolsetRule

    session_log = SessionLog()
    session_log.install(server)
    registry = registry or Registry()
    toolsets = ToolsetRule(settings.toolsets, registry, dynamic=settings.dynamic_toolsets)
    offer = OfferFilter(registry, tools_change=settings.dynamic_toolsets)
    deps = ToolDeps(
        settings=settings,
        access=access,
        server=server,
        registry=registry,
        store=store,
        offer=offer,
        toolsets=toolsets,
        subscriptions=subscriptions,
        log=session_log,
    )
    register_all(server, deps)
    toolsets.validate()
    deps.materialize([None, *toolsets.start])  # the rest when a session enables it
    offer.rules.extend([ScopeRule(), _gating(settings, access, registry, subscriptions), toolsets, *offer_rules])
    server.middleware.insert(1, offer)
    return server


def _gating(
    settings: Settings, access: NextcloudAccess, registry: Registry, subscriptions: ResourceSubscriptions | None
) -> Rule:
    """The capability rule: each caller's capabilities, fetched as them and cached per user."""
    from nextcloud_mcp_server.gating import CapabilityCache, CapabilityRule, ToolListListeners

    async def fetch(caller: Caller) -> dict[str, Any] | None:
        from nextcloud_mcp_server.auth.caller import NoCaller
        from nextcloud_mcp_server.auth.errors import AuthError, NeedsProvisioning
        from nextcloud_mcp_server.nextcloud.errors import NextcloudError

        try:
            data = await (await access.client_for(caller)).ocs.capabilities()
        except (NeedsProvisioning, AuthError, NoCaller, NextcloudError) as exc:  # unknown: gate nothing
            log.debug("No capabilities for %s (%s); nothing is gated for them", caller.user, type(exc).__name__)
            return None
        found = data.get("capabilities")
        return found if isinstance(found, dict) else None

    listeners = ToolListListeners(subscriptions.bus.publish_to if subscriptions is not None else None)
    return CapabilityRule(registry, CapabilityCache(fetch, settings.capabilities_ttl), listeners=listeners)


def offered(settings: Settings) -> Registry:
    """What a server built with `settings` offers, without serving it: for the admin form's picture and tests."""
    from nextcloud_mcp_server.auth.app_password import AppPasswordAccess

    registry = Registry()
    build_mcp_server(settings, AppPasswordAccess(settings), registry=registry)
    return registry
