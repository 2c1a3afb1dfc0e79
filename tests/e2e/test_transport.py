"""Streamable HTTP as clients meet it: sessions (initialize, Mcp-Session-Id, DELETE) and
stateless single requests, the MCP-Protocol-Version header, Host/Origin checks against
DNS rebinding, and the request body limit.

These tests speak raw HTTP where the wire matters, and use the real `mcp` client for
the two connection modes; they do not use the `mcp` fixture (no stdio twin needed).
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from nextcloud_mcp_server.app import build_app, transport_security
from nextcloud_mcp_server.config import Settings, load_settings
from tests.standin import serve_in_thread

pytestmark = pytest.mark.anyio

MODERN = "2026-07-28"
HANDSHAKE = "2025-11-25"
PV = "io.modelcontextprotocol/protocolVersion"
CAPS = "io.modelcontextprotocol/clientCapabilities"
ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
PUBLIC_URL = "https://mcp.example.org"
EXTRA_HOST = "mcp.internal:8443"
SMALL_LIMIT = 4096
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - only passed to the Host-check policy, never bound


def modern_request(method: str = "tools/list", request_id: int = 1, version: str = MODERN, **params: Any):
    """(headers, body) of a self-contained 2026-07-28 request: no session, no initialize."""
    body = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": {"_meta": {PV: version, CAPS: {}}}}
    body["params"].update(params)
    return {**ACCEPT, "MCP-Protocol-Version": version, "Mcp-Method": method}, body


def messages(response: httpx.Response) -> list[dict[str, Any]]:
    """JSON-RPC messages of a response, whether sent as JSON or as server-sent events."""
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        return [json.loads(line[5:]) for line in response.text.splitlines() if line.startswith("data:")]
    return [response.json()]


def result_of(response: httpx.Response, request_id: int) -> dict[str, Any]:
    reply = next(m for m in messages(response) if m.get("id") == request_id)
    assert "error" not in reply, reply
    return reply["result"]


def initialize_body(request_id: int = 1) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "initialize",
        "params": {"protocolVersion": HANDSHAKE, "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}},
    }


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


# -- sessions and stateless requests -----------------------------------------------------


def test_a_session_is_created_used_and_ended_with_delete(mcp_http_url: str, http: httpx.Client) -> None:
    opened = http.post(mcp_http_url, json=initialize_body(), headers=ACCEPT)
    assert opened.status_code == 200
    session = opened.headers["mcp-session-id"]
    assert result_of(opened, 1)["protocolVersion"] == HANDSHAKE
    in_session = {**ACCEPT, "Mcp-Session-Id": session, "MCP-Protocol-Version": HANDSHAKE}

    initialized = http.post(
        mcp_http_url, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=in_session
    )
    assert initialized.status_code == 202
    listed = http.post(mcp_http_url, json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, headers=in_session)
    assert listed.status_code == 200
    assert isinstance(result_of(listed, 2)["tools"], list)

    ended = http.delete(mcp_http_url, headers=in_session)
    assert ended.status_code in (200, 204)
    after = http.post(mcp_http_url, json={"jsonrpc": "2.0", "id": 3, "method": "tools/list"}, headers=in_session)
    assert after.status_code == 404


def test_an_unknown_session_id_is_not_found(mcp_http_url: str, http: httpx.Client) -> None:
    headers = {**ACCEPT, "Mcp-Session-Id": "0" * 32, "MCP-Protocol-Version": HANDSHAKE}
    response = http.post(mcp_http_url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, headers=headers)
    assert response.status_code == 404


def test_a_single_post_without_a_session_is_answered_statelessly(mcp_http_url: str, http: httpx.Client) -> None:
    headers, body = modern_request("tools/list")
    response = http.post(mcp_http_url, json=body, headers=headers)
    assert response.status_code == 200
    assert "mcp-session-id" not in response.headers
    assert isinstance(result_of(response, 1)["tools"], list)


def test_a_stateless_resource_read_reaches_nextcloud(mcp_http_url: str, http: httpx.Client) -> None:
    headers, body = modern_request("resources/read", uri="nc://capabilities")
    response = http.post(mcp_http_url, json=body, headers={**headers, "Mcp-Name": "nc://capabilities"})
    assert response.status_code == 200
    content = result_of(response, 1)["contents"][0]
    assert json.loads(content["text"])["version"]["string"] == "31.0.9"


async def test_the_sdk_client_works_in_session_mode(mcp_http_url: str) -> None:
    from mcp import Client

    async with Client(mcp_http_url, mode="legacy") as client:
        listed = await client.list_tools()
        read = await client.read_resource("nc://capabilities")
    assert isinstance(listed.tools, list)
    assert "31.0.9" in read.contents[0].text


async def test_the_sdk_client_works_in_its_default_stateless_mode(mcp_http_url: str) -> None:
    from mcp import Client

    async with Client(mcp_http_url) as client:
        listed = await client.list_tools()
        read = await client.read_resource("nc://capabilities")
    assert isinstance(listed.tools, list)
    assert "31.0.9" in read.contents[0].text


# -- the protocol version header ---------------------------------------------------------


def test_an_unsupported_protocol_version_is_refused_with_400(mcp_http_url: str, http: httpx.Client) -> None:
    headers, body = modern_request("tools/list", version="1999-01-01")
    response = http.post(mcp_http_url, json=body, headers=headers)
    assert response.status_code == 400
    assert MODERN in json.dumps(response.json()["error"])


def test_a_version_header_that_contradicts_the_request_is_refused_with_400(
    mcp_http_url: str, http: httpx.Client
) -> None:
    headers, body = modern_request("tools/list")
    response = http.post(mcp_http_url, json=body, headers={**headers, "MCP-Protocol-Version": "2099-01-01"})
    assert response.status_code == 400


def test_a_session_request_with_a_wrong_version_header_is_refused_with_400(
    mcp_http_url: str, http: httpx.Client
) -> None:
    opened = http.post(mcp_http_url, json=initialize_body(), headers=ACCEPT)
    session = opened.headers["mcp-session-id"]
    headers = {**ACCEPT, "Mcp-Session-Id": session, "MCP-Protocol-Version": "1999-01-01"}
    try:
        response = http.post(mcp_http_url, json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, headers=headers)
        assert response.status_code == 400
    finally:
        http.delete(mcp_http_url, headers={**ACCEPT, "Mcp-Session-Id": session, "MCP-Protocol-Version": HANDSHAKE})


# -- Host and Origin on the loopback-bound server -----------------------------------------


def test_a_foreign_host_header_is_rejected_on_loopback(mcp_http_url: str, http: httpx.Client) -> None:
    headers, body = modern_request()
    stateless = http.post(mcp_http_url, json=body, headers={**headers, "Host": "evil.example"})
    opening = http.post(mcp_http_url, json=initialize_body(), headers={**ACCEPT, "Host": "evil.example"})
    assert stateless.status_code in (403, 421)
    assert opening.status_code in (403, 421)
    assert "mcp-session-id" not in opening.headers


def test_a_foreign_origin_is_rejected_on_loopback(mcp_http_url: str, http: httpx.Client) -> None:
    headers, body = modern_request()
    response = http.post(mcp_http_url, json=body, headers={**headers, "Origin": "http://evil.example"})
    assert response.status_code in (403, 421)


def test_a_local_origin_is_accepted_on_loopback(mcp_http_url: str, http: httpx.Client) -> None:
    headers, body = modern_request()
    response = http.post(mcp_http_url, json=body, headers={**headers, "Origin": "http://localhost:6274"})
    assert response.status_code == 200


def test_a_body_above_the_sdk_default_is_accepted_under_the_configured_limit(
    mcp_http_url: str, http: httpx.Client
) -> None:
    headers, body = modern_request("tools/list", padding="x" * (5 * 1024 * 1024))
    response = http.post(mcp_http_url, json=body, headers=headers)
    assert response.status_code == 200


# -- a server with a public URL, extra hosts and a small body limit, set from the environment


@pytest.fixture(scope="module")
def public_mcp_url(nc_user: Any) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as env:
        for key, value in nc_user.env().items():
            env.setenv(key, value)
        env.setenv("NEXTCLOUD_MCP_SERVER_URL", PUBLIC_URL)
        env.setenv("MCP_ALLOWED_HOSTS", f"other.example, {EXTRA_HOST}")
        env.setenv("MAX_REQUEST_BODY_BYTES", str(SMALL_LIMIT))
        settings = load_settings(serving=True)
    with serve_in_thread(build_app(settings), lifespan="on") as url:
        yield f"{url}/mcp"


@pytest.mark.parametrize("host", ["mcp.example.org", "mcp.example.org:443", EXTRA_HOST, "other.example"])
def test_the_public_host_and_the_allowed_hosts_pass(public_mcp_url: str, http: httpx.Client, host: str) -> None:
    headers, body = modern_request()
    response = http.post(public_mcp_url, json=body, headers={**headers, "Host": host})
    assert response.status_code == 200


def test_the_public_origin_passes(public_mcp_url: str, http: httpx.Client) -> None:
    headers, body = modern_request()
    response = http.post(
        public_mcp_url, json=body, headers={**headers, "Host": "mcp.example.org", "Origin": PUBLIC_URL}
    )
    assert response.status_code == 200


def test_other_hosts_and_origins_are_still_rejected_with_a_public_url(public_mcp_url: str, http: httpx.Client) -> None:
    headers, body = modern_request()
    wrong_host = http.post(public_mcp_url, json=body, headers={**headers, "Host": "evil.example"})
    wrong_origin = http.post(
        public_mcp_url, json=body, headers={**headers, "Host": "mcp.example.org", "Origin": "https://evil.example"}
    )
    assert wrong_host.status_code in (403, 421)
    assert wrong_origin.status_code in (403, 421)


def test_a_body_over_max_request_body_bytes_is_refused_with_413(public_mcp_url: str, http: httpx.Client) -> None:
    headers, small = modern_request()
    _, large = modern_request(padding="x" * SMALL_LIMIT)
    assert http.post(public_mcp_url, json=small, headers=headers).status_code == 200
    assert http.post(public_mcp_url, json=large, headers=headers).status_code == 413


# -- when the checks are on -----------------------------------------------------------------


def plain_settings(**values: Any) -> Settings:
    return Settings(nextcloud_url="http://nc.example", nextcloud_username="u", nextcloud_password="p", **values)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_the_checks_are_on_when_bound_to_loopback(host: str) -> None:
    security = transport_security(plain_settings(), host)
    assert security.enable_dns_rebinding_protection is True
    assert {"127.0.0.1:*", "localhost:*", "[::1]:*"} <= set(security.allowed_hosts)


@pytest.mark.parametrize("host", [ALL_INTERFACES, "::"])
def test_the_checks_are_off_on_all_interfaces_without_a_public_url_and_a_log_line_says_so(
    host: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="nextcloud_mcp_server.app"):
        security = transport_security(plain_settings(), host)
    assert security.enable_dns_rebinding_protection is False
    assert any("NEXTCLOUD_MCP_SERVER_URL" in record.getMessage() for record in caplog.records)


def test_the_checks_are_on_on_all_interfaces_with_a_public_url() -> None:
    security = transport_security(plain_settings(public_url=PUBLIC_URL), ALL_INTERFACES)
    assert security.enable_dns_rebinding_protection is True
    assert "mcp.example.org" in security.allowed_hosts
    assert PUBLIC_URL in security.allowed_origins


def test_the_checks_are_on_on_all_interfaces_with_allowed_hosts_only() -> None:
    security = transport_security(plain_settings(allowed_hosts=["mcp.lan"]), ALL_INTERFACES)
    assert security.enable_dns_rebinding_protection is True
    assert "mcp.lan" in security.allowed_hosts
    assert "https://mcp.lan" in security.allowed_origins


# -- when Nextcloud cannot be reached --------------------------------------------------------


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


async def test_an_unreachable_nextcloud_is_logged_at_start_reported_by_readiness_and_by_tool_calls(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    from mcp import Client
    from mcp.shared.exceptions import MCPError

    nextcloud = closed_port_url()
    settings = Settings(
        nextcloud_url=nextcloud,
        nextcloud_username="u",
        nextcloud_password="p",
        nextcloud_retry_backoff=0,
        database_url=f"sqlite:///{tmp_path / 'store.db'}",
    )
    with (
        caplog.at_level(logging.ERROR, logger="nextcloud_mcp_server.app"),
        serve_in_thread(build_app(settings), lifespan="on") as url,
    ):
        async with httpx.AsyncClient(timeout=30) as client:
            live = await client.get(f"{url}/health/live")
            ready = await client.get(f"{url}/health/ready")
        async with Client(f"{url}/mcp") as mcp:
            listed = await mcp.call_tool("nc_webdav_list_directory", {"path": ""})
            with pytest.raises(MCPError) as resource_error:
                await mcp.read_resource("nc://capabilities")

    assert live.status_code == 200
    assert ready.status_code == 503
    assert ready.json()["status"] == "not ready"
    assert ready.json()["nextcloud"].startswith(f"cannot reach Nextcloud at {nextcloud}: ConnectError")

    start_up = [r.getMessage() for r in caplog.records if r.name == "nextcloud_mcp_server.app"]
    assert any(f"cannot reach Nextcloud at {nextcloud}" in line and "/health/ready" in line for line in start_up)
    assert not any(r.exc_info for r in caplog.records)

    assert listed.is_error is True
    text = listed.content[0].text
    assert f"cannot reach Nextcloud at {nextcloud}" in text
    assert "NEXTCLOUD_URL" in text
    assert "Traceback" not in text
    assert f"cannot reach Nextcloud at {nextcloud}" in str(resource_error.value)
