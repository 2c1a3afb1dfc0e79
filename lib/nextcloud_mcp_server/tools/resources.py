"""Server-wide MCP resources: the caller's Nextcloud capabilities (no toolset: any caller may read it).

App resources (files, notes) are declared by their own tool modules.
"""

from __future__ import annotations

import json

from nextcloud_mcp_server.tools.declare import Nextcloud, resource

CAPABILITIES_URI = "nc://capabilities"


@resource(
    None,
    CAPABILITIES_URI,
    name="capabilities",
    title="Nextcloud capabilities",
    description="The Nextcloud version and the capabilities of each installed app, as JSON.",
    mime_type="application/json",
)
async def capabilities(nc: Nextcloud) -> str:
    return json.dumps(await nc.ocs.capabilities(), ensure_ascii=False)
