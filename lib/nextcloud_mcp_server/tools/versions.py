"""MCP tools for file versions (files_versions, over WebDAV): list a file's versions, restore one.

Names and arguments follow the PyPI `nextcloud-mcp-server` (`nc_webdav_list_versions` with
`path`, `nc_webdav_restore_version` with `path` and `version_id`). A version's id is its
timestamp; the list marks the current content. Restoring keeps the content it replaces as a
version, so a restore can itself be undone.

The requirement names a `capability`: files_versions announces itself as `files.versioning` in
the files app's capabilities (apps/files_versions/lib/Capabilities.php), not as an entry of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Self

from pydantic import BaseModel, Field

from nextcloud_mcp_server.nextcloud.paths import normalize
from nextcloud_mcp_server.registry import Requirement, Toolset
from nextcloud_mcp_server.tools._base import CREATE, READ, Limit, Offset, Paged, ToolError, invalid
from nextcloud_mcp_server.tools.declare import Nextcloud, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient
    from nextcloud_mcp_server.nextcloud.versions import FileVersion
    from nextcloud_mcp_server.nextcloud.webdav import FileInfo

TOOLSET = Toolset(
    "versions",
    "Versions",
    "Earlier versions of files: list them and restore one.",
    default=False,
    requires=Requirement("files_versions", "Versions", capability="files.versioning"),
)

FilePath = Annotated[str, Field(description="Under the files root, e.g. 'Documents/a.md'.")]
VersionId = Annotated[str, Field(description="From nc_webdav_list_versions.")]


class VersionItem(BaseModel):
    """One version of a file."""

    version_id: str = Field(description="Pass to nc_webdav_restore_version.")
    modified: str | None = Field(description="When this content was saved, ISO 8601.")
    size: int | None = Field(description="Bytes.")
    current: bool = Field(description="True for the file's content now.")
    label: str | None = Field(description="A name given to the version, if any.")
    author: str | None = Field(description="User id of who saved it.")

    @classmethod
    def of(cls, version: FileVersion, current: bool) -> Self:
        return cls(
            version_id=version.id,
            modified=version.modified.isoformat() if version.modified else None,
            size=version.size,
            current=current,
            label=version.label,
            author=version.author,
        )


class RestoredVersion(BaseModel):
    path: str = Field(description="The file restored.")
    version_id: str = Field(description="The version that is now its content.")
    etag: str | None = Field(description="The file's etag now.")
    file_id: int = Field(description="Nextcloud's file id (unchanged).")


async def _file(nc: NextcloudClient, path: str) -> tuple[FileInfo, int]:
    target = normalize(path, allow_root=False, argument="path")
    info = await nc.webdav.stat(target)
    if info.is_dir:
        raise ToolError(f"'{target}' is a folder; only files have versions.")
    if info.file_id is None:
        raise ToolError(f"Nextcloud did not say the file id of '{target}'; retry.")
    return info, info.file_id


@tool(TOOLSET, READ, title="List file versions")
async def nc_webdav_list_versions(
    nc: Nextcloud, path: FilePath, limit: Limit = 50, offset: Offset = 0
) -> Paged[VersionItem]:
    """List a file's versions, newest first, the current content marked."""
    from nextcloud_mcp_server.nextcloud.versions import VersionsAPI

    info, file_id = await _file(nc, path)
    now = str(int(info.last_modified.timestamp())) if info.last_modified else None
    versions = await nc.api(VersionsAPI).list(file_id)
    return Paged[VersionItem].of([VersionItem.of(v, v.id == now) for v in versions], offset, limit)


@tool(TOOLSET, CREATE, title="Restore file version")
async def nc_webdav_restore_version(nc: Nextcloud, path: FilePath, version_id: VersionId) -> RestoredVersion:
    """Make an earlier version a file's content; the replaced content is kept as a version."""
    from nextcloud_mcp_server.nextcloud.versions import VersionsAPI

    if not version_id.strip().isdigit():
        raise invalid("version_id", f"{version_id!r} is not a version id; use one from nc_webdav_list_versions")
    info, file_id = await _file(nc, path)
    await nc.api(VersionsAPI).restore(file_id, version_id.strip())
    after = await nc.webdav.stat(info.path)
    return RestoredVersion(path=info.path, version_id=version_id.strip(), etag=after.etag, file_id=file_id)
