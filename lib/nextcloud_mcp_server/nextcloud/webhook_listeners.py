"""webhook_listeners' OCS API: register, list and delete webhooks (admin rights needed).

Why typed: the CLI and (later) the ExApp register the same webhooks; both read `WebhookInfo`
as the app's OpenAPI document defines it (ids are strings there), and as Nextcloud serialises a
registration: `eventFilter` is `[]` when there is none (PHP's empty array), `userId` is null for
a registration an ExApp made as itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, field_validator

from nextcloud_mcp_server.nextcloud.errors import BadResponse
from nextcloud_mcp_server.nextcloud.ocs import OCS_HEADERS, unwrap

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

BASE = "/ocs/v2.php/apps/webhook_listeners/api/v1/webhooks"


class WebhookInfo(BaseModel):
    id: int
    user_id: str | None = Field(default=None, alias="userId")
    http_method: str = Field(alias="httpMethod")
    uri: str
    event: str | None = None
    event_filter: dict[str, Any] | None = Field(default=None, alias="eventFilter")
    auth_method: str = Field(alias="authMethod")

    model_config = {"populate_by_name": True}

    @field_validator("event_filter", mode="before")
    @classmethod
    def _no_filter(cls, value: Any) -> Any:
        return None if value == [] else value  # PHP's empty array: no filter


def _info(data: Any) -> WebhookInfo:
    try:
        return WebhookInfo.model_validate(data)
    except ValueError:
        raise BadResponse("not a webhook_listeners WebhookInfo") from None


class WebhookListenersAPI:
    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def list(self, *, uri: str | None = None) -> list[WebhookInfo]:
        params = {"uri": uri} if uri else None
        data = unwrap(await self._client.request("GET", BASE, headers=OCS_HEADERS, params=params))
        if not isinstance(data, list):
            raise BadResponse("the webhook list is not a list")
        return [_info(item) for item in data]

    async def register(
        self, *, uri: str, event: str, auth_headers: dict[str, str], event_filter: dict[str, Any] | None = None
    ) -> WebhookInfo:
        """A POST webhook for `event` to `uri`; Nextcloud sends `auth_headers` with each delivery."""
        body: dict[str, Any] = {
            "httpMethod": "POST",
            "uri": uri,
            "event": event,
            "authMethod": "header",
            "authData": auth_headers,
        }
        if event_filter:
            body["eventFilter"] = event_filter
        return _info(unwrap(await self._client.request("POST", BASE, headers=OCS_HEADERS, json=body)))

    async def delete(self, webhook_id: int) -> None:
        unwrap(await self._client.request("DELETE", f"{BASE}/{webhook_id}", headers=OCS_HEADERS))
