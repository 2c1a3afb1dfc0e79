"""Run the simulator and an ExApp under test on free loopback ports (test and demo helper)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ex_app.env import ExAppEnv
from tests.appapi.simulator import AppApiSimulator
from tests.standin import StandIn, serve_in_thread

APP_ID = "nextcloud_mcp_server"
APP_SECRET = "s3cret-for-the-simulated-appapi-0123456789abcdef"  # long, distinctive: easy to find in logs


def exapp_env(nextcloud_url: str, storage: Path, *, secret: str = APP_SECRET, **extra: str) -> ExAppEnv:
    """AppAPI's environment for the app, as the deploy daemon would set it."""
    from nextcloud_mcp_server import __version__

    return ExAppEnv.from_environ(
        {
            "APP_ID": APP_ID,
            "APP_SECRET": secret,
            "APP_VERSION": __version__,
            "APP_HOST": "127.0.0.1",
            "APP_PORT": "0",
            "NEXTCLOUD_URL": nextcloud_url,
            "APP_PERSISTENT_STORAGE": str(storage),
            "AA_VERSION": "5.0.2",
            **extra,
        }
    )


@contextmanager
def serve_simulator(standin: StandIn, **options: Any) -> Iterator[tuple[AppApiSimulator, str]]:
    """The simulated Nextcloud (AppAPI in front of `standin`) and its base URL."""
    simulator = AppApiSimulator(standin, **options)
    try:
        with serve_in_thread(simulator) as url:
            yield simulator, url
    finally:
        simulator.close()


@contextmanager
def serve_exapp(env: ExAppEnv, *, settings_ttl: float = 5.0, **settings: Any) -> Iterator[str]:
    """The ExApp under test, served with its lifespan; yields its base URL."""
    from ex_app.app import build_exapp, exapp_settings

    app = build_exapp(env, exapp_settings(env, **settings), host="127.0.0.1", settings_ttl=settings_ttl)
    with serve_in_thread(app, lifespan="on") as url:
        yield url
