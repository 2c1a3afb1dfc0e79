"""What a request is offered: one MCP middleware that lists and admits tools and resources by rules.

Why one filter with rules: the OAuth token's scopes, the toolsets the server and the connection
chose, and in app mode the admin's choices each say "not this one" for a reason of their own.
They must agree between `tools/list` and `tools/call` (and the resource lists and reads), and a
refusal must say which rule refused and what to do. Each rule looks at the request once and
answers per item; the filter applies them all, in order, to lists and to calls alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
    from mcp_types import CallToolResult

    from nextcloud_mcp_server.registry import Registry, ResourceInfo, ToolInfo

    Item = ToolInfo | ResourceInfo

Check = Callable[["Item"], "str | None"]
"""Why an item is not offered to this request ("needs the OAuth scope 'x'; ..."), or None when it is."""

LISTS = {"tools/list": "tools", "resources/list": "resources", "resources/templates/list": "resourceTemplates"}
"""List methods and the key of their items in the (serialized) result."""
KEY_OF = {"tools": "name", "resources": "uri", "resourceTemplates": "uriTemplate"}


class Rule(Protocol):
    async def check(self, request: ServerRequestContext[Any, Any], items: Sequence[Item]) -> Check:
        """How this rule judges `items` (those about to be listed or called) for `request`, computed once."""
        ...


def refusal(method: str, text: str) -> CallToolResult:
    """How a refused call is answered: a tool error for tools, an MCP error for resource reads."""
    from mcp_types import CallToolResult, TextContent

    if method == "tools/call":
        return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)
    from mcp.shared.exceptions import MCPError
    from mcp_types import INVALID_PARAMS

    raise MCPError(code=INVALID_PARAMS, message=text)


class OfferFilter:
    """MCP server middleware: lists show, and calls and reads admit, only what every rule offers."""

    def __init__(self, registry: Registry, rules: Sequence[Rule] = (), *, tools_change: bool = False) -> None:
        self.registry = registry
        self.rules = list(rules)
        self.tools_change = tools_change
        """Whether a session's tool list can change (discovery): then `initialize` says so (2025 protocols)."""

    async def refusals(
        self, request: ServerRequestContext[Any, Any], item: Item, *, skip: type | None = None
    ) -> str | None:
        """The first reason a rule (other than one of type `skip`) refuses `item` for `request`, or None."""
        for rule in self.rules:
            if skip is not None and isinstance(rule, skip):
                continue
            if (reason := (await rule.check(request, [item]))(item)) is not None:
                return reason
        return None

    async def _checks(self, request: ServerRequestContext[Any, Any], items: Sequence[Item]) -> list[Check]:
        return [await rule.check(request, items) for rule in self.rules]

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        target = self.registry.target(ctx.method, dict(ctx.params) if ctx.params is not None else None)
        if target is not None and (item := target[2]) is not None:
            what, key = target[0], target[1]
            for check in await self._checks(ctx, [item]):
                if (reason := check(item)) is not None:
                    return refusal(ctx.method, f"The {what} '{key}' {reason}.")
        result = await call_next(ctx)
        if ctx.method == "initialize" and self.tools_change and isinstance(result, dict):
            tools = (result.get("capabilities") or {}).get("tools")
            if isinstance(tools, dict):
                tools["listChanged"] = True
        kind = LISTS.get(ctx.method)
        if kind is None or not isinstance(result, dict) or not isinstance(result.get(kind), list):
            return result
        entries = [(entry, self._item(kind, entry)) for entry in result[kind]]
        checks = await self._checks(ctx, [item for _, item in entries if item is not None])
        kept = [entry for entry, item in entries if item is None or all(check(item) is None for check in checks)]
        return {**result, kind: kept}

    def _item(self, kind: str, entry: Any) -> Item | None:
        key = str(entry.get(KEY_OF[kind], "")) if isinstance(entry, dict) else ""
        return self.registry.tools.get(key) if kind == "tools" else self.registry.resources.get(key)
