"""Flow 2 without NEXTCLOUD_OIDC_CLIENT_ID: the server registers its own client at the rig
(RFC 7591) with its exact callback URI, keeps it in the shared store so every replica uses
it, and registers again when the provider has pruned it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from tests.conftest import NcUser, StandInHandle
from tests.idp.provisioning import free_port, trust_idp
from tests.idp.rig import PUBLIC_CLIENT, IdP
from tests.standin import serve_in_thread

USER = "gus"


@dataclass
class Servers:
    public: str
    second: str
    settings: Any

    @property
    def callback(self) -> str:
        return f"{self.public}/oauth/callback"

    def start(self, idp: IdP, where: str | None = None) -> httpx.Response:
        """GET /oauth/authorize-nextcloud on `where` (default: the public replica) as USER."""
        token = idp.token(USER, scopes=["notes.read"], resource=f"{self.public}/mcp", client_id=PUBLIC_CLIENT)
        headers = {"Authorization": f"Bearer {token.access_token}"}
        response = httpx.get(f"{where or self.public}/oauth/authorize-nextcloud", headers=headers)
        assert response.status_code == 302, response.text
        return response

    def stored_clients(self) -> list[str]:
        """The provider clients this server keeps in its store (read with a Store of its own)."""
        from nextcloud_mcp_server.auth.registration import KIND
        from nextcloud_mcp_server.store import Store

        async def read() -> list[str]:
            async with Store(self.settings) as store:
                return [c.client_id for c in await store.clients.list() if c.kind == KIND]

        return anyio.run(read)


@pytest.fixture(scope="module")
def servers(standin: StandInHandle, idp: IdP, nc_user: NcUser) -> Iterator[Servers]:
    from nextcloud_mcp_server.app import build_app

    trust_idp(standin.app, idp, standin.url)
    standin.add_user(USER, "pw-gus")
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    settings = nc_user.settings().model_copy(
        update={
            "public_url": public,
            "oidc_discovery_url": idp.discovery_url,
            "token_encryption_key": SecretStr(Fernet.generate_key().decode()),
            "database_url": nc_user.database_url.replace(".db", "-dcr.db"),
        }
    )
    assert settings.nextcloud_oidc_client_id is None
    assert settings.provisioning_enabled
    with (
        serve_in_thread(build_app(settings), port=port, lifespan="on"),
        serve_in_thread(build_app(settings), lifespan="on") as second,
    ):
        yield Servers(public, second, settings)


def client_of(response: httpx.Response) -> str:
    return httpx.URL(response.headers["location"]).params["client_id"]


def complete(idp: IdP, servers: Servers, response: httpx.Response) -> httpx.Response:
    query = idp.follow_consent(USER, response.headers["location"], servers.callback)
    return httpx.get(f"{servers.public}/oauth/callback", params=query)


def test_without_a_configured_client_the_server_registers_one_that_every_replica_uses(
    servers: Servers, idp: IdP
) -> None:
    first = servers.start(idp)
    second = servers.start(idp, servers.second)
    assert client_of(first) == client_of(second)
    assert servers.stored_clients() == [client_of(first)]
    page = complete(idp, servers, second)  # started on one replica, completed on the other
    assert page.status_code == 200, page.text
    assert "Access granted" in page.text


def test_a_client_the_provider_pruned_is_registered_again_before_the_next_consent(servers: Servers, idp: IdP) -> None:
    pruned = client_of(servers.start(idp))
    idp.prune(pruned)
    again = servers.start(idp, servers.second)
    assert client_of(again) != pruned
    assert servers.stored_clients() == [client_of(again)]
    page = complete(idp, servers, again)
    assert page.status_code == 200, page.text


def test_a_token_request_answered_invalid_client_registers_again_and_retries_once(servers: Servers, idp: IdP) -> None:
    started = servers.start(idp)
    pruned = client_of(started)
    query = idp.follow_consent(USER, started.headers["location"], servers.callback)
    idp.prune(pruned)  # between the consent and the code exchange
    page = httpx.get(f"{servers.public}/oauth/callback", params=query)
    # The retry with the new client cannot redeem a code issued to the pruned one: the user starts again.
    assert page.status_code == 400
    assert "invalid_grant" in page.text
    [replacement] = servers.stored_clients()
    assert replacement != pruned
    restarted = servers.start(idp)
    assert client_of(restarted) == replacement
    assert complete(idp, servers, restarted).status_code == 200
