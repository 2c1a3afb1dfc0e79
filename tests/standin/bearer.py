"""Bearer tokens at the stand-in, the way Nextcloud's user_oidc app accepts them.

Why: with Flow 2 the MCP server reaches Nextcloud with an access token the identity
provider issued for Nextcloud's audience, not with a password. user_oidc validates such
a token against the provider (here: a JWT checked with the provider's JWKS) and runs the
request as the user named by its `sub`. A token for another audience, from another
issuer, expired or badly signed is refused with 401 like any bad credential.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class BearerConfig:
    """The identity provider the stand-in trusts, and Nextcloud's audience at it."""

    issuer: str
    jwks_uri: str
    audience: str
    _client: Any = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def user_of(self, token: str) -> str | None:
        """The token's `sub` when the provider signed it for our audience and it is valid, else None."""
        import jwt

        with self._lock:
            if self._client is None:
                self._client = jwt.PyJWKClient(self.jwks_uri, cache_keys=True)
        try:
            key = self._client.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key=key.key,
                algorithms=["RS256", "PS256", "ES256"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except (jwt.PyJWTError, OSError):
            return None
        sub = claims.get("sub")
        return sub if isinstance(sub, str) and sub else None
