"""Userinfo as the last verification fallback, against the rig: an opaque token is accepted
through userinfo only when introspection is impossible AND the operator stated (with
OIDC_USERINFO_SCOPES) that the provider issues tokens for this server alone; otherwise refused."""

from __future__ import annotations

from typing import Any

import pytest

from nextcloud_mcp_server.auth.errors import InvalidToken
from tests.idp.rig import OPAQUE_CLIENT, IdP

pytestmark = pytest.mark.anyio


def settings(idp: IdP, **extra: Any) -> Any:
    from nextcloud_mcp_server.config import Settings

    return Settings(
        nextcloud_url="http://127.0.0.1:1",
        public_url="http://127.0.0.1:2",
        oidc_discovery_url=idp.discovery_url,
        **extra,  # no NEXTCLOUD_OIDC_CLIENT_ID/SECRET: the server cannot introspect
    )


async def verify(idp: IdP, token: str, **extra: Any) -> Any:
    from nextcloud_mcp_server.auth.provider import IdentityProvider
    from nextcloud_mcp_server.auth.verifier import TokenVerifier

    configured = settings(idp, **extra)
    provider = IdentityProvider(configured)
    try:
        return await TokenVerifier(configured, provider).verify(token)
    finally:
        await provider.aclose()


def opaque_token(idp: IdP, user: str) -> str:
    token = idp.token(user, scopes=["openid", "notes.read"], client_id=OPAQUE_CLIENT).access_token
    assert token.count(".") != 2  # opaque, not a JWT
    return token


async def test_an_opaque_token_is_accepted_via_userinfo_when_the_operator_says_the_provider_serves_only_us(
    idp: IdP,
) -> None:
    caller = await verify(idp, opaque_token(idp, "mia"), oidc_userinfo_scopes="notes.read")
    assert caller.user == "mia"
    assert caller.scopes == frozenset({"notes.read"})
    assert caller.client_id is None


async def test_without_that_statement_an_opaque_token_that_cannot_be_introspected_is_refused(idp: IdP) -> None:
    with pytest.raises(InvalidToken, match="introspection"):
        await verify(idp, opaque_token(idp, "mia"))


async def test_userinfo_refuses_a_forged_token_and_allowed_clients_cannot_be_checked_through_it(idp: IdP) -> None:
    with pytest.raises(InvalidToken, match="not active"):
        await verify(idp, "forged-opaque-token", oidc_userinfo_scopes="notes.read")
    with pytest.raises(InvalidToken, match="ALLOWED_MCP_CLIENTS"):
        await verify(
            idp, opaque_token(idp, "mia"), oidc_userinfo_scopes="notes.read", allowed_mcp_clients=OPAQUE_CLIENT
        )
