"""Notes API v1 emulation, as nextcloud/notes documents it (docs/api/v1.md) and implements it.

Notes are files, exactly as the Notes app keeps them: `<files root>/<notesPath>/<category
path>/<title><suffix>`, so a note is also visible over WebDAV. A note's id is the file's id
(stable across renames), its title the file name without suffix, its content the file
content, `modified` the mtime; favorites and read-only marks are kept aside.

The etag is computed as the Notes app's MetaService does: md5 of the JSON list
[id, title, modified, category, favorite, readonly, md5(content)], and `lastUpdate` moves
whenever that etag changes (it orders chunks and drives `pruneBefore`). Error bodies are
`{"errorType": ...}` with 400/403/404/412/507; a 412 carries the current note.

Attachments (API 1.4, `/api/v1.4/attachment/{id}`) are files beside the note, as the Notes app
keeps them: an upload is stored in the note's folder under a random name (NotesService::createImage),
and a GET reads `?path=` relative to that folder, `..` stepping up but never out of the notes folder
(NotesService::getAttachment); a missing note or file is a 404, a folder a 500.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from tests.standin.apps.webhook_listeners import report_node
from tests.standin.core import Receive, Scope, Send, User, header, read_body, send_json, send_response
from tests.standin.notes_rules import (
    MAX_TITLE_LENGTH,
    SECURE_MIME_TYPES,
    NotesError,
    boolean_param,
    integer_param,
    is_note,
    multipart_file,
    params_of,
    parse_cursor,
    php_json,
    query_int,
    route,
    safe_title,
    sanitise_path,
    string_param,
)

if TYPE_CHECKING:
    from tests.standin.core import StandIn

API_VERSIONS = "0.2, 1.3, 1.4"
DEFAULT_SUFFIXES = (".md", ".txt")
NOTE_MODES = ("rich", "edit", "preview")
_ERR = "OCA\\Notes\\Service\\"


class PreconditionFailed(Exception):
    """If-Match did not match: answer 412 with the current note."""

    def __init__(self, path: Path) -> None:
        super().__init__("etag does not match")
        self.path = path


def _md5(text: str) -> str:
    """md5 hex, as PHP's md5(): a change detector here, not security."""
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


@dataclass
class Meta:
    etag: str
    last_update: int


class NotesService:
    """`/index.php/apps/notes/api/v1/...` (and the `/apps/notes/api/` alias)."""

    app_id = "notes"

    def capabilities(self, user: User) -> dict[str, Any]:
        """notes/lib/AppInfo/Capabilities.php."""
        return {"notes": {"api_version": ["0.2", "1.3", "1.4"], "version": "4.11.0"}}

    def __init__(self, standin: StandIn) -> None:
        self.standin = standin
        self._settings: dict[str, dict[str, str]] = {}
        self._favorites: dict[str, set[int]] = {}
        self._readonly: dict[str, set[int]] = {}
        self._meta: dict[str, dict[int, Meta]] = {}

    def provision(self, user: User) -> None:
        self._settings.setdefault(user.id, {})
        self._favorites.setdefault(user.id, set())
        self._readonly.setdefault(user.id, set())
        self._meta.setdefault(user.id, {})

    # Favorites are the Files app's favorite tag (a note marked here shows oc:favorite over
    # WebDAV); the files part keeps them when it is mounted.
    def favorite_ids(self, user_id: str) -> set[int]:
        files = self.standin.services.get("files")
        if files is not None and hasattr(files, "favorites"):
            return set(files.favorites(user_id))
        return self._favorites.setdefault(user_id, set())

    def mark_favorite(self, user_id: str, note_id: int, on: bool) -> None:
        files = self.standin.services.get("files")
        if files is not None and hasattr(files, "set_favorite"):
            files.set_favorite(user_id, note_id, on)
            return
        marks = self._favorites.setdefault(user_id, set())
        (marks.add if on else marks.discard)(note_id)

    def set_readonly(self, user_id: str, note_id: int, readonly: bool = True) -> None:
        """Mark a note as not updateable (as a file shared without edit permission is)."""
        marks = self._readonly.setdefault(user_id, set())
        if readonly:
            marks.add(note_id)
        else:
            marks.discard(note_id)

    # -- settings and folders ------------------------------------------------------------
    def settings(self, user: User) -> dict[str, str]:
        stored = self._settings.setdefault(user.id, {})
        suffix = stored.get("fileSuffix", DEFAULT_SUFFIXES[0])
        return {
            "notesPath": stored.get("notesPath", "Notes"),
            "fileSuffix": suffix if suffix in DEFAULT_SUFFIXES else stored.get("customSuffix", ".md"),
            "noteMode": stored.get("noteMode", NOTE_MODES[0]),
        }

    def put_settings(self, user: User, values: dict[str, Any]) -> None:
        stored = self._settings.setdefault(user.id, {})
        for name, value in values.items():
            if value is None or name not in ("notesPath", "fileSuffix", "noteMode"):
                continue
            value = str(value)
            if name == "notesPath":
                parts: list[str] = []
                for part in value.replace("\\", "/").split("/"):
                    if part == "..":
                        if parts:
                            parts.pop()
                    elif part and part != ".":
                        parts.append(part)
                stored["notesPath"] = "/".join(parts) or "Notes"
            elif name == "fileSuffix":
                if value in DEFAULT_SUFFIXES:
                    stored["fileSuffix"] = value
                elif value:
                    custom = re.sub(r"[^A-Za-z0-9.-]", "", value).lstrip(".") or "md"
                    stored["fileSuffix"], stored["customSuffix"] = "custom", "." + custom
                else:
                    stored["fileSuffix"] = DEFAULT_SUFFIXES[0]
            elif name == "noteMode":
                stored["noteMode"] = value if value in NOTE_MODES else NOTE_MODES[0]

    def notes_folder(self, user: User) -> Path:
        folder = self.standin.files_root(user) / self.settings(user)["notesPath"]
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _custom_suffix(self, user: User) -> str:
        return self._settings.get(user.id, {}).get("customSuffix", ".md")

    def all_notes(self, user: User) -> dict[int, Path]:
        """Every note file under the notes folder, by id."""
        suffix = self._custom_suffix(user)
        found: dict[int, Path] = {}
        for dirpath, dirnames, filenames in os.walk(self.notes_folder(user)):
            dirnames.sort()
            for name in sorted(filenames):
                path = Path(dirpath) / name
                if is_note(path, suffix):
                    found[self.standin.file_id(path)] = path
        return found

    def find(self, user: User, note_id: int) -> Path:
        path = self.all_notes(user).get(note_id)
        if path is None:
            raise NotesError(404, _ERR + "NoteDoesNotExistException")
        return path

    # -- one note ------------------------------------------------------------------------
    def category_of(self, user: User, path: Path) -> str:
        rel = path.parent.relative_to(self.notes_folder(user))
        return "" if str(rel) == "." else rel.as_posix()

    @staticmethod
    def content_of(path: Path) -> str:
        text = path.read_bytes().decode("utf-8", "replace")
        return text.replace("\ufeff", "").replace("\uffef", "")

    def data(self, user: User, path: Path, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
        """The note as the API returns it (Note::getData plus the meta etag)."""
        note_id = self.standin.file_id(path)
        full: dict[str, Any] = {
            "id": note_id,
            "title": path.stem,
            "modified": int(path.stat().st_mtime),
            "category": self.category_of(user, path),
            "favorite": note_id in self.favorite_ids(user.id),
            "readonly": note_id in self._readonly.get(user.id, set()),
        }
        data = {key: value for key, value in full.items() if key not in exclude}
        rel = path.relative_to(self.standin.files_root(user)).as_posix()
        data.update(internalPath="/" + rel, shareTypes=[], isShared=False, error=False, errorType="")
        content = self.content_of(path)
        if "content" not in exclude:
            data["content"] = content
        data["etag"] = self.meta(user, path, full, content).etag
        return data

    def meta(self, user: User, path: Path, full: dict[str, Any], content: str) -> Meta:
        """Update the note's meta entry (MetaService::update) and return it."""
        content_etag = _md5(content)
        fields = [full["id"], full["title"], full["modified"], full["category"], full["favorite"], full["readonly"]]
        etag = _md5(php_json([*fields, content_etag]))
        metas = self._meta.setdefault(user.id, {})
        current = metas.get(full["id"])
        if current is None or current.etag != etag:
            current = metas[full["id"]] = Meta(etag, int(time.time()))
        return current

    def ensure_storage(self, user: User, required: int) -> None:
        free = self.standin.free_bytes(user)
        if free is not None and free < required:
            raise NotesError(507, _ERR + "InsufficientStorageException")

    def ensure_writable(self, user: User, path: Path) -> None:
        if self.standin.file_id(path) in self._readonly.get(user.id, set()):
            raise NotesError(403, _ERR + "NoteNotWritableException")
        files = self.standin.services.get("files")
        rel = path.relative_to(self.standin.files_root(user)).as_posix()
        owner = getattr(files, "file_locks", {}).get((user.id, rel))
        if owner is not None and owner != user.id:  # files_lock: only the lock owner may write
            raise NotesError(423, "OCP\\Lock\\LockedException")

    def category_folder(self, user: User, category: str) -> Path:
        parts = [p for p in (sanitise_path(c) for c in category.split("/")) if p]
        folder = self.notes_folder(user).joinpath(*parts)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def file_name(self, folder: Path, title: str, suffix: str, note_id: int) -> str:
        """A free file name for the title, adding ' (2)', ' (3)'... (NoteUtil::generateFileName)."""
        title = safe_title(title)
        while True:
            candidate = folder / (title + suffix)
            if not candidate.exists() or self.standin.file_id(candidate) == note_id:
                return title + suffix
            match = re.search(r"\s\((\d+)\)$", title)
            if match:
                base, tail = title[: match.start()], f" ({int(match.group(1)) + 1})"
            else:
                base, tail = title, " (2)"
            title = safe_title(base[: MAX_TITLE_LENGTH - len(tail)] + tail)

    def delete_empty_folders(self, user: User, folder: Path) -> None:
        notes = self.notes_folder(user)
        while folder != notes and notes in folder.parents and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent

    def move(self, user: User, path: Path, title: str, category: str | None) -> Path:
        self.ensure_writable(user, path)
        if category is None:
            category = self.category_of(user, path)
        folder = self.category_folder(user, category)
        target = folder / self.file_name(folder, title, path.suffix, self.standin.file_id(path))
        if target != path:
            old_parent = path.parent
            path.rename(target)
            self.delete_empty_folders(user, old_parent)
        return target

    def write(self, user: User, path: Path, content: str) -> None:
        self.ensure_writable(user, path)
        raw = content.encode()
        self.ensure_storage(user, len(raw))
        path.write_bytes(raw)

    def set_favorite(self, user: User, path: Path, favorite: bool) -> None:
        note_id = self.standin.file_id(path)
        if favorite != (note_id in self.favorite_ids(user.id)):
            self.mark_favorite(user.id, note_id, favorite)

    # -- operations ----------------------------------------------------------------------
    def create(self, user: User, params: dict[str, Any]) -> dict[str, Any]:
        category = string_param(params, "category", "")
        title = string_param(params, "title", "")
        content = string_param(params, "content", "")
        modified = integer_param(params, "modified", 0)
        favorite = boolean_param(params, "favorite", False)
        folder = self.category_folder(user, category or "")
        self.ensure_storage(user, 1)
        stored = self._settings.get(user.id, {})
        suffix = (
            self._custom_suffix(user) if stored.get("fileSuffix") == "custom" else self.settings(user)["fileSuffix"]
        )
        path = folder / self.file_name(folder, title or "", suffix, -1)
        path.touch()
        try:
            self.write(user, path, content or "")
            if modified:
                os.utime(path, (modified, modified))
            if favorite:
                self.set_favorite(user, path, True)
        except NotesError:
            path.unlink()
            self.delete_empty_folders(user, folder)
            raise
        report_node(self.standin, user, "NodeCreatedEvent", path)
        return self.data(user, path)

    def update(self, user: User, note_id: int, params: dict[str, Any], if_match: str | None) -> dict[str, Any]:
        path = self.find(user, note_id)
        if if_match:
            current = self.data(user, path)["etag"]
            if f'"{current}"' not in re.split(r",\s*", if_match.strip()):
                raise PreconditionFailed(path)
        content = string_param(params, "content", None)
        modified = integer_param(params, "modified", None)
        title = string_param(params, "title", None)
        category = string_param(params, "category", None)
        favorite = boolean_param(params, "favorite", None)
        if content is not None and content != self.content_of(path):
            self.write(user, path, content)
            report_node(self.standin, user, "NodeWrittenEvent", path)
        if modified is not None and modified != int(path.stat().st_mtime):
            self.ensure_writable(user, path)
            os.utime(path, (modified, modified))
        before = path
        if title is not None and title != path.stem:
            path = self.move(user, path, title, category)
        elif category is not None and category != self.category_of(user, path):
            path = self.move(user, path, path.stem, category)
        if path != before:
            report_node(self.standin, user, "NodeRenamedEvent", path, source=before)
        if favorite is not None:
            self.set_favorite(user, path, favorite)
        return self.data(user, path)

    def delete(self, user: User, note_id: int) -> None:
        path = self.find(user, note_id)
        self.ensure_writable(user, path)
        parent = path.parent
        path.unlink()
        report_node(self.standin, user, "NodeDeletedEvent", path)
        self.delete_empty_folders(user, parent)
        self._meta.get(user.id, {}).pop(note_id, None)
        self.mark_favorite(user.id, note_id, False)

    def listing(self, user: User, query: dict[str, str]) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
        """GET /notes: filters, pruning and chunking as Helper::getNotesAndCategories does."""
        exclude = tuple(query.get("exclude", "").split(","))
        category = query.get("category")
        prune_before = query_int(query, "pruneBefore")
        chunk_size = query_int(query, "chunkSize")
        cursor = parse_cursor(query.get("chunkCursor") or "")
        time_start = cursor[0] if cursor else int(time.time())
        notes: list[tuple[int, Path, int]] = []
        for note_id, path in self.all_notes(user).items():
            full = self.data(user, path)
            if category is not None and full["category"] != category:
                continue
            notes.append((note_id, path, self._meta[user.id][note_id].last_update))
        chosen = [
            item
            for item in notes
            if not (prune_before and item[2] < prune_before)
            and not (cursor and (item[2] < cursor[1] or (item[2] == cursor[1] and item[0] <= cursor[2])))
        ]
        chosen.sort(key=lambda item: (item[2], item[0]))
        chunk = chosen[:chunk_size] if chunk_size > 0 else chosen
        pending = len(chosen) - len(chunk)
        keyed: dict[int, dict[str, Any]] = {nid: self.data(user, path, exclude) for nid, path, _ in chunk}
        headers = [("Last-Modified", formatdate(time_start, usegmt=True))]
        if pending:
            last = chunk[-1]
            headers += [
                ("X-Notes-Chunk-Cursor", f"{time_start}-{last[2]}-{last[0]}"),
                ("X-Notes-Chunk-Pending", str(pending)),
            ]
        else:
            for nid, _path, _lu in notes:
                keyed.setdefault(nid, {"id": nid})
        etag = _md5(php_json({str(k): v for k, v in keyed.items()}))
        return list(keyed.values()), [("ETag", f'"{etag}"'), *headers]

    def attachment(self, user: User, note_id: int, path: str) -> Path:
        """The file `path` names, relative to the note's folder (NotesService::getAttachment)."""
        note = self.find(user, note_id)
        parts = [p for p in self.category_of(user, note).split("/") if p]
        for part in path.replace("\\", "/").split("/"):
            if part == "..":
                if parts:
                    parts.pop()
            elif part and part != ".":
                parts.append(part)
        target = self.notes_folder(user).joinpath(*parts)
        if not target.exists():
            raise NotesError(404, "OCP\\Files\\NotFoundException")
        return target

    def upload_attachment(self, user: User, note_id: int, upload: tuple[str, bytes] | None) -> dict[str, str]:
        """Store an upload beside the note under a random name with the upload's (second) suffix."""
        note = self.find(user, note_id)
        if upload is None:
            raise NotesError(500, "TypeError")  # no `file` field: $fileDataArray is null
        name, data = upload
        parts = name.split(".")
        filename = os.urandom(16).hex() + "." + (parts[1] if len(parts) > 1 else "")
        target = note.parent / filename
        self.ensure_storage(user, len(data))
        target.write_bytes(data)
        report_node(self.standin, user, "NodeCreatedEvent", target)
        return {"filename": filename}

    async def _send_attachment(self, send: Send, user: User, note_id: int, path: str) -> None:
        target = self.attachment(user, note_id, path)
        if target.is_dir():  # a Folder has no fopen(): an Error the controller does not catch
            await send_response(send, 500, b"Internal Server Error", [("Content-Type", "text/html; charset=utf-8")])
            return
        import mimetypes

        guessed = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        headers = [
            ("Content-Type", SECURE_MIME_TYPES.get(guessed, guessed)),
            ("Content-Disposition", f'attachment; filename="{target.name}"'),
            ("Cache-Control", "public, max-age=604800"),
        ]
        await send_response(send, 200, target.read_bytes(), headers)

    # -- HTTP ----------------------------------------------------------------------------
    async def handle(self, scope: Scope, receive: Receive, send: Send, user: User) -> None:
        body = await read_body(receive)
        path: str = scope["path"]
        rest = path.split("/apps/notes/api/", 1)[1]
        method = scope["method"]
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        extra = [("X-Notes-API-Versions", API_VERSIONS)]
        matched = route(method, rest)
        if matched is None:
            if method == "GET":  # notes_api#fail catches every other GET under /api/
                await send_json(send, 400, [], extra)
            else:
                await send_response(send, 404, b"Page not found", [("Content-Type", "text/html; charset=utf-8")])
            return
        name, note_id = matched
        try:
            params = params_of(query, body, header(scope, "content-type") or "")
            if name == "index":
                notes, headers = self.listing(user, query)
                await self._conditional(scope, send, notes, headers + extra)
            elif name == "get":
                data = self.data(user, self.find(user, note_id), tuple(query.get("exclude", "").split(",")))
                await self._conditional(scope, send, data, [("ETag", f'"{data["etag"]}"'), *extra])
            elif name == "create":
                await send_json(send, 200, self.create(user, params), extra)
            elif name == "update":
                await send_json(send, 200, self.update(user, note_id, params, header(scope, "if-match")), extra)
            elif name == "destroy":
                self.delete(user, note_id)
                await send_json(send, 200, [], extra)
            elif name == "get_settings":
                await send_json(send, 200, self.settings(user), extra)
            elif name == "set_settings":
                self.put_settings(user, params)
                await send_json(send, 200, self.settings(user), extra)
            elif name == "get_attachment":
                await self._send_attachment(send, user, note_id, query.get("path", ""))
            elif name == "upload_attachment":
                upload = multipart_file(body, header(scope, "content-type") or "", "file")
                await send_json(send, 200, self.upload_attachment(user, note_id, upload), extra)
        except PreconditionFailed as exc:
            await send_json(send, 412, self.data(user, exc.path), extra)
        except NotesError as exc:
            await send_json(send, exc.status, {"errorType": exc.error_type}, extra)

    async def _conditional(self, scope: Scope, send: Send, data: Any, headers: list[tuple[str, str]]) -> None:
        """200 with the body, or 304 when If-None-Match names the current ETag."""
        etag = next(value for key, value in headers if key == "ETag").strip('"')
        wanted = (header(scope, "if-none-match") or "").strip().strip('"')
        if wanted and wanted == etag:
            await send_response(send, 304, b"", headers)
            return
        await send_json(send, 200, data, headers)
