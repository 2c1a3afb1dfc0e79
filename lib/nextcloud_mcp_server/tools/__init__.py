"""MCP tools, one module per Nextcloud app: validate -> client -> shape.

A module declares its tools and resources at module level (the template, tools/declare.py);
server-level tools that depend on the deployment (OAuth's `nc_auth_*`, the discovery tools) are
registered by the module's `register(server, deps)`. Every module of this package is found and
registered, so adding an app touches no list here. Modules import only what their schemas need
at start-up; Nextcloud clients and parsers are imported when a tool first runs.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from nextcloud_mcp_server.tools._base import ToolDeps

FIRST = ("files", "notes", "calendar", "tasks", "contacts")
"""Listed first, in this order (the order of toolsets in lists and the admin form); the rest by name."""


def tool_modules() -> list[str]:
    """The modules of this package that may declare tools (helpers start with `_`)."""
    found = sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_"))
    return [*(name for name in FIRST if name in found), *(name for name in found if name not in FIRST)]


def register_all(server: MCPServer[Any], deps: ToolDeps) -> None:
    """Register every tool and resource of every app on `server`: those a module declares at module
    level, and those a module registers in its `register`."""
    from nextcloud_mcp_server.tools.declare import register_declared

    for name in tool_modules():
        module = import_module(f"{__name__}.{name}")
        register_declared(module, deps)
        if (register := getattr(module, "register", None)) is not None:
            register(server, deps)
