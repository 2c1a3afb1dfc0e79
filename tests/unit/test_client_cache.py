"""The per-user client cache of the multi-user modes: one client per user, bounded, least recently used closed first."""

from __future__ import annotations

import httpx
import pytest

from nextcloud_mcp_server.auth.client_cache import ClientCache
from nextcloud_mcp_server.nextcloud.client import NextcloudClient

pytestmark = pytest.mark.anyio


def _client(user: str) -> NextcloudClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(204)))
    return NextcloudClient(http, user, "https://cloud.example.com")


async def test_a_user_gets_the_same_client_until_the_least_recently_used_one_is_closed_to_stay_in_bound() -> None:
    cache = ClientCache(_client, size=2)
    alice = await cache.get("alice")
    bob = await cache.get("bob")
    assert await cache.get("alice") is alice  # alice is now the most recent
    carol = await cache.get("carol")  # over the bound: bob, the least recently used, is closed
    assert bob.http.is_closed
    assert not alice.http.is_closed
    assert not carol.http.is_closed
    assert await cache.get("bob") is not bob
    await cache.aclose()
    assert alice.http.is_closed
    assert carol.http.is_closed


async def test_a_discarded_user_is_closed_and_gets_a_new_client_next_time() -> None:
    cache = ClientCache(_client)
    first = await cache.get("alice")
    await cache.discard("alice")
    assert first.http.is_closed
    assert await cache.get("alice") is not first
    await cache.aclose()
