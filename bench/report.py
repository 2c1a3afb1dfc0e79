"""Write one dated section of bench/RESULTS.md: the command, the machine, the table."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import sys
from pathlib import Path

from bench.measure import REPO, Row

RESULTS = REPO / "bench" / "RESULTS.md"
HEADER = """# Benchmark results

Each `make bench` run appends a dated section (newest last) with the exact command, the
machine, and every figure next to its target. Targets (issue 2): start-up within 1.3x of
the MCP SDK's own import time with every tool registered; per-call time within 2x of the
same request made directly; server RSS under 90 MB; streaming memory under 50 MB above idle.
"""


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def machine_facts(load_at_start: str) -> list[str]:
    cpu = ""
    with contextlib.suppress(OSError):
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            "",
        )
    return [
        f"nproc: {os.cpu_count()}" + (f" ({cpu})" if cpu else ""),
        f"Python: {sys.version.split()[0]} ({sys.executable})",
        f"Platform: {platform.platform()}",
        f"Load average (1/5/15 min) at the start: {load_at_start}; at the end: {load()}",
    ]


def busy_warning(load_at_start: str) -> str | None:
    """A caveat when other work shared the CPUs: timings are then high and noisy."""
    one_minute = float(load_at_start.split(" / ")[0])
    cpus = os.cpu_count() or 1
    if one_minute <= cpus / 2:
        return None
    return (
        f"**Caveat:** the machine was busy (1-minute load {one_minute:.2f} on {cpus} CPUs) when this run began; "
        "timings are inflated and noisy."
    )


def section(
    command: str, rows: list[Row], notes: list[str], extra: list[str], seconds: float, load_at_start: str
) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"## {now}", "", f"Command: `{command}` (took {seconds:.0f} s)", ""]
    lines += [f"- {fact}" for fact in machine_facts(load_at_start)]
    warning = busy_warning(load_at_start)
    if warning:
        lines += ["", warning]
    lines += ["", *table(rows)]
    if notes:
        lines += [""] + [f"- {note}" for note in notes]
    if extra:
        lines += ["", *extra]
    return "\n".join(lines) + "\n"


def table(rows: list[Row]) -> list[str]:
    """The rows as a Markdown table (what RESULTS.md and the single-section commands print)."""
    return [
        "| measure | figure | target | verdict | note |",
        "|---|---|---|---|---|",
        *(f"| {r.measure} | {r.figure} | {r.target} | {r.verdict} | {r.note} |" for r in rows),
    ]


def print_rows(rows: list[Row]) -> int:
    """Print the table; 0 when every target with a verdict was met, else 1 (for `python -m bench.X`)."""
    print("\n".join(table(rows)))
    return 0 if all(row.verdict in ("met", "-") for row in rows) else 1


def append(text: str, path: Path = RESULTS) -> None:
    existing = path.read_text() if path.exists() else HEADER
    path.write_text(existing.rstrip("\n") + "\n\n" + text)
