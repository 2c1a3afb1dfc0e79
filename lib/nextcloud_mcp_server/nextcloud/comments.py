"""Comments on files over WebDAV (`/remote.php/dav/comments/files/<fileid>`): list, add, edit, delete.

Listing is the `oc:filter-comments` REPORT (newest first; `oc:limit`/`oc:offset`, none meaning
all); adding is a JSON POST answered with the new comment's URL in `Content-Location`; editing is
a PROPPATCH of `oc:message`; deleting a DELETE. Nextcloud lets only a comment's author edit or
delete it and says so with Sabre's 403 ("Only authors are allowed to edit their comment."): that
is a rule, raised as `Refused`, not a missing share permission. A file the caller cannot reach,
or a comment that is not on that file, is 404.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel

from nextcloud_mcp_server.nextcloud.dav import DAV, OC, DavResponse, element, parse_multistatus, serialize
from nextcloud_mcp_server.nextcloud.errors import BadResponse, Refused, detail_of, not_found

if TYPE_CHECKING:
    import httpx

    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

BASE = "/remote.php/dav/comments/files/"
XML_HEADERS = {"Content-Type": "application/xml; charset=utf-8"}
MAX_MESSAGE_LENGTH = 1000
"""Nextcloud's limit (IComment::MAX_MESSAGE_LENGTH), in characters after trimming."""


class FileComment(BaseModel):
    """One comment on a file."""

    id: int
    author: str
    author_name: str | None
    message: str
    created: datetime | None
    unread: bool


def _comment(item: DavResponse) -> FileComment | None:
    comment_id = item.text(OC, "id") or ""
    if not comment_id.isdigit():
        return None
    created = item.text(OC, "creationDateTime")
    try:
        when = parsedate_to_datetime(created) if created else None
    except (TypeError, ValueError):
        when = None
    return FileComment(
        id=int(comment_id),
        author=item.text(OC, "actorId") or "",
        author_name=item.text(OC, "actorDisplayName") or None,
        message=item.text(OC, "message") or "",
        created=when,
        unread=item.text(OC, "isUnread") == "true",
    )


class CommentsAPI:
    """The comments on the caller's files, addressed by file id."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    def _failure(self, response: httpx.Response, file_id: int, comment_id: int | None) -> Exception:
        about = f"comment {comment_id}" if comment_id is not None else f"the comments of file {file_id}"
        if response.status_code == 403:
            error = Refused(detail_of(response), status=403)
            error.subject = about
            return error
        return not_found(about, detail_of(response))

    async def list(self, file_id: int, *, limit: int = 0, offset: int = 0) -> builtins.list[FileComment]:
        """The file's comments, newest first (`limit` 0: all of them)."""
        root = element(OC, "filter-comments")
        element(OC, "limit", root, str(limit))
        element(OC, "offset", root, str(offset))
        response = await self._client.request(
            "REPORT", f"{BASE}{file_id}", headers=XML_HEADERS, content=serialize(root), ok=(404,)
        )
        if response.status_code == 404:
            raise self._failure(response, file_id, None)
        return [c for item in parse_multistatus(response.content) if (c := _comment(item)) is not None]

    async def add(self, file_id: int, message: str) -> int:
        """Post a comment as the caller; its id."""
        body = {"actorType": "users", "verb": "comment", "message": message}
        response = await self._client.request("POST", f"{BASE}{file_id}", json=body, ok=(404,))
        if response.status_code == 404:
            raise self._failure(response, file_id, None)
        comment_id = response.headers.get("Content-Location", "").rstrip("/").rsplit("/", 1)[-1]
        if not comment_id.isdigit():
            raise BadResponse("the new comment's Content-Location names no comment id")
        return int(comment_id)

    async def edit(self, file_id: int, comment_id: int, message: str) -> None:
        """Replace a comment's message (its author only)."""
        root = element(DAV, "propertyupdate")
        element(OC, "message", element(DAV, "prop", element(DAV, "set", root)), message)
        response = await self._client.request(
            "PROPPATCH", f"{BASE}{file_id}/{comment_id}", headers=XML_HEADERS, content=serialize(root), ok=(403, 404)
        )
        if response.status_code in (403, 404):
            raise self._failure(response, file_id, comment_id)
        changed = any(item.has(OC, "message") for item in parse_multistatus(response.content))
        if not changed:
            raise BadResponse("Nextcloud did not report the comment's message as changed")

    async def delete(self, file_id: int, comment_id: int) -> None:
        """Delete a comment (its author only)."""
        response = await self._client.request("DELETE", f"{BASE}{file_id}/{comment_id}", ok=(403, 404))
        if response.status_code in (403, 404):
            raise self._failure(response, file_id, comment_id)


__all__ = ["MAX_MESSAGE_LENGTH", "CommentsAPI", "FileComment"]
