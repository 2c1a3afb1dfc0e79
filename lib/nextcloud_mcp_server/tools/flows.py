"""MCP tools for Nextcloud Flow (the workflowengine app): the caller's own flows.

A flow runs an operation (an app's action: convert to PDF, post to a Talk conversation, ...) when
an event happens to an entity (a file created, updated, tagged) and all its checks hold (file name,
MIME type, size, tag, group, ...). Operations, entities and checks are PHP class names provided by
apps; Nextcloud offers no API to list them, so the tools take them as given and Nextcloud validates
them. Names are `nc_flows_*` (neither PyPI package has Flow tools under other names).

Why no toolset requirement: the app shows no capabilities, so gating cannot see it; where it is
not enabled for the caller a call names the missing app (nextcloud/flows.py finds it from the answer).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Self

from pydantic import BaseModel, Field

from nextcloud_mcp_server.registry import Toolset
from nextcloud_mcp_server.tools._base import CREATE, DELETE, READ, UPDATE, Limit, Offset, Paged, invalid
from nextcloud_mcp_server.tools.declare import Nextcloud, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud import flows as api
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

TOOLSET = Toolset(
    "flows",
    "Flows",
    "Nextcloud Flow: your automations (when a file event matches checks, run an app's operation).",
    default=False,
)

FlowId = Annotated[int, Field(ge=1, description="From nc_flows_list.")]
FILE = "OCA\\WorkflowEngine\\Entity\\File"


def _api(nc: NextcloudClient) -> api.FlowsAPI:
    from nextcloud_mcp_server.nextcloud.flows import FlowsAPI

    return nc.api(FlowsAPI)


class CheckItem(BaseModel):
    check: str = Field(description="Check class, e.g. OCA\\WorkflowEngine\\Check\\FileName.")
    operator: str = Field(description="is, !is, matches (a /regex/), less, greater, ...")
    value: str


class FlowItem(BaseModel):
    id: int
    name: str
    operation_class: str
    operation: str = Field(description="The operation's settings.")
    entity: str
    events: list[str]
    checks: list[CheckItem]

    @classmethod
    def of(cls, flow: api.Flow) -> Self:
        return cls(
            id=flow.id, name=flow.name, operation_class=flow.operation_class, operation=flow.operation,
            entity=flow.entity, events=flow.events,
            checks=[CheckItem(check=c.cls, operator=c.operator, value=c.value) for c in flow.checks],
        )  # fmt: skip


class Deleted(BaseModel):
    message: str = Field(description="What happened.")


def _checks(checks: list[CheckItem]) -> list[api.Check]:
    from nextcloud_mcp_server.nextcloud.flows import Check

    for check in checks:
        if not check.check.strip() or not check.operator.strip():
            raise invalid("checks", "each check needs its class and an operator")
    return [Check(cls=c.check.strip(), operator=c.operator.strip(), value=c.value) for c in checks]


def _classname(argument: str, value: str) -> str:
    if not value.strip() or "/" in value:
        raise invalid(argument, "give a PHP class name such as OCA\\WorkflowPDFConverter\\Operation")
    return value.strip()


@tool(TOOLSET, READ, title="List flows")
async def nc_flows_list(nc: Nextcloud, limit: Limit = 50, offset: Offset = 0) -> Paged[FlowItem]:
    """List your flows with their checks, events and operation."""
    return Paged[FlowItem].of([FlowItem.of(f) for f in await _api(nc).all()], offset, limit)


@tool(TOOLSET, READ, title="Get flow")
async def nc_flows_get(nc: Nextcloud, flow_id: FlowId) -> FlowItem:
    """Read one of your flows."""
    return FlowItem.of(await _api(nc).get(flow_id))


Checks = Annotated[list[CheckItem], Field(min_length=1, description="All must hold.")]
Events = Annotated[list[str], Field(description="E.g. \\OCP\\Files::postCreate, ::postWrite, ::postRename.")]


@tool(TOOLSET, CREATE, title="Create flow")
async def nc_flows_create(
    nc: Nextcloud,
    name: str,
    operation_class: Annotated[str, Field(description="E.g. OCA\\WorkflowPDFConverter\\Operation.")],
    checks: Checks,
    events: Events,
    operation: Annotated[str, Field(description="The operation's settings, e.g. 'keep;preserve'.")] = "",
    entity: str = FILE,
) -> FlowItem:
    """Create a flow: on these events, if all checks hold, run the operation."""
    flow = await _api(nc).create(
        _classname("operation_class", operation_class), name, _checks(checks), operation,
        _classname("entity", entity), [e.strip() for e in events if e.strip()],
    )  # fmt: skip
    return FlowItem.of(flow)


@tool(TOOLSET, UPDATE, title="Update flow")
async def nc_flows_update(
    nc: Nextcloud,
    flow_id: FlowId,
    name: str | None = None,
    checks: Annotated[list[CheckItem] | None, Field(min_length=1, description="Replaces all.")] = None,
    events: Annotated[list[str] | None, Field(description="Replaces all.")] = None,
    operation: str | None = None,
) -> FlowItem:
    """Change a flow's name, checks, events or operation settings."""
    if name is None and checks is None and events is None and operation is None:
        raise invalid("name/checks/events/operation", "give at least one of them to change")
    client = _api(nc)
    flow = await client.get(flow_id)
    changed = flow.model_copy(
        update={
            "name": flow.name if name is None else name,
            "checks": flow.checks if checks is None else _checks(checks),
            "events": flow.events if events is None else [e.strip() for e in events if e.strip()],
            "operation": flow.operation if operation is None else operation,
        }
    )
    return FlowItem.of(await client.update(changed))


@tool(TOOLSET, DELETE, title="Delete flow")
async def nc_flows_delete(nc: Nextcloud, flow_id: FlowId) -> Deleted:
    """Delete one of your flows."""
    await _api(nc).delete(flow_id)
    return Deleted(message=f"Flow {flow_id} deleted")
