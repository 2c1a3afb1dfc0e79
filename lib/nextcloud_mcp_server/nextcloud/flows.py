"""Nextcloud Flow (the workflowengine app): the caller's own flows over OCS `workflowengine/api/v1/workflows/user`.

Why the listing is flattened and searched here: Nextcloud groups the flows by operation class
(`{class: [rule, ...]}`, or `[]` when there are none) and reads one only by its class, so one flow
is found by id in the listing.

Why failures are read here: the app shows no capabilities, so its absence is found from the
answer (Nextcloud's router answers its routes with 404; the app itself never does). Changing or
deleting a flow that is not the caller's, or does not exist, is 403 "Target operation not within
scope": not found, as flows are only ever one's own. Validation failures are 400 with Nextcloud's
reason. An operation, entity or check class that does not exist on this Nextcloud is not caught by
Nextcloud (HTTP 500 with no message); that is reported as a bad argument.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from nextcloud_mcp_server.nextcloud.errors import (
    AppUnavailable,
    BadResponse,
    InvalidInput,
    NextcloudError,
    Refused,
    error_for,
    not_found,
)
from nextcloud_mcp_server.nextcloud.ocs import OCS_HEADERS

if TYPE_CHECKING:
    import httpx

    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

BASE = "/ocs/v2.php/apps/workflowengine/api/v1/workflows/user"
APP, TITLE = "workflowengine", "Flow"
FILE_ENTITY = "OCA\\WorkflowEngine\\Entity\\File"
OUT_OF_SCOPE = "Target operation not within scope"


class Check(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    cls: str
    operator: str
    value: str

    @classmethod
    def of(cls, data: Any) -> Check:
        if not isinstance(data, dict):
            raise BadResponse("a flow's check is not an object")
        return cls(cls=str(data.get("class", "")), operator=str(data.get("operator", "")),
                   value=str(data.get("value", "")))  # fmt: skip

    def body(self) -> dict[str, str]:
        return {"class": self.cls, "operator": self.operator, "value": self.value}


class Flow(BaseModel):
    """A rule as Nextcloud answers it (`class` is the operation class)."""

    model_config = ConfigDict(extra="ignore")

    id: int
    operation_class: str
    name: str
    checks: list[Check]
    operation: str
    entity: str
    events: list[str]

    @field_validator("checks", mode="before")
    @classmethod
    def _checks(cls, value: Any) -> Any:
        return [Check.of(item) for item in value] if isinstance(value, list) else value


def _flow(data: Any) -> Flow:
    if not isinstance(data, dict):
        raise BadResponse("a flow is not an object")
    try:
        return Flow.model_validate({**data, "operation_class": data.get("class"), "events": data.get("events") or []})
    except ValidationError:
        raise BadResponse("a flow is not in the documented shape") from None


class FlowsAPI:
    """The caller's flows (user scope)."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def _call(self, method: str, path: str = "", *, flow_id: int | None = None, json: Any = None) -> Any:
        response: httpx.Response = await self._client.request(
            method, BASE + path, headers=OCS_HEADERS, json=json, ok=(400, 403, 404, 500)
        )
        try:
            body = response.json()
            ocs = body["ocs"]
            message = str(ocs.get("meta", {}).get("message") or "")
        except (ValueError, KeyError, TypeError, AttributeError):
            body, ocs, message = None, None, ""
        if response.is_success:
            if not isinstance(ocs, dict):
                raise BadResponse("not an OCS envelope")
            return ocs.get("data")
        raise self._failure(response.status_code, message, flow_id)

    @staticmethod
    def _failure(status: int, message: str, flow_id: int | None) -> NextcloudError | InvalidInput:
        subject = f"flow {flow_id}" if flow_id is not None else None
        if status == 404:  # the app never answers 404: Nextcloud's router did, the app is not enabled
            return AppUnavailable(APP, TITLE, message)
        if status == 403 and message == OUT_OF_SCOPE:
            return not_found(subject or "flow", message)
        if status == 500 and not message:
            return InvalidInput(
                "operation_class/entity/checks",
                "Nextcloud failed on it (HTTP 500), as it does for a class it does not have; "
                "check the class names (an app providing them may not be installed)",
            )
        error: NextcloudError = (
            Refused(message, status=status) if status in (400, 403) and message else error_for(status, message)
        )
        error.subject = subject
        return error

    async def all(self) -> list[Flow]:
        data = await self._call("GET")
        if data == []:
            return []  # PHP's empty array: no flows
        if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
            raise BadResponse("the flows are not grouped by operation class")
        return sorted((_flow(item) for rules in data.values() for item in rules), key=lambda f: f.id)

    async def get(self, flow_id: int) -> Flow:
        found = next((f for f in await self.all() if f.id == flow_id), None)
        if found is None:
            raise not_found(f"flow {flow_id}")
        return found

    async def create(
        self, operation_class: str, name: str, checks: list[Check], operation: str, entity: str, events: list[str]
    ) -> Flow:
        body = {"class": operation_class, "name": name, "checks": [c.body() for c in checks],
                "operation": operation, "entity": entity, "events": events}  # fmt: skip
        return _flow(await self._call("POST", json=body))

    async def update(self, flow: Flow) -> Flow:
        body = {"name": flow.name, "checks": [c.body() for c in flow.checks], "operation": flow.operation,
                "entity": flow.entity, "events": flow.events}  # fmt: skip
        return _flow(await self._call("PUT", f"/{flow.id}", flow_id=flow.id, json=body))

    async def delete(self, flow_id: int) -> None:
        await self._call("DELETE", f"/{flow_id}", flow_id=flow_id)
