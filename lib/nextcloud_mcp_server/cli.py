"""The `nextcloud-mcp-server` command.

Why lazy: `--version` must not pay for the MCP SDK, and each sub-command imports only
what it runs.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from nextcloud_mcp_server import PRODUCT, __version__
from nextcloud_mcp_server.commands import db as db_commands
from nextcloud_mcp_server.commands import webhooks as webhook_commands


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PRODUCT, description="MCP server for Nextcloud.")
    parser.add_argument("--version", action="version", version=f"{PRODUCT} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser("run", help="serve MCP over Streamable HTTP (default) or stdio")
    run.add_argument("--transport", choices=["streamable-http", "stdio"], default="streamable-http")
    run.add_argument("--host", default="127.0.0.1", help="address to listen on (HTTP only; default 127.0.0.1)")
    run.add_argument("--port", type=int, default=8000, help="port to listen on (HTTP only; default 8000)")
    run.add_argument(
        "--toolsets",
        default=None,
        help="toolsets to offer, comma-separated: names, 'default', 'all' (default: NEXTCLOUD_MCP_TOOLSETS or default)",
    )
    db_commands.add_parser(commands)
    webhook_commands.add_parser(commands)
    exapp = commands.add_parser("exapp", help="serve as a Nextcloud AppAPI external app (reads AppAPI's environment)")
    exapp.add_argument("--host", default=None, help="address to listen on (default APP_HOST)")
    exapp.add_argument("--port", type=int, default=None, help="port to listen on (default APP_PORT)")
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        parser.exit(2)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    if args.command == "run":
        return run(args)
    if args.command == "db":
        return db_commands.run(args)
    if args.command == "webhooks":
        return webhook_commands.run(args)
    if args.command == "exapp":
        # The AppAPI face lives in the `ex_app` package, which imports the engine; loading it by
        # name here keeps the engine free of any import of it (tests/unit/test_layering.py).
        from importlib import import_module

        return int(import_module("ex_app.serve").serve(args))
    return 2


def run(args: argparse.Namespace) -> int:
    from nextcloud_mcp_server.config import ConfigError, load_settings

    try:
        overrides = {"toolsets": args.toolsets} if args.toolsets is not None else {}
        settings = load_settings(serving=True, **overrides)
    except ConfigError as exc:
        print(f"{PRODUCT}: {exc}", file=sys.stderr)
        return 2
    from nextcloud_mcp_server.logs import configure_logging

    configure_logging(settings.log_level)
    if args.transport == "stdio":
        return _run_stdio(settings)
    import uvicorn

    from nextcloud_mcp_server.app import build_app

    if settings.store_needed:  # fail fast, naming the database, before anything listens
        from nextcloud_mcp_server.store import StoreError, migrate

        try:
            migrate.upgrade(settings.resolved_database_url())
        except StoreError as exc:
            print(f"{PRODUCT}: {exc}", file=sys.stderr)
            return 1
    try:
        app = build_app(settings, host=args.host, store_migrated=settings.store_needed)
    except ConfigError as exc:  # e.g. an unknown toolset, known only once the tools are registered
        print(f"{PRODUCT}: {exc}", file=sys.stderr)
        return 2
    uvicorn.run(app, host=args.host, port=args.port, log_level=settings.log_level.lower(), lifespan="on")
    return 0


def _run_stdio(settings: object) -> int:
    import anyio

    from nextcloud_mcp_server.app import check_nextcloud
    from nextcloud_mcp_server.auth.app_password import AppPasswordAccess
    from nextcloud_mcp_server.config import ConfigError, Settings
    from nextcloud_mcp_server.server import build_mcp_server

    assert isinstance(settings, Settings)
    access = AppPasswordAccess(settings)
    try:
        server = build_mcp_server(settings, access)
    except ConfigError as exc:
        print(f"{PRODUCT}: {exc}", file=sys.stderr)
        return 2
    log = logging.getLogger(PRODUCT)

    async def serve() -> None:
        async def report_reachability() -> None:
            ok, detail = await check_nextcloud(access)
            if ok:
                log.info("Connected to %s", detail)
            else:
                log.error("Nextcloud is not usable: %s. Tools will fail until it is.", detail)

        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(report_reachability)
                await server.run_stdio_async()
                tg.cancel_scope.cancel()
        finally:
            await access.aclose()

    anyio.run(serve)
    return 0
