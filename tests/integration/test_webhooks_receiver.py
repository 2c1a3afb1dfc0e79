"""The receiver as Nextcloud meets it: JSON without a Content-Type, the shared secret, 400 for
what is not a delivery, and the event in the inbox before the 200 (redeliveries stored once)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from nextcloud_mcp_server.store import Store
from nextcloud_mcp_server.store.models import WebhookEvent
from nextcloud_mcp_server.webhooks.events import NODE_WRITTEN
from tests.standin import serve_in_thread

pytestmark = pytest.mark.anyio

SECRET = "s3cret-for-webhooks"


def delivery(path: str, *, time: int = 1700100000, event_class: str = NODE_WRITTEN) -> bytes:
    return json.dumps(
        {
            "event": {"class": event_class, "node": {"id": 437, "path": f"/alice/files/{path}"}},
            "user": {"uid": "alice", "displayName": "Alice"},
            "time": time,
        }
    ).encode()


@pytest.fixture(scope="module")
def server_url(nc_user: Any) -> Iterator[str]:
    from nextcloud_mcp_server.app import build_app

    app = build_app(nc_user.settings(webhook_secret=SECRET))
    with serve_in_thread(app, lifespan="on") as url:
        yield url


def post(url: str, body: bytes, secret: str | None = SECRET) -> httpx.Response:
    headers = {"X-Webhook-Secret": secret} if secret is not None else {}
    request = httpx.Request("POST", f"{url}/webhooks/nextcloud", content=body, headers=headers)
    assert "content-type" not in request.headers  # as webhook_listeners sends it
    with httpx.Client(timeout=10) as client:
        return client.send(request)


async def stored(nc_user: Any) -> list[WebhookEvent]:
    async with Store(nc_user.settings()) as store, store.transaction() as session:
        return list((await session.scalars(select(WebhookEvent).order_by(WebhookEvent.id))).all())


async def test_a_delivery_without_content_type_is_stored_before_the_200(server_url: str, nc_user: Any) -> None:
    response = post(server_url, delivery("Documents/stored.md"))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "stored"
    rows = {row.id: row for row in await stored(nc_user)}
    row = rows[response.json()["id"]]
    assert row.event_class == NODE_WRITTEN
    assert row.payload["event"]["node"]["path"] == "/alice/files/Documents/stored.md"


async def test_a_wrong_or_missing_secret_gets_401_and_nothing_is_stored(server_url: str, nc_user: Any) -> None:
    before = len(await stored(nc_user))
    for secret in ("wrong", None, SECRET + "x", ""):
        response = post(server_url, delivery("Documents/intruder.md"), secret=secret)
        assert response.status_code == 401
        assert "X-Webhook-Secret" in response.json()["error"]
        assert SECRET not in response.text
    assert len(await stored(nc_user)) == before


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"user": null, "time": 1}', "'event' must be an object"),
        (b'{"event": {"node": {}}, "time": 1}', "event.class"),
        (b'{"event": {"class": "X"}, "user": "alice"}', "'user'"),
    ],
)
async def test_a_malformed_body_gets_400_saying_what_is_wrong(
    server_url: str, nc_user: Any, body: bytes, complaint: str
) -> None:
    before = len(await stored(nc_user))
    response = post(server_url, body)
    assert response.status_code == 400
    assert complaint in response.json()["error"]
    assert len(await stored(nc_user)) == before


async def test_a_redelivered_event_is_stored_once(server_url: str, nc_user: Any) -> None:
    body = delivery("Documents/twice.md", time=1700100123)
    first, second = post(server_url, body), post(server_url, body)
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.json()["status"], second.json()["status"]) == ("stored", "duplicate")
    rows = [r for r in await stored(nc_user) if r.payload["event"]["node"]["path"].endswith("/twice.md")]
    assert len(rows) == 1
    later = post(server_url, delivery("Documents/twice.md", time=1700100124))  # a new change of the same file
    assert later.json()["status"] == "stored"


async def test_an_unknown_event_class_is_stored_too(server_url: str, nc_user: Any) -> None:
    body = json.dumps({"event": {"class": "OCA\\Forms\\Events\\FormSubmittedEvent", "form": {}}, "user": None}).encode()
    response = post(server_url, body)
    assert response.status_code == 200
    rows = {row.id: row for row in await stored(nc_user)}
    assert rows[response.json()["id"]].event_class == "OCA\\Forms\\Events\\FormSubmittedEvent"


def test_without_a_webhook_secret_the_receiver_is_not_mounted(nc_user: Any) -> None:
    from nextcloud_mcp_server.app import build_app

    app = build_app(nc_user.settings())
    assert not [route for route in app.routes if getattr(route, "path", "") == "/webhooks/nextcloud"]
    with_secret = build_app(nc_user.settings(webhook_secret=SECRET))
    assert [route for route in with_secret.routes if getattr(route, "path", "") == "/webhooks/nextcloud"]
