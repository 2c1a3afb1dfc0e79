"""Progressive consent in a real browser: Debian's Chromium, driven by Playwright, opens the
link from the URL elicitation, signs in and consents on the rig's pages by clicking, and lands
on this server's success page; the tool call then works.

Chromium comes from Debian (`make test` installs it); nothing is downloaded at run time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import ElicitResult

from tests.conftest import StandInHandle
from tests.e2e import test_oauth_provision as shared
from tests.e2e.test_oauth_provision import Servers, notes_of
from tests.idp.rig import PUBLIC_CLIENT, IdP

pytestmark = pytest.mark.anyio

servers = shared.servers  # the Flow-2 servers of test_oauth_provision (a module-scoped fixture)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
USER = "kim"


async def test_a_user_consents_in_chromium_by_clicking_and_the_tool_call_then_works(
    servers: Servers, idp: IdP, standin: StandInHandle, tmp_path: Path
) -> None:
    from playwright.async_api import async_playwright

    standin.add_user(USER, f"pw-{USER}")
    scopes = ["notes.read", "notes.write"]
    token = idp.token(USER, scopes=scopes, resource=f"{servers.public}/mcp", client_id=PUBLIC_CLIENT).access_token
    landed: list[tuple[str, str]] = []

    async def browser(context: Any, params: Any) -> ElicitResult:
        async with async_playwright() as playwright:
            chromium = await playwright.chromium.launch_persistent_context(
                str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            try:
                page = await chromium.new_page()
                await page.goto(params.url)
                await page.fill("input[name=login]", USER)
                await page.fill("input[name=password]", "any")
                await page.click("button[type=submit]")  # Sign-in
                await page.click("button[type=submit]")  # Continue (consent)
                await page.wait_for_url(f"{servers.callback}?**")
                landed.append((page.url, await page.inner_text("h1")))
            finally:
                await chromium.close()
        return ElicitResult(action="accept")

    http = httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    transport = streamable_http_client(f"{servers.public}/mcp", http_client=http)
    async with Client(transport, elicitation_callback=browser) as mcp:
        created = await mcp.call_tool("nc_notes_create_note", {"title": "clicked", "content": "", "category": ""})
    [(url, heading)] = landed
    assert url.startswith(servers.callback)
    assert heading == "Access granted"
    assert not created.is_error, created.content
    assert "clicked" in notes_of(standin, USER, f"pw-{USER}")
