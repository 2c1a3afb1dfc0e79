"""The trash bin (files_trashbin), as Nextcloud 31 serves it over WebDAV at /remote.php/dav/trashbin/.

nextcloud/documentation developer_manual/client_apis/WebDAV/trashbin.rst, and the server's
apps/files_trashbin (Trashbin.php, Sabre/TrashbinPlugin.php, Sabre/RootCollection.php):

- a DELETE of a file or folder through WebDAV moves it here (tests/standin/file_events.py): it
  leaves its folder and becomes the entry `<name>.d<deletion time>` of the user's trash;
- `PROPFIND .../trashbin/<user>/trash` lists the entries with nc:trashbin-filename,
  nc:trashbin-original-location ('Folder/name', 'name' at the root), nc:trashbin-deletion-time,
  nc:trashbin-deleted-by-id/-display-name, oc:fileid (the file keeps its id), oc:size, ...;
- `MOVE` of an entry to `.../trashbin/<user>/restore/<anything>` restores it where it was (201);
  to the root when that folder is gone; as 'name (restored).ext', 'name (restored 2).ext', ... when
  the name is taken; 507 when the user's quota has not room for it plus 64 KiB;
- `DELETE` of an entry removes it for good (204), with its versions; `DELETE .../trash` empties it;
- another user's trash bin is 403 (RootCollection::getChildForPrincipal), an unknown user's 404;
- capabilities: `files.undelete` and `files.delete_from_trash` (FilesTrashbinCapabilities).

Where Nextcloud would overwrite an entry deleted with the same name in the same second, the
stand-in moves the deletion time on by a second (as Nextcloud does when the two deletes race), so
no deleted file is lost. Entries are top-level only: a trashed folder lists its children with Depth 1,
but they are not addressable one by one.

Contract: the DAV API has no OpenAPI description (nextcloud-31/files_trashbin.openapi.json covers
only the app's preview route and capabilities); the routes name SOURCES.md, which says where the
WebDAV documentation lives.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote, unquote, urlsplit
from xml.sax.saxutils import escape

from tests.standin.apps._dav import OC_, D, Sabre, multistatus, requested, response, sabre, xml_reply
from tests.standin.core import User
from tests.standin.file_events import forget, ids_under
from tests.standin.files import NC, http_date, mime_type, tree_size
from tests.standin.kit import EmulatedApp, Reply, Request, Sample, route

CONTRACT = "SOURCES.md"
TRASHBIN = "/remote.php/dav/trashbin"
NC_ = f"{{{NC}}}"
RESTORE_MARGIN = 64 * 1024
"""TrashbinPlugin::TRASHBIN_RESTORE_SPACE_SAFETY_MARGIN."""


@dataclass
class Trashed:
    """One entry of a user's trash bin (a row of oc_files_trash)."""

    name: str
    """The entry's name: the original name, '.d' and the deletion time."""
    original_name: str
    location: str
    """The folder it was deleted from, relative to the files root ('' for the root)."""
    deleted_at: int
    deleted_by: str

    @property
    def original_location(self) -> str:
        return f"{self.location}/{self.original_name}" if self.location else self.original_name


class TrashbinApp(EmulatedApp):
    app_id = "files_trashbin"
    prefixes = (TRASHBIN + "/",)
    dav = True
    FILES_FLAGS: ClassVar[dict[str, bool]] = {"undelete": True, "delete_from_trash": True}

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self._lock = threading.RLock()

    def capabilities(self, user: User | None) -> dict[str, Any]:
        return {"files": dict(self.FILES_FLAGS)}

    # -- state -----------------------------------------------------------------------
    def folder(self, user_id: str) -> Path:
        """Where the user's trashed files and folders are kept (files_trashbin/files)."""
        path = self.standin.data_dir / "trashbin" / user_id / "files"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _index(self, user_id: str) -> Path:
        return self.standin.data_dir / "trashbin" / user_id / "index.json"

    def entries(self, user_id: str) -> dict[str, Trashed]:
        """The user's trash bin, by entry name."""
        with self._lock:
            index = self._index(user_id)
            if not index.exists():
                return {}
            return {name: Trashed(**row) for name, row in json.loads(index.read_text()).items()}

    def _save(self, user_id: str, entries: dict[str, Trashed]) -> None:
        self.folder(user_id)
        self._index(user_id).write_text(json.dumps({name: asdict(entry) for name, entry in entries.items()}))

    def take(self, user: User, fp: Path) -> Trashed:
        """Move a file or folder of `user` into the trash bin (Trashbin::move2trash)."""
        root = self.standin.files_root(user)
        location = fp.parent.relative_to(root).as_posix()
        with self._lock:
            entries = self.entries(user.id)
            stamp = int(time.time())
            while f"{fp.name}.d{stamp}" in entries or (self.folder(user.id) / f"{fp.name}.d{stamp}").exists():
                stamp += 1
            entry = Trashed(f"{fp.name}.d{stamp}", fp.name, "" if location == "." else location, stamp, user.id)
            os.rename(fp, self.folder(user.id) / entry.name)
            entries[entry.name] = entry
            self._save(user.id, entries)
        return entry

    def restore(self, user: User, name: str) -> Path:
        """Put an entry back where it was deleted from (Trashbin::restore); where it went."""
        root = self.standin.files_root(user)
        with self._lock:
            entries = self.entries(user.id)
            entry = entries.get(name)
            source = self.folder(user.id) / name
            if entry is None or not source.exists():
                raise Sabre(404, f"File not found: {name} in 'trash'")
            free = self.standin.free_bytes(user)
            if free is not None and free - tree_size(source) < RESTORE_MARGIN:
                raise Sabre(507, "Insufficient space available to restore safely")
            folder = root.joinpath(*entry.location.split("/")) if entry.location else root
            if not folder.is_dir():
                folder = root  # the folder is gone: Nextcloud restores into the root
            target = folder / unique_name(folder, entry.original_name)
            os.rename(source, target)
            del entries[name]
            self._save(user.id, entries)
        return target

    def remove(self, user: User, name: str) -> None:
        """Delete an entry for good, with its versions (Trashbin::delete)."""
        with self._lock:
            entries = self.entries(user.id)
            source = self.folder(user.id) / name
            if name not in entries or not source.exists():
                raise Sabre(404, f"File not found: {name} in 'trash'")
            self._destroy(user, source)
            del entries[name]
            self._save(user.id, entries)

    def empty(self, user: User) -> None:
        """Delete everything in the trash bin for good (Trashbin::deleteAll)."""
        with self._lock:
            for child in list(self.folder(user.id).iterdir()):
                self._destroy(user, child)
            self._save(user.id, {})

    def _destroy(self, user: User, path: Path) -> None:
        forget(self.standin, user, ids_under(path), versions=True)
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()

    # -- routes ------------------------------------------------------------------------
    def _owner(self, request: Request) -> User:
        """The trash bin's owner: only the caller's own (403 for another user's, 404 for no one's)."""
        name = request.params["user"]
        if name != request.user.id:
            if name in self.standin.users:
                raise Sabre(403, "")
            raise Sabre(404, f"Principal with name {name} not found")
        return request.user

    def _entry_response(self, user: User, entry: Trashed, wanted: list[str] | None) -> str:
        path = self.folder(user.id) / entry.name
        found = {
            **_node_props(path),
            f"{D}displayname": escape(entry.original_name),
            f"{D}getlastmodified": http_date(entry.deleted_at),
            f"{D}getetag": str(entry.deleted_at),
            f"{OC_}permissions": "GD",
            f"{NC_}trashbin-filename": escape(entry.original_name),
            f"{NC_}trashbin-original-location": escape(entry.original_location),
            f"{NC_}trashbin-title": escape(entry.original_name),
            f"{NC_}trashbin-deletion-time": str(entry.deleted_at),
            f"{NC_}trashbin-deleted-by-id": escape(entry.deleted_by),
            f"{NC_}trashbin-deleted-by-display-name": escape(self._display_name(entry.deleted_by)),
        }
        return response(f"{TRASHBIN}/{quote(user.id)}/trash/{quote(entry.name)}", found, wanted)

    def _display_name(self, user_id: str) -> str:
        user = self.standin.users.get(user_id)
        return user.display_name if user is not None else user_id

    @route("PROPFIND", TRASHBIN + "/{user}/trash", contract=CONTRACT)
    @sabre
    async def list_trash(self, request: Request) -> Reply:
        user = self._owner(request)
        wanted = requested(request.body)
        found = {f"{D}resourcetype": "<d:collection/>", f"{D}displayname": "trash"}
        answers = [response(f"{TRASHBIN}/{quote(user.id)}/trash/", found, wanted)]
        if (request.header("depth") or "1").strip() != "0":
            entries = sorted(self.entries(user.id).values(), key=lambda e: (-e.deleted_at, e.name))
            answers += [self._entry_response(user, entry, wanted) for entry in entries]
        return multistatus(answers)

    @route("PROPFIND", TRASHBIN + "/{user}/trash/{item}", contract=CONTRACT)
    @sabre
    async def get_entry(self, request: Request) -> Reply:
        user = self._owner(request)
        entry = self.entries(user.id).get(request.params["item"])
        if entry is None:
            raise Sabre(404, f"File not found: {request.params['item']} in 'trash'")
        wanted = requested(request.body)
        answers = [self._entry_response(user, entry, wanted)]
        path = self.folder(user.id) / entry.name
        if path.is_dir() and (request.header("depth") or "1").strip() != "0":
            base = f"{TRASHBIN}/{quote(user.id)}/trash/{quote(entry.name)}"
            answers += [
                response(
                    f"{base}/{quote(child.name)}", {**_node_props(child), f"{D}displayname": escape(child.name)}, wanted
                )
                for child in sorted(path.iterdir())
            ]
        return multistatus(answers)

    @route("MOVE", TRASHBIN + "/{user}/trash/{item}", contract=CONTRACT)
    @sabre
    async def restore_entry(self, request: Request) -> Reply:
        user = self._owner(request)
        destination = request.header("destination")
        if not destination:
            raise Sabre(400, "The destination header was not found")
        if self.entries(user.id).get(request.params["item"]) is None:
            raise Sabre(404, f"File not found: {request.params['item']} in 'trash'")
        target = unquote(urlsplit(destination).path)
        if not target.startswith(f"{TRASHBIN}/{user.id}/restore/") or target.rstrip("/").endswith("/restore"):
            raise Sabre(403, "Restoring is a move into the restore folder of your own trash bin")
        self.restore(user, request.params["item"])
        return xml_reply(201)

    @route("DELETE", TRASHBIN + "/{user}/trash/{item}", contract=CONTRACT)
    @sabre
    async def delete_entry(self, request: Request) -> Reply:
        user = self._owner(request)
        self.remove(user, request.params["item"])
        return Reply(204, raw=b"")

    @route("DELETE", TRASHBIN + "/{user}/trash", contract=CONTRACT)
    @sabre
    async def empty_trash(self, request: Request) -> Reply:
        user = self._owner(request)
        self.empty(user)
        return Reply(204, raw=b"")


def unique_name(folder: Path, name: str) -> str:
    """Trashbin::getUniqueFilename: 'a.txt', else 'a (restored).txt', 'a (restored 2).txt', ..."""
    if not (folder / name).exists():
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    suffix = f".{ext}" if ext else ""
    candidate, i = f"{stem} (restored){suffix}", 2
    while (folder / candidate).exists():
        candidate, i = f"{stem} (restored {i}){suffix}", i + 1
    return candidate


def _node_props(path: Path) -> dict[str, str]:
    """The plain DAV and oc: properties of a trashed file or folder (it keeps its file id)."""
    from tests.standin.apps.preview import has_preview

    st = path.stat()
    found = {
        f"{D}resourcetype": "<d:collection/>" if path.is_dir() else "",
        f"{OC_}fileid": str(st.st_ino),
        f"{OC_}size": str(tree_size(path)),
        f"{NC_}has-preview": "true" if has_preview(path) else "false",
    }
    if not path.is_dir():
        found[f"{D}getcontentlength"] = str(st.st_size)
        found[f"{D}getcontenttype"] = escape(mime_type(path))
    return found


# -- contract samples -------------------------------------------------------------------------


def _trashed(context: Any, name: str = "gone.txt") -> dict[str, str]:
    """Alice deletes a file of hers into the trash bin; its entry name."""
    user = context.users["alice"]
    fp = context.standin.files_root(user) / f"sample-{time.time_ns()}-{name}"
    fp.write_bytes(b"deleted")
    return {"item": context.app.take(user, fp).name}


PROPFIND_BODY = (
    '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:nc="http://nextcloud.org/ns" '
    'xmlns:oc="http://owncloud.org/ns"><d:prop><nc:trashbin-filename/><nc:trashbin-original-location/>'
    "<nc:trashbin-deletion-time/><oc:fileid/><d:getcontentlength/></d:prop></d:propfind>"
)
"""Request bodies for the samples (`Sample.content`)."""

RESTORE = {"Destination": TRASHBIN + "/{alice}/restore/{item}"}
ELSEWHERE = {"Destination": "/remote.php/dav/files/{alice}/restored-elsewhere"}

SAMPLES: list[Sample] = [
    Sample("PROPFIND", TRASHBIN + "/{alice}/trash", 207, setup=_trashed, content=PROPFIND_BODY),
    Sample("PROPFIND", TRASHBIN + "/{alice}/trash", 403, user="bob", note="another user's trash bin"),
    Sample("PROPFIND", TRASHBIN + "/nobody-here/trash", 404, note="no such user"),
    Sample("PROPFIND", TRASHBIN + "/{alice}/trash/{item}", 207, setup=_trashed),
    Sample("PROPFIND", TRASHBIN + "/{alice}/trash/none.d1", 404),
    Sample("MOVE", TRASHBIN + "/{alice}/trash/{item}", 201, setup=_trashed, headers=RESTORE),
    Sample("MOVE", TRASHBIN + "/{alice}/trash/{item}", 400, setup=_trashed, note="no Destination"),
    Sample("MOVE", TRASHBIN + "/{alice}/trash/none.d1", 404, headers={"Destination": TRASHBIN + "/{alice}/restore/x"}),
    Sample(
        "MOVE", TRASHBIN + "/{alice}/trash/{item}", 403, setup=_trashed, headers=ELSEWHERE, note="not into restore/"
    ),
    Sample("DELETE", TRASHBIN + "/{alice}/trash/{item}", 204, setup=_trashed),
    Sample("DELETE", TRASHBIN + "/{alice}/trash/none.d1", 404),
    Sample("DELETE", TRASHBIN + "/{alice}/trash", 204, setup=_trashed),
    Sample("DELETE", TRASHBIN + "/{alice}/trash", 403, user="bob", note="another user's trash bin"),
]
