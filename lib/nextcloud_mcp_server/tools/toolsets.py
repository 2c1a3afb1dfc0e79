"""Dynamic toolset discovery: three small tools, always listed, with which a model turns on what it needs.

Why: a session starts with few toolsets so that the model is not handed tools it will not use;
when a task needs another Nextcloud app, the model lists the toolsets (with why one is
unavailable), reads what a toolset holds, and enables it for its session. The server then says
the tool list changed (`notifications/tools/list_changed` on the 2025 protocols, a
`ToolsListChanged` event on the caller's listen streams on 2026-07-28) and the next `tools/list`
has the toolset's tools. Off with NEXTCLOUD_MCP_DYNAMIC_TOOLSETS=false.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from mcp_types import ToolAnnotations
from pydantic import BaseModel, Field

from nextcloud_mcp_server.tools._base import ToolDeps, invalid

if TYPE_CHECKING:
    from mcp.server.context import ServerRequestContext
    from mcp.server.mcpserver import MCPServer

    from nextcloud_mcp_server.offer import OfferFilter
    from nextcloud_mcp_server.toolsets import ToolsetRule

LOOK = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
TURN_ON = LOOK
"""Enabling changes only this session's tool list, nothing in Nextcloud: read-only mode keeps it."""

ToolsetName = Annotated[str, Field(description="e.g. 'calendar'.")]


class ToolsetState(BaseModel):
    name: str
    title: str
    description: str
    enabled: bool = Field(description="Its tools are in this session's tool list.")
    available: bool = Field(description="It can be enabled for this caller.")
    reason: str | None = Field(description="Why it is unavailable (null when available).")


class ToolsetList(BaseModel):
    toolsets: list[ToolsetState]


class ToolSummary(BaseModel):
    name: str
    title: str | None
    description: str | None
    read_only: bool


class ToolsetTools(BaseModel):
    toolset: str
    enabled: bool
    tools: list[ToolSummary]


class EnableResult(BaseModel):
    toolset: str
    enabled: list[str] = Field(description="Every toolset now on for this session.")
    added_tools: list[str] = Field(description="Tools this added to the session's tool list.")
    message: str


def register(server: MCPServer[Any], deps: ToolDeps) -> None:
    """Register the discovery tools (only with NEXTCLOUD_MCP_DYNAMIC_TOOLSETS on)."""
    if not deps.settings.dynamic_toolsets:
        return

    def parts() -> tuple[ServerRequestContext[Any, Any], OfferFilter, ToolsetRule]:
        from nextcloud_mcp_server.auth.caller import current_request

        assert deps.offer is not None
        assert deps.toolsets is not None
        return current_request(), deps.offer, deps.toolsets

    def known(name: str) -> str:
        if name not in deps.registry.toolsets:
            raise invalid("toolset", f"unknown toolset '{name}'; known: {', '.join(sorted(deps.registry.toolsets))}")
        return name

    async def why_unavailable(name: str) -> str | None:
        """Why no tool of the toolset can be used by this caller (scopes, admin, ...), or None."""
        from nextcloud_mcp_server.toolsets import ToolsetRule

        request, offer, _ = parts()
        reasons = [
            await offer.refusals(request, tool, skip=ToolsetRule)
            for tool in deps.registry.tools.values()
            if tool.toolset == name
        ]
        return None if not reasons or None in reasons else reasons[0]

    @deps.tool("nc_toolsets_list", title="List toolsets", annotations=LOOK, scope=None)
    async def nc_toolsets_list() -> ToolsetList:
        """Every toolset, whether it is on for this session, and why one is unavailable; enable one a task needs."""
        request, _, toolsets = parts()
        on = toolsets.on(request)
        states = []
        for name, toolset in deps.registry.toolsets.items():
            reason = await why_unavailable(name)
            states.append(
                ToolsetState(
                    name=name,
                    title=toolset.title,
                    description=toolset.description,
                    enabled=name in on and reason is None,
                    available=reason is None,
                    reason=reason,
                )
            )
        return ToolsetList(toolsets=states)

    @deps.tool("nc_toolsets_describe", title="Describe a toolset", annotations=LOOK, scope=None)
    async def nc_toolsets_describe(toolset: ToolsetName) -> ToolsetTools:
        """The tools a toolset holds, with their descriptions, before enabling it."""
        request, _, toolsets = parts()
        name = known(toolset)
        deps.materialize([name])
        members = {tool.name: tool for tool in deps.registry.tools.values() if tool.toolset == name}
        tools = [
            ToolSummary(name=t.name, title=t.title, description=t.description, read_only=members[t.name].read_only)
            for t in await deps.server.list_tools()
            if t.name in members
        ]
        return ToolsetTools(toolset=name, enabled=name in toolsets.on(request), tools=tools)

    @deps.tool("nc_toolsets_enable", title="Enable a toolset", annotations=TURN_ON, scope=None)
    async def nc_toolsets_enable(toolset: ToolsetName) -> EnableResult:
        """Add a toolset's tools to this session; the tool list changes (list tools again)."""
        from mcp.server.subscriptions import ToolsListChanged
        from mcp_types.version import MODERN_PROTOCOL_VERSIONS

        from nextcloud_mcp_server.auth.caller import caller_or_none

        request, _, toolsets = parts()
        name = known(toolset)
        if (reason := await why_unavailable(name)) is not None:
            raise invalid("toolset", f"'{name}' cannot be enabled for you: its tools {reason}")
        before = toolsets.on(request)
        if name in before:
            return EnableResult(toolset=name, enabled=sorted(before), added_tools=[], message="Already enabled.")
        deps.materialize([name])
        toolsets.sessions.enable(request, {name})
        added = sorted(t.name for t in deps.registry.tools.values() if t.toolset == name)
        if request.protocol_version not in MODERN_PROTOCOL_VERSIONS:  # a 2025 session: tell it directly
            await request.session.send_tool_list_changed()
        elif deps.subscriptions is not None and (caller := caller_or_none()) is not None:
            await deps.subscriptions.bus.publish_to(caller.user, ToolsListChanged())
        message = f"Enabled '{name}': {len(added)} tools added to this session; list the tools again to use them."
        return EnableResult(toolset=name, enabled=sorted(toolsets.on(request)), added_tools=added, message=message)
