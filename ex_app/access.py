"""Which credential reaches Nextcloud in ExApp mode: AppAPI headers for the calling user.

Why per-user clients: the AppAPI signature names the user, so each user gets a
NextcloudClient whose auth signs as them; a small bounded cache keeps their connection
pools warm without growing without limit.

The one exception: when the admin requires Flow 2 provisioning, an external OAuth client's
call reaches Nextcloud with the token broker's Bearer token for its user (exactly as in
standalone multi-user mode, progressive consent included), not through AppAPI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ex_app.auth import CALLER_KEY
from nextcloud_mcp_server.auth.caller import Caller
from nextcloud_mcp_server.auth.client_cache import ClientCache
from nextcloud_mcp_server.auth.errors import NeedsProvisioning
from nextcloud_mcp_server.auth.resource import bearer_caller
from nextcloud_mcp_server.nextcloud.appapi_auth import AppApiAuth, AppApiIdentity

if TYPE_CHECKING:
    import httpx

    from ex_app.oauth import ExternalClients
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient


def appapi_user(http: Any) -> str | None:
    """The Nextcloud user AppAPI vouched for on this HTTP request (None for an external OAuth client)."""
    state = getattr(http, "scope", {}).get("state", {}) if http is not None else {}
    user = state.get(CALLER_KEY) if isinstance(state, dict) else None
    return str(user) if user else None


class AppApiAccess:
    """NextcloudAccess for ExApp mode: one AppAPI-signed client per calling user."""

    def __init__(
        self,
        settings: Settings,
        identity: AppApiIdentity,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        external: ExternalClients | None = None,
    ) -> None:
        self._settings = settings
        self._identity = identity
        self._transport = transport
        self._external = external
        self._clients = ClientCache(self._signed_client)

    async def client_as(self, user: str) -> NextcloudClient:
        """The client that acts as `user` ("" for the app itself)."""
        return await self._clients.get(user)

    def _signed_client(self, user: str) -> NextcloudClient:
        from nextcloud_mcp_server.http import make_client
        from nextcloud_mcp_server.nextcloud.client import NextcloudClient

        base = self._settings.nextcloud_base
        http = make_client(
            self._settings, base_url=base, auth=AppApiAuth(self._identity, user), transport=self._transport
        )
        return NextcloudClient(http, user, base)

    def identify(self, http: Any) -> Caller | None:
        """The user AppAPI vouched for, else the verified bearer token's user (an external OAuth client)."""
        user = appapi_user(http)
        return Caller(user, "appapi") if user else bearer_caller(http)

    async def client_for(self, caller: Caller) -> NextcloudClient:
        external = self._external
        if external is not None and caller.via == "oauth" and await external.require_provisioning():
            delegated = await external.delegated()
            if delegated is None:  # the provider was unconfigured since the token was verified
                raise NeedsProvisioning(caller.user)
            return await delegated.client_for(caller)  # the broker's Bearer token, or a consent request
        return await self.client_as(caller.user)

    async def shared_client(self) -> NextcloudClient:
        """The app's own client (no user): status and capability checks."""
        return await self.client_as("")

    async def aclose(self) -> None:
        await self._clients.aclose()
