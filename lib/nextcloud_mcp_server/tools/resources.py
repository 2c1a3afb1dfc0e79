"""Server-wide MCP resources: the Nextcloud's capabilities.

App resources (files, notes) are registered by their own tool modules.
"""

from __future__ import annotations

import json
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError

from nextcloud_mcp_server.nextcloud.errors import NextcloudError
from nextcloud_mcp_server.tools._base import ToolDeps

CAPABILITIES_URI = "nc://capabilities"


def register(server: MCPServer[Any], deps: ToolDeps) -> None:
    """Register `nc://capabilities`."""

    @server.resource(
        CAPABILITIES_URI,
        name="capabilities",
        title="Nextcloud capabilities",
        description="The Nextcloud version and the capabilities of each installed app, as JSON.",
        mime_type="application/json",
    )
    async def capabilities() -> str:
        nc = await deps.nextcloud(None)
        try:
            data = await nc.ocs.capabilities()
        except NextcloudError as exc:
            raise ResourceError(f"Cannot read Nextcloud capabilities: {exc}") from None
        return json.dumps(data, ensure_ascii=False)
