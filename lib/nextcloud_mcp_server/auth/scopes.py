"""Scope rule inside the MCP session: lists show only what the caller's token may use, and a
`tools/call` or `resources/read` without the needed scope fails with a message naming it.

Why both this and the HTTP gate: the gate answers 403 so that clients can step up; this rule
is what a client sees for tools and resources it cannot use at all (they are not listed), and
it keeps the rule true for any transport path that bypasses the gate's body check. The scopes
come from the server's `Registry`, the same object the gate and the metadata read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nextcloud_mcp_server.auth.caller import caller_or_none

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mcp.server.context import ServerRequestContext

    from nextcloud_mcp_server.offer import Check, Item


def _unlimited(item: Item) -> str | None:
    return None


class ScopeRule:
    """An `offer.Rule`: an OAuth caller is offered only what their token's scopes allow."""

    async def check(self, request: ServerRequestContext[Any, Any], items: Sequence[Item]) -> Check:
        caller = caller_or_none()
        if caller is None or caller.scopes is None:  # not limited by a token
            return _unlimited

        def check(item: Item) -> str | None:
            if caller.may(item.scope):
                return None
            return f"needs the OAuth scope '{item.scope}'; sign in again granting it"

        return check
