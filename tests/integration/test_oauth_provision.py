"""Flow 2 over real HTTP: the stand-in accepting the provider's Bearer tokens (like user_oidc),
and /oauth/authorize-nextcloud -> the rig's sign-in and consent -> /oauth/callback, including
a callback taken by a second replica sharing the store, and replayed or forged state."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
import pytest

from tests.conftest import NcUser, StandInHandle
from tests.idp.provisioning import (
    ServerClient,
    consent,
    free_port,
    provisioning_settings,
    register_server_client,
    trust_idp,
)
from tests.idp.rig import PUBLIC_CLIENT, IdP
from tests.standin import serve_in_thread

NOTES = "/index.php/apps/notes/api/v1/notes"


@pytest.fixture(scope="module")
def trusted(standin: StandInHandle, idp: IdP) -> StandInHandle:
    trust_idp(standin.app, idp, standin.url)
    return standin


def test_the_stand_in_accepts_a_provider_token_for_nextclouds_audience_as_its_subject(
    trusted: StandInHandle, idp: IdP, nc_user: NcUser
) -> None:
    token = idp.token(nc_user.id, scopes=["openid", "notes.read"], resource=trusted.url)
    response = httpx.get(f"{trusted.url}{NOTES}", headers={"Authorization": f"Bearer {token.access_token}"})
    assert response.status_code == 200, response.text


def test_the_stand_in_refuses_a_token_for_another_audience_or_a_forged_one(
    trusted: StandInHandle, idp: IdP, nc_user: NcUser
) -> None:
    other = idp.token(nc_user.id, scopes=["openid", "notes.read"], resource="https://other.example")
    for token in (other.access_token, other.access_token[:-4] + "AAAA", "not-a-jwt"):
        response = httpx.get(f"{trusted.url}{NOTES}", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401


@dataclass
class Replicas:
    """Two server instances sharing one store; both know the public URL of the first."""

    public: str
    second: str
    client: ServerClient

    @property
    def callback(self) -> str:
        return f"{self.public}/oauth/callback"


@pytest.fixture(scope="module")
def replicas(trusted: StandInHandle, idp: IdP, nc_user: NcUser) -> Iterator[Replicas]:
    from nextcloud_mcp_server.app import build_app

    port = free_port()
    public = f"http://127.0.0.1:{port}"
    client = register_server_client(idp, f"{public}/oauth/callback")
    settings = provisioning_settings(nc_user.settings(), idp, public, client)
    with (
        serve_in_thread(build_app(settings), port=port, lifespan="on"),
        serve_in_thread(build_app(settings), lifespan="on") as second,
    ):
        yield Replicas(public, second, client)


def flow1_token(idp: IdP, user: str, public: str) -> str:
    return idp.token(user, scopes=["notes.read"], resource=f"{public}/mcp", client_id=PUBLIC_CLIENT).access_token


def test_consent_started_on_one_replica_completes_on_the_other(
    replicas: Replicas, idp: IdP, trusted: StandInHandle
) -> None:
    trusted.add_user("dora", "pw-dora")
    bearer = flow1_token(idp, "dora", replicas.public)
    query = consent(
        idp, "dora", f"{replicas.public}/oauth/authorize-nextcloud", replicas.callback, Authorization=f"Bearer {bearer}"
    )
    response = httpx.get(f"{replicas.second}/oauth/callback?{urlencode(query)}")
    assert response.status_code == 200, response.text
    assert "Access granted" in response.text
    replayed = httpx.get(f"{replicas.public}/oauth/callback?{urlencode(query)}")
    assert replayed.status_code == 400
    assert "unknown or was completed already" in replayed.text


def test_the_authorize_redirect_carries_pkce_s256_nonce_resource_and_offline_access(
    replicas: Replicas, idp: IdP, trusted: StandInHandle
) -> None:
    bearer = flow1_token(idp, "dora", replicas.public)
    response = httpx.get(f"{replicas.public}/oauth/authorize-nextcloud", headers={"Authorization": f"Bearer {bearer}"})
    assert response.status_code == 302
    location = httpx.URL(response.headers["location"])
    assert str(location).startswith(idp.metadata()["authorization_endpoint"])
    params = location.params
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert params["nonce"]
    assert params["resource"] == trusted.url
    assert params["redirect_uri"] == replicas.callback
    assert {"openid", "offline_access"} <= set(params["scope"].split())


def test_a_forged_state_or_an_anonymous_start_is_refused(replicas: Replicas) -> None:
    forged = httpx.get(f"{replicas.public}/oauth/callback", params={"state": "forged", "code": "x"})
    assert forged.status_code == 400
    anonymous = httpx.get(f"{replicas.public}/oauth/authorize-nextcloud")
    assert anonymous.status_code == 401
    bad_ticket = httpx.get(f"{replicas.public}/oauth/authorize-nextcloud", params={"ticket": "<script>"})
    assert bad_ticket.status_code == 401
    assert "<script>" not in bad_ticket.text


def test_the_provider_refuses_a_redirect_uri_that_was_not_registered(replicas: Replicas, idp: IdP) -> None:
    params = {
        "client_id": replicas.client.client_id,
        "response_type": "code",
        "redirect_uri": f"{replicas.second}/oauth/callback",
        "scope": "openid",
        "state": "s",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
    }
    response = httpx.get(f"{idp.issuer}/auth", params=params)
    assert response.status_code == 400
    assert "location" not in response.headers


def test_signing_in_at_the_provider_as_someone_else_stores_nothing(
    replicas: Replicas, idp: IdP, trusted: StandInHandle
) -> None:
    bearer = flow1_token(idp, "dora", replicas.public)
    query = consent(
        idp,
        "mallory",
        f"{replicas.public}/oauth/authorize-nextcloud",
        replicas.callback,
        Authorization=f"Bearer {bearer}",
    )
    response = httpx.get(f"{replicas.public}/oauth/callback", params=query)
    assert response.status_code == 400
    assert "Wrong account" in response.text
    assert "&#x27;mallory&#x27;" in response.text  # what the page echoes is escaped


def test_a_provider_error_is_shown_escaped_and_ends_the_sign_in(replicas: Replicas, idp: IdP) -> None:
    bearer = flow1_token(idp, "dora", replicas.public)
    start = httpx.get(f"{replicas.public}/oauth/authorize-nextcloud", headers={"Authorization": f"Bearer {bearer}"})
    state = httpx.URL(start.headers["location"]).params["state"]
    params = {"state": state, "error": "access_denied", "error_description": "<b>no</b>"}
    response = httpx.get(f"{replicas.public}/oauth/callback", params=params)
    assert response.status_code == 400
    assert "&lt;b&gt;no&lt;/b&gt;" in response.text
    assert httpx.get(f"{replicas.public}/oauth/callback", params=params).status_code == 400
