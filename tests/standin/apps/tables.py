"""Nextcloud Tables (app `tables`): tables, columns, rows, views, shares, favorites, contexts and CSV import.

Emulated as Tables 0.9/1.0 behaves (ApiTablesController, ApiColumnsController, RowOCSController on
OCS `api/2`; Api1Controller on REST `api/1`):
- ids: tables, columns, rows, views and shares each count from 1 across all users;
- a column is `type` + `subtype` (text line/long/rich/link, number with progress/stars,
  datetime with date/time, selection with multi/check, usergroup); the column JSON carries every
  type's settings (the other types' empty, and unset number bounds and text lengths null as
  Tables' Column::jsonSerialize sends them); `selectionOptions` is the JSON text of `[{id, label}]`
  as the contract writes it;
- a row's `data` is the list of `{columnId, value}`, values stored as written: a selection's
  option id, a multi selection's list of ids, "true"/"false" for a check, "YYYY-MM-DD HH:MM" for a
  datetime, `[{id, type}]` for users (0) and groups (1);
- access: the owner may do everything; a share of the table (to the user, or to a group of theirs as
  the provisioning_api stand-in holds them) grants its read/create/update/delete/manage flags;
  without one, an application (context) shared with the user grants the permissions of its nodes,
  OR-ed over all its nodes as Tables 1.0 does (its owner: all). A view: all for whoever manages its
  table; else a share of the view, its flags joined with the table's (a share of the table alone
  does not open its views); else an application's grants. A table one cannot see answers 404 ("...
  not found"); one seen without the permission asked for answers 403 with Tables' PermissionError
  words ("update row id = 5 is not allowed."). A cell for a column of another table answers 400
  ("Column with id 9 is not part of table with id 1"), as does a selection option id the column
  lacks;
- import: a CSV file in the caller's files, its first line the column titles; matching columns by
  title, missing ones created as text lines when asked; answers the ImportState counts; through a
  view: the view's columns only, created ones added to the view (asking to create columns without
  manage rights on the table is refused, 403, even when none is missing), rows made as in the view;
- a row made through a view (`POST views/{id}/rows`): RequirePermission(CREATE) (404 unseen, 403),
  only the view's columns (another one is Tables' InternalError, 500), only theirs mandatory, the
  hidden columns its `is-equal` filters name filled with the filter's value, the answer showing
  the view's columns only;
- shares of tables, views and contexts (`nodeType`), made by whoever manages the node (404 for one
  unseen, 403 otherwise); a context share carries no permission flags, only its `displayMode`; a
  view's shares are listed to its managers; an unknown user receiver answers 404 (Tables 1.0.9
  itself accepts any id: kept as the earlier emulation had it);
- a view's rows (Row2Mapper::findAll): its filter groups OR-ed, each group's rules AND-ed, with
  '@' placeholders resolved (`@selection-id-<id>`, `@checked`, `@me`, ...) and compared with the
  cells as Tables' cell tables hold them (selections as JSON text, text without regard to case as
  MySQL's collation does); a row without the cell matches where the column's default would; then
  its sort rules (empty cells first ascending), offset and limit; only the view's columns shown;
- favorites per user and node (table 0, view 1); a node one cannot see answers 404;
- transfer of a table: its owner only (403 otherwise, seen or not), to any user id (Tables 1.0
  checks none); contexts ("applications"): owned by one user and read by those it is shared with
  (`sharing` keyed by share id), an icon from Tables' own set (400 otherwise), nodes only the owner
  manages (403), the quirks of their JSON kept (nodes camelCase in a list when created, keyed by
  relation id and snake_case when loaded); managing another's context answers 403, reading or
  transferring it 404 (transferring one shared with you, 403). The page content order route is not
  emulated.

Capabilities: `{"tables": {"enabled", "version", "apiVersions", "features", "column_types"}}`.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.standin.core import User
from tests.standin.kit import EmulatedApp, Failure, Reply, Request, Sample, route

CONTRACT = "nextcloud-31/tables.openapi.json"
CONTRACT_1_0 = "apps/tables-1.0.9.openapi.json"
"""Tables 1.0.9's own description: the routes added for views' rows, favorites, ownership and
contexts name it (it documents the 400 answers the 0.9.9 one lacks)."""
OCS = "/ocs/v2.php/apps/tables/api/2"
REST = "/index.php/apps/tables/api/1"
COLUMN_TYPES = [
    "text-line", "text-long", "text-rich", "text-link", "number", "number-stars", "number-progress",
    "datetime", "datetime-date", "datetime-time", "selection", "selection-multi", "selection-check", "usergroup",
]  # fmt: skip
SUBTYPES = {
    "text": {"line", "long", "rich", "link"},
    "number": {"", "progress", "stars"},
    "datetime": {"", "date", "time"},
    "selection": {"", "multi", "check"},
    "usergroup": {""},
}
PERMISSIONS = ("read", "create", "update", "delete", "manage")
TABLE, VIEW = 0, 1
"""Application::NODE_TYPE_TABLE and NODE_TYPE_VIEW."""
_NODE = {"table": TABLE, "view": VIEW}


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class TableRec:
    id: int
    title: str
    owner: str
    emoji: str | None = None
    description: str = ""
    archived: bool = False
    created: str = field(default_factory=now)
    edited: str = field(default_factory=now)
    edited_by: str = ""


@dataclass
class ShareRec:
    id: int
    table_id: int
    sender: str
    receiver: str
    receiver_type: str
    permissions: dict[str, bool]
    created: str = field(default_factory=now)
    node_type: str = "table"
    """"table", "view" or "context" (`table_id` is then the view's or context's id)."""
    display_mode: int = 2
    """A context share's navigation entry: 0 hidden, 1 recipients, 2 all (Application::NAV_ENTRY_MODE_*)."""


class TablesApp(EmulatedApp):
    """The Tables app (see the module docstring)."""

    app_id = "tables"
    prefixes = ("/ocs/v2.php/apps/tables/", "/index.php/apps/tables/")

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self._lock = threading.RLock()
        self.tables: dict[int, TableRec] = {}
        self.columns: dict[int, dict[str, Any]] = {}
        self.rows: dict[int, dict[str, Any]] = {}
        self.views: dict[int, dict[str, Any]] = {}
        self.shares: dict[int, ShareRec] = {}
        self.favorites: set[tuple[str, int, int]] = set()
        """(user id, node type, node id) of each favorite: table 0, view 1 (Application::NODE_TYPE_*)."""
        self.contexts: dict[int, dict[str, Any]] = {}
        self._ids = {"table": 0, "column": 0, "row": 0, "view": 0, "share": 0, "context": 0, "rel": 0, "page": 0,
                     "content": 0}  # fmt: skip

    def capabilities(self, user: User) -> dict[str, Any]:
        return {
            "tables": {
                "enabled": True,
                "version": "1.0.9",
                "apiVersions": ["1.0", "2.0"],
                "features": ["favorite", "archive", "context"],
                "isCirclesEnabled": False,
                "column_types": COLUMN_TYPES,
            }
        }

    def _next(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]

    # -- access ----------------------------------------------------------------------

    def permissions(self, user_id: str, table: TableRec) -> dict[str, bool] | None:
        """PermissionsService for a table: its owner all; else the shares to the user (or a group of
        theirs); else what an application shared with them grants (None: no access)."""
        if table.owner == user_id:
            return dict.fromkeys(PERMISSIONS, True)
        found = [s.permissions for s in self.shares_to(user_id, "table", table.id)]
        if not found:
            return self.context_grants(user_id, TABLE, table.id)
        return {name: any(p.get(name, False) for p in found) for name in PERMISSIONS}

    def view_permissions(self, user_id: str, view: dict[str, Any]) -> dict[str, bool] | None:
        """PermissionsService for a view: all for whoever may manage its table; else, with a share of
        the view, its flags joined with those the table grants (getSharedPermissionsIfSharedWithMe);
        else an application's grants. A share of the table alone does not open its views."""
        table = self.tables.get(view["tableId"])
        if table is None:
            return None
        on_table = self.permissions(user_id, table) or dict.fromkeys(PERMISSIONS, False)
        if on_table["manage"]:
            return dict.fromkeys(PERMISSIONS, True)
        found = [s.permissions for s in self.shares_to(user_id, "view", view["id"])]
        if not found:
            return self.context_grants(user_id, VIEW, view["id"])
        granted = {name: on_table[name] or any(p.get(name, False) for p in found) for name in PERMISSIONS}
        granted["read"] = granted["read"] or granted["update"] or granted["delete"]
        return granted

    def groups_of(self, user_id: str) -> list[str]:
        directory = self.standin.services.get("provisioning_api")
        return directory.groups_of(user_id) if directory is not None else []

    def shares_to(self, user_id: str, node_type: str, node_id: int) -> list[ShareRec]:
        groups = self.groups_of(user_id)
        return [s for s in self.shares.values() if s.node_type == node_type and s.table_id == node_id
                and (s.receiver_type, s.receiver) in (("user", user_id), *(("group", g) for g in groups))]  # fmt: skip

    def context_visible(self, user_id: str, context: dict[str, Any]) -> bool:
        return context["owner"] == user_id or bool(self.shares_to(user_id, "context", context["id"]))

    def context_grants(self, user_id: str, node_type: int, node_id: int) -> dict[str, bool] | None:
        """getPermissionIfAvailableThroughContext: the owner of an application holding the node gets
        all; a sharee the permissions of every node of those applications OR-ed (Tables 1.0's way)."""
        bits, found = 0, False
        for context in self.contexts.values():
            if not self.context_visible(user_id, context):
                continue
            if not any((r["node_type"], r["node_id"]) == (node_type, node_id) for r in context["nodes"]):
                continue
            if context["owner"] == user_id:
                return dict.fromkeys(PERMISSIONS, True)
            found = True
            for rel in context["nodes"]:
                bits |= rel["permissions"]
        if not found:
            return None
        return {name: bool(bits & (1 << i)) for i, name in enumerate(PERMISSIONS)}

    def table_for(self, user: User, table_id: Any, need: str, what: str = "") -> TableRec:
        table = self.tables.get(_int(table_id))
        granted = self.permissions(user.id, table) if table is not None else None
        if table is None or granted is None or not granted["read"]:
            raise Failure(404, f"Table with id {table_id} not found", self._body(f"Table {table_id} not found"))
        if not granted[need]:
            message = what or f"PermissionError: {need} table id = {table.id} is not allowed."
            raise Failure(403, message, self._body(message))
        return table

    _ocs_request = False

    def _body(self, message: str) -> Any:
        return {"message": message}

    # -- JSON ------------------------------------------------------------------------

    def table_json(self, table: TableRec, user: User) -> dict[str, Any]:
        granted = self.permissions(user.id, table) or dict.fromkeys(PERMISSIONS, False)
        shared = table.owner != user.id
        return {
            "id": table.id, "title": table.title, "emoji": table.emoji, "ownership": table.owner,
            "ownerDisplayName": table.owner, "createdBy": table.owner, "createdAt": table.created,
            "lastEditBy": table.edited_by or table.owner, "lastEditAt": table.edited, "archived": table.archived,
            "favorite": (user.id, TABLE, table.id) in self.favorites, "isShared": shared,
            "onSharePermissions": granted if shared else None,
            "hasShares": any(s.table_id == table.id and s.node_type == "table" for s in self.shares.values()),
            "rowsCount": sum(1 for r in self.rows.values() if r["tableId"] == table.id),
            "views": [self.view_json(v, user) for v in self.views.values() if v["tableId"] == table.id],
            "columnsCount": sum(1 for c in self.columns.values() if c["tableId"] == table.id),
            "description": table.description,
        }  # fmt: skip

    def view_json(self, view: dict[str, Any], user: User) -> dict[str, Any]:
        return view | {"favorite": (user.id, VIEW, view["id"]) in self.favorites,
                       "rowsCount": len(self.view_rows(view, user))}  # fmt: skip

    def row_json(self, row: dict[str, Any]) -> dict[str, Any]:
        cells = [{"columnId": cid, "value": value} for cid, value in row["values"].items()]
        return {key: row[key] for key in ("id", "tableId", "createdBy", "createdAt", "lastEditBy", "lastEditAt")} | {
            "data": cells
        }

    def share_json(self, share: ShareRec) -> dict[str, Any]:
        return {
            "id": share.id, "sender": share.sender, "receiver": share.receiver,
            "receiverDisplayName": share.receiver, "receiverType": share.receiver_type, "nodeId": share.table_id,
            "nodeType": share.node_type, "createdAt": share.created, "createdBy": share.sender,
            **{f"permission{name.title()}": share.permissions.get(name, False) for name in PERMISSIONS},
        }  # fmt: skip

    # -- tables (OCS) ------------------------------------------------------------------

    @route("GET", OCS + "/tables", contract=CONTRACT)
    async def list_tables(self, request: Request) -> Reply:
        with self._lock:
            seen = [t for t in self.tables.values() if self.permissions(request.user.id, t) is not None]
            return Reply(200, [self.table_json(t, request.user) for t in seen])

    @route("POST", OCS + "/tables", contract=CONTRACT)
    async def create_table(self, request: Request) -> Reply:
        args = request.args()
        title = str(args.get("title") or "").strip()
        if not title:
            raise Failure(400, "Title is required", self._body("Title is required"))
        with self._lock:
            table = TableRec(self._next("table"), title, request.user.id, args.get("emoji"),
                             str(args.get("description") or ""))  # fmt: skip
            self.tables[table.id] = table
            return Reply(200, self.table_json(table, request.user))

    @route("GET", OCS + "/tables/{id}", contract=CONTRACT)
    async def get_table(self, request: Request) -> Reply:
        with self._lock:
            return Reply(200, self.table_json(self.table_for(request.user, request.params["id"], "read"), request.user))

    @route("PUT", OCS + "/tables/{id}", contract=CONTRACT)
    async def update_table(self, request: Request) -> Reply:
        args = request.args()
        with self._lock:
            table = self.table_for(request.user, request.params["id"], "manage")
            if args.get("title") is not None:
                table.title = str(args["title"])
            if args.get("emoji") is not None:
                table.emoji = str(args["emoji"])
            if args.get("description") is not None:
                table.description = str(args["description"])
            if args.get("archived") is not None:
                table.archived = bool(args["archived"])
            table.edited, table.edited_by = now(), request.user.id
            return Reply(200, self.table_json(table, request.user))

    @route("DELETE", OCS + "/tables/{id}", contract=CONTRACT)
    async def delete_table(self, request: Request) -> Reply:
        with self._lock:
            table = self.table_for(request.user, request.params["id"], "manage")
            answer = self.table_json(table, request.user)
            if table.owner != request.user.id:
                raise Failure(403, "PermissionError: only the owner can delete a table",
                              self._body("PermissionError: only the owner can delete a table"))  # fmt: skip
            del self.tables[table.id]
            views = {k for k, v in self.views.items() if v["tableId"] == table.id}
            for store in (self.columns, self.rows, self.views):
                for key in [k for k, v in store.items() if v["tableId"] == table.id]:
                    del store[key]
            for key in [k for k, s in self.shares.items() if (s.node_type, s.table_id) == ("table", table.id)
                        or (s.node_type == "view" and s.table_id in views)]:  # fmt: skip
                del self.shares[key]
            return Reply(200, answer)

    # -- columns -------------------------------------------------------------------------

    def column_of(self, user: User, column_id: Any, need: str) -> tuple[dict[str, Any], TableRec]:
        column = self.columns.get(_int(column_id))
        if column is None:
            raise Failure(404, f"Column with id {column_id} not found", self._body("Column not found"))
        try:
            table = self.table_for(user, column["tableId"], need)
        except Failure as failure:
            if failure.status == 404:
                raise Failure(404, f"Column with id {column_id} not found", self._body("Column not found")) from None
            raise
        return column, table

    @route("GET", OCS + "/columns/{nodeType}/{nodeId}", contract=CONTRACT)
    async def list_columns(self, request: Request) -> Reply:
        with self._lock:
            if request.params["nodeType"] == "view":
                view = self.views.get(_int(request.params["nodeId"]))
                if view is None or not (self.view_permissions(request.user.id, view) or {}).get("read"):
                    raise Failure(404, "View not found", self._body("View not found"))
                return Reply(200, [self.columns[c] for c in view["columns"] if c in self.columns])
            table = self.table_for(request.user, request.params["nodeId"], "read")
            return Reply(200, [c for c in self.columns.values() if c["tableId"] == table.id])

    @route("GET", OCS + "/columns/{id}", contract=CONTRACT)
    async def get_column(self, request: Request) -> Reply:
        with self._lock:
            return Reply(200, self.column_of(request.user, request.params["id"], "read")[0])

    async def _create_column(self, request: Request, column_type: str) -> Reply:
        args = request.args()
        subtype = str(args.get("subtype") or ("line" if column_type == "text" else ""))
        if subtype not in SUBTYPES[column_type]:
            raise Failure(400, f"Invalid subtype {subtype}", self._body(f"Invalid subtype {subtype}"))
        title = str(args.get("title") or "").strip()
        if not title:
            raise Failure(400, "Title is required", self._body("Title is required"))
        with self._lock:
            if args.get("baseNodeType", "table") == "view":
                view = self.views.get(_int(args.get("baseNodeId")))
                table_id: Any = view["tableId"] if view else 0
            else:
                table_id = args.get("baseNodeId")
            table = self.table_for(
                request.user,
                table_id,
                "manage",
                f"PermissionError: create column for table id = {table_id} is not allowed.",
            )
            column = _column(self._next("column"), table.id, column_type, subtype, title, args, request.user.id)
            self.columns[column["id"]] = column
            for view_id in args.get("selectedViewIds") or []:
                if _int(view_id) in self.views:
                    self.views[_int(view_id)]["columns"].append(column["id"])
            return Reply(200, column)

    @route("POST", OCS + "/columns/text", contract=CONTRACT)
    async def create_text_column(self, request: Request) -> Reply:
        return await self._create_column(request, "text")

    @route("POST", OCS + "/columns/number", contract=CONTRACT)
    async def create_number_column(self, request: Request) -> Reply:
        return await self._create_column(request, "number")

    @route("POST", OCS + "/columns/selection", contract=CONTRACT)
    async def create_selection_column(self, request: Request) -> Reply:
        return await self._create_column(request, "selection")

    @route("POST", OCS + "/columns/datetime", contract=CONTRACT)
    async def create_datetime_column(self, request: Request) -> Reply:
        return await self._create_column(request, "datetime")

    @route("POST", OCS + "/columns/usergroup", contract=CONTRACT)
    async def create_usergroup_column(self, request: Request) -> Reply:
        return await self._create_column(request, "usergroup")

    @route("PUT", REST + "/columns/{columnId}", contract=CONTRACT)
    async def update_column(self, request: Request) -> Reply:
        args = request.args()
        if "mandatory" not in args:
            raise Failure(400, "mandatory is required")
        with self._lock:
            column, _table = self.column_of(request.user, request.params["columnId"], "manage")
            if args.get("subtype") not in (None, column["subtype"]) and args["subtype"] not in SUBTYPES[column["type"]]:
                raise Failure(400, f"Invalid subtype {args['subtype']}")
            for key, value in args.items():
                if (
                    key in column
                    and key not in ("id", "tableId", "type", "createdBy", "createdAt")
                    and value is not None
                ):
                    column[key] = _setting(key, value)
            column["lastEditBy"], column["lastEditAt"] = request.user.id, now()
            return Reply(200, column)

    @route("DELETE", REST + "/columns/{columnId}", contract=CONTRACT)
    async def delete_column(self, request: Request) -> Reply:
        with self._lock:
            column, _table = self.column_of(request.user, request.params["columnId"], "manage")
            del self.columns[column["id"]]
            for row in self.rows.values():
                row["values"].pop(column["id"], None)
            for view in self.views.values():  # ViewService::deleteColumnDataFromViews
                view["columns"] = [c for c in view["columns"] if c != column["id"]]
                view["sort"] = [r for r in view["sort"] or [] if r.get("columnId") != column["id"]]
                groups = [[f for f in g if f.get("columnId") != column["id"]] for g in view["filter"] or []]
                view["filter"] = [g for g in groups if g]
            return Reply(200, column)

    # -- rows ----------------------------------------------------------------------------

    @route("GET", REST + "/tables/{tableId}/rows", contract=CONTRACT)
    async def list_rows(self, request: Request) -> Reply:
        with self._lock:
            table = self.table_for(request.user, request.params["tableId"], "read")
            rows = sorted((r for r in self.rows.values() if r["tableId"] == table.id), key=lambda r: r["id"])
            offset = _int(request.query.get("offset") or 0)
            limit = request.query.get("limit")
            chosen = rows[offset : offset + _int(limit)] if limit else rows[offset:]
            return Reply(200, [self.row_json(r) for r in chosen])

    def _values(self, table: TableRec, data: Any, view: dict[str, Any] | None = None) -> dict[int, Any]:
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                raise Failure(400, "data is not valid JSON", self._body("data is not valid JSON")) from None
        if isinstance(data, list):  # [{columnId, value}] as the frontend sends it
            data = {item.get("columnId"): item.get("value") for item in data if isinstance(item, dict)}
        if not isinstance(data, dict):
            raise Failure(400, "data must be an object", self._body("data must be an object"))
        values: dict[int, Any] = {}
        for key, value in data.items():
            column = self.columns.get(_int(key))
            if view is not None and (column is None or column["id"] not in view["columns"]):
                message = f"Column with id {key} is not part of view with id {view['id']}"
                raise Failure(500, message, self._body(message))
            if column is None or column["tableId"] != table.id:
                message = f"Column with id {key} is not part of table with id {table.id}"
                raise Failure(400, message, self._body(message))
            problem = _invalid(column, value)
            if problem:
                raise Failure(400, problem, self._body(problem))
            values[column["id"]] = value
        return values

    @route("POST", OCS + "/{nodeCollection}/{nodeId}/rows", contract=CONTRACT)
    async def create_row(self, request: Request) -> Reply:
        collection, node_id = request.params["nodeCollection"], request.params["nodeId"]
        if collection not in ("tables", "views"):
            raise Failure(404, "")
        with self._lock:
            if collection == "views":
                return self._create_row_in_view(request, _int(node_id))
            table_id = node_id
            table = self.table_for(request.user, table_id, "create",
                                   f"PermissionError: create row in table id = {table_id} is not allowed.")  # fmt: skip
            values = self._values(table, request.args().get("data"))
            for column in self.columns.values():
                if column["tableId"] == table.id and column["mandatory"] and values.get(column["id"]) in (None, ""):
                    message = f"Column {column['title']} is mandatory"
                    raise Failure(400, message, self._body(message))
            stamp = now()
            row = {"id": self._next("row"), "tableId": table.id, "createdBy": request.user.id, "createdAt": stamp,
                   "lastEditBy": request.user.id, "lastEditAt": stamp, "values": values}  # fmt: skip
            self.rows[row["id"]] = row
            return Reply(200, self.row_json(row))

    def _create_row_in_view(self, request: Request, view_id: int) -> Reply:
        """RowService::create with a view: RequirePermission(CREATE) first (404 for a view one cannot
        see, 403 without the right); only the view's columns take values (another column is an
        InternalError, 500) and only theirs must be filled; columns the view hides but filters
        `is-equal` get the filter's value; the answer shows the view's columns only."""
        view = self.views.get(view_id)
        granted = self.view_permissions(request.user.id, view) if view is not None else None
        if view is None or granted is None or not granted["read"]:
            raise Failure(404, "", self._body(""))
        if not granted["create"]:
            message = f"User {request.user.id} cannot create rows on node {view_id} (type {VIEW})"
            raise Failure(403, message, self._body(message))
        values = self._values(self.tables[view["tableId"]], request.args().get("data"), view)
        for column_id in view["columns"]:
            column = self.columns.get(column_id)
            if column is not None and column["mandatory"] and values.get(column_id) in (None, ""):
                message = f"Column {column['title']} is mandatory"
                raise Failure(400, message, self._body(message))
        self._view_defaults(view, values, request.user)
        row = self._store_row(view["tableId"], values, request.user)
        shown = set(view["columns"])
        return Reply(200, self.row_json(row | {"values": {c: v for c, v in values.items() if c in shown}}))

    def _view_defaults(self, view: dict[str, Any], values: dict[int, Any], user: User) -> None:
        """RowService::enhanceWithViewDefaults: `is-equal` filters on columns the view does not show
        fill those cells (with the placeholder resolved) unless given."""
        for group in view["filter"] or []:
            for rule in group:
                column_id = _int(rule.get("columnId"))
                if column_id in view["columns"] or column_id < 0 or column_id in values:
                    continue
                if rule.get("operator") not in ("is-equal", "is-not-equal") or column_id not in self.columns:
                    continue
                value = str(rule.get("value", ""))
                resolved = {"@checked": "true", "@unchecked": "false", "@me": user.id, "@my-name": user.id}
                values[column_id] = value.removeprefix("@selection-id-") if value.startswith("@selection-id-") \
                    else resolved.get(value, value)  # fmt: skip

    def _store_row(self, table_id: int, values: dict[int, Any], user: User) -> dict[str, Any]:
        stamp = now()
        row = {"id": self._next("row"), "tableId": table_id, "createdBy": user.id, "createdAt": stamp,
               "lastEditBy": user.id, "lastEditAt": stamp, "values": values}  # fmt: skip
        self.rows[row["id"]] = row
        return row

    def row_of(self, user: User, row_id: Any, need: str) -> dict[str, Any]:
        row = self.rows.get(_int(row_id))
        if row is None:
            raise Failure(404, f"Row with id {row_id} not found")
        try:
            self.table_for(user, row["tableId"], need, f"PermissionError: {need} row id = {row_id} is not allowed.")
        except Failure as failure:
            if failure.status == 404:
                raise Failure(404, f"Row with id {row_id} not found") from None
            raise Failure(403, failure.message) from None
        return row

    @route("GET", REST + "/rows/{rowId}", contract=CONTRACT)
    async def get_row(self, request: Request) -> Reply:
        with self._lock:
            return Reply(200, self.row_json(self.row_of(request.user, request.params["rowId"], "read")))

    @route("PUT", REST + "/rows/{rowId}", contract=CONTRACT)
    async def update_row(self, request: Request) -> Reply:
        with self._lock:
            row = self.row_of(request.user, request.params["rowId"], "update")
            table = self.tables[row["tableId"]]
            try:
                values = self._values(table, request.args().get("data"))
            except Failure as failure:
                raise Failure(failure.status, failure.message) from None
            row["values"].update(values)
            row["lastEditBy"], row["lastEditAt"] = request.user.id, now()
            return Reply(200, self.row_json(row))

    @route("DELETE", REST + "/rows/{rowId}", contract=CONTRACT)
    async def delete_row(self, request: Request) -> Reply:
        with self._lock:
            row = self.row_of(request.user, request.params["rowId"], "delete")
            del self.rows[row["id"]]
            return Reply(200, self.row_json(row))

    # -- views ---------------------------------------------------------------------------

    def view_of(self, user: User, view_id: Any, need: str) -> dict[str, Any]:
        view = self.views.get(_int(view_id))
        if view is None:
            raise Failure(404, f"View with id {view_id} not found")
        try:
            self.table_for(user, view["tableId"], need)
        except Failure as failure:
            raise Failure(failure.status, failure.message if failure.status == 403 else "View not found") from None
        return view

    @route("GET", REST + "/tables/{tableId}/views", contract=CONTRACT)
    async def list_views(self, request: Request) -> Reply:
        with self._lock:
            table = self._rest_table(request, "read")
            return Reply(
                200, [self.view_json(v, request.user) for v in self.views.values() if v["tableId"] == table.id]
            )

    def _rest_table(self, request: Request, need: str) -> TableRec:
        try:
            return self.table_for(request.user, request.params["tableId"], need)
        except Failure as failure:
            raise Failure(failure.status, failure.message) from None

    @route("POST", REST + "/tables/{tableId}/views", contract=CONTRACT)
    async def create_view(self, request: Request) -> Reply:
        args = request.args()
        with self._lock:
            table = self._rest_table(request, "manage")
            stamp = now()
            view = {
                "id": self._next("view"), "title": str(args.get("title") or ""), "emoji": args.get("emoji"),
                "tableId": table.id, "ownership": table.owner, "ownerDisplayName": table.owner,
                "createdBy": request.user.id, "createdAt": stamp, "lastEditBy": request.user.id, "lastEditAt": stamp,
                "description": "", "columns": [], "columnSettings": [], "sort": [], "filter": [], "isShared": False,
                "favorite": False, "onSharePermissions": None, "hasShares": False, "rowsCount": 0,
            }  # fmt: skip
            self.views[view["id"]] = view
            return Reply(200, self.view_json(view, request.user))

    @route("PUT", REST + "/views/{viewId}", contract=CONTRACT)
    async def update_view(self, request: Request) -> Reply:
        data = request.args().get("data")
        if not isinstance(data, dict):
            raise Failure(400, "data must be an object of changes")
        with self._lock:
            view = self.view_of(request.user, request.params["viewId"], "manage")
            for key, value in data.items():
                if key not in ("title", "emoji", "description", "columns", "sort", "filter"):
                    raise Failure(400, f"{key} is not allowed.")
                if key in ("columns", "sort", "filter") and isinstance(value, str):
                    try:
                        value = json.loads(value)
                    except ValueError:
                        raise Failure(400, f"{key} is not valid JSON") from None
                view[key] = value
            view["columnSettings"] = [{"columnId": c, "order": i} for i, c in enumerate(view["columns"])]
            view["lastEditBy"], view["lastEditAt"] = request.user.id, now()
            return Reply(200, self.view_json(view, request.user))

    @route("DELETE", REST + "/views/{viewId}", contract=CONTRACT)
    async def delete_view(self, request: Request) -> Reply:
        with self._lock:
            view = self.view_of(request.user, request.params["viewId"], "manage")
            del self.views[view["id"]]
            for key in [k for k, s in self.shares.items() if (s.node_type, s.table_id) == ("view", view["id"])]:
                del self.shares[key]
            return Reply(200, self.view_json(view, request.user))

    # -- shares --------------------------------------------------------------------------

    def node_permissions(self, user_id: str, node_type: str, node_id: int) -> dict[str, bool] | None:
        """What the user may do with a shared node (table, view or context); None when not found or unseen."""
        if node_type == "table":
            table = self.tables.get(node_id)
            return self.permissions(user_id, table) if table is not None else None
        if node_type == "view":
            view = self.views.get(node_id)
            return self.view_permissions(user_id, view) if view is not None else None
        context = self.contexts.get(node_id)
        if context is None or not self.context_visible(user_id, context):
            return None
        return {name: name == "read" or context["owner"] == user_id for name in PERMISSIONS}

    @route("GET", REST + "/tables/{tableId}/shares", contract=CONTRACT)
    async def list_shares(self, request: Request) -> Reply:
        with self._lock:
            table = self._rest_table(request, "read")
            return Reply(200, [self.share_json(s) for s in self.shares.values()
                               if (s.node_type, s.table_id) == ("table", table.id)])  # fmt: skip

    @route("GET", REST + "/views/{viewId}/shares", contract=CONTRACT_1_0)
    async def list_view_shares(self, request: Request) -> Reply:
        """RequirePermission(MANAGE, view): 404 for a view one cannot see, 403 without manage rights."""
        with self._lock:
            view_id = _int(request.params["viewId"])
            granted = self.node_permissions(request.user.id, "view", view_id)
            if granted is None:
                raise Failure(404, "")
            if not granted["manage"]:
                message = f"User {request.user.id} cannot manage node {view_id} (type {VIEW})"
                raise Failure(403, message)
            return Reply(200, [self.share_json(s) for s in self.shares.values()
                               if (s.node_type, s.table_id) == ("view", view_id)])  # fmt: skip

    @route("POST", REST + "/shares", contract=CONTRACT)
    async def create_share(self, request: Request) -> Reply:
        """RequirePermission(MANAGE) on the node named (404 unseen, 403 without manage), then
        ShareService::create: a context share carries no permissions, only its navigation mode."""
        args = request.args()
        node_type = str(args.get("nodeType") or "")
        if node_type not in ("table", "view", "context"):
            raise Failure(500, "Invalid node type")
        with self._lock:
            node_id = _int(args.get("nodeId"))
            granted = self.node_permissions(request.user.id, node_type, node_id)
            if granted is None:
                raise Failure(404, "")
            if not granted["manage"]:
                what = f"context {node_id}" if node_type == "context" else f"node {node_id} (type {_NODE[node_type]})"
                raise Failure(403, f"User {request.user.id} cannot manage {what}")
            receiver = str(args.get("receiver") or "")
            receiver_type = str(args.get("receiverType") or "user")
            if receiver_type == "user" and receiver not in self.standin.users:
                raise Failure(404, f"User {receiver} not found")
            context = node_type == "context"
            share = ShareRec(
                self._next("share"),
                node_id,
                request.user.id,
                receiver,
                receiver_type,
                {name: not context and bool(args.get(f"permission{name.title()}", False)) for name in PERMISSIONS},
                node_type=node_type,
                display_mode=_int(args.get("displayMode", 2)),
            )
            self.shares[share.id] = share
            return Reply(200, self.share_json(share))

    def _share_for(self, request: Request) -> tuple[ShareRec | None, dict[str, bool] | None]:
        share = self.shares.get(_int(request.params["shareId"]))
        if share is None:
            return None, None
        return share, self.node_permissions(request.user.id, share.node_type, share.table_id)

    @route("DELETE", REST + "/shares/{shareId}", contract=CONTRACT)
    async def delete_share(self, request: Request) -> Reply:
        with self._lock:
            share, granted = self._share_for(request)
            if share is None or granted is None:
                raise Failure(404, "Share not found")
            if not granted.get("manage"):
                raise Failure(403, f"PermissionError: delete share id = {share.id} is not allowed.")
            del self.shares[share.id]
            return Reply(200, self.share_json(share))

    @route("GET", REST + "/shares/{shareId}", contract=CONTRACT_1_0)
    async def get_share(self, request: Request) -> Reply:
        with self._lock:
            share, granted = self._share_for(request)
            if share is None or granted is None:
                raise Failure(404, "Share not found")
            return Reply(200, self.share_json(share))

    @route("PUT", REST + "/shares/{shareId}", contract=CONTRACT_1_0)
    async def update_share_permission(self, request: Request) -> Reply:
        """ShareService::updatePermission: 404 for no such share, 403 unless one may manage its node
        (seeing it or not); an unknown `permissionType` changes nothing."""
        args = request.args()
        with self._lock:
            share, granted = self._share_for(request)
            if share is None:
                raise Failure(404, f"Share with id {request.params['shareId']} not found")
            if not (granted or {}).get("manage"):
                raise Failure(403, f"PermissionError: can not update share with id {share.id}")
            name = str(args.get("permissionType") or "")
            if name in PERMISSIONS:
                share.permissions[name] = args.get("permissionValue") in (True, "true", "1", 1)
            return Reply(200, self.share_json(share))

    # -- rows of a view --------------------------------------------------------------------

    @route("GET", REST + "/views/{viewId}", contract=CONTRACT_1_0)
    async def get_view(self, request: Request) -> Reply:
        with self._lock:
            view = self.views.get(_int(request.params["viewId"]))
            if view is None:
                raise Failure(404, f"View with id {request.params['viewId']} not found")
            if not (self.view_permissions(request.user.id, view) or {}).get("read"):
                raise Failure(403, f"PermissionError: can not read view with id {view['id']}")
            return Reply(200, self.view_json(view, request.user))

    @route("GET", REST + "/views/{viewId}/rows", contract=CONTRACT_1_0)
    async def list_view_rows(self, request: Request) -> Reply:
        """Row2Mapper::findAll for a view: its filter (OR of AND-groups) and sort rules applied to the
        table's rows, then offset and limit; each row carrying only the view's columns."""
        with self._lock:
            view = self.views.get(_int(request.params["viewId"]))
            if view is None or not (self.view_permissions(request.user.id, view) or {}).get("read"):
                raise Failure(404, "")  # RequirePermission(READ): a view one cannot see is not found
            rows = self.view_rows(view, request.user)
            offset = _int(request.query.get("offset") or 0)
            limit = request.query.get("limit")
            chosen = rows[max(offset, 0) : max(offset, 0) + _int(limit)] if limit else rows[max(offset, 0) :]
            shown = set(view["columns"])
            return Reply(200, [self.row_json(r | {"values": {c: v for c, v in r["values"].items() if c in shown}})
                               for r in chosen])  # fmt: skip

    def view_rows(self, view: dict[str, Any], user: User) -> list[dict[str, Any]]:
        rows = sorted((r for r in self.rows.values() if r["tableId"] == view["tableId"]), key=lambda r: r["id"])
        groups = [[self._resolved(f, user) for f in group] for group in view["filter"] or []]
        rows = [r for r in rows if not groups or any(all(self._holds(r, f) for f in g) for g in groups)]
        for rule in reversed(view["sort"] or []):
            if rule.get("mode") in ("ASC", "DESC"):
                rows = _sorted(rows, self._db_value, int(rule["columnId"]), rule["mode"] == "DESC")
        return rows

    def _resolved(self, rule: dict[str, Any], user: User) -> dict[str, Any]:
        """ColumnsHelper::resolveSearchValue for '@' placeholders, then the cell mapper's query form."""
        value = rule.get("value")
        value = "" if value is None else value if isinstance(value, str) else json.dumps(value)
        column = self.columns.get(_int(rule.get("columnId")))
        today = datetime.now(UTC)
        if value.startswith("@selection-id-"):
            value = value[len("@selection-id-") :]
        elif value.startswith("@"):
            name, _, extra = value[1:].partition(":")
            stars = {f"stars-{n}": str(n) for n in range(6)}
            value = {"me": user.id, "my-name": user.id, "checked": "true", "unchecked": "false", **stars,
                     "datetime-date-today": today.strftime("%Y-%m-%d"),
                     "datetime-now": today.strftime("%Y-%m-%d %H:%M"), "datetime-time-now": today.strftime("%H:%M"),
                     "datetime-exact-date": extra}.get(name, value)  # fmt: skip
        if column is not None and column["type"] == "selection":
            value = json.dumps(value.lstrip('"')) if column["subtype"] == "check" else value
            value = json.dumps(value) if column["subtype"] == "multi" else value
        return {"columnId": _int(rule.get("columnId")), "operator": rule.get("operator"), "value": value}

    def _db_value(self, row: dict[str, Any], column_id: int) -> Any:
        """A cell as Tables' cell tables hold it (selection values as JSON text), None without one."""
        meta = {-1: "id", -2: "createdBy", -3: "lastEditBy", -4: "createdAt", -5: "lastEditAt"}
        if column_id in meta:
            return row[meta[column_id]]
        column, value = self.columns.get(column_id), row["values"].get(column_id)
        if column is None or value is None:
            return None
        if column["type"] == "number":
            return float(value)
        if column["type"] == "selection":
            return _json_text(value, column)
        if column["type"] == "usergroup":
            return [str(item.get("id")) for item in value if isinstance(item, dict)] if isinstance(value, list) else []
        return str(value)

    def _holds(self, row: dict[str, Any], rule: dict[str, Any]) -> bool:
        """Row2Mapper::getFilterExpression for one rule: text matched without regard to case (MySQL's
        collation), numbers as numbers; a row without the cell matches when the column's default does."""
        column = self.columns.get(rule["columnId"])
        if column is None and rule["columnId"] > 0:
            raise Failure(500, f"No column found to build filter with for id {rule['columnId']}")
        operator, wanted = rule["operator"], rule["value"]
        value = self._db_value(row, rule["columnId"])
        if value is None:
            return operator == "is-empty" or _default_matches(column, operator, wanted)
        if isinstance(value, list):  # users and groups: one cell per entry
            return any(_compare(item, operator, wanted, None) for item in value)
        return _compare(value, operator, wanted, column)

    # -- favorites ---------------------------------------------------------------------------

    def _node(self, request: Request) -> tuple[int, int]:
        node_type, node_id = _int(request.params["nodeType"]), _int(request.params["nodeId"])
        view = self.views.get(node_id) if node_type == VIEW else None
        table = self.tables.get(view["tableId"] if view else node_id) if node_type in (TABLE, VIEW) else None
        if table is None or (node_type == VIEW and view is None) or self.permissions(request.user.id, table) is None:
            raise Failure(404, "", {"message": ""})  # RequirePermission(READ) answers NotFoundError
        return node_type, node_id

    @route("POST", OCS + "/favorites/{nodeType}/{nodeId}", contract=CONTRACT_1_0)
    async def add_favorite(self, request: Request) -> Reply:
        with self._lock:
            self.favorites.add((request.user.id, *self._node(request)))
            return Reply(200, {})

    @route("DELETE", OCS + "/favorites/{nodeType}/{nodeId}", contract=CONTRACT_1_0)
    async def remove_favorite(self, request: Request) -> Reply:
        with self._lock:
            self.favorites.discard((request.user.id, *self._node(request)))
            return Reply(200, {})

    # -- ownership ---------------------------------------------------------------------------

    @route("PUT", OCS + "/tables/{id}/transfer", contract=CONTRACT_1_0)
    async def transfer_table(self, request: Request) -> Reply:
        """TableService::setOwner: only the owner (seeing the table or not: 403), to any user id given
        (Tables 1.0 does not check that it exists); the shares' sender becomes the new owner."""
        new_owner = str(request.args().get("newOwnerUserId") or "")
        with self._lock:
            table = self.tables.get(_int(request.params["id"]))
            if table is None:
                raise Failure(404, NOT_FOUND, {"message": NOT_FOUND})
            if table.owner != request.user.id:
                raise Failure(403, PERMISSION, {"message": PERMISSION})
            old, table.owner = table.owner, new_owner
            for share in self.shares.values():
                if (share.node_type, share.table_id) == ("table", table.id) and share.sender == old:
                    share.sender = new_owner
            return Reply(200, self.table_json(table, request.user))

    # -- contexts (applications) -------------------------------------------------------------

    def context_json(self, context: dict[str, Any], fresh: list[int] = ()) -> dict[str, Any]:  # type: ignore[assignment]
        """Context::jsonSerialize as ContextMapper loads it: nodes and pages keyed by id (`[]` when
        none), nodes snake_case; the nodes in `fresh` (just added) camelCase as ContextNodeRelation
        serializes them, like the answers to create and update do."""
        nodes: dict[str, Any] = {}
        for rel in context["nodes"]:
            if rel["id"] in fresh:
                nodes[str(rel["id"])] = {"id": rel["id"], "contextId": context["id"], "nodeId": rel["node_id"],
                                         "nodeType": rel["node_type"], "permissions": rel["permissions"]}  # fmt: skip
            else:
                nodes[str(rel["id"])] = dict(rel)
        content = {str(c["id"]): {"order": c["order"], "node_rel_id": c["rel"]} for c in context["content"]}
        page = {"content": content or [], "id": context["page"], "page_type": "startpage"}
        sharing = {
            str(s.id): {
                "share_id": s.id,
                "receiver": s.receiver,
                "receiver_type": s.receiver_type,
                "receiver_display_name": s.receiver,
                "display_mode_default": s.display_mode,
                "display_mode": s.display_mode,
            }
            for s in self.shares.values()
            if (s.node_type, s.table_id) == ("context", context["id"])
        }
        return {"id": context["id"], "name": context["name"], "iconName": context["icon"],
                "description": context["description"], "owner": context["owner"], "ownerType": 0,
                "sharing": sharing or [], "nodes": nodes or [], "pages": {str(context["page"]): page}}  # fmt: skip

    def context_of(self, user: User, context_id: Any, manage: bool) -> dict[str, Any]:
        context = self.contexts.get(_int(context_id))
        if context is not None and context["owner"] == user.id:
            return context
        if context is not None and not manage and self.context_visible(user.id, context):
            return context  # shared with them: they read it
        if manage:  # @CanManageContext: the middleware's PermissionError, an OCSForbiddenException
            message = f"User {user.id} cannot manage context {_int(context_id)}"
            raise Failure(403, message, {"message": message})
        raise Failure(404, NOT_FOUND, {"message": NOT_FOUND})

    def _add_nodes(self, context: dict[str, Any], nodes: Any, user: User, order: int) -> list[int]:
        added = []
        for node in nodes:
            node_type, node_id = _int(node.get("type")), _int(node.get("id"))
            view = self.views.get(node_id) if node_type == VIEW else None
            table = self.tables.get(view["tableId"] if view else node_id) if node_type in (TABLE, VIEW) else None
            granted = self.permissions(user.id, table) if table is not None else None
            if not (granted or {}).get("manage") or (node_type == VIEW and view is None):
                raise Failure(403, PERMISSION, {"message": PERMISSION})
            rel = {"id": self._next("rel"), "node_id": node_id, "node_type": node_type,
                   "permissions": _int(node.get("permissions", 1))}  # fmt: skip
            context["nodes"].append(rel)
            context["content"].append(
                {"id": self._next("content"), "order": node.get("order") or order, "rel": rel["id"]}
            )
            added.append(rel["id"])
            order += 10
        return added

    @route("GET", OCS + "/contexts", contract=CONTRACT_1_0)
    async def list_contexts(self, request: Request) -> Reply:
        with self._lock:
            mine = [c for c in self.contexts.values() if self.context_visible(request.user.id, c)]
            return Reply(200, [self.context_json(c) for c in mine])

    @route("GET", OCS + "/contexts/{contextId}", contract=CONTRACT_1_0)
    async def get_context(self, request: Request) -> Reply:
        with self._lock:
            return Reply(200, self.context_json(self.context_of(request.user, request.params["contextId"], False)))

    @route("POST", OCS + "/contexts", contract=CONTRACT_1_0)
    async def create_context(self, request: Request) -> Reply:
        args = request.args()
        icon = str(args.get("iconName") or "")
        if icon not in ICONS:
            raise Failure(400, "Invalid icon name", {"message": "Invalid icon name"})
        with self._lock:
            context = {"id": self._next("context"), "name": str(args.get("name") or "").strip(), "icon": icon,
                       "description": str(args.get("description") or "").strip(), "owner": request.user.id,
                       "nodes": [], "content": [], "page": self._next("page")}  # fmt: skip
            added = self._add_nodes(context, args.get("nodes") or [], request.user, 10)
            self.contexts[context["id"]] = context
            answer = self.context_json(context, added)
            answer["nodes"] = list(answer["nodes"].values()) if added else []  # insertNodesFromArray: a list
            content = {str(c["id"]): {"id": c["id"], "nodeRelId": c["rel"], "order": c["order"]}
                       for c in context["content"]}  # insertPage: Page and PageContent serialized  # fmt: skip
            page = {"id": context["page"], "contextId": context["id"], "pageType": "startpage"}
            answer["pages"] = {str(context["page"]): page | ({"content": content} if content else {})}
            return Reply(200, answer)

    @route("PUT", OCS + "/contexts/{contextId}", contract=CONTRACT_1_0)
    async def update_context(self, request: Request) -> Reply:
        """ContextService::update: nodes replace the list (kept ones keep their relation and their
        place on the page, changed permissions updated; new ones need manage rights and take the
        `order` given, 100 without one). Reordering is the page route's job."""
        args = request.args()
        if args.get("iconName") is not None and args["iconName"] not in ICONS:
            raise Failure(400, "Invalid icon name", {"message": "Invalid icon name"})
        with self._lock:
            context = self.context_of(request.user, request.params["contextId"], True)
            for key, field_name in (("name", "name"), ("iconName", "icon"), ("description", "description")):
                if args.get(key) is not None:
                    context[field_name] = str(args[key]).strip()
            added: list[int] = []
            if args.get("nodes") is not None:
                wanted = [(_int(n.get("type")), _int(n.get("id"))) for n in args["nodes"]]
                keep = [r for r in context["nodes"] if (r["node_type"], r["node_id"]) in wanted]
                gone = {r["id"] for r in context["nodes"]} - {r["id"] for r in keep}
                context["nodes"] = keep
                context["content"] = [c for c in context["content"] if c["rel"] not in gone]
                fresh = [n for n in args["nodes"] if (_int(n.get("type")), _int(n.get("id"))) not in
                         {(r["node_type"], r["node_id"]) for r in keep}]  # fmt: skip
                for node in args["nodes"]:
                    for rel in keep:
                        if (rel["node_type"], rel["node_id"]) == (_int(node.get("type")), _int(node.get("id"))):
                            rel["permissions"] = _int(node.get("permissions", rel["permissions"]))
                added = self._add_nodes(context, [n | {"order": n.get("order") or 100} for n in fresh],
                                        request.user, 100)  # fmt: skip
            return Reply(200, self.context_json(context, added))

    @route("PUT", OCS + "/contexts/{contextId}/pages/{pageId}", contract=CONTRACT_1_0)
    async def update_content_order(self, request: Request) -> Reply:
        """ContextController::updateContentOrder (@CanManageContext: 403 for a context one cannot
        manage, there or not): 400 for a page of another context; each `{id, order}` sets that page
        content's order, an unknown id skipped. Answered with the context as the contract describes
        it (Tables 1.0.9's code answers the list of updated page contents; the client reads neither)."""
        content = request.args().get("content")
        with self._lock:
            context = self.context_of(request.user, request.params["contextId"], True)
            if _int(request.params["pageId"]) != context["page"]:
                raise Failure(400, "Page not found in given Context", {"message": "Page not found in given Context"})
            items = {c["id"]: c for c in context["content"]}
            for entry in content if isinstance(content, list) else []:
                if isinstance(entry, dict) and _int(entry.get("id")) in items:
                    items[_int(entry["id"])]["order"] = _int(entry.get("order"))
            return Reply(200, self.context_json(context))

    @route("DELETE", OCS + "/contexts/{contextId}", contract=CONTRACT_1_0)
    async def delete_context(self, request: Request) -> Reply:
        with self._lock:
            context = self.context_of(request.user, request.params["contextId"], True)
            answer = self.context_json(context)
            del self.contexts[context["id"]]
            for key in [k for k, s in self.shares.items() if (s.node_type, s.table_id) == ("context", context["id"])]:
                del self.shares[key]
            return Reply(200, answer)

    @route("PUT", OCS + "/contexts/{contextId}/transfer", contract=CONTRACT_1_0)
    async def transfer_context(self, request: Request) -> Reply:
        """RequirePermission(OWNER): 404 for a context one cannot see, 403 for one one does not own;
        then 400 for an owner type other than a user (0) or a user that does not exist."""
        args = request.args()
        with self._lock:
            context = self.context_of(request.user, request.params["contextId"], False)
            if context["owner"] != request.user.id:
                message = f"User {request.user.id} is not the owner of context {context['id']}"
                raise Failure(403, message, {"message": message})
            if _int(args.get("newOwnerType", 0)) != 0:
                raise Failure(400, "Unsupported owner type", {"message": "Unsupported owner type"})
            new_owner = str(args.get("newOwnerId") or "")
            if new_owner not in self.standin.users:
                raise Failure(400, "User does not exist", {"message": "User does not exist"})
            context["owner"] = new_owner
            return Reply(200, self.context_json(context))

    # -- import --------------------------------------------------------------------------

    @route("POST", REST + "/import/table/{tableId}", contract=CONTRACT)
    async def import_table(self, request: Request) -> Reply:
        args = request.args()
        with self._lock:
            table = self._rest_table(request, "create")
            path = self.standin.files_root(request.user) / str(args.get("path") or "").strip("/")
            if not str(args.get("path") or "").strip("/") or not path.is_file():
                raise Failure(404, "File for import was not found")
            lines = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
            header, body = (lines[0], lines[1:]) if lines else ([], [])
            create = args.get("createMissingColumns", True) not in (False, "false", "0")
            state = dict.fromkeys(("found_columns_count", "matching_columns_count", "created_columns_count",
                                   "inserted_rows_count", "errors_parsing_count", "errors_count"), 0)  # fmt: skip
            state["found_columns_count"] = len(header)
            mapping: list[dict[str, Any] | None] = []
            for title in header:
                match = next(
                    (c for c in self.columns.values() if c["tableId"] == table.id and c["title"] == title), None
                )
                if match is not None:
                    state["matching_columns_count"] += 1
                elif create and (
                    table.owner == request.user.id or (self.permissions(request.user.id, table) or {}).get("manage")
                ):
                    match = _column(self._next("column"), table.id, "text", "line", title, {}, request.user.id)
                    self.columns[match["id"]] = match
                    state["created_columns_count"] += 1
                mapping.append(match)
            for line in body:
                values: dict[int, Any] = {}
                for column, raw in zip(mapping, line, strict=False):
                    if column is None or raw == "":
                        continue
                    value = _from_csv(column, raw)
                    if value is None:
                        state["errors_parsing_count"] += 1
                        continue
                    values[column["id"]] = value
                stamp = now()
                row = {"id": self._next("row"), "tableId": table.id, "createdBy": request.user.id, "createdAt": stamp,
                       "lastEditBy": request.user.id, "lastEditAt": stamp, "values": values}  # fmt: skip
                self.rows[row["id"]] = row
                state["inserted_rows_count"] += 1
            return Reply(200, state)

    @route("POST", REST + "/import/views/{viewId}", contract=CONTRACT_1_0)
    async def import_view(self, request: Request) -> Reply:
        """ImportService::import into a view: RequirePermission(CREATE, view) (404 unseen, 403 without
        the right), then 403 when missing columns are to be created by one who cannot manage the
        table (asked for, not needed); the CSV's titles matched with the view's columns, missing
        ones created in the table and added to the view; rows made as in the view (its mandatory
        columns, its `is-equal` filters' values), a row refused counted as an error."""
        args = request.args()
        view_id = _int(request.params["viewId"])
        with self._lock:
            view = self.views.get(view_id)
            granted = self.view_permissions(request.user.id, view) if view is not None else None
            if view is None or granted is None or not granted["read"]:
                raise Failure(404, "")
            if not granted["create"]:
                raise Failure(403, f"User {request.user.id} cannot create rows on node {view_id} (type {VIEW})")
            table = self.tables[view["tableId"]]
            create = args.get("createMissingColumns", True) not in (False, "false", "0")
            if create and not (self.permissions(request.user.id, table) or {}).get("manage"):
                raise Failure(403, f"create columns at the view id = {view_id} is not allowed.")
            given = str(args.get("path") or "").strip("/")
            path = self.standin.files_root(request.user) / given
            if not given or not path.is_file():
                raise Failure(404, "File for import could not be found.")
            lines = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
            header, body = (lines[0], lines[1:]) if lines else ([], [])
            state = dict.fromkeys(("found_columns_count", "matching_columns_count", "created_columns_count",
                                   "inserted_rows_count", "updated_rows_count", "errors_parsing_count",
                                   "errors_count"), 0)  # fmt: skip
            state["found_columns_count"] = len(header)
            mapping: list[dict[str, Any] | None] = []
            for title in header:
                shown = [self.columns[c] for c in view["columns"] if c in self.columns]
                match = next((c for c in shown if c["title"] == title), None)
                if match is not None:
                    state["matching_columns_count"] += 1
                elif create:
                    match = _column(self._next("column"), table.id, "text", "line", title, {}, request.user.id)
                    self.columns[match["id"]] = match
                    view["columns"].append(match["id"])
                    state["created_columns_count"] += 1
                mapping.append(match)
            for line in body:
                values: dict[int, Any] = {}
                for column, raw in zip(mapping, line, strict=False):
                    if column is None or raw == "":
                        continue
                    value = _from_csv(column, raw)
                    if value is None:
                        state["errors_parsing_count"] += 1
                        continue
                    values[column["id"]] = value
                missing = [c for c in view["columns"] if self.columns.get(c, {}).get("mandatory")
                           and values.get(c) in (None, "")]  # fmt: skip
                if missing:
                    state["errors_count"] += 1
                    continue
                self._view_defaults(view, values, request.user)
                self._store_row(table.id, values, request.user)
                state["inserted_rows_count"] += 1
            return Reply(200, state)


NOT_FOUND = (
    "A not found error occurred. More details can be found in the logs. Please reach out to your administration."
)
PERMISSION = (
    "A permission error occurred. More details can be found in the logs. Please reach out to your administration."
)
"""AOCSController's words for a NotFoundError and a PermissionError (the cause goes to the log only)."""
_ICON_NAMES = (
    "account adjust alarm album alert anchor android animation antenna api apps assistant at atm "
    "attachment atv autorenew baby backspace balcony ballot bandage bank barrel basket basketball "
    "bathtub battery bed bee bell biathlon bike blender blur book bookmark boombox briefcase broadcast "
    "brush bug bullhorn bus cached cake calendar camera cancel candle car carabiner cart cast cellphone "
    "charity check checkbook church city clock close cloud coffee cog cogs collage compare compass "
    "compost contacts controller cookie copyright countertop cradle creation cricket crop crosshairs "
    "crowd delete delta details devices dialpad directions dishwasher diving dns domain download "
    "dumbbell earth eject email emoticon equalizer eye fax fencing ferry file film filmstrip finance "
    "fingerprint fire firebase flag flare flash flower folder food football forest forum forward "
    "fullscreen gamepad gauge gesture gmail golf google grain grass grid grill gymnastics hail hammer "
    "handball hdr headphones headset heart hiking history home hub human hvac image inbox information "
    "iron kabaddi karate kayaking key keyboard kite kitesurfing label ladybug landslide laptop launch "
    "layers leak library license lightbulb link liquor lock login logout looks loupe magnify map marker "
    "medication meditation memory menu merge message microphone minus monitor moped more "
    "mosque motion motorbike mouse movie mustache nature navigation newspaper noodles opacity overscan "
    "palette panorama paperclip paragliding parking pasta pause pencil phone piano pin pinwheel pizza "
    "play plus podcast polo post power printer publish puzzle racquetball radar radio raw redo refresh "
    "reminder remote rename repeat replay reply restart restore rewind ribbon rocket rodent rowing rss "
    "rugby run satellite saxophone scanner school scooter sd seat security segment send shape share "
    "shopping shuffle sigma silverware sim skate skateboard skateboarding ski sledding sleep smoking "
    "snowboard snowflake snowmobile snowshoeing soccer spa speaker spellcheck stadium star steering stop "
    "store subtitles subway surfing synagogue sync tab tablet tag taxi tea television tennis terrain "
    "text texture thermostat ticket timelapse toolbox train tram transition translate truck tsunami tune "
    "undo update upload usb vacuum vibrate video violin voicemail volcano volleyball vote walk wallet "
    "wallpaper watch water watermark web widgets wrench youtube"
)
ICONS = frozenset(_ICON_NAMES.split())
"""The icons Tables ships (img/material/*.svg in 1.0.9); a context's icon must be one of them."""


def _json_text(value: Any, column: dict[str, Any]) -> str:
    """RowCellSelectionMapper::valueToJsonDbValue: a single selection's id as text, a list or a check's
    "true"/"false" as JSON."""
    if column["subtype"] == "check":
        return json.dumps(str(value).strip('"'))
    if column["subtype"] == "multi":
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _php_less(a: Any, b: float) -> int:
    """PHP 8's `<=>` of a column's number default (null compares as false) with a float."""
    if a is None:
        return -1 if b else 0
    return (float(a) > b) - (float(a) < b)


def _default_matches(column: dict[str, Any] | None, operator: str, wanted: str) -> bool:
    """Whether Row2Mapper includes rows without a cell: when the column's default satisfies the rule."""
    if column is None:
        return False
    key = {"text": "textDefault", "number": "numberDefault", "datetime": "datetimeDefault",
           "selection": "selectionDefault", "usergroup": "usergroupDefault"}[column["type"]]  # fmt: skip
    default = column.get(key)
    text = "" if default is None else str(default)
    if operator in ("is-greater-than", "is-greater-than-or-equal", "is-lower-than", "is-lower-than-or-equal"):
        try:
            order = _php_less(column.get("numberDefault"), float(wanted))
        except ValueError:
            return False
        return {"is-greater-than": order > 0, "is-greater-than-or-equal": order >= 0, "is-lower-than": order < 0,
                "is-lower-than-or-equal": order <= 0}[operator]  # fmt: skip
    return {"begins-with": text.startswith(wanted), "ends-with": text.endswith(wanted), "contains": wanted in text,
            "is-equal": default == wanted, "is-empty": not default}.get(operator, False)  # fmt: skip


def _compare(value: Any, operator: str, wanted: str, column: dict[str, Any] | None) -> bool:
    """One cell against one rule, as the SQL Row2Mapper builds compares it."""
    multi = column is not None and column["type"] == "selection" and column["subtype"] == "multi"
    if multi:
        bare = wanted.replace('"', "").replace("'", "")
        items = value.strip("[]").split(",")
        return {"contains": bare in items, "is-equal": value == f"[{bare}]", "is-empty": False}.get(operator, False)
    if operator == "is-empty":
        return value == "" and column is not None and column["type"] == "text"
    if isinstance(value, float):
        try:
            a, b = value, float(wanted)
        except ValueError:
            return False
    else:
        a, b = str(value).casefold(), wanted.casefold()  # type: ignore[assignment]
    checks = {"begins-with": lambda: str(a).startswith(str(b)), "ends-with": lambda: str(a).endswith(str(b)),
              "contains": lambda: str(b) in str(a), "is-equal": lambda: a == b, "is-greater-than": lambda: a > b,
              "is-greater-than-or-equal": lambda: a >= b, "is-lower-than": lambda: a < b,
              "is-lower-than-or-equal": lambda: a <= b}  # fmt: skip
    if operator not in checks:
        raise Failure(500, f"Operator {operator} is not supported.")
    return bool(checks[operator]())


def _sorted(rows: list[dict[str, Any]], value_of: Any, column_id: int, descending: bool) -> list[dict[str, Any]]:
    """ORDER BY MAX(value): empty cells first ascending and last descending (MySQL), text without case."""

    def key(row: dict[str, Any]) -> tuple[int, Any]:
        value = value_of(row, column_id)
        if isinstance(value, list):
            value = max(value, default=None)
        if value is None:
            return (0, 0)
        return (1, value) if isinstance(value, float | int) else (2, str(value).casefold())

    return sorted(rows, key=key, reverse=descending)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _setting(key: str, value: Any) -> Any:
    if key in ("selectionOptions", "usergroupDefault", "selectionDefault") and not isinstance(value, str):
        return json.dumps(value)
    return value


def _column(column_id: int, table_id: int, column_type: str, subtype: str, title: str, args: dict[str, Any],
            user: str) -> dict[str, Any]:  # fmt: skip
    stamp = now()

    def get(key: str, default: Any) -> Any:
        value = args.get(key)
        return default if value is None else _setting(key, value)

    return {
        "id": column_id, "title": title, "tableId": table_id, "createdBy": user, "createdAt": stamp,
        "lastEditBy": user, "lastEditAt": stamp, "type": column_type, "subtype": subtype,
        "mandatory": bool(args.get("mandatory", False)), "description": str(args.get("description") or ""),
        "orderWeight": 0, "numberDefault": get("numberDefault", None), "numberMin": get("numberMin", None),
        "numberMax": get("numberMax", None), "numberDecimals": get("numberDecimals", None),
        "numberPrefix": get("numberPrefix", ""), "numberSuffix": get("numberSuffix", ""),
        "textDefault": get("textDefault", ""), "textAllowedPattern": get("textAllowedPattern", ""),
        "textMaxLength": get("textMaxLength", None), "selectionOptions": get("selectionOptions", "[]"),
        "selectionDefault": get("selectionDefault", ""), "datetimeDefault": get("datetimeDefault", ""),
        "usergroupDefault": get("usergroupDefault", ""),
        "usergroupMultipleItems": bool(get("usergroupMultipleItems", False)),
        "usergroupSelectUsers": bool(get("usergroupSelectUsers", True)),
        "usergroupSelectGroups": bool(get("usergroupSelectGroups", False)),
        "usergroupSelectTeams": bool(get("usergroupSelectTeams", False)),
        "showUserStatus": bool(get("showUserStatus", False)),
    }  # fmt: skip


def _option_ids(column: dict[str, Any]) -> set[int]:
    try:
        return {int(o["id"]) for o in json.loads(column["selectionOptions"] or "[]")}
    except (ValueError, KeyError, TypeError):
        return set()


def _invalid(column: dict[str, Any], value: Any) -> str:
    """What Tables refuses in a cell itself: an option id the selection column does not have."""
    if column["type"] != "selection" or column["subtype"] == "check" or value in (None, ""):
        return ""
    ids = value if isinstance(value, list) else [value]
    unknown = [item for item in ids if _int(item) not in _option_ids(column)]
    return f"Option {unknown[0]} is not valid for column {column['title']}" if unknown else ""


def _from_csv(column: dict[str, Any], raw: str) -> Any:
    if column["type"] == "number":
        try:
            return float(raw) if "." in raw else int(raw)
        except ValueError:
            return None
    return raw


def _alice_table(context: Any) -> dict[str, str]:
    app: TablesApp = context.app
    alice, bob = context.users["alice"], context.users["bob"]
    with app._lock:
        table = TableRec(app._next("table"), "Contract table", alice.id)
        app.tables[table.id] = table
        text = _column(app._next("column"), table.id, "text", "line", "Name", {}, alice.id)
        other = TableRec(app._next("table"), "Other", alice.id)
        app.tables[other.id] = other
        foreign = _column(app._next("column"), other.id, "text", "line", "Elsewhere", {}, alice.id)
        select = _column(
            app._next("column"),
            table.id,
            "selection",
            "",
            "State",
            {"selectionOptions": '[{"id": 1, "label": "Open"}, {"id": 2, "label": "Done"}]'},
            alice.id,
        )
        for column in (text, foreign, select):
            app.columns[column["id"]] = column
        stamp = now()
        row = {"id": app._next("row"), "tableId": table.id, "createdBy": alice.id, "createdAt": stamp,
               "lastEditBy": alice.id, "lastEditAt": stamp, "values": {text["id"]: "first"}}  # fmt: skip
        app.rows[row["id"]] = row
        view = {"id": app._next("view"), "title": "All", "emoji": None, "tableId": table.id, "ownership": alice.id,
                "ownerDisplayName": alice.id, "createdBy": alice.id, "createdAt": stamp, "lastEditBy": alice.id,
                "lastEditAt": stamp, "description": "", "columns": [text["id"]], "columnSettings": [], "sort": [],
                "filter": [], "isShared": False, "favorite": False, "onSharePermissions": None, "hasShares": False,
                "rowsCount": 0}  # fmt: skip
        app.views[view["id"]] = view
        share = ShareRec(
            app._next("share"),
            table.id,
            alice.id,
            bob.id,
            "user",
            {"read": True, "create": False, "update": False, "delete": False, "manage": False},
        )
        app.shares[share.id] = share
        hidden = dict(view, id=app._next("view"), title="Other's", tableId=other.id, columns=[foreign["id"]])
        app.views[hidden["id"]] = hidden
        context = {"id": app._next("context"), "name": "Contract app", "icon": "star", "description": "",
                   "owner": alice.id, "nodes": [], "content": [], "page": app._next("page")}  # fmt: skip
        app._add_nodes(context, [{"id": table.id, "type": TABLE, "permissions": 1}], alice, 10)
        app.contexts[context["id"]] = context
    (app.standin.files_root(alice) / "contract-import.csv").write_text("Name,Count\nx,1\ny,2\n")
    return {
        "table": str(table.id),
        "other": str(other.id),
        "text": str(text["id"]),
        "foreign": str(foreign["id"]),
        "select": str(select["id"]),
        "row": str(row["id"]),
        "view": str(view["id"]),
        "share": str(share.id),
        "hidden_view": str(hidden["id"]),
        "context": str(context["id"]),
    }


def _view_shared(context: Any) -> dict[str, str]:
    """Alice's table as `_alice_table` makes it, its view shared read-only with bob and its
    application shared with bob, plus a column the view does not show."""
    app: TablesApp = context.app
    ids = _alice_table(context)
    alice, bob = context.users["alice"], context.users["bob"]
    with app._lock:
        read_only = dict.fromkeys(PERMISSIONS, False) | {"read": True}
        view_share = ShareRec(app._next("share"), int(ids["view"]), alice.id, bob.id, "user", read_only,
                              node_type="view")  # fmt: skip
        context_share = ShareRec(app._next("share"), int(ids["context"]), alice.id, bob.id, "user",
                                 dict.fromkeys(PERMISSIONS, False), node_type="context")  # fmt: skip
        app.shares[view_share.id] = view_share
        app.shares[context_share.id] = context_share
        made = app.contexts[int(ids["context"])]
    return ids | {"view_share": str(view_share.id), "context_share": str(context_share.id),
                  "page": str(made["page"]), "content": str(made["content"][0]["id"])}  # fmt: skip


T = OCS + "/tables"
SAMPLES = [
    Sample("GET", T, setup=_alice_table),
    Sample("POST", T, json={"title": "Made", "emoji": "📋", "description": "d"}),
    Sample("GET", T + "/{table}", setup=_alice_table),
    Sample("GET", T + "/{table}", user="bob", setup=_alice_table, note="read-only share: visible"),
    Sample("GET", T + "/{other}", status=404, user="bob", setup=_alice_table, note="foreign table"),
    Sample("PUT", T + "/{table}", json={"title": "Renamed", "archived": False}, setup=_alice_table),
    Sample("PUT", T + "/{table}", status=403, user="bob", json={"title": "Mine"}, setup=_alice_table),
    Sample("DELETE", T + "/{other}", setup=_alice_table),
    Sample("DELETE", T + "/{other}", status=404, user="bob", setup=_alice_table),
    Sample("GET", OCS + "/columns/table/{table}", setup=_alice_table),
    Sample("GET", OCS + "/columns/table/{other}", status=404, user="bob", setup=_alice_table),
    Sample("GET", OCS + "/columns/{text}", setup=_alice_table),
    Sample("GET", OCS + "/columns/{foreign}", status=404, user="bob", setup=_alice_table),
    Sample("POST", OCS + "/columns/text", setup=_alice_table,
           json={"baseNodeId": "{table}", "title": "Notes", "subtype": "long"}),
    Sample("POST", OCS + "/columns/text", status=403, user="bob", setup=_alice_table,
           json={"baseNodeId": "{table}", "title": "Bob's"}),
    Sample("POST", OCS + "/columns/number", setup=_alice_table,
           json={"baseNodeId": "{table}", "title": "Stars", "subtype": "stars"}),
    Sample("POST", OCS + "/columns/number", status=404, user="bob", setup=_alice_table,
           json={"baseNodeId": "{other}", "title": "Count"}),
    Sample("POST", OCS + "/columns/selection", setup=_alice_table,
           json={"baseNodeId": "{table}", "title": "Tags", "subtype": "multi",
                 "selectionOptions": '[{{"id": 1, "label": "a"}}, {{"id": 2, "label": "b"}}]'}),
    Sample("POST", OCS + "/columns/datetime", setup=_alice_table,
           json={"baseNodeId": "{table}", "title": "Due", "subtype": "date"}),
    Sample("POST", OCS + "/columns/usergroup", setup=_alice_table,
           json={"baseNodeId": "{table}", "title": "Who", "usergroupMultipleItems": True}),
    Sample("PUT", REST + "/columns/{text}", setup=_alice_table, json={"mandatory": True, "title": "Full name"}),
    Sample("PUT", REST + "/columns/{text}", status=400, setup=_alice_table, json={"title": "No mandatory"}),
    Sample("DELETE", REST + "/columns/{text}", setup=_alice_table),
    Sample("GET", REST + "/tables/{table}/rows", setup=_alice_table, query={"limit": "10", "offset": "0"}),
    Sample("GET", REST + "/tables/{other}/rows", status=404, user="bob", setup=_alice_table),
    Sample("POST", OCS + "/tables/{table}/rows", setup=_alice_table,
           json={"data": '{{"{text}": "second", "{select}": 2}}'}),
    Sample("POST", OCS + "/tables/{table}/rows", status=400, setup=_alice_table, json={"data": '{{"{foreign}": "x"}}'}),
    Sample("POST", OCS + "/tables/{table}/rows", status=400, setup=_alice_table, json={"data": '{{"{select}": 9}}'}),
    Sample("POST", OCS + "/tables/{table}/rows", status=403, user="bob", setup=_alice_table,
           json={"data": '{{"{text}": "bob"}}'}),
    Sample("POST", OCS + "/tables/{other}/rows", status=404, user="bob", setup=_alice_table,
           json={"data": '{{"{foreign}": "bob"}}'}),
    Sample("GET", REST + "/rows/{row}", setup=_alice_table),
    Sample("GET", REST + "/rows/{row}", status=404, user="bob", setup=lambda c: {"row": "999999"}),
    Sample("PUT", REST + "/rows/{row}", setup=_alice_table, json={"data": '{{"{text}": "changed"}}'}),
    Sample("PUT", REST + "/rows/{row}", status=403, user="bob", setup=_alice_table,
           json={"data": '{{"{text}": "bob"}}'}),
    Sample("DELETE", REST + "/rows/{row}", setup=_alice_table),
    Sample("DELETE", REST + "/rows/{row}", status=403, user="bob", setup=_alice_table),
    Sample("GET", REST + "/tables/{table}/views", setup=_alice_table),
    Sample("GET", REST + "/tables/{other}/views", status=404, user="bob", setup=_alice_table),
    Sample("POST", REST + "/tables/{table}/views", setup=_alice_table, json={"title": "Open ones"}),
    Sample("POST", REST + "/tables/{table}/views", status=403, user="bob", setup=_alice_table, json={"title": "x"}),
    Sample("PUT", REST + "/views/{view}", setup=_alice_table,
           json={"data": {"title": "Sorted", "sort": '[{{"columnId": {text}, "mode": "DESC"}}]',
                          "filter": '[[{{"columnId": {text}, "operator": "contains", "value": "f"}}]]'}}),
    Sample("PUT", REST + "/views/{view}", status=400, setup=_alice_table, json={"data": {"owner": "bob"}}),
    Sample("PUT", REST + "/views/{view}", status=403, user="bob", setup=_alice_table, json={"data": {"title": "b"}}),
    Sample("DELETE", REST + "/views/{view}", setup=_alice_table),
    Sample("DELETE", REST + "/views/{view}", status=404, user="bob", setup=lambda c: {"view": "999999"}),
    Sample("GET", REST + "/tables/{table}/shares", setup=_alice_table),
    Sample("GET", REST + "/tables/{other}/shares", status=404, user="bob", setup=_alice_table),
    Sample("POST", REST + "/shares", setup=_alice_table,
           json={"nodeId": "{table}", "nodeType": "table", "receiver": "{bob}", "receiverType": "user",
                 "permissionRead": True, "permissionUpdate": True}),
    Sample("POST", REST + "/shares", status=403, user="bob", setup=_alice_table,
           json={"nodeId": "{table}", "nodeType": "table", "receiver": "{bob}", "receiverType": "user"}),
    Sample("POST", REST + "/shares", status=404, setup=_alice_table,
           json={"nodeId": "{table}", "nodeType": "table", "receiver": "nobody-here", "receiverType": "user"}),
    Sample("DELETE", REST + "/shares/{share}", setup=_alice_table),
    Sample("DELETE", REST + "/shares/{share}", status=403, user="bob", setup=_alice_table),
    Sample("GET", REST + "/shares/{share}", setup=_alice_table),
    Sample("GET", REST + "/shares/{share}", status=404, setup=lambda c: {"share": "999999"}),
    Sample("PUT", REST + "/shares/{share}", setup=_alice_table,
           json={"permissionType": "update", "permissionValue": True}),
    Sample("PUT", REST + "/shares/{share}", status=403, user="bob", setup=_alice_table,
           json={"permissionType": "manage", "permissionValue": True}),
    Sample("PUT", REST + "/shares/{share}", status=404, setup=lambda c: {"share": "999999"},
           json={"permissionType": "read", "permissionValue": True}),
    Sample("GET", REST + "/views/{view}", setup=_alice_table),
    Sample("GET", REST + "/views/{hidden_view}", status=403, user="bob", setup=_alice_table),
    Sample("GET", REST + "/views/{view}", status=404, setup=lambda c: {"view": "999999"}),
    Sample("GET", REST + "/views/{view}/rows", setup=_alice_table, query={"limit": "10", "offset": "0"}),
    Sample("GET", REST + "/views/{hidden_view}/rows", status=404, user="bob", setup=_alice_table),
    Sample("POST", OCS + "/favorites/0/{table}", setup=_alice_table),
    Sample("POST", OCS + "/favorites/1/{hidden_view}", status=404, user="bob", setup=_alice_table),
    Sample("DELETE", OCS + "/favorites/1/{view}", setup=_alice_table),
    Sample("DELETE", OCS + "/favorites/0/{other}", status=404, user="bob", setup=_alice_table),
    Sample("PUT", T + "/{table}/transfer", setup=_alice_table, json={"newOwnerUserId": "{bob}"}),
    Sample("PUT", T + "/{table}/transfer", status=403, user="bob", setup=_alice_table,
           json={"newOwnerUserId": "{bob}"}),
    Sample("PUT", T + "/{table}/transfer", status=404, setup=lambda c: {"table": "999999"},
           json={"newOwnerUserId": "alice"}),
    Sample("GET", OCS + "/contexts", setup=_alice_table),
    Sample("POST", OCS + "/contexts", setup=_alice_table,
           json={"name": "Made", "iconName": "home", "nodes": [{"id": "{table}", "type": 0, "permissions": 3}]}),
    Sample("POST", OCS + "/contexts", status=400, json={"name": "Made", "iconName": "no-such-icon"}),
    Sample("POST", OCS + "/contexts", status=403, user="bob", setup=_alice_table,
           json={"name": "Bob's", "iconName": "home", "nodes": [{"id": "{table}", "type": 0}]}),
    Sample("GET", OCS + "/contexts/{context}", setup=_alice_table),
    Sample("GET", OCS + "/contexts/{context}", status=404, user="bob", setup=_alice_table),
    Sample("PUT", OCS + "/contexts/{context}", setup=_alice_table,
           json={"name": "Renamed", "nodes": [{"id": "{view}", "type": 1, "permissions": 1, "order": 1}]}),
    Sample("PUT", OCS + "/contexts/{context}", status=400, setup=_alice_table, json={"iconName": "nope nope"}),
    Sample("PUT", OCS + "/contexts/{context}", status=403, user="bob", setup=_alice_table, json={"name": "Bob's"}),
    Sample("DELETE", OCS + "/contexts/{context}", setup=_alice_table),
    Sample("DELETE", OCS + "/contexts/{context}", status=403, user="bob", setup=_alice_table),
    Sample("PUT", OCS + "/contexts/{context}/transfer", setup=_alice_table, json={"newOwnerId": "{bob}"}),
    Sample("PUT", OCS + "/contexts/{context}/transfer", status=400, setup=_alice_table,
           json={"newOwnerId": "nobody-here"}),
    Sample("PUT", OCS + "/contexts/{context}/transfer", status=404, user="bob", setup=_alice_table,
           json={"newOwnerId": "{bob}"}),
    Sample("POST", REST + "/import/table/{table}", setup=_alice_table, json={"path": "/contract-import.csv"}),
    Sample("POST", REST + "/import/table/{table}", status=404, setup=_alice_table, json={"path": "/missing.csv"}),
    Sample("POST", REST + "/import/table/{table}", status=403, user="bob", setup=_alice_table,
           json={"path": "/contract-import.csv"}),
    Sample("GET", REST + "/views/{view}/shares", setup=_view_shared),
    Sample("GET", REST + "/views/{view}/shares", status=403, user="bob", setup=_view_shared, note="read-only share"),
    Sample("GET", REST + "/views/{hidden_view}/shares", status=404, user="bob", setup=_view_shared),
    Sample("POST", REST + "/shares", setup=_alice_table,
           json={"nodeId": "{view}", "nodeType": "view", "receiver": "{bob}", "receiverType": "user",
                 "permissionRead": True, "permissionCreate": True}),
    Sample("POST", REST + "/shares", status=403, user="bob", setup=_view_shared,
           json={"nodeId": "{view}", "nodeType": "view", "receiver": "{bob}", "receiverType": "user"}),
    Sample("POST", REST + "/shares", status=404, user="bob", setup=_alice_table,
           json={"nodeId": "{hidden_view}", "nodeType": "view", "receiver": "{bob}", "receiverType": "user"}),
    Sample("POST", REST + "/shares", setup=_alice_table,
           json={"nodeId": "{context}", "nodeType": "context", "receiver": "{bob}", "receiverType": "user",
                 "displayMode": 1}),
    Sample("POST", REST + "/shares", status=404, user="bob", setup=_alice_table,
           json={"nodeId": "{context}", "nodeType": "context", "receiver": "{bob}", "receiverType": "user"}),
    Sample("POST", REST + "/shares", status=403, user="bob", setup=_view_shared,
           json={"nodeId": "{context}", "nodeType": "context", "receiver": "{bob}", "receiverType": "user"}),
    Sample("DELETE", REST + "/shares/{view_share}", setup=_view_shared),
    Sample("DELETE", REST + "/shares/{context_share}", status=403, user="bob", setup=_view_shared),
    Sample("GET", OCS + "/contexts/{context}", user="bob", setup=_view_shared, note="shared with bob"),
    Sample("PUT", OCS + "/contexts/{context}/pages/{page}", setup=_view_shared,
           json={"content": [{"id": "{content}", "order": 5}]}),
    Sample("PUT", OCS + "/contexts/{context}/pages/999999", status=400, setup=_view_shared,
           json={"content": [{"id": "{content}", "order": 5}]}),
    Sample("PUT", OCS + "/contexts/{context}/pages/{page}", status=403, user="bob", setup=_view_shared,
           json={"content": [{"id": "{content}", "order": 5}]}),
    Sample("PUT", OCS + "/contexts/{context}/transfer", status=403, user="bob", setup=_view_shared,
           json={"newOwnerId": "{bob}"}),
    Sample("POST", OCS + "/views/{view}/rows", setup=_alice_table, json={"data": '{{"{text}": "in view"}}'}),
    Sample("POST", OCS + "/views/{view}/rows", status=500, setup=_alice_table, json={"data": '{{"{select}": 1}}'},
           note="a column the view does not show"),
    Sample("POST", OCS + "/views/{view}/rows", status=403, user="bob", setup=_view_shared,
           json={"data": '{{"{text}": "bob"}}'}),
    Sample("POST", OCS + "/views/{hidden_view}/rows", status=404, user="bob", setup=_view_shared,
           json={"data": '{{"{foreign}": "bob"}}'}),
    Sample("POST", REST + "/import/views/{view}", setup=_alice_table, json={"path": "/contract-import.csv"}),
    Sample("POST", REST + "/import/views/{view}", status=404, setup=_alice_table, json={"path": "/missing.csv"}),
    Sample("POST", REST + "/import/views/{view}", status=403, user="bob", setup=_view_shared,
           json={"path": "/contract-import.csv", "createMissingColumns": False}),
    Sample("POST", REST + "/import/views/{hidden_view}", status=404, user="bob", setup=_view_shared,
           json={"path": "/contract-import.csv"}),
]  # fmt: skip
