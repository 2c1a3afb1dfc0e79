"""Collectives (the collectives app over OCS, API v1.0): collectives and their settings, pages,
templates, trash, search, tags, attachments and public shares.

Why 400 and 403 become `Refused`: Collectives answers both for its own rules (the landing page
cannot be trashed or moved, a page cannot move into itself, the caller's level is below the
collective's edit level, a tag name is taken), and its message says which; 404 is a collective,
page or tag the caller cannot see (a non-member gets 404 for the whole collective).

Why page content goes through WebDAV: Collectives keeps each page as a Markdown file in the
collective's folder, which its members see in their files (`collectivePath`, `filePath`,
`fileName` locate it); the OCS API has no content endpoint, so content is read and written
there, as the app's own editor (Text) does. Templates are pages too, in the collective's
`.templates/` folder, so their content goes the same way.

Why `move_to_collective` reads the target's page tree twice: Collectives answers that move or copy
with no data, so the page is found as the one that appeared under the target parent (a move keeps
its id, a copy gets a new one).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from nextcloud_mcp_server.nextcloud.client import multipart
from nextcloud_mcp_server.nextcloud.errors import BadResponse, NotFound, Refused, detail_of, not_found, parsed
from nextcloud_mcp_server.nextcloud.ocs import OCS_HEADERS, unwrap

if TYPE_CHECKING:
    import httpx

    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

BASE = "/ocs/v2.php/apps/collectives/api/v1.0/collectives"
MAX_PAGE_BYTES = 2 * 1024 * 1024


class Collective(BaseModel):
    """A collective as the app describes it to the caller (their `level` and what they may do)."""

    model_config = ConfigDict(extra="ignore")

    id: int
    name: str
    emoji: str | None = None
    circleId: str = ""
    level: int = 0
    canEdit: bool = False
    canShare: bool = False
    trashTimestamp: int | None = None
    pageMode: int = 0
    editPermissionLevel: int = 1
    sharePermissionLevel: int = 1


class PageInfo(BaseModel):
    """A page: its file is `collectivePath/filePath/fileName` in the caller's files."""

    model_config = ConfigDict(extra="ignore")

    id: int
    title: str
    parentId: int
    fileName: str
    filePath: str = ""
    collectivePath: str = ""
    emoji: str | None = None
    timestamp: int = 0
    size: int = 0
    lastUserId: str | None = None
    tags: list[int] = []
    trashTimestamp: int | None = None
    isFullWidth: bool = False
    subpageOrder: list[int] = []

    @property
    def dav_path(self) -> str:
        """The page's Markdown file, relative to the caller's files."""
        return "/".join(p.strip("/") for p in (self.collectivePath, self.filePath, self.fileName) if p.strip("/"))


class Tag(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    name: str
    color: str


class Attachment(BaseModel):
    """A file attached to a page (in `.attachments.<pageId>/` beside the page's file)."""

    model_config = ConfigDict(extra="ignore")

    id: int
    name: str
    filesize: int = 0
    mimetype: str = ""
    timestamp: int = 0
    path: str = ""
    internalPath: str = ""


class Share(BaseModel):
    """A public link to a collective (pageId 0) or to one of its pages."""

    model_config = ConfigDict(extra="ignore")

    id: int
    collectiveId: int
    pageId: int = 0
    token: str
    owner: str = ""
    editable: bool = False
    hasPassword: bool = False


def _field(data: Any, key: str) -> Any:
    if not isinstance(data, dict) or key not in data:
        raise BadResponse(f"the answer has no '{key}'")
    return data[key]


class CollectivesAPI:
    """The caller's collectives and their pages."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def _call(self, method: str, path: str, subject: str, *, json: Any = None, params: Any = None) -> Any:
        response = await self._client.request(
            method, BASE + path, headers=OCS_HEADERS, json=json, params=params, ok=(400, 403, 404)
        )
        return self._checked(response, subject)

    @staticmethod
    def _checked(response: httpx.Response, subject: str) -> Any:
        if response.status_code in (400, 403):  # a rule of the app's, which its message names
            refused = Refused(detail_of(response), status=response.status_code)
            refused.subject = subject
            raise refused
        if response.status_code == 404:
            raise not_found(subject, detail_of(response))
        return unwrap(response)

    # -- collectives ------------------------------------------------------------------------
    async def collectives(self) -> list[Collective]:
        data = await self._call("GET", "", "collectives")
        return [parsed(Collective, c, "a collective") for c in _field(data, "collectives")]

    async def trashed_collectives(self) -> list[Collective]:
        data = await self._call("GET", "/trash", "trashed collectives")
        return [parsed(Collective, c, "a collective") for c in _field(data, "collectives")]

    async def create(self, name: str, emoji: str | None) -> Collective:
        body: dict[str, Any] = {"name": name}
        if emoji:
            body["emoji"] = emoji
        data = await self._call("POST", "", f"collective '{name}'", json=body)
        return parsed(Collective, _field(data, "collective"), "the collective")

    async def _one(self, method: str, path: str, collective_id: int, json: Any = None) -> Collective:
        subject = f"{'trashed ' if path.startswith('/trash/') else ''}collective {collective_id}"
        data = await self._call(method, path, subject, json=json)
        return parsed(Collective, _field(data, "collective"), "the collective")

    async def set_emoji(self, collective_id: int, emoji: str | None) -> Collective:
        return await self._one("PUT", f"/{collective_id}", collective_id, {"emoji": emoji})

    async def trash(self, collective_id: int) -> Collective:
        return await self._one("DELETE", f"/{collective_id}", collective_id)

    async def restore(self, collective_id: int) -> Collective:
        return await self._one("PATCH", f"/trash/{collective_id}", collective_id)

    async def delete(self, collective_id: int) -> Collective:
        return await self._one("DELETE", f"/trash/{collective_id}", collective_id)

    # -- pages ------------------------------------------------------------------------------
    async def _pages(self, path: str, subject: str, params: Any = None) -> list[PageInfo]:
        data = await self._call("GET", path, subject, params=params)
        return [parsed(PageInfo, p, "a page") for p in _field(data, "pages")]

    async def _page(self, method: str, path: str, subject: str, json: Any = None) -> PageInfo:
        data = await self._call(method, path, subject, json=json)
        return parsed(PageInfo, _field(data, "page"), "the page")

    async def pages(self, collective_id: int) -> list[PageInfo]:
        return await self._pages(f"/{collective_id}/pages", f"collective {collective_id}")

    async def trashed_pages(self, collective_id: int) -> list[PageInfo]:
        return await self._pages(f"/{collective_id}/pages/trash", f"collective {collective_id}")

    async def search(self, collective_id: int, query: str) -> list[PageInfo]:
        return await self._pages(f"/{collective_id}/search", f"collective {collective_id}", {"searchString": query})

    async def recent(self, limit: int) -> list[PageInfo]:
        return await self._pages("/search/recent", "recent pages", {"limit": limit})

    async def page(self, collective_id: int, page_id: int) -> PageInfo:
        return await self._page("GET", f"/{collective_id}/pages/{page_id}", f"page {page_id}")

    async def create_page(
        self, collective_id: int, parent_id: int, title: str, template_id: int | None = None
    ) -> PageInfo:
        subject = f"parent page {parent_id}" + (f" or template {template_id}" if template_id else "")
        body: dict[str, Any] = {"title": title}
        if template_id:
            body["templateId"] = template_id
        return await self._page("POST", f"/{collective_id}/pages/{parent_id}", subject, body)

    async def move_page(
        self, collective_id: int, page_id: int, parent_id: int | None, title: str | None, index: int, copy: bool
    ) -> PageInfo:
        body: dict[str, Any] = {"index": index, "copy": copy}
        if parent_id is not None:
            body["parentId"] = parent_id
        if title is not None:
            body["title"] = title
        return await self._page("PUT", f"/{collective_id}/pages/{page_id}", f"page {page_id}", body)

    async def move_to_collective(
        self, collective_id: int, page_id: int, target_id: int, parent_id: int | None, index: int, copy: bool
    ) -> PageInfo:
        """Move or copy a page (with its subpages) to another collective; the page as it is there
        (the one new under the target parent, the landing page if none is given)."""
        before = await self.pages(target_id)
        parent = parent_id or next((p.id for p in before if p.parentId == 0), 0)
        body: dict[str, Any] = {"index": index, "copy": copy}
        if parent_id:
            body["parentId"] = parent_id
        path = f"/{collective_id}/pages/{page_id}/to/{target_id}"
        await self._call("PUT", path, f"page {page_id} or collective {target_id}", json=body)
        known = {p.id for p in before}
        fresh = [p for p in await self.pages(target_id) if p.parentId == parent and p.id not in known]
        if not fresh:
            raise BadResponse(f"the page is not in collective {target_id} after the move")
        return next((p for p in fresh if p.id == page_id), fresh[0])

    async def set_full_width(self, collective_id: int, page_id: int, full_width: bool) -> PageInfo:
        body = {"fullWidth": full_width}
        return await self._page("PUT", f"/{collective_id}/pages/{page_id}/fullWidth", f"page {page_id}", body)

    async def set_subpage_order(self, collective_id: int, page_id: int, order: list[int]) -> PageInfo:
        body = {"subpageOrder": json.dumps(order)}
        return await self._page("PUT", f"/{collective_id}/pages/{page_id}/subpageOrder", f"page {page_id}", body)

    async def trash_page(self, collective_id: int, page_id: int) -> PageInfo:
        return await self._page("DELETE", f"/{collective_id}/pages/{page_id}", f"page {page_id}")

    async def restore_page(self, collective_id: int, page_id: int) -> PageInfo:
        return await self._page("PATCH", f"/{collective_id}/pages/trash/{page_id}", f"trashed page {page_id}")

    async def delete_page(self, collective_id: int, page_id: int) -> None:
        await self._call("DELETE", f"/{collective_id}/pages/trash/{page_id}", f"trashed page {page_id}")

    async def set_page_emoji(self, collective_id: int, page_id: int, emoji: str | None) -> PageInfo:
        return await self._page("PUT", f"/{collective_id}/pages/{page_id}/emoji", f"page {page_id}", {"emoji": emoji})

    async def content(self, page: PageInfo) -> str:
        """The page's Markdown, read from its file."""
        try:
            data, _info = await self._client.webdav.read(page.dav_path, MAX_PAGE_BYTES)
        except NotFound as exc:
            exc.subject = f"the file of page {page.id}"
            raise
        return data.decode("utf-8", "replace")

    async def write(self, page: PageInfo, content: str) -> None:
        """Replace the page's Markdown in its file."""
        await self._client.webdav.upload(page.dav_path, content.encode(), content_type="text/markdown")

    # -- templates (pages in `.templates/`) ----------------------------------------------------
    async def templates(self, collective_id: int) -> list[PageInfo]:
        data = await self._call("GET", f"/{collective_id}/pages/templates", f"collective {collective_id}")
        return [parsed(PageInfo, p, "a template") for p in _field(data, "templates")]

    async def _template(self, method: str, path: str, subject: str, json: Any = None) -> PageInfo:
        data = await self._call(method, path, subject, json=json)
        return parsed(PageInfo, _field(data, "template"), "the template")

    async def create_template(self, collective_id: int, parent_id: int, title: str) -> PageInfo:
        """A template below another (parent_id 0: at the top); the app reads the body's parentId."""
        subject = f"parent template {parent_id}" if parent_id else f"collective {collective_id}"
        body = {"title": title, "parentId": parent_id}
        return await self._template("POST", f"/{collective_id}/pages/templates/{parent_id}", subject, body)

    async def rename_template(self, collective_id: int, template_id: int, title: str) -> PageInfo:
        path = f"/{collective_id}/pages/templates/{template_id}"
        return await self._template("PUT", path, f"template {template_id}", {"title": title})

    async def set_template_emoji(self, collective_id: int, template_id: int, emoji: str | None) -> PageInfo:
        path = f"/{collective_id}/pages/templates/{template_id}/emoji"
        return await self._template("PUT", path, f"template {template_id}", {"emoji": emoji})

    async def delete_template(self, collective_id: int, template_id: int) -> None:
        await self._call("DELETE", f"/{collective_id}/pages/templates/{template_id}", f"template {template_id}")

    # -- settings ---------------------------------------------------------------------------
    async def set_level(self, collective_id: int, which: str, level: int) -> Collective:
        """`which`: editLevel or shareLevel; level 1 members, 4 moderators, 8 admins."""
        return await self._one("PUT", f"/{collective_id}/{which}", collective_id, {"level": level})

    async def set_page_mode(self, collective_id: int, mode: int) -> Collective:
        return await self._one("PUT", f"/{collective_id}/pageMode", collective_id, {"mode": mode})

    # -- tags -------------------------------------------------------------------------------
    async def tags(self, collective_id: int) -> list[Tag]:
        data = await self._call("GET", f"/{collective_id}/tags", f"collective {collective_id}")
        return [parsed(Tag, t, "a tag") for t in _field(data, "tags")]

    async def create_tag(self, collective_id: int, name: str, color: str) -> Tag:
        body = {"name": name, "color": color}
        data = await self._call("POST", f"/{collective_id}/tags", f"collective {collective_id}", json=body)
        return parsed(Tag, _field(data, "tag"), "the tag")

    async def tag_page(self, collective_id: int, page_id: int, tag_id: int, *, on: bool) -> PageInfo:
        path = f"/{collective_id}/pages/{page_id}/tags/{tag_id}"
        return await self._page("PUT" if on else "DELETE", path, f"page {page_id} or tag {tag_id}")

    async def update_tag(self, collective_id: int, tag_id: int, name: str, color: str) -> Tag:
        body = {"name": name, "color": color}
        data = await self._call("PUT", f"/{collective_id}/tags/{tag_id}", f"tag {tag_id}", json=body)
        return parsed(Tag, _field(data, "tag"), "the tag")

    async def delete_tag(self, collective_id: int, tag_id: int) -> None:
        await self._call("DELETE", f"/{collective_id}/tags/{tag_id}", f"tag {tag_id}")

    # -- attachments ------------------------------------------------------------------------
    async def attachments(self, collective_id: int, page_id: int) -> list[Attachment]:
        data = await self._call("GET", f"/{collective_id}/pages/{page_id}/attachments", f"page {page_id}")
        return [parsed(Attachment, a, "an attachment") for a in _field(data, "attachments")]

    async def upload_attachment(self, collective_id: int, page_id: int, name: str, content: bytes) -> Attachment:
        """Upload a file as PHP's `$_FILES['file']` (multipart/form-data), as the app's editor does."""
        body, form = multipart({}, "file", name, content, "application/octet-stream")
        headers = {**OCS_HEADERS, "Content-Type": form}
        path = BASE + f"/{collective_id}/pages/{page_id}/attachments"
        response = await self._client.request("POST", path, headers=headers, content=body, ok=(400, 403, 404))
        data = self._checked(response, f"page {page_id}")
        return parsed(Attachment, _field(data, "attachment"), "the attachment")

    async def rename_attachment(self, collective_id: int, page_id: int, attachment_id: int, name: str) -> Attachment:
        path = f"/{collective_id}/pages/{page_id}/attachments/{attachment_id}"
        data = await self._call("PUT", path, f"attachment {attachment_id} of page {page_id}", json={"name": name})
        return parsed(Attachment, _field(data, "attachment"), "the attachment")

    async def restore_attachment(self, collective_id: int, page_id: int, attachment_id: int) -> Attachment:
        path = f"/{collective_id}/pages/{page_id}/attachments/trash/{attachment_id}"
        data = await self._call("PATCH", path, f"deleted attachment {attachment_id} of page {page_id}")
        return parsed(Attachment, _field(data, "attachment"), "the attachment")

    async def delete_attachment(self, collective_id: int, page_id: int, attachment_id: int) -> None:
        path = f"/{collective_id}/pages/{page_id}/attachments/{attachment_id}"
        await self._call("DELETE", path, f"attachment {attachment_id} of page {page_id}")

    # -- public shares ----------------------------------------------------------------------
    async def shares(self, collective_id: int) -> list[Share]:
        data = await self._call("GET", f"/{collective_id}/shares", f"collective {collective_id}")
        if not isinstance(data, list):
            raise BadResponse("the shares are not a list")
        return [parsed(Share, s, "a share") for s in data]

    @staticmethod
    def _share_path(collective_id: int, page_id: int) -> str:
        return f"/{collective_id}/pages/{page_id}/shares" if page_id else f"/{collective_id}/shares"

    async def share(self, collective_id: int, page_id: int, password: str | None) -> Share:
        """A public link to the collective (page_id 0) or one of its pages."""
        body = {"password": password} if password else {}
        subject = f"page {page_id}" if page_id else f"collective {collective_id}"
        data = await self._call("POST", self._share_path(collective_id, page_id), subject, json=body)
        return parsed(Share, data, "the share")

    async def update_share(self, share: Share, editable: bool, password: str | None) -> Share:
        body: dict[str, Any] = {"editable": editable}
        if password is not None:
            body["password"] = password
        path = f"{self._share_path(share.collectiveId, share.pageId)}/{share.token}"
        data = await self._call("PUT", path, f"share {share.token}", json=body)
        return parsed(Share, data, "the share")

    async def unshare(self, share: Share) -> None:
        path = f"{self._share_path(share.collectiveId, share.pageId)}/{share.token}"
        await self._call("DELETE", path, f"share {share.token}")
