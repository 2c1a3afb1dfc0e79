"""The recent-changes feed is per user, on SQLite and PostgreSQL: alice's and bob's events arrive
interleaved, each sees only their own (a change is its owner's, whoever acted), events stored before
owners were recorded are attributed from their payload, and paging stays exact across scan chunks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from nextcloud_mcp_server.store import Store
from nextcloud_mcp_server.webhooks import feed
from nextcloud_mcp_server.webhooks.events import CALENDAR_OBJECT_UPDATED, NODE_WRITTEN, dedupe_key, owner_of
from nextcloud_mcp_server.webhooks.feed import recent_changes

pytestmark = pytest.mark.anyio

SINCE = datetime.now(UTC) - timedelta(hours=1)


def written(owner: str, path: str, actor: str, n: int) -> dict[str, Any]:
    node = {"id": 1000 + n, "path": f"/{owner}/files/{path}"}
    return {"event": {"class": NODE_WRITTEN, "node": node}, "user": {"uid": actor, "displayName": actor}, "time": n}


def calendar_update(owner: str, actor: str, n: int) -> dict[str, Any]:
    event = {
        "class": CALENDAR_OBJECT_UPDATED,
        "calendarId": 3,
        "calendarData": {"id": 3, "uri": "team", "principaluri": f"principals/users/{owner}"},
        "objectData": {"id": n, "uri": f"meeting-{n}.ics", "component": "VEVENT"},
    }
    return {"event": event, "user": {"uid": actor, "displayName": actor}, "time": n}


@pytest.fixture
async def store(empty_db_url: str) -> AsyncIterator[Store]:
    async with Store(database_url=empty_db_url) as opened:
        yield opened


async def add(store: Store, envelope: dict[str, Any], *, recorded: bool = True) -> None:
    """Store as the receiver does (`recorded`), or as a row from before owners were recorded."""
    event_class = envelope["event"]["class"]
    owner = owner_of(event_class, envelope) if recorded else None
    assert await store.inbox.add(dedupe_key(envelope), event_class, envelope, owner=owner) is not None


async def paths(store: Store, user: str, **filters: Any) -> list[str | None]:
    items, total = await recent_changes(store, user, SINCE, limit=500, **filters)
    assert total == len(items)
    return [item.change.path for item in items]


async def test_alice_and_bob_each_see_only_their_own_interleaved_changes(store: Store) -> None:
    expected: dict[str, list[str]] = {"alice": [], "bob": []}
    for n in range(30):
        owner = "bob" if n % 3 == 0 else "alice"
        await add(store, written(owner, f"{owner}-{n}.txt", owner, n), recorded=n % 5 != 0)  # some legacy rows
        expected[owner].append(f"{owner}-{n}.txt")
    assert await paths(store, "alice") == expected["alice"]
    assert await paths(store, "bob") == expected["bob"]
    assert await paths(store, "carol") == []


async def test_a_change_bob_makes_in_alices_namespace_is_alices_only(store: Store) -> None:
    await add(store, written("alice", "Shared/plan.md", "bob", 1))  # bob edits a file alice shared with him
    await add(store, calendar_update("alice", "bob", 2))  # bob edits an event in alice's shared calendar
    await add(store, written("bob", "own.md", "bob", 3))
    assert await paths(store, "alice") == ["Shared/plan.md", "team/meeting-2.ics"]
    assert await paths(store, "bob") == ["own.md"]


async def test_paging_through_ones_own_changes_is_exact_across_scan_chunks(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feed, "SCAN_CHUNK", 4)  # many chunks, each mixing both users
    for n in range(41):
        owner = "alice" if n % 2 else "bob"
        await add(store, written(owner, f"Docs/{owner}-{n:02}.md", owner, n), recorded=n % 7 != 0)
    everything = await paths(store, "alice")
    assert len(everything) == 20
    pages: list[str | None] = []
    offset: int | None = 0
    while offset is not None:
        items, total = await recent_changes(store, "alice", SINCE, path_prefix="Docs", offset=offset, limit=3)
        assert total == 20
        pages += [item.change.path for item in items]
        offset = offset + len(items) if offset + len(items) < total else None
    assert pages == everything
