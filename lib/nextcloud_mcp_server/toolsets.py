"""Which toolsets a server offers, and how a connection narrows them.

Why: every MCP client sends each listed tool's name, description and schema to its model at the
start of every session, so a server offers only the toolsets it was asked for
(`NEXTCLOUD_MCP_TOOLSETS` / `--toolsets`: names, `default`, `all`), and a client may narrow that
further for its own connection (`/mcp/x/notes,files` or an `X-MCP-Toolsets` header) but never
widen it. The choice is applied by `ToolsetRule` in the one offer filter, so a tool outside the
selection is neither listed nor callable.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from nextcloud_mcp_server.config import ConfigError

if TYPE_CHECKING:
    from mcp.server.context import ServerRequestContext
    from starlette.types import ASGIApp, Receive, Scope, Send

    from nextcloud_mcp_server.offer import Check, Item
    from nextcloud_mcp_server.registry import Registry

DEFAULT, ALL = "default", "all"
PATH_PREFIX = "/mcp/x/"
HEADER = b"x-mcp-toolsets"
SCOPE_KEY = "nextcloud_mcp.toolsets"
"""Where the connection's own selection is kept on the ASGI scope (None: the server's whole offer)."""


class UnknownToolset(ValueError):
    """A selection names a toolset this server does not have; the message lists the known ones."""


def select(names: Iterable[str], registry: Registry) -> frozenset[str]:
    """The toolsets a selection names: toolset names, `default` (those marked so) and `all`."""
    chosen: set[str] = set()
    for raw in names:
        name = raw.strip().lower()
        if name == ALL:
            chosen |= set(registry.toolsets)
        elif name == DEFAULT:
            chosen |= registry.default_toolsets()
        elif name in registry.toolsets:
            chosen.add(name)
        elif name:
            known = ", ".join(sorted(registry.toolsets))
            raise UnknownToolset(f"unknown toolset '{raw.strip()}'; known: {known} (or '{DEFAULT}', '{ALL}')")
    return frozenset(chosen)


def offered_by(settings_toolsets: Iterable[str], registry: Registry) -> frozenset[str]:
    """The server's own selection, or a configuration error naming NEXTCLOUD_MCP_TOOLSETS."""
    try:
        return select(settings_toolsets, registry)
    except UnknownToolset as exc:
        raise ConfigError([f"NEXTCLOUD_MCP_TOOLSETS (--toolsets): {exc}"]) from None


def _split(value: str) -> list[str]:
    return [part for part in value.split(",") if part.strip()]


class ConnectionToolsets:
    """ASGI middleware before the MCP app: reads a connection's narrowing from its URL and header.

    `/mcp/x/<names>` is served as `/mcp` with the selection kept on the scope; an `X-MCP-Toolsets`
    header narrows the same way (both given: what both name). An unknown name is a 400 naming the
    known ones, so a typo is not silently an empty tool list.
    """

    def __init__(self, app: ASGIApp, registry: Registry) -> None:
        self.app = app
        self.registry = registry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        selections: list[list[str]] = []
        path = scope.get("path", "")
        if path.startswith(PATH_PREFIX):
            selections.append(_split(unquote(path[len(PATH_PREFIX) :].strip("/"))))
            scope = {**scope, "path": "/mcp", "raw_path": b"/mcp"}
        header = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == HEADER), None)
        if header is not None:
            selections.append(_split(header))
        if selections:
            try:
                chosen = [select(names, self.registry) for names in selections]
            except UnknownToolset as exc:
                await _bad_request(send, str(exc))
                return
            scope[SCOPE_KEY] = frozenset.intersection(*chosen)
        await self.app(scope, receive, send)


async def _bad_request(send: Send, message: str) -> None:
    body = json.dumps({"error": "unknown_toolset", "error_description": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def connection_toolsets(request: ServerRequestContext[Any, Any]) -> frozenset[str] | None:
    """The toolsets this request's connection chose (None: it did not narrow the server's offer)."""
    scope = getattr(request.request, "scope", None)
    chosen = scope.get(SCOPE_KEY) if isinstance(scope, Mapping) else None
    return chosen if isinstance(chosen, frozenset) else None


class ToolsetRule:
    """An `offer.Rule`: only the server's toolsets, narrowed by the connection's choice, are offered."""

    def __init__(self, offered: frozenset[str]) -> None:
        self.offered = offered

    async def check(self, request: ServerRequestContext[Any, Any]) -> Check:
        narrowed = connection_toolsets(request)

        def check(item: Item) -> str | None:
            toolset = item.toolset
            if toolset is None:
                return None
            if toolset not in self.offered:
                return (
                    f"belongs to the toolset '{toolset}', which this server does not offer "
                    "(NEXTCLOUD_MCP_TOOLSETS / --toolsets selects them)"
                )
            if narrowed is not None and toolset not in narrowed:
                return (
                    f"belongs to the toolset '{toolset}', which this connection left out "
                    "(its /mcp/x/<toolsets> URL or X-MCP-Toolsets header)"
                )
            return None

        return check
