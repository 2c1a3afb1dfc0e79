"""Flows (the workflowengine app) end to end through the real MCP client: the user creates, reads,
changes and deletes their own flows; every effect is checked on the stand-in's rules or over raw
OCS. Bob, with his own MCP server, neither sees nor changes nor deletes them. Nextcloud's
validation reasons reach the model; with the app disabled a call names it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import NcUser, StandInHandle
from tests.e2e.helpers import call, error_of, own_server, session, unique

pytestmark = pytest.mark.anyio

PDF = "OCA\\WorkflowPDFConverter\\Operation"
FILE = "OCA\\WorkflowEngine\\Entity\\File"
MIME = "OCA\\WorkflowEngine\\Check\\FileMimeType"
NAME = "OCA\\WorkflowEngine\\Check\\FileName"
CREATED, WRITTEN = "\\OCP\\Files::postCreate", "\\OCP\\Files::postWrite"
DOCX = {"check": MIME, "operator": "is", "value": "application/msword"}
TOOLS = {"nc_flows_list", "nc_flows_get", "nc_flows_create", "nc_flows_update", "nc_flows_delete"}


def engine(user: NcUser) -> Any:
    return user.standin.app.services["workflowengine"]


@pytest.fixture(autouse=True)
def none_left(nc_user: NcUser) -> None:
    engine(nc_user).forget_user(nc_user.id)


@pytest.fixture(scope="module")
def bob(standin: StandInHandle) -> NcUser:
    return standin.add_user("uflows-bob", "pw-uflows-bob")


@pytest.fixture(scope="module")
def bob_url(bob: NcUser) -> Iterator[str]:
    with own_server(bob) as url:
        yield url


async def to_pdf(mcp: Any, name: str = "Docs to PDF") -> dict[str, Any]:
    return await call(mcp, "nc_flows_create", name=name, operation_class=PDF, checks=[DOCX], events=[CREATED],
                      operation="keep;preserve")  # fmt: skip


def raw_flows(user: NcUser) -> Any:
    with user.raw() as raw:
        response = raw.get("/ocs/v2.php/apps/workflowengine/api/v1/workflows/user",
                           headers={"OCS-APIRequest": "true", "Accept": "application/json"})  # fmt: skip
    assert response.status_code == 200, response.text
    return response.json()["ocs"]["data"]


async def test_create_read_and_list_a_flow(mcp: Any, nc_user: NcUser) -> None:
    assert (await call(mcp, "nc_flows_list"))["items"] == []
    name = unique("Docs to PDF")
    made = await call(mcp, "nc_flows_create", name=name, operation_class=PDF, events=[CREATED, WRITTEN],
                      checks=[DOCX, {"check": NAME, "operator": "matches", "value": "/^report/i"}, DOCX],
                      operation="keep;preserve")  # fmt: skip
    assert (made["name"], made["operation_class"], made["entity"], made["operation"]) == (
        name, PDF, FILE, "keep;preserve",
    )  # fmt: skip
    assert made["events"] == [CREATED, WRITTEN]
    assert made["checks"] == [DOCX, {"check": NAME, "operator": "matches", "value": "/^report/i"}]  # one row each
    [stored] = engine(nc_user).of(nc_user.id)
    assert (stored.id, stored.name, stored.cls, stored.events) == (made["id"], name, PDF, [CREATED, WRITTEN])
    assert [rule["id"] for rule in raw_flows(nc_user)[PDF]] == [made["id"]]
    assert await call(mcp, "nc_flows_get", flow_id=made["id"]) == made
    listed = await call(mcp, "nc_flows_list")
    assert listed["items"] == [made]
    assert listed["page"] == {"total": 1, "offset": 0, "next_offset": None}


async def test_update_changes_what_is_given_and_keeps_the_rest(mcp: Any, nc_user: NcUser) -> None:
    made = await to_pdf(mcp)
    renamed = await call(mcp, "nc_flows_update", flow_id=made["id"], name="Renamed")
    assert {**made, "name": "Renamed"} == renamed
    by_name = [{"check": NAME, "operator": "is", "value": "a.docx"}]
    rechecked = await call(mcp, "nc_flows_update", flow_id=made["id"], events=[WRITTEN], checks=by_name,
                           operation="keep;overwrite")  # fmt: skip
    assert (rechecked["events"], rechecked["operation"], rechecked["name"]) == ([WRITTEN], "keep;overwrite", "Renamed")
    assert rechecked["checks"] == [{"check": NAME, "operator": "is", "value": "a.docx"}]
    [stored] = engine(nc_user).of(nc_user.id)
    assert (stored.name, stored.events, stored.operation) == ("Renamed", [WRITTEN], "keep;overwrite")
    assert [engine(nc_user).checks[c]["value"] for c in stored.check_ids] == ["a.docx"]


async def test_delete_a_flow(mcp: Any, nc_user: NcUser) -> None:
    keep, drop = await to_pdf(mcp, "keep"), await to_pdf(mcp, "drop")
    gone = await call(mcp, "nc_flows_delete", flow_id=drop["id"])
    assert str(drop["id"]) in gone["message"]
    assert [r.id for r in engine(nc_user).of(nc_user.id)] == [keep["id"]]
    assert "does not exist" in await error_of(mcp, "nc_flows_delete", flow_id=drop["id"])


async def test_nextcloud_reasons_and_bad_inputs_say_what_to_do(mcp: Any, nc_user: NcUser) -> None:
    made = await to_pdf(mcp)
    operator = await error_of(mcp, "nc_flows_create", name="x", operation_class=PDF, events=[CREATED],
                              checks=[{**DOCX, "operator": "less"}])  # fmt: skip
    assert "The given operator is invalid" in operator
    assert "refused it for the reason it gives" in operator
    regex = await error_of(mcp, "nc_flows_create", name="x", operation_class=PDF, events=[CREATED],
                           checks=[{"check": NAME, "operator": "matches", "value": "no delimiters"}])  # fmt: skip
    assert "The given regular expression is invalid" in regex
    admin_only = "OCA\\FilesAutomatedTagging\\Operation"
    refused = await error_of(mcp, "nc_flows_create", name="x", operation_class=admin_only, events=[CREATED],
                             checks=[DOCX])  # fmt: skip
    assert f"Operation {admin_only} is invalid" in refused
    event = await error_of(mcp, "nc_flows_create", name="x", operation_class=PDF, events=["nope"], checks=[DOCX])
    assert f"Entity {FILE} has no event nope" in event
    assert "No events are chosen." in await error_of(
        mcp, "nc_flows_create", name="x", operation_class=PDF, events=[], checks=[DOCX]
    )
    unknown = await error_of(mcp, "nc_flows_create", name="x", operation_class="OCA\\Nope\\Operation",
                             events=[CREATED], checks=[DOCX])  # fmt: skip
    assert "'operation_class/entity/checks'" in unknown
    assert "check the class names" in unknown
    assert "checks" in await error_of(mcp, "nc_flows_create", name="x", operation_class=PDF, events=[CREATED],
                                      checks=[])  # fmt: skip
    assert "'operation_class'" in await error_of(mcp, "nc_flows_create", name="x", operation_class=" ",
                                                 events=[CREATED], checks=[DOCX])  # fmt: skip
    assert "at least one" in await error_of(mcp, "nc_flows_update", flow_id=made["id"])
    bad_update = await error_of(mcp, "nc_flows_update", flow_id=made["id"], checks=[{**DOCX, "operator": "less"}])
    assert "The given operator is invalid" in bad_update
    assert "flow 999999" in await error_of(mcp, "nc_flows_get", flow_id=999999)
    assert "flow 999999" in await error_of(mcp, "nc_flows_update", flow_id=999999, name="x")
    assert [(r.id, r.name) for r in engine(nc_user).of(nc_user.id)] == [(made["id"], made["name"])]


async def test_bob_neither_sees_nor_changes_nor_deletes_my_flow(
    mcp: Any, nc_user: NcUser, bob: NcUser, bob_url: str
) -> None:
    mine = await to_pdf(mcp)
    async with session(bob_url) as bobs:
        assert (await call(bobs, "nc_flows_list"))["items"] == []
        assert "does not exist" in await error_of(bobs, "nc_flows_get", flow_id=mine["id"])
        assert "does not exist" in await error_of(bobs, "nc_flows_update", flow_id=mine["id"], name="Bob's")
        deleting = await error_of(bobs, "nc_flows_delete", flow_id=mine["id"])
        assert f"flow {mine['id']}" in deleting
        assert "does not exist" in deleting
        own = await to_pdf(bobs, "Bob's")
    assert [(r.id, r.name) for r in engine(nc_user).of(nc_user.id)] == [(mine["id"], mine["name"])]
    assert [r.id for r in engine(bob).of(bob.id)] == [own["id"]]
    assert [f["id"] for f in (await call(mcp, "nc_flows_list"))["items"]] == [mine["id"]]
    engine(bob).forget_user(bob.id)


async def test_without_the_app_a_call_names_it(mcp: Any, nc_user: NcUser) -> None:
    """The app shows no capabilities, so its tools stay listed; a call says the app is missing."""
    made = await to_pdf(mcp)
    assert {tool.name for tool in (await mcp.list_tools()).tools} >= TOOLS
    nc_user.standin.app.set_app_enabled(nc_user.id, "workflowengine", False)
    try:
        messages = [await error_of(mcp, "nc_flows_list"), await error_of(mcp, "nc_flows_delete", flow_id=made["id"])]
    finally:
        nc_user.standin.app.set_app_enabled(nc_user.id, "workflowengine", True)
    for message in messages:
        assert "needs the Nextcloud app 'Flow' (workflowengine), which is not installed or not enabled" in message
    assert [r.id for r in engine(nc_user).of(nc_user.id)] == [made["id"]]
