"""Notes API v1 (nextcloud/notes docs/api/v1.md): typed notes, conditional updates, chunked lists.

Why typed and stateless: a note's etag is the caller's business, carried in and out of
each call (If-Match on update; a 412 raises PreconditionFailed with the current note),
never kept on this shared object. Nextcloud's list answers can be chunked
(`chunkSize` + the X-Notes-Chunk-Cursor header); `list_all` follows the cursor and drops
the id-only placeholders the last chunk carries for notes sent earlier.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nextcloud_mcp_server.nextcloud.errors import (
    BadResponse,
    FileTooLarge,
    NextcloudError,
    PreconditionFailed,
    detail_of,
    error_for,
)

if TYPE_CHECKING:
    import httpx

    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

BASE = "/index.php/apps/notes/api/v1"
ATTACHMENTS = "/index.php/apps/notes/api/v1.4/attachment"
"""API 1.4 (Notes 4.9): `GET {ATTACHMENTS}/{note id}?path=...` serves a file a note embeds."""
HEADERS = {"Accept": "application/json"}
APPEND_SEPARATOR = "\n---\n"
DEFAULT_CHUNK = 200


class Note(BaseModel):
    """One note as the Notes API returns it (fields left out with `exclude` keep their defaults)."""

    model_config = ConfigDict(extra="ignore")

    id: int
    etag: str
    title: str = ""
    content: str = ""
    category: str = ""
    favorite: bool = False
    modified: int = 0
    readonly: bool = False


class NotesSettings(BaseModel):
    """The user's Notes app settings."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    notes_path: str = Field(alias="notesPath")
    file_suffix: str = Field(alias="fileSuffix")
    note_mode: str | None = Field(default=None, alias="noteMode")


@dataclass(frozen=True)
class NotesChunk:
    """One answer of GET /notes: the full notes it carries and how to get the rest."""

    notes: list[Note]
    ids: list[int]
    cursor: str | None
    pending: int
    etag: str | None


@dataclass(frozen=True)
class Attachment:
    """A file a note embeds: its name, the MIME type Nextcloud serves it with, and its bytes."""

    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class SearchHit:
    note: Note
    score: float


def if_match(etag: str) -> str:
    """The If-Match value the Notes app compares against: the etag in double quotes."""
    return '"' + etag.strip().removeprefix("W/").strip('"') + '"'


NOTES_ERRORS = (400, 403, 404, 423, 507)
"""Statuses the Notes app answers with `{"errorType": "...Exception"}` (its own words; the tools add the hint)."""


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise BadResponse(f"the Notes app answered HTTP {response.status_code} without JSON") from None


def _notes_error(response: httpx.Response, subject: str | None) -> NextcloudError:
    """The shared typed error for a Notes error answer, its detail the app's error type (e.g. `NoteDoesNotExist`)."""
    body = _json_or_none(response)
    kind = body.get("errorType") if isinstance(body, dict) else None
    detail = kind.rsplit("\\", 1)[-1] if isinstance(kind, str) else detail_of(response)
    return error_for(response.status_code, detail, subject=subject)


def _file_name(disposition: str | None, path: str) -> str:
    """The name from `Content-Disposition: attachment; filename="..."`, else the path's last part."""
    match = re.search(r'filename="([^"]*)"', disposition or "")
    return match.group(1) if match and match.group(1) else path.replace("\\", "/").rsplit("/", 1)[-1]


def _note(data: Any) -> Note:
    try:
        return Note.model_validate(data)
    except ValidationError:
        raise BadResponse("the Notes app answered with something that is not a note") from None


class NotesAPI:
    """The Notes app of one Nextcloud user."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def _send(
        self, method: str, path: str, *, note_id: int | None = None, ok: tuple[int, ...] = (), **kwargs: Any
    ) -> httpx.Response:
        """Send one request; the Notes app's `{"errorType": ...}` errors become the shared typed errors.

        Their detail is what the app said (its error type, e.g. `NoteDoesNotExist`), never our wording:
        what it means and what to do is said once, where tools map errors.
        """
        headers = kwargs.pop("headers", HEADERS)
        response = await self._client.request(
            method, f"{BASE}{path}", headers=headers, ok=(*ok, *NOTES_ERRORS), **kwargs
        )
        if response.status_code in NOTES_ERRORS and response.status_code not in ok:
            raise _notes_error(response, f"note {note_id}" if note_id is not None else None)
        return response

    async def list_chunk(
        self,
        *,
        category: str | None = None,
        exclude: Iterable[str] = (),
        prune_before: int | None = None,
        chunk_size: int | None = None,
        chunk_cursor: str | None = None,
    ) -> NotesChunk:
        """One GET /notes request: the full notes, the ids of pruned ones, and the next cursor."""
        params: dict[str, Any] = {}
        if category is not None:
            params["category"] = category
        if excluded := ",".join(exclude):
            params["exclude"] = excluded
        if prune_before:
            params["pruneBefore"] = prune_before
        if chunk_size:
            params["chunkSize"] = chunk_size
        if chunk_cursor:
            params["chunkCursor"] = chunk_cursor
        response = await self._send("GET", "/notes", params=params)
        body = _json(response)
        if not isinstance(body, list):
            raise BadResponse("the Notes app's list is not a JSON array")
        notes = [_note(item) for item in body if isinstance(item, dict) and "etag" in item]
        ids = [item["id"] for item in body if isinstance(item, dict) and "etag" not in item and "id" in item]
        pending = response.headers.get("X-Notes-Chunk-Pending", "0")
        return NotesChunk(
            notes=notes,
            ids=ids,
            cursor=response.headers.get("X-Notes-Chunk-Cursor") or None,
            pending=int(pending) if pending.isdigit() else 0,
            etag=response.headers.get("ETag"),
        )

    async def list_all(
        self, *, category: str | None = None, exclude: Iterable[str] = (), chunk_size: int = DEFAULT_CHUNK
    ) -> list[Note]:
        """Every note (of a category), fetched in chunks so no single answer grows without bound."""
        excluded = tuple(exclude)
        seen: dict[int, Note] = {}
        cursor: str | None = None
        while True:
            chunk = await self.list_chunk(
                category=category, exclude=excluded, chunk_size=chunk_size, chunk_cursor=cursor
            )
            for note in chunk.notes:
                seen[note.id] = note
            if not chunk.cursor or chunk.cursor == cursor:
                return list(seen.values())
            cursor = chunk.cursor

    async def get(self, note_id: int) -> Note:
        response = await self._send("GET", f"/notes/{int(note_id)}", note_id=note_id)
        return _note(_json(response))

    async def create(self, title: str, content: str = "", category: str = "", *, favorite: bool = False) -> Note:
        """Create a note; Nextcloud may adjust the title (unsafe characters, ' (2)' on collisions)."""
        body: dict[str, Any] = {"title": title, "content": content, "category": category}
        if favorite:
            body["favorite"] = True
        response = await self._send("POST", "/notes", json=body)
        return _note(_json(response))

    async def update(
        self,
        note_id: int,
        *,
        title: str | None = None,
        content: str | None = None,
        category: str | None = None,
        favorite: bool | None = None,
        etag: str | None = None,
    ) -> Note:
        """Change the given fields; with `etag`, only if the note is still that version.

        Raises PreconditionFailed(current_etag=..., current=Note) when it changed meanwhile.
        """
        body = {
            key: value
            for key, value in (("title", title), ("content", content), ("category", category), ("favorite", favorite))
            if value is not None
        }
        headers = dict(HEADERS)
        if etag:
            headers["If-Match"] = if_match(etag)
        response = await self._send(
            "PUT", f"/notes/{int(note_id)}", note_id=note_id, json=body, headers=headers, ok=(412,)
        )
        if response.status_code == 412:
            current = _note(_json(response))
            raise PreconditionFailed(
                f"note {note_id} was changed since etag {etag}", current_etag=current.etag, current=current
            )
        return _note(_json(response))

    async def append(self, note_id: int, text: str, *, separator: str = APPEND_SEPARATOR, attempts: int = 5) -> Note:
        """Append to the content without losing concurrent edits: read, append, write with If-Match.

        On a 412 the current note from Nextcloud's answer is used for the next attempt.
        """
        note = await self.get(note_id)
        for attempt in range(1, attempts + 1):
            joined = f"{note.content}{separator}{text}" if note.content else text
            try:
                return await self.update(note_id, content=joined, etag=note.etag)
            except PreconditionFailed as exc:
                if attempt == attempts or not isinstance(exc.current, Note):
                    raise
                note = exc.current
        raise AssertionError("unreachable")  # pragma: no cover

    async def delete(self, note_id: int) -> None:
        await self._send("DELETE", f"/notes/{int(note_id)}", note_id=note_id)

    async def search(self, query: str, *, category: str | None = None) -> list[SearchHit]:
        """Notes whose title, category or content contain every word of `query` (case-insensitive).

        The Notes API has no search endpoint; like the Notes app's own search, this matches
        client-side. Title matches rank higher than content matches; best first.
        """
        terms = [t.casefold() for t in re.split(r"\s+", query.strip()) if t]
        hits: list[SearchHit] = []
        for note in await self.list_all(category=category):
            fields = (note.title.casefold(), note.category.casefold(), note.content.casefold())
            if not terms or not all(any(t in f for f in fields) for t in terms):
                continue
            score = sum(3.0 * (t in fields[0]) + 1.0 * (t in fields[1]) + 1.0 * (t in fields[2]) for t in terms)
            hits.append(SearchHit(note, score / (5.0 * len(terms))))
        hits.sort(key=lambda hit: (-hit.score, -hit.note.modified, hit.note.id))
        return hits

    async def attachment(self, note_id: int, path: str, max_bytes: int) -> Attachment:
        """A file the note embeds, by its path relative to the note's folder (as its Markdown names it,
        e.g. `.attachments.12/photo.png`), no larger than `max_bytes` (checked while downloading).

        A missing note (`NoteDoesNotExistException`) or file (`NotFoundException`) is Nextcloud's 404.
        """
        url = f"{ATTACHMENTS}/{int(note_id)}?{urlencode({'path': path})}"
        subject = f"attachment {path!r} of note {note_id}"
        chunks: list[bytes] = []
        async with self._client.stream("GET", url, ok=NOTES_ERRORS) as response:
            if response.status_code in NOTES_ERRORS:
                await response.aread()
                raise _notes_error(response, subject)
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FileTooLarge(f"{path} (note {note_id})", int(declared), max_bytes)
            got = 0
            async for chunk in response.aiter_bytes():
                got += len(chunk)
                if got > max_bytes:
                    raise FileTooLarge(f"{path} (note {note_id})", got, max_bytes)
                chunks.append(chunk)
            content_type = response.headers.get("Content-Type", "application/octet-stream").split(";")[0].strip()
            name = _file_name(response.headers.get("Content-Disposition"), path)
        return Attachment(name, content_type or "application/octet-stream", b"".join(chunks))

    async def settings(self) -> NotesSettings:
        response = await self._send("GET", "/settings")
        try:
            return NotesSettings.model_validate(_json(response))
        except ValidationError:
            raise BadResponse("the Notes app's settings are not in the documented shape") from None

    async def update_settings(self, *, notes_path: str | None = None, file_suffix: str | None = None) -> NotesSettings:
        body = {k: v for k, v in (("notesPath", notes_path), ("fileSuffix", file_suffix)) if v is not None}
        response = await self._send("PUT", "/settings", json=body)
        return NotesSettings.model_validate(_json(response))
