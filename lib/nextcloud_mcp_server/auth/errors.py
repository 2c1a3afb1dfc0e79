"""The failures of inbound authorization, one type per kind.

Why separate types: the HTTP layer turns each into its own answer (401 invalid_token,
403 insufficient_scope) and tools turn `NeedsProvisioning` into a consent request
(Flow 2); none of them ever carries the token itself.

    AuthError
    ├─ InvalidToken          401, error="invalid_token" (bad signature, issuer, audience, expiry, ...)
    ├─ InsufficientScope     403, error="insufficient_scope", scope="..."
    ├─ ProviderUnavailable   503: the identity provider cannot be reached or answers nonsense
    └─ GrantRejected         the token endpoint refused a code or refresh token (Flow 2)
    NeedsProvisioning        the caller is known but has not granted this server access to Nextcloud
"""

from __future__ import annotations


class AuthError(Exception):
    """An inbound request could not be authorized; the message is safe to show the client."""


class InvalidToken(AuthError):
    """The bearer token is malformed, forged, expired, for another resource or from another issuer."""


class InsufficientScope(AuthError):
    """The token is valid but lacks `scope`."""

    def __init__(self, scope: str, message: str | None = None) -> None:
        self.scope = scope
        super().__init__(message or f"this call needs the OAuth scope '{scope}'")


class ProviderUnavailable(AuthError):
    """The identity provider's discovery document, JWKS or introspection endpoint failed."""


class GrantRejected(AuthError):
    """The provider's token endpoint refused a grant (`error` is its code, e.g. invalid_grant)."""

    def __init__(self, error: str, message: str | None = None) -> None:
        self.error = error
        super().__init__(message or f"the identity provider refused the grant ({error})")


class NeedsProvisioning(Exception):
    """The calling user has not granted this server access to their Nextcloud (Flow 2).

    `authorize_url` is where the user grants it, when the server can offer that; `elicit` asks
    the tool layer to offer it as a URL elicitation (progressive consent).
    """

    def __init__(self, user: str, authorize_url: str | None = None, *, elicit: bool = False) -> None:
        self.user = user
        self.authorize_url = authorize_url
        self.elicit = elicit
        where = f" Open {authorize_url} to grant it, then retry." if authorize_url else ""
        super().__init__(
            f"Nextcloud user '{user}' has not granted this server access to their Nextcloud yet "
            f"(only the configured NEXTCLOUD_USERNAME is served with the app password).{where}"
        )
