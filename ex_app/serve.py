"""`nextcloud-mcp-server exapp`: serve as an AppAPI external app from AppAPI's environment.

Why uvicorn on a unix socket with HaRP: HaRP (AppAPI's reverse proxy, `HP_SHARED_KEY` set)
reaches the app through its FRP client on `HP_EXAPP_SOCK`; without HaRP AppAPI calls
APP_HOST:APP_PORT directly (the way nc_py_api's `run_app` decides).
"""

from __future__ import annotations

import argparse
import logging
import sys

from nextcloud_mcp_server import PRODUCT


def serve(args: argparse.Namespace) -> int:
    from ex_app.env import ExAppEnv
    from nextcloud_mcp_server.config import ConfigError

    try:
        env = ExAppEnv.from_environ()
        from ex_app.app import build_exapp, exapp_settings

        settings = exapp_settings(env)
    except ConfigError as exc:
        print(f"{PRODUCT} exapp: {exc}", file=sys.stderr)
        return 2
    from nextcloud_mcp_server.logs import configure_logging

    configure_logging(settings.log_level)
    import uvicorn

    host = getattr(args, "host", None) or env.app_host
    port = getattr(args, "port", None) or env.app_port
    app = build_exapp(env, settings, host=host)
    log_level = settings.log_level.lower()
    if env.harp_socket:
        logging.getLogger(PRODUCT).info("HaRP mode: listening on unix socket %s", env.harp_socket)
        uvicorn.run(app, uds=env.harp_socket, log_level=log_level, lifespan="on")
    else:
        uvicorn.run(app, host=host, port=port, log_level=log_level, lifespan="on")
    return 0
