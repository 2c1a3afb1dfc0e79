"""Helpers the e2e tool modules share: call a tool through the real MCP client and
insist on success or failure, and make names unique within a module's shared user."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}
"""A plain 2025 `initialize` request, for tests that speak HTTP to /mcp without the SDK client."""


def unique(prefix: str) -> str:
    """`prefix` plus a random suffix (tests in a module share one stand-in user)."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def call(mcp: Any, tool: str, /, **arguments: Any) -> dict[str, Any]:
    """Call `tool`, assert it succeeded, and return its structured content."""
    result = await mcp.call_tool(tool, arguments)
    assert not result.is_error, result.content[0].text
    return result.structured_content


async def error_of(mcp: Any, tool: str, /, **arguments: Any) -> str:
    """Call `tool`, assert it failed, and return the error text."""
    result = await mcp.call_tool(tool, arguments)
    assert result.is_error, result.structured_content
    return result.content[0].text


@contextmanager
def own_server(user: Any, **settings: Any) -> Iterator[str]:
    """The /mcp URL of `user`'s own server over Streamable HTTP, with every toolset on unless
    `settings` (Settings fields, e.g. `toolsets`, `capabilities_ttl`) say otherwise."""
    from nextcloud_mcp_server.app import build_app
    from tests.standin.server import serve_in_thread

    settings.setdefault("toolsets", ["all"])
    with serve_in_thread(build_app(user.settings(**settings)), lifespan="on") as url:
        yield f"{url}/mcp"


@asynccontextmanager
async def session(url: str) -> AsyncIterator[Any]:
    """An MCP client of `url` over Streamable HTTP whose HTTP requests may take 30 s (a tool that makes
    many requests to the stand-in, under a loaded test machine)."""
    import httpx
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    async with Client(streamable_http_client(url, http_client=httpx.AsyncClient(timeout=30))) as client:
        yield client
