"""The token broker against a scripted provider (httpx.MockTransport) and an in-memory token store:
caching until shortly before expiry, refresh-token rotation, and dead refresh tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from pydantic import SecretStr

from nextcloud_mcp_server.auth.broker import TokenBroker
from nextcloud_mcp_server.auth.errors import NeedsProvisioning
from nextcloud_mcp_server.auth.provider import IdentityProvider
from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.store.oauth import TokenRecord

pytestmark = pytest.mark.anyio

ISSUER = "https://idp.example"
AUDIENCE = "https://cloud.example"


@dataclass
class Tokens:
    """The store's tokens repository, in memory."""

    rows: dict[tuple[str, str], TokenRecord] = field(default_factory=dict)

    async def get(self, user: str, audience: str) -> TokenRecord | None:
        return self.rows.get((user, audience))

    async def save(self, user: str, audience: str, token: str, **kwargs: Any) -> None:
        now = datetime.now(UTC)
        old = self.rows.get((user, audience))
        self.rows[(user, audience)] = TokenRecord(
            user, audience, SecretStr(token), kwargs.get("scopes") or [], None, now, now, now if old else None, None
        )

    async def delete(self, user: str, audience: str | None = None) -> int:
        return int(self.rows.pop((user, audience or AUDIENCE), None) is not None)


@dataclass
class FakeStore:
    tokens: Tokens = field(default_factory=Tokens)


@dataclass
class Provider:
    """A token endpoint that rotates refresh tokens and knows which ones are alive."""

    alive: set[str] = field(default_factory=lambda: {"rt-1"})
    refreshes: int = 0
    expires_in: int = 300

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("openid-configuration"):
            return httpx.Response(200, json={"issuer": ISSUER, "token_endpoint": f"{ISSUER}/token"})
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        assert form["grant_type"] == "refresh_token"
        assert form["resource"] == AUDIENCE
        assert request.headers["authorization"].startswith("Basic ")
        if form["refresh_token"] not in self.alive:
            return httpx.Response(400, json={"error": "invalid_grant", "error_description": "grant request is invalid"})
        self.alive.discard(form["refresh_token"])
        self.refreshes += 1
        rotated = f"rt-{self.refreshes + 1}"
        self.alive.add(rotated)
        return httpx.Response(
            200,
            json={"access_token": f"at-{self.refreshes}", "expires_in": self.expires_in, "refresh_token": rotated},
        )


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def make(provider: Provider, store: FakeStore, clock: Clock) -> TokenBroker:
    settings = Settings(
        nextcloud_url=AUDIENCE,
        oidc_discovery_url=f"{ISSUER}/.well-known/openid-configuration",
        public_url="https://mcp.example",
        nextcloud_oidc_client_id="server",
        nextcloud_oidc_client_secret="secret",
    )
    transport = httpx.MockTransport(provider.handle)
    idp = IdentityProvider(settings, transport=transport)
    return TokenBroker(settings, idp, lambda: store, transport=transport, clock=clock)  # type: ignore[arg-type,return-value]


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


async def test_an_access_token_is_cached_until_shortly_before_it_expires(store: FakeStore) -> None:
    provider, clock = Provider(), Clock()
    await store.tokens.save("alice", AUDIENCE, "rt-1")
    broker = make(provider, store, clock)
    assert await broker.access_token("alice") == "at-1"
    clock.now += 200  # 100 s left: still handed out
    assert await broker.access_token("alice") == "at-1"
    assert provider.refreshes == 1
    clock.now += 50  # 50 s left: inside the margin, refreshed
    assert await broker.access_token("alice") == "at-2"
    assert provider.refreshes == 2


async def test_a_rotated_refresh_token_replaces_the_stored_one(store: FakeStore) -> None:
    provider = Provider()
    await store.tokens.save("alice", AUDIENCE, "rt-1")
    await make(provider, store, Clock()).access_token("alice")
    record = await store.tokens.get("alice", AUDIENCE)
    assert record is not None
    assert record.token.get_secret_value() == "rt-2"
    assert provider.alive == {"rt-2"}


async def test_a_dead_refresh_token_is_deleted_and_the_user_asked_to_provision_again(store: FakeStore) -> None:
    await store.tokens.save("alice", AUDIENCE, "rt-revoked")
    with pytest.raises(NeedsProvisioning) as raised:
        await make(Provider(), store, Clock()).access_token("alice")
    assert raised.value.user == "alice"
    assert await store.tokens.get("alice", AUDIENCE) is None


async def test_a_refresh_token_rotated_meanwhile_by_another_replica_is_used_rather_than_deleted(
    store: FakeStore,
) -> None:
    provider = Provider(alive={"rt-9"})
    await store.tokens.save("alice", AUDIENCE, "rt-1")
    broker = make(provider, store, Clock())
    original_get = store.tokens.get
    calls = 0

    async def get_then_rotated(user: str, audience: str) -> TokenRecord | None:
        nonlocal calls
        calls += 1
        if calls == 2:  # the other replica saved its rotated token in between
            await store.tokens.save(user, audience, "rt-9")
        return await original_get(user, audience)

    store.tokens.get = get_then_rotated  # type: ignore[method-assign]
    assert await broker.access_token("alice") == "at-1"
    assert provider.refreshes == 1


async def test_a_user_without_a_stored_grant_needs_provisioning(store: FakeStore) -> None:
    with pytest.raises(NeedsProvisioning):
        await make(Provider(), store, Clock()).access_token("bob")


async def test_forgetting_the_cached_token_makes_the_next_call_refresh(store: FakeStore) -> None:
    provider = Provider()
    await store.tokens.save("alice", AUDIENCE, "rt-1")
    broker = make(provider, store, Clock())
    await broker.access_token("alice")
    broker.forget("alice")
    assert await broker.access_token("alice") == "at-2"


def test_with_oauth_the_app_password_user_is_optional_multi_user_mode() -> None:
    settings = Settings(
        nextcloud_url=AUDIENCE,
        oidc_discovery_url=f"{ISSUER}/.well-known/openid-configuration",
        public_url="https://mcp.example",
        nextcloud_oidc_client_id="server",
    )
    assert settings.problems() == []
    assert settings.provisioning_enabled
    assert settings.nextcloud_audience == AUDIENCE
    assert Settings(nextcloud_url=AUDIENCE).problems()  # without OAuth the user is still required
