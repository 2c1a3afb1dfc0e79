"""Nextcloud Tables: tables, columns, rows, views, shares, favorites, contexts and CSV import, over
OCS `api/2` and REST `api/1`.

Why both APIs: `api/2` (OCS) creates tables, columns of each type and rows, and holds favorites,
transfers and contexts; `api/1` (plain JSON) is the only one that reads rows (of a table or, filtered
and sorted by Tables, of a view), updates and deletes columns and rows, and manages views, shares
and imports. Both answer 404 for a table one cannot see and 403 for one shared without the
permission asked for. Values travel as Tables stores them (selection option ids, "true"/"false"
for a check, "YYYY-MM-DD HH:MM" for a datetime, `[{id, type}]` for users and groups); converting
them from and to what a person writes (option labels, booleans, user ids), by column name, is
`tables_values.py`'s job.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from nextcloud_mcp_server.nextcloud.errors import (
    BadRequest,
    BadResponse,
    InvalidInput,
    NotFound,
    detail_of,
    not_found,
    parsed,
)
from nextcloud_mcp_server.nextcloud.ocs import OCS_HEADERS, unwrap

if TYPE_CHECKING:
    import httpx

    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

OCS = "/ocs/v2.php/apps/tables/api/2"
REST = "/index.php/apps/tables/api/1"
JSON_HEADERS = {"Accept": "application/json", "OCS-APIRequest": "true"}
M = TypeVar("M", bound=BaseModel)
NODE_TYPES = {"table": 0, "view": 1}
"""Application::NODE_TYPE_* (favorites and contexts name a table or view by these)."""
NODE_PERMISSIONS = {"read": 1, "create": 2, "update": 4, "delete": 8, "manage": 16}
"""Application::PERMISSION_* bits, as a context grants them on its tables and views."""
ROW_PAGE = 500
"""Rows asked for per request when reading a whole table."""


def _json_list(value: Any) -> Any:
    """Tables sends some column settings as JSON text in one version and as arrays in another."""
    if isinstance(value, str) and value.strip().startswith(("[", "{")):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class Permissions(BaseModel):
    read: bool = True
    create: bool = True
    update: bool = True
    delete: bool = True
    manage: bool = True


class Table(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    title: str
    emoji: str | None = None
    description: str | None = None
    ownership: str
    archived: bool = False
    favorite: bool = False
    is_shared: bool = Field(False, alias="isShared")
    permissions: Permissions | None = Field(None, alias="onSharePermissions")
    rows_count: int = Field(0, alias="rowsCount")
    columns_count: int = Field(0, alias="columnsCount")


class SelectionOption(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    label: str


class Column(BaseModel):
    """A column with its type's settings (the settings of other types are empty or null)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: int
    title: str
    table_id: int = Field(alias="tableId")
    type: str
    subtype: str = ""
    mandatory: bool = False
    description: str = ""
    number_default: float | None = Field(None, alias="numberDefault")
    number_min: float | None = Field(None, alias="numberMin")
    number_max: float | None = Field(None, alias="numberMax")
    number_decimals: int | None = Field(None, alias="numberDecimals")
    number_prefix: str | None = Field(None, alias="numberPrefix")
    number_suffix: str | None = Field(None, alias="numberSuffix")
    text_default: str | None = Field(None, alias="textDefault")
    text_max_length: int | None = Field(None, alias="textMaxLength")
    selection_options: list[SelectionOption] = Field(default_factory=list, alias="selectionOptions")
    selection_default: str | None = Field(None, alias="selectionDefault")
    datetime_default: str | None = Field(None, alias="datetimeDefault")
    usergroup_default: Any = Field(None, alias="usergroupDefault")
    usergroup_multiple: bool | None = Field(None, alias="usergroupMultipleItems")
    usergroup_users: bool | None = Field(None, alias="usergroupSelectUsers")
    usergroup_groups: bool | None = Field(None, alias="usergroupSelectGroups")

    @field_validator("selection_options", mode="before")
    @classmethod
    def _options(cls, value: Any) -> Any:
        value = _json_list(value)
        return value if isinstance(value, list) else []

    @field_validator("usergroup_default", mode="before")
    @classmethod
    def _usergroup(cls, value: Any) -> Any:
        return _json_list(value)

    @property
    def kind(self) -> str:
        """`type` and `subtype` as one name: text-line, number-stars, selection-multi, datetime-date, ..."""
        return f"{self.type}-{self.subtype}" if self.subtype else self.type


class Cell(BaseModel):
    column_id: int = Field(alias="columnId")
    value: Any = None


class Row(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    table_id: int = Field(alias="tableId")
    created_by: str = Field("", alias="createdBy")
    created_at: str = Field("", alias="createdAt")
    last_edit_by: str = Field("", alias="lastEditBy")
    last_edit_at: str = Field("", alias="lastEditAt")
    data: list[Cell] = Field(default_factory=list)

    @field_validator("data", mode="before")
    @classmethod
    def _cells(cls, value: Any) -> Any:
        return value or []


class ViewFilter(BaseModel):
    column_id: int = Field(alias="columnId")
    operator: str
    value: Any = ""


class ViewSort(BaseModel):
    column_id: int = Field(alias="columnId")
    mode: str


class View(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    title: str
    emoji: str | None = None
    table_id: int = Field(alias="tableId")
    description: str | None = None
    columns: list[int] = Field(default_factory=list)
    sort: list[ViewSort] = Field(default_factory=list)
    filter: list[list[ViewFilter]] = Field(default_factory=list)
    rows_count: int = Field(0, alias="rowsCount")

    @field_validator("columns", "sort", "filter", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        value = _json_list(value)
        return value if isinstance(value, list) else []


class Share(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    receiver: str
    receiver_type: str = Field(alias="receiverType")
    node_id: int = Field(alias="nodeId")
    node_type: str = Field(alias="nodeType")
    read: bool = Field(alias="permissionRead")
    create: bool = Field(alias="permissionCreate")
    update: bool = Field(alias="permissionUpdate")
    delete: bool = Field(alias="permissionDelete")
    manage: bool = Field(alias="permissionManage")


class ContextNode(BaseModel):
    """A table or view in a context. Tables names the keys camelCase in the answers to create and
    update (the new relations) and snake_case where it loads a context."""

    model_config = ConfigDict(extra="ignore")

    id: int = 0
    """The relation's id (a page's content names it)."""
    node_id: int = Field(validation_alias=AliasChoices("node_id", "nodeId"))
    node_type: int = Field(validation_alias=AliasChoices("node_type", "nodeType"))
    permissions: int = 1


class PageContent(BaseModel):
    """A node's place on a page: keyed by its id, `{order, node_rel_id}` when loaded, camelCase with
    the id inside in the answer to create."""

    model_config = ConfigDict(extra="ignore")

    id: int
    node_rel_id: int = Field(validation_alias=AliasChoices("node_rel_id", "nodeRelId"))
    order: int = 0


class ContextPage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    content: list[PageContent] = Field(default_factory=list)

    @field_validator("content", mode="before")
    @classmethod
    def _content(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return [item | {"id": item.get("id", key)} for key, item in value.items() if isinstance(item, dict)]
        return value or []


class ContextShare(BaseModel):
    """Who an application is shared with (its `sharing`, snake_case, keyed by share id)."""

    model_config = ConfigDict(extra="ignore")

    share_id: int
    receiver: str
    receiver_type: str = "user"


class Context(BaseModel):
    """A Tables application ("context"): a named, iconed bundle of tables and views."""

    model_config = ConfigDict(extra="ignore")

    id: int
    name: str
    icon: str = Field("", alias="iconName")
    description: str = ""
    owner: str
    owner_type: int = Field(0, alias="ownerType")
    nodes: list[ContextNode] = Field(default_factory=list)
    sharing: list[ContextShare] = Field(default_factory=list)
    pages: list[ContextPage] = Field(default_factory=list)

    @field_validator("nodes", "sharing", "pages", mode="before")
    @classmethod
    def _nodes(cls, value: Any) -> Any:
        """Keyed by relation id (a JSON object), a plain list, or `[]` when empty."""
        return list(value.values()) if isinstance(value, dict) else value or []


class ImportState(BaseModel):
    model_config = ConfigDict(extra="ignore")

    found_columns_count: int = 0
    matching_columns_count: int = 0
    created_columns_count: int = 0
    inserted_rows_count: int = 0
    errors_parsing_count: int = 0
    errors_count: int = 0


def _parse_list(model: type[M], data: Any, what: str) -> list[M]:
    if not isinstance(data, list):
        raise BadResponse(f"the {what}s are not a list")
    return [parsed(model, item, what) for item in data]


class TablesAPI:
    """The caller's tables (their own and those shared with them)."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def _ocs(self, method: str, path: str, subject: str, *, json_body: Any = None) -> Any:
        response = await self._client.request(method, f"{OCS}{path}", headers=OCS_HEADERS, json=json_body, ok=(404,))
        if response.status_code == 404:
            raise not_found(subject, detail_of(response))
        return unwrap(response)

    async def _rest(
        self, method: str, path: str, subject: str, *, json_body: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        response: httpx.Response = await self._client.request(
            method, f"{REST}{path}", headers=JSON_HEADERS, json=json_body, params=params, ok=(404,)
        )
        if response.status_code == 404:
            raise not_found(subject, detail_of(response))
        try:
            return response.json()
        except ValueError:
            raise BadResponse(f"the answer about {subject} is not JSON") from None

    # tables

    async def tables(self) -> list[Table]:
        return _parse_list(Table, await self._ocs("GET", "/tables", "tables"), "table")

    async def table(self, table_id: int) -> Table:
        return parsed(Table, await self._ocs("GET", f"/tables/{table_id}", f"table {table_id}"), "a table")

    async def create_table(self, title: str, emoji: str | None, description: str | None) -> Table:
        body = {"title": title, "emoji": emoji, "description": description, "template": "custom"}
        return parsed(Table, await self._ocs("POST", "/tables", "a new table", json_body=body), "a table")

    async def update_table(self, table_id: int, changes: dict[str, Any]) -> Table:
        data = await self._ocs("PUT", f"/tables/{table_id}", f"table {table_id}", json_body=changes)
        return parsed(Table, data, "a table")

    async def delete_table(self, table_id: int) -> Table:
        return parsed(Table, await self._ocs("DELETE", f"/tables/{table_id}", f"table {table_id}"), "a table")

    # columns

    async def columns(self, table_id: int) -> list[Column]:
        data = await self._ocs("GET", f"/columns/table/{table_id}", f"table {table_id}")
        return _parse_list(Column, data, "column")

    async def view_columns(self, view_id: int) -> list[Column]:
        """The columns a view shows, in its order."""
        return _parse_list(Column, await self._ocs("GET", f"/columns/view/{view_id}", f"view {view_id}"), "column")

    async def column(self, column_id: int) -> Column:
        return parsed(Column, await self._ocs("GET", f"/columns/{column_id}", f"column {column_id}"), "a column")

    async def create_column(self, table_id: int, column_type: str, settings: dict[str, Any]) -> Column:
        body = {"baseNodeId": table_id, "baseNodeType": "table", **settings}
        data = await self._ocs("POST", f"/columns/{column_type}", f"table {table_id}", json_body=body)
        return parsed(Column, data, "a column")

    async def update_column(self, column_id: int, settings: dict[str, Any]) -> Column:
        data = await self._rest("PUT", f"/columns/{column_id}", f"column {column_id}", json_body=settings)
        return parsed(Column, data, "a column")

    async def delete_column(self, column_id: int) -> Column:
        data = await self._rest("DELETE", f"/columns/{column_id}", f"column {column_id}")
        return parsed(Column, data, "a column")

    # rows

    async def rows(self, table_id: int, limit: int | None = None, offset: int = 0) -> list[Row]:
        """Rows in Tables' order (by id); all of them when `limit` is None."""
        found: list[Row] = []
        while True:
            want = ROW_PAGE if limit is None else min(ROW_PAGE, limit - len(found))
            params = {"limit": want, "offset": offset + len(found)}
            data = await self._rest("GET", f"/tables/{table_id}/rows", f"table {table_id}", params=params)
            page = _parse_list(Row, data, "row")
            found.extend(page)
            if len(page) < want or (limit is not None and len(found) >= limit):
                return found

    async def row(self, row_id: int) -> Row:
        return parsed(Row, await self._rest("GET", f"/rows/{row_id}", f"row {row_id}"), "a row")

    async def insert_row(self, table_id: int, values: dict[int, Any]) -> Row:
        body = {"data": {str(k): v for k, v in values.items()}}
        data = await self._ocs("POST", f"/tables/{table_id}/rows", f"table {table_id}", json_body=body)
        return parsed(Row, data, "a row")

    async def insert_view_row(self, view_id: int, values: dict[int, Any]) -> Row:
        """A row made through a view: its columns only; the answer shows only them."""
        body = {"data": {str(k): v for k, v in values.items()}}
        data = await self._ocs("POST", f"/views/{view_id}/rows", f"view {view_id}", json_body=body)
        return parsed(Row, data, "a row")

    async def update_row(self, row_id: int, values: dict[int, Any]) -> Row:
        body = {"data": {str(k): v for k, v in values.items()}}
        return parsed(Row, await self._rest("PUT", f"/rows/{row_id}", f"row {row_id}", json_body=body), "a row")

    async def delete_row(self, row_id: int) -> Row:
        return parsed(Row, await self._rest("DELETE", f"/rows/{row_id}", f"row {row_id}"), "a row")

    async def view_rows(self, view_id: int, limit: int, offset: int) -> list[Row]:
        """A view's rows as Tables filters and sorts them, each with the view's columns only."""
        params = {"limit": limit, "offset": offset}
        data = await self._rest("GET", f"/views/{view_id}/rows", f"view {view_id}", params=params)
        return _parse_list(Row, data, "row")

    # views

    async def view(self, view_id: int) -> View:
        return parsed(View, await self._rest("GET", f"/views/{view_id}", f"view {view_id}"), "a view")

    async def views(self, table_id: int) -> list[View]:
        return _parse_list(View, await self._rest("GET", f"/tables/{table_id}/views", f"table {table_id}"), "view")

    async def create_view(self, table_id: int, title: str, emoji: str | None) -> View:
        body = {"title": title, "emoji": emoji}
        data = await self._rest("POST", f"/tables/{table_id}/views", f"table {table_id}", json_body=body)
        return parsed(View, data, "a view")

    async def update_view(self, view_id: int, changes: dict[str, Any]) -> View:
        data = await self._rest("PUT", f"/views/{view_id}", f"view {view_id}", json_body={"data": changes})
        return parsed(View, data, "a view")

    async def delete_view(self, view_id: int) -> View:
        return parsed(View, await self._rest("DELETE", f"/views/{view_id}", f"view {view_id}"), "a view")

    # shares and import

    async def shares(self, table_id: int) -> list[Share]:
        return _parse_list(Share, await self._rest("GET", f"/tables/{table_id}/shares", f"table {table_id}"), "share")

    async def view_shares(self, view_id: int) -> list[Share]:
        return _parse_list(Share, await self._rest("GET", f"/views/{view_id}/shares", f"view {view_id}"), "share")

    async def share(
        self, node_id: int, receiver: str, receiver_type: str, permissions: dict[str, bool], node_type: str = "table"
    ) -> Share:
        """Share a table or view (with permission flags) or a context (Tables ignores flags there)."""
        body: dict[str, Any] = {"nodeId": node_id, "nodeType": node_type, "receiver": receiver,
                                "receiverType": receiver_type}  # fmt: skip
        body.update({f"permission{name.title()}": value for name, value in permissions.items()})
        subject = f"application {node_id}" if node_type == "context" else f"{node_type} {node_id}"
        return parsed(Share, await self._rest("POST", "/shares", subject, json_body=body), "a share")

    async def share_of(self, share_id: int) -> Share:
        return parsed(Share, await self._rest("GET", f"/shares/{share_id}", f"share {share_id}"), "a share")

    async def set_share_permission(self, share_id: int, name: str, value: bool) -> Share:
        """One permission flag of a share (Tables changes one per request)."""
        body = {"permissionType": name, "permissionValue": value}
        return parsed(Share, await self._rest("PUT", f"/shares/{share_id}", f"share {share_id}", json_body=body),
                      "a share")  # fmt: skip

    async def unshare(self, share_id: int) -> Share:
        return parsed(Share, await self._rest("DELETE", f"/shares/{share_id}", f"share {share_id}"), "a share")

    async def import_csv(
        self, table_id: int, path: str, create_missing_columns: bool, node_type: str = "table"
    ) -> ImportState:
        """Import into a table or (node_type "view") through a view, matching its columns only."""
        body = {"path": path, "createMissingColumns": create_missing_columns}
        route = "/import/table" if node_type == "table" else "/import/views"
        try:
            data = await self._rest("POST", f"{route}/{table_id}", f"{node_type} {table_id}", json_body=body)
        except NotFound as error:
            error.subject = f"{node_type} {table_id} or file '{path}'"
            raise
        return parsed(ImportState, data, "an import result")

    # favorites and ownership

    async def set_favorite(self, node_type: str, node_id: int, favorite: bool) -> None:
        path = f"/favorites/{NODE_TYPES[node_type]}/{node_id}"
        await self._ocs("POST" if favorite else "DELETE", path, f"{node_type} {node_id}")

    async def transfer_table(self, table_id: int, new_owner: str) -> Table:
        """Give a table to `new_owner`, checked to be a user first: Tables takes any id and the table is lost."""
        await self._must_be_user(new_owner)
        body = {"newOwnerUserId": new_owner}
        data = await self._ocs("PUT", f"/tables/{table_id}/transfer", f"table {table_id}", json_body=body)
        return parsed(Table, data, "a table")

    async def _must_be_user(self, user_id: str) -> None:
        from nextcloud_mcp_server.nextcloud.sharing import SharingAPI

        if user_id == self._client.user:  # the sharee search leaves the caller out
            return
        found = await self._client.api(SharingAPI).sharees(user_id, share_types=[0], per_page=25)
        if not any(s.share_type == 0 and s.share_with == user_id for s in found):
            raise InvalidInput("new_owner", f"no user {user_id!r} found; give the exact user id of an existing user")

    # contexts (Tables "applications")

    async def contexts(self) -> list[Context]:
        return _parse_list(Context, await self._ocs("GET", "/contexts", "applications"), "application")

    async def context(self, context_id: int) -> Context:
        data = await self._ocs("GET", f"/contexts/{context_id}", f"application {context_id}")
        return parsed(Context, data, "an application")

    async def create_context(self, name: str, icon: str, description: str, nodes: list[dict[str, int]]) -> Context:
        body = {"name": name, "iconName": icon, "description": description, "nodes": nodes}
        return await self._context_call("POST", "/contexts", "a new application", body)

    async def update_context(self, context_id: int, changes: dict[str, Any]) -> Context:
        return await self._context_call("PUT", f"/contexts/{context_id}", f"application {context_id}", changes)

    async def _context_call(self, method: str, path: str, subject: str, body: dict[str, Any]) -> Context:
        """Tables' 400 for an icon it does not ship, as the argument to change."""
        try:
            data = await self._ocs(method, path, subject, json_body=body)
        except BadRequest as error:
            if "icon" not in error.detail.lower():
                raise
            raise InvalidInput(
                "icon", f"Tables has no icon {body.get('iconName')!r}; give a Material Design name it ships, e.g. star"
            ) from None
        return parsed(Context, data, "an application")

    async def order_context(self, context_id: int, page_id: int, content: list[dict[str, int]]) -> None:
        """Set the order of a page's contents (`[{id, order}]`). The answer is not read: Tables'
        contract calls it the context, its code sends the updated contents."""
        path = f"/contexts/{context_id}/pages/{page_id}"
        await self._ocs("PUT", path, f"application {context_id}", json_body={"content": content})

    async def delete_context(self, context_id: int) -> Context:
        data = await self._ocs("DELETE", f"/contexts/{context_id}", f"application {context_id}")
        return parsed(Context, data, "an application")

    async def transfer_context(self, context_id: int, new_owner: str) -> Context:
        body = {"newOwnerId": new_owner, "newOwnerType": 0}
        data = await self._ocs("PUT", f"/contexts/{context_id}/transfer", f"application {context_id}", json_body=body)
        return parsed(Context, data, "an application")
