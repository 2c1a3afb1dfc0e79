"""Flow 2's remaining refusals and its multi-replica promise: PKCE missing or `plain` is refused
by the provider (and the server sends neither), an expired state at the callback gets a clear
page, and a callback taken by a second replica sharing a real PostgreSQL store succeeds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx
import pytest

from tests.conftest import NcUser, StandInHandle
from tests.idp.provisioning import consent, free_port, provisioning_settings, register_server_client, trust_idp
from tests.idp.rig import PUBLIC_CLIENT, REDIRECT_URI, IdP
from tests.pgserver import PgServer
from tests.standin import serve_in_thread

USER = "lou"


@pytest.mark.parametrize(
    "pkce",
    [{}, {"code_challenge": "plain-verifier-that-is-long-enough-0123456789abcdef", "code_challenge_method": "plain"}],
    ids=["missing", "plain"],
)
def test_the_provider_refuses_an_authorization_without_pkce_s256(idp: IdP, pkce: dict[str, str]) -> None:
    params = {
        "client_id": PUBLIC_CLIENT,
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid",
        "state": "s",
        **pkce,
    }
    response = httpx.get(f"{idp.issuer}/auth", params=params)
    assert response.status_code in (302, 303)
    answer = parse_qs(urlsplit(response.headers["location"]).query)
    assert answer["error"] == ["invalid_request"]
    assert "PKCE" in answer["error_description"][0] or "code_challenge" in answer["error_description"][0]
    assert "code" not in answer


@pytest.fixture(scope="module")
def pg_replicas(
    standin: StandInHandle, idp: IdP, nc_user: NcUser, pg_server: PgServer
) -> Iterator[tuple[str, str, Any]]:
    """Two replicas sharing one PostgreSQL store; (public URL of the first, URL of the second, settings)."""
    from nextcloud_mcp_server.app import build_app

    trust_idp(standin.app, idp, standin.url)
    standin.add_user(USER, "pw-lou")
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    client = register_server_client(idp, f"{public}/oauth/callback")
    settings = provisioning_settings(nc_user.settings(), idp, public, client, database_url=pg_server.create_database())
    with (
        serve_in_thread(build_app(settings), port=port, lifespan="on"),
        serve_in_thread(build_app(settings), lifespan="on") as second,
    ):
        yield public, second, settings


def bearer(idp: IdP, public: str) -> dict[str, str]:
    token = idp.token(USER, scopes=["notes.read"], resource=f"{public}/mcp", client_id=PUBLIC_CLIENT)
    return {"Authorization": f"Bearer {token.access_token}"}


def test_the_server_sends_s256_and_a_verifier_and_a_second_replica_on_postgresql_completes_the_callback(
    pg_replicas: tuple[str, str, Any], idp: IdP
) -> None:
    public, second, _ = pg_replicas
    start = httpx.get(f"{public}/oauth/authorize-nextcloud", headers=bearer(idp, public))
    params = httpx.URL(start.headers["location"]).params
    assert params["code_challenge_method"] == "S256"  # never `plain`, never without a challenge
    query = consent(idp, USER, f"{public}/oauth/authorize-nextcloud", f"{public}/oauth/callback", **bearer(idp, public))
    page = httpx.get(f"{second}/oauth/callback", params=query)
    assert page.status_code == 200, page.text  # the provider checked our verifier against the challenge
    assert "Access granted" in page.text


def test_an_expired_state_at_the_callback_gets_a_clear_page(pg_replicas: tuple[str, str, Any]) -> None:
    from nextcloud_mcp_server.auth.provisioning import FLOW
    from nextcloud_mcp_server.store import Store

    public, second, settings = pg_replicas

    async def expired_state() -> None:
        async with Store(settings) as store:
            await store.sessions.create(
                "expired-state",
                flow=FLOW,
                code_verifier="v",
                redirect_uri=f"{public}/oauth/callback",
                ttl=timedelta(seconds=-1),
                user_id=USER,
                client_id="c",
                extra={"nonce": "n"},
            )

    anyio.run(expired_state)
    page = httpx.get(f"{second}/oauth/callback", params={"state": "expired-state", "code": "c"})
    assert page.status_code == 400
    assert "took too long" in page.text
    again = httpx.get(f"{public}/oauth/callback", params={"state": "expired-state", "code": "c"})
    assert again.status_code == 400  # consumed: never usable later
