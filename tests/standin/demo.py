"""What `make run` serves when no Nextcloud is configured: the stand-in with a demo user,
and the MCP server against it, so a newcomer sees the server work at once."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from tests.standin.core import StandIn
from tests.standin.server import serve_in_thread

DEMO_USER = "demo"
DEMO_PASSWORD = "demo-app-password"


def main(argv: list[str] | None = None) -> int:
    data = Path(os.environ.get("STANDIN_DATA") or tempfile.mkdtemp(prefix="nc-standin-"))
    standin = StandIn(data)
    standin.add_user(DEMO_USER, DEMO_PASSWORD, display_name="Demo User", email="demo@example.com")
    with serve_in_thread(standin, port=int(os.environ.get("STANDIN_PORT", "0"))) as url:
        os.environ.update(NEXTCLOUD_URL=url, NEXTCLOUD_USERNAME=DEMO_USER, NEXTCLOUD_PASSWORD=DEMO_PASSWORD)
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{data / 'store.db'}")  # the demo's store stays with its data
        print(
            f"No NEXTCLOUD_URL set: serving the bundled Nextcloud stand-in at {url} "
            f"(user {DEMO_USER!r}, data in {data}).\n"
            "Set NEXTCLOUD_URL, NEXTCLOUD_USERNAME and NEXTCLOUD_PASSWORD to use a real Nextcloud.",
            file=sys.stderr,
            flush=True,
        )
        from nextcloud_mcp_server.cli import main as cli_main

        return cli_main(["run", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    raise SystemExit(main())
