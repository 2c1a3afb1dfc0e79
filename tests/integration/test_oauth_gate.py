"""The /mcp bearer gate and the protected-resource metadata, over plain HTTP, with real
tokens from the oidc-provider rig (JWT and opaque) and the MCP server in front of the stand-in.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import NcUser
from tests.idp.rig import OPAQUE_CLIENT, SERVER_CLIENT, SERVER_SECRET, IdP
from tests.standin import serve_in_thread

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}
HEADERS = {"Accept": "application/json, text/event-stream"}


@pytest.fixture(scope="module")
def server(nc_user: NcUser, idp: IdP) -> Iterator[str]:
    from nextcloud_mcp_server.app import build_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = nc_user.settings(
        public_url=f"http://127.0.0.1:{port}",
        oidc_discovery_url=idp.discovery_url,
        nextcloud_oidc_client_id=SERVER_CLIENT,
        nextcloud_oidc_client_secret=SERVER_SECRET,
    )
    with serve_in_thread(build_app(settings), port=port, lifespan="on") as url:
        yield url


def post(url: str, token: str | None, body: object = INITIALIZE) -> httpx.Response:
    headers = {**HEADERS, **({"Authorization": f"Bearer {token}"} if token else {})}
    return httpx.post(f"{url}/mcp", json=body, headers=headers, timeout=30)


def test_both_metadata_paths_serve_the_same_document(server: str) -> None:
    root = httpx.get(f"{server}/.well-known/oauth-protected-resource").json()
    assert httpx.get(f"{server}/.well-known/oauth-protected-resource/mcp").json() == root
    assert root["resource"] == f"{server}/mcp"


def test_a_request_without_a_token_gets_a_challenge_without_an_error_code(server: str) -> None:
    response = post(server, None)
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert f'resource_metadata="{server}/.well-known/oauth-protected-resource/mcp"' in challenge
    assert "error=" not in challenge


def test_a_garbage_token_gets_invalid_token(server: str) -> None:
    response = post(server, "not-a-real-token")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_a_token_minted_for_another_resource_is_refused(server: str, idp: IdP, nc_user: NcUser) -> None:
    tokens = idp.token(nc_user.id, scopes=["notes.read"], resource=nc_user.url)  # Nextcloud's audience
    response = post(server, tokens.access_token)
    assert response.status_code == 401
    assert "not for this server" in response.headers["www-authenticate"]


def test_a_jwt_for_this_resource_is_accepted(server: str, idp: IdP, nc_user: NcUser) -> None:
    tokens = idp.token(nc_user.id, scopes=["notes.read"], resource=f"{server}/mcp")
    assert tokens.access_token.count(".") == 2
    response = post(server, tokens.access_token)
    assert response.status_code == 200, response.text


def test_an_opaque_token_is_accepted_through_introspection(server: str, idp: IdP, nc_user: NcUser) -> None:
    tokens = idp.token(nc_user.id, scopes=["notes.read"], resource=f"{server}/mcp", client_id=OPAQUE_CLIENT)
    assert "." not in tokens.access_token
    response = post(server, tokens.access_token)
    assert response.status_code == 200, response.text


def test_a_revoked_opaque_token_is_refused(server: str, idp: IdP, nc_user: NcUser) -> None:
    tokens = idp.token(nc_user.id, scopes=["notes.read"], resource=f"{server}/mcp", client_id=OPAQUE_CLIENT)
    revoked = httpx.post(
        f"{idp.issuer}/token/revocation", data={"token": tokens.access_token, "client_id": OPAQUE_CLIENT}
    )
    assert revoked.status_code == 200
    response = post(server, tokens.access_token)
    assert response.status_code == 401


def test_a_tool_call_without_its_scope_gets_403_insufficient_scope(server: str, idp: IdP, nc_user: NcUser) -> None:
    tokens = idp.token(nc_user.id, scopes=["notes.read"], resource=f"{server}/mcp")
    params = {"name": "nc_webdav_list_directory", "arguments": {}}
    call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": params}
    response = post(server, tokens.access_token, call)
    assert response.status_code == 403
    challenge = response.headers["www-authenticate"]
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="files.read"' in challenge
    assert "resource_metadata=" in challenge


def test_reading_a_file_resource_without_files_read_gets_403_insufficient_scope(
    server: str, idp: IdP, nc_user: NcUser
) -> None:
    tokens = idp.token(nc_user.id, scopes=["notes.read"], resource=f"{server}/mcp")
    read = {"jsonrpc": "2.0", "id": 3, "method": "resources/read", "params": {"uri": "nc://files/Documents/a.md"}}
    response = post(server, tokens.access_token, read)
    assert response.status_code == 403
    assert 'scope="files.read"' in response.headers["www-authenticate"]
    assert "the resource 'nc://files/Documents/a.md'" in response.headers["www-authenticate"]


def test_the_metadata_lists_every_scope_the_tools_and_resources_need(server: str) -> None:
    from tests.idp.rig import tool_scopes

    document = httpx.get(f"{server}/.well-known/oauth-protected-resource").json()
    assert document["scopes_supported"] == tool_scopes()
    assert {"files.read", "activity.read", "todo.write"} <= set(document["scopes_supported"])
