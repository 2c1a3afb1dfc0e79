"""Capability gating: what the caller's Nextcloud does not have is not offered.

Why: a Nextcloud without Deck must not list Deck tools, and a tool must not fail with a 404 because
its app is disabled for this user. What a user's Nextcloud has comes from
`/ocs/v2.php/cloud/capabilities`, asked as that user (an app restricted to some groups contributes
nothing for the others), cached per user for `CAPABILITIES_TTL` seconds with one request per user per
window however many calls arrive at once. A toolset (or a single tool) states what it needs as a
`Requirement`: an app's capabilities, optionally a minimum version or a named feature. When the
answer for a user changes, the user's sessions are told their tool list changed.

When the capabilities cannot be read (the user has not granted this server access yet, Nextcloud
is unreachable) nothing is gated: the tool itself then says what is wrong.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio

from nextcloud_mcp_server.auth.caller import caller_or_none

if TYPE_CHECKING:
    from mcp.server.context import ServerRequestContext

    from nextcloud_mcp_server.auth.caller import Caller
    from nextcloud_mcp_server.offer import Check, Item
    from nextcloud_mcp_server.registry import Registry, Requirement

log = logging.getLogger(__name__)

Capabilities = dict[str, Any]
"""The `capabilities` object of the OCS answer: app id -> that app's capabilities."""


class ToolListListeners:
    """Who to tell that a user's tool list changed: their 2025 sessions that listed tools, and their listen streams."""

    def __init__(self, publish_to: Callable[[str, Any], Awaitable[None]] | None) -> None:
        self.publish_to = publish_to
        self._by_user: dict[str, weakref.WeakSet[Any]] = {}

    def saw(self, user: str, request: ServerRequestContext[Any, Any]) -> None:
        from mcp_types.version import MODERN_PROTOCOL_VERSIONS

        if request.method == "tools/list" and request.protocol_version not in MODERN_PROTOCOL_VERSIONS:
            self._by_user.setdefault(user, weakref.WeakSet()).add(request.session._connection)

    async def tell(self, user: str) -> None:
        from mcp.server.subscriptions import ToolsListChanged

        for connection in list(self._by_user.get(user, ())):
            try:
                await connection.send_tool_list_changed()
            except Exception as exc:  # a session that went away must not stop the others
                log.debug("Could not tell a session its tools changed: %s", type(exc).__name__)
        if self.publish_to is not None:
            await self.publish_to(user, ToolsListChanged())


@dataclass
class _Entry:
    at: float
    capabilities: Capabilities | None
    missing: frozenset[str]


class CapabilityCache:
    """Each user's capabilities, fetched at most once per `ttl` seconds (concurrent askers share one fetch)."""

    def __init__(self, fetch: Callable[[Caller], Awaitable[Capabilities | None]], ttl: float) -> None:
        self.fetch = fetch
        self.ttl = ttl
        self._entries: dict[str, _Entry] = {}
        self._locks: weakref.WeakValueDictionary[str, anyio.Lock] = weakref.WeakValueDictionary()

    def _fresh(self, user: str) -> _Entry | None:
        entry = self._entries.get(user)
        return entry if entry is not None and time.monotonic() - entry.at < self.ttl else None

    async def get(self, caller: Caller) -> tuple[_Entry | None, _Entry]:
        """(the previous entry, the current one) for `caller`; fetched when the window has passed."""
        if (entry := self._fresh(caller.user)) is not None:
            return entry, entry
        lock = self._locks.get(caller.user)
        if lock is None:
            lock = self._locks.setdefault(caller.user, anyio.Lock())
        async with lock:
            if (entry := self._fresh(caller.user)) is not None:  # another caller fetched while we waited
                return entry, entry
            previous = self._entries.get(caller.user)
            entry = _Entry(time.monotonic(), await self.fetch(caller), frozenset())
            self._entries[caller.user] = entry
            return previous, entry


class CapabilityRule:
    """An `offer.Rule`: a toolset or tool whose requirement the caller's Nextcloud does not meet is not offered."""

    def __init__(
        self,
        registry: Registry,
        cache: CapabilityCache,
        *,
        listeners: ToolListListeners,
    ) -> None:
        self.registry = registry
        self.cache = cache
        self.listeners = listeners

    def requirements(self, item: Item) -> list[Requirement]:
        """The item's toolset's requirement, and a tool's own."""
        found = []
        toolset = self.registry.toolsets.get(item.toolset) if item.toolset is not None else None
        if toolset is not None and toolset.requires is not None:
            found.append(toolset.requires)
        if (own := getattr(item, "requires", None)) is not None:
            found.append(own)
        return found

    def _missing(self, capabilities: Capabilities | None) -> frozenset[str]:
        """The toolsets whose own requirement is unmet (what a change of capabilities is judged by)."""
        if capabilities is None:
            return frozenset()
        return frozenset(
            name
            for name, toolset in self.registry.toolsets.items()
            if toolset.requires is not None and toolset.requires.unmet(capabilities) is not None
        )

    async def check(self, request: ServerRequestContext[Any, Any], items: Sequence[Item]) -> Check:
        caller = caller_or_none()
        if caller is None or not any(self.requirements(item) for item in items):  # nothing to ask Nextcloud
            return _ungated
        self.listeners.saw(caller.user, request)
        previous, entry = await self.cache.get(caller)
        if previous is not entry:
            entry.missing = self._missing(entry.capabilities)
            if previous is not None and previous.missing != entry.missing:
                await self.listeners.tell(caller.user)
        capabilities = entry.capabilities
        if capabilities is None:
            return _ungated

        def check(item: Item) -> str | None:
            for requirement in self.requirements(item):
                if (reason := requirement.unmet(capabilities)) is not None:
                    return reason
            return None

        return check


def _ungated(item: Item) -> str | None:
    return None
