"""`nc_activity_recent_changes` and `nc://activity/recent` through the real MCP client, fed by
webhook deliveries to the receiver: filters by time, path prefix and kind, and pagination."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from mcp import Client

from nextcloud_mcp_server.webhooks.events import (
    CALENDAR_OBJECT_CREATED,
    NODE_CREATED,
    NODE_DELETED,
    NODE_RENAMED,
    NODE_WRITTEN,
)
from tests.e2e.helpers import call, error_of
from tests.standin import serve_in_thread

pytestmark = pytest.mark.anyio

SECRET = "feed-secret"


def node(uid: str, path: str, file_id: int | None = None) -> dict[str, Any]:
    return {"path": f"/{uid}/files/{path}", **({"id": file_id} if file_id is not None else {})}


@pytest.fixture(scope="module")
def server_url(nc_user: Any) -> Iterator[str]:
    from nextcloud_mcp_server.app import build_app

    uid = nc_user.id
    app = build_app(nc_user.settings(webhook_secret=SECRET, toolsets=["default", "activity"]))
    events = [
        {"class": NODE_CREATED, "node": node(uid, "Projects/a.md", 1)},
        {"class": NODE_WRITTEN, "node": node(uid, "Projects/a.md", 1)},
        {"class": NODE_WRITTEN, "node": node(uid, "Other/b.txt", 2)},
        {"class": NODE_RENAMED, "source": node(uid, "Projects/old.md"), "target": node(uid, "Archive/old.md", 3)},
        {"class": NODE_DELETED, "node": node(uid, "Projects/gone.md")},
        {
            "class": CALENDAR_OBJECT_CREATED,
            "calendarId": 9,
            "calendarData": {"id": 9, "uri": "personal"},
            "objectData": {"id": 22, "uri": "standup.ics", "component": "VEVENT"},
        },
        {"class": "OCA\\Unknown\\Event"},
    ]
    with serve_in_thread(app, lifespan="on") as url, httpx.Client() as client:
        for n, event in enumerate(events):
            body = json.dumps({"event": event, "user": {"uid": uid, "displayName": uid}, "time": 1700000000 + n})
            response = client.post(f"{url}/webhooks/nextcloud", content=body, headers={"X-Webhook-Secret": SECRET})
            assert response.status_code == 200
        yield url


def an_hour_ago() -> str:
    return (datetime.now(UTC) - timedelta(hours=1)).isoformat()


async def test_recent_changes_lists_every_known_change_in_arrival_order(server_url: str) -> None:
    async with Client(f"{server_url}/mcp") as client:
        result = await call(client, "nc_activity_recent_changes", since=an_hour_ago())
    kinds = [(c["kind"], c["object_type"], c["path"]) for c in result["changes"]]
    assert kinds == [
        ("created", "file", "Projects/a.md"),
        ("updated", "file", "Projects/a.md"),
        ("updated", "file", "Other/b.txt"),
        ("renamed", "file", "Archive/old.md"),
        ("deleted", "file", "Projects/gone.md"),
        ("created", "calendar_object", "personal/standup.ics"),
    ]
    assert result["changes"][1]["resource_uris"] == ["nc://files/Projects/a.md", "nc://notes/1"]
    assert result["page"] == {"total": 6, "offset": 0, "next_offset": None}


async def test_recent_changes_filters_by_path_prefix_and_kind_and_pages(server_url: str) -> None:
    async with Client(f"{server_url}/mcp") as client:
        under = await call(client, "nc_activity_recent_changes", since=an_hour_ago(), path_prefix="Projects")
        assert [c["path"] for c in under["changes"]] == [
            "Projects/a.md",
            "Projects/a.md",
            "Archive/old.md",  # renamed out of Projects: its old path matches
            "Projects/gone.md",
        ]
        updates = await call(client, "nc_activity_recent_changes", since=an_hour_ago(), kinds=["updated"], limit=1)
        assert [c["path"] for c in updates["changes"]] == ["Projects/a.md"]
        assert updates["page"] == {"total": 2, "offset": 0, "next_offset": 1}
        rest = await call(client, "nc_activity_recent_changes", since=an_hour_ago(), kinds=["updated"], offset=1)
        assert [c["path"] for c in rest["changes"]] == ["Other/b.txt"]
        later = await call(client, "nc_activity_recent_changes", since=datetime.now(UTC).isoformat())
        assert later["changes"] == []


async def test_recent_changes_refuses_a_future_start_and_an_escaping_prefix(server_url: str) -> None:
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    async with Client(f"{server_url}/mcp") as client:
        assert "in the future" in await error_of(client, "nc_activity_recent_changes", since=tomorrow)
        message = await error_of(client, "nc_activity_recent_changes", since=an_hour_ago(), path_prefix="../x")
        assert "path_prefix" in message


async def test_the_recent_changes_resource_holds_the_last_day(server_url: str) -> None:
    async with Client(f"{server_url}/mcp") as client:
        result = await client.read_resource("nc://activity/recent")
    data = json.loads(result.contents[0].text)
    assert len(data["changes"]) == 6
