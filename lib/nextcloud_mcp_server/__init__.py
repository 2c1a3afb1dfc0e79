"""Nextcloud MCP Server: the engine, usable with or without AppAPI."""

__version__ = "0.1.0"
PRODUCT = "nextcloud-mcp-server"
