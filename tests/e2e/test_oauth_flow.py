"""OAuth end to end: the real `mcp` client discovers the provider from the 401, gets a
token with PKCE and `resource` from the oidc-provider rig, calls tools, and steps up
when a tool needs a scope its token lacks.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

from tests.conftest import NcUser
from tests.idp.rig import PUBLIC_CLIENT, REDIRECT_URI, SERVER_CLIENT, SERVER_SECRET, IdP
from tests.standin import serve_in_thread

pytestmark = pytest.mark.anyio


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def oauth_server(nc_user: NcUser, idp: IdP) -> Iterator[str]:
    """The MCP server requiring bearer tokens from the rig; its base URL."""
    from nextcloud_mcp_server.app import build_app

    base = f"http://127.0.0.1:{free_port()}"
    settings = nc_user.settings(
        public_url=base,
        oidc_discovery_url=idp.discovery_url,
        nextcloud_oidc_client_id=SERVER_CLIENT,
        nextcloud_oidc_client_secret=SERVER_SECRET,
    )
    with serve_in_thread(build_app(settings), port=int(base.rsplit(":", 1)[1]), lifespan="on") as url:
        yield url


@dataclass
class MemoryStorage:
    tokens: OAuthToken | None = None
    client: OAuthClientInformationFull | None = None
    authorizations: list[str] = field(default_factory=list)

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


def oauth_client(url: str, idp: IdP, user: str, storage: MemoryStorage) -> Client:
    """The real MCP client whose OAuth redirect is completed by signing in as `user` at the rig."""
    pending: list[dict[str, str]] = []

    async def redirect(authorization_url: str) -> None:
        storage.authorizations.append(authorization_url)
        pending.append(await anyio.to_thread.run_sync(idp.follow_consent, user, authorization_url))

    async def callback() -> AuthorizationCodeResult:
        query = pending.pop()
        return AuthorizationCodeResult(code=query["code"], state=query.get("state"), iss=query.get("iss"))

    provider = OAuthClientProvider(
        f"{url}/mcp",
        OAuthClientMetadata(
            client_name="e2e", redirect_uris=[REDIRECT_URI], grant_types=["authorization_code", "refresh_token"]
        ),
        storage,
        redirect_handler=redirect,
        callback_handler=callback,
    )
    http = httpx2.AsyncClient(auth=provider, timeout=30)
    return Client(streamable_http_client(f"{url}/mcp", http_client=http))


async def test_mcp_without_a_token_gets_401_pointing_at_the_resource_metadata(oauth_server: str, idp: IdP) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{oauth_server}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        challenge = response.headers["www-authenticate"]
        metadata_url = challenge.split('resource_metadata="', 1)[1].split('"', 1)[0]
        metadata = (await http.get(metadata_url)).json()
    assert response.status_code == 401
    assert metadata["resource"] == f"{oauth_server}/mcp"
    assert metadata["authorization_servers"] == [idp.issuer]
    assert {"notes.read", "notes.write", "files.read", "todo.write"} <= set(metadata["scopes_supported"])
    assert metadata["bearer_methods_supported"] == ["header"]


async def test_client_discovers_the_provider_signs_in_with_pkce_and_calls_tools(
    oauth_server: str, idp: IdP, nc_user: NcUser
) -> None:
    storage = MemoryStorage()
    async with oauth_client(oauth_server, idp, nc_user.id, storage) as mcp:
        created = await mcp.call_tool("nc_notes_create_note", {"title": "via oauth", "content": "hi", "category": ""})
        assert not created.is_error, created.content
        listed = await mcp.call_tool("nc_notes_search_notes", {"query": "via oauth"})
        assert not listed.is_error, listed.content
    [authorization] = storage.authorizations
    query = parse_qs(urlsplit(authorization).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["resource"] == [f"{oauth_server}/mcp"]


async def test_tools_list_shows_only_what_the_token_may_call_and_a_write_steps_up(
    oauth_server: str, idp: IdP, nc_user: NcUser
) -> None:
    granted = idp.token(nc_user.id, scopes=["notes.read"], resource=f"{oauth_server}/mcp")
    storage = MemoryStorage(
        tokens=OAuthToken(access_token=granted.access_token, token_type="Bearer", scope=granted.scope),
        client=OAuthClientInformationFull(
            client_id=PUBLIC_CLIENT, redirect_uris=[REDIRECT_URI], token_endpoint_auth_method="none"
        ),
    )
    async with oauth_client(oauth_server, idp, nc_user.id, storage) as mcp:
        names = {tool.name for tool in (await mcp.list_tools()).tools}
        assert "nc_notes_search_notes" in names
        assert not any(name.startswith(("nc_webdav_", "nc_calendar_")) for name in names)
        assert "nc_notes_create_note" not in names
        created = await mcp.call_tool("nc_notes_create_note", {"title": "stepped up", "content": "", "category": ""})
        assert not created.is_error, created.content
    assert storage.tokens is not None
    assert {"notes.read", "notes.write"} <= set((storage.tokens.scope or "").split())
    assert "notes.write" in parse_qs(urlsplit(storage.authorizations[-1]).query)["scope"][0].split()


async def test_a_token_for_another_user_is_told_to_provision_access(oauth_server: str, idp: IdP) -> None:
    granted = idp.token("someone-else", scopes=["notes.read"], resource=f"{oauth_server}/mcp")
    storage = MemoryStorage(
        tokens=OAuthToken(access_token=granted.access_token, token_type="Bearer", scope=granted.scope),
        client=OAuthClientInformationFull(
            client_id=PUBLIC_CLIENT, redirect_uris=[REDIRECT_URI], token_endpoint_auth_method="none"
        ),
    )
    async with oauth_client(oauth_server, idp, "someone-else", storage) as mcp:
        result = await mcp.call_tool("nc_notes_search_notes", {"query": "x"})
    assert result.is_error
    assert "has not granted this server access" in result.content[0].text


async def test_a_notes_only_token_lists_only_the_notes_resources_and_cannot_read_a_file(
    oauth_server: str, idp: IdP, nc_user: NcUser
) -> None:
    from mcp.shared.exceptions import MCPError

    token = idp.token(nc_user.id, scopes=["notes.read"], resource=f"{oauth_server}/mcp").access_token
    http = httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    async with Client(streamable_http_client(f"{oauth_server}/mcp", http_client=http)) as client:
        resources = {str(r.uri) for r in (await client.list_resources()).resources}
        templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
        notes = await client.read_resource("nc://notes")
        with pytest.raises(MCPError):  # the gate's 403 insufficient_scope (its header: test_oauth_gate.py)
            await client.read_resource("nc://files/Documents/a.md")
    assert resources == {"nc://notes", "nc://capabilities"}
    assert templates == {"nc://notes/{note_id}"}
    assert notes.contents[0].mime_type == "application/json"
