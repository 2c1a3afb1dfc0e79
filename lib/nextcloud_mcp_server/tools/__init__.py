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
    """Register every tool and resource of every app on `server`: those a module declares at module
    level (the template, tools/declare.py), and those an older module registers in its `register`."""
    from nextcloud_mcp_server.tools.declare import register_declared

    for name in TOOL_MODULES:
        module = import_module(f"{__name__}.{name}")
        register_declared(module, deps)
        if (register := getattr(module, "register", None)) is not None:
            register(server, deps)
