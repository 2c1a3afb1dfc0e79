"""The Shopping List client against a scripted transport: how the app's answers become errors (its
own 404 and 403s, the router's 404 where the app is missing), adding items one by one with the
count of those added before a failure, and reading an item from its list before changing it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import make_client
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.nextcloud.errors import AppUnavailable, Forbidden, NotFound, Refused
from nextcloud_mcp_server.nextcloud.shopping_list import NewItem, ShoppingListAPI
from nextcloud_mcp_server.tools._base import failure_message

pytestmark = pytest.mark.anyio

BASE = "https://cloud.example.com"
API = "/ocs/v2.php/apps/shopping_list/api/v1"
Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler) -> ShoppingListAPI:
    settings = Settings(nextcloud_url=BASE, nextcloud_username="me", nextcloud_password="p", nextcloud_retries=0)
    http = make_client(settings, base_url=BASE, auth=httpx.BasicAuth("me", "p"), transport=httpx.MockTransport(handler))
    return NextcloudClient(http, "me", BASE).api(ShoppingListAPI)


def ocs(status: int, data: Any = None, message: str = "") -> httpx.Response:
    """An OCS v2 answer; an app failure is `data: {"message": ...}` with an empty meta message."""
    ok = 200 <= status < 300
    meta = {"status": "ok" if ok else "failure", "statuscode": status, "message": message or ("OK" if ok else "")}
    return httpx.Response(status, json={"ocs": {"meta": meta, "data": data}})


def a_list(list_id: int = 3) -> dict[str, Any]:
    return {"id": list_id, "userId": "me", "title": "Groceries", "permission": 1, "isOwner": True}


def an_item(item_id: int, name: str, list_id: int = 3, checked: bool = False) -> dict[str, Any]:
    return {"id": item_id, "listId": list_id, "name": name, "quantity": "1", "checked": checked, "tags": []}


def script(answers: dict[tuple[str, str], Any], seen: list[str]) -> Handler:
    """Answers by (method, path under the API); a list of answers is used in turn."""

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix(API)
        seen.append(f"{request.method} {path} {request.content.decode()}".strip())
        assert request.headers["OCS-APIRequest"] == "true"
        answer = answers[(request.method, path)]
        return answer.pop(0) if isinstance(answer, list) else answer

    return handle


async def test_the_apps_own_404_is_not_found_about_the_list() -> None:
    api = client(script({("GET", "/lists/9"): ocs(404, {"message": "List not found"})}, []))
    with pytest.raises(NotFound) as missing:
        await api.get(9)
    assert (missing.value.subject, missing.value.detail) == ("shopping list 9", "List not found")
    assert not isinstance(missing.value, AppUnavailable)


async def test_the_routers_404_means_the_app_is_not_there_for_the_caller() -> None:
    router = ocs(404, [], message="Invalid query, please check the syntax.")
    api = client(script({("GET", "/lists"): router}, []))
    with pytest.raises(AppUnavailable) as missing:
        await api.lists()
    assert (missing.value.app, missing.value.title) == ("shopping_list", "Shopping List")
    message = failure_message(missing.value, "List shopping lists")
    assert message == (
        "List shopping lists failed: this tool needs the Nextcloud app 'Shopping List' (shopping_list), "
        "which is not installed or not enabled for you; ask an administrator."
    )


async def test_no_write_access_is_forbidden_and_owner_access_required_is_refused() -> None:
    seen: list[str] = []
    answers = {
        ("GET", "/lists/3"): ocs(200, {**a_list(), "permission": 0, "isOwner": False}),
        ("PUT", "/lists/3"): ocs(403, {"message": "No write access"}),
        ("DELETE", "/lists/3"): ocs(403, {"message": "Owner access required"}),
    }
    api = client(script(answers, seen))
    with pytest.raises(Forbidden) as read_only:
        await api.rename(3, "x")
    assert (read_only.value.detail, read_only.value.subject) == ("No write access", "shopping list 3")
    with pytest.raises(Refused) as not_owner:
        await api.delete(3)
    assert (not_owner.value.status, not_owner.value.detail) == (403, "Owner access required")
    assert "Owner access required" in failure_message(not_owner.value, "Delete shopping list")


async def test_items_are_added_one_by_one_and_a_failure_counts_those_added_before_it() -> None:
    seen: list[str] = []
    answers = {
        ("GET", "/lists/3"): ocs(200, a_list()),
        ("POST", "/lists/3/items"): [
            ocs(201, an_item(1, "flour")),
            ocs(201, an_item(2, "eggs")),
            ocs(403, {"message": "No write access"}),
        ],
        ("PUT", "/lists/3/items/2/check"): ocs(200, an_item(2, "eggs", checked=True)),
    }
    api = client(script(answers, seen))
    new = [NewItem(name="flour", quantity="2", unit="cups"), NewItem(name="eggs", checked=True), NewItem(name="tea")]
    with pytest.raises(Forbidden) as refused:
        await api.add(3, new)
    assert refused.value.subject == "item 3 of 3 ('tea') on shopping list 3; the 2 before it were added"
    posted = [json.loads(line.split(" ", 2)[2]) for line in seen if line.startswith("POST")]
    assert posted == [{"name": "flour", "quantity": "2", "unit": "cups"}, {"name": "eggs"}, {"name": "tea"}]
    assert 'PUT /lists/3/items/2/check {"checked":true}' in seen  # the app creates every item unchecked


async def test_an_item_is_read_from_its_list_before_it_is_changed() -> None:
    seen: list[str] = []
    answers = {("GET", "/lists/3/items"): ocs(200, [an_item(1, "flour")])}
    api = client(script(answers, seen))
    with pytest.raises(NotFound) as missing:
        await api.update(3, 7, {"name": "x"})
    assert missing.value.subject == "item 7 on shopping list 3"
    with pytest.raises(NotFound):
        await api.delete_item(3, 7)
    assert all(line.startswith("GET") for line in seen)  # nothing was changed


async def test_clear_checked_answers_which_items_were_checked() -> None:
    seen: list[str] = []
    answers = {
        ("GET", "/lists/3/items"): ocs(200, [an_item(1, "open"), an_item(2, "done", checked=True)]),
        ("DELETE", "/lists/3/items/checked"): ocs(200, None),
    }
    gone = await client(script(answers, seen)).clear_checked(3)
    assert [item.name for item in gone] == ["done"]
    assert seen[-1] == "DELETE /lists/3/items/checked"
