"""The News app's API v1-3 (`/index.php/apps/news/api/v1-3`): folders, feeds, items, status.

As the app documents it (docs/api/api-v1-3.md) and its controllers answer it
(lib/Controller/{Folder,Feed,Item,Utility}ApiController.php):

- Items are paged by id, newest first: `batchSize` items with an id lower than `offset` (0: from
  the newest). `type` picks the list (0 a feed, 1 a folder, 2 starred, 3 all) and `id` the feed
  or folder; `getRead=false` keeps unread items only (for `type=2` News answers a message instead
  of items, so starred items are always asked with `getRead=true`). `/items/updated` gives every
  item changed (new, read, starred) since `lastModified`, unpaged.
- There is no route for one item: `item` asks the list of all items for the one just below
  `id + 1`, which is that item when it is the caller's.
- Marking many items (`/items/{read,unread,star,unstar}/multiple`) skips ids that are not the
  caller's without a word; marking one item answers 404 for them. `mark` uses the one-item route
  for a single id, so that case is reported.
- Errors are `{"message": ...}`: 404 for an id that is not the caller's, 409 for a feed URL or a
  folder name the caller already has, 422 for a feed that cannot be read or an empty folder name.
  The 409s and 422s, and the 404 News answers today for an unreadable feed (the documentation
  says 422), are `Refused` with News's reason. A 404 without a JSON message is Nextcloud's router:
  the app is not enabled for the caller (`AppUnavailable`; News shows no capabilities to gate on).
- News does not check the folder a feed is added to or moved into; `folder` is read first so an
  id that is not the caller's folder is not found instead of being stored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import IntEnum
from html import unescape
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from nextcloud_mcp_server.nextcloud.errors import (
    AppUnavailable,
    BadResponse,
    NextcloudError,
    Refused,
    detail_of,
    error_for,
    not_found,
    parsed,
)

if TYPE_CHECKING:
    import httpx

    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

APP, TITLE = "news", "News"
BASE = "/index.php/apps/news/api/v1-3"
HEADERS = {"Accept": "application/json"}
M = TypeVar("M", bound=BaseModel)


class ListType(IntEnum):
    """News's `type` of an item list."""

    FEED = 0
    FOLDER = 1
    STARRED = 2
    ALL = 3


class Folder(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    name: str


class Feed(BaseModel):
    """A feed as `/feeds` lists it (`unreadCount` counts its unread items)."""

    model_config = ConfigDict(extra="ignore")

    id: int
    url: str
    title: str | None = None
    link: str | None = None
    folderId: int | None = None
    unreadCount: int | None = 0
    pinned: bool | None = False
    added: int | None = None
    nextUpdateTime: int | None = None
    updateErrorCount: int | None = 0
    lastUpdateError: str | None = None


class Feeds(BaseModel):
    feeds: list[Feed]
    starredCount: int = 0
    newestItemId: int | None = None


class Item(BaseModel):
    """An item (article); `body` is HTML, `pubDate` and `lastModified` are Unix seconds."""

    model_config = ConfigDict(extra="ignore")

    id: int
    feedId: int
    guid: str | None = None
    url: str | None = None
    title: str | None = None
    author: str | None = None
    pubDate: int | None = None
    body: str | None = None
    enclosureMime: str | None = None
    enclosureLink: str | None = None
    unread: bool = False
    starred: bool = False
    lastModified: int | str | None = None


class Status(BaseModel):
    model_config = ConfigDict(extra="ignore")

    version: str = ""
    warnings: dict[str, bool] = Field(default_factory=dict)


def _said(response: httpx.Response) -> str | None:
    """News's own `message`, or None when the answer is not the app's (Nextcloud's router)."""
    if "json" not in response.headers.get("Content-Type", ""):
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    said = body.get("message") if isinstance(body, dict) else None
    return said if isinstance(said, str) else None


class NewsAPI:
    """The caller's News subscriptions: folders, feeds and their items."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def _call(
        self,
        method: str,
        path: str,
        subject: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        refused: Sequence[int] = (409, 422),
    ) -> Any:
        """The JSON answer (None when empty); the typed error about `subject` otherwise."""
        response = await self._client.request(
            method, BASE + path, headers=HEADERS, params=params, json=json, ok=tuple(range(400, 600))
        )
        if response.is_success:
            if not response.content.strip():
                return None
            try:
                return response.json()
            except ValueError:
                raise BadResponse(f"News answered {path} without JSON") from None
        said = _said(response)
        if said is None and response.status_code == 404:
            raise AppUnavailable(APP, TITLE, detail_of(response))
        error: NextcloudError
        if response.status_code in refused:
            error = Refused(said or "", status=response.status_code)
        elif response.status_code == 404:
            error = not_found(subject, said or "")
        else:
            error = error_for(response.status_code, said or "")
        error.subject = subject
        raise error

    # -- folders -----------------------------------------------------------------------
    async def folders(self) -> list[Folder]:
        data = await self._call("GET", "/folders", "your News folders")
        if not isinstance(data, dict) or not isinstance(data.get("folders"), list):
            raise BadResponse("News's folder list is not a list")
        return [parsed(Folder, item, "folder") for item in data["folders"]]

    async def folder(self, folder_id: int) -> Folder:
        found = next((f for f in await self.folders() if f.id == folder_id), None)
        if found is None:
            raise not_found(f"News folder {folder_id}")
        return found

    async def create_folder(self, name: str) -> Folder:
        data = await self._call("POST", "/folders", f"News folder '{name}'", json={"name": name})
        return self._one(data, "folders", Folder)

    async def rename_folder(self, folder_id: int, name: str) -> Folder:
        await self._call("PUT", f"/folders/{folder_id}", f"News folder {folder_id}", json={"name": name})
        return Folder(id=folder_id, name=name)

    async def delete_folder(self, folder_id: int) -> tuple[Folder, list[Feed]]:
        """Delete a folder with its feeds and their items; what it was and the feeds it held."""
        found = await self.folder(folder_id)
        held = [feed for feed in (await self.feeds()).feeds if feed.folderId == folder_id]
        await self._call("DELETE", f"/folders/{folder_id}", f"News folder {folder_id}", refused=())
        return found, held

    # -- feeds -------------------------------------------------------------------------
    async def feeds(self) -> Feeds:
        data = await self._call("GET", "/feeds", "your News feeds")
        return parsed(Feeds, data, "feed list")

    async def feed(self, feed_id: int) -> Feed:
        found = next((f for f in (await self.feeds()).feeds if f.id == feed_id), None)
        if found is None:
            raise not_found(f"News feed {feed_id}")
        return found

    async def add_feed(self, url: str, folder_id: int | None) -> Feed:
        """Subscribe: News fetches the feed and stores its items. The feed as listed afterwards."""
        if folder_id:
            await self.folder(folder_id)
        body = {"url": url, "folderId": folder_id or None}
        data = await self._call("POST", "/feeds", f"the feed at {url}", json=body, refused=(404, 409, 422))
        return await self.feed(self._one(data, "feeds", Feed).id)

    async def update_feed(self, feed_id: int, title: str | None, folder_id: int | None) -> Feed:
        """Rename and/or move a feed (`folder_id` 0: to no folder); the feed afterwards."""
        await self.feed(feed_id)
        if folder_id:
            await self.folder(folder_id)
        subject = f"News feed {feed_id}"
        if title is not None:
            await self._call("POST", f"/feeds/{feed_id}/rename", subject, json={"feedTitle": title}, refused=())
        if folder_id is not None:
            await self._call("POST", f"/feeds/{feed_id}/move", subject, json={"folderId": folder_id or None})
        return await self.feed(feed_id)

    async def delete_feed(self, feed_id: int) -> Feed:
        found = await self.feed(feed_id)
        await self._call("DELETE", f"/feeds/{feed_id}", f"News feed {feed_id}", refused=())
        return found

    # -- items -------------------------------------------------------------------------
    async def items(
        self, kind: ListType, of: int = 0, *, unread_only: bool = False, limit: int = 50, before: int = 0
    ) -> list[Item]:
        """Up to `limit` items of a list, newest first, with ids below `before` (0: from the newest)."""
        params = {
            "type": int(kind),
            "id": of,
            "getRead": "false" if unread_only else "true",
            "batchSize": limit,
            "offset": before,
        }
        subject = {ListType.FEED: f"News feed {of}", ListType.FOLDER: f"News folder {of}"}.get(kind, "your News items")
        return self._items(await self._call("GET", "/items", subject, params=params))

    async def item(self, item_id: int) -> Item:
        found = await self.items(ListType.ALL, limit=1, before=item_id + 1)
        if not found or found[0].id != item_id:
            raise not_found(f"News item {item_id}")
        return found[0]

    async def updated(self, since: int, kind: ListType = ListType.ALL, of: int = 0) -> list[Item]:
        """Items new or changed since `since` (Unix seconds), newest first."""
        params = {"lastModified": since, "type": int(kind), "id": of}
        found = self._items(await self._call("GET", "/items/updated", "your News items", params=params))
        return sorted(found, key=lambda item: item.id, reverse=True)

    async def mark(self, item_ids: list[int], action: str) -> None:
        """`action` (read, unread, star, unstar) on the items; one id is checked, many are not (see above)."""
        if len(item_ids) == 1:
            await self._call("POST", f"/items/{item_ids[0]}/{action}", f"News item {item_ids[0]}", refused=())
            return
        await self._call("POST", f"/items/{action}/multiple", "your News items", json={"itemIds": item_ids})

    async def mark_read(
        self, newest_item_id: int | None, *, feed_id: int | None = None, folder_id: int | None = None
    ) -> int | None:
        """Mark read every item (of a feed, of a folder) with an id up to `newest_item_id` (None: the
        newest there is); the id used, None when there are no items. The feed or folder is read
        first: News answers one that is not the caller's with an error of its own making."""
        feeds = await self.feeds()
        if feed_id is not None and feed_id not in {feed.id for feed in feeds.feeds}:
            raise not_found(f"News feed {feed_id}")
        if folder_id is not None:
            await self.folder(folder_id)
        newest = newest_item_id or feeds.newestItemId
        if newest is None:
            return None
        body = {"newestItemId": newest}
        if feed_id is not None:
            await self._call("POST", f"/feeds/{feed_id}/read", f"News feed {feed_id}", json=body, refused=())
        elif folder_id is not None:
            await self._call("POST", f"/folders/{folder_id}/read", f"News folder {folder_id}", json=body, refused=())
        else:
            await self._call("POST", "/items/read", "your News items", json=body, refused=())
        return newest

    async def status(self) -> Status:
        return parsed(Status, await self._call("GET", "/status", "the News app"), "status")

    @staticmethod
    def _items(data: Any) -> list[Item]:
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            said = data.get("message") if isinstance(data, dict) else None
            raise BadResponse(f"News answered no item list{f': {said}' if said else ''}")
        return [parsed(Item, item, "item") for item in data["items"]]

    @staticmethod
    def _one(data: Any, key: str, cls: type[M]) -> M:
        found = data.get(key) if isinstance(data, dict) else None
        if not isinstance(found, list) or not found:
            raise BadResponse(f"News's answer has no {key[:-1]}")
        return parsed(cls, found[0], key[:-1])


# -- HTML to text ------------------------------------------------------------------------
_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "hr", "table"}
_SKIP = {"script", "style", "head", "template", "noscript"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.links: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")
        if tag == "a":
            self.links.append(dict(attrs).get("href"))
        if tag == "img" and (alt := dict(attrs).get("alt")):
            self.parts.append(f"[{alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")
        if tag == "a" and self.links:
            href = self.links.pop()
            if href and href.startswith(("http://", "https://")) and "".join(self.parts[-1:]).strip() != href:
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def text_of(html: str | None) -> str:
    """An item's HTML body as plain text: paragraphs on their own lines, link targets kept, scripts dropped."""
    if not html:
        return ""
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = unescape("".join(parser.parts)).replace("\xa0", " ")
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def preview_of(html: str | None, size: int = 200) -> str:
    """The first `size` characters of the text, cut at a word."""
    text = " ".join(text_of(html).split())
    if len(text) <= size:
        return text
    cut = text[:size].rsplit(" ", 1)[0]
    return cut + "…"
