"""`nc_activity_recent_changes` and `nc://activity/recent`: what changed in the caller's Nextcloud,
answered from the webhook inbox instead of by crawling the tree.

Why from the inbox: every change Nextcloud reported (files, notes, calendar objects) is already
stored there, in arrival order, for the store's retention (7 days of processed events). The
feed is as complete as the webhooks registered (`nextcloud-mcp-server webhooks register`).
Each caller sees only their own changes: those in their own namespace (webhooks/events.py says
why a change to a file shared with them, reported under the owner's path, is not among them).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, Field

from nextcloud_mcp_server.registry import Toolset
from nextcloud_mcp_server.tools._base import READ, Limit, Offset, Page, invalid
from nextcloud_mcp_server.tools.declare import Inbox, User, resource, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.store import Store
    from nextcloud_mcp_server.webhooks.feed import FeedItem

RECENT_URI = "nc://activity/recent"
Kind = Literal["created", "updated", "deleted", "renamed"]

TOOLSET = Toolset(
    "activity",
    "Recent changes",
    "What changed in the user's files, notes and calendars, from Nextcloud's webhooks.",
    default=False,
)


class ChangeEntry(BaseModel):
    """One change Nextcloud reported."""

    event_id: int = Field(description="Position in the feed (grows with arrival).")
    received_at: datetime = Field(description="When the server received the event (UTC).")
    kind: Kind = Field(description="created, updated, deleted or renamed.")
    object_type: Literal["file", "calendar_object"] = Field(description="What changed.")
    path: str | None = Field(description="File path relative to the user's root; calendar objects: calendar/object.")
    old_path: str | None = Field(description="For renames: the previous path.")
    file_id: int | None = Field(description="Nextcloud's file id (for notes: the note id), if known.")
    user_id: str | None = Field(description="The Nextcloud user whose action caused it.")
    resource_uris: list[str] = Field(description="MCP resource URIs to read again (or subscribe to).")

    @classmethod
    def of(cls, item: FeedItem) -> ChangeEntry:
        change = item.change
        return cls(
            event_id=item.event_id,
            received_at=item.received_at,
            kind=change.kind,
            object_type=change.object_type,
            path=change.path,
            old_path=change.old_path,
            file_id=change.file_id,
            user_id=change.user_id,
            resource_uris=list(change.updated_uris),
        )


class RecentChangesResult(BaseModel):
    changes: list[ChangeEntry] = Field(description="Changes in arrival order, oldest first.")
    since: datetime = Field(description="The start of the window (UTC).")
    page: Page


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def recent(
    store: Store, user: str, since: datetime, path_prefix: str | None, kinds: list[Kind] | None, offset: int, limit: int
) -> RecentChangesResult:
    """The user's changes: one page of the feed."""
    from nextcloud_mcp_server.webhooks.feed import recent_changes

    since = _utc(since)
    items, total = await recent_changes(
        store, user, since, path_prefix=path_prefix, kinds=kinds or None, offset=offset, limit=limit
    )
    end = offset + len(items)
    page = Page(total=total, offset=offset, next_offset=end if end < total else None)
    return RecentChangesResult(changes=[ChangeEntry.of(item) for item in items], since=since, page=page)


@tool(TOOLSET, READ, title="Recent changes")
async def nc_activity_recent_changes(
    store: Inbox,
    user: User,
    since: Annotated[datetime, Field(description="e.g. 2026-05-01T08:00:00Z; UTC if no zone.")],
    path_prefix: Annotated[str | None, Field(description="e.g. 'Documents/Projects'.")] = None,
    kinds: Annotated[list[Kind] | None, Field(description="Default: all kinds.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> RecentChangesResult:
    """Changes to your files, notes and calendars since a time, oldest first, with resource URIs to re-read."""
    if path_prefix is not None and (".." in path_prefix.split("/") or "\\" in path_prefix):
        raise invalid("path_prefix", "use a path inside your files with '/' between names, e.g. 'Documents'")
    if _utc(since) > datetime.now(UTC) + timedelta(minutes=5):
        raise invalid("since", "it is in the future; give a past time such as yesterday's date")
    return await recent(store, user, since, path_prefix, kinds, offset, limit)


@resource(
    TOOLSET,
    RECENT_URI,
    name="recent_changes",
    title="Recent changes",
    description="Changes of the last 24 hours (files, notes, calendar objects) as JSON, oldest first; "
    "the first 500, see nc_activity_recent_changes for more.",
    mime_type="application/json",
)
async def recent_changes_resource(store: Inbox, user: User) -> str:
    result = await recent(store, user, datetime.now(UTC) - timedelta(days=1), None, None, 0, 500)
    return result.model_dump_json()
