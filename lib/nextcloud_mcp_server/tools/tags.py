"""MCP tools for collaborative (system) tags on files and folders, and for marking favorites.

Names and arguments follow the PyPI `nextcloud-mcp-server` where it has the tool
(`nc_webdav_list_tags`, `nc_webdav_get_file_tags`, `nc_webdav_find_by_tag_name`,
`nc_webdav_tag_file`, `nc_webdav_untag_file`, with `path` and `tag`); the rest are `nc_tags_*`.
A tag is named, never numbered, and a file is a path: the ids Nextcloud's DAV API wants are
looked up here (the tag by name, the file by a PROPFIND of its `oc:fileid`). Tagging is
idempotent: a tag already on the file, or already off it, is reported as no change.

Gated on the `systemtags` capability (Nextcloud 28 and later). Favorites are the files app's
(a PROPPATCH of `oc:favorite`); they sit here, with the other marks one puts on files, while
listing them stays `nc_webdav_list_favorites` in `files`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import BaseModel, Field

from nextcloud_mcp_server.nextcloud.paths import normalize
from nextcloud_mcp_server.registry import Requirement, Toolset
from nextcloud_mcp_server.tools._base import CREATE, DELETE, READ, UPDATE, Limit, Offset, Paged, invalid
from nextcloud_mcp_server.tools.declare import Nextcloud, tool
from nextcloud_mcp_server.tools.files_models import FileEntry

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.systemtags import SystemTag

TOOLSET = Toolset(
    "tags",
    "Tags",
    "Collaborative tags on files (list, create, tag, untag, find by tag, delete) and favorites.",
    default=False,
    requires=Requirement("systemtags", "Collaborative tags"),
)

Visibility = Literal["public", "restricted", "invisible"]
FilePath = Annotated[str, Field(description="Under the files root, e.g. 'Documents/a.md'.")]
TagName = Annotated[str, Field(description="The tag's name, e.g. 'Invoice'.")]
NAME_LENGTH = 64
"""Nextcloud keeps at most 64 characters of a tag's name."""


class TagItem(BaseModel):
    """A collaborative tag."""

    id: int = Field(description="Nextcloud's id of the tag.")
    name: str = Field(description="The tag's name (what the other tools take).")
    visibility: Visibility = Field(
        description="public: anyone may assign it; restricted: visible, only admins (and chosen groups) assign it; "
        "invisible: only admins see it."
    )
    can_assign: bool = Field(description="Whether you may put it on files and take it off.")

    @classmethod
    def of(cls, tag: SystemTag) -> Self:
        visibility: Visibility = (
            "invisible" if not tag.user_visible else "public" if tag.user_assignable else "restricted"
        )
        return cls(id=tag.id, name=tag.name, visibility=visibility, can_assign=tag.can_assign)


class FileTags(BaseModel):
    path: str = Field(description="The file or folder.")
    file_id: int = Field(description="Nextcloud's file id.")
    tags: list[TagItem] = Field(description="The tags on it, by name.")


class TagChange(BaseModel):
    path: str = Field(description="The file or folder.")
    tag: TagItem
    changed: bool = Field(description="False when the tag already was (or was not) on it.")
    created_tag: bool = Field(default=False, description="True when the tag was made for this.")


class DeletedTag(BaseModel):
    tag: TagItem = Field(description="The tag deleted (it is gone from every file).")


class FavoriteResult(BaseModel):
    path: str = Field(description="The file or folder.")
    favorite: bool = Field(description="Whether it is a favorite now.")


def _path(value: str) -> str:
    return normalize(value, allow_root=False, argument="path")


def _name(value: str, *, new: bool = False) -> str:
    name = value.strip()
    if not name:
        raise invalid("tag", "is empty; give the tag's name, e.g. 'Invoice' (see nc_webdav_list_tags)")
    if new and len(name) > NAME_LENGTH:
        raise invalid("tag", f"is {len(name)} characters long; Nextcloud keeps at most {NAME_LENGTH}")
    return name


@tool(TOOLSET, READ, title="List tags")
async def nc_webdav_list_tags(nc: Nextcloud, limit: Limit = 50, offset: Offset = 0) -> Paged[TagItem]:
    """List the collaborative tags you can see, oldest first."""
    from nextcloud_mcp_server.nextcloud.systemtags import SystemTagsAPI

    tags = await nc.api(SystemTagsAPI).list()
    return Paged[TagItem].of([TagItem.of(t) for t in tags], offset, limit)


@tool(TOOLSET, READ, title="Get file tags")
async def nc_webdav_get_file_tags(nc: Nextcloud, path: FilePath) -> FileTags:
    """List the tags on a file or folder."""
    from nextcloud_mcp_server.nextcloud.systemtags import SystemTagsAPI

    target = _path(path)
    file_id = await nc.webdav.file_id(target)
    tags = await nc.api(SystemTagsAPI).of_file(file_id)
    return FileTags(path=target, file_id=file_id, tags=[TagItem.of(t) for t in tags])


@tool(TOOLSET, READ, title="Find files by tag")
async def nc_webdav_find_by_tag_name(
    nc: Nextcloud, tag: TagName, limit: Limit = 50, offset: Offset = 0
) -> Paged[FileEntry]:
    """Find the files and folders carrying a tag (a tagged folder's contents are not tagged)."""
    from nextcloud_mcp_server.nextcloud.systemtags import SystemTagsAPI

    api = nc.api(SystemTagsAPI)
    found = await api.files(await api.named(_name(tag)))
    return Paged[FileEntry].of([FileEntry.of(i) for i in sorted(found, key=lambda i: i.path)], offset, limit)


@tool(TOOLSET, CREATE, title="Tag file")
async def nc_webdav_tag_file(nc: Nextcloud, path: FilePath, tag: TagName) -> TagChange:
    """Put a tag on a file or folder, creating the tag if there is none of that name."""
    from nextcloud_mcp_server.nextcloud.systemtags import SystemTagsAPI

    target, name = _path(path), _name(tag, new=True)
    file_id = await nc.webdav.file_id(target)
    api = nc.api(SystemTagsAPI)
    found = await api.find(name)
    chosen = found if found is not None else await api.create(name)
    changed = await api.assign(file_id, chosen)
    return TagChange(path=target, tag=TagItem.of(chosen), changed=changed, created_tag=found is None)


@tool(TOOLSET, DELETE, title="Untag file")
async def nc_webdav_untag_file(nc: Nextcloud, path: FilePath, tag: TagName) -> TagChange:
    """Take a tag off a file or folder; the tag itself stays."""
    from nextcloud_mcp_server.nextcloud.systemtags import SystemTagsAPI

    target, name = _path(path), _name(tag)
    file_id = await nc.webdav.file_id(target)
    api = nc.api(SystemTagsAPI)
    chosen = await api.named(name)
    changed = await api.unassign(file_id, chosen)
    return TagChange(path=target, tag=TagItem.of(chosen), changed=changed)


@tool(TOOLSET, CREATE, title="Create tag")
async def nc_tags_create(
    nc: Nextcloud,
    tag: TagName,
    visibility: Annotated[
        Visibility,
        Field(description="restricted: only admins assign it; invisible: users do not see it. Both need an admin."),
    ] = "public",
) -> TagItem:
    """Create a collaborative tag (nc_webdav_tag_file also creates one when needed)."""
    from nextcloud_mcp_server.nextcloud.systemtags import SystemTagsAPI

    name = _name(tag, new=True)
    created = await nc.api(SystemTagsAPI).create(
        name, visible=visibility != "invisible", assignable=visibility == "public"
    )
    return TagItem.of(created)


@tool(TOOLSET, DELETE, title="Delete tag")
async def nc_tags_delete(nc: Nextcloud, tag: TagName) -> DeletedTag:
    """Delete a tag, taking it off every file (Nextcloud lets only admins)."""
    from nextcloud_mcp_server.nextcloud.systemtags import SystemTagsAPI

    api = nc.api(SystemTagsAPI)
    chosen = await api.named(_name(tag))
    await api.delete(chosen)
    return DeletedTag(tag=TagItem.of(chosen))


@tool(TOOLSET, UPDATE, title="Set favorite")
async def nc_tags_set_favorite(nc: Nextcloud, path: FilePath, favorite: bool = True) -> FavoriteResult:
    """Mark a file or folder as favorite, or unmark it with favorite=false."""
    target = _path(path)
    await nc.webdav.set_favorite(target, favorite)
    info = await nc.webdav.stat(target)
    return FavoriteResult(path=target, favorite=info.favorite)
