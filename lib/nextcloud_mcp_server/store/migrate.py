"""Alembic, driven from code: upgrade on start-up, the `db` commands, drift checks.

Why a lock: several replicas (or workers) start at once and all migrate to head. A SQLite
database is locked with a file lock next to it, PostgreSQL with an advisory lock; whoever
comes second finds the schema at head and does nothing. Why stamping: a database whose
tables were made by `create_all` before Alembic existed already has revision 0001's schema,
so it is stamped at 0001 rather than re-created.

Everything here is synchronous (Alembic is); the server calls it through anyio.to_thread.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sqlalchemy import func, inspect, select
from sqlalchemy.exc import SQLAlchemyError

from nextcloud_mcp_server.store.engine import make_sync_engine
from nextcloud_mcp_server.store.errors import DatabaseUnavailable, StoreError
from nextcloud_mcp_server.store.models import INITIAL_TABLES
from nextcloud_mcp_server.store.urls import masked, sqlite_path, sync_url

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection

INITIAL_REVISION = "0001"
ADVISORY_LOCK_KEY = 7_424_771_038_410_113_281  # any fixed bigint; "our migrations are running"


@dataclass(frozen=True)
class UpgradeOutcome:
    before: tuple[str, ...]
    after: tuple[str, ...]
    stamped: bool  # a pre-Alembic schema was found and stamped at INITIAL_REVISION


def migrations_dir() -> Path:
    """`nextcloud_mcp_server/store/migrations` in an installed wheel, `<repo>/alembic` in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "migrations", here.parents[2] / "alembic"):
        if (candidate / "env.py").is_file():
            return candidate
    raise StoreError("The store's Alembic migrations are missing from this installation; reinstall the package.")


def alembic_config(connection: Connection | None = None, stdout: TextIO | None = None) -> Config:
    from alembic.config import Config

    cfg = Config(stdout=stdout or sys.stdout)
    cfg.set_main_option("script_location", str(migrations_dir()).replace("%", "%%"))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    cfg.attributes["connection"] = connection
    return cfg


@contextmanager
def fail_fast(database_url: str) -> Iterator[None]:
    """Turn driver and Alembic failures into one DatabaseUnavailable naming the database."""
    from alembic.util import CommandError

    try:
        yield
    except StoreError:
        raise
    except (SQLAlchemyError, OSError, CommandError) as exc:
        raise DatabaseUnavailable(masked(database_url), _reason(exc, database_url)) from None


def _reason(exc: BaseException, database_url: str) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    reason = text[0] if text else type(exc).__name__
    password = sync_url(database_url).password
    if password:
        reason = reason.replace(str(password), "***")
    return reason


@contextmanager
def locked_connection(database_url: str) -> Iterator[Connection]:
    """A connection held under the migration lock (file lock for SQLite, advisory lock for PostgreSQL)."""
    engine = make_sync_engine(database_url)
    try:
        path = sqlite_path(sync_url(database_url))
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                conn.execute(select(func.pg_advisory_lock(ADVISORY_LOCK_KEY)))
                conn.commit()
                try:
                    yield conn
                finally:
                    conn.rollback()
                    conn.execute(select(func.pg_advisory_unlock(ADVISORY_LOCK_KEY)))
                    conn.commit()
        elif path is not None:
            import fcntl

            path.parent.mkdir(parents=True, exist_ok=True)
            with open(f"{path}.migrate-lock", "a+b") as lock:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
                try:
                    with engine.connect() as conn:
                        yield conn
                finally:
                    fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
        else:
            with engine.connect() as conn:
                yield conn
    finally:
        engine.dispose()


def _heads(conn: Connection) -> tuple[str, ...]:
    from alembic.runtime.migration import MigrationContext

    return tuple(MigrationContext.configure(conn).get_current_heads())


def _stamp_pre_alembic(conn: Connection, cfg: Config, database_url: str) -> bool:
    from alembic import command

    if _heads(conn):
        return False
    tables = set(inspect(conn).get_table_names())
    conn.commit()
    if not tables & INITIAL_TABLES:
        return False
    missing = sorted(INITIAL_TABLES - tables)
    if missing:
        raise DatabaseUnavailable(
            masked(database_url),
            f"it has some of the store's tables but not {', '.join(missing)}, and no Alembic version; "
            "restore it from a backup or point DATABASE_URL at an empty database",
        )
    command.stamp(cfg, INITIAL_REVISION)
    conn.commit()
    return True


def upgrade(database_url: str, revision: str = "head") -> UpgradeOutcome:
    """Migrate to `revision` under the lock; stamp a pre-Alembic schema first."""
    from alembic import command

    with fail_fast(database_url), locked_connection(database_url) as conn:
        cfg = alembic_config(conn)
        before = _heads(conn)
        stamped = _stamp_pre_alembic(conn, cfg, database_url)
        conn.commit()
        command.upgrade(cfg, revision)
        conn.commit()
        return UpgradeOutcome(before, _heads(conn), stamped)


def downgrade(database_url: str, revision: str) -> tuple[str, ...]:
    """Migrate down to `revision` ("base" drops every table) under the lock."""
    from alembic import command

    with fail_fast(database_url), locked_connection(database_url) as conn:
        command.downgrade(alembic_config(conn), revision)
        conn.commit()
        return _heads(conn)


def current(database_url: str) -> tuple[str, ...]:
    """The revision(s) the database is at; empty for an unmigrated database."""
    with fail_fast(database_url):
        engine = make_sync_engine(database_url)
        try:
            with engine.connect() as conn:
                return _heads(conn)
        finally:
            engine.dispose()


def script_heads() -> tuple[str, ...]:
    from alembic.script import ScriptDirectory

    return tuple(ScriptDirectory.from_config(alembic_config()).get_heads())


def history() -> list[str]:
    """One line per revision, newest first; needs no database."""
    from alembic.script import ScriptDirectory

    lines = []
    for script in ScriptDirectory.from_config(alembic_config()).walk_revisions():
        down = script.down_revision or "<base>"
        mark = " (head)" if script.is_head else ""
        lines.append(f"{down} -> {script.revision}{mark}: {(script.doc or '').strip()}")
    return lines


def drift(database_url: str) -> list[Any]:
    """Differences between the models and the database's schema (empty when they agree)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from nextcloud_mcp_server.store.models import Base

    with fail_fast(database_url):
        engine = make_sync_engine(database_url)
        try:
            with engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": True})
                return list(compare_metadata(context, Base.metadata))
        finally:
            engine.dispose()


def next_revision_id() -> str:
    from alembic.script import ScriptDirectory

    numbers = [int(s.revision) for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()]
    return f"{max(numbers, default=0) + 1:04d}"


def autogenerate(database_url: str, message: str) -> Path | None:
    """Write a migration for what the models have and the database (at head) lacks; None if nothing."""
    from alembic import command

    with fail_fast(database_url), locked_connection(database_url) as conn:
        cfg = alembic_config(conn)
        cfg.attributes["skip_empty"] = True
        script = command.revision(cfg, message=message, autogenerate=True, rev_id=next_revision_id())
        conn.commit()
    if script is None or isinstance(script, list):
        return None
    return Path(script.path)
