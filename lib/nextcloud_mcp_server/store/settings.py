"""Where the store lives and how it is protected: DATABASE_URL, TOKEN_ENCRYPTION_KEY,
APP_PERSISTENT_STORAGE.

Why a separate settings object: the store is used by the standalone server, the ExApp and
the `db` commands alike, and `db history` must not need the server's whole configuration.
It will be folded into `config.Settings` later; until then the two read the same variables.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from nextcloud_mcp_server.store.errors import StoreConfigError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

DB_FILENAME = "nextcloud-mcp-server.db"
SUPPORTED = "sqlite:///path/to/file.db or postgresql+psycopg://user:password@host:5432/dbname"


class StoreSettings(BaseSettings):
    """The store's part of the environment."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True, case_sensitive=False)

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "database_url"),
        repr=False,  # may hold a password
        description="SQLAlchemy URL; default a SQLite file under APP_PERSISTENT_STORAGE or ./data",
    )
    token_encryption_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("TOKEN_ENCRYPTION_KEY", "token_encryption_key"),
        description="One or more comma-separated Fernet keys, newest first",
    )
    app_persistent_storage: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("APP_PERSISTENT_STORAGE", "app_persistent_storage"),
        description="AppAPI's persistent volume; the default SQLite file goes there",
    )

    strict_durability: bool = Field(
        default=False,
        validation_alias=AliasChoices("STORE_STRICT_DURABILITY", "strict_durability"),
        description="Flush every commit to disk (SQLite synchronous=FULL; PostgreSQL synchronous webhook inserts)",
    )

    @field_validator("database_url", "app_persistent_storage", "token_encryption_key", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    def resolved_database_url(self) -> str:
        """DATABASE_URL, or the default SQLite file (under APP_PERSISTENT_STORAGE, else ./data)."""
        if self.database_url:
            return self.database_url
        folder = self.app_persistent_storage or Path("data")
        return f"sqlite:///{(folder / DB_FILENAME).absolute()}"


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
