"""Log notifications to a session, only at the levels it asked for.

Why: a client sees what the server does for it (how long a call took, why one failed) as MCP
`notifications/message`, and decides how much it wants. On the 2025 protocol versions it says so
with `logging/setLevel` (kept per session here; before it does, `warning` and above are sent); on
2026-07-28 each request opts in with its own `_meta` log level, which the SDK applies. Every tool
call logs its outcome through `log`: its time at `debug`, a failure at `warning`.
"""

from __future__ import annotations

import logging
import warnings
import weakref
from typing import TYPE_CHECKING, Any, get_args

from mcp.shared.exceptions import MCPDeprecationWarning
from mcp_types import EmptyResult, LoggingLevel, SetLevelRequestParams

from nextcloud_mcp_server.auth.caller import current_request

if TYPE_CHECKING:
    from mcp.server.context import ServerRequestContext
    from mcp.server.mcpserver import MCPServer

log = logging.getLogger(__name__)

LEVELS: tuple[LoggingLevel, ...] = get_args(LoggingLevel)
"""Severity ascending (RFC 5424, as the protocol orders them)."""
DEFAULT_LEVEL: LoggingLevel = "warning"
LOGGER = "nextcloud-mcp-server"


class SessionLog:
    """Each 2025 session's chosen level, and sending log notifications that respect it."""

    def __init__(self, default: LoggingLevel = DEFAULT_LEVEL) -> None:
        self.default = default
        self._levels: weakref.WeakKeyDictionary[Any, LoggingLevel] = weakref.WeakKeyDictionary()

    def install(self, server: MCPServer[Any]) -> None:
        """Serve `logging/setLevel` (which also advertises the logging capability)."""
        # MCPServer has no public hook for this method; the lowlevel server's is the SDK's own API.
        server._lowlevel_server.add_request_handler("logging/setLevel", SetLevelRequestParams, self._set_level)

    async def _set_level(self, ctx: ServerRequestContext[Any, Any], params: SetLevelRequestParams) -> EmptyResult:
        self._levels[ctx.session._connection] = params.level
        return EmptyResult()

    def level_of(self, request: ServerRequestContext[Any, Any]) -> LoggingLevel:
        return self._levels.get(request.session._connection, self.default)

    async def log(self, level: LoggingLevel, message: str) -> None:
        """Tell the client of the request being served, if its session (or request) wants this level."""
        from mcp_types.version import MODERN_PROTOCOL_VERSIONS

        request = current_request()
        legacy = request.protocol_version not in MODERN_PROTOCOL_VERSIONS
        if legacy and LEVELS.index(level) < LEVELS.index(self.level_of(request)):
            return
        try:
            with warnings.catch_warnings():  # deprecated by 2026-07-28 (SEP-2577), still the 2025 sessions' way
                warnings.simplefilter("ignore", MCPDeprecationWarning)
                await request.session.send_log_message(level, message, LOGGER, related_request_id=request.request_id)
        except Exception as exc:  # a log line must never fail the call it describes
            log.debug("Could not send a log notification: %s", type(exc).__name__)
