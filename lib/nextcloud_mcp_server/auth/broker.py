"""The token broker (Flow 2): short-lived Nextcloud access tokens from stored refresh tokens.

Why here and in memory: a tool call needs a Nextcloud access token, the store only keeps
the refresh token (encrypted), and asking the provider on every call would be slow. So
access tokens are cached per user until shortly before they expire and never stored.
Refresh-token rotation is handled by saving the new refresh token at once; a refresh
token the provider calls `invalid_grant` is dead (revoked, expired, or already rotated
by another replica — which is checked first), so it is deleted and the user is asked to
provision again (`NeedsProvisioning`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio
import httpx

from nextcloud_mcp_server.auth.errors import GrantRejected, NeedsProvisioning, ProviderUnavailable
from nextcloud_mcp_server.auth.registration import ClientCredentials, OwnClient, post_as, raise_for_grant

if TYPE_CHECKING:
    from nextcloud_mcp_server.auth.provider import IdentityProvider
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.store import Store

log = logging.getLogger(__name__)

EXPIRY_MARGIN = 60.0
"""Seconds before its expiry at which a cached access token is no longer handed out."""
DEFAULT_LIFETIME = 300.0
"""Assumed lifetime of an access token whose response names no expires_in."""


@dataclass(frozen=True)
class AccessToken:
    value: str
    expires_at: float


async def token_request(
    http: httpx.AsyncClient, credentials: ClientCredentials, provider: IdentityProvider, data: dict[str, str]
) -> dict[str, Any]:
    """POST a grant to the provider's token endpoint as `credentials`; the JSON answer.

    Raises GrantRejected for a 4xx with an OAuth error code, ProviderUnavailable otherwise.
    """
    endpoint = (await provider.metadata()).get("token_endpoint")
    if not isinstance(endpoint, str):
        raise ProviderUnavailable("the identity provider publishes no token_endpoint")
    try:
        response = await post_as(http, credentials, endpoint, data)
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(f"the identity provider's token endpoint failed ({type(exc).__name__})") from None
    return raise_for_grant(response)


class TokenBroker:
    """Access tokens for Nextcloud's audience, per user, from the refresh tokens in the store."""

    def __init__(
        self,
        settings: Settings,
        provider: IdentityProvider,
        store: Callable[[], Store | None],
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._provider = provider
        self._store = store
        self._transport = transport
        self._clock = clock
        self._http: httpx.AsyncClient | None = None
        self._cache: dict[str, AccessToken] = {}
        self._locks: dict[str, anyio.Lock] = {}
        self.audience = settings.nextcloud_audience
        # This server's client at the provider: static, or registered (and re-registered when pruned).
        self.own = OwnClient(settings, provider, self.store, self.http)

    async def grant(self, data: dict[str, str]) -> dict[str, Any]:
        """A token request as this server's client; a pruned dynamic client is replaced and the request retried once."""
        credentials = await self.own.current()
        try:
            return await token_request(self.http(), credentials, self._provider, data)
        except GrantRejected as exc:
            if exc.error != "invalid_client" or not self.own.dynamic:
                raise
        replaced = await self.own.replace(credentials)
        return await token_request(self.http(), replaced, self._provider, data)

    def http(self) -> httpx.AsyncClient:
        """The pooled client for provider calls (shared with the callback)."""
        if self._http is None:
            from nextcloud_mcp_server.http import make_client

            self._http = make_client(self._settings, transport=self._transport)
        return self._http

    def store(self) -> Store:
        store = self._store()
        if store is None:
            raise ProviderUnavailable("the token store is not open (the server is starting or stopping)")
        return store

    async def access_token(self, user: str) -> str:
        """A valid access token for `user`, refreshed when the cached one is (nearly) expired."""
        cached = self._cache.get(user)
        if cached is not None and cached.expires_at - EXPIRY_MARGIN > self._clock():
            return cached.value
        lock = self._locks.setdefault(user, anyio.Lock())
        async with lock:  # one refresh per user at a time: rotation makes the old refresh token unusable
            cached = self._cache.get(user)
            if cached is not None and cached.expires_at - EXPIRY_MARGIN > self._clock():
                return cached.value
            token = await self._refresh(user)
            self._cache[user] = token
            return token.value

    def now(self) -> float:
        return self._clock()

    def prime(self, user: str, token: AccessToken) -> None:
        """Cache an access token obtained elsewhere (the callback's code exchange)."""
        self._cache[user] = token

    def forget(self, user: str) -> None:
        """Drop the cached access token (Nextcloud refused it, or the user revoked access)."""
        self._cache.pop(user, None)

    async def _refresh(self, user: str) -> AccessToken:
        store = self.store()
        record = await store.tokens.get(user, self.audience)
        if record is None:
            raise NeedsProvisioning(user)
        refresh = record.token.get_secret_value()
        data = {"grant_type": "refresh_token", "refresh_token": refresh, "resource": self.audience}
        try:
            body = await self.grant(data)
        except GrantRejected as exc:
            if exc.error != "invalid_grant":
                raise ProviderUnavailable(f"the identity provider refused to refresh access ({exc.error})") from None
            current = await store.tokens.get(user, self.audience)
            if current is not None and current.token.get_secret_value() != refresh:
                return await self._refresh(user)  # another replica rotated it meanwhile: use the new one
            await store.tokens.delete(user, self.audience)
            log.info("The refresh token of user %s is no longer valid; asking them to provision again", user)
            raise NeedsProvisioning(user) from None
        rotated = body.get("refresh_token")
        if isinstance(rotated, str) and rotated and rotated != refresh:
            scope = body.get("scope")
            await store.tokens.save(
                user,
                self.audience,
                rotated,
                scopes=scope.split() if isinstance(scope, str) else record.scopes,
                expires_at=record.expires_at,
                provisioning_client_id=record.provisioning_client_id,
            )
        lifetime = body.get("expires_in")
        seconds = float(lifetime) if isinstance(lifetime, int | float) and lifetime > 0 else DEFAULT_LIFETIME
        return AccessToken(str(body["access_token"]), self._clock() + seconds)

    async def revoke(self, user: str) -> bool:
        """Revoke the user's refresh token at the provider (best effort) and delete it here."""
        self.forget(user)
        store = self.store()
        record = await store.tokens.get(user, self.audience)
        if record is None:
            return False
        endpoint = (await self._provider.metadata()).get("revocation_endpoint")
        if isinstance(endpoint, str):
            data = {"token": record.token.get_secret_value(), "token_type_hint": "refresh_token"}
            try:
                await post_as(self.http(), await self.own.current(), endpoint, data)
            except httpx.HTTPError as exc:
                log.warning("Revoking a refresh token at the identity provider failed (%s)", type(exc).__name__)
        await store.tokens.delete(user, self.audience)
        await store.audit.record(user, "token.revoked", subject=self.audience)
        return True

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None


class BrokerAuth(httpx.Auth):
    """httpx auth: `Authorization: Bearer <access token>` from the broker; one retry after a 401."""

    def __init__(self, broker: TokenBroker, user: str) -> None:
        self._broker = broker
        self._user = user

    async def async_auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = f"Bearer {await self._broker.access_token(self._user)}"
        response = yield request
        if response.status_code == 401:  # revoked or expired early: refresh once
            self._broker.forget(self._user)
            request.headers["Authorization"] = f"Bearer {await self._broker.access_token(self._user)}"
            yield request
