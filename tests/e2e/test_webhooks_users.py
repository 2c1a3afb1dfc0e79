"""Subscriptions are per user: alice and bob, signed in with their own OAuth tokens, subscribe to the
same relative URI (`nc://files/report.txt` is a different file for each) on one replica, while
Nextcloud delivers to the other (two replicas sharing PostgreSQL). A change to alice's report
reaches alice's session only, and bob's reaches bob's only, on both protocol eras.

No waiting for silence: after the two reports, each user's own sentinel change is delivered, and
each session must have heard exactly its own report, then its own sentinel (a leaked change would
arrive before the sentinel, since every replica tells its sessions in inbox order)."""

from __future__ import annotations

import json
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from nextcloud_mcp_server.webhooks.events import NODE_WRITTEN
from tests.conftest import NcUser, StandInHandle
from tests.idp.provisioning import free_port
from tests.idp.rig import PUBLIC_CLIENT, SERVER_CLIENT, SERVER_SECRET, IdP, tool_scopes
from tests.pgserver import PgServer
from tests.standin import serve_in_thread

pytestmark = pytest.mark.anyio

SECRET = "per-user-webhook-secret"
REPORT, SENTINEL = "nc://files/report.txt", "nc://files/sentinel.txt"


@dataclass
class Replicas:
    public: str
    receiving: str
    listening: str
    idp: IdP

    def client(self, user: str, **options: Any) -> Client:
        token = self.idp.token(user, scopes=tool_scopes(), resource=f"{self.public}/mcp", client_id=PUBLIC_CLIENT)
        http = httpx.AsyncClient(headers={"Authorization": f"Bearer {token.access_token}"}, timeout=30)
        return Client(streamable_http_client(f"{self.listening}/mcp", http_client=http), **options)

    async def changed(self, user: str, path: str, n: int) -> None:
        envelope = {
            "event": {"class": NODE_WRITTEN, "node": {"id": 500 + n, "path": f"/{user}/files/{path}"}},
            "user": {"uid": user, "displayName": user},
            "time": 1767225600 + n,
        }
        async with httpx.AsyncClient() as http:
            response = await http.post(
                f"{self.receiving}/webhooks/nextcloud",
                content=json.dumps(envelope),
                headers={"X-Webhook-Secret": SECRET},
            )
        assert response.status_code == 200, response.text

    async def report_then_sentinels(self, alice: str, bob: str, start: int) -> None:
        for n, (user, path) in enumerate(
            [(alice, "report.txt"), (bob, "report.txt"), (alice, "sentinel.txt"), (bob, "sentinel.txt")]
        ):
            await self.changed(user, path, start + n)


@pytest.fixture(scope="module")
def users(standin: StandInHandle) -> tuple[NcUser, NcUser]:
    return standin.add_user("sub-alice", "pw-sub-alice"), standin.add_user("sub-bob", "pw-sub-bob")


@pytest.fixture(scope="module")
def replicas(users: tuple[NcUser, NcUser], idp: IdP) -> Iterator[Replicas]:
    """Two OAuth replicas on one PostgreSQL store; alice is the configured user, bob signs in as himself."""
    from nextcloud_mcp_server.app import build_app

    public = f"http://127.0.0.1:{free_port()}"
    with PgServer() as pg, ExitStack() as stack:
        settings = users[0].settings(
            database_url=pg.create_database(),
            public_url=public,
            oidc_discovery_url=idp.discovery_url,
            nextcloud_oidc_client_id=SERVER_CLIENT,
            nextcloud_oidc_client_secret=SERVER_SECRET,
            webhook_secret=SECRET,
            webhook_poll_interval=0.2,
        )
        urls = [stack.enter_context(serve_in_thread(build_app(settings), lifespan="on")) for _ in range(2)]
        yield Replicas(public, urls[0], urls[1], idp)


class Heard:
    """The `resources/updated` URIs a legacy session heard, and a way to wait for the nth."""

    def __init__(self) -> None:
        self.uris: list[str] = []
        self._arrived = anyio.Event()

    async def __call__(self, message: Any) -> None:
        if getattr(message, "method", None) == "notifications/resources/updated":
            self.uris.append(str(message.params.uri))
            self._arrived.set()

    async def until(self, uri: str) -> list[str]:
        with anyio.fail_after(5):
            while uri not in self.uris:
                self._arrived = anyio.Event()
                await self._arrived.wait()
        return self.uris


@pytest.fixture
async def legacy_sessions(replicas: Replicas, users: tuple[NcUser, NcUser]) -> AsyncIterator[list[Heard]]:
    async with AsyncExitStack() as stack:
        heard = []
        for user in users:
            ears = Heard()
            client = await stack.enter_async_context(replicas.client(user.id, mode="legacy", message_handler=ears))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # resources/subscribe is the 2025 protocol's way, deliberately
                await client.subscribe_resource(REPORT)
                await client.subscribe_resource(SENTINEL)
            heard.append(ears)
        yield heard


async def test_legacy_subscribers_to_the_same_uri_each_hear_only_their_own_changes(
    replicas: Replicas, users: tuple[NcUser, NcUser], legacy_sessions: list[Heard]
) -> None:
    alice, bob = users
    await replicas.report_then_sentinels(alice.id, bob.id, start=0)
    assert await legacy_sessions[0].until(SENTINEL) == [REPORT, SENTINEL]
    assert await legacy_sessions[1].until(SENTINEL) == [REPORT, SENTINEL]


async def test_listen_streams_on_the_same_uri_each_hear_only_their_own_changes(
    replicas: Replicas, users: tuple[NcUser, NcUser]
) -> None:
    alice, bob = users
    async with (
        replicas.client(alice.id) as as_alice,
        replicas.client(bob.id) as as_bob,
        as_alice.listen(resource_subscriptions=[REPORT, SENTINEL]) as alice_stream,
        as_bob.listen(resource_subscriptions=[REPORT, SENTINEL]) as bob_stream,
    ):
        await replicas.report_then_sentinels(alice.id, bob.id, start=10)
        for stream in (alice_stream, bob_stream):
            with anyio.fail_after(5):
                heard = [getattr(await stream.__anext__(), "uri", None) for _ in range(2)]
            assert heard == [REPORT, SENTINEL]
