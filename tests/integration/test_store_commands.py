"""`nextcloud-mcp-server db ...` against SQLite and PostgreSQL: upgrade, current, history,
downgrade (with its confirmation rules) and migrate."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from nextcloud_mcp_server.commands.db import parse, run
from nextcloud_mcp_server.store import migrate as migrations


class Terminal(io.StringIO):
    """A stdin that says it is a terminal and answers with `text`."""

    def isatty(self) -> bool:
        return True


HEAD = migrations.script_heads()[0]
PREVIOUS = ScriptDirectory.from_config(migrations.alembic_config()).get_revision(HEAD).down_revision


def db(*argv: str) -> int:
    return run(parse(["db", *argv]))


def test_upgrade_then_current_shows_the_head(empty_db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert db("current", "--database-url", empty_db_url) == 0
    assert "none" in capsys.readouterr().out
    assert db("upgrade", "--database-url", empty_db_url) == 0
    assert f"empty -> {HEAD}" in capsys.readouterr().out
    assert db("upgrade", "--database-url", empty_db_url) == 0
    assert f"already at {HEAD}" in capsys.readouterr().out
    assert db("current", "--database-url", empty_db_url) == 0
    assert capsys.readouterr().out.strip() == f"{HEAD} (head)"


def test_history_lists_the_migrations_without_a_database(capsys: pytest.CaptureFixture[str]) -> None:
    assert db("history") == 0
    out = capsys.readouterr().out
    assert "<base> -> 0001: initial schema" in out
    assert f"-> {HEAD} (head): " in out


def test_downgrade_refuses_in_a_non_interactive_shell_without_yes(
    empty_db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    migrations.upgrade(empty_db_url)
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    assert db("downgrade", "base", "--database-url", empty_db_url) == 2
    assert "--yes" in capsys.readouterr().err
    assert migrations.current(empty_db_url) == (HEAD,)


def test_downgrade_with_yes_goes_to_the_revision(empty_db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    migrations.upgrade(empty_db_url)
    assert db("downgrade", "base", "--yes", "--database-url", empty_db_url) == 0
    assert "base (empty)" in capsys.readouterr().out
    assert migrations.current(empty_db_url) == ()


def test_downgrade_asks_and_respects_the_answer(
    empty_db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    migrations.upgrade(empty_db_url)
    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    assert db("downgrade", "--database-url", empty_db_url) == 2
    assert migrations.current(empty_db_url) == (HEAD,)
    monkeypatch.setattr("sys.stdin", Terminal("yes\n"))
    assert db("downgrade", "--database-url", empty_db_url) == 0
    assert "Downgrade" in capsys.readouterr().out
    assert migrations.current(empty_db_url) == ((PREVIOUS,) if PREVIOUS else ())


def test_migrate_writes_nothing_when_the_models_match_the_migrations(
    empty_db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    versions = migrations.migrations_dir() / "versions"
    before = set(versions.glob("*.py"))
    try:
        assert db("migrate", "no change", "--database-url", empty_db_url) == 0
        assert "nothing written" in capsys.readouterr().out
        assert set(versions.glob("*.py")) == before
    finally:
        for extra in set(versions.glob("*.py")) - before:
            Path(extra).unlink()


def test_an_unknown_revision_is_reported_without_a_traceback(
    empty_db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert db("upgrade", "9999", "--database-url", empty_db_url) == 1
    err = capsys.readouterr().err
    assert "9999" in err
    assert "Traceback" not in err
