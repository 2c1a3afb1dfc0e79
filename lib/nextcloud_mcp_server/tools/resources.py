"""Server-wide MCP resources: the Nextcloud's capabilities.

App resources (files, notes) are registered by their own tool modules.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

from nextcloud_mcp_server.tools._base import ToolDeps

CAPABILITIES_URI = "nc://capabilities"


def register(server: MCPServer[Any], deps: ToolDeps) -> None:
    """Register `nc://capabilities` (what the caller's Nextcloud offers; any caller may read it)."""

    @deps.resource(
        CAPABILITIES_URI,
        toolset=None,
        name="capabilities",
        title="Nextcloud capabilities",
        description="The Nextcloud version and the capabilities of each installed app, as JSON.",
        mime_type="application/json",
    )
    async def capabilities() -> str:
        nc = await deps.nextcloud()
        return json.dumps(await nc.ocs.capabilities(), ensure_ascii=False)
