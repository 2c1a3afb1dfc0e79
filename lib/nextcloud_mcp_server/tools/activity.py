"""What changed in the caller's Nextcloud, two ways: `nc_activity_recent_changes` and
`nc://activity/recent` answer from the webhook inbox instead of by crawling the tree;
`nc_activity_list` reads the Activity app's stream (who did what, shares and calendars included).

Why from the inbox: every change Nextcloud reported (files, notes, calendar objects) is already
stored there, in arrival order, for the store's retention (7 days of processed events). The
feed is as complete as the webhooks registered (`nextcloud-mcp-server webhooks register`).
Each caller sees only their own changes: those in their own namespace (webhooks/events.py says
why a change to a file shared with them, reported under the owner's path, is not among them).

The Activity app's stream needs that app (its tools say so with their own requirement), the feed
does not: the toolset stays usable on a Nextcloud without it. The stream is paged by activity id
(`since_id`, Nextcloud's `since`), which the result hands back as `next_since_id`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, Field

from nextcloud_mcp_server.registry import Requirement, Toolset
from nextcloud_mcp_server.tools._base import READ, Limit, Offset, Page, invalid
from nextcloud_mcp_server.tools.declare import Inbox, Nextcloud, User, resource, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.activity import Activity
    from nextcloud_mcp_server.store import Store
    from nextcloud_mcp_server.webhooks.feed import FeedItem

RECENT_URI = "nc://activity/recent"
Kind = Literal["created", "updated", "deleted", "renamed"]

TOOLSET = Toolset(
    "activity",
    "Activity",
    "What changed: the webhook feed of files, notes and calendars, and the Activity app's stream.",
    default=False,
)
ACTIVITY_APP = Requirement("activity", "Activity")


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


class ActivityEntry(BaseModel):
    """One entry of the Activity app's stream."""

    activity_id: int = Field(description="The activity's id (ids grow with time).")
    datetime: str = Field(description="When it happened (ISO 8601).")
    app: str = Field(description="The app that recorded it, e.g. files, files_sharing, dav, comments.")
    type: str = Field(description="What kind, e.g. file_created, file_changed, shared, calendar_event.")
    user: str | None = Field(description="Who did it; null for a public link or a remote action.")
    subject: str = Field(description="What happened, in words.")
    message: str | None = Field(description="Longer text, if any.")
    object_type: str | None = Field(description="What it is about, e.g. files.")
    object_id: int | None = Field(description="Its id (for files: the file id).")
    object_name: str | None = Field(description="Its name (for files: the path in the user's files).")
    link: str | None = Field(description="Where Nextcloud shows it.")

    @classmethod
    def of(cls, activity: Activity) -> ActivityEntry:
        return cls(**activity.model_dump())


class ActivityList(BaseModel):
    activities: list[ActivityEntry] = Field(description="Newest first, or oldest first with oldest_first.")
    filter: str = Field(description="The filter applied.")
    next_since_id: int | None = Field(
        description="The last id given (your since_id when none came): pass it as since_id to continue."
    )
    has_more: bool = Field(description="Whether more activities lie beyond next_since_id in this order.")


class ActivityFilterItem(BaseModel):
    id: str = Field(description="Pass as filter to nc_activity_list.")
    name: str = Field(description="The filter's name in Nextcloud.")


class ActivityFilterList(BaseModel):
    filters: list[ActivityFilterItem] = Field(description="In Nextcloud's order.")


@tool(TOOLSET, READ, title="Activity stream", requires=ACTIVITY_APP)
async def nc_activity_list(
    nc: Nextcloud,
    filter: Annotated[
        str,
        Field(
            description="e.g. self (by you), by (others), files, files_sharing, calendar; see nc_activity_list_filters."
        ),
    ] = "all",
    since_id: Annotated[int | None, Field(ge=1, description="next_since_id of the previous answer.")] = None,
    oldest_first: Annotated[bool, Field(description="Go forward in time from since_id (what is new since).")] = False,
    file_id: Annotated[int | None, Field(ge=1, description="Only activities about this file or folder.")] = None,
    limit: Annotated[int, Field(ge=1, le=200)] = 50,
) -> ActivityList:
    """The Activity app's stream: who created, changed, shared or commented what, newest first."""
    from nextcloud_mcp_server.nextcloud.activity import ActivityAPI

    if not re.fullmatch(r"[a-z0-9_]+", filter):
        raise invalid("filter", "use a filter id such as 'all' or 'files'; nc_activity_list_filters lists them")
    if file_id is not None and filter != "all":
        raise invalid("file_id", "Nextcloud narrows to one file only under filter 'all'; leave filter out")
    page = await nc.api(ActivityAPI).stream(
        filter=filter,
        since_id=since_id,
        limit=limit,
        sort="asc" if oldest_first else "desc",
        object_type="files" if file_id is not None else None,
        object_id=file_id,
    )
    return ActivityList(
        activities=[ActivityEntry.of(a) for a in page.activities],
        filter=filter,
        next_since_id=page.last_given,
        has_more=page.has_more,
    )


@tool(TOOLSET, READ, title="Activity filters", requires=ACTIVITY_APP)
async def nc_activity_list_filters(nc: Nextcloud) -> ActivityFilterList:
    """The filters nc_activity_list takes on this Nextcloud (apps add their own)."""
    from nextcloud_mcp_server.nextcloud.activity import ActivityAPI

    found = await nc.api(ActivityAPI).filters()
    return ActivityFilterList(filters=[ActivityFilterItem(id=f.id, name=f.name) for f in found])
