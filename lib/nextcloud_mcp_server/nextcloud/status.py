"""`/status.php`: is Nextcloud there, installed, and out of maintenance mode.

Used by the start-up check and `/health/ready`; it needs no credentials.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
from pydantic import BaseModel, ValidationError

from nextcloud_mcp_server.nextcloud.errors import BadResponse, raise_for_status, unreachable

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

STATUS_TIMEOUT = 5.0


class ServerStatus(BaseModel):
    installed: bool
    maintenance: bool
    version: str = ""
    versionstring: str = ""
    productname: str = "Nextcloud"

    @property
    def display_version(self) -> str:
        """The version as Nextcloud shows it to people (e.g. 31.0.9 rather than 31.0.9.1)."""
        return self.versionstring or self.version


async def server_status(client: NextcloudClient) -> ServerStatus:
    """Read /status.php with a short timeout; raise Unreachable or BadResponse when it fails."""
    try:
        response = await client.http.get(client.url("/status.php"), timeout=STATUS_TIMEOUT, auth=None)
    except httpx.RequestError as exc:
        raise unreachable(exc, client.base_url) from None
    raise_for_status(response)
    try:
        return ServerStatus.model_validate_json(response.content)
    except ValidationError:
        raise BadResponse(f"{client.base_url}/status.php is not a Nextcloud status document") from None
