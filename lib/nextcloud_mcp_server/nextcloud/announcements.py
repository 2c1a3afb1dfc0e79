"""Announcements (the `announcementcenter` app) over OCS `apps/announcementcenter/api/v1`.

Why paging by id: the app answers at most 7 announcements a call, newest first, and its `offset`
is not a count but an announcement id: the next page is those older than the last one seen.
`page` passes that through; the tool says which `offset` gives the next page.

Why `Refused` and `AppUnavailable`: only members of the app's admin groups (by default `admin`)
may post or delete; to anyone else it answers 403 `{"message": "Logged in user must be an admin"}`,
a rule, not a missing share. A subject that is empty or too long is 400 `{"error": ...}`. The app
contributes no capabilities, so gating cannot see it; where it is not enabled for the caller
Nextcloud's router answers 404 with no data, which is `AppUnavailable`.

Why groups are checked before posting: the app drops a group it does not know without a word and,
when none is left, posts to everyone. `announce` finds each group first (the app's own group
search) and refuses a name that matches none.

Why deleting reads first: the app answers the deletion of an id it does not have with success.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from nextcloud_mcp_server.nextcloud.errors import (
    AppUnavailable,
    BadResponse,
    InvalidInput,
    Refused,
    detail_of,
    error_for,
    not_found,
)
from nextcloud_mcp_server.nextcloud.ocs import OCS_HEADERS, unwrap

if TYPE_CHECKING:
    import httpx

    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

APP, TITLE = "announcementcenter", "Announcement Center"
BASE = "/ocs/v2.php/apps/announcementcenter/api/v1"
PAGE = 7
"""How many announcements the app answers per call."""


class Group(BaseModel):
    id: str
    name: str


class Announcement(BaseModel):
    """One announcement as APIController::renderAnnouncement answers it; `groups` and
    `notifications` only for the app's admins."""

    model_config = ConfigDict(extra="ignore")

    id: int
    author_id: str
    author: str = ""
    time: int
    subject: str
    message: str = ""
    groups: list[Group] | None = None
    comments: int | bool = False
    """The number of comments, or false where comments are off."""
    notifications: bool | None = None
    schedule_time: int | None = None
    delete_time: int | None = None


def _announcement(data: Any) -> Announcement:
    try:
        return Announcement.model_validate(data)
    except ValidationError:
        raise BadResponse("an announcement is not in the documented shape") from None


def _data(response: httpx.Response) -> Any:
    try:
        return response.json()["ocs"]["data"]
    except (ValueError, KeyError, TypeError):
        return None


class AnnouncementsAPI:
    """The announcements the caller may read, and posting or deleting them as the app's admin."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def _call(
        self, method: str, path: str, subject: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        response = await self._client.request(
            method, BASE + path, headers=OCS_HEADERS, json=json, params=params, ok=tuple(range(400, 600))
        )
        if response.is_success:
            return unwrap(response)
        found = _data(response)
        said = found.get("message") or found.get("error") if isinstance(found, dict) else None
        if not isinstance(said, str) or not said:  # not the app's answer: the router's
            if response.status_code == 404:
                raise AppUnavailable(APP, TITLE, detail_of(response))
            raise error_for(response.status_code, detail_of(response), subject=subject)
        refused = Refused(said, status=response.status_code)
        refused.subject = subject
        raise refused

    async def page(self, before_id: int = 0) -> list[Announcement]:
        """Up to 7 announcements, newest first; with `before_id`, those older than that id."""
        params = {"offset": before_id} if before_id else None
        data = await self._call("GET", "/announcements", "the announcements", params=params)
        if not isinstance(data, list):
            raise BadResponse("the announcements are not a list")
        return [_announcement(item) for item in data]

    async def get(self, announcement_id: int) -> Announcement:
        """One announcement the caller may read (the app has no route for one: the page starting at it)."""
        found = next((a for a in await self.page(announcement_id + 1) if a.id == announcement_id), None)
        if found is None:
            raise not_found(f"announcement {announcement_id}")
        return found

    async def find_group(self, name: str) -> str:
        """The id of the group called `name` (its id or display name), through the app's admin-only search."""
        if name == "everyone":
            return name
        data = await self._call("GET", "/groups", "the groups", params={"search": name})
        groups = data if isinstance(data, list) else []
        for group in groups:
            if isinstance(group, dict) and name in (group.get("id"), group.get("label")):
                return str(group["id"])
        raise InvalidInput("groups", f"no group '{name}' exists; give group ids, or leave groups out for everyone")

    async def announce(
        self,
        subject: str,
        message: str,
        *,
        groups: list[str],
        notify: bool,
        email: bool,
        comments: bool,
    ) -> Announcement:
        gids = [await self.find_group(name) for name in groups]
        body = {
            "subject": subject,
            "message": message,
            "plainMessage": message,
            "groups": gids,
            "activities": notify,
            "notifications": notify,
            "emails": email,
            "comments": comments,
        }
        return _announcement(await self._call("POST", "/announcements", f"announcement '{subject}'", json=body))

    async def delete(self, announcement_id: int) -> Announcement:
        """Delete one; what it was."""
        found = await self.get(announcement_id)
        await self._call("DELETE", f"/announcements/{announcement_id}", f"announcement {announcement_id}")
        return found
