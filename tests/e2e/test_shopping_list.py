"""Shopping List tools end to end through the real MCP client; every effect is checked on the
stand-in with raw OCS requests as the user concerned (or in the stand-in's state).

The module's user is alice (the `mcp` fixture's, over both transports); bob is a second stand-in
user with his own MCP server. The app shares lists (read or write), so the multi-user cases are:
bob neither sees nor changes alice's lists until she shares one; read-only, he may read it and
nothing more; with write access he changes its items but may not delete it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests.conftest import NcUser, StandInHandle
from tests.e2e.helpers import call, error_of, own_server, unique

pytestmark = pytest.mark.anyio

API = "/ocs/v2.php/apps/shopping_list/api/v1"
OCS = {"OCS-APIRequest": "true", "Accept": "application/json"}
TOOLS = {
    "nc_shopping_list_get_lists", "nc_shopping_list_get_list", "nc_shopping_list_create_list",
    "nc_shopping_list_update_list", "nc_shopping_list_delete_list", "nc_shopping_list_get_items",
    "nc_shopping_list_add_items", "nc_shopping_list_update_item", "nc_shopping_list_check_item",
    "nc_shopping_list_delete_item", "nc_shopping_list_clear_checked_items", "nc_shopping_list_uncheck_all_items",
}  # fmt: skip


def raw(user: NcUser, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    """A raw OCS call to the app as `user`: (HTTP status, `ocs.data`; None for an empty answer)."""
    with user.raw() as http:
        response = http.request(method, API + path, headers=OCS, **kwargs)
    return response.status_code, response.json()["ocs"]["data"] if response.content else None


def a_list(user: NcUser, title: str = "", *items: dict[str, Any]) -> int:
    """A list of `user`'s with `items`, made as the app's web page does; its id."""
    status, made = raw(user, "POST", "/lists", json={"title": title or unique("Groceries")})
    assert status == 201, made
    for item in items:
        status, added = raw(user, "POST", f"/lists/{made['id']}/items", json=item)
        assert status == 201, added
    return int(made["id"])


def items_on(user: NcUser, list_id: int) -> list[dict[str, Any]]:
    status, found = raw(user, "GET", f"/lists/{list_id}/items")
    assert status == 200, found
    return list(found)


def item_named(user: NcUser, list_id: int, name: str) -> dict[str, Any]:
    return next(item for item in items_on(user, list_id) if item["name"] == name)


def check(user: NcUser, list_id: int, item_id: int) -> None:
    status, found = raw(user, "PUT", f"/lists/{list_id}/items/{item_id}/check", json={"checked": True})
    assert status == 200, found


def share(owner: NcUser, list_id: int, with_user: NcUser, permission: int) -> None:
    body = {"sharedWith": with_user.id, "shareType": 0, "permission": permission}
    status, made = raw(owner, "POST", f"/lists/{list_id}/shares", json=body)
    assert status == 201, made


@pytest.fixture(scope="module")
def bob(standin: StandInHandle) -> NcUser:
    return standin.add_user("ushoppinglist-bob", "pw-ushoppinglist-bob")


@pytest.fixture(scope="module")
def bob_url(bob: NcUser) -> Iterator[str]:
    """Bob's own MCP server (configured with his app password), every toolset on."""
    with own_server(bob) as url:
        yield url


@pytest.fixture
async def bob_mcp(bob_url: str) -> AsyncIterator[Any]:
    from mcp import Client

    async with Client(bob_url) as client:
        yield client


# -- lists ----------------------------------------------------------------------------------
async def test_create_list_makes_one_of_mine(mcp: Any, nc_user: NcUser) -> None:
    title = unique("Weekend")
    made = await call(mcp, "nc_shopping_list_create_list", title=f"  {title} ")
    assert (made["title"], made["owner"], made["access"]) == (title, nc_user.id, "owner")
    status, found = raw(nc_user, "GET", f"/lists/{made['id']}")
    assert status == 200
    assert (found["title"], found["userId"]) == (title, nc_user.id)


async def test_a_blank_title_is_refused_before_anything_is_made(mcp: Any, nc_user: NcUser) -> None:
    before = len(raw(nc_user, "GET", "/lists")[1])
    for tool, extra in (("nc_shopping_list_create_list", {}), ("nc_shopping_list_update_list", {"list_id": 1})):
        message = await error_of(mcp, tool, title="  ", **extra)
        assert "Invalid argument 'title'" in message
        assert "must not be empty" in message
    assert len(raw(nc_user, "GET", "/lists")[1]) == before


async def test_get_lists_shows_mine_newest_first_then_those_shared_with_me(
    mcp: Any, nc_user: NcUser, bob: NcUser
) -> None:
    older, newer = a_list(nc_user, unique("older")), a_list(nc_user, unique("newer"))
    raw(nc_user, "PUT", f"/lists/{older}", json={"title": "renamed later"})  # now the most recently changed
    bobs_read, bobs_write, bobs_private = a_list(bob), a_list(bob), a_list(bob)
    share(bob, bobs_read, nc_user, 0)
    share(bob, bobs_write, nc_user, 1)
    found = await call(mcp, "nc_shopping_list_get_lists", limit=500)
    ids = [item["id"] for item in found["items"]]
    by_id = {item["id"]: item for item in found["items"]}
    assert bobs_private not in ids
    assert ids.index(older) < ids.index(newer) or by_id[older]["updated"] == by_id[newer]["updated"]
    assert max(ids.index(older), ids.index(newer)) < min(ids.index(bobs_read), ids.index(bobs_write))
    assert (by_id[bobs_read]["access"], by_id[bobs_read]["owner"]) == ("read", bob.id)
    assert by_id[bobs_write]["access"] == "write"
    assert by_id[older]["title"] == "renamed later"
    assert found["page"]["total"] == len(raw(nc_user, "GET", "/lists")[1])


async def test_get_lists_pages(mcp: Any, nc_user: NcUser) -> None:
    for _ in range(3):
        a_list(nc_user)
    total = len(raw(nc_user, "GET", "/lists")[1])
    first = await call(mcp, "nc_shopping_list_get_lists", limit=2)
    rest = await call(mcp, "nc_shopping_list_get_lists", limit=500, offset=first["page"]["next_offset"])
    assert len(first["items"]) + len(rest["items"]) == total
    assert rest["page"]["next_offset"] is None


async def test_get_list_reads_one_and_names_a_missing_one(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    mine = a_list(nc_user, "Pharmacy")
    found = await call(mcp, "nc_shopping_list_get_list", list_id=mine)
    assert (found["id"], found["title"], found["access"]) == (mine, "Pharmacy", "owner")
    for missing in (a_list(bob), 999_999):
        message = await error_of(mcp, "nc_shopping_list_get_list", list_id=missing)
        assert f"for shopping list {missing}" in message
        assert "does not exist" in message
    assert "list_id" in await error_of(mcp, "nc_shopping_list_get_list", list_id=0)


async def test_update_list_renames_it(mcp: Any, nc_user: NcUser) -> None:
    mine = a_list(nc_user)
    renamed = await call(mcp, "nc_shopping_list_update_list", list_id=mine, title="Hardware store")
    assert renamed["title"] == "Hardware store"
    assert raw(nc_user, "GET", f"/lists/{mine}")[1]["title"] == "Hardware store"
    message = await error_of(mcp, "nc_shopping_list_update_list", list_id=999_999, title="x")
    assert "for shopping list 999999" in message


async def test_delete_list_removes_it_with_its_items(mcp: Any, nc_user: NcUser) -> None:
    mine = a_list(nc_user, "Party", {"name": "balloons"})
    item = item_named(nc_user, mine, "balloons")["id"]
    gone = await call(mcp, "nc_shopping_list_delete_list", list_id=mine)
    assert (gone["deleted"]["id"], gone["deleted"]["title"]) == (mine, "Party")
    assert raw(nc_user, "GET", f"/lists/{mine}")[0] == 404
    assert item not in nc_user.standin.app.services["shopping_list"].items
    assert "for shopping list 999999" in await error_of(mcp, "nc_shopping_list_delete_list", list_id=999_999)


# -- items ----------------------------------------------------------------------------------
async def test_add_items_adds_them_all_in_one_call(mcp: Any, nc_user: NcUser) -> None:
    mine = a_list(nc_user, "", {"name": "flour"})
    items = [
        {"name": "flour", "quantity": "2", "unit": "cups"},
        {"name": " eggs "},
        {"name": "milk", "unit": "l", "shop_area_id": 3},
        {"name": "candles", "checked": True},
    ]
    added = await call(mcp, "nc_shopping_list_add_items", list_id=mine, items=items)
    assert [item["name"] for item in added["items"]] == ["flour", "eggs", "milk", "candles"]
    assert added["message"] == f"4 items added to shopping list {mine}"
    stored = items_on(nc_user, mine)
    assert sorted(item["name"] for item in stored) == ["candles", "eggs", "flour", "flour", "milk"]  # not merged
    eggs, milk, candles = (item_named(nc_user, mine, name) for name in ("eggs", "milk", "candles"))
    assert (eggs["quantity"], eggs["unit"], eggs["checked"]) == ("1", None, False)  # the app's default quantity
    assert (milk["unit"], milk["shopAreaId"]) == ("l", 3)
    assert (candles["checked"], candles["checkedBy"]) == (True, nc_user.id)
    assert next(item for item in added["items"] if item["name"] == "candles")["checked"] is True


async def test_add_items_refuses_an_empty_batch_or_a_nameless_item_and_adds_nothing(mcp: Any, nc_user: NcUser) -> None:
    mine = a_list(nc_user)
    assert "items" in await error_of(mcp, "nc_shopping_list_add_items", list_id=mine, items=[])
    message = await error_of(mcp, "nc_shopping_list_add_items", list_id=mine, items=[{"name": "ok"}, {"name": " "}])
    assert "Invalid argument 'items': item 2 has an empty name" in message
    assert items_on(nc_user, mine) == []
    message = await error_of(mcp, "nc_shopping_list_add_items", list_id=999_999, items=[{"name": "tea"}])
    assert "for shopping list 999999" in message
    assert "does not exist" in message


async def test_get_items_lists_open_ones_newest_first_then_checked_ones(mcp: Any, nc_user: NcUser) -> None:
    mine = a_list(nc_user, "", {"name": "a"}, {"name": "b"}, {"name": "c"})
    a, b, c = (item_named(nc_user, mine, name)["id"] for name in "abc")
    check(nc_user, mine, b)
    found = await call(mcp, "nc_shopping_list_get_items", list_id=mine)
    assert [item["id"] for item in found["items"]] == [i["id"] for i in items_on(nc_user, mine)]
    assert [item["checked"] for item in found["items"]] == [False, False, True]
    assert found["items"][2]["id"] == b
    assert {found["items"][0]["id"], found["items"][1]["id"]} == {a, c}
    assert found["items"][2]["checked_by"] == nc_user.id
    paged = await call(mcp, "nc_shopping_list_get_items", list_id=mine, limit=2)
    assert (len(paged["items"]), paged["page"]["next_offset"], paged["page"]["total"]) == (2, 2, 3)
    assert "for shopping list 999999" in await error_of(mcp, "nc_shopping_list_get_items", list_id=999_999)


async def test_update_item_changes_what_is_given_and_clears_with_empty_text(mcp: Any, nc_user: NcUser) -> None:
    mine = a_list(nc_user, "", {"name": "butter", "quantity": "1", "unit": "pack", "shopAreaId": 2})
    butter = item_named(nc_user, mine, "butter")["id"]
    changed = await call(mcp, "nc_shopping_list_update_item", list_id=mine, item_id=butter, quantity="2", unit="")
    assert (changed["quantity"], changed["unit"], changed["name"]) == ("2", None, "butter")
    stored = item_named(nc_user, mine, "butter")
    assert (stored["quantity"], stored["unit"], stored["shopAreaId"]) == ("2", None, 2)
    await call(mcp, "nc_shopping_list_update_item", list_id=mine, item_id=butter, name="salted butter", shop_area_id=5)
    stored = items_on(nc_user, mine)[0]
    assert (stored["name"], stored["shopAreaId"], stored["quantity"]) == ("salted butter", 5, "2")


async def test_update_item_refuses_nothing_to_change_or_an_empty_name(mcp: Any, nc_user: NcUser) -> None:
    mine = a_list(nc_user, "", {"name": "jam"})
    jam = item_named(nc_user, mine, "jam")["id"]
    message = await error_of(mcp, "nc_shopping_list_update_item", list_id=mine, item_id=jam)
    assert "give at least one of them to change" in message
    assert "must not be empty" in await error_of(
        mcp, "nc_shopping_list_update_item", list_id=mine, item_id=jam, name=" "
    )
    assert item_named(nc_user, mine, "jam")["quantity"] == "1"


async def test_an_item_of_another_list_is_not_found_there_and_stays_as_it_was(mcp: Any, nc_user: NcUser) -> None:
    first, second = a_list(nc_user, "", {"name": "rice"}), a_list(nc_user)
    rice = item_named(nc_user, first, "rice")["id"]
    for tool, extra in (
        ("nc_shopping_list_update_item", {"name": "pasta"}),
        ("nc_shopping_list_check_item", {"checked": True}),
        ("nc_shopping_list_delete_item", {}),
    ):
        message = await error_of(mcp, tool, list_id=second, item_id=rice, **extra)
        assert f"for item {rice} on shopping list {second}" in message
    assert item_named(nc_user, first, "rice")["checked"] is False


async def test_check_item_checks_it_off_and_puts_it_back(mcp: Any, nc_user: NcUser) -> None:
    mine = a_list(nc_user, "", {"name": "soap"})
    soap = item_named(nc_user, mine, "soap")["id"]
    checked = await call(mcp, "nc_shopping_list_check_item", list_id=mine, item_id=soap, checked=True)
    assert (checked["checked"], checked["checked_by"]) == (True, nc_user.id)
    assert item_named(nc_user, mine, "soap")["checked"] is True
    await call(mcp, "nc_shopping_list_check_item", list_id=mine, item_id=soap, checked=False)
    stored = item_named(nc_user, mine, "soap")
    assert (stored["checked"], stored["checkedBy"]) == (False, None)
    assert "item_id" in await error_of(mcp, "nc_shopping_list_check_item", list_id=mine, item_id=0, checked=True)


async def test_delete_item_removes_that_one(mcp: Any, nc_user: NcUser) -> None:
    mine = a_list(nc_user, "", {"name": "keep"}, {"name": "drop"})
    drop = item_named(nc_user, mine, "drop")["id"]
    gone = await call(mcp, "nc_shopping_list_delete_item", list_id=mine, item_id=drop)
    assert (gone["deleted"]["id"], gone["deleted"]["name"]) == (drop, "drop")
    assert [item["name"] for item in items_on(nc_user, mine)] == ["keep"]
    message = await error_of(mcp, "nc_shopping_list_delete_item", list_id=mine, item_id=drop)
    assert f"for item {drop} on shopping list {mine}" in message


async def test_clear_checked_items_deletes_only_the_checked_ones(mcp: Any, nc_user: NcUser) -> None:
    mine = a_list(nc_user, "", {"name": "open"}, {"name": "done1"}, {"name": "done2"})
    for name in ("done1", "done2"):
        check(nc_user, mine, item_named(nc_user, mine, name)["id"])
    cleared = await call(mcp, "nc_shopping_list_clear_checked_items", list_id=mine)
    assert sorted(item["name"] for item in cleared["items"]) == ["done1", "done2"]
    assert cleared["message"] == f"2 checked items deleted from shopping list {mine}"
    assert [item["name"] for item in items_on(nc_user, mine)] == ["open"]
    again = await call(mcp, "nc_shopping_list_clear_checked_items", list_id=mine)
    assert again["items"] == []


async def test_uncheck_all_items_puts_every_checked_item_back(mcp: Any, nc_user: NcUser) -> None:
    mine = a_list(nc_user, "", {"name": "x"}, {"name": "y"}, {"name": "z"})
    for name in ("x", "y"):
        check(nc_user, mine, item_named(nc_user, mine, name)["id"])
    result = await call(mcp, "nc_shopping_list_uncheck_all_items", list_id=mine)
    assert sorted(item["name"] for item in result["items"]) == ["x", "y"]
    assert [item["checked"] for item in items_on(nc_user, mine)] == [False, False, False]
    message = await error_of(mcp, "nc_shopping_list_uncheck_all_items", list_id=999_999)
    assert "for shopping list 999999" in message


# -- two users ------------------------------------------------------------------------------
async def test_bob_neither_sees_nor_changes_alices_lists(bob_mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    secret = unique("alice-only")
    hers = a_list(nc_user, secret, {"name": "secret item"})
    item = item_named(nc_user, hers, "secret item")["id"]
    listed = await call(bob_mcp, "nc_shopping_list_get_lists", limit=500)
    assert hers not in [found["id"] for found in listed["items"]]
    for tool, extra in (
        ("nc_shopping_list_get_list", {}),
        ("nc_shopping_list_get_items", {}),
        ("nc_shopping_list_update_item", {"item_id": item, "name": "bob's"}),
        ("nc_shopping_list_check_item", {"item_id": item, "checked": True}),
        ("nc_shopping_list_delete_item", {"item_id": item}),
        ("nc_shopping_list_clear_checked_items", {}),
        ("nc_shopping_list_uncheck_all_items", {}),
        ("nc_shopping_list_update_list", {"title": "bob's"}),  # the app itself would answer 403 to these
        ("nc_shopping_list_add_items", {"items": [{"name": "bob's"}]}),
        ("nc_shopping_list_delete_list", {}),
    ):
        message = await error_of(bob_mcp, tool, list_id=hers, **extra)
        assert f"for shopping list {hers}" in message, (tool, message)
        assert "does not exist" in message, (tool, message)
        assert secret not in message
    assert raw(nc_user, "GET", f"/lists/{hers}")[1]["title"] == secret
    assert [(i["name"], i["checked"]) for i in items_on(nc_user, hers)] == [("secret item", False)]


async def test_a_list_shared_read_only_is_readable_but_refuses_changes(
    bob_mcp: Any, nc_user: NcUser, bob: NcUser
) -> None:
    hers = a_list(nc_user, "Shared groceries", {"name": "apples"})
    apples = item_named(nc_user, hers, "apples")["id"]
    share(nc_user, hers, bob, 0)
    found = await call(bob_mcp, "nc_shopping_list_get_list", list_id=hers)
    assert (found["access"], found["owner"]) == ("read", nc_user.id)
    assert [item["name"] for item in (await call(bob_mcp, "nc_shopping_list_get_items", list_id=hers))["items"]] == [
        "apples"
    ]
    for tool, extra in (
        ("nc_shopping_list_add_items", {"items": [{"name": "pears"}]}),
        ("nc_shopping_list_check_item", {"item_id": apples, "checked": True}),
        ("nc_shopping_list_update_list", {"title": "Bob's now"}),
        ("nc_shopping_list_clear_checked_items", {}),
    ):
        message = await error_of(bob_mcp, tool, list_id=hers, **extra)
        assert "HTTP 403" in message, (tool, message)
        assert "No write access" in message, (tool, message)
        assert "share it with write access" in message
    assert [(i["name"], i["checked"]) for i in items_on(nc_user, hers)] == [("apples", False)]
    assert raw(nc_user, "GET", f"/lists/{hers}")[1]["title"] == "Shared groceries"


async def test_a_list_shared_with_write_access_takes_changes_but_only_its_owner_deletes_it(
    bob_mcp: Any, nc_user: NcUser, bob: NcUser
) -> None:
    hers = a_list(nc_user, "Household", {"name": "towels"})
    towels = item_named(nc_user, hers, "towels")["id"]
    share(nc_user, hers, bob, 1)
    await call(bob_mcp, "nc_shopping_list_add_items", list_id=hers, items=[{"name": "detergent"}])
    checked = await call(bob_mcp, "nc_shopping_list_check_item", list_id=hers, item_id=towels, checked=True)
    assert checked["checked_by"] == bob.id
    stored = {item["name"]: item for item in items_on(nc_user, hers)}
    assert set(stored) == {"towels", "detergent"}
    assert stored["towels"]["checkedBy"] == bob.id
    message = await error_of(bob_mcp, "nc_shopping_list_delete_list", list_id=hers)
    assert "HTTP 403" in message
    assert "Owner access required" in message
    assert "refused" in message
    assert raw(nc_user, "GET", f"/lists/{hers}")[0] == 200


# -- the app ----------------------------------------------------------------------------------
async def test_without_the_app_a_call_names_it(mcp: Any, nc_user: NcUser) -> None:
    """The app shows no capabilities, so its tools stay listed; a call says the app is missing."""
    mine = a_list(nc_user)
    listed = {tool.name for tool in (await mcp.list_tools()).tools}
    assert listed >= TOOLS
    nc_user.standin.app.set_app_enabled(nc_user.id, "shopping_list", False)
    try:
        messages = [
            await error_of(mcp, "nc_shopping_list_get_lists"),
            await error_of(mcp, "nc_shopping_list_add_items", list_id=mine, items=[{"name": "x"}]),
        ]
    finally:
        nc_user.standin.app.set_app_enabled(nc_user.id, "shopping_list", True)
    for message in messages:
        assert "needs the Nextcloud app 'Shopping List' (shopping_list), which is not installed or not enabled" in (
            message
        )
    assert items_on(nc_user, mine) == []
