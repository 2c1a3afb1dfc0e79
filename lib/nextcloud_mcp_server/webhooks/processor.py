"""Processing from the inbox: the durable part once per event, the live part on every replica.

Why two steps in one loop:
- *Processing* (durable, at least once): each pending event goes through the handlers
  (the built-in one checks that a known class carries the documented fields), then is marked
  processed. A failure is counted with `record_failure`; the event is retried after an
  exponential backoff and becomes a dead letter after `max_attempts`. Handlers are idempotent,
  so an event processed again after a crash (between its handling and its mark) has the same
  effect as once. Any replica may process any event; the mark is conditional.
- *Following* (live, per replica): every replica tails the inbox by id and, for each new event,
  drops its cached views of the path and notifies its own MCP sessions. That is how sessions on
  another replica learn of an event this replica received: through the shared store, by polling
  (every `poll_interval` seconds, and at once when this replica's receiver stored the event).
  Polling works on SQLite and PostgreSQL alike and needs no extra connection per replica.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import anyio

from nextcloud_mcp_server.webhooks.events import Change, MalformedEvent, describe

if TYPE_CHECKING:
    import anyio.abc

    from nextcloud_mcp_server.store import Store
    from nextcloud_mcp_server.store.webhooks import InboxEvent
    from nextcloud_mcp_server.webhooks.subscriptions import ResourceSubscriptions

log = logging.getLogger(__name__)

Handler = Callable[["InboxEvent", "Change | None"], Awaitable[None]]
"""A durable handler: called for every event at least once; must be idempotent."""

Invalidator = Callable[[Change], None]
"""A per-replica cache hook: forget anything cached about the change's paths."""

BATCH = 100


class InboxProcessor:
    """Processes and follows the inbox of one Store for one process's MCP sessions."""

    def __init__(
        self,
        store: Store,
        subscriptions: ResourceSubscriptions | None = None,
        *,
        max_attempts: int = 5,
        poll_interval: float = 0.5,
        backoff: float = 1.0,
        max_backoff: float = 300.0,
        handlers: tuple[Handler, ...] = (),
        invalidators: tuple[Invalidator, ...] = (),
    ) -> None:
        self.store = store
        self.subscriptions = subscriptions
        self.max_attempts = max_attempts
        self.poll_interval = poll_interval
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.handlers = handlers
        self.invalidators = list(invalidators)
        self._retry_at: dict[int, float] = {}
        self._cursor: int | None = None
        self._wakeup = anyio.Event()
        self.processed = 0
        self.notified = 0

    def wake(self, event_id: int | None = None) -> None:
        """A new event is in the inbox: stop waiting (called by the receiver after it stored one)."""
        self._wakeup.set()

    async def run(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Follow and process until cancelled; `task_status.started()` once the follower's start is known."""
        self._cursor = await self.store.inbox.last_id()
        task_status.started()
        draining = False
        while True:
            try:
                busy = await self.follow_once()
                handled = await self.process_once()
            except Exception:  # the store is down or a handler crashed: keep the loop alive
                log.exception("Webhook processing failed; retrying in %.1f s", self.poll_interval)
                busy = handled = False
            if handled:
                draining = True
            elif draining and not self._retry_at:
                draining = False
                log.info("Webhook inbox drained: %d events processed since start-up", self.processed)
            if not (busy or handled):
                await self._wait()

    async def _wait(self) -> None:
        timeout = self.poll_interval
        if self._retry_at:
            timeout = max(0.0, min(timeout, min(self._retry_at.values()) - time.monotonic()))
        with anyio.move_on_after(timeout):
            await self._wakeup.wait()
        self._wakeup = anyio.Event()

    # -- following: per replica -----------------------------------------------------------
    async def follow_once(self) -> bool:
        """Notify this process's sessions of events newer than the cursor; True if there were any."""
        if self._cursor is None:
            self._cursor = await self.store.inbox.last_id()
        events = await self.store.inbox.after(self._cursor)
        for event in events:
            self._cursor = event.id
            try:
                change = describe(event.event_class, event.payload)
            except MalformedEvent:
                continue
            if change is None:
                continue
            for invalidate in self.invalidators:
                try:
                    invalidate(change)
                except Exception:  # one cache must not keep the others (or the subscribers) stale
                    log.exception("A cache invalidator failed for %s", change.path)
            if self.subscriptions is not None and change.updated_uris:
                self.notified += await self.subscriptions.updated(
                    change.owner, change.updated_uris, list_changed=change.list_changed
                )
        return bool(events)

    # -- processing: durable, at least once --------------------------------------------------
    async def process_once(self) -> bool:
        """Process one batch of due pending events; True if any was handled."""
        now = time.monotonic()
        waiting = {event_id for event_id, due in self._retry_at.items() if due > now}
        events = await self.store.inbox.pending(skip=waiting, limit=BATCH)
        done = [event.id for event in events if await self._handled(event)]
        if done:  # one statement for the batch: the store's busiest writer is the receiver
            self.processed += await self.store.inbox.mark_many_processed(done)
        return bool(events)

    async def _handled(self, event: InboxEvent) -> bool:
        try:
            change = describe(event.event_class, event.payload)
            for handler in self.handlers:
                await handler(event, change)
        except Exception as exc:
            await self._failed(event, exc)
            return False
        self._retry_at.pop(event.id, None)
        return True

    async def _failed(self, event: InboxEvent, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"
        updated = await self.store.inbox.record_failure(event.id, error, max_attempts=self.max_attempts)
        if updated is None or updated.dead_at is not None or updated.processed_at is not None:
            self._retry_at.pop(event.id, None)
            if updated is not None and updated.dead_at is not None:
                log.warning(
                    "Webhook event %d (%s) is a dead letter after %d attempts: %s",
                    event.id,
                    event.event_class,
                    updated.attempts,
                    error,
                )
            return
        self._retry_at[event.id] = time.monotonic() + self.delay(updated.attempts)

    def delay(self, attempts: int) -> float:
        """Seconds before retry number `attempts` + 1: doubling from `backoff`, capped at `max_backoff`."""
        return min(self.max_backoff, self.backoff * math.pow(2, max(0, attempts - 1)))
