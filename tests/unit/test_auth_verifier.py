"""Bearer token verification against a provider served by httpx.MockTransport.

Keys are made here, so every forged variant (unknown key, alg none, HS256 with the
public key, wrong issuer/audience, expired, not yet valid) can be signed exactly.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from nextcloud_mcp_server.auth.errors import InvalidToken
from nextcloud_mcp_server.auth.provider import IdentityProvider
from nextcloud_mcp_server.auth.verifier import TokenVerifier
from nextcloud_mcp_server.config import Settings

pytestmark = pytest.mark.anyio

ISSUER = "https://idp.example.com"
RESOURCE = "https://mcp.example.com/mcp"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    return {**json.loads(RSAAlgorithm.to_jwk(key.public_key())), "kid": kid, "alg": "RS256", "use": "sig"}


class Provider:
    """A fake identity provider that counts its JWKS and introspection calls."""

    def __init__(self, keys: list[dict[str, Any]]) -> None:
        self.keys = keys
        self.jwks_calls = 0
        self.introspections = 0
        self.introspection: dict[str, Any] = {"active": False}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/.well-known/openid-configuration":
            return httpx.Response(
                200,
                json={
                    "issuer": ISSUER,
                    "jwks_uri": f"{ISSUER}/jwks",
                    "introspection_endpoint": f"{ISSUER}/introspect",
                },
            )
        if request.url.path == "/jwks":
            self.jwks_calls += 1
            return httpx.Response(200, json={"keys": self.keys})
        if request.url.path == "/introspect":
            self.introspections += 1
            assert request.headers["authorization"].startswith("Basic ")
            return httpx.Response(200, json=self.introspection)
        return httpx.Response(404)


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "oidc_discovery_url": f"{ISSUER}/.well-known/openid-configuration",
        "public_url": "https://mcp.example.com",
        "nextcloud_oidc_client_id": "mcp-server",
        "nextcloud_oidc_client_secret": "s3cret",
        "nextcloud_retries": 0,
    }
    return Settings(**{**values, **overrides})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def verifier(provider: Provider, clock: Clock | None = None, **overrides: Any) -> TokenVerifier:
    config = settings(**overrides)
    idp = IdentityProvider(config, transport=httpx.MockTransport(provider), clock=clock or Clock())
    return TokenVerifier(config, idp)


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": ISSUER,
        "sub": "alice",
        "aud": RESOURCE,
        "exp": now + 600,
        "iat": now,
        "scope": "notes.read files.read",
        "client_id": "claude",
        **overrides,
    }


def sign(payload: dict[str, Any], key: rsa.RSAPrivateKey = KEY, kid: str = "k1", alg: str = "RS256") -> str:
    return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid})


async def rejected(v: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as err:
        await v.verify(token)
    return str(err.value)


async def test_a_jwt_signed_by_the_provider_for_this_resource_names_the_user_and_scopes() -> None:
    caller = await verifier(Provider([public_jwk(KEY, "k1")])).verify(sign(claims()))
    assert caller.user == "alice"
    assert caller.scopes == {"notes.read", "files.read"}
    assert caller.client_id == "claude"


async def test_a_token_signed_with_an_unknown_key_is_refused() -> None:
    message = await rejected(verifier(Provider([public_jwk(KEY, "k1")])), sign(claims(), OTHER_KEY, kid="k9"))
    assert "key" in message


async def test_a_token_signed_by_a_rotated_key_is_accepted_after_one_jwks_refresh() -> None:
    provider = Provider([public_jwk(KEY, "k1")])
    clock = Clock()
    v = verifier(provider, clock)
    await v.verify(sign(claims()))
    clock.now += 31  # past the refresh rate limit
    provider.keys = [public_jwk(KEY, "k1"), public_jwk(OTHER_KEY, "k2")]
    caller = await v.verify(sign(claims(), OTHER_KEY, kid="k2"))
    assert caller.user == "alice"
    assert provider.jwks_calls == 2


async def test_unknown_kids_refetch_the_jwks_at_most_once_per_interval() -> None:
    provider = Provider([public_jwk(KEY, "k1")])
    v = verifier(provider)
    await v.verify(sign(claims()))
    for kid in ("x1", "x2", "x3"):
        await rejected(v, sign(claims(), OTHER_KEY, kid=kid))
    assert provider.jwks_calls == 1


async def test_an_unsigned_token_with_alg_none_is_refused() -> None:
    token = jwt.encode(claims(), None, algorithm="none", headers={"kid": "k1"})
    assert "algorithm" in await rejected(verifier(Provider([public_jwk(KEY, "k1")])), token)


async def test_an_hs256_token_keyed_with_the_public_key_is_refused() -> None:
    pem = KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = jwt.utils.base64url_encode(json.dumps({"alg": "HS256", "kid": "k1", "typ": "JWT"}).encode())
    body = jwt.utils.base64url_encode(json.dumps(claims()).encode())
    import hashlib
    import hmac

    signature = hmac.new(pem, header + b"." + body, hashlib.sha256).digest()
    token = (header + b"." + body + b"." + jwt.utils.base64url_encode(signature)).decode()
    assert "algorithm" in await rejected(verifier(Provider([public_jwk(KEY, "k1")])), token)


async def test_a_token_from_another_issuer_is_refused() -> None:
    token = sign(claims(iss="https://evil.example.com"))
    assert "another identity provider" in await rejected(verifier(Provider([public_jwk(KEY, "k1")])), token)


async def test_a_token_for_another_resource_is_refused() -> None:
    token = sign(claims(aud="https://cloud.example.com"))
    assert "not for this server" in await rejected(verifier(Provider([public_jwk(KEY, "k1")])), token)


async def test_an_expired_token_is_refused() -> None:
    token = sign(claims(exp=int(time.time()) - 120))
    assert "expired" in await rejected(verifier(Provider([public_jwk(KEY, "k1")])), token)


async def test_a_token_that_is_not_valid_yet_is_refused() -> None:
    token = sign(claims(nbf=int(time.time()) + 600))
    assert "not valid yet" in await rejected(verifier(Provider([public_jwk(KEY, "k1")])), token)


async def test_a_token_expired_within_the_leeway_is_still_accepted() -> None:
    caller = await verifier(Provider([public_jwk(KEY, "k1")])).verify(sign(claims(exp=int(time.time()) - 5)))
    assert caller.user == "alice"


async def test_a_client_outside_allowed_mcp_clients_is_refused() -> None:
    v = verifier(Provider([public_jwk(KEY, "k1")]), allowed_mcp_clients="cursor,vscode")
    assert "client" in await rejected(v, sign(claims(client_id="claude")))


async def test_the_user_comes_from_the_configured_claim() -> None:
    v = verifier(Provider([public_jwk(KEY, "k1")]), oidc_user_claim="preferred_username")
    caller = await v.verify(sign(claims(preferred_username="alice.nc")))
    assert caller.user == "alice.nc"


async def test_an_opaque_token_is_introspected_once_and_then_served_from_the_cache() -> None:
    provider = Provider([])
    provider.introspection = {"active": True, "sub": "bob", "aud": RESOURCE, "scope": "todo.read", "iss": ISSUER}
    v = verifier(provider)
    for _ in range(3):
        caller = await v.verify("opaque-token-abc")
    assert (caller.user, caller.scopes) == ("bob", {"todo.read"})
    assert provider.introspections == 1


async def test_an_inactive_opaque_token_is_refused() -> None:
    assert "not active" in await rejected(verifier(Provider([])), "opaque-token-abc")


async def test_an_opaque_token_for_another_resource_is_refused() -> None:
    provider = Provider([])
    provider.introspection = {"active": True, "sub": "bob", "aud": "https://cloud.example.com"}
    assert "not for this server" in await rejected(verifier(provider), "opaque-token-abc")
