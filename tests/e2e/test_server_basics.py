"""The server starts on both transports, lists its tools, and reads Nextcloud's capabilities."""

from __future__ import annotations

import json

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_capabilities_resource_shows_the_nextcloud_version(mcp, standin) -> None:
    result = await mcp.read_resource("nc://capabilities")
    data = json.loads(result.contents[0].text)
    assert data["version"]["string"] == "31.0.9"
    assert "notes" in data["capabilities"]


async def test_health_live_and_ready_answer_when_nextcloud_is_up(mcp_http_url: str) -> None:
    base = mcp_http_url.removesuffix("/mcp")
    async with httpx.AsyncClient() as client:
        live = await client.get(f"{base}/health/live")
        ready = await client.get(f"{base}/health/ready")
    assert live.status_code == 200
    assert ready.status_code == 200
    assert "31.0.9" in ready.json()["nextcloud"]
