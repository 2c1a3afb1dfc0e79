"""Scope rules inside the MCP session: lists show only what the caller's token may use, and a
`tools/call` or `resources/read` without the needed scope fails with a message naming it.

Why both this and the HTTP gate: the gate answers 403 so that clients can step up; this
layer is what a client sees for tools and resources it cannot use at all (they are not
listed), and it keeps the rule true for any transport path that bypasses the gate's body check.
The scopes come from the server's `Registry`, the same object the gate and the metadata read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nextcloud_mcp_server.auth.caller import caller_or_none
from nextcloud_mcp_server.auth.resource import scope_needed

if TYPE_CHECKING:
    from collections.abc import Callable

    from mcp.server.context import CallNext, HandlerResult, ServerRequestContext

    from nextcloud_mcp_server.registry import Registry

LISTS = {"tools/list": "tools", "resources/list": "resources", "resources/templates/list": "resourceTemplates"}
"""List methods and the key of their items in the (serialized) result."""


def refusal(method: str, text: str) -> Any:
    """How a refused call is answered: a tool error for tools, an MCP error for resource reads."""
    if method == "tools/call":
        from mcp_types import CallToolResult, TextContent

        return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)
    from mcp.shared.exceptions import MCPError
    from mcp_types import INVALID_PARAMS

    raise MCPError(code=INVALID_PARAMS, message=text)


def filter_listed(method: str, result: Any, keep: Callable[[str, dict[str, Any]], bool]) -> Any:
    """`result` of a list method with only the items `keep(kind, item)` accepts (results arrive serialized)."""
    key = LISTS.get(method)
    if key is None or not isinstance(result, dict) or not isinstance(result.get(key), list):
        return result
    return {**result, key: [item for item in result[key] if keep(key, item)]}


def item_scope(registry: Registry, kind: str, item: dict[str, Any]) -> str | None:
    """The scope a listed tool, resource or resource template needs."""
    if kind == "tools":
        return registry.scope_of_tool(str(item.get("name", "")))
    info = registry.resources.get(str(item.get("uriTemplate" if kind == "resourceTemplates" else "uri", "")))
    return info.scope if info is not None else None


class ScopeFilter:
    """MCP server middleware applying the registry's scopes to the OAuth caller of each request."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        caller = caller_or_none()
        if caller is None or caller.scopes is None:  # not limited by a token
            return await call_next(ctx)
        needed, what = scope_needed(self.registry, ctx.method, ctx.params)
        if needed and not caller.may(needed):
            return refusal(
                ctx.method, f"{what[0].upper()}{what[1:]} needs the OAuth scope '{needed}'; sign in again granting it."
            )
        result = await call_next(ctx)
        return filter_listed(ctx.method, result, lambda kind, item: caller.may(item_scope(self.registry, kind, item)))
