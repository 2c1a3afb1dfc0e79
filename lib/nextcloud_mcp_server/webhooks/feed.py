"""Reading the inbox in the orders webhooks need: by id for followers, by time for the feed.

Why here and not in the store: these queries are shaped by what the webhooks package does
(tail the inbox, skip events in backoff, answer "what changed since", mark a whole batch
processed in one statement); the store's repository keeps the inserts and the failure states.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update

from nextcloud_mcp_server.store.models import WebhookEvent, utcnow
from nextcloud_mcp_server.store.webhooks import InboxEvent
from nextcloud_mcp_server.webhooks.events import KIND_OF, Change, MalformedEvent, describe

if TYPE_CHECKING:
    from nextcloud_mcp_server.store import Store

SCAN_CHUNK = 500


def _event(row: WebhookEvent) -> InboxEvent:
    return InboxEvent(
        id=row.id,
        dedupe_key=row.dedupe_key,
        event_class=row.event_class,
        payload=row.payload,
        received_at=row.received_at,
        processed_at=row.processed_at,
        attempts=row.attempts,
        last_error=row.last_error,
        dead_at=row.dead_at,
    )


async def _select(store: Store, stmt: Any) -> list[InboxEvent]:
    async with store.transaction() as session:
        return [_event(row) for row in (await session.scalars(stmt)).all()]


async def last_event_id(store: Store) -> int:
    """The newest event's id (0 for an empty inbox): where a new follower starts."""
    async with store.transaction() as session:
        return int(await session.scalar(select(func.coalesce(func.max(WebhookEvent.id), 0))) or 0)


async def events_after(store: Store, cursor: int, *, limit: int = SCAN_CHUNK) -> list[InboxEvent]:
    """Every event with an id above `cursor`, whatever its state, oldest first."""
    stmt = select(WebhookEvent).where(WebhookEvent.id > cursor).order_by(WebhookEvent.id).limit(limit)
    return await _select(store, stmt)


async def pending_events(store: Store, *, skip: Collection[int] = (), limit: int = 100) -> list[InboxEvent]:
    """Events neither processed nor dead, oldest first, leaving out `skip` (those waiting for a retry)."""
    stmt = (
        select(WebhookEvent)
        .where(WebhookEvent.processed_at.is_(None), WebhookEvent.dead_at.is_(None))
        .order_by(WebhookEvent.id)
        .limit(limit)
    )
    if skip:
        stmt = stmt.where(WebhookEvent.id.not_in(list(skip)))
    return await _select(store, stmt)


async def mark_processed(store: Store, event_ids: list[int]) -> int:
    """Mark these events processed (those still waiting); how many were."""
    stmt = (
        update(WebhookEvent.__table__)
        .where(WebhookEvent.id.in_(event_ids), WebhookEvent.processed_at.is_(None), WebhookEvent.dead_at.is_(None))
        .values(processed_at=utcnow())
    )
    async with store.transaction() as session:
        return int((await session.execute(stmt)).rowcount)


@dataclass(frozen=True)
class FeedItem:
    event_id: int
    received_at: datetime
    event_class: str
    change: Change


def _matches(change: Change, path_prefix: str | None, kinds: Collection[str] | None) -> bool:
    if kinds and change.kind not in kinds:
        return False
    if path_prefix:
        prefix = path_prefix.strip("/")
        paths = [p for p in (change.path, change.old_path) if p is not None]
        return any(p == prefix or p.startswith(prefix + "/") for p in paths)
    return True


def _described(events: Iterable[InboxEvent]) -> Iterable[FeedItem]:
    for event in events:
        try:
            change = describe(event.event_class, event.payload)
        except MalformedEvent:
            continue
        if change is not None:
            yield FeedItem(event.id, event.received_at, event.event_class, change)


async def recent_changes(
    store: Store,
    since: datetime,
    *,
    path_prefix: str | None = None,
    kinds: Collection[str] | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[FeedItem], int]:
    """Changes received at or after `since`, oldest first: one page, and how many match in all.

    Scans the inbox in id order (ids grow with arrival) in chunks, so memory stays bounded
    however many events the retention keeps.
    """
    classes = [name for name, kind in KIND_OF.items() if not kinds or kind in kinds]
    found: list[FeedItem] = []
    total = 0
    cursor = 0
    while True:
        stmt = (
            select(WebhookEvent)
            .where(WebhookEvent.received_at >= since, WebhookEvent.id > cursor, WebhookEvent.event_class.in_(classes))
            .order_by(WebhookEvent.id)
            .limit(SCAN_CHUNK)
        )
        chunk = await _select(store, stmt)
        for item in _described(chunk):
            if not _matches(item.change, path_prefix, kinds):
                continue
            if offset <= total < offset + limit:
                found.append(item)
            total += 1
        if len(chunk) < SCAN_CHUNK:
            return found, total
        cursor = chunk[-1].id
