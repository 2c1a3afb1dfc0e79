"""The `nc://files/{+path}` resource template: a file of the user's Nextcloud, read as text
or as a blob, so that clients can attach files and later work can add subscriptions.
"""

from __future__ import annotations

from mcp.server.mcpserver.exceptions import ResourceError

from nextcloud_mcp_server.nextcloud.paths import normalize
from nextcloud_mcp_server.tools._base import ToolDeps

FILES_TEMPLATE = "nc://files/{+path}"


def register_resource(deps: ToolDeps) -> None:
    """Register the file resource template."""

    @deps.resource(
        FILES_TEMPLATE,
        toolset="files",
        name="file",
        title="Nextcloud file",
        description="A file of the user's Nextcloud by path, e.g. nc://files/Documents/notes.md: "
        "text files as text, other files as a base64 blob.",
    )
    async def read_file_resource(path: str) -> str | bytes:
        from nextcloud_mcp_server.nextcloud.webdav import FileTooLarge
        from nextcloud_mcp_server.tools.files import _is_text

        target = normalize(path, allow_root=False)
        nc = await deps.nextcloud()
        try:
            data, info = await nc.webdav.read(target, deps.settings.max_read_bytes)
        except FileTooLarge as exc:
            raise ResourceError(
                f"{target} is {exc.size} bytes, over the read limit of {exc.limit} bytes (MAX_FILE_READ_BYTES)"
            ) from None
        if info.is_dir:
            raise ResourceError(f"{target} is a folder")
        return data.decode("utf-8") if _is_text(info.content_type, data) else data
