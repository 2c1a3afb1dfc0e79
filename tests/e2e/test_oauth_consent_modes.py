"""Progressive consent beyond URL elicitation, with the real `mcp` client: a client that declares
only form elicitation gets a form whose message carries the link (on both protocol
generations), and a URL elicitation that ends with access granted is followed by
`notifications/elicitation/complete`."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import anyio
import httpx
import pytest
from mcp import Client
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp_types import ElicitationCapability, ElicitCompleteNotification, ElicitResult, FormElicitationCapability

from tests.conftest import StandInHandle
from tests.e2e import test_oauth_provision as shared
from tests.e2e.test_oauth_provision import Servers, notes_of
from tests.idp.provisioning import consent
from tests.idp.rig import PUBLIC_CLIENT, IdP

pytestmark = pytest.mark.anyio

servers = shared.servers  # the Flow-2 servers of test_oauth_provision (a module-scoped fixture)

LINK = re.compile(r"(http://\S+/oauth/authorize-nextcloud\?ticket=\S+)")


@pytest.fixture
def form_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client declares form elicitation only (like clients from before URL mode)."""
    original = ClientSession._build_capabilities

    def build(self: ClientSession, version: str) -> Any:
        capabilities = original(self, version)
        if capabilities.elicitation is not None:
            capabilities.elicitation = ElicitationCapability(form=FormElicitationCapability())
        return capabilities

    monkeypatch.setattr(ClientSession, "_build_capabilities", build)


def user_token(idp: IdP, servers: Servers, standin: StandInHandle, user: str) -> str:
    standin.add_user(user, f"pw-{user}")
    scopes = ["notes.read", "notes.write"]
    return idp.token(user, scopes=scopes, resource=f"{servers.public}/mcp", client_id=PUBLIC_CLIENT).access_token


async def grant(idp: IdP, servers: Servers, user: str, link: str) -> None:
    query = await anyio.to_thread.run_sync(lambda: consent(idp, user, link, servers.callback))
    async with httpx.AsyncClient() as http:
        page = await http.get(f"{servers.public}/oauth/callback?{urlencode(query)}")
    assert page.status_code == 200, page.text


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_form_only_client_gets_the_link_in_a_form_and_the_call_works_after_confirming(
    form_only: None, servers: Servers, idp: IdP, standin: StandInHandle, mode: str
) -> None:
    user = f"hal-{mode}"
    token = user_token(idp, servers, standin, user)
    forms: list[Any] = []

    async def browser(context: Any, params: Any) -> ElicitResult:
        forms.append(params)
        [link] = LINK.findall(params.message)
        await grant(idp, servers, user, link)
        return ElicitResult(action="accept", content={"granted": True})

    http = httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    transport = streamable_http_client(f"{servers.public}/mcp", http_client=http)
    async with Client(transport, elicitation_callback=browser, mode=mode) as mcp:  # type: ignore[arg-type]
        created = await mcp.call_tool("nc_notes_create_note", {"title": f"by {user}", "content": "", "category": ""})
    assert not created.is_error, created.content
    [form] = forms
    assert form.mode == "form"
    assert form.requested_schema["required"] == ["granted"]
    assert f"by {user}" in notes_of(standin, user, f"pw-{user}")


async def test_a_form_only_client_that_declines_gets_a_tool_error_with_the_link(
    form_only: None, servers: Servers, idp: IdP, standin: StandInHandle
) -> None:
    token = user_token(idp, servers, standin, "ivy")

    async def decline(context: Any, params: Any) -> ElicitResult:
        return ElicitResult(action="decline")

    http = httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    transport = streamable_http_client(f"{servers.public}/mcp", http_client=http)
    async with Client(transport, elicitation_callback=decline, mode="legacy") as mcp:
        result = await mcp.call_tool("nc_notes_search_notes", {"query": "x"})
    assert result.is_error
    assert LINK.search(result.content[0].text)


async def test_a_granted_url_elicitation_is_followed_by_elicitation_complete(
    servers: Servers, idp: IdP, standin: StandInHandle
) -> None:
    token = user_token(idp, servers, standin, "jo")
    asked: list[str] = []
    completed: list[str] = []

    async def browser(context: Any, params: Any) -> ElicitResult:
        asked.append(params.elicitation_id)
        await grant(idp, servers, "jo", params.url)
        return ElicitResult(action="accept")

    async def messages(message: Any) -> None:
        if isinstance(message, ElicitCompleteNotification):
            completed.append(message.params.elicitation_id)

    http = httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    transport = streamable_http_client(f"{servers.public}/mcp", http_client=http)
    async with Client(transport, elicitation_callback=browser, message_handler=messages, mode="legacy") as mcp:
        created = await mcp.call_tool("nc_notes_create_note", {"title": "by jo", "content": "", "category": ""})
    assert not created.is_error, created.content
    assert completed == asked
