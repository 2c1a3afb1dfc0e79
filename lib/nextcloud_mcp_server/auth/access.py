"""Which credential reaches Nextcloud for an OAuth caller (Flow 1, and Flow 2 when provisioning is on).

Why no token passthrough: the client's token was minted for this server (its audience is
our resource) and is never sent to Nextcloud. The configured NEXTCLOUD_USERNAME is served
with the app password; any other user must first grant this server its own delegated
access (Flow 2), which `NeedsProvisioning` asks for; once they have, the token broker turns
their stored refresh token into short-lived Bearer tokens for Nextcloud.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nextcloud_mcp_server.auth.caller import Caller, caller_or_none, current_context
from nextcloud_mcp_server.auth.client_cache import ClientCache
from nextcloud_mcp_server.auth.errors import NeedsProvisioning
from nextcloud_mcp_server.auth.resource import bearer_caller

if TYPE_CHECKING:
    from nextcloud_mcp_server.auth.app_password import AppPasswordAccess
    from nextcloud_mcp_server.auth.provisioning import Provisioning
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient
    from nextcloud_mcp_server.store.oauth import TokenRecord


class OAuthAccess:
    """Resolves the bearer-token caller of a request to a NextcloudClient."""

    def __init__(
        self, settings: Settings, app_password: AppPasswordAccess, provisioning: Provisioning | None = None
    ) -> None:
        self._settings = settings
        self._app_password = app_password
        self._provisioning = provisioning
        self._clients = ClientCache(self._bearer_client)
        self._anonymous: NextcloudClient | None = None

    async def shared_client(self) -> NextcloudClient:
        """The app-password client (health checks use it); without one (multi-user mode) an anonymous client."""
        if self._settings.nextcloud_username:
            return await self._app_password.shared_client()
        if self._anonymous is None:
            from nextcloud_mcp_server.http import make_client
            from nextcloud_mcp_server.nextcloud.client import NextcloudClient

            http = make_client(self._settings, base_url=self._settings.nextcloud_base)
            self._anonymous = NextcloudClient(http, "", self._settings.nextcloud_base)
        return self._anonymous

    def identify(self, http: Any) -> Caller | None:
        """The verified bearer token's user; None without one (the gate lets no such request through)."""
        return bearer_caller(http)

    async def client_for(self, caller: Caller) -> NextcloudClient:
        if caller.user == self._settings.nextcloud_username:
            return await self._app_password.shared_client()
        if self._provisioning is None:
            raise NeedsProvisioning(caller.user)
        return await self._delegated_client(caller.user)

    async def _delegated_client(self, user: str) -> NextcloudClient:
        """A Bearer client for `user` from the token broker (Flow 2), or a consent request."""
        assert self._provisioning is not None
        broker = self._provisioning.broker
        try:
            await broker.access_token(user)  # fails now, before the tool does any work, if not provisioned
        except NeedsProvisioning:
            await self._ask(user)
        return await self._clients.get(user)

    def _bearer_client(self, user: str) -> NextcloudClient:
        """A client whose requests carry `user`'s Bearer token from the broker."""
        from nextcloud_mcp_server.auth.broker import BrokerAuth
        from nextcloud_mcp_server.http import make_client
        from nextcloud_mcp_server.nextcloud.client import NextcloudClient

        assert self._provisioning is not None
        base = self._settings.nextcloud_base
        http = make_client(self._settings, base_url=base, auth=BrokerAuth(self._provisioning.broker, user))
        return NextcloudClient(http, user, base)

    async def _ask(self, user: str) -> None:
        """Ask `user` to provision; return only when they did so while asked (back-channel elicitation)."""
        assert self._provisioning is not None
        link = await self._provisioning.link_for(user)
        elicit = self._settings.enable_progressive_consent
        ctx = current_context()
        if elicit and ctx is not None:
            from nextcloud_mcp_server.auth.consent import ask_for_consent, consent_completed

            asked = await ask_for_consent(ctx, user, link)  # over the back-channel (protocol <= 2025-11-25)
            if asked is not None:
                try:
                    await self._provisioning.broker.access_token(user)
                    await consent_completed(ctx, asked)
                    return  # the user consented while the client waited
                except NeedsProvisioning:
                    elicit = False
        raise NeedsProvisioning(user, link, elicit=elicit)

    async def grant(self) -> tuple[str | None, TokenRecord | None]:
        """(the caller's user, their stored Flow-2 grant or None) — (None, None) without a caller."""
        caller = caller_or_none()
        if caller is None or self._provisioning is None:
            return (caller.user if caller else None), None
        broker = self._provisioning.broker
        return caller.user, await broker.store().tokens.get(caller.user, broker.audience)

    async def revoke(self) -> bool:
        """Revoke the caller's Flow-2 grant at the provider and delete it; False when there was none."""
        caller = caller_or_none()
        if caller is None or self._provisioning is None:
            return False
        await self._clients.discard(caller.user)
        return await self._provisioning.broker.revoke(caller.user)

    async def aclose(self) -> None:
        await self._app_password.aclose()
        await self._clients.aclose()
        if self._anonymous is not None:
            await self._anonymous.aclose()
        self._anonymous = None
        if self._provisioning is not None:
            await self._provisioning.broker.aclose()
