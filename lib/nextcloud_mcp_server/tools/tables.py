"""MCP tools for Nextcloud Tables: tables, columns of every type, rows by column name, views, shares
of tables, views and applications, favorites, applications (Tables' "contexts"), ownership transfer
and CSV import into a table or through a view.

The six row tools keep the `nextcloud-mcp-server` names and arguments (nc_tables_list_tables,
nc_tables_get_schema, nc_tables_read_table, nc_tables_insert_row, nc_tables_update_row,
nc_tables_delete_row), but rows are read and written by column name with values typed by column
type (option labels, booleans, user ids), checked before the request (nextcloud/tables_values.py).
Searching rows filters them here with the operators of Tables' views, since its API filters only
inside a saved view; a saved view's filters are written as Tables' own UI writes them (an option as
`@selection-id-<id>`, a check box as `@checked`), so Tables itself filters its rows
(nc_tables_read_view). A table is transferred only to a user the sharee search finds: Tables
takes any id, and a mistyped one would lose the table. A view is a way in of its own: a row added
or imported through it takes values for the view's columns only (Tables fills the hidden columns its
`is-equal` filters fix), and a view shared with someone opens only that view, not its table.
"""

from __future__ import annotations

import builtins
import json
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, Field

from nextcloud_mcp_server.registry import Requirement, Toolset
from nextcloud_mcp_server.tools._base import CREATE, DELETE, READ, UPDATE, Limit, Offset, Page, Paged, invalid, paginate
from nextcloud_mcp_server.tools.declare import Nextcloud, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.tables import Column, Context, ImportState, Row, Share, Table, TablesAPI, View

TOOLSET = Toolset(
    "tables",
    "Tables",
    "Nextcloud Tables: tables, typed columns, rows by column name, views, shares, applications and CSV import.",
    default=False,
    requires=Requirement("tables", "Tables"),
)

TableId = Annotated[int, Field(ge=1)]
Id = Annotated[int, Field(ge=1)]
Kind = Literal[
    "text-line", "text-long", "text-rich", "text-link", "number", "number-stars", "number-progress",
    "datetime", "datetime-date", "datetime-time", "selection", "selection-multi", "selection-check", "usergroup",
]  # fmt: skip
Operator = Literal[
    "contains", "begins-with", "ends-with", "is-equal", "is-greater-than", "is-greater-than-or-equal",
    "is-lower-than", "is-lower-than-or-equal", "is-empty",
]  # fmt: skip
Data = Annotated[dict[str, Any], Field(description="Column name -> value: option labels, true/false, user ids.")]


def _api(nc: Nextcloud) -> TablesAPI:
    from nextcloud_mcp_server.nextcloud.tables import TablesAPI

    return nc.api(TablesAPI)


class TableItem(BaseModel):
    id: int
    title: str
    emoji: str | None
    description: str
    owner: str
    archived: bool
    rows: int
    columns: int
    shared_with_me: bool
    favorite: bool
    can_edit: bool = Field(description="Whether you may add and change rows.")

    @classmethod
    def of(cls, t: Table) -> TableItem:
        perms = t.permissions
        return cls(id=t.id, title=t.title, emoji=t.emoji, description=t.description or "", owner=t.ownership,
                   archived=t.archived, rows=t.rows_count, columns=t.columns_count, shared_with_me=t.is_shared,
                   favorite=t.favorite, can_edit=perms is None or not t.is_shared or perms.update)  # fmt: skip


class ColumnItem(BaseModel):
    id: int
    title: str
    type: str = Field(description="text-line, number-stars, selection-multi, ...")
    mandatory: bool
    description: str
    options: list[str] | None = Field(None, description="A selection's option labels.")
    settings: dict[str, Any] = Field(description="The type's settings that are set (min, max, default, ...).")

    @classmethod
    def of(cls, c: Column) -> ColumnItem:
        fields = {"number": ("number_default", "number_min", "number_max", "number_decimals", "number_prefix",
                             "number_suffix"), "text": ("text_default", "text_max_length"),
                  "datetime": ("datetime_default",), "selection": ("selection_default",),
                  "usergroup": ("usergroup_multiple", "usergroup_users", "usergroup_groups")}  # fmt: skip
        settings = {k.split("_", 1)[1]: v for k in fields.get(c.type, ()) if (v := getattr(c, k)) not in (None, "", 0)}
        options = [o.label for o in c.selection_options] if c.type == "selection" and c.subtype != "check" else None
        return cls(id=c.id, title=c.title, type=c.kind, mandatory=c.mandatory, description=c.description,
                   options=options, settings=settings)  # fmt: skip


class ViewItem(BaseModel):
    id: int
    title: str
    columns: list[str] = Field(description="Column names shown, in order ([] for all).")
    filters: list[list[dict[str, Any]]] = Field(description="OR-groups of AND-ed conditions.")
    sort: list[dict[str, Any]]

    @classmethod
    def of(cls, view: View, columns: list[Column]) -> ViewItem:
        from nextcloud_mcp_server.nextcloud.tables_values import filter_readable

        name = {c.id: c.title for c in columns}
        by_id = {c.id: c for c in columns}
        return cls(
            id=view.id,
            title=view.title,
            columns=[name.get(c, str(c)) for c in view.columns],
            filters=[[{"column": name.get(f.column_id, str(f.column_id)), "operator": f.operator,
                       "value": filter_readable(by_id.get(f.column_id), f.value)} for f in group]
                     for group in view.filter],
            sort=[{"column": name.get(s.column_id, str(s.column_id)), "mode": s.mode} for s in view.sort],
        )  # fmt: skip


class Schema(BaseModel):
    table: TableItem
    columns: list[ColumnItem]
    views: list[ViewItem]


class RowItem(BaseModel):
    id: int
    values: dict[str, Any] = Field(description="By column name.")
    last_edit_by: str
    last_edit_at: str

    @classmethod
    def of(cls, row: Row, columns: list[Column]) -> RowItem:
        from nextcloud_mcp_server.nextcloud.tables_values import row_values

        return cls(id=row.id, values=row_values(columns, row.data), last_edit_by=row.last_edit_by,
                   last_edit_at=row.last_edit_at)  # fmt: skip


class Rows(BaseModel):
    table_id: int
    rows: list[RowItem]
    page: Page


class Deleted(BaseModel):
    deleted_id: int
    message: str


class ShareItem(BaseModel):
    id: int
    receiver: str
    receiver_type: str
    permissions: list[str] = Field(description="[] for an application: it grants what it sets per table/view.")
    node_type: str = Field(description="table, view or context (application).")
    node_id: int

    @classmethod
    def of(cls, s: Share) -> ShareItem:
        granted = [p for p in ("read", "create", "update", "delete", "manage") if getattr(s, p)]
        return cls(id=s.id, receiver=s.receiver, receiver_type=s.receiver_type, permissions=granted,
                   node_type=s.node_type, node_id=s.node_id)  # fmt: skip


class ContextShareItem(BaseModel):
    id: int = Field(description="Share id (nc_tables_unshare).")
    receiver: str
    receiver_type: str


class Filter(BaseModel):
    column: str
    operator: Operator = "contains"
    value: str | float | bool = ""


class ImportResult(BaseModel):
    inserted_rows: int
    created_columns: int
    matching_columns: int
    errors: int = Field(description="Cells or rows Tables could not take.")


class Favorite(BaseModel):
    node_type: str
    node_id: int
    favorite: bool


Permission = Literal["read", "create", "update", "delete", "manage"]


class Node(BaseModel):
    """A table or view in an application, with what its users may do there."""

    type: Literal["table", "view"] = "table"
    id: int = Field(ge=1)
    permissions: list[Permission] = Field(default=["read"], description="Read is always granted.")


class ContextItem(BaseModel):
    id: int
    name: str
    icon: str
    description: str
    owner: str
    nodes: list[Node]
    shares: list[ContextShareItem]

    @classmethod
    def of(cls, c: Context) -> ContextItem:
        from nextcloud_mcp_server.nextcloud.tables import NODE_PERMISSIONS

        kinds = {0: "table", 1: "view"}
        place = {item.node_rel_id: item.order for page in c.pages[:1] for item in page.content}
        ordered = sorted(c.nodes, key=lambda n: place.get(n.id, 0))
        nodes = [Node(type=kinds.get(n.node_type, "table"), id=n.node_id,
                      permissions=[p for p, bit in NODE_PERMISSIONS.items() if n.permissions & bit])
                 for n in ordered]  # fmt: skip
        shares = [
            ContextShareItem(id=s.share_id, receiver=s.receiver, receiver_type=s.receiver_type) for s in c.sharing
        ]
        return cls(id=c.id, name=c.name, icon=c.icon, description=c.description, owner=c.owner, nodes=nodes,
                   shares=shares)  # fmt: skip


# -- tables ---------------------------------------------------------------------------


@tool(TOOLSET, READ, title="List tables")
async def nc_tables_list_tables(nc: Nextcloud, limit: Limit = 50, offset: Offset = 0) -> Paged[TableItem]:
    """List the tables you own or that are shared with you."""
    tables = sorted(await _api(nc).tables(), key=lambda t: t.id)
    return Paged[TableItem].of([TableItem.of(t) for t in tables], offset, limit)


@tool(TOOLSET, READ, title="Get table schema")
async def nc_tables_get_schema(nc: Nextcloud, table_id: TableId) -> Schema:
    """A table's columns (types, options, settings) and views."""
    api = _api(nc)
    table = await api.table(table_id)
    columns = await api.columns(table_id)
    views = await api.views(table_id)
    return Schema(table=TableItem.of(table), columns=[ColumnItem.of(c) for c in columns],
                  views=[ViewItem.of(v, columns) for v in views])  # fmt: skip


@tool(TOOLSET, CREATE, title="Create table")
async def nc_tables_create_table(
    nc: Nextcloud, title: str, emoji: str | None = None, description: str | None = None
) -> TableItem:
    """Create an empty table; add columns with nc_tables_create_column."""
    if not title.strip():
        raise invalid("title", "must not be empty; name the table")
    return TableItem.of(await _api(nc).create_table(title.strip(), emoji, description))


@tool(TOOLSET, UPDATE, title="Update table")
async def nc_tables_update_table(
    nc: Nextcloud,
    table_id: TableId,
    title: str | None = None,
    emoji: str | None = None,
    description: str | None = None,
    archived: bool | None = None,
) -> TableItem:
    """Rename, describe or archive a table."""
    changes = {k: v for k, v in {"title": title, "emoji": emoji, "description": description,
                                 "archived": archived}.items() if v is not None}  # fmt: skip
    if not changes:
        raise invalid("title/emoji/description/archived", "give at least one of them to change")
    if title is not None and not title.strip():
        raise invalid("title", "must not be empty; omit it to keep the title")
    return TableItem.of(await _api(nc).update_table(table_id, changes))


@tool(TOOLSET, DELETE, title="Delete table")
async def nc_tables_delete_table(nc: Nextcloud, table_id: TableId) -> Deleted:
    """Delete a table with its columns, rows, views and shares."""
    table = await _api(nc).delete_table(table_id)
    return Deleted(deleted_id=table_id, message=f"Table {table.title!r} deleted")


@tool(TOOLSET, UPDATE, title="Favorite table or view")
async def nc_tables_set_favorite(
    nc: Nextcloud, node_id: Id, node_type: Literal["table", "view"] = "table", favorite: bool = True
) -> Favorite:
    """Mark a table or view as a favorite of yours, or unmark it."""
    await _api(nc).set_favorite(node_type, node_id, favorite)
    return Favorite(node_type=node_type, node_id=node_id, favorite=favorite)


@tool(TOOLSET, UPDATE, title="Transfer table")
async def nc_tables_transfer_table(nc: Nextcloud, table_id: TableId, new_owner: str) -> TableItem:
    """Give a table you own to another user; you keep access only through a share."""
    if not new_owner.strip():
        raise invalid("new_owner", "must not be empty; give the user id of the new owner")
    return TableItem.of(await _api(nc).transfer_table(table_id, new_owner.strip()))


# -- columns --------------------------------------------------------------------------


def _column_settings(
    kind: str, options: list[str] | None, default: Any, number: dict[str, Any], max_length: int | None,
    multiple: bool | None,
) -> dict[str, Any]:  # fmt: skip
    column_type = kind.split("-")[0]
    settings: dict[str, Any] = {}
    is_list = kind in ("selection", "selection-multi")
    if options is not None and not is_list:
        raise invalid("options", f"only selection and selection-multi columns have options, not {kind}")
    if is_list and options is not None:
        labels = [o.strip() for o in options]
        if not labels or "" in labels or len(set(labels)) < len(labels):
            raise invalid("options", "give the distinct, non-empty labels to choose from")
        settings["selectionOptions"] = json.dumps([{"id": i + 1, "label": label} for i, label in enumerate(labels)])
    given = {k: v for k, v in number.items() if v is not None}
    if given and column_type != "number":
        raise invalid(", ".join(given), f"only number columns have these, not {kind}")
    settings.update({f"number{k.title()}": v for k, v in given.items()})
    if max_length is not None:
        if kind != "text-line":
            raise invalid("max_length", f"only text-line columns have a maximum length, not {kind}")
        settings["textMaxLength"] = max_length
    if multiple is not None:
        if kind != "usergroup":
            raise invalid("multiple", f"only usergroup columns take several values, not {kind}")
        settings["usergroupMultipleItems"] = multiple
    if kind == "usergroup":
        settings.update(usergroupSelectUsers=True, usergroupSelectGroups=True)
    return settings


async def _default_setting(column: Column, default: Any) -> dict[str, Any]:
    from nextcloud_mcp_server.nextcloud.tables_values import stored_value

    if default is None:
        return {}
    column = column.model_copy(update={"mandatory": False})
    stored = stored_value(column, default, "default")
    key = {"text": "textDefault", "number": "numberDefault", "datetime": "datetimeDefault",
           "selection": "selectionDefault", "usergroup": "usergroupDefault"}[column.type]  # fmt: skip
    return {key: json.dumps(stored) if column.type in ("selection", "usergroup") else stored}


@tool(TOOLSET, CREATE, title="Create column")
async def nc_tables_create_column(
    nc: Nextcloud,
    table_id: TableId,
    title: str,
    type: Kind,
    mandatory: bool = False,
    description: str | None = None,
    options: Annotated[list[str] | None, Field(description="Labels (selection types).")] = None,
    default: Annotated[Any, Field(description="A value as rows take it.")] = None,
    min: float | None = None,
    max: float | None = None,
    decimals: int | None = None,
    prefix: str | None = None,
    suffix: str | None = None,
    max_length: int | None = None,
    multiple: Annotated[bool | None, Field(description="usergroup: several users/groups.")] = None,
) -> ColumnItem:
    """Add a column of any Tables type, with its options and settings."""
    from nextcloud_mcp_server.nextcloud.tables import Column

    if not title.strip():
        raise invalid("title", "must not be empty; name the column")
    if type in ("selection", "selection-multi") and not options:
        raise invalid("options", f"a {type} column needs the labels to choose from")
    number = {"min": min, "max": max, "decimals": decimals, "prefix": prefix, "suffix": suffix}
    settings = _column_settings(type, options, default, number, max_length, multiple)
    column_type, _, subtype = type.partition("-")
    draft = Column.model_validate({"id": 0, "title": title.strip(), "tableId": table_id, "type": column_type,
                                   "subtype": subtype, **settings})  # fmt: skip
    settings.update(await _default_setting(draft, default))
    body = {"title": title.strip(), "subtype": subtype or None, "mandatory": mandatory, "description": description,
            **settings}  # fmt: skip
    if column_type == "text":
        body["subtype"] = subtype
    return ColumnItem.of(await _api(nc).create_column(table_id, column_type, body))


@tool(TOOLSET, UPDATE, title="Update column")
async def nc_tables_update_column(
    nc: Nextcloud,
    column_id: Id,
    title: str | None = None,
    mandatory: bool | None = None,
    description: str | None = None,
    options: Annotated[list[str] | None, Field(description="All labels; kept labels keep their rows.")] = None,
    default: Any = None,
    min: float | None = None,
    max: float | None = None,
    decimals: int | None = None,
    prefix: str | None = None,
    suffix: str | None = None,
    max_length: int | None = None,
) -> ColumnItem:
    """Change a column's title, description, options or settings (not its type)."""
    api = _api(nc)
    column = await api.column(column_id)
    number = {"min": min, "max": max, "decimals": decimals, "prefix": prefix, "suffix": suffix}
    settings = _column_settings(column.kind, options, default, number, max_length, None)
    if options is not None:
        known = {o.label: o.id for o in column.selection_options}
        next_id = builtins.max(known.values(), default=0)
        chosen = []
        for label in [o.strip() for o in options]:
            if label not in known:
                next_id += 1
            chosen.append({"id": known.get(label, next_id), "label": label})
        settings["selectionOptions"] = json.dumps(chosen)
        column = column.model_copy(update={"selection_options": chosen})
    settings.update(await _default_setting(column, default))
    if title is not None and not title.strip():
        raise invalid("title", "must not be empty; omit it to keep the title")
    if title is None and mandatory is None and description is None and not settings:
        raise invalid("column_id", "give at least one thing to change")
    body = {"title": title.strip() if title else None, "description": description,
            "mandatory": column.mandatory if mandatory is None else mandatory, **settings}  # fmt: skip
    return ColumnItem.of(await api.update_column(column_id, {k: v for k, v in body.items() if v is not None}))


@tool(TOOLSET, DELETE, title="Delete column")
async def nc_tables_delete_column(nc: Nextcloud, column_id: Id) -> Deleted:
    """Delete a column and its values in every row."""
    column = await _api(nc).delete_column(column_id)
    return Deleted(deleted_id=column_id, message=f"Column {column.title!r} deleted")


# -- rows -----------------------------------------------------------------------------


@tool(TOOLSET, READ, title="Read table rows")
async def nc_tables_read_table(nc: Nextcloud, table_id: TableId, limit: Limit = 50, offset: Offset = 0) -> Rows:
    """Read a table's rows, values by column name."""
    api = _api(nc)
    table = await api.table(table_id)
    columns = await api.columns(table_id)
    rows = await api.rows(table_id, limit, offset)
    end = offset + len(rows)
    page = Page(total=table.rows_count, offset=offset, next_offset=end if end < table.rows_count else None)
    return Rows(table_id=table_id, rows=[RowItem.of(r, columns) for r in rows], page=page)


@tool(TOOLSET, READ, title="Read view rows")
async def nc_tables_read_view(nc: Nextcloud, view_id: Id, limit: Limit = 50, offset: Offset = 0) -> Rows:
    """Read a saved view's rows, filtered and sorted by the view, values by column name."""
    api = _api(nc)
    view = await api.view(view_id)
    columns = await api.view_columns(view_id)
    rows = await api.view_rows(view_id, limit, offset)
    end = offset + len(rows)
    page = Page(total=view.rows_count, offset=offset, next_offset=end if end < view.rows_count else None)
    return Rows(table_id=view.table_id, rows=[RowItem.of(r, columns) for r in rows], page=page)


def _matches(value: Any, f: Filter) -> bool:
    if f.operator == "is-empty":
        return value in (None, "", [])
    if value is None:
        return False
    if isinstance(value, list):
        return any(_matches(v, f) for v in value)
    if isinstance(value, bool) or isinstance(f.value, bool):
        return f.operator == "is-equal" and str(value).lower() == str(f.value).lower()
    if isinstance(value, int | float) and not isinstance(f.value, str):
        a, b = float(value), float(f.value)
    else:
        a, b = str(value).casefold(), str(f.value).casefold()  # type: ignore[assignment]
    tests = {"contains": lambda: str(b) in str(a), "begins-with": lambda: str(a).startswith(str(b)),
             "ends-with": lambda: str(a).endswith(str(b)), "is-equal": lambda: a == b,
             "is-greater-than": lambda: a > b, "is-greater-than-or-equal": lambda: a >= b,
             "is-lower-than": lambda: a < b, "is-lower-than-or-equal": lambda: a <= b}  # fmt: skip
    try:
        return bool(tests[f.operator]())
    except TypeError:
        return False


@tool(TOOLSET, READ, title="Search rows")
async def nc_tables_search_rows(
    nc: Nextcloud,
    table_id: TableId,
    query: Annotated[str | None, Field(description="Text in any cell.")] = None,
    filters: Annotated[list[Filter] | None, Field(description="All must hold.")] = None,
    sort_by: Annotated[str | None, Field(description="Column name.")] = None,
    descending: bool = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Rows:
    """Find rows by text and conditions on columns (by name), optionally sorted."""
    from nextcloud_mcp_server.nextcloud.tables_values import by_name

    api = _api(nc)
    columns = await api.columns(table_id)
    names = {f"filters[{i}]": by_name(columns, f"filters[{i}].column", f.column).title for i, f in
             enumerate(filters or [])}  # fmt: skip
    sort_name = by_name(columns, "sort_by", sort_by).title if sort_by else None
    rows = [RowItem.of(r, columns) for r in await api.rows(table_id)]
    needle = (query or "").strip().casefold()
    found = [
        r for r in rows
        if (not needle or any(needle in json.dumps(v, ensure_ascii=False).casefold() for v in r.values.values()))
        and all(_matches(r.values.get(names[f"filters[{i}]"]), f) for i, f in enumerate(filters or []))
    ]  # fmt: skip
    if sort_name:
        present = [r for r in found if r.values.get(sort_name) not in (None, "")]
        present.sort(key=lambda r: (str(type(r.values[sort_name])), r.values[sort_name]), reverse=descending)
        found = present + [r for r in found if r.values.get(sort_name) in (None, "")]
    chunk, page = paginate(found, offset, limit)
    return Rows(table_id=table_id, rows=chunk, page=page)


@tool(TOOLSET, CREATE, title="Insert row")
async def nc_tables_insert_row(nc: Nextcloud, table_id: TableId, data: Data) -> RowItem:
    """Add a row; values are checked against their columns first."""
    from nextcloud_mcp_server.nextcloud.tables_values import to_stored

    api = _api(nc)
    columns = await api.columns(table_id)
    stored = to_stored(columns, data)
    missing = [c.title for c in columns if c.mandatory and stored.get(c.id) in (None, "")]
    if missing:
        raise invalid("data", f"mandatory column(s) {', '.join(map(repr, missing))} need a value")
    return RowItem.of(await api.insert_row(table_id, stored), columns)


@tool(TOOLSET, CREATE, title="Insert row through view")
async def nc_tables_insert_view_row(nc: Nextcloud, view_id: Id, data: Data) -> RowItem:
    """Add a row through a saved view; only the view's columns take values."""
    from nextcloud_mcp_server.nextcloud.tables_values import to_stored

    api = _api(nc)
    columns = await api.view_columns(view_id)
    stored = to_stored(columns, data, where="view")
    missing = [c.title for c in columns if c.mandatory and stored.get(c.id) in (None, "")]
    if missing:
        raise invalid("data", f"mandatory column(s) {', '.join(map(repr, missing))} need a value")
    return RowItem.of(await api.insert_view_row(view_id, stored), columns)


@tool(TOOLSET, UPDATE, title="Update row")
async def nc_tables_update_row(nc: Nextcloud, row_id: Id, data: Data) -> RowItem:
    """Change some cells of a row (others keep their values)."""
    from nextcloud_mcp_server.nextcloud.tables_values import to_stored

    api = _api(nc)
    row = await api.row(row_id)
    columns = await api.columns(row.table_id)
    return RowItem.of(await api.update_row(row_id, to_stored(columns, data)), columns)


@tool(TOOLSET, DELETE, title="Delete row")
async def nc_tables_delete_row(nc: Nextcloud, row_id: Id) -> Deleted:
    """Delete a row (by id) from its table."""
    row = await _api(nc).delete_row(row_id)
    return Deleted(deleted_id=row.id, message=f"Row {row.id} deleted from table {row.table_id}")


# -- views ----------------------------------------------------------------------------


async def _view_changes(
    api: TablesAPI, table_id: int, columns: list[str] | None, filters: list[Filter] | None, sort_by: str | None,
    descending: bool,
) -> dict[str, Any]:  # fmt: skip
    from nextcloud_mcp_server.nextcloud.tables_values import by_name, filter_value

    known = await api.columns(table_id)
    changes: dict[str, Any] = {}
    if columns is not None:
        changes["columns"] = json.dumps([by_name(known, "columns", name).id for name in columns])
    if filters is not None:
        chosen = [(i, f, by_name(known, f"filters[{i}].column", f.column)) for i, f in enumerate(filters)]
        group = [{"columnId": c.id, "operator": f.operator,
                  "value": filter_value(c, f.value, f"filters[{i}].value")} for i, f, c in chosen]  # fmt: skip
        changes["filter"] = json.dumps([group] if group else [])
    if sort_by is not None:
        sort = [{"columnId": by_name(known, "sort_by", sort_by).id, "mode": "DESC" if descending else "ASC"}]
        changes["sort"] = json.dumps(sort if sort_by else [])
    return changes


@tool(TOOLSET, CREATE, title="Create view")
async def nc_tables_create_view(
    nc: Nextcloud,
    table_id: TableId,
    title: str,
    columns: Annotated[list[str] | None, Field(description="Column names to show (default all).")] = None,
    filters: Annotated[list[Filter] | None, Field(description="All must hold.")] = None,
    sort_by: str | None = None,
    descending: bool = False,
) -> ViewItem:
    """Save a view of a table: chosen columns, filters and sort."""
    if not title.strip():
        raise invalid("title", "must not be empty; name the view")
    api = _api(nc)
    if columns is None:
        columns = [c.title for c in await api.columns(table_id)]
    changes = await _view_changes(api, table_id, columns, filters, sort_by, descending)
    view = await api.create_view(table_id, title.strip(), None)
    if changes:
        view = await api.update_view(view.id, changes)
    return ViewItem.of(view, await api.columns(table_id))


@tool(TOOLSET, UPDATE, title="Update view")
async def nc_tables_update_view(
    nc: Nextcloud,
    view_id: Id,
    table_id: TableId,
    title: str | None = None,
    columns: list[str] | None = None,
    filters: Annotated[list[Filter] | None, Field(description="Replace all; [] for none.")] = None,
    sort_by: str | None = None,
    descending: bool = False,
) -> ViewItem:
    """Change a view's title, columns, filters or sort."""
    api = _api(nc)
    if view_id not in {v.id for v in await api.views(table_id)}:
        raise invalid("view_id", f"table {table_id} has no view {view_id}; see nc_tables_get_schema")
    changes = await _view_changes(api, table_id, columns, filters, sort_by, descending)
    if title is not None:
        if not title.strip():
            raise invalid("title", "must not be empty; omit it to keep the title")
        changes["title"] = title.strip()
    if not changes:
        raise invalid("title/columns/filters/sort_by", "give at least one of them to change")
    view = await api.update_view(view_id, changes)
    return ViewItem.of(view, await api.columns(table_id))


@tool(TOOLSET, DELETE, title="Delete view")
async def nc_tables_delete_view(nc: Nextcloud, view_id: Id) -> Deleted:
    """Delete a saved view (the rows stay)."""
    view = await _api(nc).delete_view(view_id)
    return Deleted(deleted_id=view_id, message=f"View {view.title!r} deleted")


# -- sharing and import ---------------------------------------------------------------


Receiver = Annotated[str, Field(description="User or group id.")]
ReceiverType = Literal["user", "group"]


async def _share(
    nc: Nextcloud, node_type: str, node_id: int, receiver: str, receiver_type: str, permissions: list[Permission] | None
) -> ShareItem:
    if not receiver.strip():
        raise invalid("receiver", "must not be empty; give a user or group id")
    granted = set(permissions or ["read"]) | {"read"}
    flags = {p: p in granted for p in ("read", "create", "update", "delete", "manage")}
    if node_type == "context":
        flags = {}
    return ShareItem.of(await _api(nc).share(node_id, receiver.strip(), receiver_type, flags, node_type))


@tool(TOOLSET, CREATE, title="Share table")
async def nc_tables_share_table(
    nc: Nextcloud,
    table_id: TableId,
    receiver: Receiver,
    receiver_type: ReceiverType = "user",
    permissions: list[Literal["read", "create", "update", "delete", "manage"]] | None = None,
) -> ShareItem:
    """Share a table; default read-only."""
    return await _share(nc, "table", table_id, receiver, receiver_type, permissions)


@tool(TOOLSET, CREATE, title="Share view")
async def nc_tables_share_view(
    nc: Nextcloud,
    view_id: Id,
    receiver: Receiver,
    receiver_type: ReceiverType = "user",
    permissions: list[Permission] | None = None,
) -> ShareItem:
    """Share a saved view (its rows and columns only, not the table); default read-only."""
    return await _share(nc, "view", view_id, receiver, receiver_type, permissions)


@tool(TOOLSET, READ, title="List view shares")
async def nc_tables_list_view_shares(nc: Nextcloud, view_id: Id) -> Paged[ShareItem]:
    """Who a view you manage is shared with, and what they may do."""
    shares = [ShareItem.of(s) for s in await _api(nc).view_shares(view_id)]
    return Paged[ShareItem].of(shares, 0, max(len(shares), 1))


@tool(TOOLSET, READ, title="List table shares")
async def nc_tables_list_shares(nc: Nextcloud, table_id: TableId) -> Paged[ShareItem]:
    """Who a table is shared with, and what they may do."""
    shares = [ShareItem.of(s) for s in await _api(nc).shares(table_id)]
    return Paged[ShareItem].of(shares, 0, max(len(shares), 1))


@tool(TOOLSET, UPDATE, title="Update table share")
async def nc_tables_update_share(nc: Nextcloud, share_id: Id, permissions: list[Permission]) -> ShareItem:
    """Set what a share (from nc_tables_list_shares) allows; read is always kept."""
    api = _api(nc)
    share = await api.share_of(share_id)
    wanted = set(permissions) | {"read"}
    for name in ("read", "create", "update", "delete", "manage"):
        if getattr(share, name) != (name in wanted):
            share = await api.set_share_permission(share_id, name, name in wanted)
    return ShareItem.of(share)


@tool(TOOLSET, DELETE, title="Unshare table")
async def nc_tables_unshare(nc: Nextcloud, share_id: Id) -> Deleted:
    """Remove a share of a table, view or application."""
    share = await _api(nc).unshare(share_id)
    node = {"context": "Application"}.get(share.node_type, share.node_type.title())
    return Deleted(deleted_id=share_id, message=f"{node} {share.node_id} no longer shared with {share.receiver}")


@tool(TOOLSET, CREATE, title="Import CSV into table")
async def nc_tables_import_csv(
    nc: Nextcloud,
    table_id: TableId,
    path: Annotated[str, Field(description="A CSV in your files; first line the column names.")],
    create_missing_columns: bool = True,
) -> ImportResult:
    """Append a CSV file's rows to a table, matching columns by name."""
    return _imported(await _import(nc, "table", table_id, path, create_missing_columns))


async def _import(nc: Nextcloud, node_type: str, node_id: int, path: str, create: bool) -> ImportState:
    if not path.strip().strip("/") or not path.strip().lower().endswith((".csv", ".tsv", ".txt")):
        raise invalid("path", "give the path of a .csv file in your Nextcloud files, e.g. '/Data/list.csv'")
    return await _api(nc).import_csv(node_id, "/" + path.strip().strip("/"), create, node_type)


def _imported(state: ImportState) -> ImportResult:
    return ImportResult(inserted_rows=state.inserted_rows_count, created_columns=state.created_columns_count,
                        matching_columns=state.matching_columns_count,
                        errors=state.errors_count + state.errors_parsing_count)  # fmt: skip


@tool(TOOLSET, CREATE, title="Import CSV through view")
async def nc_tables_import_csv_into_view(
    nc: Nextcloud,
    view_id: Id,
    path: Annotated[str, Field(description="A CSV in your files; first line the column names.")],
    create_missing_columns: Annotated[bool, Field(description="Needs manage rights on the table.")] = False,
) -> ImportResult:
    """Append a CSV file's rows through a saved view, matching the view's columns by name."""
    return _imported(await _import(nc, "view", view_id, path, create_missing_columns))


# -- applications (contexts) ----------------------------------------------------------


def _nodes(nodes: list[Node]) -> list[dict[str, int]]:
    from nextcloud_mcp_server.nextcloud.tables import NODE_PERMISSIONS, NODE_TYPES

    keys = [(n.type, n.id) for n in nodes]
    if len(set(keys)) < len(keys):
        raise invalid("nodes", "name each table or view once")
    return [{"type": NODE_TYPES[n.type], "id": n.id, "order": (i + 1) * 10,
             "permissions": sum(NODE_PERMISSIONS[p] for p in {*n.permissions, "read"})}
            for i, n in enumerate(nodes)]  # fmt: skip


Icon = Annotated[str, Field(description="A Material Design icon name Tables ships: star, home, briefcase, ...")]


@tool(TOOLSET, READ, title="List applications")
async def nc_tables_list_contexts(nc: Nextcloud, limit: Limit = 50, offset: Offset = 0) -> Paged[ContextItem]:
    """List your Tables applications (contexts): named bundles of tables and views."""
    found = sorted(await _api(nc).contexts(), key=lambda c: c.id)
    return Paged[ContextItem].of([ContextItem.of(c) for c in found], offset, limit)


@tool(TOOLSET, READ, title="Get application")
async def nc_tables_get_context(nc: Nextcloud, context_id: Id) -> ContextItem:
    """One Tables application with its tables and views."""
    return ContextItem.of(await _api(nc).context(context_id))


@tool(TOOLSET, CREATE, title="Create application")
async def nc_tables_create_context(
    nc: Nextcloud, name: str, icon: Icon = "apps", description: str = "", nodes: list[Node] | None = None
) -> ContextItem:
    """Bundle tables and views you manage into a Tables application."""
    if not name.strip():
        raise invalid("name", "must not be empty; name the application")
    return ContextItem.of(await _api(nc).create_context(name.strip(), icon.strip(), description, _nodes(nodes or [])))


@tool(TOOLSET, UPDATE, title="Update application")
async def nc_tables_update_context(
    nc: Nextcloud,
    context_id: Id,
    name: str | None = None,
    icon: Icon | None = None,
    description: str | None = None,
    nodes: Annotated[list[Node] | None, Field(description="Replace all, in order; [] for none.")] = None,
) -> ContextItem:
    """Rename, re-icon or describe an application, or set its tables and views."""
    from nextcloud_mcp_server.nextcloud.tables import NODE_TYPES

    if name is not None and not name.strip():
        raise invalid("name", "must not be empty; omit it to keep the name")
    changes = {"name": name, "iconName": icon, "description": description,
               "nodes": None if nodes is None else _nodes(nodes)}  # fmt: skip
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        raise invalid("name/icon/description/nodes", "give at least one of them to change")
    api = _api(nc)
    context = await api.update_context(context_id, changes)
    if nodes:  # Tables keeps a kept node's place: set every place on the start page
        rel = {(n.node_type, n.node_id): n.id for n in context.nodes}
        order = {rel.get((NODE_TYPES[n.type], n.id)): (i + 1) * 10 for i, n in enumerate(nodes)}
        page = context.pages[0] if context.pages else None
        content = [{"id": item.id, "order": order[item.node_rel_id]} for item in (page.content if page else [])
                   if item.node_rel_id in order and item.order != order[item.node_rel_id]]  # fmt: skip
        if page and content:
            await api.order_context(context_id, page.id, content)
            context = await api.context(context_id)
    return ContextItem.of(context)


@tool(TOOLSET, DELETE, title="Delete application")
async def nc_tables_delete_context(nc: Nextcloud, context_id: Id) -> Deleted:
    """Delete an application (its tables and views stay)."""
    context = await _api(nc).delete_context(context_id)
    return Deleted(deleted_id=context_id, message=f"Application {context.name!r} deleted")


@tool(TOOLSET, UPDATE, title="Transfer application")
async def nc_tables_transfer_context(nc: Nextcloud, context_id: Id, new_owner: str) -> ContextItem:
    """Give an application you own to another user."""
    if not new_owner.strip():
        raise invalid("new_owner", "must not be empty; give the user id of the new owner")
    return ContextItem.of(await _api(nc).transfer_context(context_id, new_owner.strip()))


@tool(TOOLSET, CREATE, title="Share application")
async def nc_tables_share_context(
    nc: Nextcloud, context_id: Id, receiver: Receiver, receiver_type: ReceiverType = "user"
) -> ShareItem:
    """Share an application you own; its tables and views open with the permissions it sets on them."""
    return await _share(nc, "context", context_id, receiver, receiver_type, None)
