"""Build the MCPServer: name, instructions, every tool and resource.

Why separate from app.py: stdio needs the MCP server without any HTTP routes, and tests
connect to it in memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import MCPServer

from nextcloud_mcp_server import PRODUCT, __version__
from nextcloud_mcp_server.tools import register_all
from nextcloud_mcp_server.tools._base import NextcloudAccess, ToolDeps

if TYPE_CHECKING:
    from collections.abc import Callable

    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.store import Store
    from nextcloud_mcp_server.webhooks.subscriptions import ResourceSubscriptions

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
) -> MCPServer[Any]:
    """The MCP server with every tool registered against `access`.

    With `subscriptions`, clients may subscribe to resources (both MCP eras) and hear of
    changes the webhooks report; `store` gives tools the open Store (the recent-changes feed).
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
    if subscriptions is not None:
        subscriptions.install(server)
    register_all(server, ToolDeps(settings=settings, access=access, store=store))
    return server
