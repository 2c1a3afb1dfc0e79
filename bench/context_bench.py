"""What tools cost a model, and what abandoned sessions cost the server.

- Model-facing bytes: name + description + inputSchema of each listed tool, compact JSON, as a
  client hands them to its model at the start of every session; for the default set and for all.
- Sessions: the real server process (`run`) gets 2,000 `initialize` requests that never close
  their session; its RSS before and after, against the per-process cap.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from typing import Any

import anyio
import httpx
import psutil

from bench.measure import MB, REPO, Row, verdict

DEFAULT_TARGET = 25 * 1024
MEAN_TARGET = 600
SESSIONS = 2000
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}},
}


def _facing(tool: Any) -> int:
    return len(json.dumps({"name": tool.name, "description": tool.description, "inputSchema": tool.input_schema},
                          separators=(",", ":")))  # fmt: skip


async def _listed(toolsets: list[str]) -> list[Any]:
    from mcp import Client

    from nextcloud_mcp_server.auth.app_password import AppPasswordAccess
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.server import build_mcp_server

    settings = Settings(nextcloud_url="http://127.0.0.1:9", nextcloud_username="u", nextcloud_password="p",
                        toolsets=toolsets)  # fmt: skip
    async with Client(build_mcp_server(settings, AppPasswordAccess(settings))) as client:
        return list((await client.list_tools()).tools)


def measure_context() -> list[Row]:
    rows: list[Row] = []
    for label, toolsets in (("default set", ["default"]), ("all toolsets", ["all"])):
        tools = anyio.run(_listed, toolsets)
        sizes = {tool.name: _facing(tool) for tool in tools}
        total, mean = sum(sizes.values()), sum(sizes.values()) / len(sizes)
        largest = max(sizes, key=lambda name: sizes[name])
        ok = total <= DEFAULT_TARGET if label == "default set" else True
        rows.append(Row(f"Model-facing tools/list bytes, {label} ({len(sizes)} tools)", f"{total:,} B",
                        "<= 25 KB" if label == "default set" else "(recorded)", verdict(ok),
                        f"largest {largest} {sizes[largest]:,} B"))  # fmt: skip
        rows.append(Row(f"Mean model-facing bytes per tool, {label}", f"{mean:.0f} B", f"<= {MEAN_TARGET} B",
                        verdict(mean <= MEAN_TARGET), ""))  # fmt: skip
    return rows + per_toolset(tools)


def per_toolset(tools: list[Any]) -> list[Row]:
    """Each toolset's model-facing bytes (issues 11-13: <= 600 B a tool on average)."""
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.server import offered

    registry = offered(Settings(nextcloud_url="http://127.0.0.1:9", nextcloud_username="u", nextcloud_password="p"))
    rows = []
    for name in registry.toolsets:
        sizes = {t.name: _facing(t) for t in tools if registry.tools[t.name].toolset == name}
        if not sizes:
            continue
        mean, largest = sum(sizes.values()) / len(sizes), max(sizes, key=lambda tool: sizes[tool])
        rows.append(Row(f"Model-facing bytes, toolset `{name}` ({len(sizes)} tools)",
                        f"{sum(sizes.values()):,} B, mean {mean:.0f} B", f"mean <= {MEAN_TARGET} B",
                        verdict(mean <= MEAN_TARGET), f"largest {largest} {sizes[largest]:,} B"))  # fmt: skip
    return rows


def measure_sessions(server_env: dict[str, str], cap: int = 1000) -> list[Row]:
    """RSS of the real server before and after 2,000 abandoned sessions, with the process cap at `cap`."""
    with __import__("socket").socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEXTCLOUD_", "MCP_"))}
    env.update(server_env)
    env.update({"LOG_LEVEL": "INFO", "MCP_MAX_SESSIONS": str(cap), "MCP_MAX_SESSIONS_PER_USER": str(SESSIONS)})
    command = [sys.executable, "-m", "nextcloud_mcp_server", "run", "--port", str(port)]
    server = subprocess.Popen(command, env=env, cwd=REPO, stderr=subprocess.PIPE, text=True)
    listening = threading.Event()

    def drain() -> None:
        assert server.stderr is not None
        for line in server.stderr:
            if "Application startup complete" in line:
                listening.set()

    threading.Thread(target=drain, daemon=True).start()
    try:
        if not listening.wait(timeout=60):
            raise RuntimeError("the server did not start")
        process = psutil.Process(server.pid)
        url = f"http://127.0.0.1:{port}/mcp"
        headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
        with httpx.Client(timeout=30) as http:
            http.post(url, json=INITIALIZE, headers=headers)
            before = process.memory_info().rss
            statuses = [http.post(url, json=INITIALIZE, headers=headers).status_code for _ in range(SESSIONS - 1)]
            after = process.memory_info().rss
    finally:
        server.terminate()
        server.communicate(timeout=30)
    opened = statuses.count(200) + 1
    grown = (after - before) / MB
    per_session = (after - before) / max(opened - 1, 1) / 1024
    return [
        Row(
            f"RSS after {SESSIONS:,} abandoned sessions (MCP_MAX_SESSIONS={cap})",
            f"{after / MB:.1f} MB",
            f"bounded by the cap ({cap} open)",
            verdict(opened == cap),
            f"{opened} opened, {statuses.count(503)} refused with 503; +{grown:.1f} MB "
            f"(~{per_session:.0f} KB per open session) over the first session",
        )
    ]
