"""Per-user NextcloudClients for the multi-user modes (OAuth, AppAPI).

Why bounded: each client holds a connection pool; a server that many users reach would
otherwise keep one per user for ever. The least recently used client is closed first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

import anyio

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

MAX_CLIENTS = 128


class ClientCache:
    """Clients by user id, made by `make(user)` on first use."""

    def __init__(self, make: Callable[[str], NextcloudClient], size: int = MAX_CLIENTS) -> None:
        self._make = make
        self._size = size
        self._clients: OrderedDict[str, NextcloudClient] = OrderedDict()
        self._lock = anyio.Lock()

    async def get(self, user: str) -> NextcloudClient:
        async with self._lock:
            client = self._clients.get(user)
            if client is not None:
                self._clients.move_to_end(user)
                return client
            client = self._clients[user] = self._make(user)
            evicted = self._clients.popitem(last=False)[1] if len(self._clients) > self._size else None
        if evicted is not None:
            await evicted.aclose()
        return client

    async def discard(self, user: str) -> None:
        """Close and forget `user`'s client (e.g. after their grant was revoked)."""
        async with self._lock:
            client = self._clients.pop(user, None)
        if client is not None:
            await client.aclose()

    async def aclose(self) -> None:
        async with self._lock:
            clients, self._clients = list(self._clients.values()), OrderedDict()
        for client in clients:
            await client.aclose()
