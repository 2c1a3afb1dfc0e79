"""MCP tools for the trash bin (files_trashbin, over WebDAV): list, restore, delete for good, empty.

Names and arguments follow the PyPI `nextcloud-mcp-server` where it has the tool
(`nc_webdav_list_trash`, `nc_webdav_restore_from_trash` with `entry_id`); deleting one entry for
good and emptying the trash are `nc_trash_*`. An entry's id is its name in the trash bin
('report.pdf.d1767225600'), from the list.

The requirement names a `capability`: files_trashbin announces itself as `files.undelete` in the
files app's capabilities (apps/files_trashbin/lib/Capabilities.php), not as an entry of its own.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Self

from pydantic import BaseModel, Field

from nextcloud_mcp_server.registry import Requirement, Toolset
from nextcloud_mcp_server.tools._base import CREATE, DELETE, READ, Limit, Offset, Paged, invalid
from nextcloud_mcp_server.tools.declare import Nextcloud, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.trashbin import TrashItem

TOOLSET = Toolset(
    "trash",
    "Deleted files",
    "The trash bin: list deleted files and folders, restore them, delete them for good, empty it.",
    default=False,
    requires=Requirement("files_trashbin", "Deleted files", capability="files.undelete"),
)

EntryId = Annotated[str, Field(description="From nc_webdav_list_trash.")]


class TrashEntry(BaseModel):
    """A deleted file or folder."""

    id: str = Field(description="The entry_id of the other trash tools.")
    name: str = Field(description="Its name before it was deleted.")
    original_location: str = Field(description="Where it was, relative to the files root.")
    deleted_at: str | None = Field(description="When it was deleted, ISO 8601.")
    is_directory: bool
    size: int | None = Field(description="Bytes (a folder's: of everything inside).")
    content_type: str | None
    file_id: int | None = Field(description="Nextcloud's file id (kept when restored).")

    @classmethod
    def of(cls, item: TrashItem) -> Self:
        when = datetime.fromtimestamp(item.deleted_at, UTC).isoformat() if item.deleted_at is not None else None
        return cls(
            id=item.id,
            name=item.name,
            original_location=item.original_location,
            deleted_at=when,
            is_directory=item.is_dir,
            size=item.size,
            content_type=item.content_type,
            file_id=item.file_id,
        )


class RestoredEntry(BaseModel):
    entry_id: str = Field(description="The entry restored.")
    original_location: str = Field(description="Where it was when deleted.")
    path: str | None = Field(description="Where it is now: its old place, or a '(restored)' name beside it.")


class DeletedEntry(BaseModel):
    entry_id: str | None = Field(description="The entry deleted for good; null when the whole trash was emptied.")
    deleted: bool = Field(description="True when Nextcloud confirmed it.")


def _entry(value: str) -> str:
    entry = value.strip()
    if not entry or "/" in entry or entry in (".", ".."):
        raise invalid("entry_id", f"{value!r} is not a trash entry; use an id from nc_webdav_list_trash")
    return entry


@tool(TOOLSET, READ, title="List trash")
async def nc_webdav_list_trash(nc: Nextcloud, limit: Limit = 50, offset: Offset = 0) -> Paged[TrashEntry]:
    """List the deleted files and folders in your trash bin, most recent first."""
    from nextcloud_mcp_server.nextcloud.trashbin import TrashbinAPI

    items = await nc.api(TrashbinAPI).items()
    return Paged[TrashEntry].of([TrashEntry.of(i) for i in items], offset, limit)


@tool(TOOLSET, CREATE, title="Restore from trash")
async def nc_webdav_restore_from_trash(nc: Nextcloud, entry_id: EntryId) -> RestoredEntry:
    """Restore a deleted file or folder to where it was."""
    from nextcloud_mcp_server.nextcloud.trashbin import TrashbinAPI

    restored = await nc.api(TrashbinAPI).restore(_entry(entry_id))
    return RestoredEntry(
        entry_id=restored.item.id, original_location=restored.item.original_location, path=restored.path
    )


@tool(TOOLSET, DELETE, title="Delete from trash")
async def nc_trash_delete(nc: Nextcloud, entry_id: EntryId) -> DeletedEntry:
    """Delete a trash entry for good; it cannot be restored afterwards."""
    from nextcloud_mcp_server.nextcloud.trashbin import TrashbinAPI

    entry = _entry(entry_id)
    await nc.api(TrashbinAPI).delete(entry)
    return DeletedEntry(entry_id=entry, deleted=True)


@tool(TOOLSET, DELETE, title="Empty trash")
async def nc_trash_empty(nc: Nextcloud) -> DeletedEntry:
    """Delete everything in your trash bin for good."""
    from nextcloud_mcp_server.nextcloud.trashbin import TrashbinAPI

    await nc.api(TrashbinAPI).empty()
    return DeletedEntry(entry_id=None, deleted=True)
