"""Out-of-office (the dav app's absence API over OCS, Nextcloud 28+): anyone's absence, one's own to set.

Why two reads: `outOfOffice/{userId}` is the absence a user has configured (it stays after it
ended, until replaced or cleared), `outOfOffice/{userId}/now` answers only while it is on, as
Nextcloud computes it in the user's time zone. Both are open to every signed-in user, which is
how "who is out of office" is answered. Setting and clearing always act on the caller, whatever
user id the path names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nextcloud_mcp_server.nextcloud.errors import BadResponse, detail_of, error_for, not_found
from nextcloud_mcp_server.nextcloud.ocs import OCS_HEADERS, unwrap

if TYPE_CHECKING:
    import httpx

    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

BASE = "/ocs/v2.php/apps/dav/api/v1/outOfOffice"
MAX_STATUS_LENGTH = 100
"""Nextcloud refuses a longer short status (`{"error": "statusLength"}`)."""


class Absence(BaseModel):
    """A configured absence: first and last day (YYYY-MM-DD), short status and longer message."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    user_id: str = Field(alias="userId")
    first_day: str = Field(alias="firstDay")
    last_day: str = Field(alias="lastDay")
    status: str
    message: str
    replacement_user_id: str | None = Field(default=None, alias="replacementUserId")
    replacement_user_display_name: str | None = Field(default=None, alias="replacementUserDisplayName")


def _absence(data: Any) -> Absence:
    try:
        return Absence.model_validate(data)
    except ValidationError:
        raise BadResponse("the out-of-office data is not in the documented shape") from None


class OutOfOfficeAPI:
    """Absences: anyone's to read, the caller's own to set and clear."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def _send(self, method: str, user_id: str, tail: str = "", *, json: Any = None) -> httpx.Response:
        path = f"{BASE}/{quote(user_id, safe='')}{tail}"
        return await self._client.request(method, path, headers=OCS_HEADERS, json=json, ok=(400, 404))

    async def get(self, user_id: str) -> Absence | None:
        """The absence `user_id` has configured (past, present or future), or None."""
        response = await self._send("GET", user_id)
        return None if response.status_code == 404 else _absence(unwrap(response))

    async def is_on(self, user_id: str) -> bool:
        """Whether `user_id` is out of office now (in their time zone)."""
        response = await self._send("GET", user_id, "/now")
        if response.status_code == 404:
            return False
        unwrap(response)
        return True

    async def set(
        self, first_day: str, last_day: str, status: str, message: str, replacement_user_id: str | None = None
    ) -> Absence:
        """Configure the caller's absence (replacing any earlier one)."""
        body: dict[str, Any] = {"firstDay": first_day, "lastDay": last_day, "status": status, "message": message}
        if replacement_user_id:
            body["replacementUserId"] = replacement_user_id
        response = await self._send("POST", self._client.user, json=body)
        if response.status_code == 404:  # only the replacement can be missing: the caller exists
            raise not_found(f"replacement user '{replacement_user_id}'", detail_of(response))
        if response.status_code == 400:
            data = _data(response)
            which = data.get("error") if isinstance(data, dict) else None
            raise error_for(400, f"error: {which}" if which else detail_of(response))
        return _absence(unwrap(response))

    async def clear(self) -> None:
        """Remove the caller's absence (nothing happens if there is none)."""
        unwrap(await self._send("DELETE", self._client.user))


def _data(response: httpx.Response) -> Any:
    try:
        return response.json()["ocs"]["data"]
    except (ValueError, KeyError, TypeError):
        return None
