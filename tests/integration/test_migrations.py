"""Migrations on SQLite and PostgreSQL: from empty, stamping a pre-Alembic schema, down and up
again, two processes migrating at once, no drift between the models and the migrations, and
failing fast with the database named (password masked)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text

from nextcloud_mcp_server.store import DatabaseUnavailable, Store
from nextcloud_mcp_server.store import migrate as migrations
from nextcloud_mcp_server.store.engine import make_sync_engine
from nextcloud_mcp_server.store.models import INITIAL_TABLES, Base, WebhookEvent, utcnow

REPO = Path(__file__).resolve().parents[2]


def tables(url: str) -> set[str]:
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_from_an_empty_database_creates_every_table_at_head(empty_db_url: str) -> None:
    outcome = migrations.upgrade(empty_db_url)
    assert outcome.before == ()
    assert outcome.after == migrations.script_heads()
    assert not outcome.stamped
    assert tables(empty_db_url) == {*INITIAL_TABLES, "alembic_version"}
    again = migrations.upgrade(empty_db_url)
    assert again.before == again.after == migrations.script_heads()


def test_the_models_and_the_migrations_do_not_drift(empty_db_url: str) -> None:
    migrations.upgrade(empty_db_url)
    assert migrations.drift(empty_db_url) == []


def test_a_pre_alembic_schema_is_stamped_and_keeps_its_rows(empty_db_url: str) -> None:
    # A pre-Alembic database has revision 0001's tables (then made by create_all) and no version table.
    migrations.upgrade(empty_db_url, "0001")
    engine = make_sync_engine(empty_db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
            conn.execute(
                text(
                    "INSERT INTO webhook_events (dedupe_key, event_class, payload, received_at, attempts) "
                    "VALUES ('from-create-all', 'E', '{}', :at, 0)"
                ),
                {"at": utcnow()},
            )
    finally:
        engine.dispose()
    outcome = migrations.upgrade(empty_db_url)
    assert outcome.stamped
    assert outcome.after == migrations.script_heads()
    engine = make_sync_engine(empty_db_url)
    try:
        with engine.connect() as conn:
            assert conn.scalar(select(WebhookEvent.dedupe_key)) == "from-create-all"
    finally:
        engine.dispose()


def test_a_partial_pre_alembic_schema_fails_fast_naming_the_missing_tables(empty_db_url: str) -> None:
    engine = make_sync_engine(empty_db_url)
    try:
        with engine.begin() as conn:
            Base.metadata.tables["audit_log"].create(conn)
    finally:
        engine.dispose()
    with pytest.raises(DatabaseUnavailable, match="oauth_clients"):
        migrations.upgrade(empty_db_url)


def test_downgrade_to_base_drops_the_schema_and_upgrade_restores_it(empty_db_url: str) -> None:
    migrations.upgrade(empty_db_url)
    assert migrations.downgrade(empty_db_url, "base") == ()
    assert tables(empty_db_url) <= {"alembic_version"}
    assert migrations.current(empty_db_url) == ()
    migrations.upgrade(empty_db_url)
    assert tables(empty_db_url) == {*INITIAL_TABLES, "alembic_version"}
    assert migrations.current(empty_db_url) == migrations.script_heads()


CHILD = """
import sys
from nextcloud_mcp_server.store import migrate
print("ready", flush=True)
sys.stdin.readline()
print(migrate.upgrade(sys.argv[1]).after, flush=True)
"""


def test_two_processes_upgrading_at_once_both_succeed(empty_db_url: str) -> None:
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, empty_db_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for _ in range(2)
    ]
    try:
        for child in children:  # both imported everything and wait at the start line
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        results = [child.communicate(timeout=60) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    for child, (out, err) in zip(children, results, strict=True):
        assert child.returncode == 0, err
        assert migrations.script_heads()[0] in out
    engine = make_sync_engine(empty_db_url)
    try:
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(text("alembic_version"))) == 1
    finally:
        engine.dispose()
    assert migrations.current(empty_db_url) == migrations.script_heads()


@pytest.mark.anyio
async def test_opening_the_store_migrates_an_empty_database_to_head(empty_db_url: str) -> None:
    async with Store(database_url=empty_db_url) as store:
        assert store.migration is not None
        assert store.migration.after == migrations.script_heads()
        assert await store.inbox.add("first", "E", {}) is not None


@pytest.mark.anyio
async def test_an_unreachable_postgresql_fails_fast_naming_it_with_the_password_masked() -> None:
    url = "postgresql+psycopg://bob:s3cret-pw@127.0.0.1:1/mcpstore"
    with pytest.raises(DatabaseUnavailable) as caught:
        await Store(database_url=url).open()
    message = str(caught.value)
    assert "s3cret-pw" not in message
    assert "bob:***@127.0.0.1:1/mcpstore" in message


@pytest.mark.anyio
async def test_a_sqlite_file_that_cannot_be_created_fails_fast_naming_it(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data directory should be")
    url = f"sqlite:///{blocker}/store.db"
    with pytest.raises(DatabaseUnavailable) as caught:
        await Store(database_url=url).open()
    assert str(blocker) in str(caught.value)
