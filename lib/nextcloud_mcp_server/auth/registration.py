"""This server's own OAuth client at the identity provider (Flow 2): static or registered.

Why: with NEXTCLOUD_OIDC_CLIENT_ID set, that client is used as configured. Without it,
the server registers itself (RFC 7591) at the provider's `registration_endpoint` with its
exact `<public URL>/oauth/callback` redirect URI and keeps the result (client id, secret
encrypted) in the store's clients repository, so every replica uses the same client.
When several replicas register at once, all of them settle on the oldest stored one.

Providers prune dynamic clients (Nextcloud's `oidc` app deletes unused ones after a while).
A pruned client shows as `invalid_client` at the token endpoint: then the stale client is
dropped, a new one registered and the request retried once (`TokenBroker.grant`). The
authorize endpoint cannot tell the server (it answers the browser), so before sending a
user there the client is checked (`checked`) with a token request that cannot succeed (an
unknown code): `invalid_client` means pruned, anything else means the client is known.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio
import httpx
from pydantic import SecretStr

from nextcloud_mcp_server.auth.errors import GrantRejected, ProviderUnavailable

if TYPE_CHECKING:
    from nextcloud_mcp_server.auth.provider import IdentityProvider
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.store import Store

log = logging.getLogger(__name__)

KIND = "provider-own"
"""The clients-repository kind of this server's own registration at the provider."""
CLIENT_NAME = "Nextcloud MCP Server"
CALLBACK_PATH = "/oauth/callback"


@dataclass(frozen=True)
class ClientCredentials:
    """Who this server is at the provider's token endpoint."""

    client_id: str
    client_secret: SecretStr | None = field(default=None, repr=False)

    def auth(self) -> httpx.BasicAuth | None:
        if self.client_secret is None:
            return None
        return httpx.BasicAuth(self.client_id, self.client_secret.get_secret_value())


class OwnClient:
    """The static client from the settings, or the dynamically registered one from the store."""

    def __init__(
        self,
        settings: Settings,
        provider: IdentityProvider,
        store: Callable[[], Store],
        http: Callable[[], httpx.AsyncClient],
    ) -> None:
        assert settings.public_url is not None
        self._settings = settings
        self._provider = provider
        self._store = store
        self._http = http
        self._lock = anyio.Lock()
        self._current: ClientCredentials | None = None
        self.callback_url = settings.public_url.rstrip("/") + CALLBACK_PATH
        if settings.nextcloud_oidc_client_id:
            self._current = ClientCredentials(settings.nextcloud_oidc_client_id, settings.nextcloud_oidc_client_secret)

    @property
    def dynamic(self) -> bool:
        return not self._settings.nextcloud_oidc_client_id

    async def current(self) -> ClientCredentials:
        """The client to use now: configured, stored by any replica, or freshly registered."""
        if self._current is not None:
            return self._current
        async with self._lock:
            if self._current is None:
                self._current = await self._stored() or await self._register()
            return self._current

    async def replace(self, stale: ClientCredentials) -> ClientCredentials:
        """The provider no longer knows `stale`: forget it everywhere and use another (or a new) client."""
        if not self.dynamic:
            return stale
        async with self._lock:
            if self._current is not None and self._current.client_id != stale.client_id:
                return self._current  # replaced meanwhile
            await self._store().clients.delete(stale.client_id)
            log.info("The identity provider pruned this server's client %s; registering again", stale.client_id)
            self._current = await self._stored() or await self._register()
            return self._current

    async def checked(self) -> ClientCredentials:
        """`current()`, re-registered first when the provider has pruned it (dynamic clients only)."""
        credentials = await self.current()
        if not self.dynamic:
            return credentials
        endpoint = await self._endpoint("token_endpoint")
        probe = {"grant_type": "authorization_code", "code": secrets.token_urlsafe(16)}
        probe["redirect_uri"] = self.callback_url
        try:
            response = await post_as(self._http(), credentials, endpoint, probe)
            error = response.json().get("error") if response.status_code in (400, 401) else None
        except (httpx.HTTPError, ValueError, AttributeError):
            error = None  # the real request will tell
        if error == "invalid_client":
            return await self.replace(credentials)
        return credentials

    async def _endpoint(self, name: str) -> str:
        endpoint = (await self._provider.metadata()).get(name)
        if not isinstance(endpoint, str):
            raise ProviderUnavailable(f"the identity provider publishes no {name}")
        return endpoint

    async def _stored(self) -> ClientCredentials | None:
        issuer = await self._provider.issuer()
        store = self._store()
        found = []
        offset = 0
        while True:
            batch = await store.clients.list(limit=50, offset=offset)
            found += [
                c
                for c in batch
                if c.kind == KIND and c.redirect_uris == [self.callback_url] and c.registration.get("issuer") == issuer
            ]
            if len(batch) < 50:
                break
            offset += len(batch)
        if not found:
            return None
        oldest = min(found, key=lambda c: (c.created_at, c.client_id))
        return ClientCredentials(oldest.client_id, oldest.client_secret)

    async def _register(self) -> ClientCredentials:
        endpoint = await self._endpoint("registration_endpoint")
        metadata: dict[str, Any] = {
            "client_name": CLIENT_NAME,
            "redirect_uris": [self.callback_url],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
        }
        try:
            response = await self._http().post(endpoint, json=metadata)
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"registering at the identity provider failed ({type(exc).__name__})") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code not in (200, 201) or not isinstance(body, dict) or not body.get("client_id"):
            raise ProviderUnavailable(
                f"the identity provider refused to register this server (HTTP {response.status_code}); "
                "register a client yourself and set NEXTCLOUD_OIDC_CLIENT_ID/NEXTCLOUD_OIDC_CLIENT_SECRET"
            )
        secret = body.get("client_secret")
        await self._store().clients.save(
            str(body["client_id"]),
            redirect_uris=[self.callback_url],
            client_secret=secret if isinstance(secret, str) else None,
            client_name=CLIENT_NAME,
            kind=KIND,
            registration={"issuer": await self._provider.issuer()},
        )
        log.info("Registered this server at the identity provider as client %s", body["client_id"])
        return await self._stored() or ClientCredentials(str(body["client_id"]), None)


async def post_as(
    http: httpx.AsyncClient, credentials: ClientCredentials, endpoint: str, data: dict[str, str]
) -> httpx.Response:
    """POST a form as this server's client: Basic auth when confidential, else `client_id` in the body."""
    auth = credentials.auth()
    if auth is not None:
        return await http.post(endpoint, data=data, auth=auth)
    return await http.post(endpoint, data={**data, "client_id": credentials.client_id})


def raise_for_grant(response: httpx.Response) -> dict[str, Any]:
    """The token endpoint's JSON answer; GrantRejected for a 4xx OAuth error, ProviderUnavailable otherwise."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ProviderUnavailable(f"the identity provider's token endpoint answered HTTP {response.status_code}")
    if 400 <= response.status_code < 500 and isinstance(body.get("error"), str):
        raise GrantRejected(body["error"])
    if response.status_code != 200 or not isinstance(body.get("access_token"), str):
        raise ProviderUnavailable(f"the identity provider's token endpoint answered HTTP {response.status_code}")
    return body
