"""Where the store lives (DATABASE_URL and its defaults), how URLs are shown, and packaging."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.store import StoreConfigError
from nextcloud_mcp_server.store.migrate import migrations_dir
from nextcloud_mcp_server.store.models import UTCDateTime
from nextcloud_mcp_server.store.urls import async_url, masked, sqlite_path, sync_url

REPO = Path(__file__).resolve().parents[2]


def test_the_default_database_is_a_sqlite_file_under_app_persistent_storage(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("APP_PERSISTENT_STORAGE", str(tmp_path))
    url = Settings().resolved_database_url()
    assert sqlite_path(url) == tmp_path / "nextcloud-mcp-server.db"


def test_without_app_persistent_storage_the_database_is_under_data_in_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "")
    assert sqlite_path(Settings().resolved_database_url()) == tmp_path / "data" / "nextcloud-mcp-server.db"


def test_database_url_wins_over_the_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("APP_PERSISTENT_STORAGE", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgresql://mcp:pw@db:5432/mcp")
    settings = Settings()
    assert settings.resolved_database_url() == "postgresql://mcp:pw@db:5432/mcp"
    assert "pw" not in repr(Settings(token_encryption_key="k" * 44))


@pytest.mark.parametrize(
    ("given", "server", "migrations"),
    [
        ("sqlite:////srv/x.db", "sqlite+aiosqlite:////srv/x.db", "sqlite:////srv/x.db"),
        ("sqlite+aiosqlite:////srv/x.db", "sqlite+aiosqlite:////srv/x.db", "sqlite:////srv/x.db"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h:5433/d", "postgresql+psycopg://u@h:5433/d", "postgresql+psycopg://u@h:5433/d"),
    ],
)
def test_urls_are_given_the_drivers_the_store_uses(given: str, server: str, migrations: str) -> None:
    assert async_url(given).render_as_string() == server
    assert sync_url(given).render_as_string() == migrations


@pytest.mark.parametrize("url", ["mysql://u@h/d", "not a url"])
def test_an_unsupported_database_url_names_the_variable_and_what_to_use(url: str) -> None:
    with pytest.raises(StoreConfigError, match=r"DATABASE_URL: .*postgresql\+psycopg://"):
        async_url(url)


def test_a_url_shown_in_messages_has_its_password_masked() -> None:
    shown = masked("postgresql+psycopg://mcp:Sup3r%40secret@db.internal:5432/mcp")
    assert "Sup3r" not in shown
    assert shown == "postgresql+psycopg://mcp:***@db.internal:5432/mcp"


def test_timestamps_are_stored_in_utc_and_read_back_aware() -> None:
    column = UTCDateTime()
    berlin = datetime(2026, 3, 29, 3, 30, tzinfo=timezone(timedelta(hours=2)))
    assert column.process_bind_param(berlin, sqlite.dialect()) == datetime(2026, 3, 29, 1, 30)
    assert column.process_bind_param(berlin, postgresql.dialect()) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert column.process_result_value(datetime(2026, 3, 29, 1, 30), sqlite.dialect()) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )


def test_the_wheel_ships_the_top_level_alembic_directory_as_a_package() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert config["package-dir"]["nextcloud_mcp_server.store.migrations"] == "alembic"
    assert "versions/*.py" in config["package-data"]["nextcloud_mcp_server.store.migrations"]
    assert (REPO / "lib/nextcloud_mcp_server/store/migrations").is_dir()  # lets setuptools find the package
    assert not (REPO / "alembic/__init__.py").exists()  # a package named alembic would shadow the library
    assert migrations_dir() == REPO / "alembic"


def test_db_history_imports_neither_the_async_engine_nor_the_mcp_sdk() -> None:
    code = (
        "import sys\n"
        "from nextcloud_mcp_server.commands.db import main\n"
        "assert main(['history']) == 0\n"
        "heavy = sorted(m for m in sys.modules if m.startswith(('sqlalchemy.ext.asyncio', 'mcp', 'aiosqlite')))\n"
        "print('heavy:', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True).stdout
    assert "0002 (head)" in out
    assert "heavy: []" in out
