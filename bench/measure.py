"""Small measuring helpers shared by the benchmarks: statistics, RSS, one result row."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import psutil

REPO = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    """The 95th percentile by nearest rank (no interpolation: a value that was observed)."""
    ordered = sorted(values)
    rank = max(1, -(-95 * len(ordered) // 100))
    return ordered[rank - 1]


def rss_mb(process: psutil.Process) -> float:
    return process.memory_info().rss / MB


def peak_rss_mb(process: psutil.Process) -> float:
    """The process's peak resident set (VmHWM) in MiB; current RSS where the kernel hides it."""
    try:
        for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return rss_mb(process)


@dataclass
class Row:
    """One line of the results table: what, the figure, the target, and whether it was met."""

    measure: str
    figure: str
    target: str
    verdict: str  # "met", "MISSED", or why there is no figure (e.g. "tool missing")
    note: str = ""


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


@contextmanager
def devnull() -> Iterator[TextIO]:
    """Where a spawned server's stderr goes (opening /dev/null never blocks)."""
    with open(os.devnull, "w") as sink:
        yield sink


async def _unchecked(name: str, result: Any) -> None:
    """Stands in for the SDK client's `validate_tool_result` (jsonschema over the whole result)."""


async def interleaved(
    client: Any, runs: int, direct: Callable[[], Awaitable[None]], call: Callable[[], Awaitable[Any]]
) -> tuple[dict[str, list[float]], Any]:
    """Seconds of `runs` rounds, after one warm-up round (connections, caches) that is not counted:
    `direct` (the app's own API), then `call` (a tool through the SDK `client`) as the client is and
    with its output check replaced by a no-op; interleaved, so a change of load hits all three.
    Returns the times by kind ("direct", "tool", "unchecked") and the last tool result."""
    found: dict[str, list[float]] = {"direct": [], "tool": [], "unchecked": []}
    checked = client.session.validate_tool_result
    result: Any = None
    for run in range(runs + 1):
        began = time.perf_counter()
        await direct()
        elapsed = {"direct": time.perf_counter() - began}
        for kind, validate in (("tool", checked), ("unchecked", _unchecked)):
            client.session.validate_tool_result = validate
            began = time.perf_counter()
            result = await call()
            elapsed[kind] = time.perf_counter() - began
        if run:
            for kind, seconds in elapsed.items():
                found[kind].append(seconds)
    client.session.validate_tool_result = checked
    return found, result
