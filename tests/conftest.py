"""Shared fixtures: a clean environment, the stand-in, a user per test module, and the real
MCP client connected to the server over Streamable HTTP and over stdio.

Folders choose the lane: unit/ (no servers), integration/ (the stand-in, no MCP),
e2e/ (the MCP server through the real `mcp` client, effects checked on the stand-in).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.standin import StandIn, serve_in_thread

REPO = Path(__file__).resolve().parent.parent

# The identity provider rig (oidc-provider): the session fixture `idp`.
pytest_plugins = ["tests.idp.rig"]


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's Nextcloud settings."""
    for key in list(os.environ):
        if key.startswith(("NEXTCLOUD_", "MCP_", "OIDC_", "TOKEN_ENCRYPTION", "WEBHOOK_", "APP_")) or key in (
            "DATABASE_URL",
            "MAX_FILE_READ_BYTES",
            "MAX_REQUEST_BODY_BYTES",
        ):
            monkeypatch.delenv(key, raising=False)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class StandInHandle:
    """The running stand-in: its URL and its state, for setting up and checking effects."""

    url: str
    app: StandIn

    def add_user(self, user_id: str, password: str = "app-password-1", **kwargs: Any) -> NcUser:
        user = self.app.add_user(user_id, password, **kwargs)
        if not user.accepts(password):  # another module created it ("admin"): `password` is an app password
            user.app_passwords.append(password)
        return NcUser(self, user_id, password)


@dataclass
class NcUser:
    """A stand-in user with raw HTTP access, to check effects independently of the server."""

    standin: StandInHandle
    id: str
    password: str

    @property
    def url(self) -> str:
        return self.standin.url

    def raw(self) -> httpx.Client:
        """A plain httpx client authenticated as this user, for independent checks."""
        return httpx.Client(base_url=self.url, auth=(self.id, self.password), timeout=30)

    @property
    def database_url(self) -> str:
        """The user's own store (the server's token and webhook database), beside the stand-in's data."""
        return f"sqlite:///{self.standin.app.data_dir / f'store-{self.id}.db'}"

    def env(self) -> dict[str, str]:
        return {
            "NEXTCLOUD_URL": self.url,
            "NEXTCLOUD_USERNAME": self.id,
            "NEXTCLOUD_PASSWORD": self.password,
            "DATABASE_URL": self.database_url,
        }

    def settings(self, **overrides: Any) -> Any:
        from nextcloud_mcp_server.config import Settings

        values: dict[str, Any] = {
            "nextcloud_url": self.url,
            "nextcloud_username": self.id,
            "nextcloud_password": self.password,
            "database_url": self.database_url,
        }
        values.update(overrides)
        return Settings(**values)

    @property
    def files_root(self) -> Path:
        return self.standin.app.files_root(self.id)


@pytest.fixture(scope="session")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandInHandle]:
    app = StandIn(tmp_path_factory.mktemp("standin"))
    with serve_in_thread(app) as url:
        yield StandInHandle(url, app)


def _user_id_for(module: Any) -> str:
    name = module.__name__.rsplit(".", 1)[-1].lower().removeprefix("test_")
    return "u" + re.sub(r"[^a-z0-9]", "", name)[:39]


@pytest.fixture(scope="module")
def nc_user(standin: StandInHandle, request: pytest.FixtureRequest) -> NcUser:
    """A fresh user for each test module, so modules never see each other's data."""
    user_id = _user_id_for(request.module)
    return standin.add_user(user_id, f"pw-{user_id}", email=f"{user_id}@example.com")


@pytest.fixture(scope="module")
def mcp_http_url(nc_user: NcUser) -> Iterator[str]:
    """The MCP server's /mcp URL, served over Streamable HTTP for `nc_user`, with every toolset on
    (what a session starts with is tested in test_toolsets.py)."""
    from nextcloud_mcp_server.app import build_app

    app = build_app(nc_user.settings(toolsets=["all"]))
    with serve_in_thread(app, lifespan="on") as url:
        yield f"{url}/mcp"


def stdio_params(nc_user: NcUser, **extra_env: str) -> Any:
    from mcp.client.stdio import StdioServerParameters

    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "nextcloud_mcp_server", "run", "--transport", "stdio"],
        env={**nc_user.env(), "LOG_LEVEL": "WARNING", **extra_env},
        cwd=str(REPO),
    )


@pytest.fixture(scope="module", params=["http", "stdio"])
async def mcp(request: pytest.FixtureRequest, nc_user: NcUser) -> AsyncIterator[Any]:
    """The real MCP client, connected over each transport in turn."""
    from mcp import Client

    if request.param == "http":
        target: Any = request.getfixturevalue("mcp_http_url")
    else:
        target = stdio_params(nc_user, NEXTCLOUD_MCP_TOOLSETS="all")
    async with Client(target) as client:
        yield client
