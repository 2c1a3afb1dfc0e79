"""MCP tools for the Announcement Center (`announcementcenter`): read, post and delete announcements.

The peer `nc-mcp-server`'s three tools (list, create, delete). Everyone reads the announcements
posted to their groups (or to everyone); only the app's admins (the `admin` group unless the
administrator named others) post and delete, and the app refuses anyone else in words.

Why no toolset requirement: the app contributes no capabilities, so gating cannot see it. Where it
is not enabled for the caller a call names the missing app (nextcloud/announcements.py finds it
from Nextcloud's answer, as the Shopping List tools do).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Self

from pydantic import BaseModel, Field

from nextcloud_mcp_server.registry import Toolset
from nextcloud_mcp_server.tools._base import CREATE, DELETE, READ, invalid
from nextcloud_mcp_server.tools.declare import Nextcloud, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud import announcements as api

TOOLSET = Toolset(
    "announcements",
    "Announcements",
    "The Announcement Center: read announcements; admins post and delete them.",
    default=False,
)

AnnouncementId = Annotated[int, Field(ge=1, description="From nc_announcements_list.")]


class AnnouncementItem(BaseModel):
    id: int
    subject: str
    message: str
    author: str
    time: datetime
    groups: list[str] | None = Field(description="Who it is for; shown to the app's admins only.")
    comments: int | None = Field(description="How many; null where comments are off.")

    @classmethod
    def of(cls, found: api.Announcement) -> Self:
        return cls(
            id=found.id,
            subject=found.subject,
            message=found.message,
            author=found.author or found.author_id,
            time=datetime.fromtimestamp(found.time, UTC),
            groups=[g.id for g in found.groups] if found.groups is not None else None,
            comments=None if isinstance(found.comments, bool) else found.comments,
        )


class AnnouncementPage(BaseModel):
    items: list[AnnouncementItem] = Field(description="Newest first, up to 7.")
    next_offset: int | None = Field(description="Pass as offset for older ones; null when there are none.")


class Deleted(BaseModel):
    deleted: AnnouncementItem
    message: str


@tool(TOOLSET, READ, title="List announcements")
async def nc_announcements_list(
    nc: Nextcloud,
    offset: Annotated[int, Field(ge=0, description="An announcement id: list those older than it.")] = 0,
) -> AnnouncementPage:
    """List the announcements posted to you, newest first, 7 at a time."""
    from nextcloud_mcp_server.nextcloud.announcements import PAGE, AnnouncementsAPI

    found = await nc.api(AnnouncementsAPI).page(offset)
    more = len(found) >= PAGE
    return AnnouncementPage(items=[AnnouncementItem.of(a) for a in found], next_offset=found[-1].id if more else None)


@tool(TOOLSET, CREATE, title="Post announcement")
async def nc_announcements_create(
    nc: Nextcloud,
    subject: str,
    message: str = "",
    groups: Annotated[list[str] | None, Field(description="Group ids to address; everyone if none.")] = None,
    notify: Annotated[bool, Field(description="Also as a notification and in the activity stream.")] = True,
    email: bool = False,
    comments: bool = True,
) -> AnnouncementItem:
    """Post an announcement (the app's admins only)."""
    from nextcloud_mcp_server.nextcloud.announcements import AnnouncementsAPI

    subject = " ".join(subject.split())
    if not subject:
        raise invalid("subject", "give the announcement a subject")
    if len(subject) > 512:
        raise invalid("subject", "keep the subject to 512 characters; put the rest in message")
    wanted = [g.strip() for g in groups or [] if g.strip()]
    made = await nc.api(AnnouncementsAPI).announce(
        subject, message.strip(), groups=wanted, notify=notify, email=email, comments=comments
    )
    return AnnouncementItem.of(made)


@tool(TOOLSET, DELETE, title="Delete announcement")
async def nc_announcements_delete(nc: Nextcloud, announcement_id: AnnouncementId) -> Deleted:
    """Delete an announcement with its comments and notifications (the app's admins only)."""
    from nextcloud_mcp_server.nextcloud.announcements import AnnouncementsAPI

    gone = await nc.api(AnnouncementsAPI).delete(announcement_id)
    return Deleted(deleted=AnnouncementItem.of(gone), message=f"Announcement {announcement_id} deleted")
