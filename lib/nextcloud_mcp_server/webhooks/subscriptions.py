"""Who wants to hear about which resource, on both MCP eras, and telling them.

Why two paths: clients of the 2025 protocol versions call `resources/subscribe` and expect
`notifications/resources/updated` on their session; 2026-07-28 clients open a
`subscriptions/listen` stream and the SDK filters events published on its `SubscriptionBus`.
`ResourceSubscriptions` serves both: it registers the legacy handlers on the MCP server,
remembers each subscribing connection (weakly: a closed connection disappears), and publishes
every change on the bus too.
"""

from __future__ import annotations

import logging
import weakref
from typing import TYPE_CHECKING, Any

from mcp.server.subscriptions import InMemorySubscriptionBus, ResourcesListChanged, ResourceUpdated
from mcp_types import EmptyResult, SubscribeRequestParams, UnsubscribeRequestParams

if TYPE_CHECKING:
    from mcp.server.connection import Connection
    from mcp.server.context import ServerRequestContext
    from mcp.server.mcpserver import MCPServer

log = logging.getLogger(__name__)


class ResourceSubscriptions:
    """Subscriptions of this process's MCP sessions, and the bus for listen streams."""

    def __init__(self) -> None:
        self.bus = InMemorySubscriptionBus()
        self._by_uri: dict[str, weakref.WeakSet[Connection]] = {}

    def install(self, server: MCPServer[Any]) -> None:
        """Serve `resources/subscribe` and `resources/unsubscribe` on `server` (advertises `subscribe`)."""
        # MCPServer has no public hook for these two methods; the lowlevel server's is the SDK's own API.
        lowlevel = server._lowlevel_server
        lowlevel.add_request_handler("resources/subscribe", SubscribeRequestParams, self._subscribe)
        lowlevel.add_request_handler("resources/unsubscribe", UnsubscribeRequestParams, self._unsubscribe)

    @staticmethod
    def _connection(ctx: ServerRequestContext[Any]) -> Connection:
        # The request's ServerSession lives for one request; its Connection for the client's session.
        return ctx.session._connection  # type: ignore[no-any-return]

    async def _subscribe(self, ctx: ServerRequestContext[Any], params: SubscribeRequestParams) -> EmptyResult:
        self._by_uri.setdefault(str(params.uri), weakref.WeakSet()).add(self._connection(ctx))
        return EmptyResult()

    async def _unsubscribe(self, ctx: ServerRequestContext[Any], params: UnsubscribeRequestParams) -> EmptyResult:
        sessions = self._by_uri.get(str(params.uri))
        if sessions is not None:
            sessions.discard(self._connection(ctx))
            if not sessions:
                self._by_uri.pop(str(params.uri), None)
        return EmptyResult()

    def subscribed(self, uri: str) -> int:
        """How many legacy sessions subscribed to `uri` (for tests and diagnostics)."""
        return len(self._by_uri.get(uri, ()))

    async def updated(self, uris: tuple[str, ...] | list[str], *, list_changed: bool = False) -> int:
        """Tell every subscriber that these resources changed; the number of legacy notifications sent."""
        sent = 0
        for uri in dict.fromkeys(uris):
            await self.bus.publish(ResourceUpdated(uri=uri))
            for connection in list(self._by_uri.get(uri, ())):
                try:
                    await connection.send_resource_updated(uri)
                    sent += 1
                except Exception as exc:  # a connection that went away must not stop the others
                    log.debug("Dropping a subscription to %s: %s", uri, type(exc).__name__)
                    self._by_uri.get(uri, weakref.WeakSet()).discard(connection)
        if list_changed:
            await self.bus.publish(ResourcesListChanged())
        return sent
