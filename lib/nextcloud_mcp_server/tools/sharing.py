"""MCP tools for sharing files and folders (the files_sharing app's OCS API): shares you make,
public links, shares offered to you (pending, accept, decline) and finding whom to share with.

Names follow the PyPI `nextcloud-mcp-server` package where it has the tool (`nc_share_create`,
`nc_share_create_public_link`, `nc_share_get`, `nc_share_list`, `nc_share_update`,
`nc_share_delete`, with its `path`, `share_with`, `share_type`, `permissions`, `share_id` and
`shared_with_me`); share types and permissions are names here, not Nextcloud's numbers and bit
masks. What Nextcloud's rules refuse (a password policy, an enforced expiry date, a share type
the administrator turned off) comes back in Nextcloud's own words (nextcloud/sharing.py).
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import BaseModel, Field

from nextcloud_mcp_server.nextcloud.paths import normalize
from nextcloud_mcp_server.registry import Requirement, Toolset
from nextcloud_mcp_server.tools._base import CREATE, DELETE, READ, UPDATE, Limit, Offset, Paged, invalid
from nextcloud_mcp_server.tools.declare import Nextcloud, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.sharing import Share, Sharee

TOOLSET = Toolset(
    "sharing",
    "Sharing",
    "Share files and folders with people, groups and public links; accept shares offered to you.",
    default=False,
    requires=Requirement("files_sharing", "Sharing"),
)

ShareType = Literal["user", "group", "email", "federated", "team", "talk_room"]
Permission = Literal["read", "update", "create", "delete", "share"]

ShareId = Annotated[int, Field(ge=1, description="From nc_share_list(_pending).")]
SharePath = Annotated[str, Field(description="Under the files root, e.g. 'Projects/plan.md'.")]
Permissions = Annotated[list[Permission] | None, Field(description="Default: all the item allows.")]
ExpireDate = Annotated[str | None, Field(description="YYYY-MM-DD.")]

LINK_ACCESS = {"read_only": 1, "upload": 1 | 2 | 4 | 8, "file_drop": 4}
"""A public link's permissions (read; read, update, create and delete; create only)."""
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class ShareItem(BaseModel):
    """A share: what is shared, with whom, and how."""

    id: int = Field(description="The share id (share_id of the other tools).")
    share_type: str = Field(description="user, group, link, email, federated, team, talk_room, ...")
    path: str | None = Field(description="Where the shared item is in your files.")
    item_type: str = Field(description="file or folder.")
    share_with: str | None = Field(description="The recipient's id, email address or token; null for a link.")
    share_with_name: str | None = Field(description="The recipient's display name.")
    permissions: list[str] = Field(
        description="What the recipient may do: read, update, create, delete, share (none while pending)."
    )
    expiration: str | None = Field(description="Access ends as this day (YYYY-MM-DD) begins; null: never.")
    owner: str = Field(description="Who made the share.")
    note: str = Field(description="The note to the recipient.")
    label: str = Field(description="The label (links and email shares).")
    url: str | None = Field(description="The public link's address.")
    has_password: bool = Field(description="Whether opening it needs a password.")
    hide_download: bool = Field(description="Whether the link hides the download button.")

    @classmethod
    def of(cls, share: Share) -> Self:
        from nextcloud_mcp_server.nextcloud.sharing import SHARE_TYPES, permission_names, type_name

        link = share.share_type == SHARE_TYPES["link"]
        return cls(
            id=share.id,
            share_type=type_name(share.share_type),
            path=share.path.lstrip("/") if share.path else share.path,
            item_type=share.item_type,
            share_with=None if link else share.share_with,  # a link's share_with is its password hash
            share_with_name=None if link else share.share_with_displayname,
            permissions=permission_names(share.permissions),
            expiration=share.expiration_date,
            owner=share.uid_owner,
            note=share.note,
            label=share.label,
            url=share.url,
            has_password=bool(share.password),
            hide_download=bool(share.hide_download),
        )


class ShareeItem(BaseModel):
    """Someone or something to share with: pass share_type and share_with to nc_share_create."""

    share_type: str = Field(description="user, group, email, federated, team, talk_room or federated_group.")
    share_with: str = Field(description="The id to share with.")
    label: str = Field(description="The display name.")
    detail: str = Field(description="What tells equal labels apart (an email address, a server).")
    exact: bool = Field(description="Whether it matches the search exactly.")

    @classmethod
    def of(cls, sharee: Sharee) -> Self:
        from nextcloud_mcp_server.nextcloud.sharing import type_name

        return cls(
            share_type=type_name(sharee.share_type),
            share_with=sharee.share_with,
            label=sharee.label,
            detail=sharee.detail,
            exact=sharee.exact,
        )


class ShareGone(BaseModel):
    share_id: int = Field(description="The share.")
    message: str = Field(description="What happened.")


def _path(value: str) -> str:
    return normalize(value, allow_root=False, argument="path")


def _date(argument: str, value: str | None, *, removable: bool = False) -> str | None:
    """A YYYY-MM-DD date as Nextcloud takes it ('' only where it removes the date)."""
    if value is None or (removable and value == ""):
        return value
    text = value.strip()
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        date.fromisoformat(text)
    except ValueError:
        hint = "; '' removes it" if removable else ""
        raise invalid(argument, f"{value!r} is not a date; use YYYY-MM-DD, e.g. 2026-07-31{hint}") from None
    return text


def _bits(permissions: list[Permission] | None) -> int | None:
    from nextcloud_mcp_server.nextcloud.sharing import permission_bits

    if permissions is None:
        return None
    if not permissions:
        raise invalid("permissions", "name at least one, e.g. ['read'], or leave it out for the default")
    return permission_bits(list(permissions))


def _text(argument: str, value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise invalid(argument, "must not be blank; leave it out instead")
    return value


@tool(TOOLSET, READ, title="List shares")
async def nc_share_list(
    nc: Nextcloud,
    path: Annotated[str | None, Field(description="Only shares of this file or folder.")] = None,
    shared_with_me: Annotated[bool, Field(description="Shares others made with you, instead of yours.")] = False,
    subfiles: Annotated[bool, Field(description="Shares of the items inside the folder `path`.")] = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Paged[ShareItem]:
    """List the shares you made, or those shared with you."""
    from nextcloud_mcp_server.nextcloud.sharing import SharingAPI

    target = _path(path) if path is not None else None
    if subfiles and target is None:
        raise invalid("subfiles", "needs `path`, the folder whose items' shares to list")
    shares = await nc.api(SharingAPI).shares(path=target, shared_with_me=shared_with_me, subfiles=subfiles)
    return Paged[ShareItem].of([ShareItem.of(s) for s in shares], offset, limit)


@tool(TOOLSET, READ, title="Get share")
async def nc_share_get(nc: Nextcloud, share_id: ShareId) -> ShareItem:
    """Get one share: recipient, permissions, expiry, link."""
    from nextcloud_mcp_server.nextcloud.sharing import SharingAPI

    return ShareItem.of(await nc.api(SharingAPI).get(share_id))


@tool(TOOLSET, CREATE, title="Share with someone")
async def nc_share_create(
    nc: Nextcloud,
    path: SharePath,
    share_with: Annotated[str, Field(description="Id, email, user@server or Talk token: see nc_share_search_sharees.")],
    share_type: ShareType = "user",
    permissions: Permissions = None,
    expire_date: ExpireDate = None,
    note: Annotated[str | None, Field(description="Shown to the recipient.")] = None,
    password: Annotated[str | None, Field(description="Email shares only.")] = None,
    label: Annotated[str | None, Field(description="Email shares only.")] = None,
    send_mail: Annotated[bool | None, Field(description="Notify by email.")] = None,
) -> ShareItem:
    """Share a file or folder with a user, group, team, email address, federated user or Talk room."""
    from nextcloud_mcp_server.nextcloud.sharing import SHARE_TYPES, SharingAPI

    target = _path(path)
    if not share_with.strip():
        raise invalid("share_with", "must not be empty; find the id with nc_share_search_sharees")
    for name, value in (("password", password), ("label", label)):
        if value is not None and share_type != "email":
            raise invalid(name, "only email shares take one; for a public link use nc_share_create_public_link")
    share = await nc.api(SharingAPI).create(
        target,
        SHARE_TYPES[share_type],
        share_with=share_with.strip(),
        permissions=_bits(permissions),
        password=_text("password", password),
        expire_date=_date("expire_date", expire_date),
        note=note,
        label=label,
        send_mail=send_mail,
    )
    return ShareItem.of(share)


@tool(TOOLSET, CREATE, title="Create public link")
async def nc_share_create_public_link(
    nc: Nextcloud,
    path: SharePath,
    access: Annotated[
        Literal["read_only", "upload", "file_drop"],
        Field(description="upload: visitors also add, change, delete (a file: edit); file_drop: only add (folders)."),
    ] = "read_only",
    password: str | None = None,
    expire_date: ExpireDate = None,
    hide_download: bool = False,
    label: Annotated[str | None, Field(description="Tells your links apart.")] = None,
) -> ShareItem:
    """Create a link anyone with its URL can open."""
    from nextcloud_mcp_server.nextcloud.sharing import SHARE_TYPES, SharingAPI

    target = _path(path)
    if access == "file_drop" and not (await nc.webdav.stat(target)).is_dir:
        raise invalid("access", "file_drop needs a folder; share a folder, or use read_only or upload")
    api = nc.api(SharingAPI)
    share = await api.create(
        target,
        SHARE_TYPES["link"],
        permissions=LINK_ACCESS[access],
        password=_text("password", password),
        expire_date=_date("expire_date", expire_date),
        label=label,
    )
    if hide_download:
        share = await api.update(share.id, hide_download=True)
    return ShareItem.of(share)


@tool(TOOLSET, UPDATE, title="Update share")
async def nc_share_update(
    nc: Nextcloud,
    share_id: ShareId,
    permissions: list[Permission] | None = None,
    expire_date: Annotated[str | None, Field(description="YYYY-MM-DD; '' removes it.")] = None,
    note: str | None = None,
    label: str | None = None,
    password: Annotated[str | None, Field(description="Links and email shares; '' removes it.")] = None,
    hide_download: bool | None = None,
) -> ShareItem:
    """Change a share you made; what you leave out stays as it is."""
    from nextcloud_mcp_server.nextcloud.sharing import SharingAPI

    changes = (permissions, expire_date, note, label, password, hide_download)
    if all(value is None for value in changes):
        raise invalid("permissions/expire_date/note/label/password/hide_download", "give at least one to change")
    share = await nc.api(SharingAPI).update(
        share_id,
        permissions=_bits(permissions),
        expire_date=_date("expire_date", expire_date, removable=True),
        note=note,
        label=label,
        password=password,
        hide_download=hide_download,
    )
    return ShareItem.of(share)


@tool(TOOLSET, DELETE, title="Delete share")
async def nc_share_delete(nc: Nextcloud, share_id: ShareId) -> ShareGone:
    """Delete a share you made; its recipients lose access."""
    from nextcloud_mcp_server.nextcloud.sharing import SharingAPI

    await nc.api(SharingAPI).delete(share_id)
    return ShareGone(share_id=share_id, message=f"Share {share_id} deleted")


@tool(TOOLSET, READ, title="List pending shares")
async def nc_share_list_pending(nc: Nextcloud, limit: Limit = 50, offset: Offset = 0) -> Paged[ShareItem]:
    """Shares offered to you that you have not accepted."""
    from nextcloud_mcp_server.nextcloud.sharing import SharingAPI

    shares = await nc.api(SharingAPI).pending()
    return Paged[ShareItem].of([ShareItem.of(s) for s in shares], offset, limit)


@tool(TOOLSET, CREATE, title="Accept share")
async def nc_share_accept(nc: Nextcloud, share_id: ShareId) -> ShareItem:
    """Accept a pending share; the result's path is where it is in your files."""
    from nextcloud_mcp_server.nextcloud.sharing import SharingAPI

    api = nc.api(SharingAPI)
    await api.accept(share_id)
    return ShareItem.of(await api.get(share_id))


@tool(TOOLSET, DELETE, title="Decline share")
async def nc_share_decline(nc: Nextcloud, share_id: ShareId) -> ShareGone:
    """Decline a share offered to you, or leave one you accepted."""
    from nextcloud_mcp_server.nextcloud.sharing import SharingAPI

    api = nc.api(SharingAPI)
    offered = [*await api.pending(), *await api.shares(shared_with_me=True)]
    if share_id not in {share.id for share in offered}:
        await api.get(share_id)  # not found, or not the caller's: Nextcloud's 404 says so
        raise invalid("share_id", "is not a share offered to you; to end a share you made, use nc_share_delete")
    await api.delete(share_id)
    return ShareGone(share_id=share_id, message=f"Share {share_id} declined; it is not in your files")


@tool(TOOLSET, READ, title="Find whom to share with")
async def nc_share_search_sharees(
    nc: Nextcloud,
    search: Annotated[str, Field(description="Part of a name, id or email; '' for those you share with.")] = "",
    share_types: Annotated[list[ShareType] | None, Field(description="Only these kinds.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Paged[ShareeItem]:
    """Find users, groups, teams and email addresses to share with, exact matches first."""
    from nextcloud_mcp_server.nextcloud.sharing import SHARE_TYPES, SharingAPI

    api = nc.api(SharingAPI)
    codes = [SHARE_TYPES[name] for name in share_types] if share_types else None
    found = (
        await api.sharees(search.strip(), share_types=codes)
        if search.strip()
        else await api.recommended(share_types=codes)
    )
    return Paged[ShareeItem].of([ShareeItem.of(s) for s in found], offset, limit)
