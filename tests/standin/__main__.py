"""`python -m tests.standin [--port 8081] [--user NAME:PASSWORD ...] [--data DIR]`: serve the stand-in."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import uvicorn

from tests.standin.core import StandIn


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.standin", description="Serve the Nextcloud stand-in.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--user", action="append", default=[], help="NAME:PASSWORD (repeatable; default demo:demo)")
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: a temporary one)")
    args = parser.parse_args()
    data = args.data or Path(tempfile.mkdtemp(prefix="nc-standin-"))
    standin = StandIn(data)
    for spec in args.user or ["demo:demo"]:
        name, _, password = spec.partition(":")
        standin.add_user(name, password or name)
    print(f"Nextcloud stand-in at http://{args.host}:{args.port} (data in {data})", flush=True)
    uvicorn.run(standin, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
