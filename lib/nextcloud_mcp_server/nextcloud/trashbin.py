"""The trash bin over WebDAV (`/remote.php/dav/trashbin/<user>/trash`): list, restore, delete, empty.

nextcloud/documentation developer_manual/client_apis/WebDAV/trashbin.rst: a PROPFIND lists the
entries with nc:trashbin-filename, nc:trashbin-original-location and nc:trashbin-deletion-time;
restoring is a MOVE of the entry into `.../trashbin/<user>/restore/`, which puts it back where it
was (or, when that name is taken, beside it as 'name (restored).ext'); a DELETE of an entry
removes it for good, a DELETE of the trash folder empties it. An entry is named by its original
name, '.d' and the deletion time ('report.pdf.d1767225600'): that name is its id here.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nextcloud_mcp_server.nextcloud import paths
from nextcloud_mcp_server.nextcloud.dav import DAV, NC, OC, DavResponse, parse_multistatus, propfind_body
from nextcloud_mcp_server.nextcloud.errors import NotFound, not_found

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

TRASH_PROPS = [
    (NC, "trashbin-filename"),
    (NC, "trashbin-original-location"),
    (NC, "trashbin-deletion-time"),
    (NC, "trashbin-deleted-by-id"),
    (OC, "fileid"),
    (OC, "size"),
    (DAV, "getcontentlength"),
    (DAV, "getcontenttype"),
    (DAV, "resourcetype"),
]


@dataclass(frozen=True)
class TrashItem:
    """One deleted file or folder in the trash bin."""

    id: str
    """The entry's name in the trash bin ('<name>.d<deletion time>')."""
    name: str
    original_location: str
    """Where it was, relative to the files root ('Documents/report.pdf')."""
    deleted_at: int | None
    """Unix time of the deletion."""
    is_dir: bool
    size: int | None
    content_type: str | None
    file_id: int | None
    deleted_by: str | None


@dataclass(frozen=True)
class Restored:
    """A restored entry and where it is now (None: not found there afterwards)."""

    item: TrashItem
    path: str | None


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


class TrashbinAPI:
    """The caller's trash bin."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client
        user = paths.encode([client.user])
        self._trash = f"/remote.php/dav/trashbin/{user}/trash"
        self._restore = f"/remote.php/dav/trashbin/{user}/restore"

    def _entry(self, item_id: str) -> str:
        return f"{self._trash}/{paths.encode([item_id])}"

    def _item(self, response: DavResponse) -> TrashItem | None:
        href = paths.relative_to_root(response.href, self._trash + "/")
        if not href or "/" in href:  # the trash folder itself, or something below an entry
            return None
        name = response.text(NC, "trashbin-filename") or href.rsplit(".d", 1)[0]
        size = _int(response.text(OC, "size"))
        return TrashItem(
            id=href,
            name=name,
            original_location=(response.text(NC, "trashbin-original-location") or name).lstrip("/"),
            deleted_at=_int(response.text(NC, "trashbin-deletion-time")),
            is_dir=response.is_collection,
            size=size if size is not None else _int(response.text(DAV, "getcontentlength")),
            content_type=None if response.is_collection else response.text(DAV, "getcontenttype") or None,
            file_id=_int(response.text(OC, "fileid")),
            deleted_by=response.text(NC, "trashbin-deleted-by-id") or None,
        )

    async def items(self) -> builtins.list[TrashItem]:
        """Everything in the trash bin, most recently deleted first."""
        response = await self._client.request(
            "PROPFIND",
            self._trash + "/",
            headers={"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
            content=propfind_body(TRASH_PROPS),
        )
        found = [item for entry in parse_multistatus(response.content) if (item := self._item(entry)) is not None]
        return sorted(found, key=lambda i: (-(i.deleted_at or 0), i.id))

    async def restore(self, item_id: str) -> Restored:
        """Put an entry back where it was deleted from; the entry, and where it is now."""
        item = next((i for i in await self.items() if i.id == item_id), None)
        if item is None:
            raise not_found(f"trash entry '{item_id}'")
        destination = self._client.url(f"{self._restore}/{paths.encode([item_id])}")
        await self._call("MOVE", item_id, headers={"Destination": destination, "Overwrite": "F"})
        return Restored(item, await self._where(item))

    async def _where(self, item: TrashItem) -> str | None:
        """Where a restored entry went: its old folder (under its name, or 'name (restored).ext' when
        that was taken) or, when that folder is gone, the root. Found by its file id, which it keeps."""
        if item.file_id is None:
            return None
        folder = item.original_location.rpartition("/")[0]
        files = f"/remote.php/dav/files/{paths.encode([self._client.user])}/"
        for candidate in dict.fromkeys([folder, ""]):
            response = await self._client.request(
                "PROPFIND",
                paths.join_url(files, candidate, collection=True),
                headers={"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
                content=propfind_body([(OC, "fileid")]),
                ok=(404,),
            )
            if response.status_code == 404:
                continue
            for entry in parse_multistatus(response.content):
                if _int(entry.text(OC, "fileid")) == item.file_id:
                    return paths.relative_to_root(entry.href, files)
        return None

    async def delete(self, item_id: str) -> None:
        """Delete an entry for good."""
        await self._call("DELETE", item_id)

    async def empty(self) -> None:
        """Delete everything in the trash bin for good."""
        await self._client.request("DELETE", self._trash)

    async def _call(self, method: str, item_id: str, headers: dict[str, str] | None = None) -> None:
        try:
            await self._client.request(method, self._entry(item_id), headers=headers)
        except NotFound as exc:
            exc.subject = f"trash entry '{item_id}'"
            raise
