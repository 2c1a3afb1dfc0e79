"""Scope rules inside the MCP session: `tools/list` shows only what the token may call,
and a `tools/call` without the tool's scope fails with a tool error naming it.

Why both this and the HTTP gate: the gate answers 403 so that clients can step up; this
layer is what a client sees for tools it cannot call at all (they are not listed), and
it keeps the rule true for any transport path that bypasses the gate's body check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from nextcloud_mcp_server.auth.resource import CALLER_KEY

if TYPE_CHECKING:
    from mcp.server.context import CallNext, HandlerResult, ServerRequestContext

    from nextcloud_mcp_server.auth.verifier import Caller


def caller_of(request: Any) -> Caller | None:
    """The verified caller the bearer gate attached to this HTTP request, if any."""
    scope = getattr(request, "scope", None)
    return scope.get(CALLER_KEY) if isinstance(scope, Mapping) else None


class ScopeFilter:
    """MCP server middleware applying each tool's scope (TOOL_SCOPES) to the verified caller."""

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        from nextcloud_mcp_server.tools._base import TOOL_SCOPES

        caller = caller_of(ctx.request)
        if caller is None:
            return await call_next(ctx)
        if ctx.method == "tools/call" and ctx.params is not None:
            name = ctx.params.get("name")
            needed = TOOL_SCOPES.get(name) if isinstance(name, str) else None
            if needed and not caller.may(needed):
                text = f"The tool '{name}' needs the OAuth scope '{needed}'; sign in again granting it."
                return {"content": [{"type": "text", "text": text}], "isError": True}
        result = await call_next(ctx)
        if ctx.method != "tools/list":
            return result

        def allowed(tool: Any) -> bool:
            name = tool.get("name") if isinstance(tool, Mapping) else getattr(tool, "name", None)
            needed = TOOL_SCOPES.get(name) if isinstance(name, str) else None
            return needed is None or caller.may(needed)

        if isinstance(result, Mapping):
            return {**result, "tools": [t for t in result.get("tools", []) if allowed(t)]}
        if result is not None and hasattr(result, "tools"):
            return result.model_copy(update={"tools": [t for t in result.tools if allowed(t)]})
        return result
