"""One caller resolution and one registry, in memory: a request without a caller reaches no
Nextcloud client from a tool, a resource or a subscription; the registry refuses inconsistent
declarations and maps a concrete URI to the resource that reads it."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from nextcloud_mcp_server.auth.caller import Caller, NoCaller, current_caller
from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.registry import Registry, RegistryError
from nextcloud_mcp_server.server import build_mcp_server
from nextcloud_mcp_server.webhooks.subscriptions import ResourceSubscriptions

pytestmark = pytest.mark.anyio

SETTINGS = Settings(nextcloud_url="http://127.0.0.1:9", nextcloud_username="u", nextcloud_password="p")


class NobodyAccess:
    """A mode that can name no caller (as OAuth without a verified token): no client may be asked for."""

    def __init__(self) -> None:
        self.asked: list[Caller] = []

    def identify(self, request: Any) -> Caller | None:
        return None

    async def client_for(self, caller: Caller) -> Any:
        self.asked.append(caller)
        raise AssertionError("a client was asked for without a caller")


async def test_without_a_caller_tools_resources_and_subscriptions_are_refused_before_nextcloud() -> None:
    access = NobodyAccess()
    server = build_mcp_server(SETTINGS, access, subscriptions=ResourceSubscriptions())
    async with Client(server, mode="legacy") as client:
        tool = await client.call_tool("nc_webdav_read_file", {"path": "a.txt"})
        with pytest.raises(MCPError, match="no Nextcloud user is known for this request"):
            await client.read_resource("nc://files/a.txt")
        with pytest.raises(MCPError, match="no Nextcloud user is known for this request"):
            await client.read_resource("nc://notes")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # resources/subscribe is the 2025 protocol's way, deliberately
            with pytest.raises(MCPError, match="Cannot subscribe"):
                await client.subscribe_resource("nc://files/a.txt")
    assert tool.is_error
    assert "no Nextcloud user is known for this request" in tool.content[0].text
    assert access.asked == []


def test_outside_a_request_there_is_no_caller() -> None:
    with pytest.raises(NoCaller):
        current_caller()


def test_the_registry_refuses_a_duplicate_tool_an_undeclared_app_and_a_read_scope_on_a_write_tool() -> None:
    registry = Registry()
    registry.declare_app("notes", "Notes")
    registry.add_tool("nc_notes_get_note", scope="notes.read", read_only=True)
    with pytest.raises(RegistryError, match="twice"):
        registry.add_tool("nc_notes_get_note", scope="notes.read", read_only=True)
    with pytest.raises(RegistryError, match="declared app"):
        registry.add_tool("nc_deck_get_boards", scope="deck.read", read_only=True)
    with pytest.raises(RegistryError, match="read-only"):
        registry.add_tool("nc_notes_delete_note", scope="notes.read", read_only=False)
    with pytest.raises(RegistryError, match="different titles"):
        registry.declare_app("notes", "Notizen")


def test_a_concrete_uri_maps_to_its_static_resource_or_the_longest_matching_template() -> None:
    registry = Registry()
    for app in ("files", "notes"):
        registry.declare_app(app, app.title())
    registry.add_resource("nc://notes", app="notes")
    registry.add_resource("nc://notes/{note_id}", app="notes")
    registry.add_resource("nc://files/{+path}", app="files")
    registry.add_resource("nc://capabilities", app=None)
    assert registry.resource_for("nc://notes") == registry.resources["nc://notes"]
    assert registry.resource_for("nc://notes/12") == registry.resources["nc://notes/{note_id}"]
    assert registry.resource_for("nc://files/a/b.md").scope == "files.read"  # type: ignore[union-attr]
    assert registry.resource_for("nc://capabilities").scope is None  # type: ignore[union-attr]
    assert registry.resource_for("nc://elsewhere") is None
    assert registry.scopes() == ["files.read", "notes.read"]
