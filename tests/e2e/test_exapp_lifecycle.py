"""The ExApp under Nextcloud's lifecycle, as the AppAPI simulator drives it: register
(heartbeat, init with progress to 100, enable), disable, re-enable, unregister."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ex_app.env import ExAppEnv
from tests.appapi import AppApiSimulator, LifecycleError
from tests.appapi.harness import APP_ID, exapp_env, serve_exapp, serve_simulator
from tests.appapi.state import ExApp

pytestmark = pytest.mark.anyio


@dataclass
class Rig:
    simulator: AppApiSimulator
    nextcloud_url: str
    exapp_url: str
    env: ExAppEnv
    storage: Path


@pytest.fixture(scope="module")
def rig(standin, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    storage = tmp_path_factory.mktemp("exapp-lifecycle")
    with serve_simulator(standin.app) as (simulator, nc_url):
        env = exapp_env(nc_url, storage)
        with serve_exapp(env) as exapp_url:
            yield Rig(simulator, nc_url, exapp_url, env, storage)


@pytest.fixture(scope="module")
async def registered(rig: Rig) -> ExApp:
    return await rig.simulator.register(
        APP_ID, url=rig.exapp_url, secret=rig.env.app_secret.get_secret_value(), version=rig.env.app_version
    )


async def test_register_reports_progress_to_100_then_the_app_is_enabled(rig: Rig, registered: ExApp) -> None:
    progress = [call["progress"] for call in registered.status_calls]
    assert progress[-1] == 100
    assert progress == sorted(progress)
    assert all(call["error"] == "" for call in registered.status_calls)
    assert registered.enabled


async def test_init_migrates_the_store_into_a_sqlite_file_under_the_persistent_storage(
    rig: Rig, registered: ExApp
) -> None:
    assert (rig.storage / "nextcloud-mcp-server.db").is_file()


async def test_heartbeat_needs_no_authentication_and_answers_status_ok(rig: Rig) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{rig.exapp_url}/heartbeat")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_enabled_with_a_value_other_than_0_or_1_answers_a_readable_error_not_a_500(
    rig: Rig, registered: ExApp
) -> None:
    response = await rig.simulator.call(registered, "PUT", "/enabled", params={"enabled": "yes"})
    assert response.status_code == 200
    assert "enabled=1" in response.json()["error"]


async def test_disable_then_enable_again_keeps_the_app_serving(rig: Rig, registered: ExApp) -> None:
    await rig.simulator.disable(APP_ID)
    assert not registered.enabled
    await rig.simulator.enable(APP_ID)
    assert registered.enabled
    assert (await rig.simulator.heartbeat(registered))["status"] == "ok"


async def test_init_reports_an_error_string_and_is_not_enabled_on_a_too_old_nextcloud(tmp_path: Path, standin) -> None:
    with serve_simulator(standin.app, nextcloud_version="29.0.7") as (simulator, nc_url):
        env = exapp_env(nc_url, tmp_path)
        with serve_exapp(env) as exapp_url:
            with pytest.raises(LifecycleError, match=r"29\.0\.7 is too old"):
                await simulator.register(
                    APP_ID, url=exapp_url, secret=env.app_secret.get_secret_value(), version=env.app_version
                )
            app = simulator.registry.apps[APP_ID]
    assert not app.enabled
    assert app.status_calls[-1]["progress"] < 100
