"""Files: WsgiDAV serving each user's folder at /remote.php/dav/files/<user>/, with a front
that makes it answer as Nextcloud (Sabre) does.

WsgiDAV is a real WebDAV server; what Nextcloud does differently is emulated here:
  - a PROPFIND without Depth means Depth 1 (RFC 4918 says infinity); Nextcloud's Sabre
    server enables Depth infinity (`allow_depth_infinity`; when off, Sabre clamps to 1);
  - Nextcloud's properties (oc:fileid, oc:id, oc:permissions, oc:size, nc:has-preview,
    oc:favorite (PROPPATCH-able, persisted), oc:owner-id, oc:owner-display-name) and a
    quoted d:getetag that changes on every write, folders' etags change with their content;
  - SEARCH (basicsearch) and the favorites REPORT (oc:filter-files), see files_search.py;
  - If-Match / If-None-Match -> 412; Overwrite: F onto an existing target -> 412; MKCOL or
    PUT under a missing parent -> 409; PUT over quota -> 507; files_lock locks -> 423;
  - PUT answers carry ETag, OC-ETag and OC-FileId; every error has Sabre's XML body;
  - another user's tree is an empty collection (apps/dav/lib/Files/RootCollection.php).
Bodies stream through in both directions (a2wsgi + WsgiDAV's block copies).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import mimetypes
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit
from xml.sax.saxutils import escape

from tests.standin.core import Receive, Scope, Send, User, header, read_body, send_response

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.standin.core import StandIn

FILES_PREFIX = "/remote.php/dav/files"
INSTANCE_ID = "ocstandin01"
OC = "http://owncloud.org/ns"
NC = "http://nextcloud.org/ns"
FAVORITE = f"{{{OC}}}favorite"
WRITE_METHODS = {"PUT", "DELETE", "MOVE", "COPY", "MKCOL", "PROPPATCH"}

_SABRE_EXCEPTIONS = {
    400: "Sabre\\DAV\\Exception\\BadRequest",
    403: "Sabre\\DAV\\Exception\\Forbidden",
    404: "Sabre\\DAV\\Exception\\NotFound",
    405: "Sabre\\DAV\\Exception\\MethodNotAllowed",
    409: "Sabre\\DAV\\Exception\\Conflict",
    412: "Sabre\\DAV\\Exception\\PreconditionFailed",
    415: "Sabre\\DAV\\Exception\\UnsupportedMediaType",
    423: "Sabre\\DAV\\Exception\\Locked",
    501: "Sabre\\DAV\\Exception\\NotImplemented",
    507: "Sabre\\DAV\\Exception\\InsufficientStorage",
}
_MIME_EXTRA = {
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
}

_mtime_lock = threading.Lock()
_last_mtime_ns = 0


def sabre_body(status: int, message: str, exception: str | None = None) -> bytes:
    """The XML error body Nextcloud's Sabre server sends."""
    exc = exception or _SABRE_EXCEPTIONS.get(status, "Sabre\\DAV\\Exception")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">\n'
        f"  <s:exception>{escape(exc)}</s:exception>\n  <s:message>{escape(message)}</s:message>\n</d:error>\n"
    ).encode()


async def sabre_error(send: Send, status: int, message: str, exception: str | None = None) -> None:
    await send_response(send, status, sabre_body(status, message, exception), [("Content-Type", XML)])


XML = "application/xml; charset=utf-8"


def next_mtime_ns() -> int:
    """A strictly increasing timestamp, so two writes in one clock tick still change the etag."""
    global _last_mtime_ns
    with _mtime_lock:
        _last_mtime_ns = max(time.time_ns(), _last_mtime_ns + 1000)
        return _last_mtime_ns


def mime_type(path: Path) -> str:
    ext = path.suffix.lower()
    if ext in _MIME_EXTRA:
        return _MIME_EXTRA[ext]
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def file_etag(fp: Path) -> str:
    """Unquoted etag: changes when content, size or identity change; a folder's when anything below changes."""
    st = fp.stat()
    if fp.is_dir():
        newest, total, count = st.st_mtime_ns, 0, 0
        for dirpath, dirs, files in os.walk(fp):
            for name in (*dirs, *files):
                with contextlib.suppress(OSError):
                    sub = os.stat(os.path.join(dirpath, name))
                    newest = max(newest, sub.st_mtime_ns)
                    total += sub.st_size if name in files else 0
                    count += 1
        seed = f"d:{st.st_ino}:{newest}:{total}:{count}"
    else:
        seed = f"f:{st.st_ino}:{st.st_mtime_ns}:{st.st_size}"
    return hashlib.md5(seed.encode()).hexdigest()[:16]  # noqa: S324 - an etag, not security


def tree_size(fp: Path) -> int:
    if not fp.is_dir():
        return fp.stat().st_size
    total = 0
    for dirpath, _dirs, files in os.walk(fp):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.path.getsize(os.path.join(dirpath, name))
    return total


def http_date(ts: float) -> str:
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(ts))


class FilesService:
    """The files part of the stand-in (see the module docstring)."""

    def __init__(self, standin: StandIn) -> None:
        from a2wsgi import WSGIMiddleware

        from tests.standin.files_dav import NcDavApp

        self.standin = standin
        self.allow_depth_infinity = True
        self.meta_dir = standin.data_dir / "files-meta"
        self.meta_dir.mkdir(parents=True, exist_ok=True)
        self._meta_lock = threading.Lock()
        self.file_locks: dict[tuple[str, str], str] = {}
        self.mounts: list[Callable[[str], dict[str, tuple[Path, int]]]] = []
        """What other apps show at the root of a user's files (files_sharing: the shares they accepted):
        each gives, for a user id, {name: (the item where it really is, its permission bits)}."""
        config = {
            "mount_path": FILES_PREFIX,
            "provider_mapping": {},
            "http_authenticator": {"domain_controller": None, "accept_basic": False, "accept_digest": False},
            "simple_dc": {"user_mapping": {"*": True}},
            "verbose": 0,
            "logging": {"enable": False},
            "dir_browser": {"enable": False},
            "lock_storage": True,
            "property_manager": None,
            "block_size": 64 * 1024,
        }
        self.dav = NcDavApp(config)
        self.asgi = WSGIMiddleware(self.dav, workers=16, send_queue_size=8)

    # -- state -----------------------------------------------------------------------
    def provision(self, user: User) -> None:
        from tests.standin.files_dav import NcProvider

        root = self.standin.files_root(user)
        self.dav.add_provider(f"/{user.id}", NcProvider(str(root), self, user))

    def root_of(self, user: User) -> Path:
        return self.standin.files_root(user)

    def _meta_file(self, user_id: str) -> Path:
        return self.meta_dir / f"{user_id}.json"

    def favorites(self, user_id: str) -> set[int]:
        """File ids the user marked as favorite (Nextcloud tags the file id, so it follows moves)."""
        with self._meta_lock:
            path = self._meta_file(user_id)
            if not path.exists():
                return set()
            return set(json.loads(path.read_text()).get("favorites", []))

    def set_favorite(self, user_id: str, file_id: int, on: bool) -> None:
        with self._meta_lock:
            path = self._meta_file(user_id)
            data = json.loads(path.read_text()) if path.exists() else {}
            favs = set(data.get("favorites", []))
            (favs.add if on else favs.discard)(file_id)
            data["favorites"] = sorted(favs)
            path.write_text(json.dumps(data))

    def lock(self, user_id: str, rel_path: str, owner: str) -> None:
        """A files_lock lock: writes by anyone but `owner` get 423."""
        self.file_locks[(user_id, rel_path.strip("/"))] = owner

    def unlock(self, user_id: str, rel_path: str) -> None:
        self.file_locks.pop((user_id, rel_path.strip("/")), None)

    def mounted(self, user_id: str) -> dict[str, tuple[Path, int]]:
        """The items other apps mount at the root of a user's files (see `mounts`)."""
        found: dict[str, tuple[Path, int]] = {}
        for mounts in self.mounts:
            found.update(mounts(user_id))
        return found

    def locate(self, user: User, rel: str) -> Path:
        """The file behind a user path (already inside the root: names come from unquoted URL segments)."""
        names = [n for n in rel.split("/") if n]
        if any(n in (".", "..") for n in names):
            raise ValueError("dot segment")
        mount = self.mounted(user.id).get(names[0]) if names else None
        if mount is not None:
            return mount[0].joinpath(*names[1:])
        return self.root_of(user).joinpath(*names)

    # -- requests --------------------------------------------------------------------
    async def handle(self, scope: Scope, receive: Receive, send: Send, user: User) -> None:
        path: str = scope["path"]
        method: str = scope["method"]
        if not path.startswith(FILES_PREFIX + "/"):
            if method == "SEARCH":
                from tests.standin.files_search import handle_search

                await handle_search(self, scope, receive, send, user)
                return
            await read_body(receive)
            await sabre_error(send, 404, "File not found")
            return
        rest = path[len(FILES_PREFIX) + 1 :]
        owner_id, _, rel = rest.partition("/")
        if owner_id != user.id:
            await read_body(receive)
            await self._foreign_tree(scope, send, owner_id, rel)
            return
        try:
            fp = self.locate(user, rel)
        except ValueError:
            await read_body(receive)
            await sabre_error(send, 400, "Invalid path")
            return
        if method == "SEARCH":
            from tests.standin.files_search import handle_search

            await handle_search(self, scope, receive, send, user)
            return
        if method == "REPORT":
            from tests.standin.files_search import handle_report

            await handle_report(self, scope, receive, send, user, fp)
            return
        headers = [(k, v) for k, v in scope["headers"] if k not in (b"authorization",)]
        if method == "PROPFIND":
            depth = (header(scope, "depth") or "").strip().lower()
            if depth == "":
                headers.append((b"depth", b"1"))
            elif depth == "infinity" and not self.allow_depth_infinity:
                headers = [(k, v) for k, v in headers if k != b"depth"] + [(b"depth", b"1")]
        if method in WRITE_METHODS:
            refusal = self._refuse_write(scope, user, rel, fp)
            if refusal is not None:
                await read_body(receive)
                await sabre_error(send, *refusal)
                return
            headers = [(k, v) for k, v in headers if k not in (b"if-match", b"if-none-match")]
        inner = dict(scope, headers=headers, root_path=FILES_PREFIX)
        existed = fp.exists()

        async def reporting(message: dict[str, Any]) -> None:
            # Nextcloud fires the event before it answers, so the report goes out before the response.
            if message["type"] == "http.response.start" and 200 <= message["status"] < 300:
                from tests.standin.apps.webhook_listeners import report_dav_change

                report_dav_change(self, scope, user, method, fp, existed)
            await send(message)

        if existed and method in ("DELETE", "PUT"):  # the trash bin, versions and reminders first
            from tests.standin.file_events import before_write

            if before_write(self, method, user, fp):  # moved into the trash bin: Sabre's 204
                await read_body(receive)
                await send_response(reporting, 204)
                return
        await self.asgi(inner, receive, self._sabre_send(reporting, method, fp))

    def _refuse_write(self, scope: Scope, user: User, rel: str, fp: Path) -> tuple[int, str, str | None] | None:
        """Nextcloud's answer to a write it refuses, checked before WsgiDAV sees the request."""
        method = scope["method"]
        name = fp.name or user.id
        exists = fp.exists()
        for target in (rel, *self._destination_rels(scope, user)):
            owner = self.file_locks.get((user.id, target.strip("/")))
            if owner is not None and owner != user.id:
                return 423, f'"{Path(target).name}" is locked', "OCA\\DAV\\Connector\\Sabre\\Exception\\FileLocked"
            names = [n for n in target.split("/") if n]
            mount = self.mounted(user.id).get(names[0]) if names else None
            whole = len(names) == 1 and (method in ("DELETE", "MOVE") or target != rel)
            if mount is not None and (whole or not mount[1] & (2 | 4 | 8)):
                # a read-only share, or the share itself moved or deleted (Nextcloud would rename or unshare it)
                return 403, "Permission denied", None
        if_match = header(scope, "if-match")
        if if_match is not None:
            if not exists:
                return 412, "An If-Match header was specified and the resource did not exist", None
            tokens = [t.strip() for t in if_match.split(",")]
            if "*" not in tokens and f'"{file_etag(fp)}"' not in tokens:
                return 412, "An If-Match header was specified, but none of the specified ETags matched.", None
        if_none = header(scope, "if-none-match")
        if if_none is not None and exists:
            tokens = [t.strip() for t in if_none.split(",")]
            if "*" in tokens or f'"{file_etag(fp)}"' in tokens:
                return 412, "An If-None-Match header was specified, but the ETag matched (or * was specified).", None
        if method == "MKCOL":
            if exists:
                return 405, "The resource you tried to create already exists", None
            if not fp.parent.is_dir():
                return 409, "Parent node does not exist", None
        if method == "PUT":
            if fp.is_dir():
                return 405, f"Cannot PUT to a collection: {name}", None
            if not fp.parent.is_dir():
                return 409, "Files cannot be created in non-existent collections", None
            length = self._upload_length(scope)
            free = self.standin.free_bytes(user)
            if length is not None and free is not None:
                free += fp.stat().st_size if exists else 0
                if length > free:
                    return 507, f"Insufficient space in /{rel}, {length} required, {free} available", None
        if method in ("MOVE", "COPY"):
            if not exists:
                return 404, f"File with name {rel} could not be located", None
            dests = self._destination_rels(scope, user)
            if not dests:
                return 403, "The destination is outside of your files", None
            dest = self.locate(user, dests[0])
            overwrite = (header(scope, "overwrite") or "T").strip().upper()
            if dest.exists() and overwrite == "F":
                return 412, "The destination node already exists, and the overwrite header is set to false", None
            if not dest.parent.is_dir():
                return 409, "The destination node is not found", None
            if method == "COPY" and user.quota is not None:
                free = self.standin.free_bytes(user) or 0
                if tree_size(fp) > free:
                    return 507, f"Insufficient space in /{dests[0]}", None
        if method == "DELETE" and not exists:
            return 404, f"File with name {rel} could not be located", None
        return None

    @staticmethod
    def _upload_length(scope: Scope) -> int | None:
        for name in ("oc-total-length", "x-expected-entity-length", "content-length"):
            value = header(scope, name)
            if value and value.strip().isdigit():
                return int(value)
        return None

    def _destination_rels(self, scope: Scope, user: User) -> list[str]:
        """The Destination as a path in the user's tree ([] when absent or outside it)."""
        dest = header(scope, "destination")
        if not dest:
            return []
        dest_path = unquote(urlsplit(dest).path)
        prefix = f"{FILES_PREFIX}/{user.id}/"
        if not dest_path.startswith(prefix):
            return []
        rel = dest_path[len(prefix) :]
        if any(n in (".", "..") for n in rel.split("/")):
            return []
        return [rel]

    def _sabre_send(self, send: Send, method: str, fp: Path) -> Send:
        """Rewrite WsgiDAV's answers into Nextcloud's: Sabre error bodies, OC-ETag and OC-FileId on PUT."""
        state: dict[str, Any] = {"error": None, "empty": False}

        async def wrapped(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status = message["status"]
                if status >= 400:
                    state["error"] = status
                    return
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                if status == 201 and method != "PROPPATCH":
                    state["empty"] = True  # Sabre answers 201 with no body; WsgiDAV sends an HTML page
                    headers = [(k, v) for k, v in headers if k.lower() not in (b"content-length", b"content-type")]
                    headers.append((b"content-length", b"0"))
                if method == "PUT" and status in (200, 201, 204):
                    etag = next((v for k, v in headers if k.lower() == b"etag"), None)
                    if etag is not None:
                        headers.append((b"oc-etag", etag))
                    with contextlib.suppress(OSError):
                        headers.append((b"oc-fileid", oc_id(os.stat(fp).st_ino).encode()))
                await send({**message, "headers": headers})
                return
            if state["error"] is not None:
                if message.get("more_body"):
                    return
                status = state["error"]
                body = sabre_body(status, _default_message(status, method))
                await send(
                    {
                        "type": "http.response.start",
                        "status": status,
                        "headers": [(b"content-type", XML.encode()), (b"content-length", str(len(body)).encode())],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
            if state["empty"]:
                if not message.get("more_body"):
                    await send({"type": "http.response.body", "body": b""})
                return
            await send(message)

        return wrapped

    async def _foreign_tree(self, scope: Scope, send: Send, owner_id: str, rel: str) -> None:
        """Another user's files: Nextcloud shows an empty collection, and nothing inside it."""
        if owner_id not in self.standin.users:
            await sabre_error(send, 404, f"Principal with name {owner_id} not found")
            return
        name = rel.strip("/")
        if name and "/" not in name and scope["method"] in ("PUT", "MKCOL"):
            await sabre_error(send, 403, f"Permission denied to create file (filename {name})")
            return
        if name:
            await sabre_error(send, 404, f"File with name {name} could not be located")
            return
        if scope["method"] != "PROPFIND":
            await sabre_error(send, 403, "Permission denied to create file")
            return
        href = f"{FILES_PREFIX}/{quote(owner_id)}/"
        body = (
            f'<?xml version="1.0"?>\n<d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">'
            f"<d:response><d:href>{href}</d:href><d:propstat><d:prop><d:resourcetype><d:collection/>"
            "</d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
            "</d:multistatus>"
        ).encode()
        await send_response(send, 207, body, [("Content-Type", XML)])


def oc_id(file_id: int) -> str:
    """Nextcloud's oc:id / OC-FileId: the zero-padded file id followed by the instance id."""
    return f"{file_id:08d}{INSTANCE_ID}"


def _default_message(status: int, method: str) -> str:
    return {
        400: "Bad request",
        403: "Permission denied",
        404: "File not found",
        405: f"{method} is not allowed on this resource",
        409: "Conflict with the current state of the resource",
        412: "Precondition failed",
        423: "The resource you are trying to access is locked",
        507: "Insufficient storage",
    }.get(status, "Request failed")
