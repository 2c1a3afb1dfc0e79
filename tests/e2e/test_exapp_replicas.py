"""Two replicas of the ExApp over one store, enabled at the same moment: Nextcloud ends up
holding each wanted webhook once (they take turns under the store's lock)."""

from __future__ import annotations

import dataclasses

import anyio
import pytest

from ex_app import webhooks
from tests.appapi.harness import APP_ID, APP_SECRET, exapp_env, serve_exapp, serve_simulator

pytestmark = pytest.mark.anyio


async def test_two_replicas_enabling_at_once_register_each_webhook_once(standin, tmp_path) -> None:
    with serve_simulator(standin.app) as (simulator, nc_url):
        env = exapp_env(nc_url, tmp_path)  # the same APP_PERSISTENT_STORAGE: one store for both
        with serve_exapp(env) as first_url, serve_exapp(env) as second_url:
            app = await simulator.register(APP_ID, url=first_url, secret=APP_SECRET, version=env.app_version)
            simulator.registry.remove_webhooks(APP_ID)  # an admin removed them: both replicas will find none
            second = dataclasses.replace(app, url=second_url)
            answers: list[dict[str, str]] = []

            async def enable(replica: object) -> None:
                response = await simulator.call(replica, "PUT", "/enabled", params={"enabled": "1"})  # type: ignore[arg-type]
                answers.append(response.json())

            async with anyio.create_task_group() as tasks:
                tasks.start_soon(enable, app)
                tasks.start_soon(enable, second)
            events = sorted(hook.event for hook in simulator.registry.webhooks_of(APP_ID))
            await simulator.unregister(APP_ID)
    assert answers == [{"error": ""}, {"error": ""}]
    assert events == sorted(spec.event for spec in webhooks.WANTED)
