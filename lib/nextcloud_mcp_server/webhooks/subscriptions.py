"""Who wants to hear about which resource, on both MCP eras, and telling them — each user only of their own.

Why two paths: clients of the 2025 protocol versions call `resources/subscribe` and expect
`notifications/resources/updated` on their session; 2026-07-28 clients open a
`subscriptions/listen` stream and the SDK filters events published on its `SubscriptionBus`.
`ResourceSubscriptions` serves both: it registers the legacy handlers on the MCP server,
remembers each subscribing connection (weakly: a closed connection disappears), and publishes
every change on the bus too.

Why per user: resource URIs are relative to a user's own files (`nc://files/report.txt` is a
different file for alice and for bob), so a subscription is (user, uri), and a listen stream
belongs to the user who opened it. A change is announced to its owner's sessions only, on every
replica (each follows the shared inbox and tells its own sessions).
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import anyio.lowlevel
from mcp.server.subscriptions import ResourcesListChanged, ResourceUpdated
from mcp_types import EmptyResult, SubscribeRequestParams, UnsubscribeRequestParams

from nextcloud_mcp_server.auth.caller import caller_or_none, current_caller

if TYPE_CHECKING:
    from mcp.server.connection import Connection
    from mcp.server.context import ServerRequestContext
    from mcp.server.mcpserver import MCPServer
    from mcp.server.subscriptions import ServerEvent

log = logging.getLogger(__name__)

Listener = Callable[["ServerEvent"], None]


class UserSubscriptionBus:
    """The SDK's `SubscriptionBus`, with each listen stream belonging to the caller who opened it.

    `publish` (the SDK's own server-wide events, such as a changed tool list) reaches every
    stream; `publish_to` reaches only one user's streams. Listeners are called as the SDK's
    in-memory bus calls them: synchronously, isolated from each other.
    """

    def __init__(self) -> None:
        self._listeners: dict[object, tuple[str | None, Listener]] = {}

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Called by the SDK's listen handler inside the request, so the caller is known here."""
        caller = caller_or_none()
        token = object()
        self._listeners[token] = (caller.user if caller is not None else None, listener)

        def unsubscribe() -> None:
            self._listeners.pop(token, None)

        return unsubscribe

    async def publish(self, event: ServerEvent) -> None:
        await self._deliver(event, lambda user: True)

    async def publish_to(self, user: str, event: ServerEvent) -> None:
        await self._deliver(event, lambda owner: owner == user)

    async def _deliver(self, event: ServerEvent, wanted: Callable[[str | None], bool]) -> None:
        for owner, listener in list(self._listeners.values()):
            if not wanted(owner):
                continue
            try:
                listener(event)
            except Exception:  # one bad listener must not starve the others
                log.exception("A subscription listener failed")
        await anyio.lowlevel.checkpoint()

    def streams(self, user: str) -> int:
        """How many listen streams `user` has open (for tests and diagnostics)."""
        return sum(1 for owner, _ in self._listeners.values() if owner == user)


class ResourceSubscriptions:
    """Subscriptions of this process's MCP sessions, per user, and the bus for listen streams."""

    def __init__(self) -> None:
        self.bus = UserSubscriptionBus()
        self._by_key: dict[tuple[str, str], weakref.WeakSet[Connection]] = {}

    def install(self, server: MCPServer[Any]) -> None:
        """Serve `resources/subscribe` and `resources/unsubscribe` on `server` (advertises `subscribe`)."""
        # MCPServer has no public hook for these two methods; the lowlevel server's is the SDK's own API.
        lowlevel = server._lowlevel_server
        lowlevel.add_request_handler("resources/subscribe", SubscribeRequestParams, self._subscribe)
        lowlevel.add_request_handler("resources/unsubscribe", UnsubscribeRequestParams, self._unsubscribe)

    @staticmethod
    def _connection(ctx: ServerRequestContext[Any]) -> Connection:
        # The request's ServerSession lives for one request; its Connection for the client's session.
        return ctx.session._connection

    async def _subscribe(self, ctx: ServerRequestContext[Any], params: SubscribeRequestParams) -> EmptyResult:
        key = (self._user(), str(params.uri))
        self._by_key.setdefault(key, weakref.WeakSet()).add(self._connection(ctx))
        return EmptyResult()

    async def _unsubscribe(self, ctx: ServerRequestContext[Any], params: UnsubscribeRequestParams) -> EmptyResult:
        key = (self._user(), str(params.uri))
        sessions = self._by_key.get(key)
        if sessions is not None:
            sessions.discard(self._connection(ctx))
            if not sessions:
                self._by_key.pop(key, None)
        return EmptyResult()

    @staticmethod
    def _user() -> str:
        """The subscriber: a subscription without a caller would hear nobody's changes, so it is refused."""
        from mcp.shared.exceptions import MCPError
        from mcp_types import INVALID_REQUEST

        from nextcloud_mcp_server.auth.caller import NoCaller

        try:
            return current_caller().user
        except NoCaller as exc:
            raise MCPError(code=INVALID_REQUEST, message=f"Cannot subscribe: {exc}") from None

    def subscribed(self, uri: str, user: str) -> int:
        """How many of `user`'s legacy sessions subscribed to `uri` (for tests and diagnostics)."""
        return len(self._by_key.get((user, uri), ()))

    async def updated(self, owner: str | None, uris: tuple[str, ...] | list[str], *, list_changed: bool = False) -> int:
        """Tell `owner`'s subscribers that these resources changed; the number of legacy notifications sent.

        A change without an owner concerns nobody who could be told safely, so it is announced to no one.
        """
        if owner is None:
            return 0
        sent = 0
        for uri in dict.fromkeys(uris):
            await self.bus.publish_to(owner, ResourceUpdated(uri=uri))
            sessions = self._by_key.get((owner, uri), weakref.WeakSet())
            for connection in list(sessions):
                try:
                    await connection.send_resource_updated(uri)
                    sent += 1
                except Exception as exc:  # a connection that went away must not stop the others
                    log.debug("Dropping a subscription to %s: %s", uri, type(exc).__name__)
                    sessions.discard(connection)
        if list_changed:
            await self.bus.publish_to(owner, ResourcesListChanged())
        return sent
