"""Nextcloud files over WebDAV: PROPFIND with Nextcloud's properties, streaming GET and PUT,
MKCOL, MOVE/COPY, DELETE, SEARCH (basicsearch) and favorites.

Why typed: tools receive `FileInfo` objects with the file id and etag, never XML. Paths are
relative to the user's files root and always built with `paths.join_url`, so nothing a
caller types can leave /remote.php/dav/files/<user>/.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote
from xml.etree.ElementTree import Element

from nextcloud_mcp_server.nextcloud import paths
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.nextcloud.dav import DAV, NC, OC, DavResponse, element, parse_multistatus, serialize
from nextcloud_mcp_server.nextcloud.errors import (
    BadResponse,
    DestinationExists,
    FileTooLarge,
    NotFound,
    PreconditionFailed,
)

Progress = Callable[[int, int | None], Awaitable[None]]
"""Called with (bytes done, bytes total or None) while a transfer runs."""

FILE_PROPS: list[tuple[str, str]] = [
    (DAV, "displayname"),
    (DAV, "getetag"),
    (DAV, "getlastmodified"),
    (DAV, "getcontenttype"),
    (DAV, "getcontentlength"),
    (DAV, "resourcetype"),
    (OC, "fileid"),
    (OC, "size"),
    (OC, "permissions"),
    (OC, "favorite"),
]
CHUNK = 64 * 1024


TEXT_TYPES = ("application/json", "application/xml", "application/javascript", "application/yaml", "application/x-sh")


def is_text(content_type: str | None, data: bytes) -> bool:
    """Whether a file's bytes are text to show as text: a textual type and valid UTF-8."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    if not (ctype.startswith("text/") or ctype in TEXT_TYPES or ctype.endswith(("+json", "+xml"))):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@dataclass(frozen=True)
class FileInfo:
    """One file or folder as Nextcloud describes it."""

    path: str
    name: str
    is_dir: bool
    size: int | None
    etag: str | None
    content_type: str | None
    last_modified: datetime | None
    file_id: int | None
    permissions: str | None
    favorite: bool


@dataclass(frozen=True)
class WriteResult:
    """What a PUT reports: the new version's etag and the file id."""

    path: str
    etag: str | None
    file_id: int | None
    created: bool


def quote_etag(etag: str) -> str:
    """An etag as an HTTP entity tag ('"abc"'); callers may pass it with or without quotes."""
    etag = etag.strip()
    if etag.startswith(('"', "W/")):
        return etag
    return f'"{etag}"'


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text not in (None, "") else None
    except ValueError:
        return None


def _file_id(header: str | None) -> int | None:
    """OC-FileId is the zero-padded id followed by the instance id."""
    if not header:
        return None
    digits = ""
    for ch in header:
        if not ch.isdigit():
            break
        digits += ch
    return int(digits) if digits else None


class WebDAV:
    """The user's files under /remote.php/dav/files/<user>/."""

    def __init__(self, client: NextcloudClient) -> None:
        self.client = client
        self.root = f"/remote.php/dav/files/{quote(client.user, safe='')}/"

    def _url(self, path: str, *, collection: bool = False, allow_root: bool = True) -> str:
        return paths.join_url(self.root, path, collection=collection, allow_root=allow_root)

    def _info(self, item: DavResponse) -> FileInfo | None:
        rel = paths.relative_to_root(item.href, self.root)
        if rel is None:
            return None
        is_dir = item.is_collection
        size = _int(item.text(OC, "size"))
        if size is None:
            size = _int(item.text(DAV, "getcontentlength"))
        modified = item.text(DAV, "getlastmodified")
        try:
            last_modified = parsedate_to_datetime(modified) if modified else None
        except (TypeError, ValueError):
            last_modified = None
        ctype = item.text(DAV, "getcontenttype") or None
        return FileInfo(
            path=rel,
            name=rel.rsplit("/", 1)[-1] if rel else "",
            is_dir=is_dir,
            size=size,
            etag=item.text(DAV, "getetag") or None,
            content_type=None if is_dir and ctype == "httpd/unix-directory" else ctype,
            last_modified=last_modified,
            file_id=_int(item.text(OC, "fileid")),
            permissions=item.text(OC, "permissions"),
            favorite=(item.text(OC, "favorite") or "0") in ("1", "true"),
        )

    def _infos(self, body: bytes) -> list[FileInfo]:
        return [info for item in parse_multistatus(body) if (info := self._info(item)) is not None]

    async def _propfind(self, path: str, depth: str) -> list[FileInfo]:
        from nextcloud_mcp_server.nextcloud.dav import propfind_body

        response = await self.client.request(
            "PROPFIND",
            self._url(path),
            headers={"Depth": depth, "Content-Type": "application/xml; charset=utf-8"},
            content=propfind_body(FILE_PROPS),
        )
        return self._infos(response.content)

    async def listing(self, path: str = "") -> tuple[FileInfo, list[FileInfo]]:
        """The folder (or file) itself and its direct children, sorted folders first, then by name."""
        target = paths.normalize(path)
        infos = await self._propfind(target, "1")
        self_info = next((i for i in infos if i.path == target), None)
        if self_info is None:
            raise BadResponse(f"the listing of '{target}' does not include the folder itself")
        children = [i for i in infos if i.path != target]
        children.sort(key=lambda i: (not i.is_dir, i.name.casefold(), i.name))
        return self_info, children

    async def list(self, path: str = "", depth: int = 1) -> list[FileInfo]:
        """Direct children of a folder (depth 1), or the whole subtree (depth -1: infinity)."""
        if depth == 1:
            return (await self.listing(path))[1]
        target = paths.normalize(path)
        infos = await self._propfind(target, "infinity" if depth < 0 else str(depth))
        return [i for i in infos if i.path != target]

    async def stat(self, path: str) -> FileInfo:
        """One file or folder (PROPFIND Depth 0)."""
        target = paths.normalize(path)
        infos = await self._propfind(target, "0")
        if not infos:
            raise BadResponse(f"no properties returned for '{target}'")
        return infos[0]

    async def file_id(self, path: str) -> int:
        """Nextcloud's id of a file or folder (what the tags and comments APIs address it by)."""
        info = await self.stat(path)
        if info.file_id is None:
            raise BadResponse(f"no oc:fileid returned for '{info.path}'")
        return info.file_id

    async def iter_bytes(self, path: str, *, progress: Progress | None = None) -> AsyncIterator[bytes]:
        """Stream a file's content in chunks, without holding it in memory."""
        async with self.client.stream("GET", self._url(path, allow_root=False)) as response:
            total = _int(response.headers.get("Content-Length"))
            done = 0
            if progress is not None:
                await progress(0, total)
            async for chunk in response.aiter_bytes(CHUNK):
                done += len(chunk)
                yield chunk
            if progress is not None:
                await progress(done, total)

    async def download_to(self, path: str, dest: Path, *, progress: Progress | None = None) -> int:
        """Write a file to `dest` chunk by chunk; return the number of bytes."""
        import anyio

        size = 0
        async with await anyio.open_file(dest, "wb") as out:
            async for chunk in self.iter_bytes(path, progress=progress):
                await out.write(chunk)
                size += len(chunk)
        return size

    async def read(
        self, path: str, max_bytes: int, *, info: FileInfo | None = None, progress: Progress | None = None
    ) -> tuple[bytes, FileInfo]:
        """The whole content of a file no larger than `max_bytes` (checked before downloading)."""
        info = info or await self.stat(path)
        if info.size is not None and info.size > max_bytes:
            raise FileTooLarge(info.path, info.size, max_bytes)
        chunks: list[bytes] = []
        got = 0
        async for chunk in self.iter_bytes(path, progress=progress):
            got += len(chunk)
            if got > max_bytes:
                raise FileTooLarge(info.path, got, max_bytes)
            chunks.append(chunk)
        return b"".join(chunks), info

    async def upload(
        self,
        path: str,
        content: bytes | AsyncIterable[bytes],
        *,
        etag: str | None = None,
        content_type: str | None = None,
        content_length: int | None = None,
    ) -> WriteResult:
        """PUT a file (streamed when `content` is an async iterable). With `etag`, only if unchanged (If-Match).

        A 412 is raised as PreconditionFailed carrying the file's current etag.
        """
        url = self._url(path, allow_root=False)
        headers: dict[str, str] = {}
        if etag:
            headers["If-Match"] = quote_etag(etag)
        if content_type:
            headers["Content-Type"] = content_type
        if isinstance(content, bytes):
            headers["OC-Total-Length"] = str(len(content))
        elif content_length is not None:
            headers["Content-Length"] = headers["OC-Total-Length"] = str(content_length)
        try:
            if isinstance(content, bytes):
                response = await self.client.request("PUT", url, headers=headers, content=content)
            else:
                async with self.client.stream("PUT", url, headers=headers, content=content) as streamed:
                    await streamed.aread()
                    response = streamed
        except PreconditionFailed as exc:
            raise await self._with_current_etag(exc, path) from None
        return WriteResult(
            path=paths.normalize(path),
            etag=response.headers.get("OC-ETag") or response.headers.get("ETag"),
            file_id=_file_id(response.headers.get("OC-FileId")),
            created=response.status_code == 201,
        )

    async def _with_current_etag(self, exc: PreconditionFailed, path: str) -> PreconditionFailed:
        """Nextcloud's 412 does not say the current version; look it up so the caller can merge."""
        try:
            current = await self.stat(path)
        except NotFound:
            return PreconditionFailed(exc.detail or "the file no longer exists", current_etag=None)
        return PreconditionFailed(exc.detail, current_etag=current.etag, current=current)

    async def mkcol(self, path: str) -> None:
        """Create a folder; its parent must exist (409 otherwise), and it must not (405)."""
        await self.client.request("MKCOL", self._url(path, collection=True, allow_root=False))

    async def delete(self, path: str, *, etag: str | None = None) -> None:
        """Delete a file or a folder with everything in it (Nextcloud keeps it in the trash bin)."""
        headers = {"If-Match": quote_etag(etag)} if etag else None
        try:
            await self.client.request("DELETE", self._url(path, allow_root=False), headers=headers)
        except PreconditionFailed as exc:
            raise await self._with_current_etag(exc, path) from None

    async def move(self, src: str, dst: str, *, overwrite: bool = False, etag: str | None = None) -> None:
        """Move or rename; with overwrite False an existing target is refused (412)."""
        await self._transfer("MOVE", src, dst, overwrite=overwrite, etag=etag)

    async def copy(self, src: str, dst: str, *, overwrite: bool = False) -> None:
        """Copy a file or folder; with overwrite False an existing target is refused (412)."""
        await self._transfer("COPY", src, dst, overwrite=overwrite, etag=None)

    async def _transfer(self, method: str, src: str, dst: str, *, overwrite: bool, etag: str | None) -> None:
        """MOVE or COPY; without `overwrite` Nextcloud refuses a taken destination with 412 (DestinationExists).

        Asking Nextcloud (instead of looking first) leaves no gap between the look and the move.
        """
        headers = {
            "Destination": self.client.url(self._url(dst, allow_root=False)),
            "Overwrite": "T" if overwrite else "F",
        }
        if etag:
            headers["If-Match"] = quote_etag(etag)
        try:
            await self.client.request(method, self._url(src, allow_root=False), headers=headers)
        except PreconditionFailed as exc:
            if overwrite or etag:  # with If-Match a 412 means the source changed: that error stands
                raise
            raise DestinationExists(dst, exc.detail) from None

    async def search(
        self,
        scope: str = "",
        *,
        name_like: str | None = None,
        type_like: str | None = None,
        favorites_only: bool = False,
        limit: int | None = None,
    ) -> builtins.list[FileInfo]:
        """SEARCH (basicsearch) below `scope`: conditions are ANDed; `%` and `_` are wildcards."""
        scope_names = paths.split_user_path(scope)
        body = search_body(
            f"/files/{self.client.user}/" + "/".join(scope_names),
            name_like=name_like,
            type_like=type_like,
            favorites_only=favorites_only,
            limit=limit,
        )
        response = await self.client.request(
            "SEARCH", "/remote.php/dav/", headers={"Content-Type": "text/xml; charset=utf-8"}, content=body
        )
        return self._infos(response.content)

    async def favorites(self, scope: str = "") -> builtins.list[FileInfo]:
        """Files and folders marked as favorite below `scope` (the oc:filter-files REPORT)."""
        return await self.filter_files([(OC, "favorite", "1")], scope)

    async def filter_files(
        self, rules: builtins.list[tuple[str, str, str]], scope: str = ""
    ) -> builtins.list[FileInfo]:
        """The oc:filter-files REPORT: what matches every rule, given as (namespace, name, value) such as
        (OC, "favorite", "1") or (OC, "systemtag", "<tag id>")."""
        root = element(OC, "filter-files")
        prop = element(DAV, "prop", root)
        for namespace, local in FILE_PROPS:
            element(namespace, local, prop)
        where = element(OC, "filter-rules", root)
        for namespace, local, value in rules:
            element(namespace, local, where, value)
        response = await self.client.request(
            "REPORT",
            self._url(scope, collection=True),
            headers={"Content-Type": "application/xml; charset=utf-8", "Depth": "infinity"},
            content=serialize(root),
        )
        return self._infos(response.content)

    async def set_favorite(self, path: str, favorite: bool) -> None:
        """Mark or unmark a file or folder as favorite (PROPPATCH oc:favorite)."""
        root = element(DAV, "propertyupdate")
        prop = element(DAV, "prop", element(DAV, "set", root))
        element(OC, "favorite", prop, "1" if favorite else "0")
        await self.client.request(
            "PROPPATCH",
            self._url(path, allow_root=False),
            headers={"Content-Type": "application/xml; charset=utf-8"},
            content=serialize(root),
        )


def search_body(
    href: str,
    *,
    name_like: str | None,
    type_like: str | None,
    favorites_only: bool,
    limit: int | None,
) -> bytes:
    """A basicsearch request body (search.rst); literals are XML-escaped by ElementTree."""
    root = element(DAV, "searchrequest")
    basic = element(DAV, "basicsearch", root)
    prop = element(DAV, "prop", element(DAV, "select", basic))
    for namespace, local in FILE_PROPS:
        element(namespace, local, prop)
    scope = element(DAV, "scope", element(DAV, "from", basic))
    element(DAV, "href", scope, href)
    element(DAV, "depth", scope, "infinity")
    conditions: list[Element] = []
    if name_like:
        conditions.append(_compare("like", (DAV, "displayname"), name_like))
    if type_like:
        conditions.append(_compare("like", (DAV, "getcontenttype"), type_like))
    if favorites_only:
        conditions.append(_compare("eq", (OC, "favorite"), "1"))
    if not conditions:  # everything: some servers refuse an empty DAV:where
        conditions.append(_compare("like", (DAV, "displayname"), "%"))
    where = element(DAV, "where", basic)
    if len(conditions) == 1:
        where.append(conditions[0])
    else:
        both = element(DAV, "and", where)
        both.extend(conditions)
    order = element(DAV, "order", element(DAV, "orderby", basic))
    element(DAV, "displayname", element(DAV, "prop", order))
    element(DAV, "ascending", order)
    if limit is not None:
        element(DAV, "nresults", element(DAV, "limit", basic), str(limit))
    return serialize(root)


def _compare(op: str, prop: tuple[str, str], literal: str) -> Element:
    cond = element(DAV, op)
    element(prop[0], prop[1], element(DAV, "prop", cond))
    element(DAV, "literal", cond, literal)
    return cond


__all__ = ["NC", "FileInfo", "FileTooLarge", "WebDAV", "WriteResult", "quote_etag", "search_body"]
