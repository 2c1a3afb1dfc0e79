"""Bearer token verification: who is calling, with which scopes, for which client.

Why these checks (MCP authorization 2025-11-25, RFC 9068, RFC 8707): a token is accepted
only when the provider signed it with an asymmetric key it publishes (never `none`,
never an HMAC "signed" with a public key), it comes from the configured issuer, it is
within its validity window (small leeway), its audience names this server's resource
(a token minted for Nextcloud or another service is refused: no token passthrough) and,
when ALLOWED_MCP_CLIENTS is set, it was issued to one of those clients. JWTs are checked
locally against the cached JWKS; anything else is an opaque token and is introspected.

Userinfo is the last fallback, and a conservative one: it is used only when introspection
is impossible (the provider publishes none, or no client credentials are configured), and
only when the operator set OIDC_USERINFO_SCOPES. Userinfo proves that a token is live and
whose it is, but not for whom it was minted nor with which scopes, so accepting it would
otherwise let a token for any other service in (token passthrough). Setting
OIDC_USERINFO_SCOPES states that this provider issues access tokens for this server alone;
such a caller gets exactly those scopes, the token's client cannot be checked (so with
ALLOWED_MCP_CLIENTS set it is refused), and the user comes from the userinfo claims.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nextcloud_mcp_server.auth.errors import InvalidToken

if TYPE_CHECKING:
    from nextcloud_mcp_server.auth.provider import IdentityProvider
    from nextcloud_mcp_server.config import Settings

ALLOWED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
DEFAULT_ALGORITHM_OF_KTY = {"RSA": "RS256", "EC": "ES256", "OKP": "EdDSA"}
LEEWAY_SECONDS = 30


@dataclass(frozen=True)
class Caller:
    """The verified identity behind a request (the token itself is not kept)."""

    user: str
    client_id: str | None
    scopes: frozenset[str]
    expires_at: float | None

    def may(self, scope: str) -> bool:
        return scope in self.scopes


class TokenVerifier:
    """Turns a bearer token into a `Caller`, or raises InvalidToken / ProviderUnavailable."""

    def __init__(self, settings: Settings, provider: IdentityProvider) -> None:
        self._settings = settings
        self._provider = provider
        self.resource = settings.mcp_resource

    async def verify(self, token: str) -> Caller:
        import jwt

        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            return await self._verify_opaque(token)
        return await self._verify_jwt(token, header)

    async def _verify_jwt(self, token: str, header: dict[str, Any]) -> Caller:
        import jwt

        alg = header.get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            raise InvalidToken(f"the token's signing algorithm {alg!r} is not accepted")
        kid = header.get("kid")
        key = await self._provider.signing_key(kid if isinstance(kid, str) else None, str(alg))
        issuer = await self._provider.issuer()
        try:
            claims = jwt.decode(
                token,
                key=key.key,
                algorithms=[str(alg)],
                audience=self.resource,
                issuer=issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise InvalidToken("the token is not valid yet") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken(self._wrong_audience()) from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("the token was issued by another identity provider") from None
        except jwt.InvalidTokenError as exc:
            raise InvalidToken(f"the token is invalid ({type(exc).__name__})") from None
        return self._caller(claims)

    async def _verify_opaque(self, token: str) -> Caller:
        if not await self._provider.can_introspect() and self._settings.oidc_userinfo_scopes:
            return await self._verify_by_userinfo(token)
        claims = await self._provider.introspect(token)
        if claims.get("active") is not True:
            raise InvalidToken("the token is not active (expired, revoked or unknown)")
        now = time.time()
        if "iss" in claims and claims["iss"] != await self._provider.issuer():
            raise InvalidToken("the token was issued by another identity provider")
        if isinstance(claims.get("exp"), int | float) and claims["exp"] + LEEWAY_SECONDS < now:
            raise InvalidToken("the token has expired")
        if isinstance(claims.get("nbf"), int | float) and claims["nbf"] - LEEWAY_SECONDS > now:
            raise InvalidToken("the token is not valid yet")
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
        if self.resource not in audiences:
            raise InvalidToken(self._wrong_audience())
        return self._caller(claims)

    async def _verify_by_userinfo(self, token: str) -> Caller:
        """The last fallback (see the module docstring): live at userinfo, scopes from OIDC_USERINFO_SCOPES."""
        if self._settings.allowed_mcp_clients:
            raise InvalidToken("the token's client cannot be checked without introspection (ALLOWED_MCP_CLIENTS)")
        claims = await self._provider.userinfo(token)
        if claims is None:
            raise InvalidToken("the token is not active (the identity provider's userinfo refused it)")
        user = claims.get(self._settings.oidc_user_claim)
        if not isinstance(user, str) or not user:
            raise InvalidToken(f"the userinfo carries no '{self._settings.oidc_user_claim}' claim naming the user")
        scopes = frozenset(self._settings.oidc_userinfo_scopes)
        return Caller(user=user, client_id=None, scopes=scopes, expires_at=None)

    def _wrong_audience(self) -> str:
        return f"the token is not for this server (its audience must include {self.resource})"

    def _caller(self, claims: dict[str, Any]) -> Caller:
        client_id = claims.get("client_id") or claims.get("azp")
        allowed = self._settings.allowed_mcp_clients
        if allowed and client_id not in allowed:
            raise InvalidToken("the token was issued to a client this server does not accept")
        user = claims.get(self._settings.oidc_user_claim)
        if not isinstance(user, str) or not user:
            raise InvalidToken(f"the token carries no '{self._settings.oidc_user_claim}' claim naming the user")
        raw_scopes = claims.get("scope", claims.get("scp", ""))
        scopes = raw_scopes.split() if isinstance(raw_scopes, str) else [str(s) for s in raw_scopes or []]
        exp = claims.get("exp")
        return Caller(
            user=user,
            client_id=str(client_id) if client_id else None,
            scopes=frozenset(scopes),
            expires_at=float(exp) if isinstance(exp, int | float) else None,
        )
