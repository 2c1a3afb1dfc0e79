"""The inbox's one-statement insert path: what it stores reads back like any other row, it
survives a broken connection, its durability follows STORE_STRICT_DURABILITY, and a database
it cannot reach is reported naming the database without its password."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from nextcloud_mcp_server.store import Store
from nextcloud_mcp_server.store.errors import DatabaseUnavailable

pytestmark = pytest.mark.anyio


async def test_an_event_written_by_the_inbox_writer_reads_back_with_its_payload_and_time(
    migrated_db_url: str,
) -> None:
    received = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=UTC)
    payload: dict[str, Any] = {"event": {"class": "NodeWrittenEvent", "node": {"path": "/u/files/Résumé 日本.md"}}}
    async with Store(database_url=migrated_db_url, migrate=False) as store:
        event_id = await store.inbox.add("writer-roundtrip", "NodeWrittenEvent", payload, received_at=received)
        assert event_id is not None
        stored = await store.inbox.get(event_id)
    assert stored is not None
    assert stored.payload == payload
    assert stored.received_at == received
    assert stored.attempts == 0
    assert stored.processed_at is None


async def test_the_same_dedupe_key_is_stored_once(migrated_db_url: str) -> None:
    async with Store(database_url=migrated_db_url, migrate=False) as store:
        first = await store.inbox.add("writer-dup", "E", {"n": 1})
        second = await store.inbox.add("writer-dup", "E", {"n": 2})
        stored = await store.inbox.get(first or 0)
    assert first is not None
    assert second is None
    assert stored is not None
    assert stored.payload == {"n": 1}


async def test_a_postgresql_connection_killed_between_inserts_is_replaced_and_nothing_is_lost(
    pg_server: Any,
) -> None:
    import psycopg

    url = pg_server.create_database()
    async with Store(database_url=url) as store:
        before = await store.inbox.add("killed-1", "E", {})
        plain = url.replace("postgresql+psycopg", "postgresql")
        async with await psycopg.AsyncConnection.connect(plain, autocommit=True) as admin:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        after = await store.inbox.add("killed-2", "E", {})
        assert before is not None
        assert after is not None
        assert await store.inbox.get(after) is not None


@pytest.mark.parametrize(("strict", "expected"), [(False, "off"), (True, "on")])
async def test_postgresql_inserts_commit_synchronously_only_with_strict_durability(
    pg_server: Any, monkeypatch: pytest.MonkeyPatch, strict: bool, expected: str
) -> None:
    monkeypatch.setenv("STORE_STRICT_DURABILITY", "true" if strict else "false")
    async with Store(database_url=pg_server.create_database()) as store:
        await store.inbox.add("durability", "E", {})
        writer: Any = store.inbox.writer
        connection = writer._idle[0]
        cursor = await connection.execute("SHOW synchronous_commit")
        assert (await cursor.fetchone())[0] == expected


@pytest.mark.parametrize(("strict", "expected"), [(False, 1), (True, 2)])  # NORMAL = 1, FULL = 2
async def test_sqlite_inserts_reach_the_disk_on_every_commit_only_with_strict_durability(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, strict: bool, expected: int
) -> None:
    monkeypatch.setenv("STORE_STRICT_DURABILITY", "true" if strict else "false")
    async with Store(database_url=f"sqlite:///{tmp_path / 'durable.db'}") as store:
        await store.inbox.add("durability", "E", {})
        writer: Any = store.inbox.writer
        assert writer._connection.execute("PRAGMA synchronous").fetchone()[0] == expected


async def test_a_postgresql_that_goes_away_is_reported_naming_the_database_without_its_password() -> None:
    from tests.pgserver import PgServer

    server = PgServer().start()
    try:
        url = server.create_database().replace(
            "postgresql+psycopg://postgres@", "postgresql+psycopg://postgres:s3cret-pw@"
        )
        async with Store(database_url=url) as store:
            assert await store.inbox.add("before-the-outage", "E", {}) is not None
            server.stop()
            with pytest.raises(DatabaseUnavailable) as raised:
                await store.inbox.add("during-the-outage", "E", {})
    finally:
        server.stop()
    assert "s3cret-pw" not in str(raised.value)
    assert "could not be stored" in str(raised.value)
