"""`make bench` = `python -m bench.run`: measure start-up, per-call latency, RSS and streaming
memory against the bundled stand-in, and append the figures to bench/RESULTS.md.

The stand-in runs in a child process (bench/standin_proc.py) and so does every server being
measured; this process only drives them. Nothing sleeps or polls; everything stops by itself.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import anyio

from bench import latency, report, startup, streaming
from bench.measure import REPO, Row
from bench.standin_proc import standin_process

USER = "bench"
PASSWORD = "bench-app-password"
SECTIONS = ("startup", "latency", "streaming", "context", "store", "oauth", "webhooks", "search", "deck", "talk")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated subset of {', '.join(SECTIONS)}")
    parser.add_argument("--spawns", type=int, default=10, help="start-up runs (median)")
    parser.add_argument("--calls", type=int, default=200, help="calls per tool and transport")
    parser.add_argument("--stream-mb", type=int, default=500, help="size of the streamed file")
    parser.add_argument("--no-write", action="store_true", help="print the section, do not append to RESULTS.md")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    wanted = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = wanted - set(SECTIONS)
    if unknown:
        print(f"unknown section(s): {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}", file=sys.stderr)
        return 2
    began = time.perf_counter()
    load_at_start = report.load()
    rows: list[Row] = []
    notes: list[str] = []
    extra: list[str] = []
    with tempfile.TemporaryDirectory(prefix="nc-bench-") as tmp, standin_process(Path(tmp), {USER: PASSWORD}) as nc:
        env = {"NEXTCLOUD_URL": nc.url, "NEXTCLOUD_USERNAME": USER, "NEXTCLOUD_PASSWORD": PASSWORD}
        if "startup" in wanted:
            _say("start-up")
            started = anyio.run(startup.measure_startup, env, args.spawns)
            rows += started.rows
            if started.offenders:
                extra += ["### Start-up: import-time offenders", "", *started.offenders]
        if "latency" in wanted:
            _say("per-call latency and RSS")
            measured = anyio.run(latency.measure_latency, nc.url, USER, PASSWORD, args.calls)
            rows += measured.rows
            notes += measured.notes
        if "streaming" in wanted:
            _say("streaming memory")
            rows += streaming.measure_streaming(nc.url, USER, PASSWORD, args.stream_mb)
        if "context" in wanted:
            _say("model-facing tool bytes and abandoned sessions")
            from bench import context_bench

            rows += context_bench.measure_context()
            rows += context_bench.measure_sessions(env)
    if "store" in wanted:
        _say("store (SQLite and PostgreSQL)")
        from bench import store_bench

        rows += store_bench.measure_store()
    if "webhooks" in wanted:
        _say("webhooks (SQLite)")
        from bench import webhooks_bench

        rows += webhooks_bench.measure_webhooks()
    if "search" in wanted:
        _say("unified search fan-out")
        from bench import search_bench

        rows += search_bench.measure_search()
    if "deck" in wanted:
        _say("Deck board overview")
        from bench import deck_bench

        rows += deck_bench.measure_deck()
    if "talk" in wanted:
        _say("Talk chat read")
        from bench import talk_bench

        rows += talk_bench.measure_talk()
    if "oauth" in wanted:
        _say("OAuth verification")
        from bench import oauth_bench

        rows += oauth_bench.measure_oauth()
    command = " ".join([_relative(sys.executable), "-m", "bench.run", *(argv if argv is not None else sys.argv[1:])])
    text = report.section(command, rows, notes, extra, time.perf_counter() - began, load_at_start)
    print(text)
    if not args.no_write:
        report.append(text)
        print(f"Appended to {report.RESULTS}", file=sys.stderr)
    return 0


def _relative(path: str) -> str:
    try:
        return str(Path(path).relative_to(REPO))
    except ValueError:
        return path


def _say(what: str) -> None:
    print(f"bench: measuring {what} ...", file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
