"""The server starts on both transports, lists its tools, and reads Nextcloud's capabilities."""

from __future__ import annotations

import json

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_capabilities_resource_shows_the_nextcloud_version(mcp, standin) -> None:
    result = await mcp.read_resource("nc://capabilities")
    data = json.loads(result.contents[0].text)
    assert data["version"]["string"] == "31.0.9"
    assert "notes" in data["capabilities"]


async def test_health_live_and_ready_answer_when_nextcloud_is_up(mcp_http_url: str) -> None:
    base = mcp_http_url.removesuffix("/mcp")
    async with httpx.AsyncClient() as client:
        live = await client.get(f"{base}/health/live")
        ready = await client.get(f"{base}/health/ready")
    assert live.status_code == 200
    assert ready.status_code == 200
    assert "31.0.9" in ready.json()["nextcloud"]


async def test_the_http_server_migrates_its_store_to_head_when_it_starts(mcp_http_url: str, nc_user) -> None:
    from nextcloud_mcp_server.store import migrate

    assert migrate.current(nc_user.database_url) == migrate.script_heads()


async def test_starting_the_server_purges_expired_sessions_and_old_processed_events_but_keeps_pending_ones(
    nc_user, tmp_path
) -> None:
    from datetime import timedelta

    from nextcloud_mcp_server.app import build_app
    from nextcloud_mcp_server.store import Store
    from nextcloud_mcp_server.store.models import utcnow
    from tests.standin import serve_in_thread

    database_url = f"sqlite:///{tmp_path / 'purge.db'}"
    long_ago = utcnow() - timedelta(days=30)
    async with Store(nc_user.settings(database_url=database_url)) as store:
        await store.sessions.create(
            "stale-state",
            flow="provision",
            code_verifier="v" * 43,
            redirect_uri="https://mcp.example/oauth/callback",
            ttl=timedelta(seconds=-1),
        )
        done = await store.inbox.add("old-done", "E", {}, received_at=long_ago)
        pending = await store.inbox.add("old-pending", "E", {}, received_at=long_ago)
        assert done is not None
        assert pending is not None
        await store.inbox.mark_processed(done, now=long_ago)

    with serve_in_thread(build_app(nc_user.settings(database_url=database_url)), lifespan="on") as url:
        async with httpx.AsyncClient() as client:
            assert (await client.get(f"{url}/health/live")).status_code == 200

    async with Store(nc_user.settings(database_url=database_url)) as store:
        assert await store.sessions.consume("stale-state") is None
        assert await store.inbox.get(done) is None
        assert await store.inbox.get(pending) is not None


async def test_single_user_mode_without_oauth_webhooks_or_database_url_creates_no_database(
    nc_user, tmp_path, monkeypatch
) -> None:
    from nextcloud_mcp_server.app import build_app
    from tests.standin import serve_in_thread

    monkeypatch.chdir(tmp_path)  # the default store would be ./data/nextcloud-mcp-server.db
    settings = nc_user.settings(database_url=None)
    assert not settings.store_needed
    with serve_in_thread(build_app(settings), lifespan="on") as url:
        async with httpx.AsyncClient() as client:
            ready = await client.get(f"{url}/health/ready")
    assert ready.status_code == 200
    assert not (tmp_path / "data").exists()
