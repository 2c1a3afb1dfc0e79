"""Nothing acknowledged is lost: 500 deliveries to the real server (a subprocess), SIGKILL in the
middle, a restart, Nextcloud's redelivery of what got no 200; then every acknowledged event is in
the inbox once and processed, none dead. Synchronised on the server's own log lines and on the
200s, never on sleeps."""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from anyio.abc import Process
from anyio.streams.text import TextReceiveStream
from sqlalchemy import select

from nextcloud_mcp_server.store import Store
from nextcloud_mcp_server.store.models import WebhookEvent
from nextcloud_mcp_server.webhooks.events import NODE_WRITTEN, dedupe_key

pytestmark = pytest.mark.anyio

REPO = Path(__file__).resolve().parents[2]
SECRET = "durable-secret"
TOTAL = 500
KILL_AFTER = 250
CONCURRENCY = 16


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def body(n: int) -> bytes:
    return json.dumps(
        {
            "event": {"class": NODE_WRITTEN, "node": {"id": 1000 + n, "path": f"/u/files/Load/file-{n}.txt"}},
            "user": {"uid": "u", "displayName": "U"},
            "time": 1700000000 + n,
        }
    ).encode()


class Server:
    """The real `nextcloud-mcp-server run` as a subprocess, with its stderr read line by line."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        self.env, self.port = env, port
        self.process: Process | None = None
        self._lines: Any = None
        self._buffer = ""

    async def start(self) -> None:
        command = [sys.executable, "-m", "nextcloud_mcp_server", "run", "--port", str(self.port)]
        self.process = await anyio.open_process(command, env=self.env, cwd=str(REPO), stdin=None, stdout=None)
        assert self.process.stderr is not None
        self._lines = TextReceiveStream(self.process.stderr)
        await self.wait_for("Application startup complete")

    async def next_line(self) -> str:
        while "\n" not in self._buffer:
            self._buffer += await self._lines.receive()
        line, self._buffer = self._buffer.split("\n", 1)
        return line

    async def wait_for(self, text: str) -> str:
        while True:
            line = await self.next_line()
            if text in line:
                return line

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        assert self.process is not None
        self.process.terminate()
        await self.process.wait()


async def deliver(url: str, numbers: list[int], acked: set[int], killer: Any = None) -> None:
    """POST each delivery (CONCURRENCY at a time); record the 200s; connection failures are Nextcloud's to retry."""
    limiter = anyio.Semaphore(CONCURRENCY)
    async with httpx.AsyncClient(timeout=3.0) as client:

        async def one(n: int) -> None:
            async with limiter:
                try:
                    response = await client.post(url, content=body(n), headers={"X-Webhook-Secret": SECRET})
                except httpx.TransportError:
                    return
                if response.status_code == 200:
                    acked.add(n)
                    if killer is not None and len(acked) == KILL_AFTER:
                        await killer()

        async with anyio.create_task_group() as tg:
            for n in numbers:
                tg.start_soon(one, n)


async def pending_count(database_url: str) -> int:
    async with Store(database_url=database_url, migrate=False) as store:
        return len(await store.inbox.pending(limit=1000))


async def test_acknowledged_events_survive_a_sigkill_and_are_processed_once_after_the_restart(
    nc_user: Any, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'durable.db'}"
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH", "VIRTUAL_ENV")},
        **nc_user.env(),
        "DATABASE_URL": database_url,
        "WEBHOOK_SECRET": SECRET,
        "LOG_LEVEL": "INFO",
    }
    url = f"http://127.0.0.1:{port}/webhooks/nextcloud"
    acked: set[int] = set()
    with anyio.fail_after(60):
        first = Server(env, port)
        await first.start()
        await deliver(url, list(range(TOTAL)), acked, killer=first.kill)
        if first.process is not None and first.process.returncode is None:
            await first.kill()
        assert KILL_AFTER <= len(acked) < TOTAL  # the kill cut the run short

        second = Server(env, port)
        await second.start()
        try:
            acked_before_kill = set(acked)
            await deliver(url, [n for n in range(TOTAL) if n not in acked_before_kill], acked)
            assert acked == set(range(TOTAL))
            while await pending_count(database_url):
                await second.wait_for("Webhook inbox drained")
        finally:
            await second.stop()

    async with Store(database_url=database_url, migrate=False) as store, store.transaction() as session:
        rows = (await session.scalars(select(WebhookEvent))).all()
    keys = [row.dedupe_key for row in rows]
    assert sorted(keys) == sorted(dedupe_key(json.loads(body(n))) for n in range(TOTAL))  # each once, none lost
    assert all(row.processed_at is not None for row in rows)
    assert not [row for row in rows if row.dead_at is not None]
