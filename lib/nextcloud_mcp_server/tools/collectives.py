"""MCP tools for Collectives: team wikis of Markdown pages (collectives and their settings, the page
tree and its content, page templates, trash, search, emoji, tags, attachments and public links).
Names follow the PyPI `nextcloud-mcp-server` where it has the tool (`collectives_*`); the rest are
`nc_collectives_*`.

Levels are given by name (members, moderators, admins) and read back the same way: Collectives
stores the lowest member level (1, 4 or 8) allowed to edit or share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

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
    from nextcloud_mcp_server.nextcloud.collectives import (
        Attachment,
        Collective,
        CollectivesAPI,
        PageInfo,
        Share,
        Tag,
    )

TOOLSET = Toolset(
    "collectives",
    "Collectives",
    "Team wikis: collectives, their page tree and Markdown content, templates, trash, search, tags, attachments.",
    default=False,
    requires=Requirement("collectives", "Collectives"),
)

CollectiveId = Annotated[int, Field(ge=1, description="From collectives_get_collectives.")]
PageId = Annotated[int, Field(ge=1, description="From collectives_get_pages.")]
TagId = Annotated[int, Field(ge=1, description="From collectives_get_tags.")]
TemplateId = Annotated[int, Field(ge=1, description="From nc_collectives_list_templates.")]
Emoji = Annotated[str | None, Field(description="One emoji; null clears it.")]
Level = Literal["members", "moderators", "admins"]
LEVELS: dict[str, int] = {"members": 1, "moderators": 4, "admins": 8}


def _level(value: int) -> Level:
    return "admins" if value >= 8 else "moderators" if value >= 4 else "members"


class CollectiveItem(BaseModel):
    id: int
    name: str
    emoji: str | None
    can_edit: bool
    can_share: bool
    is_admin: bool = Field(description="Whether you may trash, restore or delete it, or change its settings.")
    trashed_at: int | None = Field(description="Unix time it was trashed; null if not.")
    edit_level: Level = Field(description="Who may edit its pages.")
    share_level: Level = Field(description="Who may share it.")
    page_mode: Literal["view", "edit"] = Field(description="How pages open.")

    @classmethod
    def of(cls, c: Collective) -> CollectiveItem:
        return cls(
            id=c.id, name=c.name, emoji=c.emoji or None, can_edit=c.canEdit, can_share=c.canShare,
            is_admin=c.level >= 8, trashed_at=c.trashTimestamp, edit_level=_level(c.editPermissionLevel),
            share_level=_level(c.sharePermissionLevel), page_mode="edit" if c.pageMode == 1 else "view",
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
    full_width: bool
    subpage_order: list[int] = Field(description="Subpage ids shown first, in this order.")

    @classmethod
    def of(cls, p: PageInfo) -> PageItem:
        return cls(
            id=p.id, title=p.title, parent_id=p.parentId, emoji=p.emoji or None,
            path="" if p.trashTimestamp else p.dav_path,
            modified=p.timestamp, last_user=p.lastUserId or None, tags=p.tags, trashed_at=p.trashTimestamp,
            full_width=p.isFullWidth, subpage_order=list(dict.fromkeys(p.subpageOrder)),
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


def _file_name(argument: str, value: str) -> str:
    name = _text(argument, value)
    if "/" in name or "\\" in name or any(ch in name for ch in "\r\n"):
        raise invalid(argument, "give a plain file name without slashes or line breaks")
    return name


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


@tool(TOOLSET, UPDATE, title="Update collective settings")
async def nc_collectives_update_collective_settings(
    nc: Nextcloud,
    collective_id: CollectiveId,
    edit_level: Level | None = None,
    share_level: Level | None = None,
    page_mode: Annotated[Literal["view", "edit"] | None, Field(description="How pages open.")] = None,
) -> CollectiveDone:
    """Set who may edit and who may share a collective, and how its pages open (admins only)."""
    if edit_level is None and share_level is None and page_mode is None:
        raise invalid("edit_level", "give edit_level, share_level or page_mode")
    api = _api(nc)
    done: Collective | None = None
    if edit_level is not None:
        done = await api.set_level(collective_id, "editLevel", LEVELS[edit_level])
    if share_level is not None:
        done = await api.set_level(collective_id, "shareLevel", LEVELS[share_level])
    if page_mode is not None:
        done = await api.set_page_mode(collective_id, 1 if page_mode == "edit" else 0)
    assert done is not None
    return CollectiveDone(collective=CollectiveItem.of(done), message=f"Collective {collective_id} updated")


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
    template_id: Annotated[int | None, Field(ge=1, description="Start as a copy of this template instead.")] = None,
) -> PageWithContent:
    """Create a page below a parent page; Collectives may adjust the title to keep it unique."""
    if template_id and content:
        raise invalid("content", "give either content or template_id, not both")
    api = _api(nc)
    page = await api.create_page(collective_id, parent_id, _text("title", title), template_id)
    if content:
        await api.write(page, content)
    elif template_id:
        content = await api.content(page)
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


@tool(TOOLSET, UPDATE, title="Move page to collective")
async def nc_collectives_move_page_to_collective(
    nc: Nextcloud,
    collective_id: CollectiveId,
    page_id: PageId,
    target_collective_id: Annotated[int, Field(ge=1)],
    parent_id: Annotated[int | None, Field(ge=1, description="A page there; null: its landing page.")] = None,
    index: Annotated[int, Field(ge=0, description="Position among the parent's subpages.")] = 0,
    copy: bool = False,
) -> PageDone:
    """Move or copy a page with its subpages into another collective (its tags stay behind)."""
    if target_collective_id == collective_id:
        raise invalid("target_collective_id", "give another collective; collectives_move_page moves within one")
    page = await _api(nc).move_to_collective(collective_id, page_id, target_collective_id, parent_id, index, copy)
    verb = "copied" if copy else "moved"
    return PageDone(page=PageItem.of(page), message=f"Page {page_id} {verb} to collective {target_collective_id}")


@tool(TOOLSET, UPDATE, title="Set page full width")
async def nc_collectives_set_page_full_width(
    nc: Nextcloud, collective_id: CollectiveId, page_id: PageId, full_width: bool = True
) -> PageDone:
    """Show a page at full width, or at normal width again."""
    page = await _api(nc).set_full_width(collective_id, page_id, full_width)
    return PageDone(page=PageItem.of(page), message=f"Page {page_id} updated")


@tool(TOOLSET, UPDATE, title="Order subpages")
async def nc_collectives_set_subpage_order(
    nc: Nextcloud,
    collective_id: CollectiveId,
    page_id: PageId,
    subpage_ids: Annotated[list[int], Field(description="Its subpages' ids, first shown first; [] resets.")],
) -> PageDone:
    """Set the order of a page's subpages; those not listed follow."""
    api = _api(nc)
    children = {p.id for p in await api.pages(collective_id) if p.parentId == page_id}
    if len(set(subpage_ids)) != len(subpage_ids):
        raise invalid("subpage_ids", "give each subpage once")
    if stray := [i for i in subpage_ids if i not in children]:
        raise invalid("subpage_ids", f"{stray} are not subpages of page {page_id}; see collectives_get_pages")
    page = await api.set_subpage_order(collective_id, page_id, subpage_ids)
    return PageDone(page=PageItem.of(page), message=f"Subpages of page {page_id} ordered")


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


# -- templates -------------------------------------------------------------------------------------
@tool(TOOLSET, READ, title="List page templates")
async def nc_collectives_list_templates(
    nc: Nextcloud, collective_id: CollectiveId, limit: Limit = 50, offset: Offset = 0
) -> Paged[PageItem]:
    """List a collective's page templates (use one with collectives_create_page's template_id)."""
    found = [PageItem.of(p) for p in await _api(nc).templates(collective_id)]
    return Paged[PageItem].of(found, offset, limit)


@tool(TOOLSET, CREATE, title="Create page template")
async def nc_collectives_create_template(
    nc: Nextcloud,
    collective_id: CollectiveId,
    title: str,
    content: Annotated[str, Field(description="Markdown.")] = "",
    parent_id: Annotated[int | None, Field(ge=1, description="A template to nest it under; null: top level.")] = None,
) -> PageWithContent:
    """Create a page template in a collective."""
    api = _api(nc)
    template = await api.create_template(collective_id, parent_id or 0, _text("title", title))
    if content:
        await api.write(template, content)
    return PageWithContent(page=PageItem.of(template), content=content)


@tool(TOOLSET, UPDATE, title="Update page template")
async def nc_collectives_update_template(
    nc: Nextcloud,
    collective_id: CollectiveId,
    template_id: TemplateId,
    title: Annotated[str | None, Field(description="Renaming moves it to the top level.")] = None,
    content: Annotated[str | None, Field(description="New Markdown.")] = None,
    emoji: Annotated[str | None, Field(description="'' clears it.")] = None,
) -> PageDone:
    """Rename a page template, replace its content or set its emoji; null keeps a field."""
    if title is None and content is None and emoji is None:
        raise invalid("title", "give title, content or emoji")
    api = _api(nc)
    template: PageInfo | None = None
    if title is not None:
        template = await api.rename_template(collective_id, template_id, _text("title", title))
    if emoji is not None:
        template = await api.set_template_emoji(collective_id, template_id, emoji.strip() or None)
    if content is not None:
        if template is None:
            template = await _template_of(nc, collective_id, template_id)
        await api.write(template, content)
        template = await _template_of(nc, collective_id, template_id)
    assert template is not None
    return PageDone(page=PageItem.of(template), message=f"Template {template_id} updated")


async def _template_of(nc: Nextcloud, collective_id: int, template_id: int) -> PageInfo:
    from nextcloud_mcp_server.nextcloud.errors import not_found

    for template in await _api(nc).templates(collective_id):
        if template.id == template_id:
            return template
    raise not_found(f"template {template_id}")


@tool(TOOLSET, DELETE, title="Delete page template")
async def nc_collectives_delete_template(
    nc: Nextcloud, collective_id: CollectiveId, template_id: TemplateId
) -> Deleted:
    """Delete a page template and the templates nested in it, for good."""
    await _api(nc).delete_template(collective_id, template_id)
    return Deleted(id=template_id, message=f"Template {template_id} deleted permanently")


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
    name = _file_name("filename", filename)
    data = decode_base64("content_base64", content_base64)
    return AttachmentItem.of(await _api(nc).upload_attachment(collective_id, page_id, name, data))


@tool(TOOLSET, DELETE, title="Delete attachment")
async def nc_collectives_delete_attachment(
    nc: Nextcloud,
    collective_id: CollectiveId,
    page_id: PageId,
    attachment_id: Annotated[int, Field(ge=1, description="From nc_collectives_list_attachments.")],
) -> Deleted:
    """Delete a file attached to a page; nc_collectives_restore_attachment brings it back."""
    await _api(nc).delete_attachment(collective_id, page_id, attachment_id)
    return Deleted(id=attachment_id, message=f"Attachment {attachment_id} deleted")


@tool(TOOLSET, UPDATE, title="Rename attachment")
async def nc_collectives_rename_attachment(
    nc: Nextcloud,
    collective_id: CollectiveId,
    page_id: PageId,
    attachment_id: Annotated[int, Field(ge=1, description="From nc_collectives_list_attachments.")],
    name: str,
) -> AttachmentItem:
    """Rename a file attached to a page (links to the old name in the content are not updated)."""
    name = _file_name("name", name)
    api = _api(nc)
    if any(a.name == name and a.id != attachment_id for a in await api.attachments(collective_id, page_id)):
        raise invalid("name", f"{name!r} is taken on this page; choose another")
    return AttachmentItem.of(await api.rename_attachment(collective_id, page_id, attachment_id, name))


@tool(TOOLSET, UPDATE, title="Restore attachment")
async def nc_collectives_restore_attachment(
    nc: Nextcloud,
    collective_id: CollectiveId,
    page_id: PageId,
    attachment_id: Annotated[int, Field(ge=1, description="The id it had before it was deleted.")],
) -> AttachmentItem:
    """Restore a file deleted from a page's attachments."""
    return AttachmentItem.of(await _api(nc).restore_attachment(collective_id, page_id, attachment_id))


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
