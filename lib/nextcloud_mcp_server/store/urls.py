"""Database URLs for the store: which driver each engine uses, where a SQLite file lives,
and how a URL is shown (password masked).

The variables themselves (DATABASE_URL, TOKEN_ENCRYPTION_KEY, APP_PERSISTENT_STORAGE,
STORE_STRICT_DURABILITY) are read by the one `config.Settings`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from nextcloud_mcp_server.store.errors import StoreConfigError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

SUPPORTED = "sqlite:///path/to/file.db or postgresql+psycopg://user:password@host:5432/dbname"


def _parse(url: str) -> URL:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url)
    except ArgumentError:
        raise StoreConfigError(f"DATABASE_URL: not a database URL; use {SUPPORTED}") from None


def _backend(parsed: URL) -> str:
    backend = parsed.get_backend_name()
    if backend in ("postgres", "postgresql"):
        return "postgresql"
    if backend == "sqlite":
        return "sqlite"
    raise StoreConfigError(f"DATABASE_URL: the {backend!r} database is not supported; use {SUPPORTED}")


def async_url(url: str) -> URL:
    """The URL for the server's async engine (aiosqlite or psycopg 3)."""
    parsed = _parse(url)
    driver = "sqlite+aiosqlite" if _backend(parsed) == "sqlite" else "postgresql+psycopg"
    return parsed.set(drivername=driver)


def sync_url(url: str) -> URL:
    """The URL for Alembic's synchronous engine (sqlite3 or psycopg 3)."""
    parsed = _parse(url)
    driver = "sqlite" if _backend(parsed) == "sqlite" else "postgresql+psycopg"
    return parsed.set(drivername=driver)


def masked(url: str | URL) -> str:
    """The URL as it may appear in messages and logs: the password replaced by ***."""
    try:
        parsed = _parse(url) if isinstance(url, str) else url
    except StoreConfigError:
        return "<unparseable DATABASE_URL>"
    return parsed.render_as_string(hide_password=True)


def sqlite_path(url: str | URL) -> Path | None:
    """The database file of a SQLite URL (None for other databases and in-memory SQLite)."""
    parsed = _parse(url) if isinstance(url, str) else url
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)
