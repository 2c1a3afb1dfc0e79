"""MCP tool for previews: a file's thumbnail, rendered by Nextcloud, as an MCP image.

Core serves previews (`/index.php/core/preview`), so the toolset needs no app. Whether Nextcloud
has a preview of a file is its `nc:has-preview` property (images, and text with the default
providers); for other files the tool says so before asking for one. The image is size-limited
like a file read (MAX_FILE_READ_BYTES) and at most 1024 pixels a side.
"""

from __future__ import annotations

import base64
from typing import Annotated

from mcp_types import CallToolResult, ImageContent, TextContent
from pydantic import BaseModel, Field

from nextcloud_mcp_server.nextcloud.paths import normalize
from nextcloud_mcp_server.registry import Toolset
from nextcloud_mcp_server.tools._base import READ, ToolError
from nextcloud_mcp_server.tools.declare import Config, Nextcloud, tool

TOOLSET = Toolset("previews", "Previews", "Thumbnails of files (images, text), as images.", default=False)

FilePath = Annotated[str, Field(description="Under the files root, e.g. 'Photos/a.png'.")]
Side = Annotated[int, Field(ge=16, le=1024, description="Pixels.")]


class PreviewResult(BaseModel):
    """What the image block holds."""

    path: str = Field(description="The file previewed.")
    file_id: int = Field(description="Nextcloud's file id.")
    mime_type: str = Field(description="The image's type.")
    bytes: int = Field(description="The image's size.")
    width: int | None = Field(description="Pixels, when known.")
    height: int | None = Field(description="Pixels, when known.")


@tool(TOOLSET, READ, title="Get preview")
async def nc_preview_get(
    nc: Nextcloud,
    limits: Config,
    path: FilePath,
    width: Side = 256,
    height: Side = 256,
    crop: Annotated[bool, Field(description="Fill the box exactly instead of fitting the whole image.")] = False,
) -> Annotated[CallToolResult, PreviewResult]:
    """A file's thumbnail as an image, within width x height; never larger than the original."""
    from nextcloud_mcp_server.nextcloud.dav import NC
    from nextcloud_mcp_server.nextcloud.file_props import lookup
    from nextcloud_mcp_server.nextcloud.previews import PreviewAPI, dimensions

    node = await lookup(nc, normalize(path, allow_root=False, argument="path"), [(NC, "has-preview")])
    if node.is_dir:
        raise ToolError(f"'{node.path}' is a folder; previews are of files.")
    if node.text(NC, "has-preview") != "true":
        raise ToolError(
            f"Nextcloud has no preview of '{node.path}' ({node.content_type or 'unknown type'}): it makes them of "
            "images and text files. Read the file with nc_webdav_read_file instead."
        )
    preview = await nc.api(PreviewAPI).get(
        node.file_id, width, height, keep_aspect=not crop, max_bytes=limits.max_read_bytes
    )
    size = dimensions(preview.data)
    result = PreviewResult(
        path=node.path,
        file_id=node.file_id,
        mime_type=preview.mime_type,
        bytes=len(preview.data),
        width=size[0] if size else None,
        height=size[1] if size else None,
    )
    image = ImageContent(type="image", data=base64.b64encode(preview.data).decode("ascii"), mime_type=preview.mime_type)
    text = TextContent(type="text", text=result.model_dump_json())
    return CallToolResult(content=[text, image], structured_content=result.model_dump(mode="json"))
