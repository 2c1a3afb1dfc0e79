"""What every repository shares: the session factory, the dialect's upsert, the cipher."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from nextcloud_mcp_server.store.crypto import TokenCipher


class Repository:
    """One table's operations. Each method is one short transaction of its own.

    Hot paths (inbox inserts, token lookups, consuming a session) use the engine's Core
    connections with prepared statements: about twice as fast as an ORM session per call.
    """

    def __init__(
        self, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], dialect: str, cipher: TokenCipher
    ) -> None:
        self._engine = engine
        self._sessions = sessions
        self._dialect = dialect
        self._cipher = cipher

    def _insert(self, table: Table) -> Any:
        """An INSERT that supports ON CONFLICT (PostgreSQL and SQLite spell it the same)."""
        if self._dialect == "postgresql":
            from sqlalchemy.dialects import postgresql

            return postgresql.insert(table)
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)


def rowcount(result: Any) -> int:
    """The rows an UPDATE or DELETE touched (its result is a CursorResult; SQLAlchemy types it as any Result)."""
    return int(result.rowcount)


def page(limit: int, offset: int) -> tuple[int, int]:
    if limit < 1 or offset < 0:
        raise ValueError("limit must be at least 1 and offset at least 0")
    return limit, offset
