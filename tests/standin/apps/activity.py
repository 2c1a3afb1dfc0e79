"""The Activity app's OCS API v2 (activity docs/endpoint-v2.md), as Nextcloud's activity app answers it.

`GET /ocs/v2.php/apps/activity/api/v2/activity[/{filter}]` lists the caller's stream, the activities
whose *affected* user they are, ordered by time then id, newest first (`sort=asc`: oldest first):

- `since` is the id of the last activity seen: with `desc` the older ones follow (`id < since` and
  not newer than it), with `asc` the newer ones. An id that does not exist is ignored and the answer
  carries `X-Activity-First-Known` (the first activity in this order); an id of another user's
  activity is 403. `limit` defaults to 50, at most 200.
- An answer with activities carries `X-Activity-Last-Given` (the id to continue from), an `ETag`
  (md5 of the JSON list of ids) and, when there is more, `Link: <...?since=..&limit=..&sort=..>;
  rel="next"`. No activity (nothing beyond `since`), or an `If-None-Match` equal to the ETag, is a
  304 without a body.
- Filters: `all`, `self` (caused by the caller), `by` (by others), and those the apps register
  (`files`, `files_favorites`, `files_sharing`, `calendar`, `calendar_todo`, `contacts`,
  `comments`), each narrowing to its apps and activity types; `filter` with `object_type` and
  `object_id` narrows to one object (elsewhere those are ignored). An unknown filter is 404.
  `GET .../activity/filters` lists the registered ones (id, name, icon, priority), by priority.
- The newer parameters of the contract: `search` (2-255 characters, matched in the file path,
  case-insensitively), `from`/`to` (Unix times, inclusive; `from` after `to` is 400), `actor`
  (at most 64 characters); all are carried into the `Link` header.

Where activities come from: Nextcloud's files app records one for every change of a user's files.
Here, the files part's `handle` (the stand-in's Service interface) is wrapped when this app is
made, so a successful WebDAV PUT, MKCOL, DELETE, MOVE or COPY in a user's own tree records the
activity the files app records (file_created, file_changed, file_deleted; renames and moves as
file_changed), before the answer goes out, as Nextcloud does. Wrapping the service, rather than
hooking into the webhooks emulation, keeps activities independent of whether any webhook is
registered, and of that module. Everything else (shares, calendar, comments, another user's
action in a shared folder) is recorded by calling `record(...)`, which tests and the other
emulated apps may do. Changes the stand-in makes itself (Notes writing a note's file) record none.

Capabilities: `{"activity": {"apiv2": ["filters", "previews", "rich-strings"]}}`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import mimetypes
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

from tests.standin.core import Receive, Scope, Send, User, header
from tests.standin.kit import EmulatedApp, Failure, Reply, Request, Sample, route

CONTRACT = "apps/activity-endpoint-v2.md"
BASE = "/ocs/v2.php/apps/activity/api/v2/activity"
FILES_PREFIX = "/remote.php/dav/files"
MAX_LIMIT = 200
MAX_TIMESTAMP = 2147483647
FILE_TYPES = ("file_created", "file_changed", "file_deleted", "file_restored")


@dataclass(frozen=True)
class StreamFilter:
    """One registered filter: what it keeps (apps, types; `author`: self/by) and how it is listed."""

    id: str
    name: str
    priority: int
    icon: str
    apps: tuple[str, ...] = ()
    types: tuple[str, ...] | None = None
    author: str | None = None

    def listing(self, base: str) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "icon": base + self.icon, "priority": self.priority}


FILTERS = (
    StreamFilter("all", "All activities", 0, "/core/img/actions/activity-dark.svg"),
    StreamFilter("self", "By you", 1, "/core/img/actions/user.svg", author="self"),
    StreamFilter("by", "By others", 2, "/core/img/places/contacts.svg", author="by"),
    StreamFilter("files_favorites", "Favorites", 10, "/core/img/actions/star-dark.svg", ("files",), FILE_TYPES),
    StreamFilter("files", "File changes", 30, "/core/img/places/files.svg", ("files",), FILE_TYPES),
    StreamFilter("calendar", "Calendar", 40, "/core/img/places/calendar.svg", ("dav",), ("calendar", "calendar_event")),
    StreamFilter("calendar_todo", "Tasks", 40, "/core/img/actions/checkmark.svg", ("dav",), ("calendar_todo",)),
    StreamFilter("comments", "Comments", 40, "/core/img/actions/comment.svg", ("comments",), ("comments",)),
    StreamFilter("contacts", "Contacts", 50, "/core/img/places/contacts.svg", ("dav",), ("contacts",)),
    StreamFilter(
        "files_sharing", "File shares", 70, "/core/img/actions/share.svg", ("files_sharing",),
        ("shared", "remote_share", "public_links"),
    ),
)  # fmt: skip
BY_ID = {f.id: f for f in FILTERS}


@dataclass
class Entry:
    """One row of the `activity` table."""

    id: int
    affected: str
    author: str
    app: str
    type: str
    subject: str
    """The subject as shown to the affected user ("You created a.txt", "bob shared a.txt with you")."""
    subject_template: str
    subject_params: dict[str, Any]
    timestamp: int
    object_type: str = ""
    object_id: int = 0
    object_name: str = ""
    objects: dict[str, str] = field(default_factory=dict)
    link: str = ""
    icon: str = ""
    message: str = ""

    def json(self, base: str, previews: bool) -> dict[str, Any]:
        """The entry as APIv2 answers it (`affecteduser` and `timestamp` are not sent)."""
        data: dict[str, Any] = {
            "activity_id": self.id,
            "app": self.app,
            "type": self.type,
            "user": self.author,
            "subject": self.subject,
            "subject_rich": [self.subject_template, self.subject_params],
            "message": self.message,
            "message_rich": ["", []],
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_name": self.object_name,
            "objects": self.objects or [],
            "link": base + self.link if self.link.startswith("/") else self.link,
            "icon": base + self.icon if self.icon.startswith("/") else self.icon,
            "datetime": datetime.fromtimestamp(self.timestamp, UTC).isoformat(),
        }
        if previews:
            data["previews"] = [self._preview(base, int(i), n) for i, n in self.objects.items()] if (
                self.object_type == "files"
            ) else []  # fmt: skip
        return data

    @staticmethod
    def _preview(base: str, file_id: int, name: str) -> dict[str, Any]:
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return {
            "link": f"{base}/index.php/f/{file_id}",
            "source": f"{base}/core/img/filetypes/{mime.split('/')[0]}.svg",
            "mimeType": mime,
            "fileId": file_id,
            "view": "files",
            "isMimeTypeIcon": True,
            "filename": name.rsplit("/", 1)[-1],
        }


FILE_VERBS = {
    # kind: (activity type, icon); the kind is also the verb of the subject
    "created": ("file_created", "/apps/files/img/add-color.svg"),
    "changed": ("file_changed", "/apps/files/img/change.svg"),
    "deleted": ("file_deleted", "/apps/files/img/delete-color.svg"),
    "renamed": ("file_changed", "/apps/files/img/change.svg"),
    "moved": ("file_changed", "/apps/files/img/change.svg"),
}


def _php_int(value: Any) -> int:
    """PHP's (int) cast of a request parameter: leading digits, else 0."""
    text = str(value or "").strip()
    digits = ""
    for index, char in enumerate(text):
        if char.isdigit() or (index == 0 and char == "-"):
            digits += char
        else:
            break
    try:
        return int(digits)
    except ValueError:
        return 0


class ActivityApp(EmulatedApp):
    """The stream, its filters, and the recording of file changes (see the module docstring)."""

    app_id = "activity"
    prefixes = ("/ocs/v2.php/apps/activity/",)

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.entries: list[Entry] = []
        self._watch_files()

    def capabilities(self, user: User) -> dict[str, Any]:
        return {"activity": {"apiv2": ["filters", "previews", "rich-strings"]}}

    # -- recording -------------------------------------------------------------------------
    def record(
        self,
        affected: str,
        *,
        app: str,
        type: str,
        subject: str,
        author: str | None = None,
        subject_template: str | None = None,
        subject_params: dict[str, Any] | None = None,
        object_type: str = "",
        object_id: int = 0,
        object_name: str = "",
        link: str = "",
        icon: str = "",
        message: str = "",
        timestamp: int | None = None,
    ) -> Entry:
        """Add an activity to `affected`'s stream (what an app's IManager::publish does); its id is the next one."""
        with self._lock:
            entry = Entry(
                id=next(self._ids),
                affected=affected,
                author=affected if author is None else author,
                app=app,
                type=type,
                subject=subject,
                subject_template=subject_template or subject,
                subject_params=subject_params or {},
                timestamp=int(time.time()) if timestamp is None else timestamp,
                object_type=object_type,
                object_id=object_id,
                object_name=object_name,
                objects={str(object_id): object_name} if object_id else {},
                link=link,
                icon=icon,
                message=message,
            )
            self.entries.append(entry)
        return entry

    def record_file(
        self, user: User | str, kind: str, path: str, file_id: int, *, author: str | None = None, old_path: str = ""
    ) -> Entry:
        """The files app's activity for `path` (relative to the user's files): created, changed, deleted,
        renamed or moved (`old_path` then says from where); by `author` (default: the user)."""
        user_id = user.id if isinstance(user, User) else user
        type_, icon = FILE_VERBS[kind]
        verb = kind
        who = author or user_id
        name = "/" + path.strip("/")
        rich_file = {"type": "file", "id": str(file_id), "name": name.rsplit("/", 1)[-1], "path": name}
        actor = "You" if who == user_id else who
        if kind in ("renamed", "moved"):
            old = "/" + old_path.strip("/")
            shown_old = old.rsplit("/", 1)[-1] if kind == "renamed" else old.lstrip("/")
            shown_new = name.rsplit("/", 1)[-1] if kind == "renamed" else name.lstrip("/")
            subject = f"{actor} {verb} {shown_old} to {shown_new}"
            template = f"{'You' if who == user_id else '{user}'} {verb} {{oldfile}} to {{newfile}}"
            params: dict[str, Any] = {"oldfile": {**rich_file, "name": shown_old, "path": old}, "newfile": rich_file}
        else:
            subject = f"{actor} {verb} {name.rsplit('/', 1)[-1]}"
            template = f"{'You' if who == user_id else '{user}'} {verb} {{file}}"
            params = {"file": rich_file}
        if who != user_id:
            params["user"] = {"type": "user", "id": who, "name": who}
        folder = name.rsplit("/", 1)[0] or "/"
        return self.record(
            user_id,
            app="files",
            type=type_,
            subject=subject,
            author=who,
            subject_template=template,
            subject_params=params,
            object_type="files",
            object_id=file_id,
            object_name=name,
            link="/index.php/apps/files/?" + urlencode({"dir": folder}),
            icon=icon,
        )

    def _watch_files(self) -> None:
        """Record the files app's activities for WebDAV writes (wrapping the files part's `handle`)."""
        files = self.standin.services.get("files")
        if files is None:
            return
        inner: Callable[..., Any] = files.handle

        async def handle(scope: Scope, receive: Receive, send: Send, user: User) -> None:
            change = _DavChange.of(files, scope, user)
            if change is None:
                await inner(scope, receive, send, user)
                return

            async def recording(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start" and 200 <= message["status"] < 300:
                    change.record(self)  # as Nextcloud does, before the answer goes out
                await send(message)

            await inner(scope, receive, recording, user)

        files.handle = handle

    # -- the API ---------------------------------------------------------------------------
    @route("GET", BASE, contract=CONTRACT)
    async def default(self, request: Request) -> Reply:
        return self._stream(request, "all")

    @route("GET", BASE + "/{filter}", contract=CONTRACT)
    async def filtered(self, request: Request) -> Reply:
        # Nextcloud routes /activity/filters before /activity/{filter} (appinfo/routes.php order);
        # the kit orders routes by template length, so the literal is told apart here.
        if request.params["filter"] == "filters":
            return Reply(200, [f.listing(_base(request)) for f in sorted(FILTERS, key=lambda f: (f.priority, f.id))])
        return self._stream(request, request.params["filter"])

    def _stream(self, request: Request, filter_id: str) -> Reply:
        args = request.args()
        if filter_id != "filter" and filter_id not in BY_ID:
            raise Failure(404, "")
        user = request.user.id
        since, limit = _php_int(args.get("since")), min(MAX_LIMIT, _php_int(args.get("limit", 50)))
        sort = args.get("sort") if args.get("sort") in ("asc", "desc") else "desc"
        object_type, object_id = str(args.get("object_type") or ""), _php_int(args.get("object_id"))
        if (object_type and not object_id) or (object_id and not object_type):
            object_type, object_id = "", 0  # only together
        search, actor = args.get("search"), args.get("actor")
        start = min(_php_int(args["from"]), MAX_TIMESTAMP) if "from" in args else None
        end = min(_php_int(args["to"]), MAX_TIMESTAMP) if "to" in args else None
        if search is not None and not 2 <= len(search) <= 255:
            raise Failure(400, "The search term must be between 2 and 255 characters")
        if start is not None and end is not None and start > end:
            raise Failure(400, "from must not be after to")
        if actor is not None and len(actor) > 64:
            raise Failure(400, "The account name is too long")

        def kept(entry: Entry) -> bool:
            chosen = BY_ID.get(filter_id)
            if entry.affected != user:
                return False
            if chosen is not None and (chosen.apps and entry.app not in chosen.apps):
                return False
            if chosen is not None and chosen.types is not None and entry.type not in chosen.types:
                return False
            if chosen is not None and chosen.author == "self" and entry.author != user:
                return False
            if chosen is not None and chosen.author == "by" and entry.author == user:
                return False
            if filter_id == "filter" and (entry.object_type, entry.object_id) != (object_type, object_id):
                return False
            if filter_id == "files_favorites" and entry.object_id not in self._favorites(user):
                return False
            if search is not None and search.casefold() not in entry.object_name.casefold():
                return False
            if actor is not None and entry.author != actor:
                return False
            return not ((start is not None and entry.timestamp < start) or (end is not None and entry.timestamp > end))

        with self._lock:
            entries = list(self.entries)
        headers: list[tuple[str, str]] = []
        anchor = next((e for e in entries if e.id == since), None) if since else None
        if anchor is not None and anchor.affected != user:
            raise Failure(403, "")
        rows = sorted((e for e in entries if kept(e)), key=lambda e: (e.timestamp, e.id), reverse=sort == "desc")
        if anchor is not None:
            if sort == "desc":
                rows = [e for e in rows if e.timestamp <= anchor.timestamp and e.id < since]
            else:
                rows = [e for e in rows if e.timestamp >= anchor.timestamp and e.id > since]
        else:
            own = sorted((e for e in entries if e.affected == user), key=lambda e: e.timestamp, reverse=sort == "desc")
            if own:
                headers.append(("X-Activity-First-Known", str(own[0].id)))
        page = rows[: max(limit, 0)]
        has_more = len(rows) > len(page)
        if page:
            headers.append(("X-Activity-Last-Given", str(page[-1].id)))
        if has_more and page:
            nxt: dict[str, Any] = {"since": page[-1].id, "limit": limit, "sort": sort}
            if object_type and object_id:
                nxt.update(object_type=object_type, object_id=object_id)
            for name in ("search", "from", "to", "actor"):
                if name in args:
                    nxt[name] = args[name]
            url = f"{_base(request)}{request.scope['path']}?{urlencode(nxt)}"
            headers.append(("Link", f'<{url}>; rel="next"'))
        etag = hashlib.md5(json.dumps([e.id for e in page], separators=(",", ":")).encode()).hexdigest()  # noqa: S324
        headers.append(("ETag", etag))
        if not page or request.header("if-none-match") == etag:
            return _not_modified(request, headers)
        previews = str(args.get("previews", "")).lower() in ("1", "true")
        return Reply(200, [e.json(_base(request), previews) for e in page], headers)

    def _favorites(self, user_id: str) -> set[int]:
        files = self.standin.services.get("files")
        return set(files.favorites(user_id)) if files is not None else set()


def _base(request: Request) -> str:
    return f"http://{request.header('host') or 'localhost'}"


def _not_modified(request: Request, headers: list[tuple[str, str]]) -> Reply:
    """304: no body on v2 (HTTP carries it); v1 answers HTTP 200 with the status in the meta."""
    if request.ocs_version == 1:
        raise Failure(304, "")
    return Reply(304, None, headers, raw=b"")


@dataclass(frozen=True)
class _DavChange:
    """A WebDAV write in the caller's own tree, seen before it runs, recorded once it succeeded."""

    user: User
    method: str
    rel: str
    existed: bool
    file_id: int
    target: str

    @classmethod
    def of(cls, files: Any, scope: Scope, user: User) -> _DavChange | None:
        method = scope["method"]
        if method not in ("PUT", "MKCOL", "DELETE", "MOVE", "COPY"):
            return None
        prefix = f"{FILES_PREFIX}/{user.id}/"
        path = scope["path"]  # already percent-decoded by the server
        if not path.startswith(prefix):
            return None
        rel = path[len(prefix) :].strip("/")
        try:
            fp: Path = files.locate(user, rel)
        except ValueError:
            return None
        target = ""
        if method in ("MOVE", "COPY"):
            destination = unquote(urlsplit(header(scope, "destination") or "").path)
            if not destination.startswith(prefix):
                return None
            target = destination[len(prefix) :].strip("/")
        existed = fp.exists()
        return cls(user, method, rel, existed, fp.stat().st_ino if existed else 0, target)

    def record(self, app: ActivityApp) -> None:
        root = app.standin.files_root(self.user)
        if self.method == "DELETE":
            app.record_file(self.user, "deleted", self.rel, self.file_id)
            return
        if self.method in ("PUT", "MKCOL"):
            fp = root / self.rel
            file_id = fp.stat().st_ino if fp.exists() else 0
            app.record_file(self.user, "changed" if self.existed else "created", self.rel, file_id)
            return
        target = root / self.target
        file_id = target.stat().st_ino if target.exists() else self.file_id
        if self.method == "COPY":
            app.record_file(self.user, "created", self.target, file_id)
        else:
            same_folder = self.rel.rpartition("/")[0] == self.target.rpartition("/")[0]
            app.record_file(self.user, "renamed" if same_folder else "moved", self.target, file_id, old_path=self.rel)


# -- contract samples --------------------------------------------------------------------------
def _alices_files(context: Any) -> dict[str, str]:
    """Two of alice's file activities and one of bob's (ids interleave across users)."""
    alice, bob = context.users["alice"], context.users["bob"]
    first = context.app.record_file(alice, "created", "Contract/a.txt", 4101)
    second = context.app.record_file(alice, "changed", "Contract/a.txt", 4101)
    theirs = context.app.record_file(bob, "created", "Mine/b.txt", 4102)
    return {"first": str(first.id), "newest": str(second.id), "bobs": str(theirs.id), "file": "4101"}


SAMPLES = [
    Sample("GET", BASE, 200, setup=_alices_files),
    Sample("GET", BASE, 200, setup=_alices_files, query={"since": "{newest}", "limit": "1"}),
    Sample("GET", BASE + "/files", 200, setup=_alices_files),
    Sample("GET", BASE + "/self", 200, setup=_alices_files, query={"search": "contract", "actor": "{alice}"}),
    Sample("GET", BASE + "/filter", 200, setup=_alices_files, query={"object_type": "files", "object_id": "{file}"}),
    Sample("GET", BASE + "/filters", 200),
    Sample("GET", BASE + "/calendar", 304, setup=_alices_files),
    Sample("GET", BASE, 304, setup=_alices_files, query={"since": "{newest}", "sort": "asc"}),
    Sample("GET", BASE, 403, setup=_alices_files, query={"since": "{bobs}"}),
    Sample("GET", BASE + "/no_such_filter", 404),
    Sample("GET", BASE, 400, query={"search": "a"}),
    Sample("GET", BASE, 400, query={"from": "200", "to": "100"}),
    Sample("GET", "/ocs/v1.php/apps/activity/api/v2/activity", 100, setup=_alices_files),
    Sample("GET", "/ocs/v1.php/apps/activity/api/v2/activity/calendar", 304, setup=_alices_files),
]
