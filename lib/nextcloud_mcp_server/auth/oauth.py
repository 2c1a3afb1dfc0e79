"""Flow 1 assembled: what app.py needs to make this server an OAuth resource server.

Why one object: the provider (discovery, JWKS, introspection caches), the verifier, the
/mcp gate, the metadata routes and the MCP scope filter must share one configuration and
one outbound client, and app.py should only have to ask for "the OAuth parts".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from nextcloud_mcp_server.auth.provider import IdentityProvider
from nextcloud_mcp_server.auth.resource import BearerGate, routes
from nextcloud_mcp_server.auth.verifier import TokenVerifier

if TYPE_CHECKING:
    from collections.abc import Callable

    import httpx
    from starlette.routing import Route
    from starlette.types import ASGIApp

    from nextcloud_mcp_server.auth.access import OAuthAccess
    from nextcloud_mcp_server.auth.app_password import AppPasswordAccess
    from nextcloud_mcp_server.auth.provisioning import Provisioning
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.registry import Registry
    from nextcloud_mcp_server.store import Store


@dataclass
class ResourceServer:
    settings: Settings
    provider: IdentityProvider
    verifier: TokenVerifier
    registry: Registry
    """What the server offers: the scopes the gate, the filter and the metadata use."""

    @classmethod
    def from_settings(
        cls, settings: Settings, registry: Registry, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> ResourceServer:
        provider = IdentityProvider(settings, transport=transport)
        return cls(settings, provider, TokenVerifier(settings, provider), registry)

    provisioning: Provisioning | None = None
    """Flow 2 (users grant this server Nextcloud access); its client is static or dynamically registered."""

    def routes(self) -> list[Route]:
        """The protected-resource metadata routes (RFC 9728), and Flow 2's authorize and callback."""
        extra = self.provisioning.routes() if self.provisioning is not None else []
        return [*routes(self.settings, self.provider, self.registry), *extra]

    def protect(self, app: ASGIApp) -> ASGIApp:
        """`app` behind the bearer gate (401/403 with the right WWW-Authenticate)."""
        return BearerGate(app, self.settings, self.verifier, self.registry)

    def access(self, app_password: AppPasswordAccess, store: Callable[[], Store | None] | None = None) -> OAuthAccess:
        """Who reaches Nextcloud for a caller; with `store` and a configured client, Flow 2 is on."""
        from nextcloud_mcp_server.auth.access import OAuthAccess

        if store is not None and self.settings.provisioning_enabled and self.provisioning is None:
            from nextcloud_mcp_server.auth.broker import TokenBroker
            from nextcloud_mcp_server.auth.provisioning import Provisioning

            broker = TokenBroker(self.settings, self.provider, store)
            self.provisioning = Provisioning(self.settings, self.provider, self.verifier, broker, self.registry)
        return OAuthAccess(self.settings, app_password, self.provisioning)

    async def aclose(self) -> None:
        await self.provider.aclose()
