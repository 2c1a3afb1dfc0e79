"""`nextcloud-mcp-server webhooks register|list|unregister`: standalone mode registers its own webhooks.

Why here: in ExApp mode AppAPI's nc_py_api registers webhooks for the app; standalone, an admin
runs this once. Each registration goes to Nextcloud's webhook_listeners with the admin
credentials of NEXTCLOUD_USERNAME/NEXTCLOUD_PASSWORD (through the one HTTP client factory), asks
Nextcloud to send WEBHOOK_SECRET in the X-Webhook-Secret header, and is recorded in the store's
webhook registrations table, the same table the ExApp uses.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nextcloud_mcp_server.config import Settings


def add_parser(commands: Any) -> None:
    hooks = commands.add_parser("webhooks", help="register this server's webhooks with Nextcloud (admin)")
    actions = hooks.add_subparsers(dest="webhooks_command", metavar="ACTION", required=True)
    register = actions.add_parser("register", help="register the webhooks (skips ones already registered)")
    register.add_argument("--uri", help="receiver URL (default: NEXTCLOUD_MCP_SERVER_URL + /webhooks/nextcloud)")
    register.add_argument("--event", action="append", help="an event class (repeatable; default: files + calendar)")
    actions.add_parser("list", help="list the webhooks registered in Nextcloud for this server")
    unregister = actions.add_parser("unregister", help="remove this server's webhooks from Nextcloud")
    unregister.add_argument("--uri", help="receiver URL (default: NEXTCLOUD_MCP_SERVER_URL + /webhooks/nextcloud)")


def run(args: argparse.Namespace) -> int:
    import anyio

    from nextcloud_mcp_server.config import ConfigError, load_settings
    from nextcloud_mcp_server.nextcloud.errors import NextcloudError
    from nextcloud_mcp_server.store import StoreError
    from nextcloud_mcp_server.webhooks.receiver import PATH

    try:
        settings = load_settings(serving=True)
    except ConfigError as exc:
        print(f"webhooks: {exc}", file=sys.stderr)
        return 2
    uri = getattr(args, "uri", None) or (settings.public_url.rstrip("/") + PATH if settings.public_url else None)
    if uri is None:
        print("webhooks: set NEXTCLOUD_MCP_SERVER_URL (or pass --uri): where Nextcloud sends", file=sys.stderr)
        return 2
    if args.webhooks_command == "register" and settings.webhook_secret is None:
        print("webhooks: set WEBHOOK_SECRET; Nextcloud sends it with every delivery", file=sys.stderr)
        return 2
    try:
        return anyio.run(_run, settings, args, uri)
    except NextcloudError as exc:
        print(f"webhooks: Nextcloud refused: {exc} (the account must be a Nextcloud admin)", file=sys.stderr)
        return 1
    except StoreError as exc:
        print(f"webhooks: {exc}", file=sys.stderr)
        return 1


async def _run(settings: Settings, args: argparse.Namespace, uri: str) -> int:
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient
    from nextcloud_mcp_server.nextcloud.webhook_listeners import WebhookListenersAPI
    from nextcloud_mcp_server.store import Store
    from nextcloud_mcp_server.webhooks.events import DEFAULT_EVENTS
    from nextcloud_mcp_server.webhooks.receiver import SECRET_HEADER

    client = NextcloudClient.with_app_password(settings)
    api = WebhookListenersAPI(client)
    try:
        async with Store(settings) as store:
            existing = await api.list(uri=uri)
            if args.webhooks_command == "list":
                recorded = {r.nextcloud_id for r in await store.webhooks.list(limit=500)}
                for info in existing:
                    mark = "recorded" if info.id in recorded else "not in the store"
                    print(f"{info.id}\t{info.event}\t{info.uri}\t{mark}")
                if not existing:
                    print(f"No webhooks point at {uri}.")
                return 0
            if args.webhooks_command == "register":
                assert settings.webhook_secret is not None
                present = {info.event for info in existing}
                for event in args.event or DEFAULT_EVENTS:
                    if event in present:
                        print(f"already registered: {event}")
                        continue
                    headers = {SECRET_HEADER: settings.webhook_secret.get_secret_value()}
                    info = await api.register(uri=uri, event=event, auth_headers=headers)
                    await store.webhooks.add(
                        info.id, event=event, uri=uri, owner_mode="app", user_id=settings.nextcloud_username
                    )
                    print(f"registered {info.id}: {event}")
                return 0
            for info in existing:
                await api.delete(info.id)
                await store.webhooks.delete(info.id)
                print(f"unregistered {info.id}: {info.event}")
            return 0
    finally:
        await client.aclose()
