"""Flow 2 in app mode, on ONE ExApp process: with the admin's "require Flow 2 provisioning" on,
an external MCP client (a bearer token from the IdP rig) calls a tool, is asked through URL
elicitation to grant access, consents by following the link through the proxy's PUBLIC
`/oauth/*` routes, and the retried call reaches the stand-in as that user with the token
broker's Bearer token instead of AppAPI; with the checkbox off, AppAPI carries the call again.
The identity provider and the public URL come from the admin's form; the server's own client
(NEXTCLOUD_OIDC_CLIENT_ID/SECRET) from the environment."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import anyio
import httpx
import httpx2
import pytest
from cryptography.fernet import Fernet
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import ElicitResult
from pydantic import SecretStr

from ex_app.env import ExAppEnv
from tests.appapi import AppApiSimulator
from tests.appapi.harness import APP_ID, APP_SECRET, exapp_env, serve_exapp, serve_simulator
from tests.appapi.state import ExApp
from tests.e2e.helpers import call, unique
from tests.idp.provisioning import consent, register_server_client, trust_idp
from tests.idp.rig import IdP
from tests.standin.core import Receive, Scope, Send, StandIn, header

pytestmark = pytest.mark.anyio

SCOPES = ["files.read", "files.write"]


class RecordingStandIn:
    """The stand-in, noting which credential each request carried (what Nextcloud saw)."""

    def __init__(self, standin: StandIn) -> None:
        self._standin = standin
        self.seen: list[tuple[str, str]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._standin, name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if header(scope, "authorization-app-api") is not None:
                kind = "appapi"
            else:
                kind = (header(scope, "authorization") or "none").split(" ", 1)[0].lower()
            self.seen.append((kind, scope["path"]))
        await self._standin(scope, receive, send)

    def kinds_for(self, name: str) -> set[str]:
        return {kind for kind, path in self.seen if name in path}


@dataclass
class Rig:
    recorder: RecordingStandIn
    simulator: AppApiSimulator
    env: ExAppEnv
    exapp_url: str
    public_url: str

    @property
    def callback(self) -> str:
        return f"{self.public_url}/oauth/callback"


@pytest.fixture(scope="module")
def rig(standin, idp: IdP, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    trust_idp(standin.app, idp, standin.url)  # Nextcloud (user_oidc) accepts the rig's tokens for its audience
    recorder = RecordingStandIn(standin.app)
    with serve_simulator(recorder) as (simulator, nc_url):  # type: ignore[arg-type]
        public = f"{nc_url}/exapps/{APP_ID}"
        client = register_server_client(idp, f"{public}/oauth/callback")
        env = exapp_env(nc_url, tmp_path_factory.mktemp("exapp-flow2"))
        with serve_exapp(
            env,
            settings_ttl=0,
            nextcloud_oidc_client_id=client.client_id,
            nextcloud_oidc_client_secret=SecretStr(client.client_secret),
            nextcloud_oidc_resource=standin.url,
            token_encryption_key=SecretStr(Fernet.generate_key().decode()),
        ) as url:
            yield Rig(recorder, simulator, env, url, public)


@pytest.fixture(scope="module")
async def registered(rig: Rig, idp: IdP) -> ExApp:
    app = await rig.simulator.register(APP_ID, url=rig.exapp_url, secret=APP_SECRET, version=rig.env.app_version)
    app.config.update({"public_url": rig.public_url, "oidc_discovery_url": idp.discovery_url})  # the admin's form
    return app


@pytest.fixture
def admin_config(registered: ExApp) -> Iterator[dict[str, str]]:
    before = dict(registered.config)
    yield registered.config
    registered.config.clear()
    registered.config.update(before)


@dataclass
class Browser:
    """The client's elicitation callback: the user opens the link, signs in and consents at the rig."""

    idp: IdP
    rig: Rig
    user: str
    urls: list[str] = field(default_factory=list)
    callbacks: list[int] = field(default_factory=list)

    async def __call__(self, context: Any, params: Any) -> ElicitResult:
        self.urls.append(params.url)
        query = await anyio.to_thread.run_sync(lambda: consent(self.idp, self.user, params.url, self.rig.callback))
        async with httpx.AsyncClient() as http:  # the provider redirects the browser to the public callback
            page = await http.get(f"{self.rig.callback}?{urlencode(query)}")
        self.callbacks.append(page.status_code)
        return ElicitResult(action="accept")


@pytest.fixture
async def external(rig: Rig, registered: ExApp, standin, idp: IdP) -> AsyncIterator[tuple[Any, Browser, str]]:
    """An external client for a fresh user, with a token from the rig and a consenting browser."""
    user = standin.add_user(unique("flow2"), "pw-flow2").id
    token = idp.token(user, scopes=SCOPES, resource=f"{rig.public_url}/mcp").access_token
    browser = Browser(idp, rig, user)
    http = httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    async with Client(
        streamable_http_client(f"{rig.public_url}/mcp", http_client=http), elicitation_callback=browser
    ) as mcp:
        yield mcp, browser, user


async def test_with_provisioning_required_an_external_client_consents_through_the_proxy_and_acts_with_a_bearer_token(
    rig: Rig, external: tuple[Any, Browser, str], admin_config: dict[str, str], standin
) -> None:
    mcp, browser, user = external
    admin_config["require_provisioning"] = "1"
    name = unique("granted") + ".md"
    await call(mcp, "nc_webdav_write_file", path=name, content="with delegated access")
    again = unique("again") + ".md"
    await call(mcp, "nc_webdav_write_file", path=again, content="no second consent")
    [link] = browser.urls
    assert link.startswith(f"{rig.public_url}/oauth/authorize-nextcloud?ticket=")
    assert browser.callbacks == [200]
    assert (standin.app.files_root(user) / name).read_text() == "with delegated access"
    assert rig.recorder.kinds_for(name) == {"bearer"}
    assert rig.recorder.kinds_for(again) == {"bearer"}


async def test_with_provisioning_off_an_external_client_acts_through_appapi_without_being_asked(
    rig: Rig, external: tuple[Any, Browser, str], admin_config: dict[str, str], standin
) -> None:
    mcp, browser, user = external
    admin_config["require_provisioning"] = ""
    name = unique("appapi") + ".md"
    await call(mcp, "nc_webdav_write_file", path=name, content="through AppAPI")
    assert browser.urls == []
    assert (standin.app.files_root(user) / name).read_text() == "through AppAPI"
    assert rig.recorder.kinds_for(name) == {"appapi"}


async def test_a_client_that_cannot_elicit_gets_a_tool_error_with_the_public_consent_link(
    rig: Rig, registered: ExApp, admin_config: dict[str, str], standin, idp: IdP
) -> None:
    admin_config["require_provisioning"] = "1"
    user = standin.add_user(unique("noelicit"), "pw").id
    token = idp.token(user, scopes=SCOPES, resource=f"{rig.public_url}/mcp").access_token
    http = httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    async with Client(streamable_http_client(f"{rig.exapp_url}/mcp", http_client=http)) as mcp:
        result = await mcp.call_tool("nc_webdav_list_directory", {"path": ""})
    assert result.is_error
    assert f"{rig.public_url}/oauth/authorize-nextcloud?ticket=" in result.content[0].text


async def test_nextcloud_users_through_the_proxy_are_unaffected_by_the_setting(
    rig: Rig, registered: ExApp, admin_config: dict[str, str], standin
) -> None:
    from mcp.shared._httpx_utils import create_mcp_http_client

    admin_config["require_provisioning"] = "1"
    alice = standin.add_user(unique("flow2-alice"), "alice-pw")
    name = unique("alice") + ".md"
    async with (
        create_mcp_http_client(auth=httpx2.BasicAuth(alice.id, alice.password)) as http,
        Client(streamable_http_client(f"{rig.public_url}/mcp", http_client=http)) as mcp,
    ):
        await call(mcp, "nc_webdav_write_file", path=name, content="as a Nextcloud user")
    assert (standin.app.files_root(alice.id) / name).read_text() == "as a Nextcloud user"
    assert rig.recorder.kinds_for(name) == {"appapi"}


async def test_the_consent_routes_answer_through_the_proxy_without_a_nextcloud_session(
    rig: Rig, registered: ExApp
) -> None:
    async with httpx.AsyncClient() as http:
        forged = await http.get(f"{rig.public_url}/oauth/authorize-nextcloud?ticket=forged")
        unknown = await http.get(f"{rig.callback}?state=unknown&code=x")
    assert forged.status_code == 401
    assert "expired" in forged.text
    assert unknown.status_code == 400
    assert APP_SECRET not in forged.text + unknown.text
