"""Webhook benchmarks (issue 6): sustained deliveries acknowledged per second with their p99
latency, and the time from a delivery to `resources/updated` at a listening MCP client.

The server is the real `nextcloud-mcp-server run` in a subprocess on SQLite (the default store),
so the load generator does not share its event loop. Deliveries are sent as Nextcloud sends them
(JSON, no Content-Type, the secret header) over `concurrency` keep-alive connections, like
Nextcloud's parallel webhook workers. `measure_webhooks()` returns
`bench.measure.Row`s for bench/run.py; `python -m bench.webhooks_bench` prints them.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio
import httpx
from anyio.streams.buffered import BufferedByteReceiveStream
from anyio.streams.text import TextReceiveStream

from bench import report
from bench.measure import REPO, Row, ms, p95, verdict

SECRET = "bench-webhook-secret"
NODE_WRITTEN = "OCP\\Files\\Events\\Node\\NodeWrittenEvent"
TARGET_RATE = 1000.0
TARGET_P99_S = 0.050
TARGET_UPDATE_P95_S = 0.200


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    rank = max(1, -(-99 * len(ordered) // 100))
    return ordered[rank - 1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _body(n: int, path: str = "Bench/file-{n}.txt") -> bytes:
    return json.dumps(
        {
            "event": {"class": NODE_WRITTEN, "node": {"id": n, "path": "/bench/files/" + path.format(n=n)}},
            "user": {"uid": "bench", "displayName": "Bench"},
            "time": 1700000000 + n,
        }
    ).encode()


async def _serve(database_url: str, port: int) -> Any:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "VIRTUAL_ENV")}
    env = {
        **keep,
        "NEXTCLOUD_URL": "http://127.0.0.1:9",  # no Nextcloud is needed to receive webhooks
        "NEXTCLOUD_USERNAME": "bench",
        "NEXTCLOUD_PASSWORD": "bench",
        "DATABASE_URL": database_url,
        "WEBHOOK_SECRET": SECRET,
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "nextcloud_mcp_server", "run", "--port", str(port)]
    process = await anyio.open_process(command, env=env, cwd=str(REPO), stdin=None, stdout=None)
    assert process.stderr is not None
    # uvicorn reports readiness at INFO, which WARNING hides: wait for the port to accept instead.
    text = TextReceiveStream(process.stderr)
    async with anyio.create_task_group() as tg:

        async def drain() -> None:
            async for _ in text:
                pass

        tg.start_soon(drain)
        with anyio.fail_after(60):
            while True:
                try:
                    stream = await anyio.connect_tcp("127.0.0.1", port)
                    await stream.aclose()
                    break
                except OSError:
                    await anyio.sleep(0.05)  # a readiness poll of a child process, not a measurement
        tg.cancel_scope.cancel()
    return process


async def _connection(port: int, numbers: list[int], latencies: list[float]) -> None:
    """One keep-alive connection posting deliveries back to back, as a webhook worker does.

    Raw HTTP/1.1 rather than httpx: on a small machine the generator shares the CPU with the
    server, and httpx's per-request overhead would cap the figure at the client, not the server.
    """
    stream = await anyio.connect_tcp("127.0.0.1", port)
    buffered = BufferedByteReceiveStream(stream)
    async with stream:
        for n in numbers:
            body = _body(n)
            head = (
                f"POST /webhooks/nextcloud HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"X-Webhook-Secret: {SECRET}\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            began = time.perf_counter()
            await stream.send(head.encode() + body)
            status_and_headers = await buffered.receive_until(b"\r\n\r\n", 65536)
            lines = status_and_headers.split(b"\r\n")
            if not lines[0].startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"delivery refused: {lines[0]!r}")
            length = next(int(line.split(b":")[1]) for line in lines if line.lower().startswith(b"content-length"))
            await buffered.receive_exactly(length)
            latencies.append(time.perf_counter() - began)


async def _sustained(port: int, count: int, concurrency: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    warm = [-1 - n for n in range(100)]
    await _connection(port, warm, latencies)
    latencies.clear()
    began = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for k in range(concurrency):
            tg.start_soon(_connection, port, list(range(k, count, concurrency)), latencies)
    return count / (time.perf_counter() - began), latencies


async def _to_update(base: str, count: int) -> list[float]:
    from mcp import Client

    uri = "nc://files/Bench/watched.md"
    times: list[float] = []
    async with (
        Client(f"{base}/mcp") as client,
        httpx.AsyncClient(timeout=3.0) as http,
        client.listen(resource_subscriptions=[uri]) as subscription,
    ):
        for n in range(count):
            body = _body(10_000_000 + n, "Bench/watched.md")
            began = time.perf_counter()
            response = await http.post(f"{base}/webhooks/nextcloud", content=body, headers={"X-Webhook-Secret": SECRET})
            response.raise_for_status()
            with anyio.fail_after(5):
                await subscription.__anext__()
            times.append(time.perf_counter() - began)
    return times


async def _measure(deliveries: int, concurrency: int, updates: int) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="nc-bench-webhooks-") as tmp:
        port = _free_port()
        process = await _serve(f"sqlite:///{Path(tmp) / 'bench.db'}", port)
        try:
            base = f"http://127.0.0.1:{port}"
            rate, latencies = await _sustained(port, deliveries, concurrency)
            update_times = await _to_update(base, updates)
        finally:
            process.terminate()
            await process.wait()
    worst = p99(latencies)
    return [
        Row(
            f"webhooks sqlite: deliveries acknowledged ({concurrency} concurrent)",
            f"{rate:,.0f}/s",
            f">= {TARGET_RATE:,.0f}/s",
            verdict(rate >= TARGET_RATE),
        ),
        Row(
            "webhooks sqlite: delivery latency p99",
            ms(worst),
            f"< {ms(TARGET_P99_S)}",
            verdict(worst < TARGET_P99_S),
        ),
        Row(
            "webhooks: delivery -> resources/updated at the client, p95",
            ms(p95(update_times)),
            f"< {ms(TARGET_UPDATE_P95_S)}",
            verdict(p95(update_times) < TARGET_UPDATE_P95_S),
        ),
    ]


def measure_webhooks(*, deliveries: int = 5000, concurrency: int = 16, updates: int = 200) -> list[Row]:
    """Every webhook figure (one server subprocess on a fresh SQLite store)."""
    return anyio.run(_measure, deliveries, concurrency, updates)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks_bench", description=__doc__)
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--updates", type=int, default=200)
    args = parser.parse_args(argv)
    rows = measure_webhooks(deliveries=args.deliveries, concurrency=args.concurrency, updates=args.updates)
    return report.print_rows(rows)


if __name__ == "__main__":
    sys.exit(main())
