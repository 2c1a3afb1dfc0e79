"""Which toolsets a session has: the server's start set, a connection's narrowing, and discovery.

Why: every MCP client sends each listed tool's name, description and schema to its model at the
start of every session, so a session starts with only the toolsets the server was asked for
(`NEXTCLOUD_MCP_TOOLSETS` / `--toolsets`: names, `default`, `all`), which a client may narrow for
its own connection (`/mcp/x/notes,files` or an `X-MCP-Toolsets` header) but never widen. With
dynamic discovery on (`NEXTCLOUD_MCP_DYNAMIC_TOOLSETS`, the default) the model may enable any
other toolset for its session (`nc_toolsets_enable`); off, the start set is all there is. The
choice is applied by `ToolsetRule` in the one offer filter, so a tool outside it is neither
listed nor callable.

A session is the client's MCP session on the 2025 protocol versions. The 2026-07-28 protocol has
no sessions (each request stands alone), so there what a model enabled belongs to its user and
client (by the client's name) in this server process.
"""

from __future__ import annotations

import json
import weakref
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping, Sequence
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


MODERN_CLIENTS = 10_000
"""At most this many (user, client) selections are kept for 2026-07-28 clients (least recently used go)."""


class SessionToolsets:
    """What each session enabled through discovery, beyond its start set."""

    def __init__(self) -> None:
        self._by_connection: weakref.WeakKeyDictionary[Any, frozenset[str]] = weakref.WeakKeyDictionary()
        self._by_client: OrderedDict[Hashable, frozenset[str]] = OrderedDict()

    @staticmethod
    def _key(request: ServerRequestContext[Any, Any]) -> tuple[str, Hashable]:
        from mcp_types.version import MODERN_PROTOCOL_VERSIONS

        from nextcloud_mcp_server.auth.caller import caller_or_none

        if request.protocol_version not in MODERN_PROTOCOL_VERSIONS:
            return "connection", request.session._connection  # the 2025 session (SDK: no public handle)
        caller = caller_or_none()
        params = request.session.client_params
        client = params.client_info.name if params is not None else ""
        return "client", (caller.user if caller is not None else "", client)

    def enabled(self, request: ServerRequestContext[Any, Any]) -> frozenset[str]:
        kind, key = self._key(request)
        if kind == "connection":
            return self._by_connection.get(key, frozenset())
        chosen = self._by_client.get(key, frozenset())
        if chosen:
            self._by_client.move_to_end(key)
        return chosen

    def enable(self, request: ServerRequestContext[Any, Any], names: Iterable[str]) -> frozenset[str]:
        """Add `names` to what this session enabled; everything it enabled so far."""
        kind, key = self._key(request)
        chosen = self.enabled(request) | frozenset(names)
        if kind == "connection":
            self._by_connection[key] = chosen
        else:
            self._by_client[key] = chosen
            self._by_client.move_to_end(key)
            while len(self._by_client) > MODERN_CLIENTS:
                self._by_client.popitem(last=False)
        return chosen


class ToolsetRule:
    """An `offer.Rule`: a session is offered its start set (the server's, narrowed by the connection)
    plus what it enabled through discovery; without discovery, only the start set."""

    def __init__(self, names: Iterable[str], registry: Registry, *, dynamic: bool) -> None:
        self._names = list(names)
        self.registry = registry
        self.dynamic = dynamic
        self.sessions = SessionToolsets()
        self._start: frozenset[str] | None = None

    @property
    def start(self) -> frozenset[str]:
        """The server's start set (checked once the tools are registered: `validate`)."""
        if self._start is None:
            self._start = offered_by(self._names, self.registry)
        return self._start

    def validate(self) -> None:
        """Raise ConfigError now if NEXTCLOUD_MCP_TOOLSETS names an unknown toolset."""
        _ = self.start

    def on(self, request: ServerRequestContext[Any, Any]) -> frozenset[str]:
        """The toolsets this request's session has on."""
        narrowed = connection_toolsets(request)
        start = self.start if narrowed is None else self.start & narrowed
        return start | self.sessions.enabled(request) if self.dynamic else start

    async def check(self, request: ServerRequestContext[Any, Any], items: Sequence[Item]) -> Check:
        on = self.on(request)

        def check(item: Item) -> str | None:
            toolset = item.toolset
            if toolset is None or toolset in on:
                return None
            if self.dynamic:
                return f"belongs to the toolset '{toolset}', which is not enabled; enable it with nc_toolsets_enable"
            return (
                f"belongs to the toolset '{toolset}', which this server or connection does not offer "
                "(NEXTCLOUD_MCP_TOOLSETS, or the connection's /mcp/x/<toolsets> URL or X-MCP-Toolsets header)"
            )

        return check
