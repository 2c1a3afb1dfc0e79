"""Store benchmarks (issue 3): refresh-token lookup + decrypt per second, and webhook inbox
inserts per second — one process, and 4 concurrent writer processes — on SQLite (WAL) and on
a throwaway PostgreSQL (Debian's, PostgreSQL's durable defaults: fsync and synchronous_commit on).

`measure_store()` returns `bench.measure.Row`s for bench/run.py; `python -m bench.store_bench`
prints them. Each inbox insert is its own committed transaction, as the webhook receiver does
before it answers Nextcloud. Writers start together on a "go" line; nothing sleeps.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import anyio

from bench import report
from bench.measure import REPO, Row, verdict

TARGET_INBOX = {"sqlite": 2000.0, "postgresql": 5000.0}  # inserts/s with 4 writers

WRITER = """
import sys, time, anyio
from nextcloud_mcp_server.store import Store

async def main(url: str, count: int, prefix: str) -> None:
    async with Store(database_url=url, migrate=False) as store:
        await store.inbox.add(prefix + "-warm", "E", {})
        print("ready", flush=True)
        await anyio.to_thread.run_sync(sys.stdin.readline)
        for n in range(count):
            await store.inbox.add(f"{prefix}-{n}", "OCP\\\\Files\\\\Events\\\\Node\\\\NodeWrittenEvent",
                                  {"user": {"uid": "alice"}, "node": {"id": n, "path": f"/alice/files/{n}.txt"}})
    print("done", flush=True)

anyio.run(main, sys.argv[1], int(sys.argv[2]), sys.argv[3])
"""


async def _tokens_per_second(url: str, key: str, count: int) -> float:
    from nextcloud_mcp_server.store import Store

    users = [f"user-{n}" for n in range(200)]
    async with Store(database_url=url, token_encryption_key=key) as store:
        for user in users:
            await store.tokens.save(user, "https://cloud.example", f"refresh-token-of-{user}", scopes=["openid"])
        picks = [random.choice(users) for _ in range(count)]
        began = time.perf_counter()
        for user in picks:
            record = await store.tokens.get(user, "https://cloud.example")
            assert record is not None
            record.token.get_secret_value()
        return count / (time.perf_counter() - began)


async def _inserts_per_second(url: str, count: int) -> float:
    from nextcloud_mcp_server.store import Store

    async with Store(database_url=url) as store:
        await store.inbox.add("single-warm", "E", {})
        began = time.perf_counter()
        for n in range(count):
            await store.inbox.add(f"single-{n}", "OCP\\Files\\Events\\Node\\NodeWrittenEvent", {"node": {"id": n}})
        return count / (time.perf_counter() - began)


def _concurrent_inserts_per_second(url: str, writers: int, count: int, *, strict: bool = False) -> float:
    env = {**os.environ, "STORE_STRICT_DURABILITY": "true" if strict else "false"}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, str(count), f"w{n}{'s' if strict else ''}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=env,
        )
        for n in range(writers)
    ]
    try:
        for child in children:
            assert child.stdout is not None
            if child.stdout.readline().strip() != "ready":
                raise RuntimeError("a writer failed to start")
        began = time.perf_counter()
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        for child in children:
            assert child.stdout is not None
            if child.stdout.readline().strip() != "done":
                raise RuntimeError("a writer failed")
        elapsed = time.perf_counter() - began
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
            child.wait()
    return writers * count / elapsed


def _engine_rows(engine: str, url: str, key: str, tokens: int, inserts: int, writers: int) -> list[Row]:
    lookups = anyio.run(_tokens_per_second, url, key, tokens)
    single = anyio.run(_inserts_per_second, url, inserts)
    many = _concurrent_inserts_per_second(url, writers, inserts // writers)
    strict = _concurrent_inserts_per_second(url, writers, inserts // writers, strict=True)
    target = TARGET_INBOX[engine]
    return [
        Row(f"store {engine}: token lookup + decrypt", f"{lookups:,.0f}/s", "(recorded)", "met"),
        Row(f"store {engine}: inbox inserts, 1 process", f"{single:,.0f}/s", "(recorded)", "met"),
        Row(
            f"store {engine}: inbox inserts, {writers} processes",
            f"{many:,.0f}/s",
            f">= {target:,.0f}/s",
            verdict(many >= target),
        ),
        Row(
            f"store {engine}: inbox inserts, {writers} processes, STORE_STRICT_DURABILITY=true",
            f"{strict:,.0f}/s",
            "(recorded)",
            "-",
        ),
    ]


def measure_store(*, tokens: int = 2000, inserts: int = 4000, writers: int = 4) -> list[Row]:
    """Every store figure, SQLite first, then PostgreSQL."""
    from cryptography.fernet import Fernet

    from tests.pgserver import PgServer

    key = Fernet.generate_key().decode()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="nc-bench-store-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        rows += _engine_rows("sqlite", url, key, tokens, inserts, writers)
    with PgServer(durable=True) as pg:
        rows += _engine_rows("postgresql", pg.create_database("bench"), key, tokens, inserts, writers)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.store_bench", description=__doc__)
    parser.add_argument("--tokens", type=int, default=2000, help="token lookups per engine")
    parser.add_argument("--inserts", type=int, default=4000, help="inbox inserts per engine and mode")
    parser.add_argument("--writers", type=int, default=4, help="concurrent writer processes")
    args = parser.parse_args(argv)
    rows = measure_store(tokens=args.tokens, inserts=args.inserts, writers=args.writers)
    return report.print_rows(rows)


if __name__ == "__main__":
    sys.exit(main())
