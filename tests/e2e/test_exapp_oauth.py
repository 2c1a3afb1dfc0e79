"""External OAuth clients in app mode: on ONE ExApp process, alice arrives through the simulated
AppAPI proxy (Nextcloud authenticated her) while an external MCP client presents a bearer token
for bob from the IdP rig (Flow 1, verified by the ExApp). Both call tools; the stand-in sees each
as the right user with AppAPI headers; the client's token never reaches Nextcloud."""

from __future__ import annotations

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
from tests.e2e.helpers import call, unique
from tests.e2e.test_oauth_flow import MemoryStorage, oauth_client
from tests.idp.rig import IdP

pytestmark = pytest.mark.anyio

SCOPES = ["files.read", "files.write", "notes.read", "notes.write"]
PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@dataclass
class Rig:
    simulator: AppApiSimulator
    nextcloud_url: str
    exapp_url: str
    public_url: str
    env: ExAppEnv


@pytest.fixture(scope="module")
def alice(standin) -> Any:
    return standin.add_user("exoauth-alice", "alice-app-password")


@pytest.fixture(scope="module")
def bob(standin) -> Any:
    return standin.add_user("exoauth-bob", "bob-app-password")


@pytest.fixture(scope="module")
def rig(standin, idp: IdP, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    """The IdP comes from the environment here (OIDC_DISCOVERY_URL); the public URL is HaRP's."""
    with serve_simulator(standin.app) as (simulator, nc_url):
        env = exapp_env(nc_url, tmp_path_factory.mktemp("exapp-oauth"))
        public = f"{nc_url}/exapps/{APP_ID}"
        with serve_exapp(env, settings_ttl=0, public_url=public, oidc_discovery_url=idp.discovery_url) as url:
            yield Rig(simulator, nc_url, url, public, env)


@pytest.fixture(scope="module")
async def registered(rig: Rig) -> ExApp:
    return await rig.simulator.register(APP_ID, url=rig.exapp_url, secret=APP_SECRET, version=rig.env.app_version)


@pytest.fixture
def admin_config(registered: ExApp) -> Iterator[dict[str, str]]:
    before = dict(registered.config)
    yield registered.config
    registered.config.clear()
    registered.config.update(before)


@pytest.fixture
async def mcp_as_alice(rig: Rig, registered: ExApp, alice: Any) -> AsyncIterator[Any]:
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    async with (
        create_mcp_http_client(auth=httpx2.BasicAuth(alice.id, alice.password)) as http,
        Client(streamable_http_client(f"{rig.public_url}/mcp", http_client=http)) as client,
    ):
        yield client


def bearer_client(url: str, token: str) -> Any:
    """The real MCP client presenting `token` at `url` (no OAuth dance: the token is already there)."""
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    return Client(streamable_http_client(url, http_client=http))


async def test_mcp_without_a_user_or_token_gets_flow_1s_401_and_the_metadata_through_the_proxy(
    rig: Rig, registered: ExApp, idp: IdP
) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{rig.public_url}/mcp", json=PING, headers=MCP_HEADERS)
        challenge = response.headers["www-authenticate"]
        metadata_url = challenge.split('resource_metadata="', 1)[1].split('"', 1)[0]
        metadata = await http.get(metadata_url)
    assert response.status_code == 401
    assert metadata_url == f"{rig.public_url}/.well-known/oauth-protected-resource/mcp"
    assert metadata.status_code == 200
    assert metadata.json()["resource"] == f"{rig.public_url}/mcp"
    assert metadata.json()["authorization_servers"] == [idp.issuer]


async def test_alice_through_the_proxy_and_an_external_client_for_bob_act_as_themselves_on_one_process(
    rig: Rig, mcp_as_alice: Any, bob: Any, alice: Any, idp: IdP, standin, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    storage = MemoryStorage()
    name = unique("exoauth")
    async with oauth_client(rig.public_url, idp, bob.id, storage) as mcp_as_bob:  # discovery from the 401
        await call(mcp_as_bob, "nc_webdav_write_file", path=f"{name}-bob.md", content="from an external client")
        await call(mcp_as_alice, "nc_webdav_write_file", path=f"{name}-alice.md", content="through Nextcloud")
        listed = await call(mcp_as_bob, "nc_webdav_list_directory", path="")
    assert (standin.app.files_root(bob.id) / f"{name}-bob.md").read_text() == "from an external client"
    assert (standin.app.files_root(alice.id) / f"{name}-alice.md").read_text() == "through Nextcloud"
    assert not (standin.app.files_root(alice.id) / f"{name}-bob.md").exists()
    assert f"{name}-alice.md" not in {entry["name"] for entry in listed["files"]}
    assert storage.tokens is not None
    assert storage.authorizations
    token = storage.tokens.access_token
    assert all(APP_SECRET not in r.getMessage() and token not in r.getMessage() for r in caplog.records)


async def test_an_external_client_on_the_direct_port_acts_as_the_tokens_user(
    rig: Rig, registered: ExApp, bob: Any, idp: IdP, standin
) -> None:
    token = idp.token(bob.id, scopes=SCOPES, resource=f"{rig.public_url}/mcp").access_token
    name = unique("direct") + ".md"
    async with bearer_client(f"{rig.exapp_url}/mcp", token) as mcp:
        names = {tool.name for tool in (await mcp.list_tools()).tools}
        await call(mcp, "nc_webdav_write_file", path=name, content="direct")
    assert (standin.app.files_root(bob.id) / name).read_text() == "direct"
    assert "nc_notes_create_note" in names
    assert not any(n.startswith("nc_calendar_") for n in names)  # the token's scopes filter the list


@pytest.mark.parametrize("where", ["proxy", "direct"])
async def test_a_token_for_another_audience_is_refused_with_invalid_token(
    rig: Rig, registered: ExApp, bob: Any, idp: IdP, where: str
) -> None:
    token = idp.token(bob.id, scopes=SCOPES, resource="http://127.0.0.1:1/other/mcp").access_token
    url = f"{rig.public_url}/mcp" if where == "proxy" else f"{rig.exapp_url}/mcp"
    async with httpx.AsyncClient() as http:
        response = await http.post(url, json=PING, headers={**MCP_HEADERS, "Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert "resource_metadata=" in response.headers["www-authenticate"]


@pytest.mark.parametrize("authorization", ["Bearer not-a-real-token", "Basic ZXhvYXV0aC1ib2I6d3Jvbmc=", None])
async def test_an_invalid_or_missing_token_on_the_direct_port_gets_401_with_www_authenticate(
    rig: Rig, registered: ExApp, authorization: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    headers = {**MCP_HEADERS, **({"Authorization": authorization} if authorization else {})}
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{rig.exapp_url}/mcp", json=PING, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer ")
    assert all(APP_SECRET not in r.getMessage() and "not-a-real-token" not in r.getMessage() for r in caplog.records)


async def test_the_admin_forms_identity_settings_apply_without_restart(
    rig: Rig, registered: ExApp, bob: Any, idp: IdP, admin_config: dict[str, str]
) -> None:
    token = idp.token(bob.id, scopes=SCOPES, resource=f"{rig.public_url}/mcp").access_token
    headers = {**MCP_HEADERS, "Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient() as http:
        admin_config["allowed_mcp_clients"] = "some-other-client"
        refused = await http.post(f"{rig.exapp_url}/mcp", json=PING, headers=headers)
        admin_config["allowed_mcp_clients"] = ""
        admin_config["public_url"] = "https://cloud.example.com/exapps/moved"
        moved = await http.get(f"{rig.exapp_url}/.well-known/oauth-protected-resource/mcp")
        wrong_audience = await http.post(f"{rig.exapp_url}/mcp", json=PING, headers=headers)
    assert refused.status_code == 401
    assert "client this server does not accept" in refused.headers["www-authenticate"]
    assert moved.json()["resource"] == "https://cloud.example.com/exapps/moved/mcp"
    assert wrong_audience.status_code == 401
