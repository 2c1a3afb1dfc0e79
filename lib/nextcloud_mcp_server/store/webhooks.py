"""Webhooks: what this server registered with Nextcloud, and the durable inbox of received events.

Why an inbox: the receiver stores an event before it answers 200 (Nextcloud gives it 3 s),
then processes it. The dedupe key makes a redelivered event a no-op; failed processing is
retried and, after `max_attempts`, set aside as a dead letter instead of blocking the queue.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, or_, select, update

from nextcloud_mcp_server.store._base import Repository, page, rowcount
from nextcloud_mcp_server.store.models import WebhookEvent, WebhookRegistration, table_of, utcnow

if TYPE_CHECKING:
    from nextcloud_mcp_server.store.inbox_writer import InboxWriter

DEFAULT_MAX_ATTEMPTS = 5
MAX_ERROR_CHARS = 1000


@dataclass(frozen=True)
class RegistrationRecord:
    nextcloud_id: int
    event: str
    event_filter: dict[str, Any] | None
    uri: str
    owner_mode: str
    user_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class InboxEvent:
    id: int
    dedupe_key: str
    event_class: str
    payload: dict[str, Any]
    owner_id: str | None
    received_at: datetime
    processed_at: datetime | None
    attempts: int
    last_error: str | None
    dead_at: datetime | None


def _registration(row: WebhookRegistration) -> RegistrationRecord:
    return RegistrationRecord(
        nextcloud_id=row.nextcloud_id,
        event=row.event,
        event_filter=row.event_filter,
        uri=row.uri,
        owner_mode=row.owner_mode,
        user_id=row.user_id,
        created_at=row.created_at,
    )


def _event(row: WebhookEvent) -> InboxEvent:
    return InboxEvent(
        id=row.id,
        dedupe_key=row.dedupe_key,
        event_class=row.event_class,
        payload=row.payload,
        owner_id=row.owner_id,
        received_at=row.received_at,
        processed_at=row.processed_at,
        attempts=row.attempts,
        last_error=row.last_error,
        dead_at=row.dead_at,
    )


class WebhookRepository(Repository):
    """Webhook registrations, keyed by the id Nextcloud gave them."""

    async def add(
        self,
        nextcloud_id: int,
        *,
        event: str,
        uri: str,
        owner_mode: str = "app",
        event_filter: dict[str, Any] | None = None,
        user_id: str | None = None,
    ) -> RegistrationRecord:
        row = WebhookRegistration(
            nextcloud_id=nextcloud_id,
            event=event,
            event_filter=event_filter,
            uri=uri,
            owner_mode=owner_mode,
            user_id=user_id,
            created_at=utcnow(),
        )
        async with self._sessions.begin() as session:
            session.add(row)
        return _registration(row)

    async def get(self, nextcloud_id: int) -> RegistrationRecord | None:
        stmt = select(WebhookRegistration).where(WebhookRegistration.nextcloud_id == nextcloud_id)
        async with self._sessions() as session:
            row = (await session.scalars(stmt)).one_or_none()
            return _registration(row) if row is not None else None

    async def list(self, *, event: str | None = None, limit: int = 100, offset: int = 0) -> list[RegistrationRecord]:
        limit, offset = page(limit, offset)
        stmt = select(WebhookRegistration).order_by(WebhookRegistration.id).limit(limit).offset(offset)
        if event is not None:
            stmt = stmt.where(WebhookRegistration.event == event)
        async with self._sessions() as session:
            return [_registration(row) for row in (await session.scalars(stmt)).all()]

    async def delete(self, nextcloud_id: int) -> bool:
        stmt = delete(WebhookRegistration).where(WebhookRegistration.nextcloud_id == nextcloud_id)
        async with self._sessions.begin() as session:
            return bool(rowcount(await session.execute(stmt)))


class InboxRepository(Repository):
    """Received webhook events: insert-or-ignore by dedupe key, then processed or dead-lettered."""

    writer: InboxWriter | None = None
    """The one-statement insert path (see inbox_writer.py); set by the Store when it opens."""

    async def add(
        self,
        dedupe_key: str,
        event_class: str,
        payload: dict[str, Any],
        *,
        owner: str | None = None,
        received_at: datetime | None = None,
    ) -> int | None:
        """Store an event, committed; its id, or None when an event with this dedupe key is already stored.

        `owner` is the user the event concerns, so that each user's feed is a query of its own.
        """
        assert self.writer is not None, "the Store sets the inbox writer when it opens"
        return await self.writer.add(dedupe_key, event_class, payload, received_at or utcnow(), owner)

    async def get(self, event_id: int) -> InboxEvent | None:
        async with self._sessions() as session:
            row = await session.get(WebhookEvent, event_id)
            return _event(row) if row is not None else None

    async def pending(self, *, limit: int = 100, skip: Collection[int] = ()) -> list[InboxEvent]:
        """Events neither processed nor dead-lettered, oldest first, leaving out `skip` (e.g. in backoff)."""
        limit, _ = page(limit, 0)
        stmt = (
            select(WebhookEvent)
            .where(WebhookEvent.processed_at.is_(None), WebhookEvent.dead_at.is_(None))
            .order_by(WebhookEvent.id)
            .limit(limit)
        )
        if skip:
            stmt = stmt.where(WebhookEvent.id.not_in(list(skip)))
        return await self._events(stmt)

    async def last_id(self) -> int:
        """The newest event's id (0 for an empty inbox): where a new follower of the inbox starts."""
        async with self._sessions() as session:
            return int(await session.scalar(select(func.coalesce(func.max(WebhookEvent.id), 0))) or 0)

    async def after(
        self,
        cursor: int,
        *,
        limit: int = 500,
        received_since: datetime | None = None,
        classes: Collection[str] | None = None,
        owner: str | None = None,
    ) -> list[InboxEvent]:
        """Events with an id above `cursor` (ids grow with arrival), whatever their state, oldest first.

        With `owner`: only that user's events, and those stored without an owner (from before the
        owner was recorded) for the caller to check from their payload.
        """
        limit, _ = page(limit, 0)
        stmt = select(WebhookEvent).where(WebhookEvent.id > cursor).order_by(WebhookEvent.id).limit(limit)
        if owner is not None:
            stmt = stmt.where(or_(WebhookEvent.owner_id == owner, WebhookEvent.owner_id.is_(None)))
        if received_since is not None:
            stmt = stmt.where(WebhookEvent.received_at >= received_since)
        if classes is not None:
            stmt = stmt.where(WebhookEvent.event_class.in_(list(classes)))
        return await self._events(stmt)

    async def mark_many_processed(self, event_ids: Collection[int], *, now: datetime | None = None) -> int:
        """Mark these events processed in one statement (those still waiting); how many were."""
        stmt = (
            update(table_of(WebhookEvent))
            .where(WebhookEvent.id.in_(list(event_ids)), WebhookEvent.processed_at.is_(None))
            .where(WebhookEvent.dead_at.is_(None))
            .values(processed_at=now or utcnow())
        )
        async with self._engine.begin() as conn:
            return rowcount(await conn.execute(stmt))

    async def _events(self, stmt: Any) -> list[InboxEvent]:
        async with self._sessions() as session:
            return [_event(row) for row in (await session.scalars(stmt)).all()]

    async def dead_letters(self, *, limit: int = 100, offset: int = 0) -> list[InboxEvent]:
        limit, offset = page(limit, offset)
        stmt = (
            select(WebhookEvent)
            .where(WebhookEvent.dead_at.is_not(None))
            .order_by(WebhookEvent.id)
            .limit(limit)
            .offset(offset)
        )
        async with self._sessions() as session:
            return [_event(row) for row in (await session.scalars(stmt)).all()]

    async def mark_processed(self, event_id: int, *, now: datetime | None = None) -> bool:
        """True if the event was waiting and is now processed; False if unknown or already done."""
        stmt = (
            update(table_of(WebhookEvent))
            .where(WebhookEvent.id == event_id, WebhookEvent.processed_at.is_(None))
            .values(processed_at=now or utcnow())
        )
        async with self._engine.begin() as conn:
            return bool(rowcount(await conn.execute(stmt)))

    async def record_failure(
        self, event_id: int, error: str, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS, now: datetime | None = None
    ) -> InboxEvent | None:
        """Count a failed attempt; at `max_attempts` the event becomes a dead letter. The updated event."""
        table = table_of(WebhookEvent)
        stmt = (
            update(table)
            .where(table.c.id == event_id, table.c.processed_at.is_(None), table.c.dead_at.is_(None))
            .values(attempts=table.c.attempts + 1, last_error=error[:MAX_ERROR_CHARS])
            .returning(table.c.attempts)
        )
        async with self._sessions.begin() as session:
            attempts = (await session.execute(stmt)).scalar_one_or_none()
            if attempts is not None and attempts >= max_attempts:
                await session.execute(update(table).where(table.c.id == event_id).values(dead_at=now or utcnow()))
            row = await session.get(WebhookEvent, event_id)
            return _event(row) if row is not None else None

    async def retry(self, event_id: int) -> bool:
        """Put a dead letter back in the queue (attempts reset)."""
        stmt = (
            update(WebhookEvent)
            .where(WebhookEvent.id == event_id, WebhookEvent.dead_at.is_not(None))
            .values(dead_at=None, attempts=0)
        )
        async with self._sessions.begin() as session:
            return bool(rowcount(await session.execute(stmt)))

    async def purge_processed(self, *, older_than: timedelta, now: datetime | None = None) -> int:
        """Delete events processed before `now - older_than`. Unprocessed and dead events are kept."""
        cutoff = (now or utcnow()) - older_than
        stmt = delete(WebhookEvent).where(WebhookEvent.processed_at.is_not(None), WebhookEvent.processed_at < cutoff)
        async with self._sessions.begin() as session:
            return rowcount(await session.execute(stmt))
