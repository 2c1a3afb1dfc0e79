"""One file's properties by path (PROPFIND Depth 0), for the APIs that address files by id.

Why apart from WebDAV.stat: the trash bin, versions, reminders and previews want properties the
file listing does not ask for (nc:has-preview, nc:reminder-due-date), and a property an app
answers only while it is enabled for the user (files_reminders' PropFindPlugin) tells whether
that app is there: Nextcloud then answers it in a 404 propstat, which `DavNode.has` reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from nextcloud_mcp_server.nextcloud import paths
from nextcloud_mcp_server.nextcloud.dav import DAV, OC, DavResponse, parse_multistatus, propfind_body
from nextcloud_mcp_server.nextcloud.errors import BadResponse

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

BASE_PROPS = [(OC, "fileid"), (DAV, "resourcetype"), (DAV, "getcontenttype")]


@dataclass(frozen=True)
class DavNode:
    """A file or folder of the caller's, with the properties Nextcloud answered (200 only)."""

    path: str
    file_id: int
    is_dir: bool
    content_type: str | None
    props: DavResponse

    def text(self, namespace: str, local: str) -> str | None:
        return self.props.text(namespace, local)

    def has(self, namespace: str, local: str) -> bool:
        return self.props.has(namespace, local)


async def lookup(client: NextcloudClient, path: str, extra: list[tuple[str, str]]) -> DavNode:
    """The file or folder at `path` (relative to the files root), with `extra` properties asked too."""
    target = paths.normalize(path)
    root = f"/remote.php/dav/files/{paths.encode([client.user])}/"
    response = await client.request(
        "PROPFIND",
        paths.join_url(root, target),
        headers={"Depth": "0", "Content-Type": "application/xml; charset=utf-8"},
        content=propfind_body([*BASE_PROPS, *extra]),
    )
    found = parse_multistatus(response.content)
    if not found:
        raise BadResponse(f"no properties returned for '{target}'")
    item = found[0]
    file_id = item.text(OC, "fileid") or ""
    if not file_id.isdigit():
        raise BadResponse(f"no oc:fileid returned for '{target}'")
    content_type = item.text(DAV, "getcontenttype") or None
    return DavNode(target, int(file_id), item.is_collection, None if item.is_collection else content_type, item)
