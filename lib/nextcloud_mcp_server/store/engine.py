"""Engines for the store: one async engine per process for the server, a short-lived sync
engine for Alembic. Both get the same SQLite pragmas.

Why these pragmas: WAL lets readers and the single writer work at once (several workers,
the CLI next to a running server); busy_timeout makes a writer wait for the lock instead of
failing; foreign_keys is off by default in SQLite; synchronous=NORMAL is durable against
process crashes in WAL mode and avoids an fsync per commit (the webhook inbox commits often).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.pool import NullPool

from nextcloud_mcp_server.store.urls import async_url, sqlite_path, sync_url

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Engine
    from sqlalchemy.ext.asyncio import AsyncEngine

BUSY_TIMEOUT_MS = 30_000


def sqlite_pragmas(*, strict_durability: bool = False) -> tuple[str, ...]:
    """WAL, busy timeout, foreign keys; synchronous=FULL only when every commit must reach the disk."""
    return (
        f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
        "PRAGMA journal_mode=WAL",
        f"PRAGMA synchronous={'FULL' if strict_durability else 'NORMAL'}",
        "PRAGMA foreign_keys=ON",
    )


def _pragma_listener(pragmas: tuple[str, ...]) -> Any:
    def apply(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            for pragma in pragmas:
                cursor.execute(pragma)
        finally:
            cursor.close()

    return apply


def _prepare_sqlite(url: URL) -> None:
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def make_async_engine(database_url: str, *, strict_durability: bool = False, **kwargs: Any) -> AsyncEngine:
    """The server's engine (aiosqlite or psycopg 3), with pooled connections."""
    from sqlalchemy.ext.asyncio import create_async_engine

    url = async_url(database_url)
    if url.get_backend_name() == "sqlite":
        _prepare_sqlite(url)
        engine = create_async_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **kwargs)
        event.listen(
            engine.sync_engine, "connect", _pragma_listener(sqlite_pragmas(strict_durability=strict_durability))
        )
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("max_overflow", 10)
    return create_async_engine(url, **kwargs)


def make_sync_engine(database_url: str) -> Engine:
    """A pool-less synchronous engine for migrations and the `db` commands."""
    from sqlalchemy import create_engine

    url = sync_url(database_url)
    if url.get_backend_name() == "sqlite":
        _prepare_sqlite(url)
        engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _pragma_listener(sqlite_pragmas()))
        return engine
    return create_engine(url, poolclass=NullPool)
