"""MCP from a Nextcloud user through AppAPI's proxy: the real `mcp` client signs in to the
simulated Nextcloud as alice, the ExApp acts on the stand-in as alice with AppAPI headers;
requests without a valid AppAPI signature get 401 and the app secret is never logged."""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import httpx2
import pytest

from ex_app.env import ExAppEnv
from tests.appapi import AppApiSimulator
from tests.appapi.harness import APP_ID, APP_SECRET, exapp_env, serve_exapp, serve_simulator
from tests.appapi.state import ExApp
from tests.e2e.helpers import INITIALIZE, call, unique

pytestmark = pytest.mark.anyio

MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@dataclass
class Rig:
    simulator: AppApiSimulator
    nextcloud_url: str
    exapp_url: str
    env: ExAppEnv
    app: ExApp | None = None


@pytest.fixture(scope="module")
def alice(standin) -> Any:
    return standin.add_user("exapp-alice", "alice-app-password")


@pytest.fixture(scope="module")
def rig(standin, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with serve_simulator(standin.app) as (simulator, nc_url):
        env = exapp_env(nc_url, tmp_path_factory.mktemp("exapp-mcp"))
        with serve_exapp(env) as exapp_url:
            yield Rig(simulator, nc_url, exapp_url, env)


@pytest.fixture(scope="module")
async def registered(rig: Rig) -> ExApp:
    rig.app = await rig.simulator.register(APP_ID, url=rig.exapp_url, secret=APP_SECRET, version=rig.env.app_version)
    return rig.app


@pytest.fixture
async def mcp_as_alice(rig: Rig, registered: ExApp, alice: Any) -> AsyncIterator[Any]:
    """The real MCP client at Nextcloud's HaRP URL of the app, signed in as alice with an app password."""
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    url = f"{rig.nextcloud_url}/exapps/{APP_ID}/mcp"
    async with (
        create_mcp_http_client(auth=httpx2.BasicAuth(alice.id, alice.password)) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client


async def test_tools_are_listed_through_the_proxy_for_a_nextcloud_user(mcp_as_alice: Any) -> None:
    names = {tool.name for tool in (await mcp_as_alice.list_tools()).tools}
    assert {"nc_webdav_write_file", "nc_notes_create_note"} <= names


async def test_a_tool_call_reaches_the_stand_in_as_alice(mcp_as_alice: Any, alice: Any, standin) -> None:
    name = unique("exapp") + ".md"
    await call(mcp_as_alice, "nc_webdav_write_file", path=name, content="written through AppAPI")
    assert (standin.app.files_root(alice.id) / name).read_text() == "written through AppAPI"
    listed = await call(mcp_as_alice, "nc_webdav_list_directory", path="")
    assert name in {entry["name"] for entry in listed["files"]}


async def test_resources_are_read_as_the_appapi_user(mcp_as_alice: Any, alice: Any, standin) -> None:
    import json

    name = unique("resource") + ".md"
    (standin.app.files_root(alice.id) / name).write_text("read as alice", encoding="utf-8")
    note = await call(mcp_as_alice, "nc_notes_create_note", title=unique("note"), content="hers", category="")
    text = await mcp_as_alice.read_resource(f"nc://files/{name}")
    index = json.loads((await mcp_as_alice.read_resource("nc://notes")).contents[0].text)
    capabilities = json.loads((await mcp_as_alice.read_resource("nc://capabilities")).contents[0].text)
    assert text.contents[0].text == "read as alice"
    assert note["id"] in {entry["id"] for entry in index}
    assert "version" in capabilities


async def test_the_php_proxy_serves_a_plain_mcp_request_for_a_signed_in_user(
    rig: Rig, registered: ExApp, alice: Any
) -> None:
    url = f"{rig.nextcloud_url}/index.php/apps/app_api/proxy/{APP_ID}/mcp"
    async with httpx.AsyncClient(auth=(alice.id, alice.password)) as client:
        response = await client.post(url, json=INITIALIZE, headers=MCP_HEADERS)
    assert response.status_code == 200
    assert "serverInfo" in response.text


async def test_the_proxy_refuses_mcp_to_an_anonymous_visitor_with_401(rig: Rig, registered: ExApp) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{rig.nextcloud_url}/exapps/{APP_ID}/mcp", json=INITIALIZE, headers=MCP_HEADERS)
    assert response.status_code == 401


def _signature(user: str, secret: str) -> str:
    return base64.b64encode(f"{user}:{secret}".encode()).decode()


BAD_HEADERS = {
    "wrong secret": {"EX-APP-ID": APP_ID, "EX-APP-VERSION": "0.1.0", "AUTHORIZATION-APP-API": _signature("x", "nope")},
    "wrong app id": {"EX-APP-ID": "other_app", "EX-APP-VERSION": "0.1.0", "AUTHORIZATION-APP-API": "x"},
    "missing headers": {},
    "not base64": {"EX-APP-ID": APP_ID, "EX-APP-VERSION": "0.1.0", "AUTHORIZATION-APP-API": "%%%"},
    "no version": {"EX-APP-ID": APP_ID, "AUTHORIZATION-APP-API": _signature("exapp-alice", APP_SECRET)},
}


@pytest.mark.parametrize("case", sorted(BAD_HEADERS))
@pytest.mark.parametrize(("method", "path"), [("POST", "/mcp"), ("POST", "/init"), ("PUT", "/enabled?enabled=0")])
async def test_a_request_without_a_valid_appapi_signature_gets_401_and_the_secret_is_never_logged(
    rig: Rig, registered: ExApp, caplog: pytest.LogCaptureFixture, case: str, method: str, path: str
) -> None:
    caplog.set_level(logging.DEBUG)
    headers = {**MCP_HEADERS, **BAD_HEADERS[case]}
    async with httpx.AsyncClient() as client:
        response = await client.request(method, rig.exapp_url + path, json=INITIALIZE, headers=headers)
    assert response.status_code == 401
    assert APP_SECRET not in response.text
    assert any("Refused" in record.getMessage() for record in caplog.records)
    assert all(APP_SECRET not in record.getMessage() for record in caplog.records)
    assert registered.enabled


async def test_a_valid_signature_without_a_user_is_refused_on_mcp(rig: Rig, registered: ExApp) -> None:
    headers = {**MCP_HEADERS, "EX-APP-ID": APP_ID, "EX-APP-VERSION": "0.1.0"}
    headers["AUTHORIZATION-APP-API"] = _signature("", APP_SECRET)
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{rig.exapp_url}/mcp", json=INITIALIZE, headers=headers)
    assert response.status_code == 401
