"""Every registered tool, checked in memory: its name, title, description, annotations,
schemas and scope; and the tool list that issue 2 promises is all there.

Each test collects the offending tools and shows them all at once.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.anyio

REQUIRED = {
    "files": [
        "nc_webdav_list_directory",
        "nc_webdav_read_file",
        "nc_webdav_write_file",
        "nc_webdav_create_directory",
        "nc_webdav_delete_resource",
        "nc_webdav_move_resource",
        "nc_webdav_copy_resource",
        "nc_webdav_search_files",
        "nc_webdav_find_by_name",
        "nc_webdav_find_by_type",
        "nc_webdav_list_favorites",
    ],
    "notes": [
        "nc_notes_create_note",
        "nc_notes_get_note",
        "nc_notes_update_note",
        "nc_notes_append_content",
        "nc_notes_search_notes",
        "nc_notes_list_notes",
        "nc_notes_delete_note",
    ],
    "calendar and tasks": [
        "nc_calendar_list_calendars",
        "nc_calendar_create_event",
        "nc_calendar_list_events",
        "nc_calendar_get_event",
        "nc_calendar_update_event",
        "nc_calendar_delete_event",
        "nc_calendar_get_upcoming_events",
        "nc_calendar_find_availability",
        "nc_calendar_manage_calendar",
        "nc_calendar_list_todos",
        "nc_calendar_create_todo",
        "nc_calendar_update_todo",
        "nc_calendar_complete_todo",
        "nc_calendar_delete_todo",
        "nc_calendar_search_todos",
    ],
    "contacts": [
        "nc_contacts_list_addressbooks",
        "nc_contacts_list_contacts",
        "nc_contacts_search_contacts",
        "nc_contacts_create_addressbook",
        "nc_contacts_delete_addressbook",
        "nc_contacts_create_contact",
        "nc_contacts_update_contact",
        "nc_contacts_delete_contact",
    ],
}

NAME = re.compile(r"^nc_[a-z0-9]+_[a-z0-9]+(?:_[a-z0-9]+)*$")
SNAKE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)+$")
SCOPE = re.compile(r"^[a-z0-9_]+\.(read|write|send)$")


async def listed_tools(toolsets: list[str]) -> list[Any]:
    """tools/list of the real MCP server offering `toolsets`, connected in memory (no Nextcloud needed)."""
    from mcp import Client

    from nextcloud_mcp_server.auth.app_password import AppPasswordAccess
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.server import build_mcp_server

    settings = Settings(nextcloud_url="http://127.0.0.1:9", nextcloud_username="u", nextcloud_password="p",
                        toolsets=toolsets)  # fmt: skip
    listed: list[Any] = []
    async with Client(build_mcp_server(settings, AppPasswordAccess(settings))) as client:
        cursor = None
        while True:
            page = await client.list_tools(cursor=cursor) if cursor else await client.list_tools()
            listed.extend(page.tools)
            cursor = page.next_cursor
            if not cursor:
                return listed


@pytest.fixture(scope="module")
async def tools() -> list[Any]:
    """Every tool the server has (all toolsets)."""
    return await listed_tools(["all"])


@pytest.fixture(scope="module")
async def default_tools() -> list[Any]:
    """The tools a session starts with when nothing is configured."""
    return await listed_tools(["default"])


def offenders(tools: list[Any], problem: Any) -> list[str]:
    return [f"{tool.name}: {why}" for tool in tools if (why := problem(tool))]


async def test_tools_are_registered(tools: list[Any]) -> None:
    assert len(tools) > 0


async def test_every_tool_is_named_nc_app_action_or_after_its_toolset_and_names_are_unique(
    tools: list[Any],
) -> None:
    """`nc_<app>_<verb>`, or `<toolset>_<verb>` where the PyPI package names an app's tools so (`deck_*`)."""
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.server import offered

    registry = offered(Settings(nextcloud_url="http://127.0.0.1:9", nextcloud_username="u", nextcloud_password="p"))

    def fits(name: str) -> bool:
        toolset = registry.tools[name].toolset
        return bool(NAME.match(name)) or (toolset is not None and SNAKE.match(name) and name.startswith(f"{toolset}_"))

    names = [tool.name for tool in tools]
    assert [name for name in names if not fits(name)] == []
    assert len(names) == len(set(names))


async def test_every_tool_has_a_title_and_a_description(tools: list[Any]) -> None:
    def problem(tool: Any) -> str:
        if not (tool.title or "").strip():
            return "no title"
        if len((tool.description or "").strip()) < 20:
            return "no description written for the model"
        return ""

    assert offenders(tools, problem) == []


async def test_every_tool_sets_all_four_annotation_hints(tools: list[Any]) -> None:
    hints = ("read_only_hint", "destructive_hint", "idempotent_hint", "open_world_hint")

    def problem(tool: Any) -> str:
        if tool.annotations is None:
            return "no annotations"
        missing = [hint for hint in hints if getattr(tool.annotations, hint) is None]
        return f"unset {missing}" if missing else ""

    assert offenders(tools, problem) == []


async def test_a_read_only_tool_is_never_marked_destructive(tools: list[Any]) -> None:
    def problem(tool: Any) -> str:
        ann = tool.annotations
        return "read-only yet destructive" if ann and ann.read_only_hint and ann.destructive_hint else ""

    assert offenders(tools, problem) == []


async def test_every_tool_has_an_output_schema(tools: list[Any]) -> None:
    def problem(tool: Any) -> str:
        schema = tool.output_schema
        return "" if schema and schema.get("type") == "object" else "no object output schema"

    assert offenders(tools, problem) == []


FILLER = {"new", "the", "a", "an", "its", "related", "text", "in", "only", "of"}


def restates(argument: str, description: str) -> bool:
    """'New title.' for `title`: a description that says no more than the argument's name."""
    words = {word for word in re.findall(r"[a-z0-9]+", description.lower()) if word not in FILLER}
    return words <= set(argument.lower().split("_"))


def test_restates_knows_a_description_that_adds_nothing_from_one_that_does() -> None:
    assert restates("title", "New title.")
    assert restates("only_favorites", "Only favorites.")
    assert not restates("title", "Also the file name.")
    assert not restates("limit", "Most items to return.")


async def test_no_argument_description_merely_restates_the_arguments_name(tools: list[Any]) -> None:
    def problem(tool: Any) -> str:
        properties = tool.input_schema.get("properties", {})
        idle = [
            name for name, spec in properties.items() if spec.get("description") and restates(name, spec["description"])
        ]
        return f"descriptions that only repeat the name: {idle}" if idle else ""

    assert offenders(tools, problem) == []


async def test_every_tool_has_a_scope_that_matches_its_annotations(tools: list[Any]) -> None:
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.server import offered

    registry = offered(Settings(nextcloud_url="http://127.0.0.1:9", nextcloud_username="u", nextcloud_password="p"))
    assert {tool.name for tool in tools} == set(registry.tools)

    about_the_session = {"nc_toolsets_list", "nc_toolsets_describe", "nc_toolsets_enable"}  # no Nextcloud data

    def problem(tool: Any) -> str:
        scope = registry.scope_of_tool(tool.name)
        if scope is None:
            return "" if tool.name in about_the_session else "no scope in the registry"
        if not SCOPE.match(scope):
            return f"scope {scope!r} is not '<app>.read', '<app>.write' or '<app>.send'"
        read_only = bool(tool.annotations and tool.annotations.read_only_hint)
        if read_only != scope.endswith(".read"):
            return f"scope {scope!r} disagrees with read_only_hint={read_only}"
        return ""

    assert offenders(tools, problem) == []


@pytest.mark.parametrize("app", list(REQUIRED))
async def test_every_tool_that_issue_2_requires_is_registered(tools: list[Any], app: str) -> None:
    names = {tool.name for tool in tools}
    assert [name for name in REQUIRED[app] if name not in names] == []


def model_facing_bytes(tool: Any) -> int:
    """What a client hands its model for one tool: name, description and input schema, compact JSON."""
    import json

    return len(
        json.dumps(
            {"name": tool.name, "description": tool.description, "inputSchema": tool.input_schema},
            separators=(",", ":"),
        )
    )


MAX_TOOL_BYTES = 1_850
"""No tool's model-facing definition grows past this (the largest, nc_calendar_create_event, is ~1.7 KB)."""
MAX_DEFAULT_SET_BYTES = 25 * 1024
"""Issue 10's target for what a session with nothing configured hands its model."""
MAX_MEAN_BYTES = 600
"""Issue 10's target for the mean over every tool the server has."""


async def test_every_tool_stays_within_its_model_facing_budget(tools: list[Any]) -> None:
    def problem(tool: Any) -> str:
        size = model_facing_bytes(tool)
        return f"{size} bytes > {MAX_TOOL_BYTES}" if size > MAX_TOOL_BYTES else ""

    assert offenders(tools, problem) == []


async def test_the_default_set_stays_within_its_model_facing_budget(default_tools: list[Any]) -> None:
    total = sum(model_facing_bytes(tool) for tool in default_tools)
    assert total <= MAX_DEFAULT_SET_BYTES, f"{total} bytes for {len(default_tools)} tools"


async def test_the_mean_tool_stays_within_its_model_facing_budget(tools: list[Any]) -> None:
    mean = sum(model_facing_bytes(tool) for tool in tools) / len(tools)
    assert mean <= MAX_MEAN_BYTES, f"{mean:.0f} bytes per tool over {len(tools)} tools"


async def test_a_tools_text_content_is_its_structured_content_as_compact_json() -> None:
    import json

    from mcp import Client

    from nextcloud_mcp_server.auth.app_password import AppPasswordAccess
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.server import build_mcp_server

    settings = Settings(nextcloud_url="http://127.0.0.1:9", nextcloud_username="u", nextcloud_password="p")
    async with Client(build_mcp_server(settings, AppPasswordAccess(settings))) as client:
        result = await client.call_tool("nc_toolsets_list", {})
    text = result.content[0].text
    assert text == json.dumps(result.structured_content, separators=(",", ":"), ensure_ascii=False)
