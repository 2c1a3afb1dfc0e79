"""`logging/setLevel` end to end (2025 protocol): a session hears a tool's outcome at the levels it
chose and not below; before it chooses, failures (warning) are sent and timings (debug) are not. On
2026-07-28 each request opts in with its own `_meta` log level. A log line for a call arrives on the
call's own stream before its result, so "not sent" is known once the result is in."""

from __future__ import annotations

import warnings
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.e2e.helpers import call

pytestmark = pytest.mark.anyio


class Heard:
    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []

    async def __call__(self, message: Any) -> None:
        if getattr(message, "method", None) == "notifications/message":
            self.messages.append((message.params.level, str(message.params.data)))

    def take(self) -> list[tuple[str, str]]:
        taken, self.messages = self.messages, []
        return taken


async def test_a_session_hears_tool_outcomes_at_the_level_it_set(mcp_http_url: str) -> None:
    heard = Heard()
    http = httpx.AsyncClient(timeout=30)
    async with Client(
        streamable_http_client(mcp_http_url, http_client=http), mode="legacy", message_handler=heard
    ) as client:
        assert client.server_capabilities.logging is not None
        await call(client, "nc_toolsets_list")
        failed = await client.call_tool("nc_webdav_read_file", {"path": "no/such/file.txt"})
        by_default = heard.take()
        with warnings.catch_warnings():  # deprecated by 2026-07-28, tested here for 2025 sessions
            warnings.simplefilter("ignore")
            await client.set_logging_level("debug")
        await call(client, "nc_toolsets_list")
        at_debug = heard.take()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            await client.set_logging_level("error")
        await client.call_tool("nc_webdav_read_file", {"path": "no/such/file.txt"})
        at_error = heard.take()
    assert failed.is_error
    assert [level for level, _ in by_default] == ["warning"]
    assert "nc_webdav_read_file: Read file failed (HTTP 404)" in by_default[0][1]
    assert len(at_debug) == 1
    assert at_debug[0][0] == "debug"
    assert at_debug[0][1].startswith("nc_toolsets_list: done in ")
    assert at_error == []


async def test_a_2026_request_hears_what_its_own_meta_asks_for(mcp_http_url: str) -> None:
    heard = Heard()
    async with Client(mcp_http_url, message_handler=heard) as client:
        await client.call_tool("nc_webdav_read_file", {"path": "no/such/file.txt"})
        without = heard.take()
        await client.call_tool(
            "nc_webdav_read_file", {"path": "no/such/file.txt"}, meta={"io.modelcontextprotocol/logLevel": "warning"}
        )
        opted_in = heard.take()
    assert without == []
    assert [level for level, _ in opted_in] == ["warning"]
