"""Flow 2 end to end with the real `mcp` client: a user who is not NEXTCLOUD_USERNAME calls a
tool, gets a URL elicitation, consents at the rig through the link, retries and the tool acts
on the stand-in as that user; a second replica refreshes from the stored (rotated) refresh
token; revoking withdraws access."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import anyio
import httpx
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import ElicitResult

from tests.conftest import NcUser, StandInHandle
from tests.idp.provisioning import consent, free_port, provisioning_settings, register_server_client, trust_idp
from tests.idp.rig import PUBLIC_CLIENT, IdP
from tests.standin import serve_in_thread

pytestmark = pytest.mark.anyio

USER = "erin"


@dataclass
class Servers:
    public: str
    second: str

    @property
    def callback(self) -> str:
        return f"{self.public}/oauth/callback"


@pytest.fixture(scope="module")
def servers(standin: StandInHandle, idp: IdP, nc_user: NcUser) -> Iterator[Servers]:
    from nextcloud_mcp_server.app import build_app

    trust_idp(standin.app, idp, standin.url)
    standin.add_user(USER, "pw-erin")
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    client = register_server_client(idp, f"{public}/oauth/callback")
    # Multi-user mode: no app-password user at all, every user provisions their own access.
    settings = provisioning_settings(
        nc_user.settings(), idp, public, client, nextcloud_username=None, nextcloud_password=None
    )
    assert settings.problems() == []
    with (
        serve_in_thread(build_app(settings), port=port, lifespan="on"),
        serve_in_thread(build_app(settings), lifespan="on") as second,
    ):
        yield Servers(public, second)


@dataclass
class Browser:
    """The client's elicitation callback: the user opens the URL, signs in and consents at the rig."""

    idp: IdP
    servers: Servers
    urls: list[str] = field(default_factory=list)

    async def __call__(self, context: Any, params: Any) -> ElicitResult:
        self.urls.append(params.url)
        await provision(self.idp, self.servers, params.url)
        return ElicitResult(action="accept")


def client(url: str, token: str, elicitations: Browser | None = None) -> Client:
    http = httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return Client(streamable_http_client(f"{url}/mcp", http_client=http), elicitation_callback=elicitations)


@pytest.fixture(scope="module")
def token(idp: IdP, servers: Servers) -> str:
    scopes = ["notes.read", "notes.write"]
    return idp.token(USER, scopes=scopes, resource=f"{servers.public}/mcp", client_id=PUBLIC_CLIENT).access_token


def notes_of(standin: StandInHandle, user: str = USER, password: str = "pw-erin") -> list[str]:
    """The note titles of `user`, read from the stand-in with their password (independent of the server)."""
    with httpx.Client(base_url=standin.url, auth=(user, password)) as raw:
        return [note["title"] for note in raw.get("/index.php/apps/notes/api/v1/notes").json()]


async def provision(idp: IdP, servers: Servers, link: str) -> None:
    query = await anyio.to_thread.run_sync(lambda: consent(idp, USER, link, servers.callback))
    async with httpx.AsyncClient() as http:
        page = await http.get(f"{servers.public}/oauth/callback?{urlencode(query)}")
    assert page.status_code == 200, page.text


async def test_an_unprovisioned_user_consents_through_url_elicitation_and_the_call_acts_as_them(
    servers: Servers, token: str, idp: IdP, standin: StandInHandle
) -> None:
    browser = Browser(idp, servers)
    async with client(servers.public, token, browser) as mcp:
        before = await mcp.call_tool("nc_auth_check_status", {})
        created = await mcp.call_tool("nc_notes_create_note", {"title": "by erin", "content": "", "category": ""})
        after = await mcp.call_tool("nc_auth_check_status", {})
    assert not created.is_error, created.content
    [url] = browser.urls
    assert url.startswith(f"{servers.public}/oauth/authorize-nextcloud?ticket=")
    assert "by erin" in notes_of(standin)
    assert before.structured_content["provisioned"] is False
    assert after.structured_content["provisioned"] is True
    assert "notes.write" in after.structured_content["scopes"]


async def test_another_replica_refreshes_from_the_stored_token_and_revoking_withdraws_access(
    servers: Servers, token: str, idp: IdP, standin: StandInHandle
) -> None:
    second_token = idp.token(
        USER, scopes=["notes.read", "notes.write"], resource=f"{servers.public}/mcp", client_id=PUBLIC_CLIENT
    ).access_token
    async with client(servers.second, second_token) as mcp:  # no cached access token there: a real refresh
        created = await mcp.call_tool("nc_notes_create_note", {"title": "via replica", "content": "", "category": ""})
        assert not created.is_error, created.content
        revoked = await mcp.call_tool("nc_auth_revoke", {})
        assert revoked.structured_content["revoked"] is True
        again = await mcp.call_tool("nc_notes_search_notes", {"query": "x"})
    assert "via replica" in notes_of(standin)
    async with httpx.AsyncClient() as http:  # no app-password user: readiness asks Nextcloud anonymously
        assert (await http.get(f"{servers.second}/health/ready")).status_code == 200
    assert again.is_error
    assert "/oauth/authorize-nextcloud?ticket=" in again.content[0].text


async def test_a_client_on_the_2025_protocol_is_asked_mid_call_and_the_call_continues(
    servers: Servers, idp: IdP, standin: StandInHandle
) -> None:
    standin.add_user("fay", "pw-fay")
    scopes = ["notes.read", "notes.write"]
    token = idp.token("fay", scopes=scopes, resource=f"{servers.public}/mcp", client_id=PUBLIC_CLIENT).access_token
    urls: list[str] = []

    async def browser(context: Any, params: Any) -> ElicitResult:
        urls.append(params.url)
        query = await anyio.to_thread.run_sync(lambda: consent(idp, "fay", params.url, servers.callback))
        async with httpx.AsyncClient() as http:
            assert (await http.get(f"{servers.public}/oauth/callback?{urlencode(query)}")).status_code == 200
        return ElicitResult(action="accept")

    http = httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    transport = streamable_http_client(f"{servers.public}/mcp", http_client=http)
    async with Client(transport, elicitation_callback=browser, mode="legacy") as mcp:
        created = await mcp.call_tool("nc_notes_create_note", {"title": "by fay", "content": "", "category": ""})
    assert not created.is_error, created.content
    assert len(urls) == 1
    assert "by fay" in notes_of(standin, "fay", "pw-fay")
