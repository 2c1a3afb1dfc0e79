"""(1) Start-up: stdio spawn -> initialize -> tools/list, next to the MCP SDK's own import time.

The floor is `python -c 'import mcp.server.mcpserver'` in the same venv: no MCP server can
start faster than its SDK imports. The target is 1.3x that floor with every tool registered.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.measure import REPO, Row, devnull, median, verdict

TARGET_RATIO = 1.3
IMPORTTIME_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")


@dataclass
class StartupResult:
    rows: list[Row] = field(default_factory=list)
    offenders: list[str] = field(default_factory=list)  # markdown lines, when the target is missed


def console_script() -> Path:
    return Path(sys.executable).parent / "nextcloud-mcp-server"


def child_env(server_env: dict[str, str]) -> dict[str, str]:
    """The bench's environment without any developer Nextcloud settings, plus the stand-in user's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEXTCLOUD_", "MCP_"))}
    env.update(server_env)
    return env


def time_floor(runs: int) -> list[float]:
    """Wall time of `python -c 'import mcp.server.mcpserver'`, `runs` times."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import mcp.server.mcpserver"], check=True, cwd=REPO)
        times.append(time.perf_counter() - start)
    return times


async def spawn_to_tools_list(command: str, args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Seconds from spawning the stdio server to having its tool list, and the number of tools."""
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters, stdio_client

    params = StdioServerParameters(command=command, args=args, env=env, cwd=str(REPO))
    with devnull() as errlog:
        start = time.perf_counter()
        async with Client(stdio_client(params, errlog=errlog)) as client:
            listed = await client.list_tools()
            elapsed = time.perf_counter() - start
    return elapsed, len(listed.tools)


async def measure_startup(server_env: dict[str, str], runs: int) -> StartupResult:
    result = StartupResult()
    floor = median(time_floor(runs))
    result.rows.append(
        Row(
            "Floor: `python -c 'import mcp.server.mcpserver'`",
            f"{floor:.3f} s",
            "(reference)",
            "-",
            f"median of {runs}",
        )
    )
    base = {**server_env, "LOG_LEVEL": "WARNING"}
    every = {**base, "NEXTCLOUD_MCP_TOOLSETS": "all"}  # every tool built and listed
    module = ["-m", "nextcloud_mcp_server", "run", "--transport", "stdio"]
    variants: list[tuple[str, str, list[str], dict[str, str]]] = [
        (
            "stdio spawn -> initialize -> tools/list, all toolsets "
            "(`python -m nextcloud_mcp_server run --transport stdio`)",
            sys.executable,
            module,
            every,
        ),
        (
            "same, via the console script `.venv/bin/nextcloud-mcp-server run --transport stdio`",
            str(console_script()),
            ["run", "--transport", "stdio"],
            every,
        ),
        ("same as the first, default toolsets (NEXTCLOUD_MCP_TOOLSETS unset)", sys.executable, module, base),
    ]
    missed = False
    for label, command, args, env in variants:
        times: list[float] = []
        tools = 0
        for _ in range(runs):
            elapsed, tools = await spawn_to_tools_list(command, args, env)
            times.append(elapsed)
        figure = median(times)
        ratio = figure / floor
        ok = ratio <= TARGET_RATIO
        missed = missed or not ok
        result.rows.append(
            Row(
                label,
                f"{figure:.3f} s ({ratio:.2f}x floor)",
                f"<= {TARGET_RATIO}x floor ({floor * TARGET_RATIO:.3f} s)",
                verdict(ok),
                f"median of {runs}; {tools} tools listed",
            )
        )
    if missed:
        result.offenders = import_offenders(env)
    return result


def import_offenders(server_env: dict[str, str], top: int = 12) -> list[str]:
    """What start-up imports beyond the SDK floor, biggest self time first (markdown lines)."""
    lines = ["`python -X importtime -m nextcloud_mcp_server --version`, top self times:", ""]
    version = _importtime([sys.executable, "-X", "importtime", "-m", "nextcloud_mcp_server", "--version"], None)
    lines += _table(sorted(version.items(), key=lambda kv: -kv[1][0])[:top])
    floor = _importtime([sys.executable, "-X", "importtime", "-c", "import mcp.server.mcpserver"], None)
    serving = _importtime(
        [sys.executable, "-X", "importtime", "-m", "nextcloud_mcp_server", "run", "--transport", "stdio"],
        child_env(server_env),
    )
    extra = {name: t for name, t in serving.items() if name not in floor}
    total = sum(self_us for self_us, _ in extra.values()) / 1e6
    lines += [
        "",
        f"`python -X importtime -m nextcloud_mcp_server run --transport stdio` (stdin closed): {len(extra)} modules "
        f"beyond the SDK floor's imports, {total:.3f} s of self time; top:",
        "",
    ]
    lines += _table(sorted(extra.items(), key=lambda kv: -kv[1][0])[:top])
    return lines


def _importtime(cmd: list[str], env: dict[str, str] | None) -> dict[str, tuple[int, int]]:
    done = subprocess.run(
        cmd, env=env, cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    found: dict[str, tuple[int, int]] = {}
    for line in done.stderr.splitlines():
        match = IMPORTTIME_LINE.match(line)
        if match:
            found[match.group(4)] = (int(match.group(1)), int(match.group(2)))
    return found


def _table(items: list[tuple[str, Any]]) -> list[str]:
    out = ["| module | self | cumulative |", "|---|---:|---:|"]
    out += [f"| `{name}` | {s / 1000:.1f} ms | {c / 1000:.1f} ms |" for name, (s, c) in items]
    return out
