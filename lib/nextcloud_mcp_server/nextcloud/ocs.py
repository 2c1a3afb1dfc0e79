"""OCS: capabilities and the current user, reading both the v1 and the v2 envelope.

On v2 the HTTP status carries the error and `meta.statuscode` is 200 on success; on v1
the HTTP status is 200 for everything but 401 and `meta.statuscode` is 100 on success,
so v1 errors must be read from the meta code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from nextcloud_mcp_server.nextcloud.errors import BadResponse, error_for

if TYPE_CHECKING:
    import httpx

    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

OCS_HEADERS = {"OCS-APIRequest": "true", "Accept": "application/json"}
_V1_TO_HTTP = {997: 401, 998: 404, 996: 500, 101: 400, 102: 400, 103: 400, 104: 403}


class Quota(BaseModel):
    free: float | None = None
    used: float | None = None
    total: float | None = None
    relative: float | None = None


class CurrentUser(BaseModel):
    """The signed-in user as `cloud/user` reports it."""

    id: str
    display_name: str = Field(default="", alias="displayname")
    email: str | None = None
    quota: Quota | None = None
    language: str | None = None
    locale: str | None = None

    model_config = {"populate_by_name": True}


def unwrap(response: httpx.Response) -> Any:
    """The `ocs.data` of a v1 or v2 answer, raising the typed error for a failed meta status."""
    try:
        body = response.json()
        meta = body["ocs"]["meta"]
        data = body["ocs"].get("data")
    except (ValueError, KeyError, TypeError):
        raise BadResponse("not an OCS envelope") from None
    code = int(meta.get("statuscode", 0))
    if code == 100 or 200 <= code < 300:  # v2 carries the controller's status: 201 for something created
        return data
    status = _V1_TO_HTTP.get(code, code if 400 <= code < 600 else 400)
    raise error_for(status, str(meta.get("message") or ""))


class OCS:
    """OCS endpoints of the core server (v2 by default; v1 where callers ask for it)."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def get(self, path: str, *, version: int = 2, params: dict[str, Any] | None = None) -> Any:
        """GET an OCS path such as 'cloud/capabilities' and return `ocs.data`."""
        response = await self._client.request(
            "GET", f"/ocs/v{version}.php/{path.lstrip('/')}", headers=OCS_HEADERS, params=params
        )
        return unwrap(response)

    async def capabilities(self) -> dict[str, Any]:
        """Server version and each app's capabilities."""
        data = await self.get("cloud/capabilities")
        if not isinstance(data, dict):
            raise BadResponse("capabilities are not an object")
        return data

    async def current_user(self) -> CurrentUser:
        data = await self.get("cloud/user")
        return CurrentUser.model_validate(data)
