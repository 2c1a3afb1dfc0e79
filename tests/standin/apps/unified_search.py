"""Nextcloud's unified search (core: UnifiedSearchController, SearchComposer), as Nextcloud 31 answers it.

- `GET /ocs/v2.php/search/providers` lists the caller's providers, sorted by `order`: id, appId,
  name, icon, order, triggers, filters (name -> type), inAppSearch. A provider of an app the user
  may not use is not listed.
- `GET /ocs/v2.php/search/providers/{providerId}/search?term=&limit=&cursor=` asks one provider.
  `limit` defaults to 5 and is held to 1..25; `term=` (empty) is 400 with the string
  "String filter can’t be empty" (StringFilter); no `term` at all searches with none (Nextcloud 31;
  32 answers 400 "No valid filters provided"). An unknown provider is the SearchComposer's uncaught
  InvalidArgumentException: HTTP 500 "Internal Server Error" in the OCS envelope (996 on v1).
  The answer: name, isPaginated, entries, cursor.

Providers:
- `files` (order 5): file and folder names in the caller's tree containing the term
  (case-insensitive, as SQL LIKE), newest first; the cursor is an offset, answered as
  `cursor + limit` (SearchResult::paginated). Entries carry `attributes` `{"fileId", "path"}`: an
  object, as FilesSearchProvider sends it, although core.openapi.json types attributes as a list
  of strings (the contract samples therefore check the files provider on a search without hits
  and on /ocs/v1.php).
- `notes` (order 4, the Notes app enabled): notes whose title, category or content contain every
  word; all at once (SearchResult::complete: not paginated, cursor null), newest first, with an
  excerpt as subline and no attributes (`[]`).
- Test providers, added with `add_provider(ScriptedProvider(...), user_id)`: fixed titles, a
  configurable `delay` before answering (a slow provider), an HTTP status to fail with, paged or
  complete; they exist only for the user they were added for (or everyone with `user_id=None`).
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio

from tests.standin.core import User
from tests.standin.kit import EmulatedApp, Failure, Reply, Request, Sample, route

CONTRACT = "nextcloud-31/core.openapi.json"
PROVIDERS = "/ocs/v2.php/search/providers"
SEARCH = PROVIDERS + "/{providerId}/search"
LIMIT_DEFAULT = 5
"""SearchQuery::LIMIT_DEFAULT."""
MAX_LIMIT = 25
FILES_FILTERS = {
    "term": "string", "since": "datetime", "until": "datetime", "person": "person", "min-size": "int",
    "max-size": "int", "mime": "string", "type": "string", "is-favorite": "bool", "title-only": "bool",
}  # fmt: skip


@dataclass
class Found:
    """What a provider answers for one query."""

    name: str
    entries: list[dict[str, Any]]
    paginated: bool
    cursor: int | str | None


def entry(
    title: str, subline: str, url: str, *, icon: str = "", thumbnail: str = "", **attributes: str
) -> dict[str, Any]:
    """A SearchResultEntry as it is serialised (an empty attribute array is PHP's `[]`)."""
    return {
        "thumbnailUrl": thumbnail,
        "title": title,
        "subline": subline,
        "resourceUrl": url,
        "icon": icon,
        "rounded": False,
        "attributes": attributes or [],
    }


def _offset(cursor: str | None) -> int:
    """The files provider's cursor: PHP's (int) of it."""
    text = (cursor or "").strip()
    return int(text) if text.isdigit() else 0


@dataclass
class ScriptedProvider:
    """A test provider: `titles` matching the term (case-insensitive), after `delay` seconds, or
    `fail_with` an HTTP status; paged by offset like the files provider unless `paginated` is False."""

    id: str
    titles: list[str] = field(default_factory=list)
    name: str = ""
    order: int = 50
    delay: float = 0.0
    fail_with: int | None = None
    paginated: bool = True
    calls: int = 0

    def provider(self) -> dict[str, Any]:
        return _listing(self.id, "test", self.name or self.id, self.order, {"term": "string"})

    async def search(self, base: str, term: str | None, limit: int, cursor: str | None) -> Found:
        self.calls += 1
        if self.delay:
            await anyio.sleep(self.delay)
        if self.fail_with is not None:
            raise Failure(self.fail_with, "Internal Server Error" if self.fail_with >= 500 else "")
        hits = [t for t in self.titles if term is None or term.casefold() in t.casefold()]
        found = [
            entry(t, self.name or self.id, f"{base}/index.php/apps/test/{self.id}/{i}") for i, t in enumerate(hits)
        ]
        if not self.paginated:
            return Found(self.name or self.id, found, False, None)
        start = _offset(cursor)
        return Found(self.name or self.id, found[start : start + limit], True, start + limit)


def _listing(provider_id: str, app_id: str, name: str, order: int, filters: dict[str, str]) -> dict[str, Any]:
    return {
        "id": provider_id,
        "appId": app_id,
        "name": name,
        "icon": f"/apps/{app_id}/img/app.svg",
        "order": order,
        "triggers": [provider_id],
        "filters": filters,
        "inAppSearch": False,
    }


class UnifiedSearchApp(EmulatedApp):
    """The core search API over the built-in providers and the test ones (see the module docstring)."""

    app_id = "unified_search"
    """Part of core: nothing disables it; the id only names the emulation."""
    prefixes = ("/ocs/v2.php/search/",)

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self._lock = threading.Lock()
        self.scripted: dict[str | None, dict[str, ScriptedProvider]] = {}
        """Test providers by the user they are for (None: everyone)."""

    def add_provider(self, provider: ScriptedProvider, user_id: str | None = None) -> ScriptedProvider:
        """Register a test provider for one user (or, with None, for everyone)."""
        with self._lock:
            self.scripted.setdefault(user_id, {})[provider.id] = provider
        return provider

    def remove_provider(self, provider_id: str, user_id: str | None = None) -> None:
        with self._lock:
            self.scripted.get(user_id, {}).pop(provider_id, None)

    def _scripted_for(self, user: User) -> dict[str, ScriptedProvider]:
        with self._lock:
            return {**self.scripted.get(None, {}), **self.scripted.get(user.id, {})}

    def _notes(self, user: User) -> Any:
        notes = self.standin.services.get("notes")
        return notes if notes is not None and self.standin.app_enabled(user, notes) else None

    def providers_of(self, user: User) -> list[dict[str, Any]]:
        found = [_listing("files", "files", "Files", 5, FILES_FILTERS)]
        if self._notes(user) is not None:
            found.append(_listing("notes", "notes", "Notes", 4, {"term": "string"}))
        found += [p.provider() for p in self._scripted_for(user).values()]
        return sorted(found, key=lambda p: p["order"])

    @route("GET", PROVIDERS, contract=CONTRACT)
    async def providers(self, request: Request) -> Reply:
        listed = self.providers_of(request.user)
        etag = hashlib.md5(json.dumps(listed).encode()).hexdigest()  # noqa: S324
        return Reply(200, listed, [("ETag", f'"{etag}"')])

    @route("GET", SEARCH, contract=CONTRACT)
    async def search(self, request: Request) -> Reply:
        args = request.args()
        term = args.get("term")
        if term == "":
            raise Failure(400, "", "String filter can’t be empty")
        try:
            limit = int(args.get("limit") or LIMIT_DEFAULT)
        except ValueError:
            limit = 0
        limit = max(1, min(limit, MAX_LIMIT))
        cursor = args.get("cursor")
        provider_id, user, base = request.params["providerId"], request.user, f"http://{request.header('host')}"
        scripted = self._scripted_for(user)
        if provider_id == "files":
            found = self._files(user, base, term, limit, cursor)
        elif provider_id == "notes" and (notes := self._notes(user)) is not None:
            found = self._notes_found(notes, user, base, term)
        elif provider_id in scripted:
            found = await scripted[provider_id].search(base, term, limit, cursor)
        else:
            raise Failure(500, "Internal Server Error\n")
        data = {"name": found.name, "isPaginated": found.paginated, "entries": found.entries, "cursor": found.cursor}
        return Reply(200, data)

    def _files(self, user: User, base: str, term: str | None, limit: int, cursor: str | None) -> Found:
        root = self.standin.files_root(user)
        hits: list[tuple[float, Path]] = []
        for dirpath, dirnames, filenames in os.walk(root):
            for name in [*dirnames, *filenames]:
                if term is None or term.casefold() in name.casefold():
                    path = Path(dirpath) / name
                    hits.append((path.stat().st_mtime, path))
        hits.sort(key=lambda hit: (-hit[0], str(hit[1])))
        start = _offset(cursor)
        entries = []
        for _, path in hits[start : start + limit]:
            rel = "/" + path.relative_to(root).as_posix()
            file_id = self.standin.file_id(path)
            folder = rel.rsplit("/", 1)[0].lstrip("/")
            mime = "dir" if path.is_dir() else (mimetypes.guess_type(path.name)[0] or "application/octet-stream")
            icon = "icon-folder" if path.is_dir() else f"{base}/core/img/filetypes/{mime.split('/')[0]}.svg"
            entries.append(
                entry(
                    path.name,
                    f"in {folder}" if folder else "",
                    f"{base}/index.php/f/{file_id}",
                    icon=icon,
                    thumbnail=f"{base}/index.php/core/preview?x=32&y=32&fileId={file_id}",
                    fileId=str(file_id),
                    path=rel,
                )
            )
        return Found("Files", entries, True, start + limit)

    @staticmethod
    def _notes_found(notes: Any, user: User, base: str, term: str | None) -> Found:
        words = (term or "").split()
        hits = []
        for note_id, path in notes.all_notes(user).items():
            title, category, content = path.stem, notes.category_of(user, path), notes.content_of(path)
            if all(any(w.casefold() in s.casefold() for s in (category, title, content)) for w in words):
                hits.append((path.stat().st_mtime, note_id, title, _excerpt(title, content) or category))
        hits.sort(key=lambda hit: -hit[0])
        url = f"{base}/index.php/apps/notes/note/"
        found = [
            entry(title, excerpt, f"{url}{note_id}", icon="icon-notes-trans") for _, note_id, title, excerpt in hits
        ]
        return Found("Notes", found, False, None)


def _excerpt(title: str, content: str, width: int = 100) -> str:
    """Note::getExcerpt: the content without its title line, at most `width` characters."""
    text = content.strip().lstrip("#").strip()
    if text.casefold().startswith(title.casefold()):
        text = text[len(title) :].strip()
    text = text[:width] + ("…" if len(text) > width else "")
    return text.replace("\n", "\u2003")


# -- contract samples --------------------------------------------------------------------------
def _alices_note(context: Any) -> dict[str, str]:
    notes = context.standin.services["notes"]
    notes.create(context.users["alice"], {"title": "Contract search note", "content": "searchable body"})
    return {}


def _alices_paged(context: Any) -> dict[str, str]:
    titles = [f"contract hit {n}" for n in range(7)]
    context.app.add_provider(ScriptedProvider("contract_paged", titles, name="Contract"), context.users["alice"].id)
    return {}


def _alices_file(context: Any) -> dict[str, str]:
    folder = context.standin.files_root(context.users["alice"]) / "ContractSearch"
    folder.mkdir(exist_ok=True)
    (folder / "contract-findme.txt").write_text("x")
    return {}


SAMPLES = [
    Sample("GET", PROVIDERS, 200),
    Sample("GET", PROVIDERS + "/files/search", 200, query={"term": "no-such-file-anywhere"}),
    Sample("GET", PROVIDERS + "/notes/search", 200, setup=_alices_note, query={"term": "searchable"}),
    Sample("GET", PROVIDERS + "/contract_paged/search", 200, setup=_alices_paged, query={"term": "hit", "limit": "3"}),
    Sample(
        "GET", PROVIDERS + "/contract_paged/search", 200, setup=_alices_paged,
        query={"term": "hit", "limit": "3", "cursor": "6"},
    ),
    Sample("GET", PROVIDERS + "/files/search", 400, query={"term": ""}),
    Sample("GET", "/ocs/v1.php/search/providers/files/search", 100, setup=_alices_file, query={"term": "findme"}),
    Sample("GET", "/ocs/v1.php/search/providers/no_such_provider/search", 996, query={"term": "x"}),
]  # fmt: skip
