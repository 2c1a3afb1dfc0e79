"""Toolsets end to end with the real `mcp` client: the server offers what NEXTCLOUD_MCP_TOOLSETS
(or --toolsets) names, on both transports; a connection narrows it with `/mcp/x/<toolsets>` or
`X-MCP-Toolsets` and never widens it; what is not offered is neither listed nor callable; an
OAuth token's scopes and the connection's toolsets narrow together; in app mode the same paths
work through AppAPI's proxy."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import REPO, NcUser, stdio_params
from tests.e2e.helpers import call
from tests.idp.provisioning import resource_server
from tests.idp.rig import IdP
from tests.standin import serve_in_thread

pytestmark = pytest.mark.anyio

NOTES_TOOLS = {
    "nc_notes_create_note",
    "nc_notes_get_note",
    "nc_notes_update_note",
    "nc_notes_append_content",
    "nc_notes_search_notes",
    "nc_notes_list_notes",
    "nc_notes_delete_note",
    "nc_notes_get_attachment",
}


DISCOVERY = {"nc_toolsets_list", "nc_toolsets_describe", "nc_toolsets_enable"}
"""Always listed while dynamic discovery is on (the default)."""


def known_toolsets() -> str:
    """Every toolset the server has, as a refusal lists them."""
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.server import offered

    registry = offered(Settings(nextcloud_url="http://nc", nextcloud_username="u", nextcloud_password="p"))
    return ", ".join(sorted(registry.toolsets))


def tools_of(*toolsets: str, reading_only: bool = False) -> set[str]:
    """The tools the registry puts in these toolsets (with `reading_only`, those that only read)."""
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.server import offered

    registry = offered(Settings(nextcloud_url="http://nc", nextcloud_username="u", nextcloud_password="p"))
    tools = registry.tools.values()
    return {t.name for t in tools if t.toolset in toolsets and (t.read_only or not reading_only)}


@pytest.fixture(scope="module")
def default_server(nc_user: NcUser) -> Iterator[str]:
    from nextcloud_mcp_server.app import build_app

    with serve_in_thread(build_app(nc_user.settings()), lifespan="on") as url:
        yield url


@pytest.fixture(scope="module")
def notes_server(nc_user: NcUser) -> Iterator[str]:
    from nextcloud_mcp_server.app import build_app

    with serve_in_thread(build_app(nc_user.settings(toolsets=["notes"])), lifespan="on") as url:
        yield url


def connect(url: str, **headers: str) -> Client:
    http = httpx.AsyncClient(headers=headers, timeout=30)
    return Client(streamable_http_client(url, http_client=http))


async def names(client: Client) -> set[str]:
    return {tool.name for tool in (await client.list_tools()).tools}


async def test_the_default_set_lists_every_default_toolset(default_server: str) -> None:
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.server import offered

    registry = offered(Settings(nextcloud_url="http://nc", nextcloud_username="u", nextcloud_password="p"))
    expected = {name for name, tool in registry.tools.items() if tool.toolset in registry.default_toolsets()}
    async with connect(f"{default_server}/mcp") as client:
        assert await names(client) == expected | DISCOVERY


async def test_a_server_offering_notes_lists_and_calls_only_notes_tools(notes_server: str) -> None:
    async with connect(f"{notes_server}/mcp") as client:
        listed = await names(client)
        refused = await client.call_tool("nc_webdav_list_directory", {})
        templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
        created = await call(client, "nc_notes_create_note", title="in the notes toolset", content="", category="")
    assert listed == NOTES_TOOLS | DISCOVERY
    assert refused.is_error
    text = refused.content[0].text
    assert "toolset 'files', which is not enabled" in text
    assert "nc_toolsets_enable" in text
    assert templates == {"nc://notes/{note_id}"}
    assert created["title"] == "in the notes toolset"


async def test_a_connection_narrows_the_offer_by_its_url(default_server: str) -> None:
    async with connect(f"{default_server}/mcp/x/notes") as client:
        listed = await names(client)
        refused = await client.call_tool("nc_webdav_list_directory", {})
    assert listed == NOTES_TOOLS | DISCOVERY
    assert refused.is_error
    assert "which is not enabled" in refused.content[0].text


async def test_a_connection_narrows_by_header_and_url_and_header_together_keep_what_both_name(
    default_server: str,
) -> None:
    async with connect(f"{default_server}/mcp", **{"X-MCP-Toolsets": "notes,files"}) as client:
        both = await names(client)
    async with connect(f"{default_server}/mcp/x/notes,files", **{"X-MCP-Toolsets": "files, tasks"}) as client:
        common = await names(client)
    assert both == tools_of("notes", "files") | DISCOVERY
    assert common == tools_of("files") | DISCOVERY


async def test_a_connection_cannot_widen_what_the_server_starts_with(notes_server: str) -> None:
    async with connect(f"{notes_server}/mcp/x/notes,files") as client:
        listed = await names(client)
        refused = await client.call_tool("nc_webdav_list_directory", {})
    assert listed == NOTES_TOOLS | DISCOVERY
    assert "which is not enabled" in refused.content[0].text


async def test_without_discovery_the_start_set_is_all_there_is(nc_user: NcUser) -> None:
    from nextcloud_mcp_server.app import build_app

    app = build_app(nc_user.settings(toolsets=["notes"], dynamic_toolsets=False))
    with serve_in_thread(app, lifespan="on") as url:
        async with connect(f"{url}/mcp/x/notes,files") as client:
            listed = await names(client)
            refused = await client.call_tool("nc_webdav_list_directory", {})
    assert listed == NOTES_TOOLS
    assert "which this server or connection does not offer (NEXTCLOUD_MCP_TOOLSETS" in refused.content[0].text


async def test_an_unknown_toolset_in_the_url_is_a_400_naming_the_known_ones(default_server: str) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{default_server}/mcp/x/notes,dek", json={}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert "unknown toolset 'dek'" in response.json()["error_description"]
    assert "notes" in response.json()["error_description"]


async def test_over_stdio_the_environment_chooses_the_toolsets(nc_user: NcUser) -> None:
    async with Client(stdio_params(nc_user, NEXTCLOUD_MCP_TOOLSETS="notes")) as client:
        assert await names(client) == NOTES_TOOLS | DISCOVERY


def test_an_unknown_toolset_stops_the_server_with_the_known_names(nc_user: NcUser) -> None:
    env = {**nc_user.env(), "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "nextcloud_mcp_server", "run", "--port", "0", "--toolsets", "notes,dek"]
    done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "NEXTCLOUD_MCP_TOOLSETS (--toolsets): unknown toolset 'dek'" in done.stderr
    assert f"known: {known_toolsets()}" in done.stderr


async def test_an_oauth_tokens_scopes_and_the_connections_toolsets_narrow_together(nc_user: NcUser, idp: IdP) -> None:
    with resource_server(nc_user, idp) as public:
        scopes = ["notes.read", "files.read", "calendar.read"]
        token = idp.token(nc_user.id, scopes=scopes, resource=f"{public}/mcp")
        async with connect(f"{public}/mcp/x/notes,files", Authorization=f"Bearer {token.access_token}") as client:
            listed = await names(client)
    own_grant = {"nc_auth_check_status", "nc_auth_revoke"}  # no scope, no toolset: about the caller's own grant
    assert listed == tools_of("notes", "files", reading_only=True) | own_grant | DISCOVERY
    assert {"nc_notes_get_note", "nc_webdav_read_file"} <= listed


async def test_through_appapis_proxy_a_connection_narrows_by_url(standin: Any, tmp_path_factory: Any) -> None:
    import httpx2
    from mcp.shared._httpx_utils import create_mcp_http_client

    from tests.appapi.harness import APP_ID, APP_SECRET, exapp_env, serve_exapp, serve_simulator

    user = standin.add_user("toolsets-exapp-user", "pw-toolsets")
    with serve_simulator(standin.app) as (simulator, nextcloud_url):
        env = exapp_env(nextcloud_url, tmp_path_factory.mktemp("toolsets-exapp"))
        with serve_exapp(env) as exapp_url:
            await simulator.register(APP_ID, url=exapp_url, secret=APP_SECRET, version=env.app_version)
            url = f"{nextcloud_url}/exapps/{APP_ID}/mcp/x/notes"
            async with (
                create_mcp_http_client(auth=httpx2.BasicAuth(user.id, user.password)) as http,
                Client(streamable_http_client(url, http_client=http)) as client,
            ):
                assert await names(client) == NOTES_TOOLS | DISCOVERY


@pytest.fixture
def discovering(nc_user: NcUser) -> Iterator[str]:
    """A server starting with notes only; each test gets its own (what a client enabled stays with it)."""
    from nextcloud_mcp_server.app import build_app

    with serve_in_thread(build_app(nc_user.settings(toolsets=["notes"])), lifespan="on") as url:
        yield url


async def test_a_2025_session_lists_describes_and_enables_a_toolset_and_hears_its_list_changed(
    discovering: str,
) -> None:
    changed = anyio.Event()

    async def on_message(message: Any) -> None:
        if getattr(message, "method", None) == "notifications/tools/list_changed":
            changed.set()

    http = httpx.AsyncClient(timeout=30)
    async with Client(
        streamable_http_client(f"{discovering}/mcp", http_client=http), mode="legacy", message_handler=on_message
    ) as client:
        assert client.server_capabilities.tools.list_changed
        states = {s["name"]: s for s in (await call(client, "nc_toolsets_list"))["toolsets"]}
        described = await call(client, "nc_toolsets_describe", toolset="files")
        enabled = await call(client, "nc_toolsets_enable", toolset="files")
        with anyio.fail_after(5):
            await changed.wait()
        listed = await names(client)
        listing = await call(client, "nc_webdav_list_directory")
    assert states["notes"]["enabled"] is True
    assert (states["files"]["enabled"], states["files"]["available"], states["files"]["reason"]) == (False, True, None)
    assert "nc_webdav_read_file" in {tool["name"] for tool in described["tools"]}
    assert described["enabled"] is False
    assert set(enabled["added_tools"]) == tools_of("files")
    assert enabled["enabled"] == ["files", "notes"]
    assert listed == NOTES_TOOLS | tools_of("files") | DISCOVERY
    assert "files" in listing


async def test_a_2026_client_hears_tools_list_changed_on_its_listen_stream(discovering: str) -> None:
    async with connect(f"{discovering}/mcp") as client:
        async with client.listen(tools_list_changed=True) as events:
            await call(client, "nc_toolsets_enable", toolset="calendar")
            with anyio.fail_after(5):
                event = await events.__anext__()
        listed = await names(client)
    assert type(event).__name__ == "ToolsListChanged"
    assert tools_of("calendar") <= listed


async def test_enabling_a_toolset_over_stdio_adds_its_tools(nc_user: NcUser) -> None:
    async with Client(stdio_params(nc_user, NEXTCLOUD_MCP_TOOLSETS="notes")) as client:
        await call(client, "nc_toolsets_enable", toolset="contacts")
        assert await names(client) == NOTES_TOOLS | tools_of("contacts") | DISCOVERY


async def test_a_toolset_the_token_has_no_scope_for_is_unavailable_with_the_reason(nc_user: NcUser, idp: IdP) -> None:
    with resource_server(nc_user, idp, toolsets=["notes"]) as public:
        token = idp.token(nc_user.id, scopes=["notes.read"], resource=f"{public}/mcp").access_token
        async with connect(f"{public}/mcp", Authorization=f"Bearer {token}") as client:
            states = {s["name"]: s for s in (await call(client, "nc_toolsets_list"))["toolsets"]}
            refused = await client.call_tool("nc_toolsets_enable", {"toolset": "files"})
    assert states["files"]["available"] is False
    assert "needs the OAuth scope 'files.read'" in states["files"]["reason"]
    assert refused.is_error
    assert "cannot be enabled for you" in refused.content[0].text


async def test_enabling_an_unknown_toolset_names_the_known_ones(discovering: str) -> None:
    async with connect(f"{discovering}/mcp") as client:
        refused = await client.call_tool("nc_toolsets_enable", {"toolset": "dek"})
    assert refused.is_error
    assert f"unknown toolset 'dek'; known: {known_toolsets()}" in refused.content[0].text
