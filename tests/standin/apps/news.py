"""News (`news`, nextcloud/news) over its REST API v1-3 (`/index.php/apps/news/api/v1-3`).

As the contract (../shared/contracts/apps/news-api-v1-3.md) documents it, with the details of
appinfo/routes.php and lib/Controller/{Folder,Feed,Item,Utility}ApiController.php:

- Every object is the caller's: a folder, feed or item id of another user's is 404 `{"message"}`
  on the routes that take one id; lists simply do not contain them; the `.../multiple` routes
  skip such ids without a word (ItemApiController::setMultipleRead/Starred `continue`).
- Folders: `POST folders {name}` answers `{"folders": [folder]}`, 409 "Can not add folder: Exists
  already" for a name the caller has, 422 "Folder name can not be empty" (the documented checks,
  FolderService::validateFolder). `PUT folders/{id} {name}` the same checks, 404 for an unknown
  id, answering `[]`. `DELETE folders/{id}` deletes its feeds and their items.
  `POST folders/{id}/read {newestItemId}` marks read the items of its feeds up to that id (404).
- Feeds: `POST feeds {url, folderId}` fetches the URL over HTTP (as News's fetcher does), parses
  RSS 2.0 or Atom and stores the items, oldest first so that the newest gets the highest id; a
  URL that cannot be fetched or is not a feed is 422 (the contract; News today answers 404), one
  the caller already has 409 "Feed with this URL exists" (checked after the fetch, as
  FeedServiceV2::create). `folderId` 0 is no folder; the folder is not checked (News stores what
  it is given). The answer is `{"feeds": [feed], "newestItemId"}`. `feeds/{id}/move {folderId}`,
  `feeds/{id}/rename {feedTitle}`, `DELETE feeds/{id}` answer `[]` or 404; `feeds/{id}/read`
  marks read (404). `GET feeds` lists them with `unreadCount`, and `starredCount` and
  `newestItemId` (only when there are items).
- Items: `GET items {type, id, getRead, batchSize, offset, oldestFirst}`: type 0 a feed's, 1 a
  folder's, 2 starred, 3 all (with `getRead=false`: unread only; for type 2 News answers
  `{"message": "Setting getRead on an already filtered list is not allowed!"}` and no items),
  newest (highest id) first, ids below `offset` (above with `oldestFirst`), `batchSize` of them
  (-1 all). `GET items/updated {lastModified, type, id}`: items whose `lastModified` is at or
  after it (seconds are padded to microseconds, as the controller does). Marking read, unread,
  starred or unstarred one (`POST items/{id}/...`, 404) or many (`POST items/.../multiple
  {itemIds}`) stamps `lastModified`; `POST items/read {newestItemId}` marks all read up to it.
- `GET version`, `GET status` (version and the two warnings, both false).

Items expose `lastModified` and `pubDate` in Unix seconds. Not emulated: the updater (feeds are
fetched only when added; a test may set a feed's error state in `feeds`), favicons, feed filters,
full text, the admin routes, API v1-2 and v2.

The app contributes no capabilities. Feeds to add are served by `_news_feeds.feed_url`.
"""

from __future__ import annotations

import hashlib
import threading
import time
import xml.etree.ElementTree as ET  # the element type; parsing is defusedxml's
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from defusedxml.ElementTree import ParseError, fromstring

from tests.standin.apps._news_feeds import feed_url
from tests.standin.kit import EmulatedApp, Failure, Reply, Request, Sample, route

CONTRACT = "apps/news-api-v1-3.md"
API = "/index.php/apps/news/api/v1-3"
VERSION = "25.3.0"
GETREAD_REFUSED = "Setting getRead on an already filtered list is not allowed!"


def _int(value: Any) -> int:
    text = str(value).strip()
    return int(text) if text.lstrip("-").isdigit() else 0


def _bool(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).lower() not in ("false", "0", "")


def _micro() -> int:
    return time.time_ns() // 1000


def _failure(status: int, message: str) -> Failure:
    """News's JSONHttpErrorTrait::error: `{"message": ...}` and nothing else."""
    return Failure(status, message, {"message": message})


@dataclass
class StoredFolder:
    id: int
    owner: str
    name: str

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name}


@dataclass
class StoredFeed:
    id: int
    owner: str
    url: str
    title: str
    link: str | None
    folder_id: int | None
    added: int
    update_error_count: int = 0
    last_update_error: str = ""
    pinned: bool = False


@dataclass
class StoredItem:
    id: int
    feed_id: int
    guid: str
    url: str | None
    title: str | None
    author: str | None
    pub_date: int | None
    body: str | None
    last_modified: int = field(default_factory=_micro)
    unread: bool = True
    starred: bool = False
    enclosure_mime: str | None = None
    enclosure_link: str | None = None

    def json(self) -> dict[str, Any]:
        fingerprint = hashlib.md5(f"{self.title}{self.body}{self.url}".encode(), usedforsecurity=False).hexdigest()
        return {
            "id": self.id,
            "guid": self.guid,
            "guidHash": hashlib.md5(self.guid.encode(), usedforsecurity=False).hexdigest(),
            "url": self.url,
            "title": self.title,
            "author": self.author,
            "pubDate": self.pub_date,
            "updatedDate": None,
            "body": self.body,
            "enclosureMime": self.enclosure_mime,
            "enclosureLink": self.enclosure_link,
            "mediaThumbnail": None,
            "mediaDescription": None,
            "feedId": self.feed_id,
            "unread": self.unread,
            "starred": self.starred,
            "filtered": False,
            "lastModified": self.last_modified // 1_000_000,
            "rtl": False,
            "fingerprint": fingerprint,
            "contentHash": fingerprint,
        }


@dataclass
class Parsed:
    title: str | None
    link: str | None
    items: list[dict[str, Any]]
    """Newest first, as feeds list them."""


ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"


def _text(node: ET.Element | None, path: str) -> str | None:
    found = node.find(path) if node is not None else None
    return found.text.strip() if found is not None and found.text else None


def _seconds(value: str | None, rfc822: bool) -> int | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value) if rfc822 else datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None
    return int(moment.timestamp())


def parse_feed(document: bytes) -> Parsed:
    """An RSS 2.0 or Atom document's title, link and items; ValueError for anything else."""
    try:
        root = fromstring(document)
    except ParseError:
        raise ValueError("Could not parse the feed: not XML") from None
    if root.tag == "rss":
        channel = root.find("channel")
        items = []
        for node in channel.findall("item") if channel is not None else []:
            enclosure = node.find("enclosure")
            items.append(
                {
                    "guid": _text(node, "guid") or _text(node, "link") or _text(node, "title") or "",
                    "url": _text(node, "link"),
                    "title": _text(node, "title"),
                    "author": _text(node, f"{DC}creator") or _text(node, "author"),
                    "pub_date": _seconds(_text(node, "pubDate"), rfc822=True),
                    "body": _text(node, f"{CONTENT}encoded") or _text(node, "description"),
                    "enclosure_link": enclosure.get("url") if enclosure is not None else None,
                    "enclosure_mime": enclosure.get("type") if enclosure is not None else None,
                }
            )
        return Parsed(_text(channel, "title"), _text(channel, "link"), items)
    if root.tag == f"{ATOM}feed":
        items = []
        for node in root.findall(f"{ATOM}entry"):
            link = next(
                (x.get("href") for x in node.findall(f"{ATOM}link") if x.get("rel", "alternate") == "alternate"), None
            )
            items.append(
                {
                    "guid": _text(node, f"{ATOM}id") or link or "",
                    "url": link,
                    "title": _text(node, f"{ATOM}title"),
                    "author": _text(node, f"{ATOM}author/{ATOM}name"),
                    "pub_date": _seconds(
                        _text(node, f"{ATOM}published") or _text(node, f"{ATOM}updated"), rfc822=False
                    ),
                    "body": _text(node, f"{ATOM}content") or _text(node, f"{ATOM}summary"),
                }
            )
        link = next(
            (x.get("href") for x in root.findall(f"{ATOM}link") if x.get("rel", "alternate") == "alternate"), None
        )
        return Parsed(_text(root, f"{ATOM}title"), link, items)
    raise ValueError("Could not parse the feed: neither RSS nor Atom")


class NewsApp(EmulatedApp):
    """The News app (see the module docstring)."""

    app_id = "news"
    prefixes = ("/index.php/apps/news/",)

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self._lock = threading.RLock()
        self.folders: dict[int, StoredFolder] = {}
        self.feeds: dict[int, StoredFeed] = {}
        self.items: dict[int, StoredItem] = {}
        self._ids = {"folders": 0, "feeds": 0, "items": 0}

    # -- state (also for tests) -----------------------------------------------------------
    def _next(self, table: str) -> int:
        self._ids[table] += 1
        return self._ids[table]

    def feeds_of(self, user_id: str) -> list[StoredFeed]:
        with self._lock:
            return sorted((f for f in self.feeds.values() if f.owner == user_id), key=lambda f: f.id)

    def items_of(self, user_id: str) -> list[StoredItem]:
        """The user's items, newest (highest id) first."""
        with self._lock:
            mine = {feed.id for feed in self.feeds_of(user_id)}
            return sorted((i for i in self.items.values() if i.feed_id in mine), key=lambda i: -i.id)

    def _folder(self, user_id: str, folder_id: Any) -> StoredFolder:
        found = self.folders.get(_int(folder_id))
        if found is None or found.owner != user_id:
            raise _failure(404, "Folder not found")
        return found

    def _feed(self, user_id: str, feed_id: Any) -> StoredFeed:
        found = self.feeds.get(_int(feed_id))
        if found is None or found.owner != user_id:
            raise _failure(404, "Feed not found")
        return found

    def _item(self, user_id: str, item_id: Any) -> StoredItem:
        found = self.items.get(_int(item_id))
        if found is None or self._owner(found) != user_id:
            raise _failure(404, "Item not found")
        return found

    def _owner(self, item: StoredItem) -> str | None:
        feed = self.feeds.get(item.feed_id)
        return feed.owner if feed is not None else None

    def _feed_json(self, feed: StoredFeed) -> dict[str, Any]:
        unread = sum(1 for i in self.items.values() if i.feed_id == feed.id and i.unread)
        host = urlsplit(feed.url).netloc
        return {
            "id": feed.id,
            "url": feed.url,
            "title": feed.title,
            "faviconLink": f"http://{host}/favicon.ico" if host else None,
            "added": feed.added,
            "nextUpdateTime": None,
            "folderId": feed.folder_id,
            "unreadCount": unread,
            "ordering": 0,
            "link": feed.link,
            "pinned": feed.pinned,
            "updateErrorCount": feed.update_error_count,
            "lastUpdateError": feed.last_update_error,
        }

    def _name(self, user_id: str, args: dict[str, Any], except_id: int = 0) -> str:
        name = str(args.get("name") or "")
        if any(f.owner == user_id and f.name == name and f.id != except_id for f in self.folders.values()):
            raise _failure(409, "Can not add folder: Exists already")
        if not name:
            raise _failure(422, "Folder name can not be empty")
        return name

    @staticmethod
    def _stamp(items: list[StoredItem], *, unread: bool | None = None, starred: bool | None = None) -> None:
        now = _micro()
        for item in items:
            if unread is not None and item.unread != unread:
                item.unread, item.last_modified = unread, now
            if starred is not None and item.starred != starred:
                item.starred, item.last_modified = starred, now

    # -- folders ---------------------------------------------------------------------------
    @route("GET", API + "/folders", contract=CONTRACT)
    async def list_folders(self, request: Request) -> Reply:
        with self._lock:
            mine = sorted((f for f in self.folders.values() if f.owner == request.user.id), key=lambda f: f.id)
            return Reply(200, {"folders": [f.json() for f in mine]})

    @route("POST", API + "/folders", contract=CONTRACT)
    async def create_folder(self, request: Request) -> Reply:
        with self._lock:
            name = self._name(request.user.id, request.args())
            folder = StoredFolder(self._next("folders"), request.user.id, name)
            self.folders[folder.id] = folder
            return Reply(200, {"folders": [folder.json()]})

    @route("PUT", API + "/folders/{folderId}", contract=CONTRACT)
    async def rename_folder(self, request: Request) -> Reply:
        with self._lock:
            folder = self._folder(request.user.id, request.params["folderId"])
            folder.name = self._name(request.user.id, request.args(), except_id=folder.id)
            return Reply(200, [])

    @route("DELETE", API + "/folders/{folderId}", contract=CONTRACT)
    async def delete_folder(self, request: Request) -> Reply:
        with self._lock:
            folder = self._folder(request.user.id, request.params["folderId"])
            for feed in [f for f in self.feeds.values() if f.folder_id == folder.id]:
                self._drop_feed(feed)
            del self.folders[folder.id]
            return Reply(200, [])

    @route("POST", API + "/folders/{folderId}/read", contract=CONTRACT)
    async def read_folder(self, request: Request) -> Reply:
        with self._lock:
            folder = self._folder(request.user.id, request.params["folderId"])
            newest = _int(request.args().get("newestItemId"))
            feeds = {f.id for f in self.feeds.values() if f.folder_id == folder.id}
            self._stamp([i for i in self.items.values() if i.feed_id in feeds and i.id <= newest], unread=False)
            return Reply(200, None)

    # -- feeds -----------------------------------------------------------------------------
    @route("GET", API + "/feeds", contract=CONTRACT)
    async def list_feeds(self, request: Request) -> Reply:
        with self._lock:
            items = self.items_of(request.user.id)
            answer: dict[str, Any] = {
                "starredCount": sum(1 for i in items if i.starred),
                "feeds": [self._feed_json(f) for f in self.feeds_of(request.user.id)],
            }
            if items:
                answer["newestItemId"] = items[0].id
            return Reply(200, answer)

    @route("POST", API + "/feeds", contract=CONTRACT)
    async def create_feed(self, request: Request) -> Reply:
        args = request.args()
        url = str(args.get("url") or "")
        folder_id = _int(args.get("folderId")) or None
        parsed = await self._fetch(url)
        with self._lock:
            if any(f.owner == request.user.id and f.url == url for f in self.feeds.values()):
                raise _failure(409, "Feed with this URL exists")
            feed = StoredFeed(
                self._next("feeds"),
                request.user.id,
                url,
                parsed.title or urlsplit(url).netloc,
                parsed.link,
                folder_id,
                int(time.time()),
            )
            self.feeds[feed.id] = feed
            for found in reversed(parsed.items):  # News stores the oldest first: the newest gets the highest id
                item = StoredItem(self._next("items"), feed.id, **found)
                self.items[item.id] = item
            answer: dict[str, Any] = {"feeds": [self._feed_json(feed)]}
            if items := self.items_of(request.user.id):
                answer["newestItemId"] = items[0].id
            return Reply(200, answer)

    async def _fetch(self, url: str) -> Parsed:
        """The feed at `url`, fetched as News's fetcher does; 422 when it cannot be read."""
        if urlsplit(url).scheme not in ("http", "https"):
            raise _failure(422, f"Can not add feed: {url!r} is not an http(s) URL")
        try:
            async with httpx.AsyncClient(timeout=10, follow_redirects=True, trust_env=False) as http:
                response = await http.get(url)
        except httpx.HTTPError as exc:
            raise _failure(422, f"Can not add feed: {type(exc).__name__}") from None
        if not response.is_success:
            raise _failure(422, f"Can not add feed: HTTP {response.status_code}")
        try:
            return parse_feed(response.content)
        except ValueError as exc:
            raise _failure(422, f"Can not add feed: {exc}") from None

    def _drop_feed(self, feed: StoredFeed) -> None:
        for item_id in [i.id for i in self.items.values() if i.feed_id == feed.id]:
            del self.items[item_id]
        del self.feeds[feed.id]

    @route("DELETE", API + "/feeds/{feedId}", contract=CONTRACT)
    async def delete_feed(self, request: Request) -> Reply:
        with self._lock:
            self._drop_feed(self._feed(request.user.id, request.params["feedId"]))
            return Reply(200, [])

    @route("POST", API + "/feeds/{feedId}/move", contract=CONTRACT)
    async def move_feed(self, request: Request) -> Reply:
        with self._lock:
            feed = self._feed(request.user.id, request.params["feedId"])
            feed.folder_id = _int(request.args().get("folderId")) or None  # News does not check the folder
            return Reply(200, [])

    @route("POST", API + "/feeds/{feedId}/rename", contract=CONTRACT)
    async def rename_feed(self, request: Request) -> Reply:
        with self._lock:
            feed = self._feed(request.user.id, request.params["feedId"])
            feed.title = str(request.args().get("feedTitle") or "")
            return Reply(200, [])

    @route("POST", API + "/feeds/{feedId}/read", contract=CONTRACT)
    async def read_feed(self, request: Request) -> Reply:
        with self._lock:
            feed = self._feed(request.user.id, request.params["feedId"])
            newest = _int(request.args().get("newestItemId"))
            self._stamp([i for i in self.items.values() if i.feed_id == feed.id and i.id <= newest], unread=False)
            return Reply(200, None)

    # -- items -----------------------------------------------------------------------------
    def _listed(self, user_id: str, kind: int, of: int) -> list[StoredItem] | None:
        """The items of list `kind` (0 feed, 1 folder, 2 starred, 3 all, 6 unread), newest first."""
        items = self.items_of(user_id)
        feeds = {f.id: f for f in self.feeds_of(user_id)}
        if kind == 0:
            return [i for i in items if i.feed_id == of]
        if kind == 1:
            return [i for i in items if feeds[i.feed_id].folder_id == (of or None)]
        if kind == 2:
            return [i for i in items if i.starred]
        if kind == 3:
            return items
        if kind == 6:
            return [i for i in items if i.unread]
        return None

    @route("GET", API + "/items", contract=CONTRACT)
    async def list_items(self, request: Request) -> Reply:
        args = request.args()
        kind, of = _int(args.get("type", 3)), _int(args.get("id", 0))
        get_read = _bool(args.get("getRead"), True)
        size, offset = _int(args.get("batchSize", -1)), _int(args.get("offset", 0))
        oldest_first = _bool(args.get("oldestFirst"), False)
        if not get_read and kind == 3:
            kind = 6
        elif not get_read and kind not in (0, 1):
            return Reply(200, {"message": GETREAD_REFUSED})
        with self._lock:
            found = self._listed(request.user.id, kind, of)
            if found is None:
                raise _failure(500, "Unexpected Feed type in call")
            if not get_read:
                found = [i for i in found if i.unread]
            if oldest_first:
                found.reverse()
            if offset:
                found = [i for i in found if (i.id > offset if oldest_first else i.id < offset)]
            if size >= 1:
                found = found[:size]
            return Reply(200, {"items": [i.json() for i in found]})

    @route("GET", API + "/items/updated", contract=CONTRACT)
    async def updated_items(self, request: Request) -> Reply:
        args = request.args()
        kind, of = _int(args.get("type", 3)), _int(args.get("id", 0))
        since = _int(args.get("lastModified", 0))
        since = since * 1_000_000 if len(str(since)) <= 10 else since
        with self._lock:
            found = self._listed(request.user.id, kind, of)
            if found is None:
                raise _failure(500, "Trying to find in unknown type")
            return Reply(200, {"items": [i.json() for i in found if i.last_modified >= since]})

    def _mark_one(self, request: Request, **state: bool) -> Reply:
        with self._lock:
            self._stamp([self._item(request.user.id, request.params["itemId"])], **state)
            return Reply(200, [])

    def _mark_many(self, request: Request, **state: bool) -> Reply:
        ids = request.args().get("itemIds") or []
        with self._lock:
            mine = {i.id: i for i in self.items_of(request.user.id)}
            self._stamp([mine[_int(i)] for i in (ids if isinstance(ids, list) else []) if _int(i) in mine], **state)
            return Reply(200, None)

    @route("POST", API + "/items/{itemId}/read", contract=CONTRACT)
    async def read_item(self, request: Request) -> Reply:
        return self._mark_one(request, unread=False)

    @route("POST", API + "/items/{itemId}/unread", contract=CONTRACT)
    async def unread_item(self, request: Request) -> Reply:
        return self._mark_one(request, unread=True)

    @route("POST", API + "/items/{itemId}/star", contract=CONTRACT)
    async def star_item(self, request: Request) -> Reply:
        return self._mark_one(request, starred=True)

    @route("POST", API + "/items/{itemId}/unstar", contract=CONTRACT)
    async def unstar_item(self, request: Request) -> Reply:
        return self._mark_one(request, starred=False)

    @route("POST", API + "/items/read/multiple", contract=CONTRACT)
    async def read_items(self, request: Request) -> Reply:
        return self._mark_many(request, unread=False)

    @route("POST", API + "/items/unread/multiple", contract=CONTRACT)
    async def unread_items(self, request: Request) -> Reply:
        return self._mark_many(request, unread=True)

    @route("POST", API + "/items/star/multiple", contract=CONTRACT)
    async def star_items(self, request: Request) -> Reply:
        return self._mark_many(request, starred=True)

    @route("POST", API + "/items/unstar/multiple", contract=CONTRACT)
    async def unstar_items(self, request: Request) -> Reply:
        return self._mark_many(request, starred=False)

    @route("POST", API + "/items/read", contract=CONTRACT)
    async def read_all(self, request: Request) -> Reply:
        newest = _int(request.args().get("newestItemId"))
        with self._lock:
            self._stamp([i for i in self.items_of(request.user.id) if i.id <= newest], unread=False)
            return Reply(200, None)

    # -- status ----------------------------------------------------------------------------
    @route("GET", API + "/version", contract=CONTRACT)
    async def version(self, request: Request) -> Reply:
        return Reply(200, {"version": VERSION})

    @route("GET", API + "/status", contract=CONTRACT)
    async def status(self, request: Request) -> Reply:
        warnings = {"improperlyConfiguredCron": False, "incorrectDbCharset": False}
        return Reply(200, {"version": VERSION, "warnings": warnings})


# -- contract samples ------------------------------------------------------------------------
def _subscriptions(ctx: Any) -> dict[str, str]:
    """Alice's folder with a feed of three items (one starred), and bob's feed and folder."""
    app: NewsApp = ctx.app
    found: dict[str, str] = {}
    for role in ("alice", "bob"):
        user = ctx.users[role].id
        with app._lock:
            folder = StoredFolder(app._next("folders"), user, f"{role}-{app._ids['folders']}")
            app.folders[folder.id] = folder
            feed = StoredFeed(
                app._next("feeds"), user, f"https://example.org/{folder.id}.xml", role, None, folder.id, 0
            )
            app.feeds[feed.id] = feed
            items = [
                StoredItem(app._next("items"), feed.id, f"g{n}", None, f"{role} {n}", None, 0, "<p>x</p>")
                for n in range(3)
            ]
            items[0].starred = True
            app.items.update((i.id, i) for i in items)
        found.update(
            {f"{role}_folder": str(folder.id), f"{role}_feed": str(feed.id), f"{role}_item": str(items[-1].id)}
        )
    found["existing"] = app.feeds[_int(found["alice_feed"])].url
    found["name"] = app.folders[_int(found["alice_folder"])].name
    return found


def _rss(ctx: Any) -> dict[str, str]:
    return {**_subscriptions(ctx), "rss": feed_url("rss", f"sample-{time.time_ns()}"), "page": feed_url("page", "p")}


def _atom(ctx: Any) -> dict[str, str]:
    return {"atom": feed_url("atom", f"sample-{time.time_ns()}"), "folder": f"Folder {time.time_ns()}"}


def _taken(ctx: Any) -> dict[str, str]:
    """A fetchable feed alice has subscribed to already."""
    app: NewsApp = ctx.app
    url = feed_url("rss", f"taken-{time.time_ns()}")
    with app._lock:
        feed = StoredFeed(app._next("feeds"), ctx.users["alice"].id, url, "taken", None, None, 0)
        app.feeds[feed.id] = feed
    return {"rss": url}


S = _subscriptions
SAMPLES = [
    Sample("GET", API + "/folders", 200, setup=S),
    Sample("POST", API + "/folders", 200, json={"name": "{folder}"}, setup=_atom),
    Sample("POST", API + "/folders", 409, json={"name": "{name}"}, setup=S),
    Sample("POST", API + "/folders", 422, json={"name": ""}),
    Sample("PUT", API + "/folders/{alice_folder}", 200, json={"name": "Renamed {alice_folder}"}, setup=S),
    Sample("PUT", API + "/folders/{bob_folder}", 404, json={"name": "x"}, setup=S, note="another user's"),
    Sample("PUT", API + "/folders/{alice_folder}", 422, json={"name": ""}, setup=S),
    Sample("DELETE", API + "/folders/{alice_folder}", 200, setup=S),
    Sample("DELETE", API + "/folders/{bob_folder}", 404, setup=S),
    Sample("POST", API + "/folders/{alice_folder}/read", 200, json={"newestItemId": "{alice_item}"}, setup=S),
    Sample("POST", API + "/folders/{bob_folder}/read", 404, json={"newestItemId": 1}, setup=S),
    Sample("GET", API + "/feeds", 200, setup=S),
    Sample("POST", API + "/feeds", 200, json={"url": "{rss}", "folderId": None}, setup=_rss, note="RSS 2.0"),
    Sample("POST", API + "/feeds", 200, json={"url": "{atom}", "folderId": 0}, setup=_atom, note="Atom"),
    Sample("POST", API + "/feeds", 409, json={"url": "{rss}"}, setup=_taken),
    Sample("POST", API + "/feeds", 422, json={"url": "{page}"}, setup=_rss, note="not a feed"),
    Sample("DELETE", API + "/feeds/{alice_feed}", 200, setup=S),
    Sample("DELETE", API + "/feeds/{bob_feed}", 404, setup=S),
    Sample("POST", API + "/feeds/{alice_feed}/move", 200, json={"folderId": None}, setup=S),
    Sample("POST", API + "/feeds/{bob_feed}/move", 404, json={"folderId": None}, setup=S),
    Sample("POST", API + "/feeds/{alice_feed}/rename", 200, json={"feedTitle": "New"}, setup=S),
    Sample("POST", API + "/feeds/{bob_feed}/rename", 404, json={"feedTitle": "x"}, setup=S),
    Sample("POST", API + "/feeds/{alice_feed}/read", 200, json={"newestItemId": "{alice_item}"}, setup=S),
    Sample("POST", API + "/feeds/{bob_feed}/read", 404, json={"newestItemId": 1}, setup=S),
    Sample("GET", API + "/items", 200, query={"type": "3", "getRead": "false", "batchSize": "2"}, setup=S),
    Sample("GET", API + "/items", 200, query={"type": "0", "id": "{alice_feed}", "offset": "{alice_item}"}, setup=S),
    Sample("GET", API + "/items", 200, query={"type": "2", "getRead": "false"}, note="answers a message"),
    Sample("GET", API + "/items", 500, query={"type": "9"}, note="an unknown list type"),
    Sample("GET", API + "/items/updated", 200, query={"lastModified": "1", "type": "3"}, setup=S),
    Sample("GET", API + "/items/updated", 500, query={"lastModified": "1", "type": "9"}),
    Sample("POST", API + "/items/{alice_item}/read", 200, setup=S),
    Sample("POST", API + "/items/{bob_item}/read", 404, setup=S),
    Sample("POST", API + "/items/{alice_item}/unread", 200, setup=S),
    Sample("POST", API + "/items/{bob_item}/unread", 404, setup=S),
    Sample("POST", API + "/items/{alice_item}/star", 200, setup=S),
    Sample("POST", API + "/items/{bob_item}/star", 404, setup=S),
    Sample("POST", API + "/items/{alice_item}/unstar", 200, setup=S),
    Sample("POST", API + "/items/{bob_item}/unstar", 404, setup=S),
    Sample("POST", API + "/items/read/multiple", 200, json={"itemIds": ["{alice_item}", "{bob_item}"]}, setup=S),
    Sample("POST", API + "/items/unread/multiple", 200, json={"itemIds": ["{alice_item}"]}, setup=S),
    Sample("POST", API + "/items/star/multiple", 200, json={"itemIds": ["{alice_item}"]}, setup=S),
    Sample("POST", API + "/items/unstar/multiple", 200, json={"itemIds": ["{alice_item}"]}, setup=S),
    Sample("POST", API + "/items/read", 200, json={"newestItemId": "{alice_item}"}, setup=S),
    Sample("GET", API + "/version", 200),
    Sample("GET", API + "/status", 200),
]
