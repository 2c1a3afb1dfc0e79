"""File versions over WebDAV (`/remote.php/dav/versions/<user>/versions/<fileid>`): list and restore.

nextcloud/documentation developer_manual/client_apis/WebDAV/versions.rst: a PROPFIND lists a
file's versions, each named by its timestamp (the content's modification time, in seconds) — on
Nextcloud 26 and later the current content among them, named by the file's mtime. Restoring is a
MOVE of a version into `.../versions/<user>/restore/`: its content becomes the file's, and the
content it replaces is kept as a version in turn.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from nextcloud_mcp_server.nextcloud import paths
from nextcloud_mcp_server.nextcloud.dav import DAV, NC, DavResponse, parse_multistatus, propfind_body
from nextcloud_mcp_server.nextcloud.errors import NotFound

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

VERSION_PROPS = [
    (DAV, "getcontentlength"),
    (DAV, "getcontenttype"),
    (DAV, "getlastmodified"),
    (NC, "version-label"),
    (NC, "version-author"),
]


@dataclass(frozen=True)
class FileVersion:
    """One version of a file."""

    id: str
    """The version's name: its timestamp in seconds."""
    modified: datetime | None
    size: int | None
    content_type: str | None
    label: str | None
    author: str | None


class VersionsAPI:
    """The versions of the caller's files, addressed by file id."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client
        user = paths.encode([client.user])
        self._versions = f"/remote.php/dav/versions/{user}/versions"
        self._restore = f"/remote.php/dav/versions/{user}/restore/target"

    def _version(self, file_id: int, response: DavResponse) -> FileVersion | None:
        name = paths.relative_to_root(response.href, f"{self._versions}/{file_id}/")
        if not name or "/" in name:  # the file's collection itself
            return None
        modified = response.text(DAV, "getlastmodified")
        try:
            when = parsedate_to_datetime(modified) if modified else None
        except (TypeError, ValueError):
            when = None
        if when is None and name.isdigit():
            when = datetime.fromtimestamp(int(name), UTC)
        size = response.text(DAV, "getcontentlength") or ""
        return FileVersion(
            id=name,
            modified=when,
            size=int(size) if size.isdigit() else None,
            content_type=response.text(DAV, "getcontenttype") or None,
            label=response.text(NC, "version-label") or None,
            author=response.text(NC, "version-author") or None,
        )

    async def list(self, file_id: int) -> builtins.list[FileVersion]:
        """The file's versions, newest first."""
        try:
            response = await self._client.request(
                "PROPFIND",
                f"{self._versions}/{file_id}",
                headers={"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
                content=propfind_body(VERSION_PROPS),
            )
        except NotFound as exc:
            exc.subject = f"the versions of file {file_id}"
            raise
        found = [v for item in parse_multistatus(response.content) if (v := self._version(file_id, item)) is not None]
        return sorted(found, key=lambda v: -int(v.id) if v.id.isdigit() else 0)

    async def restore(self, file_id: int, version_id: str) -> None:
        """Make a version the file's current content (the replaced content is kept as a version)."""
        try:
            await self._client.request(
                "MOVE",
                f"{self._versions}/{file_id}/{paths.encode([version_id])}",
                headers={"Destination": self._client.url(self._restore)},
            )
        except NotFound as exc:
            exc.subject = f"version {version_id} of file {file_id}"
            raise
