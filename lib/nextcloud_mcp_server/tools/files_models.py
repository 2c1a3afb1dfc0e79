"""Result models of the files tools (tools/files.py), which become their output schemas.

Why apart: they are plain pydantic models that must live at module level (the SDK resolves
tool annotations with get_type_hints); keeping them here keeps files.py about the tools.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from nextcloud_mcp_server.tools._base import Page

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.webdav import FileInfo


class FileEntry(BaseModel):
    """A file or folder."""

    path: str = Field(description="Path relative to the user's files root; pass it to the other file tools.")
    name: str = Field(description="The file or folder name.")
    is_directory: bool = Field(description="True for folders.")
    size: int | None = Field(description="Size in bytes (for folders, of everything inside).")
    etag: str | None = Field(description="Version tag; pass it as `etag` to make a write or delete conditional.")
    content_type: str | None = Field(description="MIME type (files only).")
    last_modified: str | None = Field(description="Last modification time, ISO 8601.")
    file_id: int | None = Field(description="Nextcloud's stable file id (survives renames).")
    permissions: str | None = Field(description="Nextcloud permission letters, e.g. RGDNVW (W: writable).")
    favorite: bool = Field(description="True if the user marked it as favorite.")

    @classmethod
    def of(cls, info: FileInfo) -> FileEntry:
        return cls(
            path=info.path,
            name=info.name,
            is_directory=info.is_dir,
            size=info.size,
            etag=info.etag,
            content_type=info.content_type,
            last_modified=info.last_modified.isoformat() if info.last_modified else None,
            file_id=info.file_id,
            permissions=info.permissions,
            favorite=info.favorite,
        )


class DirectoryListing(BaseModel):
    """One page of a folder's direct children, folders first."""

    path: str = Field(description="The folder listed.")
    etag: str | None = Field(description="The folder's etag (changes when anything inside changes).")
    files: list[FileEntry] = Field(description="The children in this page.")
    directories_count: int = Field(description="Folders among all children.")
    files_count: int = Field(description="Files among all children.")
    total_size: int = Field(description="Bytes in all child files (not counting folders).")
    page: Page


class FileReadResult(BaseModel):
    """A file's content: text inline, binary as an embedded base64 resource."""

    path: str = Field(description="The file read.")
    content: str | None = Field(description="The text, or null for binary files (see the embedded resource).")
    encoding: Literal["text", "base64"] = Field(description="'text', or 'base64' when the content is binary.")
    content_type: str | None = Field(description="MIME type.")
    size: int = Field(description="Size in bytes.")
    etag: str | None = Field(
        description="Version tag; pass it to nc_webdav_write_file to write only over this version."
    )
    file_id: int | None = Field(description="Nextcloud's file id.")
    resource_uri: str = Field(description="The MCP resource URI of this file.")


class WriteResult(BaseModel):
    """The version a write produced."""

    path: str = Field(description="The file written.")
    size: int = Field(description="Bytes written.")
    created: bool = Field(description="True if the file did not exist before.")
    etag: str | None = Field(description="The new version's etag.")
    file_id: int | None = Field(description="Nextcloud's file id.")


class PathResult(BaseModel):
    """A file or folder after a create, move or copy."""

    path: str = Field(description="Where it is now.")
    source_path: str | None = Field(default=None, description="Where it came from (move and copy).")
    is_directory: bool = Field(description="True for folders.")
    etag: str | None = Field(description="Its etag now.")
    file_id: int | None = Field(description="Nextcloud's file id.")


class DeleteResult(BaseModel):
    """What was deleted."""

    path: str = Field(description="The path deleted.")
    deleted: bool = Field(description="True when Nextcloud confirmed the delete.")


class SearchFilesResponse(BaseModel):
    """One page of search results."""

    results: list[FileEntry] = Field(description="Matching files and folders, by name.")
    scope: str = Field(description="The folder searched.")
    filters_applied: dict[str, str | bool] = Field(description="The filters used.")
    page: Page
