"""Shopping List (`shopping_list`, otherworld-dev/Shopping-List 1.1.0) over OCS `apps/shopping_list/api/v1`.

As the app's appinfo/routes.php and lib/Controller/{List,Item,Share}Controller.php,
lib/Service/{List,Item,Share}Service.php and lib/Db/{ShoppingList,Item,ListShare}{,Mapper}.php
define it (commit 249cf78):

- Lists: `GET lists` — the caller's own (permission 1, isOwner true) by `updatedAt` descending,
  then those shared with them or their groups (the highest permission of the user's and their
  groups' shares; 0 read, 1 write), by `updatedAt` descending. `POST lists {title}` 201.
  `GET lists/{id}` 404 "List not found" unless the caller owns it or it is shared with them.
  `PUT lists/{id} {title}` needs write access: a missing list is 404, one the caller may not write
  to — shared read-only, or not shared with them at all — 403 "No write access" (the app tells a
  foreign list's existence on writes). `DELETE lists/{id}` 204, owner only: 403 "Owner access
  required" for everyone else, items and shares going with it.
- Items: `GET lists/{listId}/items` (read access, else 404) ordered unchecked first, then by
  `sortOrder`, then newest first. `POST lists/{listId}/items {name, quantity?, unit?, shopAreaId?}`
  201: `quantity` defaults to "1", every new item is unchecked with sortOrder 0 (a `checked` sent
  along is ignored). `PUT .../items/{id}` changes the keys present (`name` unless null; `quantity`,
  `unit`, `shopAreaId`, null clearing them; `sortOrder`), `PUT .../items/{id}/check {checked}` sets
  `checked` and `checkedBy` (the caller, or null), `DELETE .../items/{id}` 204. These three find the
  item by its id alone — the `listId` in the path is not read — and need write access to the
  item's own list; an unknown item is 404 "Item not found". `DELETE .../items/checked` deletes the
  list's checked items, `POST .../items/uncheck-all` unchecks all (both 200 with data null, write
  access). Neither touches the list's `updatedAt`.
- Shares (for tests to share a list, as its owner does in the app): `POST lists/{listId}/shares
  {sharedWith, shareType (0 user, 1 group), permission}` 201, owner only (403 "Owner access
  required"); 404 "User not found"/"Group not found"; 400 "Cannot share with yourself"; sharing
  again with the same recipient changes the permission.
- Every failure is `{"message": ...}` as the OCS `data`, with an empty meta message (an
  OCSController's DataResponse). Where the app is not enabled for the user, Nextcloud's router
  answers its routes (core.py): 404 "Invalid query", no `message` in `data`.

Not emulated: shop areas (a new list's default areas; `shopAreaId` is stored as given, as the app
does), tags (`tags` is always [] on these routes), reorder, link shares and the public API.
Timestamps are ATOM at seconds; equal ones are ordered by id, newest first.

The app contributes no capabilities. Contract: the app publishes no API description and
../shared/contracts holds none; the routes name SOURCES.md (the sources above are cited here).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tests.standin.kit import EmulatedApp, Failure, Reply, Request, Sample, route

CONTRACT = "SOURCES.md"
BASE = "/ocs/v2.php/apps/shopping_list/api/v1"
ITEMS = BASE + "/lists/{listId}/items"


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass
class StoredList:
    id: int
    owner: str
    title: str
    created: str
    updated: str

    def json(self, permission: int, owner: bool) -> dict[str, Any]:
        return {
            "id": self.id,
            "userId": self.owner,
            "title": self.title,
            "permission": permission,
            "isOwner": owner,
            "createdAt": self.created,
            "updatedAt": self.updated,
        }


@dataclass
class StoredItem:
    id: int
    list_id: int
    name: str
    quantity: str | None
    unit: str | None
    shop_area_id: int | None
    created: str
    updated: str
    checked: bool = False
    checked_by: str | None = None
    sort_order: int = 0

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "listId": self.list_id,
            "name": self.name,
            "quantity": self.quantity,
            "unit": self.unit,
            "shopAreaId": self.shop_area_id,
            "checked": self.checked,
            "checkedBy": self.checked_by,
            "sortOrder": self.sort_order,
            "tags": [],
            "createdAt": self.created,
            "updatedAt": self.updated,
        }


@dataclass
class StoredShare:
    id: int
    list_id: int
    shared_with: str
    shared_with_type: int
    permission: int
    shared_by: str


def _int(value: Any) -> int:
    """A controller's `int` parameter as PHP casts it: digits give their number, anything else 0."""
    text = str(value).strip()
    return int(text) if text.lstrip("-").isdigit() else 0


def _nullable_int(value: Any) -> int | None:
    return None if value is None else _int(value)


def _nullable_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _bool(value: Any) -> bool:
    """A controller's `bool` parameter: JSON booleans, or 'false'/'0'/'' false and anything else true."""
    if isinstance(value, bool):
        return value
    return str(value).lower() not in ("false", "0", "")


def _required(args: dict[str, Any], name: str) -> Any:
    if name not in args or args[name] is None:  # Nextcloud's dispatcher fails it; its exact answer is not emulated
        raise Failure(400, f"Missing parameter {name}")
    return args[name]


def _refused(status: int, message: str) -> Failure:
    """The app's failure: a DataResponse of `{"message": ...}`, the OCS meta message empty."""
    return Failure(status, "", {"message": message})


class ShoppingListApp(EmulatedApp):
    """The Shopping List app (see the module docstring)."""

    app_id = "shopping_list"
    prefixes = ("/ocs/v2.php/apps/shopping_list/",)

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self._lock = threading.RLock()
        self.lists: dict[int, StoredList] = {}
        self.items: dict[int, StoredItem] = {}
        self.shares: dict[int, StoredShare] = {}
        self._ids = {"lists": 0, "items": 0, "shares": 0}

    # -- state (also for tests) -----------------------------------------------------------
    def _next(self, table: str) -> int:
        self._ids[table] += 1
        return self._ids[table]

    def lists_of(self, user_id: str) -> list[StoredList]:
        """The lists `user_id` owns."""
        with self._lock:
            return [found for found in self.lists.values() if found.owner == user_id]

    def items_of(self, list_id: int) -> list[StoredItem]:
        with self._lock:
            return sorted((i for i in self.items.values() if i.list_id == list_id), key=lambda i: i.id)

    def _groups(self, user_id: str) -> set[str]:
        directory = self.standin.services.get("provisioning_api")
        groups = getattr(directory, "groups", {}) if directory is not None else {}
        return {gid for gid, group in groups.items() if user_id in getattr(group, "members", ())}

    def _permission(self, list_id: int, user_id: str) -> int:
        """The caller's permission on a list not theirs: a user share first, else their groups' highest; -1 none."""
        shares = [s for s in self.shares.values() if s.list_id == list_id]
        direct = [s.permission for s in shares if s.shared_with_type == 0 and s.shared_with == user_id]
        if direct:
            return direct[0]
        groups = self._groups(user_id)
        via = [s.permission for s in shares if s.shared_with_type == 1 and s.shared_with in groups]
        return max(via) if via else -1

    def _list(self, list_id: int) -> StoredList:
        found = self.lists.get(list_id)
        if found is None:
            raise _refused(404, "List not found")
        return found

    def _readable(self, list_id: int, user_id: str) -> StoredList:
        found = self._list(list_id)
        if found.owner != user_id and self._permission(list_id, user_id) < 0:
            raise _refused(404, "List not found")
        return found

    def _writable(self, list_id: int, user_id: str) -> StoredList:
        found = self._list(list_id)
        if found.owner != user_id and self._permission(list_id, user_id) < 1:
            raise _refused(403, "No write access")
        return found

    def _owned(self, list_id: int, user_id: str) -> StoredList:
        found = self._list(list_id)
        if found.owner != user_id:
            raise _refused(403, "Owner access required")
        return found

    def _as_seen(self, found: StoredList, user_id: str) -> dict[str, Any]:
        owner = found.owner == user_id
        return found.json(1 if owner else self._permission(found.id, user_id), owner)

    def _item(self, item_id: int, user_id: str) -> StoredItem:
        found = self.items.get(item_id)
        if found is None:
            raise _refused(404, "Item not found")
        self._writable(found.list_id, user_id)
        return found

    @staticmethod
    def _newest_first(rows: list[Any]) -> list[Any]:
        return sorted(rows, key=lambda row: (row.updated, row.id), reverse=True)

    # -- lists ----------------------------------------------------------------------------
    @route("GET", BASE + "/lists", contract=CONTRACT)
    async def index(self, request: Request) -> Reply:
        me = request.user.id
        with self._lock:
            owned = self._newest_first([found for found in self.lists.values() if found.owner == me])
            shared = self._newest_first(
                [f for f in self.lists.values() if f.owner != me and self._permission(f.id, me) >= 0]
            )
            return Reply(200, [self._as_seen(found, me) for found in owned + shared])

    @route("GET", BASE + "/lists/{id}", contract=CONTRACT)
    async def show(self, request: Request) -> Reply:
        with self._lock:
            found = self._readable(_int(request.params["id"]), request.user.id)
            return Reply(200, self._as_seen(found, request.user.id))

    @route("POST", BASE + "/lists", contract=CONTRACT)
    async def create(self, request: Request) -> Reply:
        title = str(_required(request.args(), "title"))
        with self._lock:
            now = _now()
            found = StoredList(self._next("lists"), request.user.id, title, now, now)
            self.lists[found.id] = found
            return Reply(201, found.json(1, True))

    @route("PUT", BASE + "/lists/{id}", contract=CONTRACT)
    async def update(self, request: Request) -> Reply:
        title = str(_required(request.args(), "title"))
        with self._lock:
            found = self._writable(_int(request.params["id"]), request.user.id)
            found.title, found.updated = title, _now()
            return Reply(200, self._as_seen(found, request.user.id))

    @route("DELETE", BASE + "/lists/{id}", contract=CONTRACT)
    async def destroy(self, request: Request) -> Reply:
        with self._lock:
            found = self._owned(_int(request.params["id"]), request.user.id)
            for table in (self.items, self.shares):
                for key in [key for key, row in table.items() if row.list_id == found.id]:
                    del table[key]
            del self.lists[found.id]
        return Reply(204)

    # -- items ----------------------------------------------------------------------------
    @route("GET", ITEMS, contract=CONTRACT)
    async def items_index(self, request: Request) -> Reply:
        with self._lock:
            found = self._readable(_int(request.params["listId"]), request.user.id)
            rows = sorted(self.items_of(found.id), key=lambda i: (i.created, i.id), reverse=True)
            rows.sort(key=lambda i: (i.checked, i.sort_order))  # stable: newest first within each
            return Reply(200, [row.json() for row in rows])

    @route("POST", ITEMS, contract=CONTRACT)
    async def items_create(self, request: Request) -> Reply:
        args = request.args()
        name = str(_required(args, "name"))
        with self._lock:
            found = self._writable(_int(request.params["listId"]), request.user.id)
            quantity = _nullable_str(args.get("quantity"))
            now = _now()
            item = StoredItem(
                self._next("items"), found.id, name, "1" if quantity is None else quantity,
                _nullable_str(args.get("unit")), _nullable_int(args.get("shopAreaId")), now, now,
            )  # fmt: skip
            self.items[item.id] = item
            return Reply(201, item.json())

    @route("PUT", ITEMS + "/{id}", contract=CONTRACT)
    async def items_update(self, request: Request) -> Reply:
        args = request.args()
        with self._lock:
            item = self._item(_int(request.params["id"]), request.user.id)
            if args.get("name") is not None:
                item.name = str(args["name"])
            if "quantity" in args:
                item.quantity = _nullable_str(args["quantity"])
            if "unit" in args:
                item.unit = _nullable_str(args["unit"])
            if "shopAreaId" in args:
                item.shop_area_id = _nullable_int(args["shopAreaId"])
            if args.get("sortOrder") is not None:
                item.sort_order = _int(args["sortOrder"])
            item.updated = _now()
            return Reply(200, item.json())

    @route("PUT", ITEMS + "/{id}/check", contract=CONTRACT)
    async def items_check(self, request: Request) -> Reply:
        checked = _bool(_required(request.args(), "checked"))
        with self._lock:
            item = self._item(_int(request.params["id"]), request.user.id)
            item.checked, item.checked_by, item.updated = checked, request.user.id if checked else None, _now()
            return Reply(200, item.json())

    @route("DELETE", ITEMS + "/{id}", contract=CONTRACT)
    async def items_destroy(self, request: Request) -> Reply:
        with self._lock:
            item = self._item(_int(request.params["id"]), request.user.id)
            del self.items[item.id]
        return Reply(204)

    @route("DELETE", ITEMS + "/checked", contract=CONTRACT)
    async def items_clear_checked(self, request: Request) -> Reply:
        with self._lock:
            found = self._writable(_int(request.params["listId"]), request.user.id)
            for item in self.items_of(found.id):
                if item.checked:
                    del self.items[item.id]
        return Reply(200, None)

    @route("POST", ITEMS + "/uncheck-all", contract=CONTRACT)
    async def items_uncheck_all(self, request: Request) -> Reply:
        with self._lock:
            found = self._writable(_int(request.params["listId"]), request.user.id)
            for item in self.items_of(found.id):
                item.checked, item.checked_by = False, None
        return Reply(200, None)

    # -- shares ---------------------------------------------------------------------------
    @route("POST", BASE + "/lists/{listId}/shares", contract=CONTRACT)
    async def share(self, request: Request) -> Reply:
        args = request.args()
        shared_with = str(_required(args, "sharedWith"))
        kind, permission = _int(_required(args, "shareType")), _int(_required(args, "permission"))
        me = request.user.id
        with self._lock:
            found = self._owned(_int(request.params["listId"]), me)
            if kind == 0:
                if shared_with not in self.standin.users:
                    raise _refused(404, "User not found")
                if shared_with == me:
                    raise _refused(400, "Cannot share with yourself")
            elif kind == 1:
                directory = self.standin.services.get("provisioning_api")
                if shared_with not in getattr(directory, "groups", {}):
                    raise _refused(404, "Group not found")
            share = next(
                (s for s in self.shares.values()
                 if (s.list_id, s.shared_with, s.shared_with_type) == (found.id, shared_with, kind)),
                None,
            )  # fmt: skip
            if share is None:
                share = StoredShare(self._next("shares"), found.id, shared_with, kind, permission, me)
                self.shares[share.id] = share
            share.permission = permission
            return Reply(
                201,
                {
                    "id": share.id,
                    "listId": share.list_id,
                    "sharedWith": share.shared_with,
                    "sharedWithType": share.shared_with_type,
                    "sharedWithDisplayName": shared_with,
                    "permission": share.permission,
                    "sharedBy": share.shared_by,
                },
            )


# -- contract samples ---------------------------------------------------------------------
def _alices_list(context: Any) -> dict[str, str]:
    """Alice's list with an open item and a checked one; bob's list; a list shared with bob read-only."""
    app: ShoppingListApp = context.app
    alice, bob = context.users["alice"].id, context.users["bob"].id
    with app._lock:
        now = _now()
        mine = StoredList(app._next("lists"), alice, "Groceries", now, now)
        bobs = StoredList(app._next("lists"), bob, "Bob's", now, now)
        shared = StoredList(app._next("lists"), bob, "Shared with alice", now, now)
        for found in (mine, bobs, shared):
            app.lists[found.id] = found
        milk = StoredItem(app._next("items"), mine.id, "milk", "2", "l", None, now, now)
        eggs = StoredItem(app._next("items"), mine.id, "eggs", "1", None, None, now, now, True, alice)
        bread = StoredItem(app._next("items"), bobs.id, "bread", "1", None, None, now, now)
        for item in (milk, eggs, bread):
            app.items[item.id] = item
        read_only = StoredShare(app._next("shares"), shared.id, alice, 0, 0, bob)
        app.shares[read_only.id] = read_only
    return {
        "list": str(mine.id),
        "bobs": str(bobs.id),
        "shared": str(shared.id),
        "milk": str(milk.id),
        "eggs": str(eggs.id),
        "bread": str(bread.id),
    }


L = BASE + "/lists"
SAMPLES = [
    Sample("GET", L, 200, setup=_alices_list),
    Sample("POST", L, 201, json={"title": "Weekend"}),
    Sample("GET", L + "/{list}", 200, setup=_alices_list),
    Sample("GET", L + "/{shared}", 200, setup=_alices_list, note="shared read-only"),
    Sample("GET", L + "/{bobs}", 404, setup=_alices_list, note="another user's"),
    Sample("GET", L + "/999999", 404),
    Sample("PUT", L + "/{list}", 200, json={"title": "Food"}, setup=_alices_list),
    Sample("PUT", L + "/{shared}", 403, json={"title": "x"}, setup=_alices_list, note="read-only share"),
    Sample("PUT", L + "/{bobs}", 403, json={"title": "x"}, setup=_alices_list, note="not shared: 403 on writes"),
    Sample("PUT", L + "/999999", 404, json={"title": "x"}),
    Sample("DELETE", L + "/{list}", 204, setup=_alices_list),
    Sample("DELETE", L + "/{shared}", 403, setup=_alices_list, note="owner only"),
    Sample("DELETE", L + "/999999", 404),
    Sample("GET", L + "/{list}/items", 200, setup=_alices_list),
    Sample("GET", L + "/{bobs}/items", 404, setup=_alices_list),
    Sample("POST", L + "/{list}/items", 201, json={"name": "flour", "quantity": "2", "unit": "kg"}, setup=_alices_list),
    Sample("POST", L + "/{shared}/items", 403, json={"name": "x"}, setup=_alices_list),
    Sample("POST", L + "/999999/items", 404, json={"name": "x"}),
    Sample("PUT", L + "/{list}/items/{milk}", 200, json={"quantity": "3"}, setup=_alices_list),
    Sample("PUT", L + "/{list}/items/{bread}", 403, json={"name": "x"}, setup=_alices_list, note="bob's item"),
    Sample("PUT", L + "/{list}/items/999999", 404, json={"name": "x"}, setup=_alices_list),
    Sample("PUT", L + "/{list}/items/{milk}/check", 200, json={"checked": True}, setup=_alices_list),
    Sample("PUT", L + "/{list}/items/{bread}/check", 403, json={"checked": True}, setup=_alices_list),
    Sample("PUT", L + "/{list}/items/999999/check", 404, json={"checked": True}, setup=_alices_list),
    Sample("DELETE", L + "/{list}/items/{milk}", 204, setup=_alices_list),
    Sample("DELETE", L + "/{list}/items/{bread}", 403, setup=_alices_list),
    Sample("DELETE", L + "/{list}/items/999999", 404, setup=_alices_list),
    Sample("DELETE", L + "/{list}/items/checked", 200, setup=_alices_list),
    Sample("DELETE", L + "/{shared}/items/checked", 403, setup=_alices_list),
    Sample("DELETE", L + "/999999/items/checked", 404),
    Sample("POST", L + "/{list}/items/uncheck-all", 200, setup=_alices_list),
    Sample("POST", L + "/{bobs}/items/uncheck-all", 403, setup=_alices_list),
    Sample("POST", L + "/999999/items/uncheck-all", 404),
    Sample("POST", L + "/{list}/shares", 201, json={"sharedWith": "{bob}", "shareType": 0, "permission": 1},
           setup=_alices_list),
    Sample("POST", L + "/{shared}/shares", 403, json={"sharedWith": "{bob}", "shareType": 0, "permission": 1},
           setup=_alices_list, note="owner only"),
    Sample("POST", L + "/{list}/shares", 404, json={"sharedWith": "nobody-here", "shareType": 0, "permission": 1},
           setup=_alices_list),
    Sample("POST", L + "/{list}/shares", 400, json={"sharedWith": "{alice}", "shareType": 0, "permission": 1},
           setup=_alices_list),
    Sample("GET", "/ocs/v1.php/apps/shopping_list/api/v1/lists", 100, setup=_alices_list),
]  # fmt: skip
