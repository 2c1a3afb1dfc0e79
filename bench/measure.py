"""Small measuring helpers shared by the benchmarks: statistics, RSS, one result row."""

from __future__ import annotations

import os
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

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
