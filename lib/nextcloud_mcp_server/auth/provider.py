"""The identity provider as this server sees it: discovery, signing keys, introspection.

Why one class: every call to the provider goes through one pooled client from
`http.make_client` (so TLS settings apply), and each answer has its own cache policy:
the discovery document once, the JWKS until an unknown `kid` appears (refetched at most
once per `JWKS_MIN_REFRESH` seconds, so forged kids cannot hammer the provider), and
introspection results for a few seconds, keyed by a hash of the token (never the token).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import anyio
import httpx

from nextcloud_mcp_server.auth.errors import InvalidToken, ProviderUnavailable

if TYPE_CHECKING:
    from jwt import PyJWK

    from nextcloud_mcp_server.config import Settings

log = logging.getLogger(__name__)

JWKS_MIN_REFRESH = 30.0
INTROSPECTION_TTL = 60.0
INTROSPECTION_CACHE_SIZE = 10_000


class IdentityProvider:
    """Cached access to the provider named by OIDC_DISCOVERY_URL."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        assert settings.oidc_discovery_url is not None
        self._settings = settings
        self._transport = transport
        self._clock = clock
        self._http: httpx.AsyncClient | None = None
        self._metadata: dict[str, Any] | None = None
        self._keys: dict[str, PyJWK] = {}
        self._keys_fetched_at: float | None = None
        self._lock = anyio.Lock()  # the discovery document
        self._keys_lock = anyio.Lock()  # the JWKS
        self._introspected: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            from nextcloud_mcp_server.http import make_client

            self._http = make_client(self._settings, transport=self._transport)
        return self._http

    async def _get_json(self, url: str, what: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._client().request(kwargs.pop("method", "GET"), url, **kwargs)
        except httpx.HTTPError as exc:
            reason = type(exc).__name__
            raise ProviderUnavailable(f"the identity provider's {what} could not be fetched ({reason})") from None
        if response.status_code != 200:
            raise ProviderUnavailable(f"the identity provider's {what} answered HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ProviderUnavailable(f"the identity provider's {what} is not a JSON object")
        return body

    async def metadata(self) -> dict[str, Any]:
        """The discovery document (fetched once; a failure is retried on the next request)."""
        if self._metadata is None:
            async with self._lock:
                if self._metadata is None:
                    url = self._settings.oidc_discovery_url
                    assert url is not None
                    document = await self._get_json(url, "discovery document")
                    if not isinstance(document.get("issuer"), str):
                        raise ProviderUnavailable("the identity provider's discovery document names no issuer")
                    self._metadata = document
        return self._metadata

    async def issuer(self) -> str:
        return str((await self.metadata())["issuer"])

    async def signing_key(self, kid: str | None, alg: str) -> PyJWK:
        """The provider's public key `kid` for `alg`; refetch the JWKS (rate-limited) when it is unknown."""
        key = self._find_key(kid)
        if key is None and self._may_refresh_keys():
            async with self._keys_lock:
                key = self._find_key(kid)
                if key is None and self._may_refresh_keys():
                    await self._refresh_keys()
                    key = self._find_key(kid)
        if key is None:
            raise InvalidToken("the token is signed with a key the identity provider does not publish")
        if key.algorithm_name != alg:
            raise InvalidToken(f"the token's algorithm {alg} does not match its key")
        return key

    def _find_key(self, kid: str | None) -> PyJWK | None:
        if kid is not None:
            return self._keys.get(kid)
        return next(iter(self._keys.values())) if len(self._keys) == 1 else None

    def _may_refresh_keys(self) -> bool:
        return self._keys_fetched_at is None or self._clock() - self._keys_fetched_at >= JWKS_MIN_REFRESH

    async def _refresh_keys(self) -> None:
        from jwt import PyJWK
        from jwt.exceptions import PyJWKError

        from nextcloud_mcp_server.auth.verifier import ALLOWED_ALGORITHMS, DEFAULT_ALGORITHM_OF_KTY

        jwks_uri = (await self.metadata()).get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise ProviderUnavailable("the identity provider publishes no jwks_uri")
        self._keys_fetched_at = self._clock()
        document = await self._get_json(jwks_uri, "JWKS")
        keys: dict[str, PyJWK] = {}
        for index, jwk in enumerate(document.get("keys") or []):
            if not isinstance(jwk, dict) or jwk.get("use", "sig") != "sig":
                continue
            alg = jwk.get("alg") or DEFAULT_ALGORITHM_OF_KTY.get(str(jwk.get("kty")))
            if alg not in ALLOWED_ALGORITHMS:  # symmetric or unknown keys are never usable
                continue
            try:
                keys[str(jwk.get("kid", f"#{index}"))] = PyJWK(jwk, algorithm=alg)
            except PyJWKError as exc:
                log.warning("Ignoring an unusable key in the identity provider's JWKS: %s", exc)
        self._keys = keys

    async def can_introspect(self) -> bool:
        """True when the provider publishes introspection and this server has client credentials for it."""
        endpoint = (await self.metadata()).get("introspection_endpoint")
        settings = self._settings
        return (
            isinstance(endpoint, str)
            and bool(settings.nextcloud_oidc_client_id)
            and (settings.nextcloud_oidc_client_secret is not None)
        )

    async def userinfo(self, token: str) -> dict[str, Any] | None:
        """The userinfo answer for a bearer token, cached briefly by the token's hash; None when refused."""
        digest = "userinfo:" + hashlib.sha256(token.encode()).hexdigest()
        now = self._clock()
        cached = self._introspected.get(digest)
        if cached is not None and cached[0] > now:
            return cached[1]
        endpoint = (await self.metadata()).get("userinfo_endpoint")
        if not isinstance(endpoint, str):
            raise InvalidToken("the identity provider publishes no userinfo_endpoint to verify this token with")
        try:
            response = await self._client().get(endpoint, headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"the identity provider's userinfo failed ({type(exc).__name__})") from None
        if response.status_code in (400, 401, 403):
            return None
        if response.status_code != 200:
            raise ProviderUnavailable(f"the identity provider's userinfo answered HTTP {response.status_code}")
        try:
            claims = response.json()
        except ValueError:
            claims = None
        if not isinstance(claims, dict):
            raise ProviderUnavailable("the identity provider's userinfo is not a JSON object")
        self._introspected[digest] = (now + INTROSPECTION_TTL, claims)
        while len(self._introspected) > INTROSPECTION_CACHE_SIZE:
            self._introspected.popitem(last=False)
        return claims

    async def introspect(self, token: str) -> dict[str, Any]:
        """RFC 7662 introspection of an opaque token, cached briefly by the token's hash."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        now = self._clock()
        cached = self._introspected.get(digest)
        if cached is not None and cached[0] > now:
            return cached[1]
        endpoint = (await self.metadata()).get("introspection_endpoint")
        client_id = self._settings.nextcloud_oidc_client_id
        secret = self._settings.nextcloud_oidc_client_secret
        if not isinstance(endpoint, str) or not client_id or secret is None:
            raise InvalidToken(
                "opaque tokens need introspection: the provider must publish introspection_endpoint and "
                "NEXTCLOUD_OIDC_CLIENT_ID/NEXTCLOUD_OIDC_CLIENT_SECRET must be set"
            )
        claims = await self._get_json(
            endpoint,
            "introspection endpoint",
            method="POST",
            data={"token": token, "token_type_hint": "access_token"},
            auth=httpx.BasicAuth(client_id, secret.get_secret_value()),
        )
        if claims.get("active") is True:
            ttl = INTROSPECTION_TTL
            if isinstance(claims.get("exp"), int | float):
                ttl = min(ttl, float(claims["exp"]) - time.time())
            if ttl > 0:
                self._introspected[digest] = (now + ttl, claims)
                while len(self._introspected) > INTROSPECTION_CACHE_SIZE:
                    self._introspected.popitem(last=False)
        return claims

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
