"""MCP tools for the notifications app: list the caller's notifications, dismiss one or all of them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, Field

from nextcloud_mcp_server.registry import Requirement, Toolset
from nextcloud_mcp_server.tools._base import DELETE, READ, Limit, Offset, Paged
from nextcloud_mcp_server.tools.declare import Nextcloud, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.notifications import Notification

TOOLSET = Toolset(
    "notifications",
    "Notifications",
    "Your Nextcloud notifications: list them, dismiss one or all.",
    default=False,
    requires=Requirement("notifications", "Notifications"),
)

NotificationId = Annotated[int, Field(ge=1, description="From nc_notifications_list.")]


class ActionItem(BaseModel):
    label: str
    method: str = Field(description="HTTP method of the action's request, or WEB for a page to open.")
    url: str


class NotificationItem(BaseModel):
    id: int = Field(description="Pass to nc_notifications_dismiss.")
    app: str = Field(description="The app that sent it (files_sharing, spreed, calendar, ...).")
    time: datetime
    subject: str
    message: str
    link: str = Field(description="Where it points; '' if nowhere.")
    object_type: str
    object_id: str
    actions: list[ActionItem]

    @classmethod
    def of(cls, notification: Notification) -> NotificationItem:
        return cls(
            id=notification.notification_id,
            app=notification.app,
            time=datetime.fromisoformat(notification.datetime),
            subject=notification.subject,
            message=notification.message,
            link=notification.link,
            object_type=notification.object_type,
            object_id=notification.object_id,
            actions=[ActionItem(label=a.label, method=a.type, url=a.link) for a in notification.actions],
        )


class Dismissed(BaseModel):
    dismissed: NotificationItem = Field(description="What was dismissed.")
    message: str = Field(description="What happened.")


class DismissedAll(BaseModel):
    count: int = Field(description="How many notifications were dismissed.")
    message: str = Field(description="What happened.")


@tool(TOOLSET, READ, title="List notifications")
async def nc_notifications_list(nc: Nextcloud, limit: Limit = 50, offset: Offset = 0) -> Paged[NotificationItem]:
    """List your notifications, newest first: what happened, in which app, and the actions offered."""
    from nextcloud_mcp_server.nextcloud.notifications import NotificationsAPI

    items = [NotificationItem.of(n) for n in await nc.api(NotificationsAPI).all()]
    items.sort(key=lambda n: (n.time.timestamp(), n.id), reverse=True)
    return Paged[NotificationItem].of(items, offset, limit)


@tool(TOOLSET, DELETE, title="Dismiss notification")
async def nc_notifications_dismiss(nc: Nextcloud, notification_id: NotificationId) -> Dismissed:
    """Dismiss one notification (it disappears on all your devices)."""
    from nextcloud_mcp_server.nextcloud.notifications import NotificationsAPI

    gone = await nc.api(NotificationsAPI).dismiss(notification_id)
    return Dismissed(dismissed=NotificationItem.of(gone), message=f"Notification {notification_id} dismissed")


@tool(TOOLSET, DELETE, title="Dismiss all notifications")
async def nc_notifications_dismiss_all(nc: Nextcloud) -> DismissedAll:
    """Dismiss all of your notifications at once."""
    from nextcloud_mcp_server.nextcloud.notifications import NotificationsAPI

    api = nc.api(NotificationsAPI)
    found = await api.all()
    await api.dismiss_all()
    return DismissedAll(count=len(found), message=f"{len(found)} notifications dismissed")
