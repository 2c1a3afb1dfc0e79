"""Fixtures for the store's integration tests: the same test runs on SQLite and on a real PostgreSQL.

PostgreSQL (Debian's, see tests/pgserver.py) starts once per session, only when a test asks
for it, and every test or module gets its own database, so tests never see each other's rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pgserver import PgServer

ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    with PgServer() as server:
        yield server


def new_database(request: pytest.FixtureRequest, engine: str, folder: Path) -> str:
    """A new empty database of `engine`; its SQLAlchemy URL."""
    if engine == "sqlite":
        return f"sqlite+aiosqlite:///{folder / 'store.db'}"
    server: PgServer = request.getfixturevalue("pg_server")
    return server.create_database()


@pytest.fixture(params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_db_url(request: pytest.FixtureRequest, engine_name: str, tmp_path: Path) -> str:
    """A fresh, empty database for one test, on each engine."""
    return new_database(request, engine_name, tmp_path)


@pytest.fixture(scope="module", params=ENGINES)
def migrated_db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database at head shared by one module's tests (they use unique keys), on each engine."""
    from nextcloud_mcp_server.store.migrate import upgrade

    url = new_database(request, str(request.param), tmp_path_factory.mktemp("store"))
    upgrade(url)
    return url


@pytest.fixture
def fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()
