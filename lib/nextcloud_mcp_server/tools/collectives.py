"""MCP tools for Collectives: team wikis of Markdown pages (collectives, the page tree and its
content, trash, search, emoji, tags, attachments and public links). Names follow the PyPI
`nextcloud-mcp-server` where it has the tool (`collectives_*`); the rest are `nc_collectives_*`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, Field

from nextcloud_mcp_server.registry import Requirement, Toolset
from nextcloud_mcp_server.tools._base import (
    CREATE,
    DELETE,
    READ,
    UPDATE,
    Limit,
    Offset,
    Paged,
    decode_base64,
    invalid,
)
from nextcloud_mcp_server.tools.declare import Nextcloud, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.collectives import Attachment, Collective, CollectivesAPI, PageInfo, Share, Tag

TOOLSET = Toolset(
    "collectives",
    "Collectives",
    "Team wikis: collectives, their page tree and Markdown content, trash, search, tags, attachments, links.",
    default=False,
    requires=Requirement("collectives", "Collectives"),
)

CollectiveId = Annotated[int, Field(ge=1, description="From collectives_get_collectives.")]
PageId = Annotated[int, Field(ge=1, description="From collectives_get_pages.")]
TagId = Annotated[int, Field(ge=1, description="From collectives_get_tags.")]
Emoji = Annotated[str | None, Field(description="One emoji; null clears it.")]


class CollectiveItem(BaseModel):
    id: int
    name: str
    emoji: str | None
    can_edit: bool
    can_share: bool
    is_admin: bool = Field(description="Whether you may trash, restore or delete it.")
    trashed_at: int | None = Field(description="Unix time it was trashed; null if not.")

    @classmethod
    def of(cls, c: Collective) -> CollectiveItem:
        return cls(
            id=c.id, name=c.name, emoji=c.emoji or None, can_edit=c.canEdit, can_share=c.canShare,
            is_admin=c.level >= 8, trashed_at=c.trashTimestamp,
        )  # fmt: skip


class PageItem(BaseModel):
    id: int
    title: str
    parent_id: int = Field(description="0 for the landing page.")
    emoji: str | None
    path: str = Field(description="The page's Markdown file in your files; '' while trashed.")
    modified: int = Field(description="Unix time.")
    last_user: str | None
    tags: list[int]
    trashed_at: int | None = Field(description="Unix time it was trashed; null if not.")

    @classmethod
    def of(cls, p: PageInfo) -> PageItem:
        return cls(
            id=p.id, title=p.title, parent_id=p.parentId, emoji=p.emoji or None,
            path="" if p.trashTimestamp else p.dav_path,
            modified=p.timestamp, last_user=p.lastUserId or None, tags=p.tags, trashed_at=p.trashTimestamp,
        )  # fmt: skip


class PageWithContent(BaseModel):
    page: PageItem
    content: str = Field(description="The page's Markdown.")


class TagItem(BaseModel):
    id: int
    name: str
    color: str

    @classmethod
    def of(cls, t: Tag) -> TagItem:
        return cls(id=t.id, name=t.name, color=t.color)


class AttachmentItem(BaseModel):
    id: int
    name: str
    size: int
    mime_type: str
    markdown: str = Field(description="Embeds it in the page's content.")

    @classmethod
    def of(cls, a: Attachment) -> AttachmentItem:
        target = a.internalPath or a.name
        embed = f"![{a.name}]({target})" if a.mimetype.startswith("image/") else f"[{a.name}]({target})"
        return cls(id=a.id, name=a.name, size=a.filesize, mime_type=a.mimetype, markdown=embed)


class ShareItem(BaseModel):
    token: str
    page_id: int = Field(description="0 for the whole collective.")
    editable: bool
    has_password: bool
    url: str = Field(description="The public link.")

    @classmethod
    def of(cls, s: Share, base_url: str) -> ShareItem:
        return cls(
            token=s.token, page_id=s.pageId, editable=s.editable, has_password=s.hasPassword,
            url=f"{base_url}/apps/collectives/p/{s.token}",
        )  # fmt: skip


class CollectiveDone(BaseModel):
    collective: CollectiveItem
    message: str


class PageDone(BaseModel):
    page: PageItem
    message: str


class Deleted(BaseModel):
    id: int
    message: str


def _api(nc: Nextcloud) -> CollectivesAPI:
    from nextcloud_mcp_server.nextcloud.collectives import CollectivesAPI

    return nc.api(CollectivesAPI)


def _text(argument: str, value: str) -> str:
    value = value.strip()
    if not value:
        raise invalid(argument, "must not be empty")
    return value


def _color(value: str) -> str:
    color = value.strip().removeprefix("#")
    if len(color) != 6 or any(ch not in "0123456789abcdefABCDEF" for ch in color):
        raise invalid("color", "give six hex digits such as FF0000")
    return color


# -- collectives -----------------------------------------------------------------------------------
@tool(TOOLSET, READ, title="List collectives")
async def collectives_get_collectives(nc: Nextcloud, limit: Limit = 50, offset: Offset = 0) -> Paged[CollectiveItem]:
    """List the collectives you are a member of."""
    found = [CollectiveItem.of(c) for c in await _api(nc).collectives()]
    return Paged[CollectiveItem].of(found, offset, limit)


@tool(TOOLSET, READ, title="List trashed collectives")
async def collectives_get_trashed_collectives(
    nc: Nextcloud, limit: Limit = 50, offset: Offset = 0
) -> Paged[CollectiveItem]:
    """List trashed collectives you administer (restore or delete them)."""
    found = [CollectiveItem.of(c) for c in await _api(nc).trashed_collectives()]
    return Paged[CollectiveItem].of(found, offset, limit)


@tool(TOOLSET, CREATE, title="Create collective")
async def collectives_create_collective(nc: Nextcloud, name: str, emoji: str | None = None) -> CollectiveDone:
    """Create a collective (with its team and a landing page); you become its owner."""
    created = await _api(nc).create(_text("name", name), emoji)
    return CollectiveDone(collective=CollectiveItem.of(created), message=f"Collective {created.id} created")


@tool(TOOLSET, UPDATE, title="Set collective emoji")
async def collectives_set_collective_emoji(
    nc: Nextcloud, collective_id: CollectiveId, emoji: Emoji = None
) -> CollectiveDone:
    """Set or clear a collective's emoji (admins only)."""
    done = await _api(nc).set_emoji(collective_id, emoji or None)
    return CollectiveDone(collective=CollectiveItem.of(done), message=f"Collective {collective_id} updated")


@tool(TOOLSET, DELETE, title="Trash collective")
async def collectives_trash_collective(nc: Nextcloud, collective_id: CollectiveId) -> CollectiveDone:
    """Move a collective to the trash (admins only); restore it with collectives_restore_collective."""
    done = await _api(nc).trash(collective_id)
    return CollectiveDone(collective=CollectiveItem.of(done), message=f"Collective {collective_id} trashed")


@tool(TOOLSET, UPDATE, title="Restore collective")
async def collectives_restore_collective(nc: Nextcloud, collective_id: CollectiveId) -> CollectiveDone:
    """Restore a trashed collective."""
    done = await _api(nc).restore(collective_id)
    return CollectiveDone(collective=CollectiveItem.of(done), message=f"Collective {collective_id} restored")


@tool(TOOLSET, DELETE, title="Delete collective")
async def collectives_delete_collective(nc: Nextcloud, collective_id: CollectiveId) -> Deleted:
    """Delete a trashed collective and all its pages for good (trash it first)."""
    await _api(nc).delete(collective_id)
    return Deleted(id=collective_id, message=f"Collective {collective_id} deleted permanently")


# -- pages -----------------------------------------------------------------------------------------
@tool(TOOLSET, READ, title="List pages")
async def collectives_get_pages(
    nc: Nextcloud, collective_id: CollectiveId, limit: Limit = 200, offset: Offset = 0
) -> Paged[PageItem]:
    """The page tree of a collective: every page with its parent_id, the landing page first."""
    found = [PageItem.of(p) for p in await _api(nc).pages(collective_id)]
    return Paged[PageItem].of(found, offset, limit)


@tool(TOOLSET, READ, title="Get page")
async def collectives_get_page(nc: Nextcloud, collective_id: CollectiveId, page_id: PageId) -> PageWithContent:
    """Read a page with its Markdown content."""
    api = _api(nc)
    page = await api.page(collective_id, page_id)
    return PageWithContent(page=PageItem.of(page), content=await api.content(page))


@tool(TOOLSET, CREATE, title="Create page")
async def collectives_create_page(
    nc: Nextcloud,
    collective_id: CollectiveId,
    parent_id: Annotated[int, Field(ge=1, description="The landing page's id for a top-level page.")],
    title: str,
    content: Annotated[str, Field(description="Markdown to start with.")] = "",
) -> PageWithContent:
    """Create a page below a parent page; Collectives may adjust the title to keep it unique."""
    api = _api(nc)
    page = await api.create_page(collective_id, parent_id, _text("title", title))
    if content:
        await api.write(page, content)
    return PageWithContent(page=PageItem.of(page), content=content)


@tool(TOOLSET, UPDATE, title="Update page content")
async def nc_collectives_update_page(
    nc: Nextcloud, collective_id: CollectiveId, page_id: PageId, content: str
) -> PageDone:
    """Replace a page's Markdown content."""
    api = _api(nc)
    page = await api.page(collective_id, page_id)
    await api.write(page, content)
    page = await api.page(collective_id, page_id)
    return PageDone(page=PageItem.of(page), message=f"Page {page_id} updated ({len(content.encode())} bytes)")


@tool(TOOLSET, UPDATE, title="Move page")
async def collectives_move_page(
    nc: Nextcloud,
    collective_id: CollectiveId,
    page_id: PageId,
    parent_id: Annotated[int | None, Field(ge=1, description="New parent; null keeps it.")] = None,
    title: Annotated[str | None, Field(description="New title; null keeps it.")] = None,
    index: Annotated[int, Field(ge=0, description="Position among the parent's subpages.")] = 0,
    copy: bool = False,
) -> PageDone:
    """Move, rename or copy a page (with its subpages) within its collective."""
    if parent_id is None and title is None and not copy:
        raise invalid("parent_id", "give a new parent_id, a new title, or copy=true")
    if title is not None:
        title = _text("title", title)
    page = await _api(nc).move_page(collective_id, page_id, parent_id, title, index, copy)
    return PageDone(page=PageItem.of(page), message=f"Page {page_id} {'copied' if copy else 'moved'}")


@tool(TOOLSET, DELETE, title="Trash page")
async def collectives_trash_page(nc: Nextcloud, collective_id: CollectiveId, page_id: PageId) -> PageDone:
    """Move a page and its subpages to the collective's trash (not the landing page)."""
    page = await _api(nc).trash_page(collective_id, page_id)
    return PageDone(page=PageItem.of(page), message=f"Page {page_id} trashed")


@tool(TOOLSET, READ, title="List trashed pages")
async def collectives_get_trashed_pages(
    nc: Nextcloud, collective_id: CollectiveId, limit: Limit = 50, offset: Offset = 0
) -> Paged[PageItem]:
    """List a collective's trashed pages."""
    found = [PageItem.of(p) for p in await _api(nc).trashed_pages(collective_id)]
    return Paged[PageItem].of(found, offset, limit)


@tool(TOOLSET, UPDATE, title="Restore page")
async def collectives_restore_page(
    nc: Nextcloud,
    collective_id: CollectiveId,
    page_id: Annotated[int, Field(ge=1, description="From collectives_get_trashed_pages.")],
) -> PageDone:
    """Restore a trashed page to where it was."""
    page = await _api(nc).restore_page(collective_id, page_id)
    return PageDone(page=PageItem.of(page), message=f"Page {page_id} restored")


@tool(TOOLSET, DELETE, title="Delete page")
async def nc_collectives_delete_page(
    nc: Nextcloud,
    collective_id: CollectiveId,
    page_id: Annotated[int, Field(ge=1, description="From collectives_get_trashed_pages.")],
) -> Deleted:
    """Delete a trashed page for good (trash it first)."""
    await _api(nc).delete_page(collective_id, page_id)
    return Deleted(id=page_id, message=f"Page {page_id} deleted permanently")


@tool(TOOLSET, UPDATE, title="Set page emoji")
async def collectives_set_page_emoji(
    nc: Nextcloud, collective_id: CollectiveId, page_id: PageId, emoji: Emoji = None
) -> PageDone:
    """Set or clear a page's emoji."""
    page = await _api(nc).set_page_emoji(collective_id, page_id, emoji or None)
    return PageDone(page=PageItem.of(page), message=f"Page {page_id} updated")


@tool(TOOLSET, READ, title="Search pages")
async def collectives_search_pages(
    nc: Nextcloud, collective_id: CollectiveId, query: str, limit: Limit = 50, offset: Offset = 0
) -> Paged[PageItem]:
    """Full-text search of a collective's pages (titles and content)."""
    found = [PageItem.of(p) for p in await _api(nc).search(collective_id, _text("query", query))]
    return Paged[PageItem].of(found, offset, limit)


@tool(TOOLSET, READ, title="Recent pages")
async def nc_collectives_recent_pages(
    nc: Nextcloud, limit: Annotated[int, Field(ge=1, le=100)] = 10
) -> Paged[PageItem]:
    """Recently changed pages across your collectives, newest first."""
    found = [PageItem.of(p) for p in await _api(nc).recent(limit)]
    return Paged[PageItem].of(found, 0, limit)


# -- tags ------------------------------------------------------------------------------------------
@tool(TOOLSET, READ, title="List tags")
async def collectives_get_tags(nc: Nextcloud, collective_id: CollectiveId) -> Paged[TagItem]:
    """List a collective's page tags."""
    found = [TagItem.of(t) for t in await _api(nc).tags(collective_id)]
    return Paged[TagItem].of(found, 0, max(len(found), 1))


@tool(TOOLSET, CREATE, title="Create tag")
async def collectives_create_tag(
    nc: Nextcloud,
    collective_id: CollectiveId,
    name: str,
    color: Annotated[str, Field(description="Hex RGB without '#', e.g. FF0000.")],
) -> TagItem:
    """Create a page tag in a collective."""
    return TagItem.of(await _api(nc).create_tag(collective_id, _text("name", name), _color(color)))


@tool(TOOLSET, UPDATE, title="Tag page")
async def collectives_assign_tag(
    nc: Nextcloud, collective_id: CollectiveId, page_id: PageId, tag_id: TagId
) -> PageDone:
    """Add a tag to a page."""
    page = await _api(nc).tag_page(collective_id, page_id, tag_id, on=True)
    return PageDone(page=PageItem.of(page), message=f"Tag {tag_id} added to page {page_id}")


@tool(TOOLSET, UPDATE, title="Untag page")
async def collectives_remove_tag(
    nc: Nextcloud, collective_id: CollectiveId, page_id: PageId, tag_id: TagId
) -> PageDone:
    """Remove a tag from a page."""
    page = await _api(nc).tag_page(collective_id, page_id, tag_id, on=False)
    return PageDone(page=PageItem.of(page), message=f"Tag {tag_id} removed from page {page_id}")


@tool(TOOLSET, UPDATE, title="Update tag")
async def nc_collectives_update_tag(
    nc: Nextcloud,
    collective_id: CollectiveId,
    tag_id: TagId,
    name: str,
    color: Annotated[str, Field(description="Hex RGB without '#', e.g. FF0000.")],
) -> TagItem:
    """Rename or recolour a page tag."""
    return TagItem.of(await _api(nc).update_tag(collective_id, tag_id, _text("name", name), _color(color)))


@tool(TOOLSET, DELETE, title="Delete tag")
async def nc_collectives_delete_tag(nc: Nextcloud, collective_id: CollectiveId, tag_id: TagId) -> Deleted:
    """Delete a page tag (it is removed from every page)."""
    await _api(nc).delete_tag(collective_id, tag_id)
    return Deleted(id=tag_id, message=f"Tag {tag_id} deleted")


# -- attachments -----------------------------------------------------------------------------------
@tool(TOOLSET, READ, title="List attachments")
async def nc_collectives_list_attachments(
    nc: Nextcloud, collective_id: CollectiveId, page_id: PageId
) -> Paged[AttachmentItem]:
    """List the files attached to a page."""
    found = [AttachmentItem.of(a) for a in await _api(nc).attachments(collective_id, page_id)]
    return Paged[AttachmentItem].of(found, 0, max(len(found), 1))


@tool(TOOLSET, CREATE, title="Attach file")
async def nc_collectives_upload_attachment(
    nc: Nextcloud, collective_id: CollectiveId, page_id: PageId, filename: str, content_base64: str
) -> AttachmentItem:
    """Attach a file to a page; put the returned markdown in the page's content to show it."""
    name = _text("filename", filename)
    if "/" in name or "\\" in name or any(ch in name for ch in "\r\n"):
        raise invalid("filename", "give a plain file name without slashes or line breaks")
    data = decode_base64("content_base64", content_base64)
    return AttachmentItem.of(await _api(nc).upload_attachment(collective_id, page_id, name, data))


@tool(TOOLSET, DELETE, title="Delete attachment")
async def nc_collectives_delete_attachment(
    nc: Nextcloud,
    collective_id: CollectiveId,
    page_id: PageId,
    attachment_id: Annotated[int, Field(ge=1, description="From nc_collectives_list_attachments.")],
) -> Deleted:
    """Delete a file attached to a page."""
    await _api(nc).delete_attachment(collective_id, page_id, attachment_id)
    return Deleted(id=attachment_id, message=f"Attachment {attachment_id} deleted")


# -- public shares ---------------------------------------------------------------------------------
ShareToken = Annotated[str, Field(min_length=1, description="From nc_collectives_list_shares.")]


async def _share_of(nc: Nextcloud, collective_id: int, token: str) -> Share:
    from nextcloud_mcp_server.nextcloud.errors import not_found

    for share in await _api(nc).shares(collective_id):
        if share.token == token:
            return share
    raise not_found(f"share {token!r} of collective {collective_id}")


@tool(TOOLSET, READ, title="List public shares")
async def nc_collectives_list_shares(nc: Nextcloud, collective_id: CollectiveId) -> Paged[ShareItem]:
    """List your public links to a collective and its pages."""
    found = [ShareItem.of(s, nc.base_url) for s in await _api(nc).shares(collective_id)]
    return Paged[ShareItem].of(found, 0, max(len(found), 1))


@tool(TOOLSET, CREATE, title="Share publicly")
async def nc_collectives_share(
    nc: Nextcloud,
    collective_id: CollectiveId,
    page_id: Annotated[
        int | None, Field(ge=1, description="A page to share alone; null shares the collective.")
    ] = None,
    editable: bool = False,
    password: str | None = None,
) -> ShareItem:
    """Create a public link to a collective or one page, read-only unless editable."""
    api = _api(nc)
    share = await api.share(collective_id, page_id or 0, password or None)
    if editable:
        share = await api.update_share(share, True, None)
    return ShareItem.of(share, nc.base_url)


@tool(TOOLSET, UPDATE, title="Update public share")
async def nc_collectives_update_share(
    nc: Nextcloud,
    collective_id: CollectiveId,
    token: ShareToken,
    editable: bool,
    password: Annotated[str | None, Field(description="'' removes it; null keeps it.")] = None,
) -> ShareItem:
    """Make a public link editable or read-only, or change its password."""
    share = await _share_of(nc, collective_id, token)
    return ShareItem.of(await _api(nc).update_share(share, editable, password), nc.base_url)


@tool(TOOLSET, DELETE, title="Delete public share")
async def nc_collectives_unshare(nc: Nextcloud, collective_id: CollectiveId, token: ShareToken) -> Deleted:
    """Delete a public link to a collective or page."""
    share = await _share_of(nc, collective_id, token)
    await _api(nc).unshare(share)
    return Deleted(id=share.id, message=f"Share {token} deleted")
