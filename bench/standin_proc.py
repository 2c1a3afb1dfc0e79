"""The Nextcloud stand-in in its own process, so that what the benchmarks measure is our code.

Why a passed socket: the parent binds and listens before it spawns the child, so clients
can connect at once (the kernel queues them until the child accepts). Nothing waits or
polls for readiness, and the port is never raced for.

Child side: `python -m bench.standin_proc --fd N --data DIR --user NAME:PASSWORD ... [--setup MODULE:FUNCTION]`;
the setup function is called with the StandIn before it serves (a benchmark's own providers, say).
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from bench.measure import REPO, peak_rss_mb


@dataclass
class StandInProcess:
    """A running stand-in child: its base URL, its pid and its data folder."""

    url: str
    pid: int
    data_dir: Path

    def peak_rss_mb(self) -> float:
        return peak_rss_mb(psutil.Process(self.pid))


@contextmanager
def standin_process(data_dir: Path, users: dict[str, str], *, setup: str | None = None) -> Iterator[StandInProcess]:
    """Serve the stand-in with `users` (name -> password) in a child process; stop it afterwards.

    `setup`: "module:function" the child calls with its StandIn before serving."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    port = sock.getsockname()[1]
    args = [sys.executable, "-m", "bench.standin_proc", "--fd", str(sock.fileno()), "--data", str(data_dir)]
    for name, password in users.items():
        args += ["--user", f"{name}:{password}"]
    if setup is not None:
        args += ["--setup", setup]
    child = subprocess.Popen(args, pass_fds=[sock.fileno()], cwd=REPO)
    sock.close()  # the child holds its own copy of the listening socket
    try:
        yield StandInProcess(f"http://127.0.0.1:{port}", child.pid, data_dir)
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def main() -> None:
    import uvicorn

    from tests.standin.core import StandIn

    parser = argparse.ArgumentParser(prog="python -m bench.standin_proc")
    parser.add_argument("--fd", type=int, required=True, help="an inherited, listening socket")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--user", action="append", default=[], help="NAME:PASSWORD (repeatable)")
    parser.add_argument("--setup", help="MODULE:FUNCTION called with the StandIn before serving")
    args = parser.parse_args()
    standin = StandIn(args.data)
    for spec in args.user:
        name, _, password = spec.partition(":")
        standin.add_user(name, password)
    if args.setup:
        import importlib

        module, _, function = args.setup.partition(":")
        getattr(importlib.import_module(module), function)(standin)
    sock = socket.socket(fileno=args.fd)
    config = uvicorn.Config(standin, log_level="warning", lifespan="off", timeout_graceful_shutdown=2)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
