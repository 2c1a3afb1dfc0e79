"""AppAPI's lifecycle endpoints: `/heartbeat`, `/init`, `/enabled`.

Why answered at once: AppAPI waits on its own call while the ExApp reports progress
through `ex-app/status`, and calls `/enabled` while that status call may still be open;
the work therefore runs in the app's task group, never in the request.

Contract (AppAPI docs, tech_details/Deployment.rst and api/exapp.rst):
- `GET /heartbeat` -> `{"status": "ok"}`, no authentication;
- `POST /init` -> `{}` at once, then progress 0..100 (or an error string) through
  `PUT /ocs/v1.php/apps/app_api/ex-app/status`;
- `PUT /enabled?enabled=1|0` -> `{"error": ""}` or `{"error": "<readable reason>"}`, never a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

if TYPE_CHECKING:
    from anyio.abc import TaskGroup

    from ex_app.env import ExAppEnv
    from nextcloud_mcp_server.config import Settings

log = logging.getLogger(__name__)

MIN_NEXTCLOUD_MAJOR = 30


class Lifecycle:
    """The ExApp's side of AppAPI's register / enable / disable protocol."""

    def __init__(
        self,
        env: ExAppEnv,
        settings: Settings,
        on_enable: Callable[[Any], Awaitable[None]] | None = None,
        on_disable: Callable[[Any], Awaitable[None]] | None = None,
    ) -> None:
        self.env = env
        self.settings = settings
        self.on_enable = on_enable
        self.on_disable = on_disable
        self.task_group: TaskGroup | None = None

    def nextcloud_app(self) -> Any:
        """nc_py_api's AsyncNextcloudApp for AppAPI calls (imported here: it is heavy)."""
        from nc_py_api import AsyncNextcloudApp

        return AsyncNextcloudApp(**self.env.nc_py_api_kwargs())

    def routes(self) -> list[Route]:
        return [
            Route("/heartbeat", self.heartbeat, methods=["GET"]),
            Route("/init", self.init, methods=["POST"]),
            Route("/enabled", self.enabled, methods=["PUT"]),
        ]

    async def heartbeat(self, request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def init(self, request: Request) -> JSONResponse:
        if self.task_group is None:  # served without the lifespan: do the work inline
            await self.initialize()
        else:
            self.task_group.start_soon(self.initialize)
        return JSONResponse({})

    async def initialize(self) -> None:
        """Migrate the store, check Nextcloud, and report each step to AppAPI (never raises)."""
        nc = self.nextcloud_app()
        try:
            await nc.set_init_status(0)
            error = await self._migrate()
            if not error:
                await nc.set_init_status(50)
                error = await self._check_nextcloud(nc)
            if error:
                log.error("Initialisation failed: %s", error)
                await nc.set_init_status(0, error)
                return
            await nc.set_init_status(100)
            log.info("Initialised: store at head, Nextcloud usable")
        except Exception as exc:  # a failure to report must not kill the task group
            log.error("Could not report initialisation progress to AppAPI: %s", _reason(exc))

    async def _migrate(self) -> str:
        from nextcloud_mcp_server.store import StoreError, migrate

        try:
            await anyio.to_thread.run_sync(migrate.upgrade, self.settings.resolved_database_url())
        except StoreError as exc:
            return f"the store cannot be migrated: {exc}"
        return ""

    async def _check_nextcloud(self, nc: Any) -> str:
        try:
            capabilities = await nc.capabilities
            version = await nc.srv_version
        except Exception as exc:
            return f"Nextcloud's capabilities cannot be read: {_reason(exc)}"
        if "app_api" not in capabilities:
            return "Nextcloud does not announce the app_api capability; enable AppAPI"
        if int(version["major"]) < MIN_NEXTCLOUD_MAJOR:
            return f"Nextcloud {version['string']} is too old; this app needs Nextcloud {MIN_NEXTCLOUD_MAJOR} or later"
        return ""

    async def enabled(self, request: Request) -> JSONResponse:
        value = request.query_params.get("enabled", "")
        if value not in ("0", "1"):
            return JSONResponse({"error": "pass enabled=1 to enable or enabled=0 to disable"})
        enable = value == "1"
        hook = self.on_enable if enable else self.on_disable
        error = ""
        if hook is not None:
            try:
                await hook(self.nextcloud_app())
            except Exception as exc:
                error = f"{'enabling' if enable else 'disabling'} failed: {_reason(exc)}"
                log.error("%s", error)
        if not error:
            log.info("App %s", "enabled" if enable else "disabled")
        return JSONResponse({"error": error})


def _reason(exc: BaseException) -> str:
    """A readable reason without secrets: the exception type and its own message."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
