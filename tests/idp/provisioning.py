"""Flow 2 test helpers: an MCP server configured as an OAuth client of the rig, and a
browser stand-in that follows `/oauth/authorize-nextcloud` through sign-in and consent.

The server's own client is registered dynamically at the rig with its exact
`<public URL>/oauth/callback` redirect URI (the port is chosen before the server starts),
the way an administrator registers it at Nextcloud's `oidc` app.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx
from cryptography.fernet import Fernet
from pydantic import SecretStr

from tests.idp.rig import IdP
from tests.standin.bearer import BearerConfig


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class ServerClient:
    client_id: str
    client_secret: str


def register_server_client(idp: IdP, callback_url: str) -> ServerClient:
    """A confidential client for the MCP server, registered at the rig (RFC 7591)."""
    response = httpx.post(
        idp.metadata()["registration_endpoint"],
        json={
            "redirect_uris": [callback_url],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
        },
        timeout=10,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return ServerClient(body["client_id"], body["client_secret"])


def trust_idp(standin_app: Any, idp: IdP, audience: str) -> None:
    """Make the stand-in accept the rig's Bearer tokens for `audience` (Nextcloud's user_oidc)."""
    if standin_app.oidc is None:
        standin_app.oidc = BearerConfig(idp.issuer, idp.metadata()["jwks_uri"], audience)


def provisioning_settings(base_settings: Any, idp: IdP, public_url: str, client: ServerClient, **extra: Any) -> Any:
    """`base_settings` (a Settings) turned into an OAuth server with Flow 2 at `public_url`."""
    return base_settings.model_copy(
        update={
            "public_url": public_url,
            "oidc_discovery_url": idp.discovery_url,
            "nextcloud_oidc_client_id": client.client_id,
            "nextcloud_oidc_client_secret": SecretStr(client.client_secret),
            "token_encryption_key": SecretStr(Fernet.generate_key().decode()),
            **extra,
        }
    )


def consent(idp: IdP, user: str, authorize_link: str, callback_url: str, **headers: str) -> dict[str, str]:
    """Open the server's authorize link and sign in and consent at the rig as `user`;
    the query the provider sends to the callback (code, state, iss) — not yet delivered."""
    with httpx.Client(timeout=10) as http:
        response = http.get(authorize_link, headers=headers)
    assert response.status_code == 302, response.text
    return idp.follow_consent(user, urljoin(authorize_link, response.headers["location"]), callback_url)


@contextmanager
def resource_server(user: Any, idp: IdP, **extra: Any) -> Iterator[str]:
    """The MCP server as an OAuth resource server (Flow 1) of the rig, for `user`'s settings; its public URL.

    The port is chosen first, since the public URL (the token audience) must name it.
    """
    from nextcloud_mcp_server.app import build_app
    from tests.idp.rig import SERVER_CLIENT, SERVER_SECRET
    from tests.standin import serve_in_thread

    port = free_port()
    public = f"http://127.0.0.1:{port}"
    settings = user.settings(
        public_url=public,
        oidc_discovery_url=idp.discovery_url,
        nextcloud_oidc_client_id=SERVER_CLIENT,
        nextcloud_oidc_client_secret=SERVER_SECRET,
        **extra,
    )
    with serve_in_thread(build_app(settings), port=port, lifespan="on"):
        yield public
