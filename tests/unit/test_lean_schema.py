"""Lean input schemas: titles and null alternatives go, meaning stays, and arguments are still
validated by the tool's own model (a client that sends null for an optional argument is served)."""

from __future__ import annotations

from typing import Annotated

import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer
from pydantic import Field

from nextcloud_mcp_server.tools.lean import lean_schema

pytestmark = pytest.mark.anyio


def test_titles_go_but_a_property_named_title_stays() -> None:
    schema = {
        "title": "createArguments",
        "type": "object",
        "properties": {"title": {"title": "Title", "type": "string", "description": "The note's title."}},
        "required": ["title"],
    }
    assert lean_schema(schema) == {
        "type": "object",
        "properties": {"title": {"type": "string", "description": "The note's title."}},
        "required": ["title"],
    }


def test_an_optional_values_null_alternative_and_null_default_go_other_defaults_stay() -> None:
    schema = {
        "properties": {
            "etag": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None, "description": "Etag."},
            "kinds": {
                "anyOf": [{"items": {"type": "string"}, "type": "array"}, {"type": "string"}, {"type": "null"}],
                "default": None,
            },
            "limit": {"type": "integer", "default": 50},
            "maybe": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": "x"},
        }
    }
    lean = lean_schema(schema)["properties"]
    assert lean["etag"] == {"type": "string", "description": "Etag."}
    assert lean["kinds"] == {"anyOf": [{"items": {"type": "string"}, "type": "array"}, {"type": "string"}]}
    assert lean["limit"] == {"type": "integer", "default": 50}
    assert lean["maybe"] == schema["properties"]["maybe"]  # a non-null default keeps null meaningful


async def test_a_registered_tool_lists_the_lean_schema_and_still_accepts_null() -> None:
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.registry import Registry, Toolset
    from nextcloud_mcp_server.tools._base import READ, ToolDeps

    server: MCPServer = MCPServer("t")
    settings = Settings(nextcloud_url="http://nc", nextcloud_username="u", nextcloud_password="p")
    deps = ToolDeps(settings=settings, access=None, server=server, registry=Registry())  # type: ignore[arg-type]
    deps.registry.declare(Toolset("notes", "Notes", "Notes."))

    @deps.tool("nc_notes_echo", title="Echo", annotations=READ, scope="notes.read")
    async def echo(word: Annotated[str | None, Field(description="A word.")] = None) -> str:
        """Echo."""
        return repr(word)

    deps.materialize(["notes"])
    async with Client(server) as client:
        [tool] = (await client.list_tools()).tools
        result = await client.call_tool("nc_notes_echo", {"word": None})
    assert tool.input_schema == {"type": "object", "properties": {"word": {"type": "string", "description": "A word."}}}
    assert result.content[0].text == "None"


def test_output_schema_references_are_written_out_with_the_same_meaning_unless_recursive() -> None:
    import jsonschema

    from nextcloud_mcp_server.tools.lean import inline_refs

    schema = {
        "$defs": {"Card": {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}},
        "type": "object",
        "properties": {
            "cards": {"type": "array", "items": {"$ref": "#/$defs/Card"}},
            "first": {"$ref": "#/$defs/Card", "description": "The first card."},
        },
    }
    flat = inline_refs(schema)
    assert "$defs" not in flat
    assert "$ref" not in str(flat)
    assert flat["properties"]["first"]["description"] == "The first card."
    good, bad = {"cards": [{"id": 1}], "first": {"id": 2}}, {"cards": [{"id": "x"}]}
    for candidate in (schema, flat):
        jsonschema.validate(good, candidate)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, candidate)
    tree = {
        "$defs": {"Page": {"type": "object", "properties": {"children": {"items": {"$ref": "#/$defs/Page"}}}}},
        "$ref": "#/$defs/Page",
    }
    assert inline_refs(tree) is tree


async def test_a_registered_tools_output_schema_has_no_references() -> None:
    from nextcloud_mcp_server.auth.app_password import AppPasswordAccess
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.server import build_mcp_server

    settings = Settings(nextcloud_url="http://127.0.0.1:9", nextcloud_username="u", nextcloud_password="p",
                        toolsets=["deck"])  # fmt: skip
    server = build_mcp_server(settings, AppPasswordAccess(settings))
    listed = {tool.name: tool for tool in await server.list_tools()}
    overview = listed["deck_get_board_overview"].output_schema
    assert overview is not None
    assert "$ref" not in str(overview)
    assert overview["properties"]["stacks"]["items"]["properties"]["cards"]["items"]["required"] == ["id", "title"]


def test_a_nullable_value_becomes_a_type_list_with_the_same_meaning() -> None:
    import jsonschema

    from nextcloud_mcp_server.tools.lean import output_schema

    schema = {
        "$defs": {"Parent": {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}},
        "type": "object",
        "properties": {
            "due": {"anyOf": [{"type": "string", "pattern": "^2"}, {"type": "null"}], "default": None},
            "parent": {"anyOf": [{"$ref": "#/$defs/Parent"}, {"type": "null"}]},
            "mode": {"anyOf": [{"enum": ["a", "b"]}, {"type": "null"}]},
        },
    }
    cheap = output_schema(schema)
    assert cheap["properties"]["due"] == {"type": ["string", "null"], "pattern": "^2", "default": None}
    assert cheap["properties"]["parent"]["type"] == ["object", "null"]
    assert "anyOf" in cheap["properties"]["mode"]  # an enum constrains every type: left as it was
    fine = [{"due": None, "parent": None, "mode": None}, {"due": "2026", "parent": {"id": 1}, "mode": "a"}]
    wrong = [{"due": "1999"}, {"due": 5}, {"parent": {}}, {"parent": 3}, {"mode": "c"}]
    for candidate in (schema, cheap):
        for good in fine:
            jsonschema.validate(good, candidate)
        for bad in wrong:
            with pytest.raises(jsonschema.ValidationError):
                jsonschema.validate(bad, candidate)
