"""MCP tools, one module per Nextcloud app: validate -> client -> shape.

Each module offers `register(server, deps)`. Modules import only what their schemas
need at start-up; Nextcloud clients and parsers are imported when a tool first runs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from nextcloud_mcp_server.tools._base import ToolDeps

TOOL_MODULES = ("files", "notes", "calendar", "tasks", "contacts", "resources", "activity", "auth", "toolsets")


def register_all(server: MCPServer[Any], deps: ToolDeps) -> None:
    """Register every tool and resource of every app on `server`."""
    for name in TOOL_MODULES:
        import_module(f"{__name__}.{name}").register(server, deps)
