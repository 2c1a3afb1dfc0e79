"""MCP tools for the Shopping List app (`shopping_list`, OCS `apps/shopping_list/api/v1`): lists and items.

The twelve tools of the PyPI `nextcloud-mcp-server` (`nc_shopping_list_*`), under its names and
argument names. A list is the caller's own or shared with them (read or write access): write
access lets one rename it and change its items, only the owner may delete it.

Why no toolset requirement: the app contributes no capabilities, so gating cannot see it. Where it
is not enabled for the caller a call names the missing app (nextcloud/shopping_list.py finds it
from Nextcloud's answer, as tools/reminders.py does from its property).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import BaseModel, Field

from nextcloud_mcp_server.registry import Toolset
from nextcloud_mcp_server.tools._base import CREATE, DELETE, READ, UPDATE, Limit, Offset, Paged, invalid
from nextcloud_mcp_server.tools.declare import Nextcloud, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud import shopping_list as api
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

TOOLSET = Toolset(
    "shopping_list",
    "Shopping lists",
    "Shopping lists (the Shopping List app): lists and their items, checked off and cleared.",
    default=False,
)

ListId = Annotated[int, Field(ge=1, description="From nc_shopping_list_get_lists.")]
ItemId = Annotated[int, Field(ge=1, description="From nc_shopping_list_get_items.")]
AreaId = Annotated[int | None, Field(ge=1, description="A shop area of the list, e.g. the dairy aisle.")]


class ShoppingListResult(BaseModel):
    id: int
    title: str
    owner: str = Field(description="The owner's user id.")
    access: Literal["owner", "write", "read"] = Field(description="Yours: only the owner may delete it.")
    updated: str | None = Field(description="ISO 8601.")

    @classmethod
    def of(cls, found: api.ShoppingList) -> Self:
        access: Literal["owner", "write", "read"] = (
            "owner" if found.isOwner else "write" if found.permission >= 1 else "read"
        )
        return cls(id=found.id, title=found.title, owner=found.userId, access=access, updated=found.updatedAt)


class ItemResult(BaseModel):
    id: int
    list_id: int
    name: str
    quantity: str | None
    unit: str | None
    shop_area_id: int | None
    checked: bool
    checked_by: str | None = Field(description="Who checked it off.")

    @classmethod
    def of(cls, item: api.Item) -> Self:
        return cls(
            id=item.id,
            list_id=item.listId,
            name=item.name,
            quantity=item.quantity,
            unit=item.unit,
            shop_area_id=item.shopAreaId,
            checked=item.checked,
            checked_by=item.checkedBy,
        )


class ItemInput(BaseModel):
    name: str
    quantity: str | None = Field(default=None, description="Free text, e.g. '2'; the app's default is '1'.")
    unit: str | None = Field(default=None, description="Free text, e.g. 'cups'.")
    shop_area_id: AreaId = None
    checked: bool = False


class Deleted(BaseModel):
    deleted: ShoppingListResult
    message: str


class ItemDeleted(BaseModel):
    deleted: ItemResult
    message: str


class Added(BaseModel):
    items: list[ItemResult] = Field(description="In the order given.")
    message: str


class Changed(BaseModel):
    items: list[ItemResult] = Field(description="The items changed or removed.")
    message: str


def _title(title: str) -> str:
    if not title.strip():
        raise invalid("title", "must not be empty; give the list a short name such as 'Groceries'")
    return title.strip()


def _api(nc: NextcloudClient) -> api.ShoppingListAPI:
    from nextcloud_mcp_server.nextcloud.shopping_list import ShoppingListAPI

    return nc.api(ShoppingListAPI)


@tool(TOOLSET, READ, title="List shopping lists")
async def nc_shopping_list_get_lists(nc: Nextcloud, limit: Limit = 50, offset: Offset = 0) -> Paged[ShoppingListResult]:
    """List your shopping lists and those shared with you, with your access to each."""
    found = [ShoppingListResult.of(found) for found in await _api(nc).lists()]
    return Paged[ShoppingListResult].of(found, offset, limit)


@tool(TOOLSET, READ, title="Get shopping list")
async def nc_shopping_list_get_list(nc: Nextcloud, list_id: ListId) -> ShoppingListResult:
    """Get one shopping list (its items: nc_shopping_list_get_items)."""
    return ShoppingListResult.of(await _api(nc).get(list_id))


@tool(TOOLSET, CREATE, title="Create shopping list")
async def nc_shopping_list_create_list(nc: Nextcloud, title: str) -> ShoppingListResult:
    """Create a shopping list of yours; titles need not be unique."""
    return ShoppingListResult.of(await _api(nc).create(_title(title)))


@tool(TOOLSET, UPDATE, title="Rename shopping list")
async def nc_shopping_list_update_list(nc: Nextcloud, list_id: ListId, title: str) -> ShoppingListResult:
    """Rename a shopping list you may write to."""
    return ShoppingListResult.of(await _api(nc).rename(list_id, _title(title)))


@tool(TOOLSET, DELETE, title="Delete shopping list")
async def nc_shopping_list_delete_list(nc: Nextcloud, list_id: ListId) -> Deleted:
    """Delete a shopping list you own, with all its items."""
    gone = ShoppingListResult.of(await _api(nc).delete(list_id))
    return Deleted(deleted=gone, message=f"Shopping list {list_id} '{gone.title}' deleted")


@tool(TOOLSET, READ, title="List shopping list items")
async def nc_shopping_list_get_items(
    nc: Nextcloud, list_id: ListId, limit: Limit = 50, offset: Offset = 0
) -> Paged[ItemResult]:
    """List a shopping list's items: open ones first, checked ones after."""
    items = [ItemResult.of(item) for item in await _api(nc).items(list_id)]
    return Paged[ItemResult].of(items, offset, limit)


@tool(TOOLSET, CREATE, title="Add shopping list items")
async def nc_shopping_list_add_items(
    nc: Nextcloud, list_id: ListId, items: Annotated[list[ItemInput], Field(min_length=1, max_length=100)]
) -> Added:
    """Add items to a shopping list in one call; a name already there is added again, not merged."""
    from nextcloud_mcp_server.nextcloud.shopping_list import NewItem

    for number, item in enumerate(items, start=1):
        if not item.name.strip():
            raise invalid("items", f"item {number} has an empty name; give every item a name such as 'milk'")
    new = [NewItem(**{**item.model_dump(), "name": item.name.strip()}) for item in items]
    added = [ItemResult.of(item) for item in await _api(nc).add(list_id, new)]
    return Added(items=added, message=f"{len(added)} items added to shopping list {list_id}")


@tool(TOOLSET, UPDATE, title="Update shopping list item")
async def nc_shopping_list_update_item(
    nc: Nextcloud,
    list_id: ListId,
    item_id: ItemId,
    name: str | None = None,
    quantity: Annotated[str | None, Field(description="'' clears it.")] = None,
    unit: Annotated[str | None, Field(description="'' clears it.")] = None,
    shop_area_id: AreaId = None,
) -> ItemResult:
    """Change an item's name, quantity, unit or shop area; what is omitted stays."""
    if name is not None and not name.strip():
        raise invalid("name", "must not be empty; omit it to keep the current name")
    given = {"name": name and name.strip(), "quantity": quantity, "unit": unit, "shopAreaId": shop_area_id}
    fields = {key: (value or None) for key, value in given.items() if value is not None}
    if not fields:
        raise invalid("name/quantity/unit/shop_area_id", "give at least one of them to change")
    return ItemResult.of(await _api(nc).update(list_id, item_id, fields))


@tool(TOOLSET, UPDATE, title="Check shopping list item")
async def nc_shopping_list_check_item(nc: Nextcloud, list_id: ListId, item_id: ItemId, checked: bool) -> ItemResult:
    """Check an item off (checked=true) or put it back on the list (false)."""
    return ItemResult.of(await _api(nc).check(list_id, item_id, checked))


@tool(TOOLSET, DELETE, title="Delete shopping list item")
async def nc_shopping_list_delete_item(nc: Nextcloud, list_id: ListId, item_id: ItemId) -> ItemDeleted:
    """Delete one item from a shopping list."""
    gone = ItemResult.of(await _api(nc).delete_item(list_id, item_id))
    return ItemDeleted(deleted=gone, message=f"Item {item_id} '{gone.name}' deleted from shopping list {list_id}")


@tool(TOOLSET, DELETE, title="Clear checked shopping list items")
async def nc_shopping_list_clear_checked_items(nc: Nextcloud, list_id: ListId) -> Changed:
    """Delete every checked item of a shopping list."""
    gone = [ItemResult.of(item) for item in await _api(nc).clear_checked(list_id)]
    return Changed(items=gone, message=f"{len(gone)} checked items deleted from shopping list {list_id}")


@tool(TOOLSET, UPDATE, title="Uncheck all shopping list items")
async def nc_shopping_list_uncheck_all_items(nc: Nextcloud, list_id: ListId) -> Changed:
    """Put every checked item of a shopping list back among the open ones."""
    were = [ItemResult.of(item) for item in await _api(nc).uncheck_all(list_id)]
    return Changed(items=were, message=f"{len(were)} items unchecked on shopping list {list_id}")
