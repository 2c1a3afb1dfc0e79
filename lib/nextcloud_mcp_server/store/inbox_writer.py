"""The webhook inbox's insert: one statement, committed, before Nextcloud gets its 200.

Why not the engine's pool: this is the hottest write of the store (every Nextcloud event,
within Nextcloud's 3 s timeout, from several replicas at once). Through SQLAlchemy's async
layer an insert costs several round trips (BEGIN, INSERT, COMMIT, each through a greenlet and,
for SQLite, a thread hop): about 1,000/s here. One autocommitted `INSERT ... ON CONFLICT DO
NOTHING RETURNING id` on a connection kept for this purpose does the same work at several
times the rate (the statement commits before it returns).

Durability: a stored event survives a crash of this server, always. By default it is the same
class on both engines: SQLite runs with synchronous=NORMAL (WAL) and PostgreSQL inserts with
synchronous_commit=off, so a crash of the database host (or of PostgreSQL itself) may lose the
last fraction of a second of acknowledged events, never corrupting anything. With
STORE_STRICT_DURABILITY=true every commit reaches the disk before the 200 (SQLite FULL,
PostgreSQL synchronous commits), at roughly half the PostgreSQL rate.

The statement is idempotent (the dedupe key), so a write that failed on a broken connection is
simply retried once on a fresh one. Values are converted with the models' own SQLAlchemy types,
so rows read back through the repositories exactly as if SQLAlchemy had written them.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import anyio

from nextcloud_mcp_server.store.engine import BUSY_TIMEOUT_MS, sqlite_pragmas
from nextcloud_mcp_server.store.errors import DatabaseUnavailable
from nextcloud_mcp_server.store.models import UTCDateTime, WebhookEvent, table_of
from nextcloud_mcp_server.store.urls import masked, sqlite_path, sync_url

if TYPE_CHECKING:
    import sqlite3

    from psycopg import AsyncConnection

_TABLE = table_of(WebhookEvent)
_COLUMNS = ("dedupe_key", "event_class", "payload", "received_at", "attempts", "owner_id")
_SQL = (  # names from the model, values always bound: nothing from a caller reaches the SQL text
    f"INSERT INTO {_TABLE.name} ({', '.join(_COLUMNS)}) VALUES ({{marks}}) "  # noqa: S608
    "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"
)
PG_CONNECTIONS = 4


class InboxWriter(Protocol):
    async def add(
        self, dedupe_key: str, event_class: str, payload: dict[str, Any], received_at: datetime, owner: str | None
    ) -> int | None:
        """The new event's id, or None when the dedupe key is already stored."""
        ...

    async def aclose(self) -> None: ...


def inbox_writer(database_url: str, *, strict_durability: bool = False) -> InboxWriter:
    """The writer for the database's engine."""
    if sqlite_path(database_url) is not None:
        return SqliteInboxWriter(database_url, strict_durability=strict_durability)
    return PostgresInboxWriter(database_url, strict_durability=strict_durability)


class SqliteInboxWriter:
    """One sqlite3 connection, used from worker threads one insert at a time (SQLite has one writer)."""

    def __init__(self, database_url: str, *, strict_durability: bool = False) -> None:
        from sqlalchemy import JSON
        from sqlalchemy.dialects import sqlite

        dialect = sqlite.dialect()
        self._database = masked(database_url)
        self._path = str(sqlite_path(database_url))
        self._sql = _SQL.format(marks=", ".join("?" for _ in _COLUMNS))
        self._json = JSON().bind_processor(dialect)  # type: ignore[no-untyped-call]
        self._time = UTCDateTime().bind_processor(dialect)
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._pragmas = sqlite_pragmas(strict_durability=strict_durability)

    def _connect(self) -> sqlite3.Connection:
        import sqlite3

        connection = sqlite3.connect(
            self._path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        for pragma in self._pragmas:
            connection.execute(pragma)
        return connection

    def _insert(self, values: tuple[Any, ...]) -> int | None:
        with self._lock:
            if self._connection is None:
                self._connection = self._connect()
            row = self._connection.execute(self._sql, values).fetchone()
            return None if row is None else int(row[0])

    async def add(
        self, dedupe_key: str, event_class: str, payload: dict[str, Any], received_at: datetime, owner: str | None
    ) -> int | None:
        import sqlite3

        assert self._json is not None
        assert self._time is not None
        values = (dedupe_key, event_class, self._json(payload), self._time(received_at), 0, owner)
        try:
            return await anyio.to_thread.run_sync(self._insert, values)
        except sqlite3.OperationalError as exc:
            raise DatabaseUnavailable(self._database, f"the event could not be stored: {exc}") from None

    async def aclose(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


class PostgresInboxWriter:
    """A few autocommit psycopg connections with a prepared statement; one insert per connection at a time."""

    def __init__(self, database_url: str, *, size: int = PG_CONNECTIONS, strict_durability: bool = False) -> None:
        url = sync_url(database_url)
        self._database = masked(database_url)
        self._conninfo: dict[str, Any] = {
            "host": url.host,
            "port": url.port,
            "dbname": url.database,
            "user": url.username,
            "password": url.password,
            "options": f"-c synchronous_commit={'on' if strict_durability else 'off'}",
            **dict(url.query),
        }
        self._sql = _SQL.format(marks=", ".join("%s" for _ in _COLUMNS))
        self._idle: list[AsyncConnection[Any]] = []
        self._slots = anyio.Semaphore(size)
        self._open: set[AsyncConnection[Any]] = set()

    async def _connection(self) -> AsyncConnection[Any]:
        if self._idle:
            return self._idle.pop()
        import psycopg

        params = {key: value for key, value in self._conninfo.items() if value is not None}
        try:
            connection = await psycopg.AsyncConnection.connect(autocommit=True, **params)
        except psycopg.OperationalError as exc:
            reason = str(exc).split("\n")[0]
            raise DatabaseUnavailable(self._database, f"the event could not be stored: {reason}") from None
        self._open.add(connection)
        return connection

    async def _discard(self, connection: AsyncConnection[Any]) -> None:
        self._open.discard(connection)
        await connection.close()

    async def add(
        self, dedupe_key: str, event_class: str, payload: dict[str, Any], received_at: datetime, owner: str | None
    ) -> int | None:
        import psycopg
        from psycopg.types.json import Json

        values = (dedupe_key, event_class, Json(payload), received_at, 0, owner)
        async with self._slots:
            for attempt in (1, 2):
                connection = await self._connection()
                try:
                    cursor = await connection.execute(self._sql, values, prepare=True)
                    row = await cursor.fetchone()
                except psycopg.OperationalError as exc:
                    await self._discard(connection)
                    if attempt == 2:
                        reason = str(exc).split("\n")[0]
                        raise DatabaseUnavailable(self._database, f"the event could not be stored: {reason}") from None
                    continue
                self._idle.append(connection)
                return None if row is None else int(row[0])
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        for connection in list(self._open):
            await self._discard(connection)
        self._idle.clear()
