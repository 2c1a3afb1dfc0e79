"""`make run-exapp` without a Nextcloud: the stand-in behind the AppAPI simulator, the ExApp
registered with it, and the URL an MCP client uses as a Nextcloud user.

    python -m tests.appapi    # then point an MCP client at the printed URL with Basic auth
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path

import anyio

from tests.appapi.harness import APP_ID, exapp_env, serve_exapp, serve_simulator
from tests.standin.core import StandIn

DEMO_USER = "demo"
DEMO_PASSWORD = "demo-app-password"


def main() -> int:
    from nextcloud_mcp_server.logs import configure_logging

    configure_logging(os.environ.get("LOG_LEVEL", "INFO").upper())
    data = Path(os.environ.get("STANDIN_DATA") or tempfile.mkdtemp(prefix="nc-exapp-"))
    standin = StandIn(data)
    standin.add_user(DEMO_USER, DEMO_PASSWORD, display_name="Demo User")
    with serve_simulator(standin) as (simulator, nc_url):
        env = exapp_env(nc_url, data / "exapp", secret=os.environ.get("APP_SECRET") or os.urandom(24).hex())
        with serve_exapp(env) as exapp_url:
            anyio.run(
                lambda: simulator.register(
                    APP_ID, url=exapp_url, secret=env.app_secret.get_secret_value(), version=env.app_version
                )
            )
            print(
                f"Simulated Nextcloud with AppAPI at {nc_url}; the ExApp {APP_ID} is registered and enabled.\n"
                f"MCP URL (HaRP):      {nc_url}/exapps/{APP_ID}/mcp\n"
                f"MCP URL (PHP proxy): {nc_url}/index.php/apps/app_api/proxy/{APP_ID}/mcp\n"
                f"Sign in with Basic auth as {DEMO_USER!r} / {DEMO_PASSWORD!r}. Ctrl+C stops.",
                file=sys.stderr,
                flush=True,
            )
            try:
                threading.Event().wait()
            except KeyboardInterrupt:
                return 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
