"""Bounded MCP sessions: an idle timeout, a cap per process and a cap per user.

Why: each Streamable HTTP session keeps state in the process (about 38 KB each, measured), and a
client that opens sessions and never closes them would otherwise grow the server without limit.
The SDK's session manager applies the idle timeout and the per-process cap (answering 503 beyond
it); this ASGI middleware adds the per-user cap, so one user (or one runaway client of theirs)
cannot take all the room: a new session beyond it is answered 429 with what to do. The user is
named by the same `identify` the MCP caller middleware uses.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from starlette.requests import Request

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from nextcloud_mcp_server.auth.caller import Identify

SESSION_HEADER = b"mcp-session-id"


class SessionLimits:
    """ASGI middleware in front of the MCP app: at most `per_user` live sessions per user."""

    def __init__(
        self,
        app: ASGIApp,
        identify: Identify,
        open_sessions: Callable[[], Collection[str]],
        *,
        per_user: int,
        idle_timeout: float,
    ) -> None:
        self.app = app
        self.identify = identify
        self.open_sessions = open_sessions
        self.per_user = per_user
        self.idle_timeout = idle_timeout
        self._by_user: dict[str, set[str]] = {}

    def live(self, user: str) -> int:
        """`user`'s sessions still open (ended and expired ones are forgotten here)."""
        mine = self._by_user.get(user)
        if not mine:
            return 0
        mine &= set(self.open_sessions())
        if not mine:
            self._by_user.pop(user, None)
        return len(mine)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        opening = (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and not any(name.lower() == SESSION_HEADER for name, _ in scope.get("headers", []))
        )
        if not opening:
            await self.app(scope, receive, send)
            return
        caller = self.identify(Request(scope))
        user = caller.user if caller is not None else ""
        if self.live(user) >= self.per_user:
            await self._refuse(send, user)
            return

        async def remember(message: Message) -> None:
            if message["type"] == "http.response.start":
                for name, value in message.get("headers", []):
                    if name.lower() == SESSION_HEADER:
                        self._by_user.setdefault(user, set()).add(value.decode("latin-1"))
            await send(message)

        await self.app(scope, receive, remember)

    async def _refuse(self, send: Send, user: str) -> None:
        who = f"user '{user}'" if user else "this server's user"
        text = (
            f"Too many open MCP sessions for {who} ({self.per_user}, MCP_MAX_SESSIONS_PER_USER). "
            f"Close sessions you no longer use (HTTP DELETE with their Mcp-Session-Id), or wait: "
            f"idle sessions end after {self.idle_timeout:g} s (MCP_SESSION_IDLE_TIMEOUT)."
        )
        body = json.dumps({"jsonrpc": "2.0", "id": None, "error": {"code": -32000, "message": text}}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 429, "headers": [*headers, (b"retry-after", b"60")]})
        await send({"type": "http.response.body", "body": body})
