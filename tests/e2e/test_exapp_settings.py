"""On enable the ExApp registers its admin form and its webhooks through nc_py_api; the
admin's settings, read back from the app config, shape tools/list without a restart;
disable removes the webhooks and re-enable restores them once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import httpx2
import pytest

from ex_app import webhooks
from ex_app.admin_settings import FORM_ID, KEYS
from ex_app.env import ExAppEnv
from tests.appapi import AppApiSimulator
from tests.appapi.harness import APP_ID, APP_SECRET, exapp_env, serve_exapp, serve_simulator
from tests.appapi.state import ExApp

pytestmark = pytest.mark.anyio

ADMIN = "exapp-settings-admin"


@dataclass
class Rig:
    simulator: AppApiSimulator
    nextcloud_url: str
    exapp_url: str
    env: ExAppEnv
    database_url: str


@pytest.fixture(scope="module")
def bob(standin) -> Any:
    return standin.add_user("exapp-settings-bob", "bob-app-password")


@pytest.fixture(scope="module")
def rig(standin, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    storage = tmp_path_factory.mktemp("exapp-settings")
    with serve_simulator(standin.app, admins={ADMIN}) as (simulator, nc_url):
        env = exapp_env(nc_url, storage)
        with serve_exapp(env, settings_ttl=0) as exapp_url:
            yield Rig(simulator, nc_url, exapp_url, env, f"sqlite:///{storage / 'nextcloud-mcp-server.db'}")


@pytest.fixture(scope="module")
async def registered(rig: Rig) -> ExApp:
    return await rig.simulator.register(APP_ID, url=rig.exapp_url, secret=APP_SECRET, version=rig.env.app_version)


@pytest.fixture
async def mcp_as_bob(rig: Rig, registered: ExApp, bob: Any) -> AsyncIterator[Any]:
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    url = f"{rig.nextcloud_url}/exapps/{APP_ID}/mcp"
    async with (
        create_mcp_http_client(auth=httpx2.BasicAuth(bob.id, bob.password)) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client


@pytest.fixture
def admin_config(registered: ExApp) -> Iterator[dict[str, str]]:
    """The app config the admin's form writes to; restored after the test."""
    before = dict(registered.config)
    yield registered.config
    registered.config.clear()
    registered.config.update(before)


async def stored_registrations(rig: Rig) -> list[Any]:
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.store import Store

    async with Store(Settings(database_url=rig.database_url)) as store:
        return await store.webhooks.list(limit=100)


def expected_events() -> list[str]:
    return sorted(spec.event for spec in webhooks.WANTED)


async def test_enable_registers_the_admin_form_with_every_setting(registered: ExApp) -> None:
    form = registered.settings_forms[FORM_ID]
    assert form["section_type"] == "admin"
    assert [field["id"] for field in form["fields"]] == list(KEYS)


async def test_the_forms_toolset_list_offers_every_toolset_the_server_has(registered: ExApp) -> None:
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.server import offered

    field = next(f for f in registered.settings_forms[FORM_ID]["fields"] if f["id"] == "enabled_apps")
    registry = offered(Settings(nextcloud_url="http://nc", nextcloud_username="u", nextcloud_password="p"))
    options = {option["value"]: option["name"] for option in field["options"]}
    tool_toolsets = {t.toolset for t in registry.tools.values() if t.toolset is not None}
    assert sorted(options) == sorted(registry.toolsets) == sorted(tool_toolsets)
    assert options["activity"] == "Activity"
    assert field["default"] == dict.fromkeys(registry.toolsets, True)  # available; sessions start with the default


async def test_the_activity_tool_and_resource_are_offered_and_follow_the_admins_app_choice(
    mcp_as_bob: Any, admin_config: dict[str, str]
) -> None:
    from mcp.shared.exceptions import MCPError

    since = "2026-01-01T00:00:00Z"
    assert "nc_activity_recent_changes" not in {t.name for t in (await mcp_as_bob.list_tools()).tools}  # not default
    enabled = await mcp_as_bob.call_tool("nc_toolsets_enable", {"toolset": "activity"})  # available by default
    assert not enabled.is_error, enabled.content[0].text
    assert "nc_activity_recent_changes" in {t.name for t in (await mcp_as_bob.list_tools()).tools}
    feed = await mcp_as_bob.call_tool("nc_activity_recent_changes", {"since": since})
    assert not feed.is_error, feed.content[0].text
    admin_config["read_only"] = "1"  # reading the feed is a read: still offered
    assert "nc_activity_recent_changes" in {t.name for t in (await mcp_as_bob.list_tools()).tools}
    admin_config["enabled_apps"] = json.dumps({"activity": False, "files": True})
    assert "nc_activity_recent_changes" not in {t.name for t in (await mcp_as_bob.list_tools()).tools}
    assert "nc://activity/recent" not in {str(r.uri) for r in (await mcp_as_bob.list_resources()).resources}
    refused = await mcp_as_bob.call_tool("nc_activity_recent_changes", {"since": since})
    assert refused.is_error
    assert "turned off by the Nextcloud admin (its toolset is disabled)" in refused.content[0].text
    with pytest.raises(MCPError, match="turned off by the Nextcloud admin"):
        await mcp_as_bob.read_resource("nc://activity/recent")


async def test_enable_registers_the_webhooks_with_a_relative_uri_and_stores_them(rig: Rig, registered: ExApp) -> None:
    hooks = rig.simulator.registry.webhooks_of(APP_ID)
    assert sorted(h.event for h in hooks) == expected_events()
    assert {h.uri for h in hooks} == {"/webhooks/nextcloud"}
    stored = await stored_registrations(rig)
    assert sorted(r.nextcloud_id for r in stored) == sorted(h.id for h in hooks)


async def test_disable_removes_the_webhooks_and_re_enabling_twice_restores_them_once(
    rig: Rig, registered: ExApp
) -> None:
    await rig.simulator.disable(APP_ID)
    assert rig.simulator.registry.webhooks_of(APP_ID) == []
    assert await stored_registrations(rig) == []
    await rig.simulator.enable(APP_ID)
    first = sorted(h.id for h in rig.simulator.registry.webhooks_of(APP_ID))
    response = await rig.simulator.call(registered, "PUT", "/enabled", params={"enabled": "1"})
    assert response.json() == {"error": ""}
    assert sorted(h.id for h in rig.simulator.registry.webhooks_of(APP_ID)) == first
    assert len(first) == len(webhooks.WANTED)
    assert len(await stored_registrations(rig)) == len(first)


async def test_turning_webhook_sync_off_removes_them_on_the_next_enable(
    rig: Rig, registered: ExApp, admin_config: dict[str, str]
) -> None:
    admin_config["webhook_sync"] = "0"
    response = await rig.simulator.call(registered, "PUT", "/enabled", params={"enabled": "1"})
    assert response.json() == {"error": ""}
    assert rig.simulator.registry.webhooks_of(APP_ID) == []
    admin_config["webhook_sync"] = "1"
    await rig.simulator.call(registered, "PUT", "/enabled", params={"enabled": "1"})
    assert len(rig.simulator.registry.webhooks_of(APP_ID)) == len(webhooks.WANTED)


async def test_disabling_an_app_in_the_settings_hides_its_tools_at_the_next_tools_list(
    mcp_as_bob: Any, admin_config: dict[str, str]
) -> None:
    before = {t.name for t in (await mcp_as_bob.list_tools()).tools}
    assert any(name.startswith("nc_notes_") for name in before)
    # As Nextcloud saves the form: every option the form showed, checked or not.
    choices = {"files": True, "notes": False, "calendar": True, "todo": True, "contacts": False, "activity": True}
    admin_config["enabled_apps"] = json.dumps(choices)
    after = {t.name for t in (await mcp_as_bob.list_tools()).tools}
    assert not any(name.startswith(("nc_notes_", "nc_contacts_")) for name in after)
    assert "nc_webdav_read_file" in after
    result = await mcp_as_bob.call_tool("nc_notes_search_notes", {"query": "x"})
    assert result.is_error
    assert "turned off by the Nextcloud admin" in result.content[0].text


async def test_read_only_mode_lists_only_read_tools_and_refuses_writes(
    mcp_as_bob: Any, admin_config: dict[str, str]
) -> None:
    admin_config["read_only"] = "1"
    tools = (await mcp_as_bob.list_tools()).tools
    assert tools
    assert all(t.annotations.read_only_hint for t in tools if t.name.startswith("nc_"))
    result = await mcp_as_bob.call_tool("nc_webdav_write_file", {"path": "x.txt", "content": "x"})
    assert result.is_error
    assert "read-only mode" in result.content[0].text


async def test_the_admin_page_shows_the_settings_in_effect_to_an_admin_and_refuses_other_users(
    rig: Rig, registered: ExApp, bob: Any, standin, admin_config: dict[str, str]
) -> None:
    standin.add_user(ADMIN, "admin-app-password")
    admin_config["read_only"] = "1"
    url = f"{rig.nextcloud_url}/index.php/apps/app_api/proxy/{APP_ID}/admin"
    async with httpx.AsyncClient() as client:
        as_admin = await client.get(url, auth=(ADMIN, "admin-app-password"))
        as_bob = await client.get(url, auth=(bob.id, bob.password))
    assert as_admin.status_code == 200
    assert as_admin.json()["settings"]["read_only"] is True
    assert as_admin.json()["webhooks_registered"] == len(webhooks.WANTED)
    assert as_bob.status_code == 403


async def test_a_webhook_delivered_through_appapi_without_content_type_is_stored_in_the_inbox(
    rig: Rig, registered: ExApp, bob: Any
) -> None:
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.store import Store

    hook = next(h for h in rig.simulator.registry.webhooks_of(APP_ID) if h.event.endswith("NodeWrittenEvent"))
    payload = {
        "event": {"class": hook.event, "node": {"id": 4242, "path": f"/{bob.id}/files/hooked.txt"}},
        "user": {"uid": bob.id, "displayName": bob.id},
        "time": 1767225600,
    }
    response = await rig.simulator.deliver(hook, payload)
    assert response.status_code == 200, response.text
    assert "content-type" not in {k.lower() for k in response.request.headers}
    async with Store(Settings(database_url=rig.database_url)) as store:
        stored = await store.inbox.get(response.json()["id"])
    assert stored is not None
    assert stored.event_class == hook.event


async def test_a_webhook_delivery_without_appapi_headers_is_refused(rig: Rig, registered: ExApp) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{rig.exapp_url}/webhooks/nextcloud", content=b"{}")
    assert response.status_code == 401


async def test_a_file_bob_creates_reaches_the_exapps_inbox_through_appapi(
    rig: Rig, registered: ExApp, bob: Any
) -> None:
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.store import Store
    from nextcloud_mcp_server.webhooks.events import NODE_CREATED

    listeners = rig.simulator.webhook_listeners
    start = len(listeners.wait_delivered(0, to=webhooks.URI))
    with bob.raw() as raw:  # a change in Nextcloud: webhook_listeners' worker delivers it, nobody asks
        assert raw.put(f"/remote.php/dav/files/{bob.id}/pushed.txt", content=b"x").status_code == 201
    [done] = listeners.wait_delivered(start + 1, to=webhooks.URI)[start:]
    assert (done.status, done.error) == (200, None)
    async with Store(Settings(database_url=rig.database_url)) as store:
        stored = await store.inbox.after(0, classes=[NODE_CREATED], limit=500)
    assert f"/{bob.id}/files/pushed.txt" in [event.payload["event"]["node"]["path"] for event in stored]
