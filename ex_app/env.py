"""AppAPI's deploy-time environment, read once when `nextcloud-mcp-server exapp` starts.

Why its own object: AppAPI names its variables itself (APP_ID, APP_SECRET, ...); they are
validated together so that a misconfigured deployment says every missing name at once,
and the secret is held as a SecretStr that never reaches a log line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr

from nextcloud_mcp_server.config import ConfigError
from nextcloud_mcp_server.nextcloud.appapi_auth import AppApiIdentity

DEFAULT_AA_VERSION = "2.2.0"
DEFAULT_HARP_SOCKET = "/tmp/exapp.sock"  # noqa: S108 - HaRP's documented default (nc_py_api run_app)


@dataclass(frozen=True)
class ExAppEnv:
    """APP_ID, APP_SECRET, APP_VERSION, APP_HOST, APP_PORT, NEXTCLOUD_URL, APP_PERSISTENT_STORAGE, AA_VERSION."""

    app_id: str
    app_secret: SecretStr = field(repr=False)
    app_version: str
    nextcloud_url: str
    app_host: str = "127.0.0.1"
    app_port: int = 23000
    persistent_storage: Path | None = None
    aa_version: str = DEFAULT_AA_VERSION
    harp_socket: str | None = None
    """With HaRP (`HP_SHARED_KEY` set) AppAPI reaches the app over this unix socket, not the port."""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> ExAppEnv:
        """Read and check AppAPI's variables; ConfigError names every one that is missing or wrong."""
        env = os.environ if environ is None else environ
        problems = [
            f"{name}: not set. AppAPI sets it when it deploys the app; to run by hand, export it "
            "(see `make run-exapp`)."
            for name in ("APP_ID", "APP_SECRET", "APP_VERSION", "NEXTCLOUD_URL")
            if not env.get(name)
        ]
        port = 23000
        try:
            port = int(env.get("APP_PORT") or port)
        except ValueError:
            problems.append("APP_PORT: not a whole number; set the port AppAPI assigned, e.g. 23000.")
        if problems:
            raise ConfigError(problems)
        harp = (env.get("HP_EXAPP_SOCK") or DEFAULT_HARP_SOCKET) if env.get("HP_SHARED_KEY") else None
        storage = env.get("APP_PERSISTENT_STORAGE")
        return cls(
            app_id=env["APP_ID"],
            app_secret=SecretStr(env["APP_SECRET"]),
            app_version=env["APP_VERSION"],
            nextcloud_url=env["NEXTCLOUD_URL"].removesuffix("/index.php").rstrip("/"),
            app_host=env.get("APP_HOST") or "127.0.0.1",
            app_port=port,
            persistent_storage=Path(storage) if storage else None,
            aa_version=env.get("AA_VERSION") or DEFAULT_AA_VERSION,
            harp_socket=harp,
        )

    @property
    def identity(self) -> AppApiIdentity:
        return AppApiIdentity(self.app_id, self.app_version, self.app_secret.get_secret_value(), self.aa_version)

    def nc_py_api_kwargs(self) -> dict[str, str]:
        """What AsyncNextcloudApp needs, passed explicitly so nc_py_api never reads os.environ for them."""
        return {
            "nextcloud_url": self.nextcloud_url,
            "app_id": self.app_id,
            "app_version": self.app_version,
            "app_secret": self.app_secret.get_secret_value(),
            "aa_version": self.aa_version,
        }
