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
from nextcloud_mcp_server.registry import Registry, RegistryError, Toolset
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


def test_the_registry_refuses_a_duplicate_tool_an_undeclared_toolset_and_a_read_scope_on_a_write_tool() -> None:
    registry = Registry()
    registry.declare(Toolset("notes", "Notes", "Notes."))
    registry.add_tool("nc_notes_get_note", scope="notes.read", read_only=True)
    with pytest.raises(RegistryError, match="twice"):
        registry.add_tool("nc_notes_get_note", scope="notes.read", read_only=True)
    with pytest.raises(RegistryError, match="declared toolset"):
        registry.add_tool("nc_deck_get_boards", scope="deck.read", read_only=True)
    with pytest.raises(RegistryError, match="read-only"):
        registry.add_tool("nc_notes_delete_note", scope="notes.read", read_only=False)
    with pytest.raises(RegistryError, match="declared twice, differently"):
        registry.declare(Toolset("notes", "Notizen", "Notes."))


def test_a_writing_tool_may_name_a_scope_verb_of_its_own_and_a_reading_tool_may_not() -> None:
    from nextcloud_mcp_server.tools._base import CREATE, READ
    from nextcloud_mcp_server.tools.declare import SPEC, scope_of, tool

    mail = Toolset("mail", "Mail", "Mail.")

    @tool(mail, CREATE, title="Send", scope="send")
    async def nc_mail_send_message() -> None: ...

    @tool(mail, CREATE, title="Draft")
    async def nc_mail_save_draft() -> None: ...

    assert scope_of(getattr(nc_mail_send_message, SPEC)) == "mail.send"
    assert scope_of(getattr(nc_mail_save_draft, SPEC)) == "mail.write"
    with pytest.raises(ValueError, match="only a writing tool"):
        tool(mail, READ, title="Read", scope="send")
    with pytest.raises(ValueError, match="not read/write"):
        tool(mail, CREATE, title="Write", scope="read")
    registry = Registry()
    registry.declare(mail)
    assert registry.add_tool("nc_mail_send_message", scope="mail.send", read_only=False).toolset == "mail"
    with pytest.raises(RegistryError, match="<verb>"):
        registry.add_tool("nc_mail_bad", scope="mail.Send!", read_only=False)


def test_a_concrete_uri_maps_to_its_static_resource_or_the_longest_matching_template() -> None:
    registry = Registry()
    for app in ("files", "notes"):
        registry.declare(Toolset(app, app.title(), f"{app}."))
    registry.add_resource("nc://notes", toolset="notes")
    registry.add_resource("nc://notes/{note_id}", toolset="notes")
    registry.add_resource("nc://files/{+path}", toolset="files")
    registry.add_resource("nc://capabilities", toolset=None)
    assert registry.resource_for("nc://notes") == registry.resources["nc://notes"]
    assert registry.resource_for("nc://notes/12") == registry.resources["nc://notes/{note_id}"]
    assert registry.resource_for("nc://files/a/b.md").scope == "files.read"  # type: ignore[union-attr]
    assert registry.resource_for("nc://capabilities").scope is None  # type: ignore[union-attr]
    assert registry.resource_for("nc://elsewhere") is None
    assert registry.scopes() == ["files.read", "notes.read"]


def test_a_selection_names_toolsets_default_and_all_and_refuses_unknown_names() -> None:
    from nextcloud_mcp_server.toolsets import UnknownToolset, select

    registry = Registry()
    registry.declare(Toolset("notes", "Notes", "Notes."))
    registry.declare(Toolset("deck", "Deck", "Boards.", default=False))
    registry.declare(Toolset("tasks", "Tasks", "Tasks.", scope="todo"))
    assert select(["default"], registry) == {"notes", "tasks"}
    assert select(["all"], registry) == {"notes", "deck", "tasks"}
    assert select([" Deck ", "default"], registry) == {"notes", "deck", "tasks"}
    assert select([], registry) == frozenset()
    with pytest.raises(UnknownToolset, match="unknown toolset 'todo'; known: deck, notes, tasks"):
        select(["todo"], registry)  # a scope prefix is not a toolset name


def test_every_registered_tool_and_resource_of_an_app_belongs_to_a_declared_toolset() -> None:
    import importlib

    from nextcloud_mcp_server.server import offered
    from nextcloud_mcp_server.tools import tool_modules

    registry = offered(SETTINGS)
    declared = {getattr(importlib.import_module(f"nextcloud_mcp_server.tools.{name}"), "TOOLSET", None)
                for name in tool_modules()}  # fmt: skip
    assert set(registry.toolsets) == {toolset.name for toolset in declared if toolset is not None}
    assert all(toolset.description and toolset.title for toolset in registry.toolsets.values())
    orphans = [name for name, tool in registry.tools.items() if tool.toolset is None and tool.scope is not None]
    assert orphans == []
    assert {r.toolset for r in registry.resources.values()} <= {*registry.toolsets, None}


async def test_the_server_builds_only_the_start_sets_tools_and_a_toolset_when_it_is_enabled() -> None:
    """Every tool is in the registry at once; the SDK's (costly) tool objects only for what a session can have."""
    from mcp import Client

    from nextcloud_mcp_server.auth.app_password import AppPasswordAccess
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.server import build_mcp_server

    settings = Settings(nextcloud_url="http://127.0.0.1:9", nextcloud_username="u", nextcloud_password="p",
                        toolsets=["notes"])  # fmt: skip
    server = build_mcp_server(settings, AppPasswordAccess(settings))
    built = {tool.name for tool in await server.list_tools()}
    assert any(name.startswith("nc_notes_") for name in built)
    assert not any(name.startswith(("nc_webdav_", "nc_share_")) for name in built)
    async with Client(server) as client:
        enabled = await client.call_tool("nc_toolsets_enable", {"toolset": "sharing"})
        assert not enabled.is_error, enabled.content[0].text
        listed = {tool.name for tool in (await client.list_tools()).tools}
    assert "nc_share_create" in listed
    assert "nc_share_create" in {tool.name for tool in await server.list_tools()}
