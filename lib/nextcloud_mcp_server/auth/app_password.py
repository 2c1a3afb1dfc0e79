"""Single-user standalone mode: every caller acts as the configured user with an app password.

Why a class: the OAuth and ExApp modes resolve a client per caller; this one keeps one
pooled client for the process, created on first use so start-up stays lean.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio

from nextcloud_mcp_server.auth.caller import Caller, NoCaller

if TYPE_CHECKING:
    import httpx

    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient


class AppPasswordAccess:
    """One shared NextcloudClient with Basic auth (user + app password)."""

    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._settings = settings
        self._transport = transport
        self._client: NextcloudClient | None = None
        self._lock = anyio.Lock()

    async def shared_client(self) -> NextcloudClient:
        if self._client is None:
            async with self._lock:
                if self._client is None:
                    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

                    self._client = NextcloudClient.with_app_password(self._settings, transport=self._transport)
        return self._client

    def identify(self, http: Any) -> Caller | None:
        """Every request is the configured user's: this mode serves one user (its listener is theirs)."""
        user = self._settings.nextcloud_username
        return Caller(user, "app_password") if user else None

    async def client_for(self, caller: Caller) -> NextcloudClient:
        if caller.user != self._settings.nextcloud_username:
            raise NoCaller(f"only the configured user is served with the app password, not '{caller.user}'")
        return await self.shared_client()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
