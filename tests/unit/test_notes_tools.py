"""The notes tools in memory, over a scripted Nextcloud: schemas, argument checks before any
request, and result shapes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer

from nextcloud_mcp_server.auth.caller import Caller, CallerMiddleware
from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import make_client
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.registry import Registry
from nextcloud_mcp_server.tools import notes
from nextcloud_mcp_server.tools._base import ToolDeps
from nextcloud_mcp_server.tools.declare import register_declared

pytestmark = pytest.mark.anyio

BASE = "https://cloud.example.com"
TOOLS = {
    "nc_notes_create_note",
    "nc_notes_get_note",
    "nc_notes_update_note",
    "nc_notes_append_content",
    "nc_notes_search_notes",
    "nc_notes_list_notes",
    "nc_notes_delete_note",
    "nc_notes_get_attachment",
}


class ScriptedAccess:
    def __init__(self, settings: Settings, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        http = make_client(settings, base_url=BASE, transport=httpx.MockTransport(handler))
        self.client = NextcloudClient(http, "u", BASE)

    def identify(self, request: Any) -> Caller:
        return Caller("u", "app_password")

    async def client_for(self, caller: Caller) -> NextcloudClient:
        return self.client


def server_with(handler: Callable[[httpx.Request], httpx.Response], registry: Registry | None = None) -> MCPServer[Any]:
    settings = Settings(nextcloud_url=BASE, nextcloud_username="u", nextcloud_password="p", nextcloud_retries=0)
    server: MCPServer[Any] = MCPServer("test")
    access = ScriptedAccess(settings, handler)
    server.middleware.insert(0, CallerMiddleware(access.identify))
    deps = ToolDeps(settings=settings, access=access, server=server, registry=registry or Registry())
    register_declared(notes, deps)
    deps.materialize([notes.TOOLSET.name])
    return server


def note_json(note_id: int, **extra: Any) -> dict[str, Any]:
    data = {"id": note_id, "etag": f"e{note_id}", "title": f"T{note_id}", "content": "", "category": ""}
    data.update(extra)
    return {"readonly": False, "favorite": False, "modified": 1700000000 + note_id, **data}


async def test_every_notes_tool_has_a_title_annotations_a_scope_and_an_output_schema() -> None:
    registry = Registry()
    async with Client(server_with(lambda r: httpx.Response(500), registry)) as client:
        listed = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(listed) == TOOLS
    for name, tool in listed.items():
        assert tool.title
        assert tool.description
        assert tool.annotations is not None
        assert tool.output_schema is not None
        assert registry.scope_of_tool(name) == ("notes.read" if tool.annotations.read_only_hint else "notes.write")
        for argument in tool.input_schema.get("required", []):
            if argument.endswith("_id"):
                continue  # an id says what it is (the context budget drops such descriptions)
            assert tool.input_schema["properties"][argument].get("description"), f"{name}: {argument} undocumented"


@pytest.mark.parametrize(
    ("tool", "arguments", "mentions"),
    [
        ("nc_notes_create_note", {"title": " ", "content": "x"}, "title"),
        ("nc_notes_get_note", {"note_id": -1}, "note_id"),
        ("nc_notes_get_note", {"note_id": 0}, "note_id"),
        ("nc_notes_update_note", {"note_id": 1, "etag": "e"}, "at least one"),
        ("nc_notes_update_note", {"note_id": 1, "etag": " ", "content": "x"}, "etag"),
        ("nc_notes_update_note", {"note_id": 1, "etag": "e", "title": ""}, "title"),
        ("nc_notes_append_content", {"note_id": 1, "content": ""}, "content"),
        ("nc_notes_search_notes", {"query": ""}, "query"),
        ("nc_notes_list_notes", {"limit": 0}, "limit"),
        ("nc_notes_list_notes", {"offset": -1}, "offset"),
        ("nc_notes_delete_note", {"note_id": -5}, "note_id"),
    ],
)
async def test_invalid_arguments_are_refused_before_any_request(tool: str, arguments: dict, mentions: str) -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json=note_json(1))

    async with Client(server_with(handler)) as client:
        result = await client.call_tool(tool, arguments)
    assert result.is_error
    assert mentions in result.content[0].text
    assert requests == []


async def test_list_notes_pages_most_recent_first_without_fetching_content() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[note_json(i) for i in range(1, 6)])

    async with Client(server_with(handler)) as client:
        result = await client.call_tool("nc_notes_list_notes", {"limit": 2, "offset": 2})
    data = result.structured_content
    assert [n["id"] for n in data["notes"]] == [3, 2]
    assert data["page"] == {"total": 5, "offset": 2, "next_offset": 4}
    assert seen[0].url.params["exclude"] == "content"


async def test_stale_etag_update_is_a_tool_error_with_the_current_etag() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(412, json=note_json(4, etag="now-e9"))

    async with Client(server_with(handler)) as client:
        result = await client.call_tool("nc_notes_update_note", {"note_id": 4, "etag": "old", "content": "x"})
    assert result.is_error
    assert "now-e9" in result.content[0].text


async def test_search_results_carry_an_excerpt_around_the_match() -> None:
    long = "intro " * 40 + "the needle is here " + "outro " * 40

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[note_json(1, content=long), note_json(2, content="nothing")])

    async with Client(server_with(handler)) as client:
        result = await client.call_tool("nc_notes_search_notes", {"query": "needle"})
    hits = result.structured_content["results"]
    assert [h["id"] for h in hits] == [1]
    assert "needle" in hits[0]["excerpt"]
    assert hits[0]["excerpt"].startswith("…")
    assert len(hits[0]["excerpt"]) < len(long)


def test_the_notes_tool_module_imports_no_http_or_api_module_at_start_up() -> None:
    import ast
    from pathlib import Path

    tree = ast.parse(Path(notes.__file__).read_text())
    top_level = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    names = {alias.name for node in top_level if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module or "" for node in top_level if isinstance(node, ast.ImportFrom)}
    assert not {n for n in names if n.startswith(("httpx", "nextcloud_mcp_server.nextcloud"))}


async def test_a_template_tool_is_a_plain_function_callable_with_any_client() -> None:
    def nextcloud(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/index.php/apps/notes/api/v1/notes/7"
        return httpx.Response(200, json=note_json(7, content="body"), headers={"ETag": '"e7"'})

    settings = Settings(nextcloud_url=BASE, nextcloud_username="u", nextcloud_password="p", nextcloud_retries=0)
    client = ScriptedAccess(settings, nextcloud).client
    result = await notes.nc_notes_get_note(client, 7)
    assert (result.id, result.content, result.uri) == (7, "body", "nc://notes/7")
