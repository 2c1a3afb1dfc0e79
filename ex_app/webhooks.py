"""Webhook registration through nc_py_api: on enable, ask webhook_listeners to deliver file,
calendar-object and notes-folder events to the engine's receiver; on disable, remove them.

Why relative `uri`: for an ExApp, webhook_listeners delivers a uri starting with `/` through
AppAPI, with AppAPI headers, so the receiver authenticates it like any AppAPI request.
Idempotent: what Nextcloud already holds for this app and uri is kept, only missing
registrations are added, so restarts and replicas do not multiply deliveries. Replicas
enabling at the same moment would both see "missing" and both add: `exclusive` makes them
take turns under the store's lock (a file lock for SQLite, an advisory lock for PostgreSQL).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio

from nextcloud_mcp_server.webhooks.events import DEFAULT_EVENTS, NODE_WRITTEN

if TYPE_CHECKING:
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.store import Store

log = logging.getLogger(__name__)

URI = "/webhooks/nextcloud"
# webhook_listeners' filters take a regular expression as a string between slashes (admin manual).
NOTES_FILTER = {"event.node.path": "/^\\/[^\\/]+\\/files\\/Notes\\//"}


@dataclass(frozen=True)
class WebhookSpec:
    event: str
    event_filter: dict[str, Any] | None = None


WANTED: tuple[WebhookSpec, ...] = (
    # The same events as `nextcloud-mcp-server webhooks register`, so both modes feed the same processing.
    *(WebhookSpec(event) for event in DEFAULT_EVENTS),
    # The notes folder: Notes keeps each note as a file under the user's Notes/ folder.
    WebhookSpec(NODE_WRITTEN, NOTES_FILTER),
)


@asynccontextmanager
async def exclusive(settings: Settings) -> AsyncIterator[None]:
    """Held while this replica reads and changes the app's webhooks (the store's migration lock)."""
    from nextcloud_mcp_server.store.migrate import locked_connection

    held = ExitStack()
    await anyio.to_thread.run_sync(held.enter_context, locked_connection(settings.resolved_database_url()))
    try:
        yield
    finally:
        await anyio.to_thread.run_sync(held.close)


def _same(hook: Any, spec: WebhookSpec) -> bool:
    return hook.event == spec.event and (hook.event_filter or None) == (spec.event_filter or None)


def _id(hook: Any) -> int:
    """The registration's id as the store keys it: WebhookInfo's `id` is a string in the contract
    (nc_py_api passes it on as it came), and PostgreSQL compares no string with an integer column."""
    return int(hook.webhook_id)


async def register(nc: Any, app_id: str, store: Store | None) -> list[int]:
    """Make Nextcloud hold exactly one registration per WANTED spec for this app; their ids."""
    existing = [h for h in await nc.webhooks.get_list(uri_filter=URI) if h.app_id == app_id]
    ids: list[int] = []
    for spec in WANTED:
        hook = next((h for h in existing if _same(h, spec)), None)
        if hook is None:
            hook = await nc.webhooks.register("POST", URI, spec.event, event_filter=spec.event_filter)
            log.info("Registered webhook %s for %s", _id(hook), spec.event)
        ids.append(_id(hook))
        if store is not None and await store.webhooks.get(_id(hook)) is None:
            await store.webhooks.add(_id(hook), event=spec.event, uri=URI, event_filter=spec.event_filter)
    return ids


async def unregister(nc: Any, app_id: str, store: Store | None) -> int:
    """Remove this app's registrations at Nextcloud and in the store; how many were removed."""
    removed = 0
    for hook in await nc.webhooks.get_list(uri_filter=URI):
        if hook.app_id != app_id:
            continue
        await nc.webhooks.unregister(_id(hook))
        removed += 1
        if store is not None:
            await store.webhooks.delete(_id(hook))
    if store is not None:  # registrations Nextcloud no longer knows (e.g. removed by an admin)
        for record in await store.webhooks.list(limit=1000):
            if record.uri == URI and record.owner_mode == "app":
                await store.webhooks.delete(record.nextcloud_id)
    log.info("Removed %d webhooks", removed)
    return removed
