"""Capability gating end to end: the stand-in switches the Notes app off for one user; their notes
tools and resources vanish from the lists and a call names the missing app; switched on again, they
come back and the session hears `tools/list_changed`. Concurrent calls make one capabilities request
per user per window. Through AppAPI's proxy the same holds per Nextcloud user. And the requirement
itself: a missing app, a too-old version, a missing feature."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from nextcloud_mcp_server.registry import Requirement
from tests.conftest import NcUser, StandInHandle
from tests.e2e.helpers import call
from tests.standin import serve_in_thread

pytestmark = pytest.mark.anyio


def notes_tools(names: set[str]) -> set[str]:
    return {name for name in names if name.startswith("nc_notes_")}


@pytest.fixture
def gated_user(standin: StandInHandle) -> Iterator[NcUser]:
    user = standin.add_user(f"gated-{uuid.uuid4().hex[:12]}", "pw-gated")
    yield user
    standin.app.set_app_enabled(user.id, "notes", True)


async def test_an_app_switched_off_for_the_user_vanishes_and_returns_with_list_changed(
    gated_user: NcUser, standin: StandInHandle
) -> None:
    from nextcloud_mcp_server.app import build_app

    changed = anyio.Event()

    async def on_message(message: Any) -> None:
        if getattr(message, "method", None) == "notifications/tools/list_changed":
            changed.set()

    app = build_app(gated_user.settings(capabilities_ttl=0))  # every request looks again: no waiting here
    with serve_in_thread(app, lifespan="on") as url:
        http = httpx.AsyncClient(timeout=30)
        async with Client(
            streamable_http_client(f"{url}/mcp", http_client=http), mode="legacy", message_handler=on_message
        ) as client:
            before = {t.name for t in (await client.list_tools()).tools}
            standin.app.set_app_enabled(gated_user.id, "notes", False)
            refused = await client.call_tool("nc_notes_list_notes", {})
            with anyio.fail_after(5):
                await changed.wait()
            without = {t.name for t in (await client.list_tools()).tools}
            resources = {str(r.uri) for r in (await client.list_resources()).resources}
            states = {s["name"]: s for s in (await call(client, "nc_toolsets_list"))["toolsets"]}
            changed = anyio.Event()
            standin.app.set_app_enabled(gated_user.id, "notes", True)
            after = {t.name for t in (await client.list_tools()).tools}
            with anyio.fail_after(5):
                await changed.wait()
    assert len(notes_tools(before)) == 8
    assert refused.is_error
    assert "needs the Nextcloud app 'Notes' (notes), which is not installed or not enabled for you" in (
        refused.content[0].text
    )
    assert notes_tools(without) == set()
    assert "nc_webdav_list_directory" in without
    assert "nc://notes" not in resources
    assert (states["notes"]["available"], states["notes"]["enabled"]) == (False, False)
    assert "needs the Nextcloud app 'Notes'" in states["notes"]["reason"]
    assert notes_tools(after) == notes_tools(before)


async def test_concurrent_calls_make_one_capabilities_request_per_user_per_window(
    gated_user: NcUser, standin: StandInHandle
) -> None:
    from nextcloud_mcp_server.app import build_app

    counter = standin.app.services["ocs"].capabilities_requests
    with serve_in_thread(build_app(gated_user.settings(capabilities_ttl=300)), lifespan="on") as url:
        async with Client(f"{url}/mcp") as client:
            before = counter[gated_user.id]
            async with anyio.create_task_group() as tasks:
                for _ in range(20):
                    tasks.start_soon(client.list_tools)
            await client.call_tool("nc_notes_list_notes", {})
    assert counter[gated_user.id] - before == 1


async def test_through_appapi_a_nextcloud_user_without_the_app_is_not_offered_its_tools(
    standin: StandInHandle, tmp_path_factory: Any
) -> None:
    import httpx2
    from mcp.shared._httpx_utils import create_mcp_http_client

    from tests.appapi.harness import APP_ID, APP_SECRET, exapp_env, serve_exapp, serve_simulator

    with_notes = standin.add_user("gating-exapp-with", "pw-with")
    without = standin.add_user("gating-exapp-without", "pw-without")
    standin.app.set_app_enabled(without.id, "notes", False)
    listed: dict[str, set[str]] = {}
    with serve_simulator(standin.app) as (simulator, nextcloud_url):
        env = exapp_env(nextcloud_url, tmp_path_factory.mktemp("gating-exapp"))
        with serve_exapp(env) as exapp_url:
            await simulator.register(APP_ID, url=exapp_url, secret=APP_SECRET, version=env.app_version)
            for user in (with_notes, without):
                async with (
                    create_mcp_http_client(auth=httpx2.BasicAuth(user.id, user.password)) as http,
                    Client(streamable_http_client(f"{nextcloud_url}/exapps/{APP_ID}/mcp", http_client=http)) as client,
                ):
                    listed[user.id] = {t.name for t in (await client.list_tools()).tools}
    assert len(notes_tools(listed[with_notes.id])) == 8
    assert notes_tools(listed[without.id]) == set()
    assert "nc_webdav_read_file" in listed[without.id]


def test_a_requirement_names_the_missing_app_a_too_old_version_and_a_missing_feature() -> None:
    deck = Requirement("deck", "Deck", min_version="1.18")
    reactions = Requirement("spreed", "Talk", feature="reactions")
    assert "needs the Nextcloud app 'Deck' (deck)" in (deck.unmet({}) or "")
    assert deck.unmet({"deck": {"version": "1.16.7"}}) == "needs Deck 1.18 or newer (this Nextcloud has 1.16.7)"
    assert deck.unmet({"deck": {"version": "1.18.0"}}) is None
    assert deck.unmet({"deck": {"version": "1.20.1-beta"}}) is None
    assert reactions.unmet({"spreed": {"features": ["chat-v2"]}}) == (
        "needs the Talk feature 'reactions', which this Nextcloud's Talk does not have"
    )
    assert reactions.unmet({"spreed": {"features": ["chat-v2", "reactions"]}}) is None


def test_a_requirement_can_be_a_flag_another_app_sets_in_its_capabilities() -> None:
    trash = Requirement("files_trashbin", "Deleted files", capability="files.undelete")
    assert trash.unmet({"files": {"undelete": True}}) is None
    for without in ({"files": {"undelete": False}}, {"files": {}}, {"files_trashbin": {}}, {}):
        assert trash.unmet(without) == (
            "needs the Nextcloud app 'Deleted files' (files_trashbin), which is not installed or not enabled for you"
        )
