"""Two replicas sharing one PostgreSQL store: Nextcloud delivers to one, a client listening on
the other hears `resources/updated` within a second (the other replica tails the shared inbox)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client

from nextcloud_mcp_server.webhooks.events import NODE_WRITTEN
from tests.pgserver import PgServer
from tests.standin import serve_in_thread

pytestmark = pytest.mark.anyio

SECRET = "replica-secret"


@pytest.fixture(scope="module")
def replicas(nc_user: Any) -> Iterator[tuple[str, str]]:
    from nextcloud_mcp_server.app import build_app

    with PgServer() as pg, ExitStack() as stack:
        database_url = pg.create_database()
        urls = [
            stack.enter_context(
                serve_in_thread(
                    build_app(
                        nc_user.settings(database_url=database_url, webhook_secret=SECRET, webhook_poll_interval=0.2)
                    ),
                    lifespan="on",
                )
            )
            for _ in range(2)
        ]
        yield urls[0], urls[1]


async def test_a_client_on_one_replica_hears_of_an_event_delivered_to_the_other(
    replicas: tuple[str, str], nc_user: Any
) -> None:
    receiving, listening = replicas
    uri = "nc://files/Shared/report.md"
    envelope = {
        "event": {"class": NODE_WRITTEN, "node": {"id": 99, "path": f"/{nc_user.id}/files/Shared/report.md"}},
        "user": {"uid": nc_user.id, "displayName": nc_user.id},
        "time": 1700000001,
    }
    async with Client(f"{listening}/mcp") as client, client.listen(resource_subscriptions=[uri]) as subscription:
        async with httpx.AsyncClient() as http:
            response = await http.post(
                f"{receiving}/webhooks/nextcloud",
                content=json.dumps(envelope),
                headers={"X-Webhook-Secret": SECRET},
            )
        assert response.status_code == 200
        with anyio.fail_after(1):
            event = await subscription.__anext__()
    assert getattr(event, "uri", None) == uri
