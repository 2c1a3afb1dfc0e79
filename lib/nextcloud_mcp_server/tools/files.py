"""MCP tools for files (being built)."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer

from nextcloud_mcp_server.tools._base import ToolDeps


def register(server: MCPServer[Any], deps: ToolDeps) -> None:
    """Register the files tools."""
