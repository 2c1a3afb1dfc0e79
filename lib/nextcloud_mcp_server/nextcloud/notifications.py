"""Notifications (the notifications app over OCS, API v2): list, read one, dismiss one or all.

Why dismissing reads first: Nextcloud answers the deletion of a notification that is not the
caller's (or no longer exists) with success, so a mistyped id would look dismissed. `dismiss`
reads the notification first, so an unknown id is reported as not found and a known one comes
back with what was dismissed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from nextcloud_mcp_server.nextcloud.errors import BadResponse, detail_of, not_found
from nextcloud_mcp_server.nextcloud.ocs import OCS_HEADERS, unwrap

if TYPE_CHECKING:
    import httpx

    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

BASE = "/ocs/v2.php/apps/notifications/api/v2/notifications"


class NotificationAction(BaseModel):
    """A button of a notification: a label and the request it makes (`type` is its HTTP method, or WEB)."""

    model_config = ConfigDict(extra="ignore")

    label: str
    link: str
    type: str
    primary: bool = False


class Notification(BaseModel):
    """One notification as the v2 API answers it (the rich subject and message are not used here)."""

    model_config = ConfigDict(extra="ignore")

    notification_id: int
    app: str
    user: str
    datetime: str
    """ISO 8601 with offset."""
    object_type: str
    object_id: str
    subject: str
    message: str
    link: str
    actions: list[NotificationAction] = []


def _notification(data: Any) -> Notification:
    try:
        return Notification.model_validate(data)
    except ValidationError:
        raise BadResponse("a notification is not in the documented shape") from None


class NotificationsAPI:
    """The caller's notifications."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def all(self) -> list[Notification]:
        """All of the caller's notifications, newest first (as Nextcloud orders them)."""
        response: httpx.Response = await self._client.request("GET", BASE, headers=OCS_HEADERS)
        if response.status_code == 204:  # no app on this Nextcloud sends notifications
            return []
        data = unwrap(response)
        if not isinstance(data, list):
            raise BadResponse("the notifications are not a list")
        return [_notification(item) for item in data]

    async def get(self, notification_id: int) -> Notification:
        response = await self._client.request("GET", f"{BASE}/{notification_id}", headers=OCS_HEADERS, ok=(404,))
        if response.status_code == 404:
            raise not_found(f"notification {notification_id}", detail_of(response))
        return _notification(unwrap(response))

    async def dismiss(self, notification_id: int) -> Notification:
        """Delete one notification of the caller's; what it was."""
        notification = await self.get(notification_id)
        unwrap(await self._client.request("DELETE", f"{BASE}/{notification_id}", headers=OCS_HEADERS))
        return notification

    async def dismiss_all(self) -> None:
        unwrap(await self._client.request("DELETE", BASE, headers=OCS_HEADERS))
