"""Crash safety: a writer killed with SIGKILL inside a transaction leaves a consistent database
(committed rows intact, none of the killed transaction's rows, writable at once), on both engines."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import anyio
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from nextcloud_mcp_server.store import Store
from nextcloud_mcp_server.store.models import WebhookEvent
from nextcloud_mcp_server.store.urls import sqlite_path

REPO = Path(__file__).resolve().parents[2]

WRITER = """
import sys
import anyio
from sqlalchemy import update
from nextcloud_mcp_server.store import Store
from nextcloud_mcp_server.store.models import RefreshToken, WebhookEvent, utcnow

async def main(url: str, key: str) -> None:
    async with Store(database_url=url, token_encryption_key=key, migrate=False) as store:
        for n in range(5):
            await store.inbox.add(f"committed-{n}", "E", {"n": n})
        await store.tokens.save("alice", "aud", "committed-token")
        async with store.transaction() as session:
            for n in range(500):
                session.add(WebhookEvent(
                    dedupe_key=f"uncommitted-{n}", event_class="E", payload={"blob": "x" * 2000},
                    received_at=utcnow(), attempts=0))
            await session.flush()
            await session.execute(update(RefreshToken).values(token_encrypted=store.cipher.encrypt("half-written")))
            print("inside", flush=True)
            await anyio.to_thread.run_sync(sys.stdin.readline)  # never returns: the parent kills us

anyio.run(main, sys.argv[1], sys.argv[2])
"""


async def migrate(url: str) -> None:
    async with Store(database_url=url):
        pass


async def check_after_the_crash(url: str, key: str) -> None:
    async with Store(database_url=url, token_encryption_key=key) as store:
        async with store.transaction() as session:
            keys = set((await session.scalars(select(WebhookEvent.dedupe_key))).all())
        assert keys == {f"committed-{n}" for n in range(5)}
        token = await store.tokens.get("alice", "aud")
        assert token is not None
        assert token.token.get_secret_value() == "committed-token"
        assert await store.inbox.add("after-the-crash", "E", {}) is not None
        await store.tokens.save("alice", "aud", "written-after-the-crash")
        async with store.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(WebhookEvent)) == 6


def test_a_writer_killed_mid_transaction_leaves_a_consistent_database(empty_db_url: str) -> None:
    key = Fernet.generate_key().decode()
    anyio.run(migrate, empty_db_url)  # first, so the child only writes
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, empty_db_url, key],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.strip() == "inside", child.stderr.read() if child.stderr else ""
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL

    path = sqlite_path(empty_db_url)
    if path is not None:
        import sqlite3

        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    anyio.run(check_after_the_crash, empty_db_url, key)
