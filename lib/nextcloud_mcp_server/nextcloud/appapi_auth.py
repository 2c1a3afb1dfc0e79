"""Outbound AppAPI authentication: how an ExApp calls Nextcloud as a user without a password.

Why an httpx.Auth: the NextcloudClient stays the same for every mode; only the headers
differ. AppAPI (lib/Middleware/AppAPIAuthMiddleware.php) accepts a request that carries
`EX-APP-ID`, `EX-APP-VERSION`, `AA-VERSION` and `AUTHORIZATION-APP-API` =
base64(`user:app_secret`), and runs it as that user (an empty user means the app itself).
"""

from __future__ import annotations

import base64
from collections.abc import Generator
from dataclasses import dataclass, field

import httpx


@dataclass(frozen=True)
class AppApiIdentity:
    """What AppAPI gave this ExApp at deploy time (the secret never appears in repr)."""

    app_id: str
    app_version: str
    secret: str = field(repr=False)
    aa_version: str = "2.2.0"


class AppApiAuth(httpx.Auth):
    """Adds the AppAPI headers for `user` ("" for the app itself) to every request."""

    def __init__(self, identity: AppApiIdentity, user: str = "") -> None:
        self.identity = identity
        self.user = user

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(appapi_headers(self.identity, self.user))
        if "/ocs/" in request.url.path:
            request.headers["OCS-APIRequest"] = "true"
        yield request

    def __repr__(self) -> str:
        return f"AppApiAuth(app_id={self.identity.app_id!r}, user={self.user!r})"


def appapi_headers(identity: AppApiIdentity, user: str) -> dict[str, str]:
    """The four AppAPI request headers for `user`."""
    token = base64.b64encode(f"{user}:{identity.secret}".encode()).decode("ascii")
    return {
        "EX-APP-ID": identity.app_id,
        "EX-APP-VERSION": identity.app_version,
        "AA-VERSION": identity.aa_version,
        "AUTHORIZATION-APP-API": token,
    }
