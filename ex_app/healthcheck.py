"""The container's HEALTHCHECK: is the server answering where its mode says it listens?

Why Python and not curl: the slim image carries no curl or procps. Modes: standalone
(`/health/live` on port 8000), ExApp (`/heartbeat` on APP_PORT), ExApp behind HaRP
(`/heartbeat` over the unix socket, and the FRP client process alive).
"""

from __future__ import annotations

import http.client
import os
import socket
import sys
from collections.abc import Mapping
from pathlib import Path


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


def _answers(conn: http.client.HTTPConnection, path: str) -> bool:
    try:
        conn.request("GET", path)
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def process_running(name: str, proc: Path = Path("/proc")) -> bool:
    """True when a process called `name` runs (what `pgrep -x` does, without procps)."""
    for comm in proc.glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == name:
                return True
        except OSError:
            continue
    return False


def healthy(env: Mapping[str, str], timeout: float = 4.0) -> bool:
    if env.get("HP_SHARED_KEY"):
        socket_path = env.get("HP_EXAPP_SOCK") or "/tmp/exapp.sock"  # noqa: S108 - HaRP's default
        return process_running("frpc") and _answers(_UnixConnection(socket_path, timeout), "/heartbeat")
    if env.get("APP_ID"):
        port = int(env.get("APP_PORT") or 23000)
        return _answers(http.client.HTTPConnection("127.0.0.1", port, timeout=timeout), "/heartbeat")
    port = int(env.get("PORT") or 8000)
    return _answers(http.client.HTTPConnection("127.0.0.1", port, timeout=timeout), "/health/live")


if __name__ == "__main__":
    sys.exit(0 if healthy(os.environ) else 1)
