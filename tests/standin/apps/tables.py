"""Nextcloud Tables (app `tables`): tables, columns, rows, views, shares and CSV import.

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
- access: the owner may do everything; a share (user receiver) grants its read/create/update/
  delete/manage flags. A table one cannot see answers 404 ("... not found"); one seen without the
  permission asked for answers 403 with Tables' PermissionError words ("update row id = 5 is not
  allowed."). A cell for a column of another table answers 400 ("Column with id 9 is not part of
  table with id 1"), as does a selection option id the column lacks;
- import: a CSV file in the caller's files, its first line the column titles; matching columns by
  title, missing ones created as text lines when asked; answers the ImportState counts.

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
        self._ids = {"table": 0, "column": 0, "row": 0, "view": 0, "share": 0}

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
        if table.owner == user_id:
            return dict.fromkeys(PERMISSIONS, True)
        found = [s.permissions for s in self.shares.values() if s.table_id == table.id and s.receiver == user_id]
        if not found:
            return None
        return {name: any(p.get(name, False) for p in found) for name in PERMISSIONS}

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
            "favorite": False, "isShared": shared, "onSharePermissions": granted if shared else None,
            "hasShares": any(s.table_id == table.id for s in self.shares.values()),
            "rowsCount": sum(1 for r in self.rows.values() if r["tableId"] == table.id),
            "views": [v for v in self.views.values() if v["tableId"] == table.id],
            "columnsCount": sum(1 for c in self.columns.values() if c["tableId"] == table.id),
            "description": table.description,
        }  # fmt: skip

    def row_json(self, row: dict[str, Any]) -> dict[str, Any]:
        cells = [{"columnId": cid, "value": value} for cid, value in row["values"].items()]
        return {key: row[key] for key in ("id", "tableId", "createdBy", "createdAt", "lastEditBy", "lastEditAt")} | {
            "data": cells
        }

    def share_json(self, share: ShareRec) -> dict[str, Any]:
        return {
            "id": share.id, "sender": share.sender, "receiver": share.receiver,
            "receiverDisplayName": share.receiver, "receiverType": share.receiver_type, "nodeId": share.table_id,
            "nodeType": "table", "createdAt": share.created, "createdBy": share.sender,
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
            for store in (self.columns, self.rows, self.views):
                for key in [k for k, v in store.items() if v["tableId"] == table.id]:
                    del store[key]
            for key in [k for k, s in self.shares.items() if s.table_id == table.id]:
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
                if view is None:
                    raise Failure(404, "View not found", self._body("View not found"))
                self.table_for(request.user, view["tableId"], "read")
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
            for view in self.views.values():
                view["columns"] = [c for c in view["columns"] if c != column["id"]]
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

    def _values(self, table: TableRec, data: Any) -> dict[int, Any]:
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
            table_id = node_id
            if collection == "views":
                view = self.views.get(_int(node_id))
                if view is None:
                    raise Failure(404, "View not found", self._body("View not found"))
                table_id = view["tableId"]
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
            return Reply(200, [v for v in self.views.values() if v["tableId"] == table.id])

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
            return Reply(200, view)

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
            return Reply(200, view)

    @route("DELETE", REST + "/views/{viewId}", contract=CONTRACT)
    async def delete_view(self, request: Request) -> Reply:
        with self._lock:
            view = self.view_of(request.user, request.params["viewId"], "manage")
            del self.views[view["id"]]
            return Reply(200, view)

    # -- shares --------------------------------------------------------------------------

    @route("GET", REST + "/tables/{tableId}/shares", contract=CONTRACT)
    async def list_shares(self, request: Request) -> Reply:
        with self._lock:
            table = self._rest_table(request, "read")
            return Reply(200, [self.share_json(s) for s in self.shares.values() if s.table_id == table.id])

    @route("POST", REST + "/shares", contract=CONTRACT)
    async def create_share(self, request: Request) -> Reply:
        args = request.args()
        if args.get("nodeType") != "table":
            raise Failure(404, "Only table shares are emulated")
        with self._lock:
            try:
                table = self.table_for(request.user, args.get("nodeId"), "manage")
            except Failure as failure:
                raise Failure(failure.status, failure.message) from None
            receiver = str(args.get("receiver") or "")
            if args.get("receiverType") == "user" and receiver not in self.standin.users:
                raise Failure(404, f"User {receiver} not found")
            share = ShareRec(
                self._next("share"),
                table.id,
                request.user.id,
                receiver,
                str(args.get("receiverType") or "user"),
                {name: bool(args.get(f"permission{name.title()}", False)) for name in PERMISSIONS},
            )
            self.shares[share.id] = share
            return Reply(200, self.share_json(share))

    @route("DELETE", REST + "/shares/{shareId}", contract=CONTRACT)
    async def delete_share(self, request: Request) -> Reply:
        with self._lock:
            share = self.shares.get(_int(request.params["shareId"]))
            table = self.tables.get(share.table_id) if share else None
            if share is None or table is None or self.permissions(request.user.id, table) is None:
                raise Failure(404, "Share not found")
            if not (self.permissions(request.user.id, table) or {}).get("manage"):
                raise Failure(403, f"PermissionError: delete share id = {share.id} is not allowed.")
            del self.shares[share.id]
            return Reply(200, self.share_json(share))

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
    }


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
    Sample("POST", REST + "/import/table/{table}", setup=_alice_table, json={"path": "/contract-import.csv"}),
    Sample("POST", REST + "/import/table/{table}", status=404, setup=_alice_table, json={"path": "/missing.csv"}),
    Sample("POST", REST + "/import/table/{table}", status=403, user="bob", setup=_alice_table,
           json={"path": "/contract-import.csv"}),
]  # fmt: skip
