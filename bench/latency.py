"""(2) Per-call latency of two tools over Streamable HTTP and stdio, next to the direct request,
and (3) the peak RSS of each server process after that run.

The floor is the same request made directly with httpx against the stand-in: a PROPFIND
Depth 1 with the props our WebDAV module asks for, and GET of one note. A tool call costs
that plus MCP framing, validation and our shaping; the target is 2x the floor.

Tools are being written in parallel with this harness: a tool that is absent (or that
fails on its first call) is reported as such, so the benchmark runs now and again later.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import psutil

from bench.measure import REPO, Row, devnull, median, ms, p95, peak_rss_mb, rss_mb, verdict
from bench.startup import child_env

TARGET_RATIO = 2.0
RSS_TARGET_MB = 90.0
FILES_IN_FOLDER = 50
WARMUP = 5
LIST_TOOL = "nc_webdav_list_directory"
NOTE_TOOL = "nc_notes_get_note"
PING = "prompts/list"  # an MCP round trip that does no work (no prompts): what the transport alone costs

DAV, OC, NC = "DAV:", "http://owncloud.org/ns", "http://nextcloud.org/ns"
DEFAULT_PROPS = [
    (DAV, "getlastmodified"),
    (DAV, "getetag"),
    (DAV, "getcontenttype"),
    (DAV, "resourcetype"),
    (DAV, "getcontentlength"),
    (OC, "fileid"),
    (OC, "permissions"),
    (OC, "size"),
    (OC, "favorite"),
    (NC, "has-preview"),
]


@dataclass
class Seed:
    """What the harness created on the stand-in for the calls (or why it could not)."""

    folder: str = ""
    note_id: int | None = None
    files_problem: str = ""
    notes_problem: str = ""


@dataclass
class LatencyResult:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def seed(url: str, user: str, password: str) -> Seed:
    """A folder with 50 small files and one note, created through the stand-in's own APIs."""
    made = Seed(folder=f"bench-{uuid.uuid4().hex[:8]}")
    with httpx.Client(base_url=url, auth=(user, password), timeout=30) as raw:
        base = f"/remote.php/dav/files/{user}/{made.folder}"
        answer = raw.request("MKCOL", base)
        if answer.status_code != 201:
            made.files_problem = f"stand-in files part unavailable (MKCOL answered {answer.status_code})"
        else:
            for i in range(FILES_IN_FOLDER):
                raw.put(f"{base}/file-{i:02d}.txt", content=f"line {i}\n".encode() * 20).raise_for_status()
        answer = raw.post(
            "/index.php/apps/notes/api/v1/notes",
            json={"title": "Bench note", "content": "# Bench note\n\n" + "Some text. " * 200, "category": ""},
        )
        if answer.status_code in (200, 201):
            made.note_id = int(answer.json()["id"])
        else:
            made.notes_problem = f"stand-in notes part unavailable (POST answered {answer.status_code})"
    return made


def listing_body() -> tuple[bytes, str]:
    """The PROPFIND body our WebDAV module sends for a listing (its FILE_PROPS), or Nextcloud's usual props."""
    from nextcloud_mcp_server.nextcloud.dav import propfind_body

    try:
        from nextcloud_mcp_server.nextcloud.webdav import FILE_PROPS
    except ImportError:
        return propfind_body(DEFAULT_PROPS), "Nextcloud's usual file props (nextcloud/webdav.py has no FILE_PROPS)"
    return propfind_body(list(FILE_PROPS)), f"nextcloud/webdav.py FILE_PROPS ({len(FILE_PROPS)} props)"


async def timed(call: Callable[[], Awaitable[Any]], n: int) -> list[float]:
    for _ in range(WARMUP):
        await call()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        await call()
        times.append(time.perf_counter() - start)
    return times


async def floor_times(url: str, user: str, password: str, made: Seed, n: int) -> dict[str, list[float] | str]:
    """The direct requests, each checked for the expected status."""
    body, _ = listing_body()
    out: dict[str, list[float] | str] = {}
    async with httpx.AsyncClient(base_url=url, auth=(user, password), timeout=30) as client:
        if made.files_problem:
            out[LIST_TOOL] = made.files_problem
        else:

            async def propfind() -> None:
                answer = await client.request(
                    "PROPFIND",
                    f"/remote.php/dav/files/{user}/{made.folder}/",
                    headers={"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
                    content=body,
                )
                assert answer.status_code == 207, answer.status_code

            out[LIST_TOOL] = await timed(propfind, n)
        if made.note_id is None:
            out[NOTE_TOOL] = made.notes_problem
        else:

            async def get_note() -> None:
                answer = await client.get(f"/index.php/apps/notes/api/v1/notes/{made.note_id}")
                assert answer.status_code == 200, answer.status_code

            out[NOTE_TOOL] = await timed(get_note, n)
    return out


async def client_layer_times(url: str, user: str, password: str, made: Seed, n: int) -> dict[str, list[float] | str]:
    """The same two reads through NextcloudClient alone (no MCP): splits a tool's cost into client and MCP parts."""
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

    settings = Settings(nextcloud_url=url, nextcloud_username=user, nextcloud_password=password)
    nc = NextcloudClient.with_app_password(settings)
    out: dict[str, list[float] | str] = {}
    try:
        for name, api, method, arg, problem in (
            (LIST_TOOL, "webdav", "listing", made.folder, made.files_problem),
            (NOTE_TOOL, "notes", "get", made.note_id, made.notes_problem),
        ):
            try:
                call = getattr(getattr(nc, api), method)
            except (ModuleNotFoundError, AttributeError):
                out[name] = f"NextcloudClient.{api}.{method} missing"
                continue
            out[name] = problem or await timed(lambda call=call, arg=arg: call(arg), n)
    finally:
        await nc.aclose()
    return out


async def tool_times(client: Any, made: Seed, n: int) -> dict[str, list[float] | str]:
    """Time each tool through an open MCP client; say why when a tool cannot be timed."""
    listed = await client.list_tools()
    names = {tool.name for tool in listed.tools}
    calls = {LIST_TOOL: {"path": made.folder}, NOTE_TOOL: {"note_id": made.note_id}}
    problems = {LIST_TOOL: made.files_problem, NOTE_TOOL: made.notes_problem}
    out: dict[str, list[float] | str] = {PING: await timed(lambda: client.list_prompts(cache_mode="bypass"), n)}
    for name, arguments in calls.items():
        if name not in names:
            out[name] = "tool missing"
            continue
        if problems[name]:
            out[name] = problems[name]
            continue
        first = await client.call_tool(name, arguments)
        if first.is_error:
            text = " ".join(getattr(c, "text", "") for c in first.content)
            out[name] = f"tool error: {text[:160]}"
            continue

        async def call(name: str = name, arguments: dict[str, Any] = arguments) -> None:
            result = await client.call_tool(name, arguments)
            assert not result.is_error

        out[name] = await timed(call, n)
    return out


async def in_process_times(url: str, user: str, password: str, made: Seed, n: int) -> dict[str, list[float] | str]:
    from mcp import Client

    from nextcloud_mcp_server.auth.app_password import AppPasswordAccess
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.server import build_mcp_server

    settings = Settings(nextcloud_url=url, nextcloud_username=user, nextcloud_password=password, log_level="WARNING")
    access = AppPasswordAccess(settings)
    try:
        async with Client(build_mcp_server(settings, access)) as client:
            return await tool_times(client, made, n)
    finally:
        await access.aclose()


@contextmanager
def http_server(server_env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """The real `run --transport streamable-http` on a free port: yields (its /mcp URL, its pid).

    Ready when uvicorn logs the port it listens on (read from stderr; no polling). The rest
    of stderr is drained in a thread so the server never blocks on a full pipe.
    """
    cmd = [sys.executable, "-m", "nextcloud_mcp_server", "run", "--transport", "streamable-http", "--port", "0"]
    env = child_env({**server_env, "LOG_LEVEL": "INFO"})
    proc = subprocess.Popen(
        cmd, env=env, cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    url = None
    seen: list[str] = []
    for line in proc.stderr:
        seen.append(line)
        match = re.search(r"Uvicorn running on (http://\S+)", line)
        if match:
            url = match.group(1)
            break
    try:
        if url is None:
            raise RuntimeError("the HTTP server did not start:\n" + "".join(seen[-20:]))
        threading.Thread(target=_drain, args=(proc.stderr,), daemon=True).start()
        yield f"{url}/mcp", proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _drain(stream: Any) -> None:
    for _ in stream:
        pass


def stdio_server_pid() -> int | None:
    """The pid of the stdio server that the MCP client spawned from this process."""
    for child in psutil.Process().children(recursive=True):
        try:
            cmdline = " ".join(child.cmdline())
        except psutil.Error:
            continue
        if "nextcloud_mcp_server" in cmdline and "stdio" in cmdline:
            return child.pid
    return None


async def measure_latency(url: str, user: str, password: str, n: int) -> LatencyResult:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters, stdio_client

    result = LatencyResult()
    server_env = {"NEXTCLOUD_URL": url, "NEXTCLOUD_USERNAME": user, "NEXTCLOUD_PASSWORD": password}
    made = seed(url, user, password)
    _, body_source = listing_body()
    result.notes.append(
        f"Floor PROPFIND body: {body_source}. Each figure: {n} sequential calls after {WARMUP} warm-up calls; "
        "servers run with LOG_LEVEL=INFO (the default), the stand-in in its own process."
    )
    floors = await floor_times(url, user, password, made, n)
    for name, label in ((LIST_TOOL, "PROPFIND Depth 1, 50-file folder"), (NOTE_TOOL, "GET notes/{id}")):
        times = floors[name]
        if isinstance(times, str):
            result.rows.append(Row(f"Floor: direct httpx {label}", "-", "(reference)", times))
        else:
            result.rows.append(
                Row(f"Floor: direct httpx {label}", f"{ms(median(times))} (p95 {ms(p95(times))})", "(reference)", "-")
            )

    layer = await client_layer_times(url, user, password, made, n)
    for name, label in ((LIST_TOOL, "webdav.listing(folder)"), (NOTE_TOOL, "notes.get(note_id)")):
        times, floor = layer[name], floors[name]
        if isinstance(times, str) or isinstance(floor, str):
            result.rows.append(Row(f"Client layer only: NextcloudClient.{label}", "-", "(reference)", str(times)))
            continue
        result.rows.append(
            Row(
                f"Client layer only: NextcloudClient.{label}",
                f"{ms(median(times))} (p95 {ms(p95(times))}); {median(times) / median(floor):.2f}x floor",
                "(reference)",
                "-",
                "no MCP: what our client code adds to the direct request",
            )
        )

    measured = await in_process_times(url, user, password, made, n)
    for name, times in measured.items():
        if name == PING:
            continue
        floor = floors[name]
        figure = "-" if isinstance(times, str) else f"{ms(median(times))} (p95 {ms(p95(times))})"
        if not isinstance(times, str) and not isinstance(floor, str):
            figure += f"; {median(times) / median(floor):.2f}x floor"
        result.rows.append(
            Row(
                f"`{name}` in process (no transport)",
                figure,
                "(reference)",
                times if isinstance(times, str) else "-",
                "the real MCP client on an in-memory connection: tool code plus SDK dispatch",
            )
        )

    with http_server(server_env) as (mcp_url, http_pid):
        async with Client(mcp_url) as client:
            measured = await tool_times(client, made, n)
        _latency_rows(result, "Streamable HTTP", measured, floors)
        _rss_row(result, "Streamable HTTP server (`run`, subprocess)", http_pid)

    # The same server with a feature that keeps state (webhooks), so the store is open.
    with tempfile.TemporaryDirectory(prefix="nc-bench-store-") as tmp:
        store_env = {**server_env, "WEBHOOK_SECRET": "bench-webhook-secret", "DATABASE_URL": f"sqlite:///{tmp}/s.db"}
        with http_server(store_env) as (mcp_url, store_pid):
            async with Client(mcp_url) as client:
                await tool_times(client, made, n)
            result.rows.append(
                Row(
                    "Peak RSS, Streamable HTTP server with the store open (WEBHOOK_SECRET set)",
                    f"{peak_rss_mb(psutil.Process(store_pid)):.1f} MB",
                    "(reference)",
                    "-",
                    "adds SQLAlchemy, Alembic and the webhook processor; single-user mode opens no store",
                )
            )

    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "nextcloud_mcp_server", "run", "--transport", "stdio"],
        env={**server_env, "LOG_LEVEL": "INFO"},
        cwd=str(REPO),
    )
    with devnull() as errlog:
        async with Client(stdio_client(params, errlog=errlog)) as client:
            measured = await tool_times(client, made, n)
            stdio_pid = stdio_server_pid()
            _latency_rows(result, "stdio", measured, floors)
            if stdio_pid is None:
                result.rows.append(Row("Peak RSS, stdio server", "-", f"< {RSS_TARGET_MB:.0f} MB", "pid not found"))
            else:
                _rss_row(result, "stdio server (`run --transport stdio`)", stdio_pid)
    return result


def _latency_rows(
    result: LatencyResult, transport: str, measured: dict[str, list[float] | str], floors: dict[str, list[float] | str]
) -> None:
    for name, times in measured.items():
        if name == PING:
            assert not isinstance(times, str)
            result.rows.append(
                Row(
                    f"MCP round trip doing no work (`prompts/list`) via {transport}",
                    f"{ms(median(times))} (p95 {ms(p95(times))})",
                    "(reference)",
                    "-",
                    "the SDK transport's own cost per request, included in every tool call",
                )
            )
            continue
        label = f"`{name}` via {transport}"
        floor = floors[name]
        if isinstance(times, str):
            result.rows.append(Row(label, "-", f"<= {TARGET_RATIO}x floor", times))
            continue
        if isinstance(floor, str):
            result.rows.append(Row(label, f"{ms(median(times))} (p95 {ms(p95(times))})", "-", "no floor", floor))
            continue
        ratio = median(times) / median(floor)
        result.rows.append(
            Row(
                label,
                f"{ms(median(times))} (p95 {ms(p95(times))}); {ratio:.2f}x floor",
                f"<= {TARGET_RATIO}x floor ({ms(median(floor) * TARGET_RATIO)})",
                verdict(ratio <= TARGET_RATIO),
                f"p95 ratio {p95(times) / p95(floor):.2f}x",
            )
        )


def _rss_row(result: LatencyResult, label: str, pid: int) -> None:
    process = psutil.Process(pid)
    peak = peak_rss_mb(process)
    result.rows.append(
        Row(
            f"Peak RSS, {label}",
            f"{peak:.1f} MB",
            f"< {RSS_TARGET_MB:.0f} MB",
            verdict(peak < RSS_TARGET_MB),
            f"current RSS {rss_mb(process):.1f} MB (VmHWM after the latency run)",
        )
    )
