"""Live resource updates end to end: a real MCP client subscribes to a file resource, Nextcloud's
webhook (a NodeWrittenEvent) reaches the receiver, and the client hears `resources/updated`
within a second — through `resources/subscribe` (2025 protocol versions) and through a
`subscriptions/listen` stream (2026-07-28)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client

from nextcloud_mcp_server.webhooks.events import NODE_CREATED, NODE_WRITTEN
from tests.standin import serve_in_thread

pytestmark = pytest.mark.anyio

SECRET = "live-secret"


@pytest.fixture(scope="module")
def server_url(nc_user: Any) -> Iterator[str]:
    from nextcloud_mcp_server.app import build_app

    app = build_app(nc_user.settings(webhook_secret=SECRET))
    with serve_in_thread(app, lifespan="on") as url:
        yield url


async def deliver(server_url: str, event_class: str, user_id: str, path: str, time: int) -> None:
    payload = {
        "event": {"class": event_class, "node": {"id": 4711, "path": f"/{user_id}/files/{path}"}},
        "user": {"uid": user_id, "displayName": user_id},
        "time": time,
    }
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{server_url}/webhooks/nextcloud", content=json.dumps(payload), headers={"X-Webhook-Secret": SECRET}
        )
    assert response.status_code == 200, response.text


async def test_a_subscribed_legacy_client_hears_resources_updated_within_a_second(
    server_url: str, nc_user: Any
) -> None:
    updates: list[str] = []
    arrived = anyio.Event()

    async def on_message(message: Any) -> None:
        if getattr(message, "method", None) == "notifications/resources/updated":
            updates.append(str(message.params.uri))
            arrived.set()

    async with Client(f"{server_url}/mcp", mode="legacy", message_handler=on_message) as client:
        assert client.server_capabilities.resources is not None
        assert client.server_capabilities.resources.subscribe
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # resources/subscribe is the 2025 protocol's way, deliberately
            await client.subscribe_resource("nc://files/Documents/watched.md")
        await deliver(server_url, NODE_CREATED, nc_user.id, "Documents/other.md", 1)  # not subscribed
        await deliver(server_url, NODE_WRITTEN, nc_user.id, "Documents/watched.md", 2)
        with anyio.fail_after(1):
            await arrived.wait()
        assert updates == ["nc://files/Documents/watched.md"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            await client.unsubscribe_resource("nc://files/Documents/watched.md")


async def test_a_listening_client_hears_resources_updated_and_list_changed(server_url: str, nc_user: Any) -> None:
    async with Client(f"{server_url}/mcp") as client:
        uri = "nc://files/Projects/plan.md"
        async with client.listen(resource_subscriptions=[uri], resources_list_changed=True) as subscription:
            await deliver(server_url, NODE_WRITTEN, nc_user.id, "Projects/plan.md", 3)
            with anyio.fail_after(1):
                event = await subscription.__anext__()
            assert getattr(event, "uri", None) == uri
            await deliver(server_url, NODE_CREATED, nc_user.id, "Projects/new.md", 4)
            with anyio.fail_after(1):
                event = await subscription.__anext__()
            assert type(event).__name__ == "ResourcesListChanged"


async def test_a_file_written_in_the_stand_in_reaches_a_subscribed_client(
    server_url: str, nc_user: Any, standin: Any
) -> None:
    admin = standin.add_user("admin", "admin-pw")
    with admin.raw() as raw:
        registered = raw.post(
            "/ocs/v2.php/apps/webhook_listeners/api/v1/webhooks",
            json={
                "httpMethod": "POST",
                "uri": f"{server_url}/webhooks/nextcloud",
                "event": NODE_WRITTEN,
                "eventFilter": {"user.uid": nc_user.id},
                "authMethod": "header",
                "authData": {"X-Webhook-Secret": SECRET},
            },
            headers={"OCS-APIRequest": "true", "Accept": "application/json"},
        )
    assert registered.status_code == 200, registered.text
    with nc_user.raw() as raw:
        assert raw.put(f"/remote.php/dav/files/{nc_user.id}/live.md", content=b"v1").status_code == 201
    async with Client(f"{server_url}/mcp") as client:
        uri = "nc://files/live.md"
        async with client.listen(resource_subscriptions=[uri]) as subscription:
            with nc_user.raw() as raw:  # Nextcloud fires NodeWrittenEvent for a write to an existing file
                assert raw.put(f"/remote.php/dav/files/{nc_user.id}/live.md", content=b"v2").status_code == 204
            with anyio.fail_after(5):
                event = await subscription.__anext__()
            assert getattr(event, "uri", None) == uri
