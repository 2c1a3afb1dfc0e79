"""The README stays true to the code: every registered tool, every setting, the two commands first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import AliasChoices

from nextcloud_mcp_server.config import Settings

README = Path(__file__).resolve().parents[2] / "README.md"

pytestmark = pytest.mark.anyio


def readme() -> str:
    return README.read_text(encoding="utf-8")


async def registered_tool_names() -> list[str]:
    from nextcloud_mcp_server.auth.app_password import AppPasswordAccess
    from nextcloud_mcp_server.server import build_mcp_server

    settings = Settings(nextcloud_url="http://nextcloud.invalid", nextcloud_username="u", nextcloud_password="p",
                        toolsets=["all"])  # fmt: skip
    server = build_mcp_server(settings, AppPasswordAccess(settings))
    return [tool.name for tool in await server.list_tools()]


def env_names() -> list[str]:
    """Every environment variable Settings reads (the upper-case alias choices)."""
    names = []
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names += [c for c in alias.choices if isinstance(c, str) and c.isupper()]
    return names


async def test_readme_names_every_tool_the_server_registers() -> None:
    text = readme()
    missing = [name for name in await registered_tool_names() if f"`{name}`" not in text]
    assert not missing, f"README.md does not list these tools: {missing}"


def test_readme_names_every_environment_variable_settings_reads() -> None:
    text = readme()
    names = env_names()
    assert names, "Settings declares no environment aliases"
    missing = [name for name in names if f"`{name}`" not in text]
    assert not missing, f"README.md does not document these variables: {missing}"


def test_readme_shows_make_run_and_make_test_before_any_other_section() -> None:
    headings = [m.start() for m in re.finditer(r"^#{1,6} ", readme(), flags=re.MULTILINE)]
    assert headings, "README.md has no headings"
    intro = readme()[: headings[1]] if len(headings) > 1 else readme()
    assert "make run" in intro
    assert "make test" in intro


def cells(row: str) -> int:
    """The cells of a Markdown table row: pipes outside code spans, not escaped."""
    outside = re.sub(r"`[^`]*`", "", row).replace("\\|", "")
    return outside.strip().strip("|").count("|") + 1


def test_every_readme_table_row_has_as_many_cells_as_its_header() -> None:
    lines, header, wrong = readme().splitlines(), None, []
    for number, line in enumerate(lines, 1):
        if not line.startswith("|"):
            header = None
        elif header is None:
            header = cells(line)
        elif cells(line) != header:
            wrong.append(f"line {number}: {cells(line)} cells, its table has {header}")
    assert wrong == []


def test_readme_names_every_toolset_with_its_scopes() -> None:
    from nextcloud_mcp_server.server import offered

    registry = offered(Settings(nextcloud_url="http://127.0.0.1:9", nextcloud_username="u", nextcloud_password="p"))
    rows = {line.split("|")[1].strip(): line for line in readme().splitlines() if line.startswith("| `")}
    missing = [name for name in registry.toolsets if f"`{name}`" not in rows]
    assert missing == [], f"README.md's Toolsets table lacks: {missing}"
    text = readme()
    unlisted = [scope for scope in registry.scopes() if f"`{scope}`" not in text]
    assert unlisted == [], f"README.md does not name these scopes: {unlisted}"
