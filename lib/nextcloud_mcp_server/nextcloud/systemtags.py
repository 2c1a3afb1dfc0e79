"""Collaborative (system) tags over WebDAV: list, create, delete, a file's tags, assign, unassign,
and files by tag.

Why by name: tags are instance-wide objects with numeric ids a model never sees; tools name a tag
and a file path, and this client resolves the tag (PROPFIND /systemtags/) while the tools resolve
the file id. Nextcloud answers its tag rules (a restricted tag, tags deleted only by admins, a
name taken, creation restricted to admins) with Sabre's 400, 403 or 409 and a message naming the
rule; those become `Refused`, so the model is told to follow the rule rather than that the
request was malformed. Assigning a tag a file already has (Sabre's 409 on the existing mapping)
and removing one it has not (404) are reported as "no change", not as failures.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

from pydantic import BaseModel

from nextcloud_mcp_server.nextcloud.dav import DAV, OC, element, parse_multistatus, serialize
from nextcloud_mcp_server.nextcloud.errors import BadResponse, PreconditionFailed, Refused, detail_of, not_found

if TYPE_CHECKING:
    import httpx

    from nextcloud_mcp_server.nextcloud.client import NextcloudClient
    from nextcloud_mcp_server.nextcloud.webdav import FileInfo

TAGS = "/remote.php/dav/systemtags/"
RELATIONS = "/remote.php/dav/systemtags-relations/files/"
PROPS = ["id", "display-name", "user-visible", "user-assignable", "can-assign"]
XML_HEADERS = {"Content-Type": "application/xml; charset=utf-8"}
RULES = (400, 403, 409)
"""Statuses with which Nextcloud's tag rules refuse a change (the message names the rule)."""


class SystemTag(BaseModel):
    """One tag as the caller sees it."""

    id: int
    name: str
    user_visible: bool
    user_assignable: bool
    can_assign: bool
    """Whether the caller may put it on files and take it off (admins: always)."""


def _propfind() -> bytes:
    root = element(DAV, "propfind")
    prop = element(DAV, "prop", root)
    for name in PROPS:
        element(OC, name, prop)
    return serialize(root)


def _tags(body: bytes) -> list[SystemTag]:
    tags = []
    for item in parse_multistatus(body):
        tag_id = item.text(OC, "id")
        if not tag_id:
            continue  # the collection itself
        if not tag_id.isdigit():
            raise BadResponse(f"a tag id is not a number: {tag_id[:20]!r}")
        tags.append(
            SystemTag(
                id=int(tag_id),
                name=item.text(OC, "display-name") or "",
                user_visible=item.text(OC, "user-visible") == "true",
                user_assignable=item.text(OC, "user-assignable") == "true",
                can_assign=item.text(OC, "can-assign") == "true",
            )
        )
    return tags


def _refusal(response: httpx.Response, subject: str) -> Refused:
    error = Refused(detail_of(response), status=response.status_code)
    error.subject = subject
    return error


class SystemTagsAPI:
    """The tags of the caller's Nextcloud, and the tags on their files (by file id)."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def list(self) -> builtins.list[SystemTag]:
        """Every tag the caller can see (admins: also the invisible ones), by id."""
        response = await self._client.request(
            "PROPFIND", TAGS, headers={**XML_HEADERS, "Depth": "1"}, content=_propfind()
        )
        return sorted(_tags(response.content), key=lambda t: t.id)

    async def find(self, name: str) -> SystemTag | None:
        """The tag called `name` (exactly; else ignoring case), preferring one the caller may assign."""
        tags = await self.list()
        exact = [t for t in tags if t.name == name]
        for candidates in (exact, [t for t in tags if t.name.casefold() == name.casefold()]):
            if candidates:
                return sorted(candidates, key=lambda t: (not t.can_assign, t.id))[0]
        return None

    async def named(self, name: str) -> SystemTag:
        """The tag called `name`, or NotFound about it."""
        tag = await self.find(name)
        if tag is None:
            raise not_found(f"tag {name!r}")
        return tag

    async def create(self, name: str, *, visible: bool = True, assignable: bool = True) -> SystemTag:
        """A new tag (restricted or invisible ones only for admins); `Refused` when a rule forbids it."""
        body = {"name": name, "userVisible": visible, "userAssignable": assignable}
        response = await self._client.request("POST", TAGS, json=body, ok=RULES)
        if response.status_code in RULES:
            raise _refusal(response, f"tag {name!r}")
        location = response.headers.get("Content-Location", "").rstrip("/")
        tag_id = location.rsplit("/", 1)[-1]
        if not tag_id.isdigit():
            raise BadResponse("the created tag's Content-Location names no tag id")
        return SystemTag(id=int(tag_id), name=name, user_visible=visible, user_assignable=assignable, can_assign=True)

    async def delete(self, tag: SystemTag) -> None:
        """Delete a tag and take it off every file (Nextcloud lets only admins)."""
        response = await self._client.request("DELETE", f"{TAGS}{tag.id}", ok=(403, 404))
        if response.status_code == 403:
            raise _refusal(response, f"tag {tag.name!r}")
        if response.status_code == 404:
            raise not_found(f"tag {tag.name!r}", detail_of(response))

    async def of_file(self, file_id: int) -> builtins.list[SystemTag]:
        """The tags on a file (those the caller can see)."""
        response = await self._client.request(
            "PROPFIND", f"{RELATIONS}{file_id}", headers={**XML_HEADERS, "Depth": "1"}, content=_propfind()
        )
        return sorted(_tags(response.content), key=lambda t: t.name.casefold())

    async def assign(self, file_id: int, tag: SystemTag) -> bool:
        """Put the tag on the file; False when it already was there."""
        response = await self._client.request("PUT", f"{RELATIONS}{file_id}/{tag.id}", ok=(403, 409))
        if response.status_code == 409:  # the mapping exists: Sabre refuses a PUT onto a non-file node
            return False
        if response.status_code == 403:
            raise _refusal(response, f"tag {tag.name!r}")
        return True

    async def unassign(self, file_id: int, tag: SystemTag) -> bool:
        """Take the tag off the file; False when it was not there."""
        response = await self._client.request("DELETE", f"{RELATIONS}{file_id}/{tag.id}", ok=(403, 404))
        if response.status_code == 404:
            return False
        if response.status_code == 403:
            raise _refusal(response, f"tag {tag.name!r}")
        return True

    async def files(self, tag: SystemTag) -> builtins.list[FileInfo]:
        """Every file and folder of the caller's that carries the tag (itself, not through a parent)."""
        try:
            return await self._client.webdav.filter_files([(OC, "systemtag", str(tag.id))])
        except PreconditionFailed as exc:  # "Cannot filter by non-existing tag": deleted meanwhile
            raise not_found(f"tag {tag.name!r}", exc.detail) from None


__all__ = ["SystemTag", "SystemTagsAPI"]
