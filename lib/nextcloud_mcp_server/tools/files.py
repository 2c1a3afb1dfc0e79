"""MCP tools for the user's files (WebDAV), with the names and arguments of the PyPI
`nextcloud-mcp-server` package, plus the `nc://files/{+path}` resource template.

Paths are relative to the user's files root ('Documents/a.md'); they are validated here,
before any request, and encoded by nextcloud/paths.py when the URL is built.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Annotated, Any, Literal

from mcp.server.mcpserver.exceptions import ResourceError
from mcp_types import BlobResourceContents, CallToolResult, EmbeddedResource, TextContent
from pydantic import Field

from nextcloud_mcp_server.nextcloud.paths import normalize
from nextcloud_mcp_server.registry import Toolset
from nextcloud_mcp_server.tools._base import (
    CREATE,
    DELETE,
    READ,
    UPDATE,
    Context,
    Limit,
    Offset,
    Page,
    ToolError,
    decode_base64,
    invalid,
    paginate,
)
from nextcloud_mcp_server.tools.declare import Config, Nextcloud, resource, tool
from nextcloud_mcp_server.tools.files_models import (
    DeleteResult,
    DirectoryListing,
    FileEntry,
    FileReadResult,
    PathResult,
    SearchFilesResponse,
    WriteResult,
)

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient
    from nextcloud_mcp_server.nextcloud.webdav import FileInfo

FILES_TEMPLATE = "nc://files/{+path}"

FilePath = Annotated[str, Field(description="Under the files root, e.g. 'Documents/a.md'.")]
FolderPath = Annotated[str, Field(description="Relative to the files root; '' is the root.")]
Scope = Annotated[str, Field(description="Folder to search in; '' for all.")]
Etag = Annotated[str | None, Field(description="Only if it still has this etag.")]

Overwrite = Annotated[bool, Field(description="Replace an existing target.")]
Source = Annotated[str, Field(description="Relative to the files root.")]
Destination = Annotated[str, Field(description="New path; its parent must exist.")]

NAME_PATTERN = "e.g. '%.pdf' (% any text, _ one character)."

TOOLSET = Toolset(
    "files",
    "Files",
    "Files in Nextcloud (WebDAV): list, read, write, move, copy, delete and search files and folders.",
)


def _path(argument: str, value: str, *, allow_root: bool = False) -> str:
    return normalize(value, allow_root=allow_root, argument=argument)


def _progress(ctx: Context | None) -> Any:
    if ctx is None:
        return None

    async def report(done: int, total: int | None) -> None:
        await ctx.report_progress(done, total)

    return report


def _paginate_entries(infos: list[FileInfo], offset: int, limit: int) -> tuple[list[FileEntry], Page]:
    chunk, page = paginate(infos, offset, limit)
    return [FileEntry.of(i) for i in chunk], page


async def _search(nc: NextcloudClient, scope: str, limit: int, offset: int, **filters: Any) -> SearchFilesResponse:
    found = await nc.webdav.search(scope, **filters)
    results, page = _paginate_entries(found, offset, limit)
    applied = {k: v for k, v in filters.items() if v}
    return SearchFilesResponse(results=results, scope=scope, filters_applied=applied, page=page)


async def _transfer(
    nc: NextcloudClient, method: str, source_path: str, destination_path: str, overwrite: bool
) -> PathResult:
    src = _path("source_path", source_path)
    dst = _path("destination_path", destination_path)
    if src == dst:
        raise invalid("destination_path", "is the same as source_path")
    if dst.startswith(src + "/"):
        raise invalid("destination_path", "is inside source_path; a folder cannot contain itself")
    await getattr(nc.webdav, method)(src, dst, overwrite=overwrite)
    info = await nc.webdav.stat(dst)
    return PathResult(path=dst, source_path=src, is_directory=info.is_dir, etag=info.etag, file_id=info.file_id)


@tool(TOOLSET, READ, title="List files and folders")
async def nc_webdav_list_directory(
    nc: Nextcloud, path: FolderPath = "", limit: Limit = 50, offset: Offset = 0
) -> DirectoryListing:
    """List the files and folders in a folder, folders first."""
    folder = _path("path", path, allow_root=True)
    me, children = await nc.webdav.listing(folder)
    if not me.is_dir:
        raise ToolError(f"'{folder}' is a file, not a folder; read it with nc_webdav_read_file.")
    files, page = _paginate_entries(children, offset, limit)
    return DirectoryListing(
        path=folder,
        etag=me.etag,
        files=files,
        directories_count=sum(1 for c in children if c.is_dir),
        files_count=sum(1 for c in children if not c.is_dir),
        total_size=sum(c.size or 0 for c in children if not c.is_dir),
        page=page,
    )


@tool(TOOLSET, READ, title="Read file")
async def nc_webdav_read_file(
    nc: Nextcloud, limits: Config, ctx: Context, path: FilePath
) -> Annotated[CallToolResult, FileReadResult]:
    """Read a file (binary ones as a base64 resource; size-limited)."""
    target = _path("path", path)
    info = await nc.webdav.stat(target)
    if info.is_dir:
        raise ToolError(f"'{target}' is a folder; list it with nc_webdav_list_directory.")
    data, _ = await nc.webdav.read(target, limits.max_read_bytes, info=info, progress=_progress(ctx))
    return file_result(target, data, info)


@tool(TOOLSET, UPDATE, title="Write file")
async def nc_webdav_write_file(
    nc: Nextcloud,
    ctx: Context,
    path: FilePath,
    content: Annotated[str, Field(description="Text, or base64.")],
    content_type: Annotated[
        str | None, Field(description="e.g. 'text/markdown'; 'image/png;base64' for base64 content.")
    ] = None,
    encoding: Annotated[Literal["text", "base64"] | None, Field(description="Of `content`; default text.")] = None,
    etag: Etag = None,
) -> WriteResult:
    """Create or replace a file; its folder must exist."""
    target = _path("path", path)
    is_b64 = encoding == "base64" or (content_type is not None and ";base64" in content_type.lower())
    mime = content_type.replace(";base64", "").replace(";BASE64", "").strip() if content_type else None
    data = decode_base64("content", content) if is_b64 else content.encode("utf-8")
    await ctx.report_progress(0, len(data))
    written = await nc.webdav.upload(target, data, etag=etag, content_type=mime or None)
    await ctx.report_progress(len(data), len(data))
    return WriteResult(path=target, size=len(data), created=written.created, etag=written.etag, file_id=written.file_id)


@tool(TOOLSET, CREATE, title="Create folder")
async def nc_webdav_create_directory(nc: Nextcloud, path: FilePath) -> PathResult:
    """Create a folder; its parent must exist."""
    target = _path("path", path)
    await nc.webdav.mkcol(target)
    info = await nc.webdav.stat(target)
    return PathResult(path=target, is_directory=True, etag=info.etag, file_id=info.file_id)


@tool(TOOLSET, DELETE, title="Delete file or folder")
async def nc_webdav_delete_resource(nc: Nextcloud, path: FilePath, etag: Etag = None) -> DeleteResult:
    """Delete a file or a whole folder (into the trash bin)."""
    target = _path("path", path)
    await nc.webdav.delete(target, etag=etag)
    return DeleteResult(path=target, deleted=True)


@tool(TOOLSET, UPDATE, title="Move or rename")
async def nc_webdav_move_resource(
    nc: Nextcloud, source_path: Source, destination_path: Destination, overwrite: Overwrite = False
) -> PathResult:
    """Move or rename a file or folder."""
    return await _transfer(nc, "move", source_path, destination_path, overwrite)


@tool(TOOLSET, CREATE, title="Copy file or folder")
async def nc_webdav_copy_resource(
    nc: Nextcloud, source_path: Source, destination_path: Destination, overwrite: Overwrite = False
) -> PathResult:
    """Copy a file or a whole folder."""
    return await _transfer(nc, "copy", source_path, destination_path, overwrite)


@tool(TOOLSET, READ, title="Search files")
async def nc_webdav_search_files(
    nc: Nextcloud,
    scope: Scope = "",
    name_pattern: Annotated[str | None, Field(description=NAME_PATTERN)] = None,
    mime_type: Annotated[str | None, Field(description="e.g. 'image/%'.")] = None,
    only_favorites: bool = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> SearchFilesResponse:
    """Search files; all given filters must match."""
    where = _path("scope", scope, allow_root=True)
    return await _search(
        nc, where, limit, offset, name_like=name_pattern, type_like=mime_type, favorites_only=only_favorites
    )


@tool(TOOLSET, READ, title="Find files by name")
async def nc_webdav_find_by_name(
    nc: Nextcloud,
    pattern: Annotated[str, Field(description=NAME_PATTERN)],
    scope: Scope = "",
    limit: Limit = 50,
    offset: Offset = 0,
) -> SearchFilesResponse:
    """Find files and folders by name, case-insensitive."""
    if not pattern.strip():
        raise invalid("pattern", "is empty; use e.g. '%.md'")
    where = _path("scope", scope, allow_root=True)
    return await _search(nc, where, limit, offset, name_like=pattern)


@tool(TOOLSET, READ, title="Find files by type")
async def nc_webdav_find_by_type(
    nc: Nextcloud,
    mime_type: Annotated[str, Field(description="e.g. 'application/pdf' or 'image/%' (% wildcard).")],
    scope: Scope = "",
    limit: Limit = 50,
    offset: Offset = 0,
) -> SearchFilesResponse:
    """Find files by MIME type."""
    if not mime_type.strip():
        raise invalid("mime_type", "is empty; use e.g. 'image/%'")
    where = _path("scope", scope, allow_root=True)
    return await _search(nc, where, limit, offset, type_like=mime_type)


@tool(TOOLSET, READ, title="List favorites")
async def nc_webdav_list_favorites(
    nc: Nextcloud, scope: Scope = "", limit: Limit = 50, offset: Offset = 0
) -> SearchFilesResponse:
    """List the user's favorite files and folders."""
    where = _path("scope", scope, allow_root=True)
    found: list[FileInfo] = sorted(await nc.webdav.favorites(where), key=lambda i: i.path)
    results, page = _paginate_entries(found, offset, limit)
    return SearchFilesResponse(results=results, scope=where, filters_applied={"only_favorites": True}, page=page)


@resource(
    TOOLSET,
    FILES_TEMPLATE,
    name="file",
    title="Nextcloud file",
    description="A file of the user's Nextcloud by path, e.g. nc://files/Documents/notes.md: "
    "text files as text, other files as a base64 blob.",
)
async def read_file_resource(nc: Nextcloud, limits: Config, path: str) -> str | bytes:
    from nextcloud_mcp_server.nextcloud.webdav import is_text

    target = _path("path", path)
    data, info = await nc.webdav.read(target, limits.max_read_bytes)
    if info.is_dir:
        raise ResourceError(f"{target} is a folder")
    return data.decode("utf-8") if is_text(info.content_type, data) else data


def file_result(path: str, data: bytes, info: FileInfo) -> CallToolResult:
    """Content blocks plus structured output for a file read."""
    uri = "nc://files/" + path
    ctype = info.content_type or "application/octet-stream"
    from nextcloud_mcp_server.nextcloud.webdav import is_text

    if is_text(ctype, data):
        text = data.decode("utf-8")
        result = FileReadResult(
            path=path,
            content=text,
            encoding="text",
            content_type=ctype,
            size=len(data),
            etag=info.etag,
            file_id=info.file_id,
            resource_uri=uri,
        )
        blocks: list[Any] = [TextContent(type="text", text=text)]
    else:
        result = FileReadResult(
            path=path,
            content=None,
            encoding="base64",
            content_type=ctype,
            size=len(data),
            etag=info.etag,
            file_id=info.file_id,
            resource_uri=uri,
        )
        blob = BlobResourceContents(uri=uri, mime_type=ctype, blob=base64.b64encode(data).decode("ascii"))
        blocks = [
            TextContent(type="text", text=f"{path}: {len(data)} bytes of {ctype} (base64 in the embedded resource)"),
            EmbeddedResource(type="resource", resource=blob),
        ]
    return CallToolResult(content=blocks, structured_content=result.model_dump(mode="json"))
