"""Processing from the inbox: idempotent handlers, retries with backoff, dead letters after N
attempts, unknown classes ignored, and live notifications to subscribers on every replica."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nextcloud_mcp_server.store import Store
from nextcloud_mcp_server.webhooks.events import NODE_RENAMED, NODE_WRITTEN, dedupe_key
from nextcloud_mcp_server.webhooks.processor import InboxProcessor
from nextcloud_mcp_server.webhooks.subscriptions import ResourceSubscriptions

pytestmark = pytest.mark.anyio


def envelope(event_class: str = NODE_WRITTEN, path: str = "Documents/a.md", **event: Any) -> dict[str, Any]:
    body = event or {"node": {"id": 42, "path": f"/alice/files/{path}"}}
    return {"event": {"class": event_class, **body}, "user": {"uid": "alice", "displayName": "Alice"}, "time": 1}


async def add(store: Store, env: dict[str, Any]) -> int:
    event_id = await store.inbox.add(dedupe_key(env), env["event"]["class"], env)
    assert event_id is not None
    return event_id


@pytest.fixture
async def store(tmp_path: Path) -> Any:
    async with Store(database_url=f"sqlite:///{tmp_path / 'store.db'}") as opened:
        yield opened


class Recorder(ResourceSubscriptions):
    """Subscriptions that remember what they were told (the MCP side is tested end to end)."""

    def __init__(self) -> None:
        super().__init__()
        self.told: list[tuple[str | None, tuple[str, ...], bool]] = []

    async def updated(self, owner: str | None, uris: Any, *, list_changed: bool = False) -> int:
        self.told.append((owner, tuple(uris), list_changed))
        return await super().updated(owner, uris, list_changed=list_changed)


async def test_pending_events_are_handled_and_marked_processed(store: Store) -> None:
    seen: list[int] = []

    async def handler(event: Any, change: Any) -> None:
        seen.append(event.id)

    first = await add(store, envelope(path="a.md"))
    second = await add(store, envelope(path="b.md"))
    processor = InboxProcessor(store, handlers=(handler,))
    assert await processor.process_once()
    assert seen == [first, second]
    assert not await store.inbox.pending()
    assert not await processor.process_once()  # nothing left: a second pass handles nothing again
    assert seen == [first, second]


async def test_an_unknown_event_class_is_processed_without_effect(store: Store) -> None:
    subscriptions = Recorder()
    processor = InboxProcessor(store, subscriptions)
    await processor.follow_once()
    event_id = await add(store, {"event": {"class": "OCA\\Other\\SomethingEvent"}, "user": None, "time": 1})
    await processor.follow_once()
    await processor.process_once()
    event = await store.inbox.get(event_id)
    assert event is not None
    assert event.processed_at is not None
    assert event.dead_at is None
    assert subscriptions.told == []


async def test_a_failing_handler_is_retried_with_backoff_then_dead_lettered(store: Store) -> None:
    calls = 0

    async def flaky(event: Any, change: Any) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("downstream is down")

    event_id = await add(store, envelope())
    processor = InboxProcessor(store, handlers=(flaky,), max_attempts=3, backoff=0.0)
    for _ in range(3):
        await processor.process_once()
    event = await store.inbox.get(event_id)
    assert event is not None
    assert event.attempts == 3
    assert event.dead_at is not None
    assert event.last_error == "RuntimeError: downstream is down"
    assert [e.id for e in await store.inbox.dead_letters()] == [event_id]
    await processor.process_once()
    assert calls == 3  # a dead letter is not retried


async def test_an_event_waiting_for_its_retry_does_not_block_the_ones_behind_it(store: Store) -> None:
    handled: list[str] = []

    async def picky(event: Any, change: Any) -> None:
        if change.path == "bad.md":
            raise RuntimeError("not yet")
        handled.append(change.path)

    await add(store, envelope(path="bad.md"))
    processor = InboxProcessor(store, handlers=(picky,), backoff=60.0)
    await processor.process_once()
    await add(store, envelope(path="good.md"))
    await processor.process_once()
    assert handled == ["good.md"]
    assert processor.delay(1) == 60.0
    assert processor.delay(3) == 240.0
    assert processor.delay(20) == processor.max_backoff


async def test_a_known_event_without_its_documented_fields_ends_as_a_dead_letter(store: Store) -> None:
    event_id = await add(store, {"event": {"class": NODE_WRITTEN}, "user": None, "time": 1})
    processor = InboxProcessor(store, max_attempts=2, backoff=0.0)
    await processor.process_once()
    await processor.process_once()
    event = await store.inbox.get(event_id)
    assert event is not None
    assert event.dead_at is not None
    assert "event.node.path" in (event.last_error or "")


async def test_every_replica_following_the_inbox_notifies_its_own_subscribers(store: Store) -> None:
    here, there = Recorder(), Recorder()
    replica_a, replica_b = InboxProcessor(store, here), InboxProcessor(store, there)
    await replica_a.follow_once()
    await replica_b.follow_once()
    await add(store, envelope(path="Documents/shared.md"))
    await add(
        store,
        envelope(
            NODE_RENAMED,
            source={"path": "/alice/files/old name.txt"},
            target={"id": 7, "path": "/alice/files/new name.txt"},
        ),
    )
    await replica_a.process_once()  # one replica processes ...
    await replica_a.follow_once()
    await replica_b.follow_once()  # ... both tell their sessions
    expected = [
        ("alice", ("nc://files/Documents/shared.md", "nc://notes/42"), False),
        ("alice", ("nc://files/new%20name.txt", "nc://files/old%20name.txt", "nc://notes/7"), True),
    ]
    assert here.told == expected
    assert there.told == expected
    await replica_b.follow_once()
    assert len(there.told) == 2  # each event is told once per replica


async def test_a_follower_starts_at_the_newest_event_and_a_cache_invalidator_sees_each_change(store: Store) -> None:
    await add(store, envelope(path="before.md"))
    forgotten: list[str | None] = []
    processor = InboxProcessor(store, Recorder(), invalidators=(lambda change: forgotten.append(change.path),))
    await processor.follow_once()
    await add(store, envelope(path="after.md"))
    await processor.follow_once()
    assert forgotten == ["after.md"]
