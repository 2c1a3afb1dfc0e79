"""MCP tools for the News app (`news`, `/index.php/apps/news/api/v1-3`): feeds, folders and their items.

The eight tools of the PyPI `nextcloud-mcp-server` (`nc_news_*`) under its names and argument
names, plus items changed since a time, marking items read or starred, marking a feed, a folder or
everything read, and managing feeds and folders.

Item lists are summaries (title, feed, author, date, state, a short text preview, link); `detail`
gives each body as text instead. They are paged as News pages them: newest first, `offset` is the
item id to continue below (the answer's `next_offset`), so new items arriving meanwhile do not
shift the pages.

Why no toolset requirement: News contributes no capabilities, so gating cannot see it. Where it is
not enabled for the caller a call names the missing app (nextcloud/news.py finds it from
Nextcloud's answer, as the Shopping List tools do).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Self

from pydantic import BaseModel, Field

from nextcloud_mcp_server.registry import Toolset
from nextcloud_mcp_server.tools._base import CREATE, DELETE, READ, UPDATE, Limit, Offset, Paged, invalid
from nextcloud_mcp_server.tools.declare import Nextcloud, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud import news as api
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

TOOLSET = Toolset(
    "news",
    "News",
    "RSS/Atom feeds of the News app: feeds, folders, articles, read and starred state.",
    default=False,
)

FeedId = Annotated[int, Field(ge=1, description="From nc_news_list_feeds.")]
FolderId = Annotated[int, Field(ge=1, description="From nc_news_list_folders.")]
ItemId = Annotated[int, Field(ge=1)]
ItemIds = Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=1, max_length=500)]
Batch = Annotated[int, Field(ge=1, le=200)]
Before = Annotated[int, Field(ge=0, description="next_offset of the previous page (an item id); 0: newest.")]
Detail = Annotated[bool, Field(description="Each item's whole text instead of a preview.")]


def _iso(seconds: int | None) -> str | None:
    return datetime.fromtimestamp(seconds, UTC).isoformat() if seconds else None


class ItemResult(BaseModel):
    id: int
    title: str | None
    feed_id: int
    feed: str | None = Field(description="The feed's title.")
    author: str | None
    published: str | None = Field(description="ISO 8601.")
    unread: bool
    starred: bool
    url: str | None
    preview: str | None = Field(description="The start of the text; null with detail.")
    text: str | None = Field(description="The whole text, with detail.")

    @classmethod
    def of(cls, item: api.Item, feeds: dict[int, str | None], detail: bool) -> Self:
        from nextcloud_mcp_server.nextcloud.news import preview_of, text_of

        return cls(
            id=item.id,
            title=item.title,
            feed_id=item.feedId,
            feed=feeds.get(item.feedId),
            author=item.author or None,
            published=_iso(item.pubDate),
            unread=item.unread,
            starred=item.starred,
            url=item.url,
            preview=None if detail else preview_of(item.body),
            text=text_of(item.body) if detail else None,
        )


class ItemPage(BaseModel):
    items: list[ItemResult] = Field(description="Newest first.")
    next_offset: int | None = Field(description="Pass as offset for the older items; null: no more.")


class FeedResult(BaseModel):
    id: int
    title: str | None
    url: str = Field(description="The feed's address.")
    link: str | None = Field(description="The website.")
    folder_id: int | None = Field(description="null: in no folder.")
    unread_count: int
    pinned: bool
    update_error_count: int = Field(description="Failed updates in a row.")
    last_update_error: str | None

    @classmethod
    def of(cls, feed: api.Feed) -> Self:
        return cls(
            id=feed.id,
            title=feed.title,
            url=feed.url,
            link=feed.link,
            folder_id=feed.folderId,
            unread_count=feed.unreadCount or 0,
            pinned=bool(feed.pinned),
            update_error_count=feed.updateErrorCount or 0,
            last_update_error=feed.lastUpdateError or None,
        )


class FeedPage(Paged[FeedResult]):
    starred_count: int = Field(default=0, description="Your starred items, across feeds.")
    newest_item_id: int | None = Field(default=None, description="null: no items yet.")


class FolderResult(BaseModel):
    id: int
    name: str


class FeedHealth(BaseModel):
    feed_id: int
    title: str | None
    url: str
    has_errors: bool
    error_count: int = Field(description="Failed updates in a row.")
    last_error: str | None
    next_update: str | None = Field(description="ISO 8601.")


class NewsStatus(BaseModel):
    version: str
    warnings: dict[str, bool] = Field(description="improperlyConfiguredCron: feeds are not updated regularly.")


class FeedChanged(BaseModel):
    feed: FeedResult
    message: str


class FolderChanged(BaseModel):
    folder: FolderResult
    message: str


class FolderDeleted(BaseModel):
    folder: FolderResult
    feeds: list[FeedResult] = Field(description="Deleted with it.")
    message: str


class Marked(BaseModel):
    item_ids: list[int]
    message: str


class MarkedRead(BaseModel):
    newest_item_id: int | None = Field(description="Items up to this id were marked read.")
    message: str


def _api(nc: NextcloudClient) -> api.NewsAPI:
    from nextcloud_mcp_server.nextcloud.news import NewsAPI

    return nc.api(NewsAPI)


async def _page(
    nc: NextcloudClient,
    kind: api.ListType,
    of: int,
    *,
    unread_only: bool,
    limit: int,
    offset: int,
    detail: bool,
) -> ItemPage:
    """One page of a list, newest first: one more than `limit` is asked to know whether more follow."""
    news = _api(nc)
    found = await news.items(kind, of, unread_only=unread_only, limit=limit + 1, before=offset)
    titles = {feed.id: feed.title for feed in (await news.feeds()).feeds}
    shown = found[:limit]
    return ItemPage(
        items=[ItemResult.of(item, titles, detail) for item in shown],
        next_offset=shown[-1].id if len(found) > limit else None,
    )


def _name(name: str) -> str:
    if not name.strip():
        raise invalid("name", "must not be empty; give the folder a short name such as 'Tech'")
    return name.strip()


@tool(TOOLSET, READ, title="List News folders")
async def nc_news_list_folders(nc: Nextcloud, limit: Limit = 50, offset: Offset = 0) -> Paged[FolderResult]:
    """List your News folders."""
    found = [FolderResult(id=f.id, name=f.name) for f in await _api(nc).folders()]
    return Paged[FolderResult].of(found, offset, limit)


@tool(TOOLSET, READ, title="List News feeds")
async def nc_news_list_feeds(nc: Nextcloud, limit: Limit = 50, offset: Offset = 0) -> FeedPage:
    """List your subscribed feeds with unread counts and update errors."""
    found = await _api(nc).feeds()
    page = Paged[FeedResult].of([FeedResult.of(f) for f in found.feeds], offset, limit)
    return FeedPage(
        items=page.items, page=page.page, starred_count=found.starredCount, newest_item_id=found.newestItemId
    )


@tool(TOOLSET, READ, title="List News items")
async def nc_news_list_items(
    nc: Nextcloud,
    feed_id: Annotated[int | None, Field(ge=1)] = None,
    folder_id: Annotated[int | None, Field(ge=1)] = None,
    starred_only: bool = False,
    unread_only: bool = False,
    limit: Batch = 50,
    offset: Before = 0,
    detail: Detail = False,
) -> ItemPage:
    """List articles newest first: all, one feed's, one folder's or the starred ones."""
    from nextcloud_mcp_server.nextcloud.news import ListType

    if feed_id is not None and folder_id is not None:
        raise invalid("folder_id", "give feed_id or folder_id, not both")
    if starred_only and (feed_id is not None or folder_id is not None):
        raise invalid("starred_only", "News lists starred items across all feeds; leave feed_id and folder_id out")
    if starred_only and unread_only:
        raise invalid("unread_only", "News lists starred items read or unread; leave unread_only out")
    kind, of = (
        (ListType.FEED, feed_id)
        if feed_id is not None
        else (ListType.FOLDER, folder_id)
        if folder_id is not None
        else (ListType.STARRED if starred_only else ListType.ALL, 0)
    )
    return await _page(nc, kind, of, unread_only=unread_only, limit=limit, offset=offset, detail=detail)


@tool(TOOLSET, READ, title="Get News item")
async def nc_news_get_item(nc: Nextcloud, item_id: ItemId) -> ItemResult:
    """Read one article with its whole text."""
    news = _api(nc)
    item = await news.item(item_id)
    titles = {feed.id: feed.title for feed in (await news.feeds()).feeds}
    return ItemResult.of(item, titles, detail=True)


@tool(TOOLSET, READ, title="Get starred News items")
async def nc_news_get_starred_items(
    nc: Nextcloud, limit: Batch = 50, offset: Before = 0, detail: Detail = False
) -> ItemPage:
    """List your starred articles, newest first."""
    from nextcloud_mcp_server.nextcloud.news import ListType

    return await _page(nc, ListType.STARRED, 0, unread_only=False, limit=limit, offset=offset, detail=detail)


@tool(TOOLSET, READ, title="Get unread News items")
async def nc_news_get_unread_items(
    nc: Nextcloud, limit: Batch = 50, offset: Before = 0, detail: Detail = False
) -> ItemPage:
    """List your unread articles across all feeds, newest first."""
    from nextcloud_mcp_server.nextcloud.news import ListType

    return await _page(nc, ListType.ALL, 0, unread_only=True, limit=limit, offset=offset, detail=detail)


@tool(TOOLSET, READ, title="Get updated News items")
async def nc_news_get_updated_items(
    nc: Nextcloud,
    since: Annotated[datetime, Field(description="e.g. 2026-05-01T08:00:00Z; UTC if no zone.")],
    feed_id: Annotated[int | None, Field(ge=1)] = None,
    folder_id: Annotated[int | None, Field(ge=1)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Paged[ItemResult]:
    """Articles new or changed (read, starred) since a time, newest first."""
    from nextcloud_mcp_server.nextcloud.news import ListType

    if feed_id is not None and folder_id is not None:
        raise invalid("folder_id", "give feed_id or folder_id, not both")
    moment = since.replace(tzinfo=UTC) if since.tzinfo is None else since
    if moment > datetime.now(UTC):
        raise invalid("since", "it is in the future; give a past time such as yesterday's date")
    kind, of = (
        (ListType.FEED, feed_id)
        if feed_id is not None
        else (ListType.FOLDER, folder_id)
        if folder_id is not None
        else (ListType.ALL, 0)
    )
    news = _api(nc)
    found = await news.updated(max(int(moment.timestamp()), 1), kind, of)
    titles = {feed.id: feed.title for feed in (await news.feeds()).feeds}
    return Paged[ItemResult].of([ItemResult.of(item, titles, False) for item in found], offset, limit)


@tool(TOOLSET, READ, title="Get News feed health")
async def nc_news_get_feed_health(nc: Nextcloud, feed_id: FeedId) -> FeedHealth:
    """Whether a feed updates, with its error count and last error."""
    feed = await _api(nc).feed(feed_id)
    errors = feed.updateErrorCount or 0
    return FeedHealth(
        feed_id=feed.id,
        title=feed.title,
        url=feed.url,
        has_errors=errors > 0 or bool(feed.lastUpdateError),
        error_count=errors,
        last_error=feed.lastUpdateError or None,
        next_update=_iso(feed.nextUpdateTime),
    )


@tool(TOOLSET, READ, title="Get News app status")
async def nc_news_get_status(nc: Nextcloud) -> NewsStatus:
    """The News app's version and configuration warnings."""
    found = await _api(nc).status()
    return NewsStatus(version=found.version, warnings=found.warnings)


@tool(TOOLSET, UPDATE, title="Mark News items read")
async def nc_news_mark_items_read(nc: Nextcloud, item_ids: ItemIds, read: bool = True) -> Marked:
    """Mark articles read (read=false: unread)."""
    ids = list(dict.fromkeys(item_ids))
    await _api(nc).mark(ids, "read" if read else "unread")
    return Marked(item_ids=ids, message=_marked(ids, "read" if read else "unread"))


@tool(TOOLSET, UPDATE, title="Star News items")
async def nc_news_star_items(nc: Nextcloud, item_ids: ItemIds, starred: bool = True) -> Marked:
    """Star articles (starred=false: unstar)."""
    ids = list(dict.fromkeys(item_ids))
    await _api(nc).mark(ids, "star" if starred else "unstar")
    return Marked(item_ids=ids, message=_marked(ids, "starred" if starred else "unstarred"))


def _marked(ids: list[int], state: str) -> str:
    if len(ids) == 1:
        return f"Item {ids[0]} marked {state}"
    return f"{len(ids)} items marked {state} (News passes over ids that are not among your items)"


@tool(TOOLSET, UPDATE, title="Mark all News items read")
async def nc_news_mark_all_read(
    nc: Nextcloud,
    feed_id: Annotated[int | None, Field(ge=1, description="Only this feed's.")] = None,
    folder_id: Annotated[int | None, Field(ge=1, description="Only this folder's.")] = None,
    newest_item_id: Annotated[
        int | None, Field(ge=1, description="Only up to this id (the newest you saw); default: all.")
    ] = None,
) -> MarkedRead:
    """Mark every article read: all, one feed's or one folder's."""
    if feed_id is not None and folder_id is not None:
        raise invalid("folder_id", "give feed_id or folder_id, not both")
    newest = await _api(nc).mark_read(newest_item_id, feed_id=feed_id, folder_id=folder_id)
    what = f"feed {feed_id}" if feed_id else f"folder {folder_id}" if folder_id else "all feeds"
    if newest is None:
        return MarkedRead(newest_item_id=None, message=f"No items in {what}: nothing to mark")
    return MarkedRead(newest_item_id=newest, message=f"Items of {what} up to item {newest} marked read")


@tool(TOOLSET, CREATE, title="Add News feed")
async def nc_news_add_feed(
    nc: Nextcloud,
    url: Annotated[str, Field(description="An RSS or Atom feed (or a page that links one).")],
    folder_id: Annotated[int | None, Field(ge=1)] = None,
) -> FeedChanged:
    """Subscribe to a feed; News fetches its articles at once."""
    if not url.strip().lower().startswith(("http://", "https://")):
        raise invalid("url", "give the feed's full address, starting with https:// or http://")
    feed = FeedResult.of(await _api(nc).add_feed(url.strip(), folder_id))
    return FeedChanged(feed=feed, message=f"Feed {feed.id} '{feed.title}' added with {feed.unread_count} unread items")


@tool(TOOLSET, UPDATE, title="Update News feed")
async def nc_news_update_feed(
    nc: Nextcloud,
    feed_id: FeedId,
    title: str | None = None,
    folder_id: Annotated[int | None, Field(ge=0, description="Move it there; 0: out of any folder.")] = None,
) -> FeedChanged:
    """Rename a feed and/or move it to another folder."""
    if title is not None and not title.strip():
        raise invalid("title", "must not be empty; omit it to keep the current title")
    if title is None and folder_id is None:
        raise invalid("title/folder_id", "give a new title, a folder_id, or both")
    feed = FeedResult.of(await _api(nc).update_feed(feed_id, title and title.strip(), folder_id))
    return FeedChanged(feed=feed, message=f"Feed {feed_id} updated")


@tool(TOOLSET, DELETE, title="Delete News feed")
async def nc_news_delete_feed(nc: Nextcloud, feed_id: FeedId) -> FeedChanged:
    """Unsubscribe from a feed, deleting its articles (starred ones too)."""
    feed = FeedResult.of(await _api(nc).delete_feed(feed_id))
    return FeedChanged(feed=feed, message=f"Feed {feed_id} '{feed.title}' deleted with its items")


@tool(TOOLSET, CREATE, title="Create News folder")
async def nc_news_create_folder(nc: Nextcloud, name: str) -> FolderChanged:
    """Create a folder for feeds; names are unique."""
    found = await _api(nc).create_folder(_name(name))
    return FolderChanged(folder=FolderResult(id=found.id, name=found.name), message=f"Folder {found.id} created")


@tool(TOOLSET, UPDATE, title="Rename News folder")
async def nc_news_rename_folder(nc: Nextcloud, folder_id: FolderId, name: str) -> FolderChanged:
    """Rename a folder of yours."""
    found = await _api(nc).rename_folder(folder_id, _name(name))
    return FolderChanged(folder=FolderResult(id=found.id, name=found.name), message=f"Folder {folder_id} renamed")


@tool(TOOLSET, DELETE, title="Delete News folder")
async def nc_news_delete_folder(nc: Nextcloud, folder_id: FolderId) -> FolderDeleted:
    """Delete a folder with the feeds in it and their articles."""
    folder, feeds = await _api(nc).delete_folder(folder_id)
    return FolderDeleted(
        folder=FolderResult(id=folder.id, name=folder.name),
        feeds=[FeedResult.of(feed) for feed in feeds],
        message=f"Folder {folder_id} '{folder.name}' deleted with {len(feeds)} feeds",
    )
