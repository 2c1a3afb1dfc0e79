"""Unified search fan-out (issue 11): five providers, one of them slow, searched by `nc_search_unified`
with a time budget; the whole tool call must end within the budget + 50 ms.

The stand-in runs in its own process with five test providers for the bench user (four answer at
once with five hits each, one only after 30 s); the MCP server is built in this process and called
through the SDK's in-memory client, so each figure is one complete `tools/call`: listing the
providers, fanning out over the caller's one HTTP client, cancelling the slow provider at the
budget, merging. Every call must report the slow provider as timed out and the four others'
results. `measure_search()` returns `bench.measure.Row`s for bench/run.py; `python -m
bench.search_bench` prints them.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio

from bench.measure import Row, ms, verdict
from bench.standin_proc import standin_process

USER = "bench"
PASSWORD = "bench-app-password"
BUDGET_S = 1.0
SLACK_S = 0.050
RUNS = 20
FAST = [f"bench_fast{n}" for n in range(1, 5)]
SLOW = "bench_slow"


def providers(standin: Any) -> None:
    """The child's setup (bench/standin_proc.py --setup): the five providers of the bench user."""
    from tests.standin.apps.unified_search import ScriptedProvider

    search = standin.services["unified_search"]
    for name in FAST:
        search.add_provider(ScriptedProvider(name, [f"bench {name} {n}" for n in range(5)]), USER)
    search.add_provider(ScriptedProvider(SLOW, ["bench slow"], delay=30.0), USER)


async def _calls(url: str, runs: int, budget: float) -> list[float]:
    from mcp import Client

    from nextcloud_mcp_server.auth.app_password import AppPasswordAccess
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.server import build_mcp_server

    settings = Settings(
        nextcloud_url=url,
        nextcloud_username=USER,
        nextcloud_password=PASSWORD,
        toolsets=["search"],
        log_level="WARNING",
    )
    arguments = {"query": "bench", "providers": [*FAST, SLOW], "timeout_seconds": budget}
    timings: list[float] = []
    async with Client(build_mcp_server(settings, AppPasswordAccess(settings))) as client:
        for run in range(runs + 1):  # the first call opens the connections: not counted
            began = time.perf_counter()
            result = await client.call_tool("nc_search_unified", arguments)
            elapsed = time.perf_counter() - began
            found = result.structured_content or {}
            if result.is_error or found.get("timed_out") != [SLOW] or len(found.get("results", [])) != 5 * len(FAST):
                raise RuntimeError(f"unexpected fan-out answer: {str(found or result.content)[:300]}")
            if run:
                timings.append(elapsed)
    return timings


def measure_search(runs: int = RUNS, budget: float = BUDGET_S) -> list[Row]:
    with (
        tempfile.TemporaryDirectory(prefix="nc-bench-search-") as tmp,
        standin_process(Path(tmp), {USER: PASSWORD}, setup="bench.search_bench:providers") as nc,
    ):
        timings = anyio.run(_calls, nc.url, runs, budget)
    worst, median = max(timings), statistics.median(timings)
    over = [t - budget for t in timings]
    return [
        Row(
            f"Unified search fan-out, 5 providers (1 slow), budget {budget:g} s: `nc_search_unified` call",
            f"median {ms(median)}, max {ms(worst)}",
            f"<= {ms(budget + SLACK_S)}",
            verdict(worst <= budget + SLACK_S),
            f"{runs} calls after one warm-up; the slow provider timed out and 4 x 5 results arrived every time; "
            f"past the budget: median {ms(statistics.median(over))}, max {ms(max(over))}",
        )
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search_bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--budget", type=float, default=BUDGET_S)
    args = parser.parse_args(argv)
    for row in measure_search(args.runs, args.budget):
        print(f"| {row.measure} | {row.figure} | {row.target} | {row.verdict} | {row.note} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
