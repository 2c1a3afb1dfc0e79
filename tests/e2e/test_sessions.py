"""Bounded MCP sessions over Streamable HTTP: a user beyond MCP_MAX_SESSIONS_PER_USER gets 429 saying
what to do (another user is unaffected), the process beyond MCP_MAX_SESSIONS gets 503, a closed
session frees its place, the idle timeout reaches the session manager, and 2,000 sessions opened
and abandoned against the real server process leave its memory bounded by the cap."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import psutil
import pytest

from tests.conftest import REPO, NcUser
from tests.e2e.helpers import INITIALIZE
from tests.idp.provisioning import free_port, resource_server
from tests.idp.rig import IdP
from tests.standin import serve_in_thread

pytestmark = pytest.mark.anyio

HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def open_session(http: httpx.Client, url: str, **headers: str) -> httpx.Response:
    return http.post(f"{url}/mcp", json=INITIALIZE, headers={**HEADERS, **headers})


@pytest.fixture(scope="module")
def capped(nc_user: NcUser) -> Iterator[tuple[str, Any]]:
    from nextcloud_mcp_server.app import build_app

    app = build_app(nc_user.settings(max_sessions_per_user=3, session_idle_timeout=42.0))
    with serve_in_thread(app, lifespan="on") as url:
        yield url, app


def test_a_user_beyond_the_per_user_cap_gets_429_and_a_closed_session_frees_a_place(capped: tuple[str, Any]) -> None:
    url, _ = capped
    with httpx.Client(timeout=30) as http:
        opened = [open_session(http, url) for _ in range(3)]
        assert [r.status_code for r in opened] == [200, 200, 200]
        refused = open_session(http, url)
        assert refused.status_code == 429
        message = refused.json()["error"]["message"]
        assert "Too many open MCP sessions" in message
        assert "MCP_MAX_SESSIONS_PER_USER" in message
        assert "after 42 s (MCP_SESSION_IDLE_TIMEOUT)" in message
        closed = http.delete(f"{url}/mcp", headers={**HEADERS, "Mcp-Session-Id": opened[0].headers["mcp-session-id"]})
        assert closed.status_code == 200
        assert open_session(http, url).status_code == 200


def test_the_idle_timeout_reaches_the_session_manager(capped: tuple[str, Any]) -> None:
    _, app = capped
    assert app.state.deps.server.session_manager.session_idle_timeout == 42.0


def test_the_process_beyond_its_cap_answers_503(nc_user: NcUser) -> None:
    from nextcloud_mcp_server.app import build_app

    app = build_app(nc_user.settings(max_sessions=2, max_sessions_per_user=10))
    with serve_in_thread(app, lifespan="on") as url, httpx.Client(timeout=30) as http:
        statuses = [open_session(http, url).status_code for _ in range(3)]
    assert statuses == [200, 200, 503]


def test_one_user_at_the_cap_does_not_stop_another(standin: Any, nc_user: NcUser, idp: IdP) -> None:
    with resource_server(nc_user, idp, max_sessions_per_user=2) as public, httpx.Client(timeout=30) as http:
        resource = f"{public}/mcp"
        tokens = {
            user: idp.token(user, scopes=["notes.read"], resource=resource).access_token for user in ("ann", "ben")
        }
        ann = [open_session(http, public, Authorization=f"Bearer {tokens['ann']}").status_code for _ in range(3)]
        ben = open_session(http, public, Authorization=f"Bearer {tokens['ben']}").status_code
    assert ann == [200, 200, 429]
    assert ben == 200


def drain(server: subprocess.Popen[str]) -> threading.Event:
    """Read the server's log in a thread (a full pipe would stall it); the event is set once it listens."""
    listening = threading.Event()

    def read() -> None:
        assert server.stderr is not None
        for line in server.stderr:
            if "Application startup complete" in line:
                listening.set()

    threading.Thread(target=read, daemon=True).start()
    return listening


def test_two_thousand_abandoned_sessions_leave_the_server_bounded_by_its_cap(nc_user: NcUser) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
        **nc_user.env(),
        "LOG_LEVEL": "INFO",
        "MCP_MAX_SESSIONS": "200",
        "MCP_MAX_SESSIONS_PER_USER": "5000",  # the process cap is what this test bounds
    }
    command = [sys.executable, "-m", "nextcloud_mcp_server", "run", "--port", str(port)]
    server = subprocess.Popen(command, env=env, cwd=REPO, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        listening = drain(server)
        assert listening.wait(timeout=60), "the server did not start"
        with httpx.Client(timeout=30) as http:
            first = open_session(http, url)
            assert first.status_code == 200
            before = psutil.Process(server.pid).memory_info().rss
            statuses = [open_session(http, url).status_code for _ in range(1999)]
            after = psutil.Process(server.pid).memory_info().rss
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert statuses.count(200) == 199  # the cap (200) with the first session
    assert statuses.count(503) == 1800
    assert (after - before) < 40 * 1024 * 1024, f"grew by {(after - before) / 2**20:.1f} MB"
