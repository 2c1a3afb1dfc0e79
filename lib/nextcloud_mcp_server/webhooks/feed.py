"""The recent-changes feed: "what changed since" for one user, read from the inbox and described.

The inbox's queries live in the store (`InboxRepository.after`, by owner); this module turns
stored events into changes, keeps those of the user (`Change.owner`, see events.py: a change
is its owner's), filters them by path and kind, and pages the result.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from nextcloud_mcp_server.store.webhooks import InboxEvent
from nextcloud_mcp_server.webhooks.events import KIND_OF, Change, MalformedEvent, describe

if TYPE_CHECKING:
    from nextcloud_mcp_server.store import Store

SCAN_CHUNK = 500


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
    user: str,
    since: datetime,
    *,
    path_prefix: str | None = None,
    kinds: Collection[str] | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[FeedItem], int]:
    """`user`'s changes received at or after `since`, oldest first: one page, and how many match in all.

    Scans the inbox in id order (ids grow with arrival) in chunks, so memory stays bounded
    however many events the retention keeps.
    """
    classes = [name for name, kind in KIND_OF.items() if not kinds or kind in kinds]
    found: list[FeedItem] = []
    total = 0
    cursor = 0
    while True:
        chunk = await store.inbox.after(cursor, limit=SCAN_CHUNK, received_since=since, classes=classes, owner=user)
        for item in _described(chunk):
            if item.change.owner != user or not _matches(item.change, path_prefix, kinds):
                continue
            if offset <= total < offset + limit:
                found.append(item)
            total += 1
        if len(chunk) < SCAN_CHUNK:
            return found, total
        cursor = chunk[-1].id
