"""The Cospend and Flow clients against a scripted transport: how each app's answers become errors
(Cospend's 401 "Insufficient access level" with level 0 or above, its reasons in `ocs.data`, a
missing bill's 400; Flow's 403 out of scope, the router's 404, the uncaught 500), and PHP's empty
arrays (`[]` for no flows, no balances, no transactions)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import make_client
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.nextcloud.cospend import CospendAPI
from nextcloud_mcp_server.nextcloud.errors import (
    AppUnavailable,
    BadRequest,
    Forbidden,
    InvalidInput,
    NotFound,
    Refused,
    ServerError,
)
from nextcloud_mcp_server.nextcloud.flows import Check, FlowsAPI
from nextcloud_mcp_server.tools._base import failure_message

pytestmark = pytest.mark.anyio

BASE = "https://cloud.example.com"
Handler = Callable[[httpx.Request], httpx.Response]


def nc(handler: Handler) -> NextcloudClient:
    settings = Settings(nextcloud_url=BASE, nextcloud_username="me", nextcloud_password="p", nextcloud_retries=0)
    http = make_client(settings, base_url=BASE, auth=httpx.BasicAuth("me", "p"), transport=httpx.MockTransport(handler))
    return NextcloudClient(http, "me", BASE)


def ocs(status: int, data: Any = None, message: str = "") -> httpx.Response:
    ok = 200 <= status < 300
    meta = {"status": "ok" if ok else "failure", "statuscode": status, "message": message or ("OK" if ok else "")}
    return httpx.Response(status, json={"ocs": {"meta": meta, "data": data if data is not None else []}})


def answering(response: httpx.Response, seen: list[httpx.Request] | None = None) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        assert request.headers["OCS-APIRequest"] == "true"
        if seen is not None:
            seen.append(request)
        return response

    return handle


def denied(have: int, need: int) -> httpx.Response:
    return ocs(401, message=f"Insufficient access level - me@trip | getProjectInfo : {have} < {need}")


async def test_cospend_level_zero_is_not_found_and_a_lower_level_forbidden() -> None:
    with pytest.raises(NotFound) as missing:
        await nc(answering(denied(0, 1))).api(CospendAPI).project("trip")
    assert (missing.value.subject, missing.value.status) == ("project 'trip'", 401)
    assert "does not exist" in failure_message(missing.value, "Get Cospend project")
    with pytest.raises(Forbidden) as low:
        await nc(answering(denied(1, 2))).api(CospendAPI).create_bill("trip", {"what": "x"})
    assert low.value.status == 401
    message = failure_message(low.value, "Create Cospend bill")
    assert "you lack permission" in message
    assert "1 < 2" in message
    assert "check the app password" not in message


async def test_cospend_reasons_come_from_the_data_and_a_missing_bill_is_not_found() -> None:
    with pytest.raises(Refused) as taken:
        await (
            nc(answering(ocs(400, {"error": "This project already has this member"})))
            .api(CospendAPI)
            .add_member("trip", {"name": "Ann"})
        )
    assert taken.value.detail == "This project already has this member"
    with pytest.raises(Refused) as field:
        await nc(answering(ocs(400, {"name": "Name can't be empty"}))).api(CospendAPI).edit_project("trip", {})
    assert field.value.detail == "name: Name can't be empty"
    with pytest.raises(NotFound) as bill:
        await nc(answering(ocs(400, {"message": "There is no such bill"}))).api(CospendAPI).edit_bill("trip", 9, {})
    assert bill.value.subject == "bill 9 of project 'trip'"
    with pytest.raises(BadRequest):  # Cospend's bill creation drops its reason: empty data
        await nc(answering(ocs(400, []))).api(CospendAPI).create_bill("trip", {})


async def test_cospend_reads_php_empty_arrays_and_a_null_plan() -> None:
    project = {"id": "t", "name": "T", "balance": [], "categories": [], "paymentmodes": [], "members": []}
    found = await nc(answering(ocs(200, project))).api(CospendAPI).project("t")
    assert (found.balance, found.categories) == ({}, {})
    plan = await nc(answering(ocs(200, {"transactions": None, "balances": []}))).api(CospendAPI).settlement("t", {})
    assert (plan.transactions, plan.balances) == ([], {})
    plan = (
        await nc(
            answering(
                ocs(200, {"transactions": [{"from": 2, "to": 1, "amount": 4.5}], "balances": {"1": 4.5, "2": -4.5}})
            )
        )
        .api(CospendAPI)
        .settlement("t", {})
    )
    assert (plan.transactions[0].from_id, plan.balances) == (2, {1: 4.5, 2: -4.5})


async def test_cospend_checks_a_bills_people_before_sending_it() -> None:
    seen: list[httpx.Request] = []
    members = [{"id": 1, "name": "Ann", "weight": 1, "activated": True, "userid": None}]
    api = nc(answering(ocs(200, members), seen)).api(CospendAPI)
    with pytest.raises(InvalidInput) as payer:
        await api.check_people("trip", 7, [1])
    assert payer.value.argument == "payer_id"
    with pytest.raises(InvalidInput) as owers:
        await api.check_people("trip", 1, [1, 8])
    assert (owers.value.argument, "[8]" in owers.value.problem) == ("ower_ids", True)
    await api.check_people("trip", 1, [1])
    assert {r.method for r in seen} == {"GET"}


RULE = {"id": 4, "class": "OCA\\X\\Operation", "name": "n", "operation": "", "entity": "OCA\\E",
        "events": ["e"], "checks": [{"class": "OCA\\C", "operator": "is", "value": "v"}]}  # fmt: skip


async def test_flows_are_flattened_from_their_groups_and_empty_is_php_s_list() -> None:
    assert await nc(answering(ocs(200, []))).api(FlowsAPI).all() == []
    other = {**RULE, "id": 2, "class": "OCA\\Y\\Operation", "scope_type": 1, "scope_actor_id": "me"}
    flows = (
        await nc(answering(ocs(200, {"OCA\\X\\Operation": [RULE], "OCA\\Y\\Operation": [other]}))).api(FlowsAPI).all()
    )
    assert [(f.id, f.operation_class) for f in flows] == [(2, "OCA\\Y\\Operation"), (4, "OCA\\X\\Operation")]
    assert flows[1].checks == [Check(cls="OCA\\C", operator="is", value="v")]
    with pytest.raises(NotFound) as missing:
        await nc(answering(ocs(200, {"OCA\\X\\Operation": [RULE]}))).api(FlowsAPI).get(5)
    assert missing.value.subject == "flow 5"


async def test_flow_failures() -> None:
    with pytest.raises(NotFound) as scope:
        await nc(answering(ocs(403, message="Target operation not within scope"))).api(FlowsAPI).delete(4)
    assert scope.value.subject == "flow 4"
    with pytest.raises(AppUnavailable) as absent:
        await nc(answering(ocs(404, message="Invalid query, please check the syntax."))).api(FlowsAPI).all()
    assert "needs the Nextcloud app 'Flow' (workflowengine)" in failure_message(absent.value, "List flows")
    with pytest.raises(Refused) as invalid:
        await (
            nc(answering(ocs(400, message="The given operator is invalid")))
            .api(FlowsAPI)
            .create("OCA\\X", "n", [], "", "OCA\\E", ["e"])
        )
    assert invalid.value.detail == "The given operator is invalid"
    with pytest.raises(InvalidInput) as unknown:
        await nc(answering(ocs(500))).api(FlowsAPI).create("OCA\\Nope", "n", [], "", "OCA\\E", ["e"])
    assert unknown.value.argument == "operation_class/entity/checks"
    with pytest.raises(ServerError):
        await nc(answering(ocs(500, message="An internal error occurred"))).api(FlowsAPI).delete(4)


async def test_cospend_unshare_finds_the_share_first_and_a_refusal_is_forbidden() -> None:
    project = {"id": "t", "name": "T", "shares": [{"id": 7, "accesslevel": 3, "type": "u", "userid": "bob"}]}
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "GET":
            return ocs(200, project)
        return ocs(401, {"message": "You are not allowed to remove this shared access"})

    api = nc(handle).api(CospendAPI)
    with pytest.raises(NotFound) as missing:
        await api.unshare("t", "carol")
    assert missing.value.subject == "a share of project 't' with user 'carol'"
    with pytest.raises(Forbidden) as refused:
        await api.unshare("t", "bob")
    assert refused.value.detail == "You are not allowed to remove this shared access"
    assert seen[-1].url.path.endswith("/projects/t/user-share/7")
    assert "check the app password" not in failure_message(refused.value, "Unshare Cospend project")
