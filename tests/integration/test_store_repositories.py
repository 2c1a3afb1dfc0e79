"""Every repository operation of the store, on SQLite and on PostgreSQL (same tests, both engines)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import anyio
import pytest
from sqlalchemy import func, select

from nextcloud_mcp_server.store import EncryptionKeyMissing, SessionExpired, Store
from nextcloud_mcp_server.store.models import WebhookEvent, utcnow

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def module_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


@pytest.fixture
async def store(migrated_db_url: str, module_key: str) -> AsyncIterator[Store]:
    async with Store(database_url=migrated_db_url, token_encryption_key=module_key, migrate=False) as opened:
        yield opened


@pytest.fixture
async def keyless_store(migrated_db_url: str) -> AsyncIterator[Store]:
    async with Store(database_url=migrated_db_url, migrate=False) as opened:
        yield opened


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


# --- registered OAuth clients -------------------------------------------------------------


async def test_a_saved_client_reads_back_with_its_secret_and_metadata(store: Store) -> None:
    client_id = unique("client")
    await store.clients.save(
        client_id,
        redirect_uris=["http://127.0.0.1:3334/callback"],
        client_secret="s3cr3t-client",
        client_name="Claude Desktop",
        registration={"grant_types": ["authorization_code", "refresh_token"]},
    )
    client = await store.clients.get(client_id)
    assert client is not None
    assert client.client_secret is not None
    assert client.client_secret.get_secret_value() == "s3cr3t-client"
    assert client.redirect_uris == ["http://127.0.0.1:3334/callback"]
    assert client.client_name == "Claude Desktop"
    assert client.kind == "dcr"
    assert client.registration == {"grant_types": ["authorization_code", "refresh_token"]}
    assert "s3cr3t-client" not in repr(client)


async def test_saving_a_client_again_replaces_its_registration_but_keeps_its_creation_time(store: Store) -> None:
    client_id = unique("client")
    first = await store.clients.save(client_id, redirect_uris=["https://a.example/cb"], client_secret="one")
    await store.clients.save(client_id, redirect_uris=["https://b.example/cb"], client_secret="two", kind="static")
    client = await store.clients.get(client_id)
    assert client is not None
    assert client.redirect_uris == ["https://b.example/cb"]
    assert client.kind == "static"
    assert client.client_secret is not None
    assert client.client_secret.get_secret_value() == "two"
    assert client.created_at == first.created_at
    assert client.updated_at >= first.updated_at


async def test_client_secrets_are_verified_and_unknown_or_public_clients_are_refused(store: Store) -> None:
    confidential, public = unique("conf"), unique("pub")
    await store.clients.save(confidential, redirect_uris=["https://a.example/cb"], client_secret="right")
    await store.clients.save(public, redirect_uris=["https://a.example/cb"])
    assert await store.clients.verify_secret(confidential, "right")
    assert not await store.clients.verify_secret(confidential, "wrong")
    assert not await store.clients.verify_secret(public, "anything")
    assert not await store.clients.verify_secret(unique("nobody"), "right")


async def test_clients_are_listed_in_pages_and_can_be_deleted(store: Store) -> None:
    ids = [unique("listed") for _ in range(3)]
    for client_id in ids:
        await store.clients.save(client_id, redirect_uris=["https://a.example/cb"])
    everyone = []
    offset = 0
    while batch := await store.clients.list(limit=2, offset=offset):
        assert len(batch) <= 2
        everyone.extend(c.client_id for c in batch)
        offset += 2
    assert set(ids) <= set(everyone)
    assert len(everyone) == len(set(everyone))
    assert await store.clients.delete(ids[0])
    assert await store.clients.get(ids[0]) is None
    assert not await store.clients.delete(ids[0])


async def test_a_public_client_needs_no_encryption_key(keyless_store: Store) -> None:
    client_id = unique("public")
    await keyless_store.clients.save(client_id, redirect_uris=["https://a.example/cb"])
    client = await keyless_store.clients.get(client_id)
    assert client is not None
    assert client.client_secret is None


# --- OAuth sessions -----------------------------------------------------------------------


async def test_a_session_is_consumed_once_and_then_gone(store: Store) -> None:
    state = unique("state")
    await store.sessions.create(
        state,
        flow="provision",
        code_verifier="verifier-123",
        redirect_uri="https://mcp.example/oauth/callback",
        scopes=["openid", "notes.read"],
        user_id="alice",
        client_id="client-1",
        extra={"return_to": "/done"},
    )
    session = await store.sessions.consume(state)
    assert session is not None
    assert (session.flow, session.code_verifier, session.user_id, session.client_id) == (
        "provision",
        "verifier-123",
        "alice",
        "client-1",
    )
    assert session.scopes == ["openid", "notes.read"]
    assert session.extra == {"return_to": "/done"}
    assert session.expires_at > utcnow()
    assert await store.sessions.consume(state) is None


async def test_an_expired_session_is_refused_and_removed(store: Store) -> None:
    state = unique("state")
    await store.sessions.create(
        state, flow="login", code_verifier="v", redirect_uri="https://x/cb", ttl=timedelta(seconds=-1)
    )
    with pytest.raises(SessionExpired, match="expired"):
        await store.sessions.consume(state)
    assert await store.sessions.consume(state) is None


async def test_of_two_concurrent_consumers_of_one_state_exactly_one_wins(store: Store) -> None:
    state = unique("state")
    await store.sessions.create(state, flow="provision", code_verifier="v", redirect_uri="https://x/cb")
    results: list[object] = []

    async def consume() -> None:
        results.append(await store.sessions.consume(state))

    async with anyio.create_task_group() as tg:
        for _ in range(4):
            tg.start_soon(consume)
    assert sum(r is not None for r in results) == 1


async def test_purging_sessions_removes_the_expired_and_keeps_the_live(store: Store) -> None:
    live, dead = unique("live"), unique("dead")
    await store.sessions.create(live, flow="login", code_verifier="v", redirect_uri="https://x/cb")
    await store.sessions.create(
        dead, flow="login", code_verifier="v", redirect_uri="https://x/cb", ttl=timedelta(seconds=-5)
    )
    assert await store.sessions.purge_expired() >= 1
    assert await store.sessions.consume(live) is not None
    assert await store.sessions.consume(dead) is None


# --- refresh tokens -----------------------------------------------------------------------


async def test_a_refresh_token_is_kept_per_user_and_audience(store: Store) -> None:
    user = unique("user")
    expires = utcnow() + timedelta(days=30)
    await store.tokens.save(
        user, "https://cloud.example", "rt-one", scopes=["notes.read"], expires_at=expires, provisioning_client_id="c"
    )
    await store.tokens.save(user, "https://other.example", "rt-two")
    one = await store.tokens.get(user, "https://cloud.example")
    two = await store.tokens.get(user, "https://other.example")
    assert one is not None
    assert two is not None
    assert one.token.get_secret_value() == "rt-one"
    assert two.token.get_secret_value() == "rt-two"
    assert one.scopes == ["notes.read"]
    assert one.expires_at == expires
    assert one.provisioning_client_id == "c"
    assert one.rotated_at is None
    assert "rt-one" not in repr(one)
    assert await store.tokens.audiences(user) == ["https://cloud.example", "https://other.example"]
    assert await store.tokens.get(unique("nobody"), "https://cloud.example") is None


async def test_saving_a_token_again_rotates_it_and_records_when(store: Store) -> None:
    user = unique("user")
    await store.tokens.save(user, "aud", "old-token", scopes=["a"])
    first = await store.tokens.get(user, "aud")
    await store.tokens.save(user, "aud", "new-token", scopes=["a", "b"])
    second = await store.tokens.get(user, "aud")
    assert first is not None
    assert second is not None
    assert second.token.get_secret_value() == "new-token"
    assert second.scopes == ["a", "b"]
    assert second.created_at == first.created_at
    assert second.rotated_at is not None
    assert second.rotated_at >= first.updated_at


async def test_tokens_are_deleted_one_audience_or_all_of_a_user(store: Store) -> None:
    user = unique("user")
    for audience in ("a1", "a2", "a3"):
        await store.tokens.save(user, audience, f"token-{audience}")
    assert await store.tokens.delete(user, "a1") == 1
    assert await store.tokens.get(user, "a1") is None
    assert await store.tokens.delete(user) == 2
    assert await store.tokens.audiences(user) == []


async def test_storing_a_token_without_a_key_says_which_variable_to_set(keyless_store: Store) -> None:
    with pytest.raises(EncryptionKeyMissing) as caught:
        await keyless_store.tokens.save(unique("user"), "aud", "plain-token")
    message = str(caught.value)
    assert "TOKEN_ENCRYPTION_KEY" in message
    assert "Fernet.generate_key()" in message
    assert "plain-token" not in message


# --- webhook registrations ----------------------------------------------------------------


async def test_webhook_registrations_are_added_listed_by_event_and_deleted(store: Store) -> None:
    event = unique("OCP\\Files\\Events\\Node\\NodeWrittenEvent")
    ids = [int(uuid.uuid4().int % 2_000_000_000) for _ in range(2)]
    await store.webhooks.add(
        ids[0], event=event, uri="https://mcp.example/webhooks/nextcloud", event_filter={"user.uid": "alice"}
    )
    await store.webhooks.add(ids[1], event=event, uri="https://mcp.example/webhooks/nextcloud", owner_mode="user")
    got = await store.webhooks.get(ids[0])
    assert got is not None
    assert got.event_filter == {"user.uid": "alice"}
    assert got.owner_mode == "app"
    listed = await store.webhooks.list(event=event)
    assert [r.nextcloud_id for r in listed] == ids
    assert await store.webhooks.delete(ids[0])
    assert not await store.webhooks.delete(ids[0])
    assert [r.nextcloud_id for r in await store.webhooks.list(event=event)] == ids[1:]


# --- webhook inbox ------------------------------------------------------------------------


async def test_an_event_is_stored_once_per_dedupe_key(store: Store) -> None:
    key = unique("dedupe")
    payload = {"event": {"class": "NodeCreatedEvent", "node": {"id": 42, "path": "/alice/files/ü.txt"}}}
    first = await store.inbox.add(key, "NodeCreatedEvent", payload)
    again = await store.inbox.add(key, "NodeCreatedEvent", payload)
    assert first is not None
    assert again is None
    event = await store.inbox.get(first)
    assert event is not None
    assert event.payload == payload
    assert (event.attempts, event.processed_at, event.dead_at) == (0, None, None)
    async with store.transaction() as session:
        count = await session.scalar(select(func.count()).where(WebhookEvent.dedupe_key == key))
    assert count == 1


async def test_the_inbox_is_read_after_a_cursor_in_arrival_order_and_filtered_by_time_and_class(
    store: Store,
) -> None:
    start = await store.inbox.last_id()
    long_ago = datetime.now(UTC) - timedelta(days=3)
    old = await store.inbox.add(unique("after-old"), "NodeWrittenEvent", {}, received_at=long_ago)
    written = await store.inbox.add(unique("after-written"), "NodeWrittenEvent", {})
    created = await store.inbox.add(unique("after-created"), "NodeCreatedEvent", {})
    assert await store.inbox.last_id() == created
    assert [e.id for e in await store.inbox.after(start)] == [old, written, created]
    assert [e.id for e in await store.inbox.after(start, limit=1)] == [old]
    recent = await store.inbox.after(start, received_since=datetime.now(UTC) - timedelta(hours=1))
    assert [e.id for e in recent] == [written, created]
    assert [e.id for e in await store.inbox.after(start, classes=["NodeCreatedEvent"])] == [created]


async def test_a_batch_is_marked_processed_at_once_and_events_in_backoff_can_be_skipped(store: Store) -> None:
    ids = [await store.inbox.add(unique("batch"), "E", {"n": n}) for n in range(3)]
    waiting = [e.id for e in await store.inbox.pending(limit=10_000, skip=[ids[0]])]
    assert ids[0] not in waiting
    assert ids[1] in waiting
    assert await store.inbox.mark_many_processed([ids[0], ids[1]]) == 2
    assert await store.inbox.mark_many_processed([ids[0], ids[1]]) == 0
    still = [e.id for e in await store.inbox.pending(limit=10_000)]
    assert ids[2] in still
    assert ids[0] not in still


async def test_pending_events_come_oldest_first_and_processed_ones_leave_the_queue(store: Store) -> None:
    ids = [await store.inbox.add(unique("pending"), "E", {"n": n}) for n in range(3)]
    assert await store.inbox.mark_processed(ids[1])  # type: ignore[arg-type]
    assert not await store.inbox.mark_processed(ids[1])  # type: ignore[arg-type]
    pending = [e.id for e in await store.inbox.pending(limit=10_000)]
    assert [i for i in pending if i in ids] == [ids[0], ids[2]]
    processed = await store.inbox.get(ids[1])  # type: ignore[arg-type]
    assert processed is not None
    assert processed.processed_at is not None


async def test_failures_are_counted_and_the_event_becomes_a_dead_letter_at_the_limit(store: Store) -> None:
    event_id = await store.inbox.add(unique("failing"), "E", {})
    assert event_id is not None
    first = await store.inbox.record_failure(event_id, "Nextcloud timed out", max_attempts=2)
    assert first is not None
    assert (first.attempts, first.last_error, first.dead_at) == (1, "Nextcloud timed out", None)
    second = await store.inbox.record_failure(event_id, "again", max_attempts=2)
    assert second is not None
    assert second.attempts == 2
    assert second.dead_at is not None
    assert event_id not in [e.id for e in await store.inbox.pending(limit=10_000)]
    assert event_id in [e.id for e in await store.inbox.dead_letters(limit=10_000)]
    assert await store.inbox.retry(event_id)
    assert event_id in [e.id for e in await store.inbox.pending(limit=10_000)]


async def test_purge_removes_old_processed_events_and_expired_sessions_but_never_unprocessed_ones(
    store: Store,
) -> None:
    long_ago = utcnow() - timedelta(days=30)
    old_done = await store.inbox.add(unique("old-done"), "E", {}, received_at=long_ago)
    recent_done = await store.inbox.add(unique("recent-done"), "E", {})
    old_pending = await store.inbox.add(unique("old-pending"), "E", {}, received_at=long_ago)
    old_dead = await store.inbox.add(unique("old-dead"), "E", {}, received_at=long_ago)
    assert None not in (old_done, recent_done, old_pending, old_dead)
    await store.inbox.mark_processed(old_done, now=long_ago)  # type: ignore[arg-type]
    await store.inbox.mark_processed(recent_done)  # type: ignore[arg-type]
    await store.inbox.record_failure(old_dead, "boom", max_attempts=1, now=long_ago)  # type: ignore[arg-type]
    expired = unique("expired")
    await store.sessions.create(
        expired, flow="login", code_verifier="v", redirect_uri="https://x/cb", ttl=timedelta(seconds=-1)
    )
    result = await store.purge(processed_retention=timedelta(days=7))
    assert result.events >= 1
    assert result.sessions >= 1
    assert await store.inbox.get(old_done) is None  # type: ignore[arg-type]
    for kept in (recent_done, old_pending, old_dead):
        assert await store.inbox.get(kept) is not None  # type: ignore[arg-type]


# --- audit log and transactions -----------------------------------------------------------


async def test_the_audit_log_keeps_who_did_what_newest_first_and_never_a_secret(store: Store) -> None:
    actor = unique("alice")
    await store.audit.record(actor, "token.provisioned", subject="https://cloud.example")
    await store.audit.record(
        actor,
        "client.registered",
        detail={"client_id": "c1", "client_secret": "hunter2", "nested": [{"refresh_token": "rt"}]},
    )
    entries = await store.audit.recent(actor=actor)
    assert [e.action for e in entries] == ["client.registered", "token.provisioned"]
    assert entries[0].detail == {
        "client_id": "c1",
        "client_secret": "[redacted]",
        "nested": [{"refresh_token": "[redacted]"}],
    }
    assert [e.action for e in await store.audit.recent(actor=actor, action="token.provisioned")] == [
        "token.provisioned"
    ]
    assert len(await store.audit.recent(actor=actor, limit=1, offset=1)) == 1


async def test_a_failed_transaction_leaves_nothing_behind(store: Store) -> None:
    key = unique("rolled-back")

    async def fail_half_way() -> None:
        async with store.transaction() as session:
            session.add(WebhookEvent(dedupe_key=key, event_class="E", payload={}, received_at=utcnow(), attempts=0))
            await session.flush()
            raise RuntimeError("the caller failed half-way")

    with pytest.raises(RuntimeError):
        await fail_half_way()
    async with store.transaction() as session:
        assert await session.scalar(select(func.count()).where(WebhookEvent.dedupe_key == key)) == 0
