"""(4) Memory while writing and reading a large file through the Nextcloud client layer.

Runs in a child process of its own (`python -m bench.streaming ...`), with the stand-in in
yet another, so the figure is our client code only: idle RSS after imports and a warm-up
transfer, then the peak while uploading a generated stream and downloading it again. The
peak is the kernel's VmHWM after resetting it (clear_refs), or a 5 ms sampler where the
kernel does not allow the reset. Target: under 50 MB above idle.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bench.measure import MB, REPO, Row, verdict

TARGET_MB = 50.0
CHUNK = MB
UPLOAD_NAMES = ("upload",)  # WebDAV.upload(path, content: bytes | AsyncIterable[bytes])
DOWNLOAD_NAMES = (
    "iter_bytes",
    "download",
    "download_stream",
    "stream",
    "open_read",
    "read_stream",
    "iter_download",
    "get_stream",
)


def measure_streaming(url: str, user: str, password: str, size_mb: int) -> list[Row]:
    """Run the child and turn its JSON into rows."""
    cmd = [sys.executable, "-m", "bench.streaming", "--url", url, "--user", user, "--mb", str(size_mb)]
    env = {**os.environ, "BENCH_NC_PASSWORD": password}
    done = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
    label = f"Memory above idle, {size_mb} MB upload + download through NextcloudClient"
    target = f"< {TARGET_MB:.0f} MB above idle"
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        return [Row(label, "-", target, f"failed: {tail[0][:200]}")]
    data = json.loads(done.stdout.strip().splitlines()[-1])
    if "problem" in data:
        return [Row(label, "-", target, data["problem"])]
    above = data["peak_mb"] - data["idle_mb"]
    return [
        Row(
            label,
            f"{above:.1f} MB (idle {data['idle_mb']:.1f}, peak {data['peak_mb']:.1f})",
            target,
            verdict(above < TARGET_MB),
            f"via {data['api']}; upload {data['upload_s']:.1f} s, download {data['download_s']:.1f} s "
            f"({size_mb / max(data['upload_s'], 1e-9):.0f} / {size_mb / max(data['download_s'], 1e-9):.0f} MB/s); "
            f"peak by {data['peak_by']}",
        )
    ]


# -- child ---------------------------------------------------------------------------------


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / MB


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _hwm_mb() -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Sampler:
    """The highest RSS seen every 5 ms, in a thread (a fallback for kernels without VmHWM reset)."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _rss_mb())

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mb())


async def generated(total: int) -> AsyncIterator[bytes]:
    """`total` bytes from one reused random chunk: nothing of the file is held in memory."""
    chunk = os.urandom(CHUNK)
    sent = 0
    while sent < total:
        piece = chunk[: min(CHUNK, total - sent)]
        sent += len(piece)
        yield piece


async def _drain(source: Any) -> int:
    """Read a download handle of any of the shapes a streaming API offers; return the byte count."""
    count = 0
    if hasattr(source, "__aenter__"):
        async with source as inner:
            return await _drain(inner)
    if hasattr(source, "aiter_bytes"):
        source = source.aiter_bytes()
    if hasattr(source, "__aiter__"):
        async for piece in source:
            count += len(piece)
        return count
    if inspect.isawaitable(source):
        return await _drain(await source)
    if isinstance(source, bytes | bytearray):
        return len(source)
    raise TypeError(f"cannot read a download of type {type(source).__name__}")


def _webdav_methods(nc: Any) -> tuple[Any, Any] | None:
    """The WebDAV module's streaming upload and download methods, when it has both."""
    try:
        webdav = nc.webdav
    except ModuleNotFoundError:
        return None
    upload = next((getattr(webdav, n) for n in UPLOAD_NAMES if callable(getattr(webdav, n, None))), None)
    download = next((getattr(webdav, n) for n in DOWNLOAD_NAMES if callable(getattr(webdav, n, None))), None)
    if upload is None or download is None:
        return None
    return upload, download


async def _transfer(nc: Any, user: str, name: str, total: int, use_webdav: bool) -> tuple[float, float, int]:
    """Upload `total` generated bytes as `name` and download them again: (upload s, download s, bytes read)."""
    methods = _webdav_methods(nc) if use_webdav else None
    path = f"/remote.php/dav/files/{user}/{name}"
    start = time.perf_counter()
    if methods is not None:
        upload, download = methods
        await upload(name, generated(total))
        uploaded = time.perf_counter() - start
        received = await _drain(download(name))
    else:
        async with nc.stream("PUT", path, content=generated(total)) as answer:
            await answer.aread()
        uploaded = time.perf_counter() - start
        async with nc.stream("GET", path) as answer:
            received = await _drain(answer)
    return uploaded, time.perf_counter() - start - uploaded, received


async def child(url: str, user: str, password: str, size_mb: int) -> dict[str, Any]:
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient
    from nextcloud_mcp_server.nextcloud.errors import NextcloudError

    settings = Settings(nextcloud_url=url, nextcloud_username=user, nextcloud_password=password)
    nc = NextcloudClient.with_app_password(settings)
    use_webdav = _webdav_methods(nc) is not None
    api = "NextcloudClient.webdav" if use_webdav else "NextcloudClient.stream (webdav.py has no streaming API yet)"
    try:
        await _transfer(nc, user, "bench-warmup.bin", 2 * CHUNK, use_webdav)
    except NextcloudError as exc:
        await nc.aclose()
        return {"problem": f"stand-in files part unavailable ({type(exc).__name__} {exc.status})"}
    except TypeError as exc:
        if not use_webdav:
            raise
        use_webdav, api = False, f"NextcloudClient.stream (webdav API not understood: {exc})"
        await _transfer(nc, user, "bench-warmup.bin", 2 * CHUNK, use_webdav)
    idle = _rss_mb()
    reset = _reset_peak()
    total = size_mb * MB
    with Sampler() as sampler:
        upload_s, download_s, received = await _transfer(nc, user, "bench-big.bin", total, use_webdav)
    hwm = _hwm_mb() if reset else None
    if received != total:
        return {"problem": f"downloaded {received} bytes, uploaded {total}"}
    await nc.request("DELETE", f"/remote.php/dav/files/{user}/bench-big.bin")
    await nc.aclose()
    peak, peak_by = (hwm, "VmHWM") if hwm is not None else (sampler.peak, "5 ms sampling")
    return {
        "idle_mb": idle,
        "peak_mb": max(peak, sampler.peak),
        "peak_by": peak_by,
        "api": api,
        "upload_s": upload_s,
        "download_s": download_s,
    }


def main() -> None:
    import anyio

    parser = argparse.ArgumentParser(prog="python -m bench.streaming")
    parser.add_argument("--url", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--mb", type=int, default=500)
    args = parser.parse_args()
    password = os.environ["BENCH_NC_PASSWORD"]  # not on the command line, where `ps` would show it
    print(json.dumps(anyio.run(child, args.url, args.user, password, args.mb)))


if __name__ == "__main__":
    main()
