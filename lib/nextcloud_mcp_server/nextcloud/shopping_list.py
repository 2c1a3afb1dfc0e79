"""Shopping List (the `shopping_list` app, otherworld-dev/Shopping-List) over OCS: lists and items.

Routes (`/ocs/v2.php/apps/shopping_list/api/v1`, appinfo/routes.php): `lists` (GET, POST),
`lists/{id}` (GET, PUT, DELETE), `lists/{listId}/items` (GET, POST), `lists/{listId}/items/{id}`
(PUT, DELETE), `.../items/{id}/check` (PUT), `.../items/checked` (DELETE) and
`.../items/uncheck-all` (POST). Its failures are an OCS envelope whose `data` is
`{"message": "List not found"}` (404), `"No write access"` or `"Owner access required"` (403).

Why the app's absence is found from the answer: the app contributes no capabilities, so gating
cannot see it. Where it is not enabled for the caller, Nextcloud's router answers its routes with
404 and no `message` in `data`; that is `AppUnavailable`, the app's own 404 is `NotFound`.

Why lists and items are read before they are changed: the app finds an item by its id alone and
ignores the list in the path, so a mistyped `list_id` would change an item of another list; and it
answers a write to a list not shared with the caller 403 "No write access", telling that the list
exists. Reading first makes "item 7 on list 3" mean that, a list not shared with the caller not
found whatever the call, and gives back what a deletion removed.

Why deleting a list someone shared with you is `Refused`: only the owner may delete a list, even
with write access; the app's "Owner access required" is the reason, not a missing share.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from nextcloud_mcp_server.nextcloud.errors import (
    AppUnavailable,
    BadResponse,
    NextcloudError,
    Refused,
    detail_of,
    error_for,
    not_found,
    parsed,
)
from nextcloud_mcp_server.nextcloud.ocs import OCS_HEADERS

if TYPE_CHECKING:
    import httpx

    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

APP, TITLE = "shopping_list", "Shopping List"
BASE = "/ocs/v2.php/apps/shopping_list/api/v1"
LIST, ITEM = "a shopping list", "a shopping list item"
"""What a malformed answer names."""


class ShoppingList(BaseModel):
    """A list as the app answers it; `permission` is the caller's (1 write, 0 read)."""

    model_config = ConfigDict(extra="ignore")

    id: int
    userId: str
    title: str
    permission: int = 1
    isOwner: bool = True
    createdAt: str | None = None
    updatedAt: str | None = None


class Item(BaseModel):
    """An item as the app answers it; `quantity` and `unit` are free text."""

    model_config = ConfigDict(extra="ignore")

    id: int
    listId: int
    name: str
    quantity: str | None = None
    unit: str | None = None
    shopAreaId: int | None = None
    checked: bool = False
    checkedBy: str | None = None
    sortOrder: int = 0
    createdAt: str | None = None
    updatedAt: str | None = None


class NewItem(BaseModel):
    """What `add_items` sends for one item."""

    name: str
    quantity: str | None = None
    unit: str | None = None
    shop_area_id: int | None = None
    checked: bool = False


def _data(response: httpx.Response) -> Any:
    try:
        return response.json()["ocs"]["data"]
    except (ValueError, KeyError, TypeError):
        raise BadResponse("not an OCS envelope") from None


class ShoppingListAPI:
    """The caller's shopping lists (owned, or shared with them) and their items."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def _call(self, method: str, path: str, subject: str, *, json: Any = None) -> Any:
        """`ocs.data` of a successful answer (None for 204); the typed error about `subject` otherwise."""
        response = await self._client.request(
            method, BASE + path, headers=OCS_HEADERS, json=json, ok=tuple(range(400, 600))
        )
        if response.status_code == 204:
            return None
        if response.is_success:
            return _data(response)
        found = _data(response) if "json" in response.headers.get("Content-Type", "") else None
        said = found.get("message") if isinstance(found, dict) else None
        if not isinstance(said, str):  # not the app's answer: the router's
            if response.status_code == 404:
                raise AppUnavailable(APP, TITLE, detail_of(response))
            raise error_for(response.status_code, detail_of(response), subject=subject)
        if response.status_code == 404:
            raise not_found(subject, said)
        error: NextcloudError = (
            Refused(said, status=403) if said == "Owner access required" else error_for(response.status_code, said)
        )
        error.subject = subject
        raise error

    # -- lists -----------------------------------------------------------------------
    async def lists(self) -> list[ShoppingList]:
        """Lists the caller owns (most recently changed first), then those shared with them."""
        data = await self._call("GET", "/lists", "your shopping lists")
        if not isinstance(data, list):
            raise BadResponse("the shopping lists are not a list")
        return [parsed(ShoppingList, item, LIST) for item in data]

    async def get(self, list_id: int) -> ShoppingList:
        return parsed(ShoppingList, await self._call("GET", f"/lists/{list_id}", f"shopping list {list_id}"), LIST)

    async def create(self, title: str) -> ShoppingList:
        return parsed(
            ShoppingList, await self._call("POST", "/lists", "a new shopping list", json={"title": title}), LIST
        )

    async def rename(self, list_id: int, title: str) -> ShoppingList:
        await self.get(list_id)
        data = await self._call("PUT", f"/lists/{list_id}", f"shopping list {list_id}", json={"title": title})
        return parsed(ShoppingList, data, LIST)

    async def delete(self, list_id: int) -> ShoppingList:
        """Delete a list of the caller's with all its items; what it was."""
        found = await self.get(list_id)
        await self._call("DELETE", f"/lists/{list_id}", f"shopping list {list_id}")
        return found

    # -- items -----------------------------------------------------------------------
    async def items(self, list_id: int) -> list[Item]:
        """Every item of a list as the app orders them: open before checked, by sort order, newest first."""
        data = await self._call("GET", f"/lists/{list_id}/items", f"shopping list {list_id}")
        if not isinstance(data, list):
            raise BadResponse("the shopping list items are not a list")
        return [parsed(Item, item, ITEM) for item in data]

    async def item(self, list_id: int, item_id: int) -> Item:
        """One item of the list, read from the list (the app would take an item of any list by its id)."""
        found = next((item for item in await self.items(list_id) if item.id == item_id), None)
        if found is None:
            raise not_found(f"item {item_id} on shopping list {list_id}")
        return found

    async def add(self, list_id: int, items: list[NewItem]) -> list[Item]:
        """Add items one by one (the app has no bulk route); a failure names how many were added before it.

        The app creates every item unchecked; one to be added checked is then checked."""
        await self.get(list_id)
        added: list[Item] = []
        for number, new in enumerate(items, start=1):
            body: dict[str, Any] = {"name": new.name}
            optional = {"quantity": new.quantity, "unit": new.unit, "shopAreaId": new.shop_area_id}
            body.update({key: value for key, value in optional.items() if value is not None})
            subject = f"item {number} of {len(items)} ('{new.name}') on shopping list {list_id}" + (
                f"; the {len(added)} before it were added" if added else ""
            )
            item = parsed(Item, await self._call("POST", f"/lists/{list_id}/items", subject, json=body), ITEM)
            if new.checked:
                item = await self._check(list_id, item.id, True, subject)
            added.append(item)
        return added

    async def update(self, list_id: int, item_id: int, fields: dict[str, Any]) -> Item:
        """Change the fields given (`name`, `quantity`, `unit`, `shopAreaId`; None clears one but the name)."""
        await self.item(list_id, item_id)
        subject = f"item {item_id} on shopping list {list_id}"
        return parsed(Item, await self._call("PUT", f"/lists/{list_id}/items/{item_id}", subject, json=fields), ITEM)

    async def check(self, list_id: int, item_id: int, checked: bool) -> Item:
        await self.item(list_id, item_id)
        return await self._check(list_id, item_id, checked, f"item {item_id} on shopping list {list_id}")

    async def _check(self, list_id: int, item_id: int, checked: bool, subject: str) -> Item:
        data = await self._call("PUT", f"/lists/{list_id}/items/{item_id}/check", subject, json={"checked": checked})
        return parsed(Item, data, ITEM)

    async def delete_item(self, list_id: int, item_id: int) -> Item:
        """Delete one item of the list; what it was."""
        found = await self.item(list_id, item_id)
        await self._call("DELETE", f"/lists/{list_id}/items/{item_id}", f"item {item_id} on shopping list {list_id}")
        return found

    async def clear_checked(self, list_id: int) -> list[Item]:
        """Delete the list's checked items; those that were checked when it was read just before."""
        gone = [item for item in await self.items(list_id) if item.checked]
        await self._call("DELETE", f"/lists/{list_id}/items/checked", f"shopping list {list_id}")
        return gone

    async def uncheck_all(self, list_id: int) -> list[Item]:
        """Uncheck every item of the list; those that were checked when it was read just before."""
        were = [item for item in await self.items(list_id) if item.checked]
        await self._call("POST", f"/lists/{list_id}/items/uncheck-all", f"shopping list {list_id}")
        return were
