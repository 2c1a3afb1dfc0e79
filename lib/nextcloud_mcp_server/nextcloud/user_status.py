"""User status (the user_status app over OCS): one's own status and message, and anyone's public status.

Why "no status" is not an error: an account that never had a status (no browser session, no
client's heartbeat, no status set) has no row, and Nextcloud answers 404 for it, for one's own
status as for another account's (where 404 also covers an account that does not exist). Both
come back as None, for the tools to say "no status recorded".

Statuses are what Nextcloud reports now: it turns an expired `clearAt` into no message and an
unattended `online` into `offline` when it is read, and shows another account's `invisible` as
`offline`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nextcloud_mcp_server.nextcloud.errors import BadResponse, detail_of, error_for
from nextcloud_mcp_server.nextcloud.ocs import OCS_HEADERS, unwrap

if TYPE_CHECKING:
    import httpx

    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

BASE = "/ocs/v2.php/apps/user_status/api/v1"
StatusType = Literal["online", "away", "dnd", "busy", "invisible", "offline"]
MAX_MESSAGE_LENGTH = 80
"""Nextcloud refuses longer custom messages (StatusService::MAXIMUM_MESSAGE_LENGTH)."""


class UserStatus(BaseModel):
    """A status as `statuses/{userId}` (public) or `user_status` (one's own, with more) answers it."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    user_id: str = Field(alias="userId")
    status: StatusType
    message: str | None = None
    icon: str | None = None
    clear_at: int | None = Field(default=None, alias="clearAt")
    """Unix time at which the message (and a status set with it) is cleared."""
    message_id: str | None = Field(default=None, alias="messageId")
    """The predefined message's id (e.g. `meeting`, `out-of-office`); own status only."""
    status_is_user_defined: bool | None = Field(default=None, alias="statusIsUserDefined")


def _status(data: Any) -> UserStatus:
    try:
        return UserStatus.model_validate(data)
    except ValidationError:
        raise BadResponse("the user status is not in the documented shape") from None


class UserStatusAPI:
    """The caller's status, and the public status of other accounts."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def _send(self, method: str, path: str, *, json: Any = None, missing_ok: bool = False) -> Any:
        """One OCS v2 call: its `ocs.data`; None for a 404 when `missing_ok`."""
        response: httpx.Response = await self._client.request(
            method, f"{BASE}{path}", headers=OCS_HEADERS, json=json, ok=(400, 404)
        )
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code in (400, 404):
            raise error_for(response.status_code, detail_of(response))
        return unwrap(response)

    async def mine(self) -> UserStatus | None:
        data = await self._send("GET", "/user_status", missing_ok=True)
        return None if data is None else _status(data)

    async def of(self, user_id: str) -> UserStatus | None:
        """Another account's public status; None when it has none (or does not exist)."""
        data = await self._send("GET", f"/statuses/{quote(user_id, safe='')}", missing_ok=True)
        return None if data is None else _status(data)

    async def set_status(self, status: StatusType) -> UserStatus:
        return _status(await self._send("PUT", "/user_status/status", json={"statusType": status}))

    async def set_message(
        self, message: str | None, *, icon: str | None = None, clear_at: int | None = None
    ) -> UserStatus:
        """A custom message (with an emoji `icon`), cleared at `clear_at` (Unix time) if given."""
        body = {"message": message, "statusIcon": icon, "clearAt": clear_at}
        return _status(await self._send("PUT", "/user_status/message/custom", json=body))

    async def clear_message(self) -> None:
        """Remove the message, its icon and its clear-at; the status type stays."""
        await self._send("DELETE", "/user_status/message")
