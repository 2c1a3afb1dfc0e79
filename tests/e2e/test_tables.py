"""Tables end to end through the real MCP client: a table with columns of several types, rows
written and read by column name, filtered, updated and deleted, views and their rows as Tables
filters and sorts them, favorites, shares and their permissions, ownership transfer, applications
(contexts) and a CSV import; rows and imports through a view (its columns only), views shared
with a user or a group (read-only: bob's rows refused), applications shared with bob opening their
tables with the application's permissions;
each effect checked on the stand-in's own state or over raw HTTP as the user. Bad values are
refused before any request, naming the column and what it accepts; a table shared read-only with
bob refuses his edits in words; with the app disabled the toolset disappears."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from mcp import Client

from tests.conftest import NcUser, StandInHandle
from tests.e2e.helpers import call, error_of, own_server, unique

pytestmark = pytest.mark.anyio
OCS = {"OCS-APIRequest": "true", "Accept": "application/json"}


def app_of(user: NcUser) -> Any:
    return user.standin.app.services["tables"]


def stored_cells(user: NcUser, row_id: int) -> dict[str, Any]:
    """A row's stored values by column title, straight from the stand-in."""
    app = app_of(user)
    return {app.columns[cid]["title"]: value for cid, value in app.rows[row_id]["values"].items()}


async def make_table(mcp: Any) -> dict[str, Any]:
    table = await call(mcp, "nc_tables_create_table", title=unique("Tasks"), emoji="✅")
    tid = table["id"]
    await call(mcp, "nc_tables_create_column", table_id=tid, title="Task", type="text-line", mandatory=True)
    await call(mcp, "nc_tables_create_column", table_id=tid, title="Hours", type="number", min=0, max=100)
    await call(mcp, "nc_tables_create_column", table_id=tid, title="Rating", type="number-stars")
    await call(mcp, "nc_tables_create_column", table_id=tid, title="Due", type="datetime-date")
    await call(mcp, "nc_tables_create_column", table_id=tid, title="State", type="selection",
               options=["Open", "Doing", "Done"], default="Open")  # fmt: skip
    await call(mcp, "nc_tables_create_column", table_id=tid, title="Tags", type="selection-multi",
               options=["home", "work"])  # fmt: skip
    await call(mcp, "nc_tables_create_column", table_id=tid, title="Urgent", type="selection-check")
    await call(mcp, "nc_tables_create_column", table_id=tid, title="Owner", type="usergroup", multiple=True)
    await call(mcp, "nc_tables_create_column", table_id=tid, title="Link", type="text-link")
    return table


@pytest.fixture(scope="module")
def bob(standin: StandInHandle) -> NcUser:
    return standin.add_user("utables-bob", "pw-utables-bob")


@pytest.fixture(scope="module")
def bob_url(bob: NcUser) -> Iterator[str]:
    with own_server(bob) as url:
        yield url


@pytest.fixture
async def bob_mcp(bob_url: str) -> AsyncIterator[Any]:
    async with Client(bob_url) as client:
        yield client


async def test_table_and_columns_of_every_kind_are_created_as_tables_stores_them(mcp: Any, nc_user: NcUser) -> None:
    table = await make_table(mcp)
    app = app_of(nc_user)
    assert app.tables[table["id"]].owner == nc_user.id
    stored = {c["title"]: c for c in app.columns.values() if c["tableId"] == table["id"]}
    assert {t: (c["type"], c["subtype"]) for t, c in stored.items()} == {
        "Task": ("text", "line"), "Hours": ("number", ""), "Rating": ("number", "stars"),
        "Due": ("datetime", "date"), "State": ("selection", ""), "Tags": ("selection", "multi"),
        "Urgent": ("selection", "check"), "Owner": ("usergroup", ""), "Link": ("text", "link"),
    }  # fmt: skip
    assert stored["Task"]["mandatory"] is True
    assert (stored["Hours"]["numberMin"], stored["Hours"]["numberMax"]) == (0, 100)
    assert stored["State"]["selectionDefault"] == "1"  # option id of "Open"
    assert stored["Owner"]["usergroupMultipleItems"] is True
    schema = await call(mcp, "nc_tables_get_schema", table_id=table["id"])
    state = next(c for c in schema["columns"] if c["title"] == "State")
    assert (state["type"], state["options"]) == ("selection", ["Open", "Doing", "Done"])
    assert schema["table"]["columns"] == 9
    listed = await call(mcp, "nc_tables_list_tables")
    assert table["id"] in [t["id"] for t in listed["items"]]


async def test_rows_are_written_and_read_by_column_name_typed_by_column(mcp: Any, nc_user: NcUser) -> None:
    table = await make_table(mcp)
    row = await call(mcp, "nc_tables_insert_row", table_id=table["id"], data={
        "Task": "Write report", "Hours": 2.5, "Rating": 4, "Due": "2026-03-01", "State": "Doing",
        "Tags": ["work", "home"], "Urgent": True, "Owner": [nc_user.id, "group:staff"], "Link": "https://example.org",
    })  # fmt: skip
    cells = stored_cells(nc_user, row["id"])
    assert cells["State"] == 2
    assert cells["Tags"] == [2, 1]
    assert cells["Urgent"] == "true"
    assert cells["Owner"] == [{"id": nc_user.id, "type": 0}, {"id": "staff", "type": 1}]
    assert cells["Due"] == "2026-03-01"
    assert row["values"]["State"] == "Doing"
    assert row["values"]["Tags"] == ["work", "home"]
    with nc_user.raw() as http:
        rows = http.get(f"/index.php/apps/tables/api/1/tables/{table['id']}/rows", headers=OCS).json()
    assert [r["id"] for r in rows] == [row["id"]]
    read = await call(mcp, "nc_tables_read_table", table_id=table["id"])
    assert read["rows"][0]["values"] == {
        "Task": "Write report", "Hours": 2.5, "Rating": 4, "Due": "2026-03-01", "State": "Doing",
        "Tags": ["work", "home"], "Urgent": True, "Owner": [nc_user.id, "group:staff"], "Link": "https://example.org",
    }  # fmt: skip
    assert read["page"]["total"] == 1


async def test_rows_are_filtered_searched_and_sorted(mcp: Any, nc_user: NcUser) -> None:
    table = await make_table(mcp)
    for task, hours, state in (("Alpha", 5, "Open"), ("Beta", 1, "Done"), ("Gamma", 9, "Open"), ("Delta", 3, "Doing")):
        await call(
            mcp, "nc_tables_insert_row", table_id=table["id"], data={"Task": task, "Hours": hours, "State": state}
        )
    found = await call(mcp, "nc_tables_search_rows", table_id=table["id"],
                       filters=[{"column": "State", "operator": "is-equal", "value": "open"}], sort_by="Hours",
                       descending=True)  # fmt: skip
    assert [r["values"]["Task"] for r in found["rows"]] == ["Gamma", "Alpha"]
    over = await call(mcp, "nc_tables_search_rows", table_id=table["id"],
                      filters=[{"column": "hours", "operator": "is-greater-than-or-equal", "value": 3}])  # fmt: skip
    assert sorted(r["values"]["Task"] for r in over["rows"]) == ["Alpha", "Delta", "Gamma"]
    text = await call(mcp, "nc_tables_search_rows", table_id=table["id"], query="elt")
    assert [r["values"]["Task"] for r in text["rows"]] == ["Delta"]
    message = await error_of(mcp, "nc_tables_search_rows", table_id=table["id"], sort_by="Colour")
    assert "no column 'Colour'" in message
    assert "'Task'" in message


async def test_a_row_is_updated_cell_by_cell_and_deleted(mcp: Any, nc_user: NcUser) -> None:
    table = await make_table(mcp)
    row = await call(mcp, "nc_tables_insert_row", table_id=table["id"], data={"Task": "Fix bike", "Hours": 1})
    updated = await call(mcp, "nc_tables_update_row", row_id=row["id"], data={"State": "Done", "Hours": 3})
    assert updated["values"]["Task"] == "Fix bike"
    assert updated["values"]["State"] == "Done"
    assert stored_cells(nc_user, row["id"]) == {"Task": "Fix bike", "Hours": 3, "State": 3}
    deleted = await call(mcp, "nc_tables_delete_row", row_id=row["id"])
    assert deleted["deleted_id"] == row["id"]
    assert row["id"] not in app_of(nc_user).rows
    assert "row" in (await error_of(mcp, "nc_tables_delete_row", row_id=row["id"])).lower()


async def test_bad_values_are_refused_naming_the_column_and_what_it_accepts(mcp: Any, nc_user: NcUser) -> None:
    table = await make_table(mcp)
    tid = table["id"]
    before = len(app_of(nc_user).rows)
    cases = {
        "State": ("Closed", ["'Closed' is not an option of column 'State'", "'Open', 'Doing', 'Done'"]),
        "Hours": ("lots", ["column 'Hours' holds a number"]),
        "Rating": (7, ["column 'Rating' accepts numbers from 0 to 5"]),
        "Due": ("next week", ["column 'Due' holds a datetime date", "'YYYY-MM-DD'"]),
        "Urgent": ("yes", ["check box; give true or false"]),
        "Tags": (["work", "garden"], ["'garden' is not an option of column 'Tags'", "'home', 'work'"]),
        "Link": ("not a url", ["column 'Link' holds a link"]),
        "Colour": ("red", ["no column 'Colour'", "'Hours'"]),
    }
    for column, (value, words) in cases.items():
        message = await error_of(mcp, "nc_tables_insert_row", table_id=tid, data={"Task": "x", column: value})
        assert all(w in message for w in words), message
    missing = await error_of(mcp, "nc_tables_insert_row", table_id=tid, data={"Hours": 1})
    assert "mandatory column(s) 'Task'" in missing
    assert "give an object" in await error_of(mcp, "nc_tables_insert_row", table_id=tid, data={})
    assert len(app_of(nc_user).rows) == before
    assert "'Closed'" in await error_of(mcp, "nc_tables_create_column", table_id=tid, title="S", type="selection",
                                        options=["Open"], default="Closed")  # fmt: skip
    assert "needs the labels" in await error_of(mcp, "nc_tables_create_column", table_id=tid, title="S",
                                                type="selection")  # fmt: skip
    assert "only number columns" in await error_of(mcp, "nc_tables_create_column", table_id=tid, title="T",
                                                   type="text-line", min=1)  # fmt: skip
    assert "must not be empty" in await error_of(mcp, "nc_tables_create_table", title=" ")


async def test_table_and_columns_are_updated_and_deleted(mcp: Any, nc_user: NcUser) -> None:
    table = await make_table(mcp)
    app = app_of(nc_user)
    changed = await call(mcp, "nc_tables_update_table", table_id=table["id"], title="Chores", archived=True)
    assert (app.tables[table["id"]].title, app.tables[table["id"]].archived) == ("Chores", True)
    assert changed["archived"] is True
    schema = await call(mcp, "nc_tables_get_schema", table_id=table["id"])
    state = next(c for c in schema["columns"] if c["title"] == "State")
    row = await call(mcp, "nc_tables_insert_row", table_id=table["id"], data={"Task": "t", "State": "Done"})
    column = await call(mcp, "nc_tables_update_column", column_id=state["id"], title="Status",
                        options=["Open", "Done", "Blocked"])  # fmt: skip
    assert (column["title"], column["options"]) == ("Status", ["Open", "Done", "Blocked"])
    again = await call(mcp, "nc_tables_read_table", table_id=table["id"])
    assert again["rows"][0]["values"]["Status"] == "Done"  # kept label, kept option id
    assert "give at least one" in await error_of(mcp, "nc_tables_update_column", column_id=state["id"])
    deleted = await call(mcp, "nc_tables_delete_column", column_id=state["id"])
    assert deleted["deleted_id"] == state["id"]
    assert state["id"] not in app.columns
    assert state["id"] not in app.rows[row["id"]]["values"]
    gone = await call(mcp, "nc_tables_delete_table", table_id=table["id"])
    assert gone["deleted_id"] == table["id"]
    assert table["id"] not in app.tables
    assert row["id"] not in app.rows
    assert "table" in (await error_of(mcp, "nc_tables_get_schema", table_id=table["id"])).lower()


async def test_views_keep_columns_filters_and_sort_by_name(mcp: Any, nc_user: NcUser) -> None:
    table = await make_table(mcp)
    view = await call(mcp, "nc_tables_create_view", table_id=table["id"], title="Open work",
                      columns=["Task", "Hours"], filters=[{"column": "State", "operator": "is-equal", "value": "Open"}],
                      sort_by="Hours", descending=True)  # fmt: skip
    stored = app_of(nc_user).views[view["id"]]
    ids = {c["title"]: c["id"] for c in app_of(nc_user).columns.values() if c["tableId"] == table["id"]}
    assert stored["columns"] == [ids["Task"], ids["Hours"]]
    assert stored["filter"] == [[{"columnId": ids["State"], "operator": "is-equal", "value": "@selection-id-1"}]]
    assert stored["sort"] == [{"columnId": ids["Hours"], "mode": "DESC"}]
    assert view["filters"][0][0]["column"] == "State"
    assert view["columns"] == ["Task", "Hours"]
    updated = await call(mcp, "nc_tables_update_view", view_id=view["id"], table_id=table["id"], title="All work",
                         filters=[])  # fmt: skip
    assert (updated["title"], app_of(nc_user).views[view["id"]]["filter"]) == ("All work", [])
    assert "has no view" in await error_of(mcp, "nc_tables_update_view", view_id=999999, table_id=table["id"],
                                           title="x")  # fmt: skip
    await call(mcp, "nc_tables_delete_view", view_id=view["id"])
    assert view["id"] not in app_of(nc_user).views


async def test_a_csv_in_the_users_files_is_imported(mcp: Any, nc_user: NcUser) -> None:
    table = await make_table(mcp)
    name = unique("import") + ".csv"
    (nc_user.standin.app.files_root(nc_user.id) / name).write_text("Task,Hours,Place\nPaint,4,Home\nMow,2,Garden\n")
    result = await call(mcp, "nc_tables_import_csv", table_id=table["id"], path=name)
    assert result == {"inserted_rows": 2, "created_columns": 1, "matching_columns": 2, "errors": 0}
    read = await call(mcp, "nc_tables_read_table", table_id=table["id"])
    assert [r["values"] for r in read["rows"]] == [{"Task": "Paint", "Hours": 4, "Place": "Home"},
                                                   {"Task": "Mow", "Hours": 2, "Place": "Garden"}]  # fmt: skip
    assert "not found" in (await error_of(mcp, "nc_tables_import_csv", table_id=table["id"], path="nope.csv")).lower()
    assert ".csv file" in await error_of(mcp, "nc_tables_import_csv", table_id=table["id"], path="x.png")


async def test_a_table_shared_read_only_refuses_bobs_edits_in_words(
    mcp: Any, nc_user: NcUser, bob: NcUser, bob_mcp: Any
) -> None:
    table = await make_table(mcp)
    row = await call(mcp, "nc_tables_insert_row", table_id=table["id"], data={"Task": "Alice's"})
    share = await call(mcp, "nc_tables_share_table", table_id=table["id"], receiver=bob.id)
    assert share["permissions"] == ["read"]
    stored = app_of(nc_user).shares[share["id"]]
    assert (stored.receiver, stored.permissions["update"]) == (bob.id, False)
    listed = await call(mcp, "nc_tables_list_shares", table_id=table["id"])
    assert [s["receiver"] for s in listed["items"]] == [bob.id]
    seen = await call(bob_mcp, "nc_tables_read_table", table_id=table["id"])
    assert seen["rows"][0]["values"]["Task"] == "Alice's"
    mine = await call(bob_mcp, "nc_tables_list_tables")
    assert any(t["id"] == table["id"] and t["shared_with_me"] and not t["can_edit"] for t in mine["items"])
    refused = await error_of(bob_mcp, "nc_tables_update_row", row_id=row["id"], data={"Task": "Bob's"})
    assert "HTTP 403" in refused
    assert "update row" in refused
    assert "not allowed" in refused
    refused = await error_of(bob_mcp, "nc_tables_insert_row", table_id=table["id"], data={"Task": "Bob's"})
    assert "HTTP 403" in refused
    assert "create row" in refused
    assert "HTTP 403" in await error_of(bob_mcp, "nc_tables_delete_row", row_id=row["id"])
    assert stored_cells(nc_user, row["id"]) == {"Task": "Alice's"}
    await call(mcp, "nc_tables_unshare", share_id=share["id"])
    assert share["id"] not in app_of(nc_user).shares
    assert "HTTP 404" in await error_of(bob_mcp, "nc_tables_read_table", table_id=table["id"])


async def test_a_foreign_table_is_not_found_for_bob(mcp: Any, bob_mcp: Any) -> None:
    table = await make_table(mcp)
    message = await error_of(bob_mcp, "nc_tables_get_schema", table_id=table["id"])
    assert "HTTP 404" in message
    assert f"table {table['id']}" in message


async def test_tables_tools_vanish_when_the_app_is_disabled(standin: StandInHandle) -> None:
    user = standin.add_user(unique("utables-gated"), "pw-gated-1")
    with own_server(user, capabilities_ttl=0) as url:
        async with Client(url) as client:
            before = {t.name for t in (await client.list_tools()).tools}
            standin.app.set_app_enabled(user.id, "tables", False)
            try:
                without = {t.name for t in (await client.list_tools()).tools}
                refused = await client.call_tool("nc_tables_list_tables", {})
            finally:
                standin.app.set_app_enabled(user.id, "tables", True)
            again = {t.name for t in (await client.list_tools()).tools}
    tools = {name for name in before if name.startswith("nc_tables_")}
    assert {"nc_tables_list_tables", "nc_tables_insert_row", "nc_tables_create_column"} <= tools
    assert tools.isdisjoint(without)
    assert refused.is_error
    assert "needs the Nextcloud app 'Tables' (tables)" in refused.content[0].text
    assert tools <= again


async def fill_rows(mcp: Any, table_id: int) -> None:
    for task, hours, state, tags, urgent in (
        ("Alpha", 5, "Open", ["work"], False), ("Beta", 1, "Done", ["home"], True),
        ("Gamma", 9, "Open", ["home", "work"], True), ("Delta", 3, "Doing", [], False),
    ):  # fmt: skip
        data = {"Task": task, "Hours": hours, "State": state, "Urgent": urgent} | ({"Tags": tags} if tags else {})
        await call(mcp, "nc_tables_insert_row", table_id=table_id, data=data)


async def test_a_views_rows_come_filtered_and_sorted_by_tables(mcp: Any, nc_user: NcUser) -> None:
    table = await make_table(mcp)
    await fill_rows(mcp, table["id"])
    view = await call(mcp, "nc_tables_create_view", table_id=table["id"], title="Open", columns=["Task", "Hours"],
                      filters=[{"column": "State", "operator": "is-equal", "value": "Open"}], sort_by="Hours",
                      descending=True)  # fmt: skip
    ids = {c["title"]: c["id"] for c in app_of(nc_user).columns.values() if c["tableId"] == table["id"]}
    assert app_of(nc_user).views[view["id"]]["filter"] == [
        [{"columnId": ids["State"], "operator": "is-equal", "value": "@selection-id-1"}]  # as Tables' UI writes it
    ]
    assert view["filters"][0][0]["value"] == "Open"
    read = await call(mcp, "nc_tables_read_view", view_id=view["id"])
    assert [r["values"] for r in read["rows"]] == [{"Task": "Gamma", "Hours": 9}, {"Task": "Alpha", "Hours": 5}]
    assert (read["table_id"], read["page"]["total"]) == (table["id"], 2)
    with nc_user.raw() as http:
        raw = http.get(f"/index.php/apps/tables/api/1/views/{view['id']}/rows", headers=OCS).json()
    assert [r["id"] for r in raw] == [r["id"] for r in read["rows"]]
    first = await call(mcp, "nc_tables_read_view", view_id=view["id"], limit=1)
    assert (len(first["rows"]), first["page"]["next_offset"]) == (1, 1)
    checked = await call(mcp, "nc_tables_create_view", table_id=table["id"], title="Urgent work",
                         filters=[{"column": "Urgent", "operator": "is-equal", "value": True},
                                  {"column": "Tags", "operator": "contains", "value": "work"}])  # fmt: skip
    rows = (await call(mcp, "nc_tables_read_view", view_id=checked["id"]))["rows"]
    assert [r["values"]["Task"] for r in rows] == ["Gamma"]
    assert set(rows[0]["values"]) == {"Task", "Hours", "State", "Tags", "Urgent"}  # all its columns by default
    # OR-groups, set over raw HTTP as Tables' UI would: Done, or more than 4 hours; sorted by hours ascending
    either = json.dumps([[{"columnId": ids["State"], "operator": "is-equal", "value": "@selection-id-3"}],
                         [{"columnId": ids["Hours"], "operator": "is-greater-than", "value": 4}]])  # fmt: skip
    sort = json.dumps([{"columnId": ids["Hours"], "mode": "ASC"}])
    with nc_user.raw() as http:
        http.put(f"/index.php/apps/tables/api/1/views/{view['id']}", headers=OCS,
                 json={"data": {"filter": either, "sort": sort}}).raise_for_status()  # fmt: skip
    again = await call(mcp, "nc_tables_read_view", view_id=view["id"])
    assert [r["values"]["Task"] for r in again["rows"]] == ["Beta", "Alpha", "Gamma"]


async def test_view_rows_bad_inputs_are_refused(mcp: Any, bob_mcp: Any) -> None:
    table = await make_table(mcp)
    assert "HTTP 404" in await error_of(mcp, "nc_tables_read_view", view_id=999999)
    message = await error_of(mcp, "nc_tables_create_view", table_id=table["id"], title="x",
                             filters=[{"column": "State", "value": "Closed", "operator": "is-equal"}])  # fmt: skip
    assert "'Closed' is not an option of column 'State'" in message
    assert "true or false" in await error_of(mcp, "nc_tables_create_view", table_id=table["id"], title="x",
                                             filters=[{"column": "Urgent", "value": "yes"}])  # fmt: skip
    view = await call(mcp, "nc_tables_create_view", table_id=table["id"], title="Mine")
    message = await error_of(bob_mcp, "nc_tables_read_view", view_id=view["id"])
    assert "HTTP 403" in message or "HTTP 404" in message
    assert "view" in message


async def test_tables_and_views_are_favorited_and_unfavorited(mcp: Any, nc_user: NcUser, bob_mcp: Any) -> None:
    table = await make_table(mcp)
    view = await call(mcp, "nc_tables_create_view", table_id=table["id"], title="Fav")
    done = await call(mcp, "nc_tables_set_favorite", node_id=table["id"])
    assert done == {"node_type": "table", "node_id": table["id"], "favorite": True}
    await call(mcp, "nc_tables_set_favorite", node_type="view", node_id=view["id"])
    assert {(nc_user.id, 0, table["id"]), (nc_user.id, 1, view["id"])} <= app_of(nc_user).favorites
    with nc_user.raw() as http:
        raw = http.get(f"/ocs/v2.php/apps/tables/api/2/tables/{table['id']}", headers=OCS).json()["ocs"]["data"]
    assert raw["favorite"] is True
    listed = await call(mcp, "nc_tables_list_tables", limit=100)
    assert next(t for t in listed["items"] if t["id"] == table["id"])["favorite"] is True
    await call(mcp, "nc_tables_set_favorite", node_id=table["id"], favorite=False)
    assert (nc_user.id, 0, table["id"]) not in app_of(nc_user).favorites
    assert (nc_user.id, 1, view["id"]) in app_of(nc_user).favorites
    assert "HTTP 404" in await error_of(bob_mcp, "nc_tables_set_favorite", node_id=table["id"])
    assert "HTTP 404" in await error_of(mcp, "nc_tables_set_favorite", node_type="view", node_id=999999)


async def test_a_shares_permissions_are_changed_and_bob_may_then_edit(
    mcp: Any, nc_user: NcUser, bob: NcUser, bob_mcp: Any
) -> None:
    table = await make_table(mcp)
    row = await call(mcp, "nc_tables_insert_row", table_id=table["id"], data={"Task": "Alice's"})
    share = await call(mcp, "nc_tables_share_table", table_id=table["id"], receiver=bob.id)
    assert "HTTP 403" in await error_of(bob_mcp, "nc_tables_update_row", row_id=row["id"], data={"Task": "Bob's"})
    changed = await call(mcp, "nc_tables_update_share", share_id=share["id"], permissions=["update", "create"])
    assert changed["permissions"] == ["read", "create", "update"]
    stored = app_of(nc_user).shares[share["id"]].permissions
    assert stored == {"read": True, "create": True, "update": True, "delete": False, "manage": False}
    await call(bob_mcp, "nc_tables_update_row", row_id=row["id"], data={"Task": "Bob's"})
    assert stored_cells(nc_user, row["id"]) == {"Task": "Bob's"}
    refused = await error_of(bob_mcp, "nc_tables_update_share", share_id=share["id"], permissions=["manage"])
    assert "HTTP 403" in refused
    assert app_of(nc_user).shares[share["id"]].permissions["manage"] is False
    back = await call(mcp, "nc_tables_update_share", share_id=share["id"], permissions=[])
    assert back["permissions"] == ["read"]
    assert "HTTP 403" in await error_of(bob_mcp, "nc_tables_delete_row", row_id=row["id"])
    assert "HTTP 404" in await error_of(mcp, "nc_tables_update_share", share_id=999999, permissions=["read"])


async def test_a_table_is_transferred_to_another_user(mcp: Any, nc_user: NcUser, bob: NcUser, bob_mcp: Any) -> None:
    table = await make_table(mcp)
    refused = await error_of(mcp, "nc_tables_transfer_table", table_id=table["id"], new_owner="nobody-here-at-all")
    assert "no user 'nobody-here-at-all'" in refused
    assert app_of(nc_user).tables[table["id"]].owner == nc_user.id
    assert "HTTP 403" in await error_of(bob_mcp, "nc_tables_transfer_table", table_id=table["id"], new_owner=bob.id)
    assert app_of(nc_user).tables[table["id"]].owner == nc_user.id
    moved = await call(mcp, "nc_tables_transfer_table", table_id=table["id"], new_owner=bob.id)
    assert moved["owner"] == bob.id
    assert app_of(nc_user).tables[table["id"]].owner == bob.id
    mine = await call(bob_mcp, "nc_tables_list_tables", limit=100)
    assert any(t["id"] == table["id"] and not t["shared_with_me"] for t in mine["items"])
    assert "HTTP 404" in await error_of(mcp, "nc_tables_get_schema", table_id=table["id"])
    assert "must not be empty" in await error_of(mcp, "nc_tables_transfer_table", table_id=table["id"], new_owner=" ")


async def test_applications_bundle_tables_and_views(mcp: Any, nc_user: NcUser, bob: NcUser, bob_mcp: Any) -> None:
    table = await make_table(mcp)
    view = await call(mcp, "nc_tables_create_view", table_id=table["id"], title="In app")
    made = await call(mcp, "nc_tables_create_context", name=unique("Projects"), icon="briefcase",
                      description="Work", nodes=[{"id": table["id"], "permissions": ["create"]},
                                                 {"type": "view", "id": view["id"]}])  # fmt: skip
    assert made["nodes"] == [{"type": "table", "id": table["id"], "permissions": ["read", "create"]},
                             {"type": "view", "id": view["id"], "permissions": ["read"]}]  # fmt: skip
    stored = app_of(nc_user).contexts[made["id"]]
    assert (stored["owner"], stored["icon"]) == (nc_user.id, "briefcase")
    assert [(r["node_type"], r["node_id"], r["permissions"]) for r in stored["nodes"]] == [
        (0, table["id"], 3), (1, view["id"], 1)]  # fmt: skip
    got = await call(mcp, "nc_tables_get_context", context_id=made["id"])
    assert got == made
    listed = await call(mcp, "nc_tables_list_contexts")
    assert made["id"] in [c["id"] for c in listed["items"]]
    updated = await call(mcp, "nc_tables_update_context", context_id=made["id"], name="Renamed",
                         nodes=[{"type": "view", "id": view["id"], "permissions": ["update"]}])  # fmt: skip
    assert (updated["name"], updated["nodes"]) == ("Renamed", [{"type": "view", "id": view["id"],
                                                                "permissions": ["read", "update"]}])  # fmt: skip
    assert [(r["node_type"], r["permissions"]) for r in stored["nodes"]] == [(1, 5)]
    assert "HTTP 404" in await error_of(bob_mcp, "nc_tables_get_context", context_id=made["id"])
    assert "HTTP 403" in await error_of(bob_mcp, "nc_tables_update_context", context_id=made["id"], name="Bob's")
    assert "HTTP 403" in await error_of(bob_mcp, "nc_tables_delete_context", context_id=made["id"])
    assert "HTTP 404" in await error_of(bob_mcp, "nc_tables_transfer_context", context_id=made["id"],
                                        new_owner=bob.id)  # fmt: skip
    assert stored["name"] == "Renamed"
    assert "User does not exist" in await error_of(mcp, "nc_tables_transfer_context", context_id=made["id"],
                                                   new_owner="nobody-here-at-all")  # fmt: skip
    given = await call(mcp, "nc_tables_transfer_context", context_id=made["id"], new_owner=bob.id)
    assert given["owner"] == bob.id
    assert made["id"] in [c["id"] for c in (await call(bob_mcp, "nc_tables_list_contexts"))["items"]]
    gone = await call(bob_mcp, "nc_tables_delete_context", context_id=made["id"])
    assert gone["deleted_id"] == made["id"]
    assert made["id"] not in app_of(nc_user).contexts
    assert table["id"] in app_of(nc_user).tables


async def test_application_bad_inputs_are_refused(mcp: Any, nc_user: NcUser, bob: NcUser, bob_mcp: Any) -> None:
    table = await make_table(mcp)
    before = len(app_of(nc_user).contexts)
    assert "Tables has no icon 'no-such-icon'" in await error_of(mcp, "nc_tables_create_context", name="X",
                                                                 icon="no-such-icon")  # fmt: skip
    made = await call(mcp, "nc_tables_create_context", name=unique("Empty"))
    assert "no icon 'nope'" in await error_of(mcp, "nc_tables_update_context", context_id=made["id"], icon="nope")
    assert app_of(nc_user).contexts[made["id"]]["icon"] == "apps"
    assert "must not be empty" in await error_of(mcp, "nc_tables_create_context", name="  ")
    assert "once" in await error_of(mcp, "nc_tables_create_context", name="X",
                                    nodes=[{"id": table["id"]}, {"id": table["id"]}])  # fmt: skip
    await call(mcp, "nc_tables_share_table", table_id=table["id"], receiver=bob.id)
    refused = await error_of(bob_mcp, "nc_tables_create_context", name="Bob's", nodes=[{"id": table["id"]}])
    assert "HTTP 403" in refused
    assert len(app_of(nc_user).contexts) == before + 1
    assert (made["icon"], made["nodes"]) == ("apps", [])
    assert "give at least one" in await error_of(mcp, "nc_tables_update_context", context_id=made["id"])
    assert "HTTP 404" in await error_of(mcp, "nc_tables_get_context", context_id=999999)


async def make_view(mcp: Any, table_id: int) -> dict[str, Any]:
    """A view of Task and Hours that keeps the rows whose State is Doing."""
    return await call(mcp, "nc_tables_create_view", table_id=table_id, title=unique("Doing"),
                      columns=["Task", "Hours"], filters=[{"column": "State", "operator": "is-equal",
                                                           "value": "Doing"}])  # fmt: skip


async def test_a_row_is_added_through_a_view_with_its_columns_only(mcp: Any, nc_user: NcUser) -> None:
    table = await make_table(mcp)
    view = await make_view(mcp, table["id"])
    row = await call(mcp, "nc_tables_insert_view_row", view_id=view["id"], data={"Task": "Via view", "Hours": 3})
    assert row["values"] == {"Task": "Via view", "Hours": 3}  # the view's columns only
    state = next(c for c in app_of(nc_user).columns.values() if c["tableId"] == table["id"] and c["title"] == "State")
    doing = next(o["id"] for o in json.loads(state["selectionOptions"]) if o["label"] == "Doing")
    assert stored_cells(nc_user, row["id"]) == {"Task": "Via view", "Hours": 3, "State": str(doing)}
    assert app_of(nc_user).rows[row["id"]]["createdBy"] == nc_user.id
    with nc_user.raw() as http:
        raw = http.get(f"/index.php/apps/tables/api/1/rows/{row['id']}", headers=OCS).json()
    assert raw["tableId"] == table["id"]
    whole = await call(mcp, "nc_tables_read_table", table_id=table["id"])
    assert [r["values"]["State"] for r in whole["rows"]] == ["Doing"]  # the view's filter filled the hidden cell
    seen = await call(mcp, "nc_tables_read_view", view_id=view["id"])
    assert [r["id"] for r in seen["rows"]] == [row["id"]]


async def test_view_row_bad_inputs_are_refused_naming_the_views_columns(mcp: Any, nc_user: NcUser) -> None:
    table = await make_table(mcp)
    view = await make_view(mcp, table["id"])
    before = len(app_of(nc_user).rows)
    message = await error_of(mcp, "nc_tables_insert_view_row", view_id=view["id"], data={"Task": "x", "Rating": 3})
    assert "no column 'Rating' in this view; its columns are 'Task', 'Hours'" in message
    message = await error_of(mcp, "nc_tables_insert_view_row", view_id=view["id"], data={"Hours": 3})
    assert "mandatory column(s) 'Task' need a value" in message
    message = await error_of(mcp, "nc_tables_insert_view_row", view_id=view["id"], data={"Task": "x", "Hours": 500})
    assert "from 0 to 100" in message
    assert "give an object" in await error_of(mcp, "nc_tables_insert_view_row", view_id=view["id"], data={})
    assert "HTTP 404" in await error_of(mcp, "nc_tables_insert_view_row", view_id=999999, data={"Task": "x"})
    assert len(app_of(nc_user).rows) == before


async def test_a_view_shared_read_only_refuses_bobs_rows_and_opens_only_the_view(
    mcp: Any, nc_user: NcUser, bob: NcUser, bob_mcp: Any
) -> None:
    table = await make_table(mcp)
    view = await make_view(mcp, table["id"])
    mine = await call(mcp, "nc_tables_insert_view_row", view_id=view["id"], data={"Task": "Alice's"})
    share = await call(mcp, "nc_tables_share_view", view_id=view["id"], receiver=bob.id)
    assert (share["permissions"], share["node_type"], share["node_id"]) == (["read"], "view", view["id"])
    stored = app_of(nc_user).shares[share["id"]]
    assert (stored.node_type, stored.table_id, stored.receiver, stored.permissions["create"]) == (
        "view", view["id"], bob.id, False)  # fmt: skip
    listed = await call(mcp, "nc_tables_list_view_shares", view_id=view["id"])
    assert [(s["id"], s["receiver"]) for s in listed["items"]] == [(share["id"], bob.id)]
    assert listed["items"] == [s for s in listed["items"] if s["node_type"] == "view"]
    with nc_user.raw() as http:
        raw = http.get(f"/index.php/apps/tables/api/1/views/{view['id']}/shares", headers=OCS).json()
    assert [s["receiver"] for s in raw] == [bob.id]
    seen = await call(bob_mcp, "nc_tables_read_view", view_id=view["id"])
    assert [r["values"] for r in seen["rows"]] == [{"Task": "Alice's"}]
    assert "HTTP 404" in await error_of(bob_mcp, "nc_tables_read_table", table_id=table["id"])  # the view only
    before = len(app_of(nc_user).rows)
    refused = await error_of(bob_mcp, "nc_tables_insert_view_row", view_id=view["id"], data={"Task": "Bob's"})
    assert "HTTP 403" in refused
    assert "cannot create rows" in refused
    assert len(app_of(nc_user).rows) == before
    assert "HTTP 403" in await error_of(bob_mcp, "nc_tables_list_view_shares", view_id=view["id"])
    assert "HTTP 403" in await error_of(bob_mcp, "nc_tables_share_view", view_id=view["id"], receiver=bob.id,
                                        permissions=["create"])  # fmt: skip
    await call(mcp, "nc_tables_update_share", share_id=share["id"], permissions=["create"])
    added = await call(bob_mcp, "nc_tables_insert_view_row", view_id=view["id"], data={"Task": "Bob's", "Hours": 1})
    assert app_of(nc_user).rows[added["id"]]["createdBy"] == bob.id
    assert stored_cells(nc_user, mine["id"])["Task"] == "Alice's"
    gone = await call(mcp, "nc_tables_unshare", share_id=share["id"])
    assert gone["message"] == f"View {view['id']} no longer shared with {bob.id}"
    assert share["id"] not in app_of(nc_user).shares
    message = await error_of(bob_mcp, "nc_tables_read_view", view_id=view["id"])
    assert "HTTP 403" in message or "HTTP 404" in message


async def test_a_view_shared_with_a_group_lets_its_members_add_rows(
    mcp: Any, nc_user: NcUser, bob: NcUser, bob_mcp: Any
) -> None:
    table = await make_table(mcp)
    view = await make_view(mcp, table["id"])
    group = unique("utables-team")
    nc_user.standin.app.services["provisioning_api"].add_group(group, bob.id)
    assert "HTTP 404" in await error_of(bob_mcp, "nc_tables_insert_view_row", view_id=view["id"], data={"Task": "x"})
    share = await call(mcp, "nc_tables_share_view", view_id=view["id"], receiver=group, receiver_type="group",
                       permissions=["create"])  # fmt: skip
    assert (share["receiver_type"], share["permissions"]) == ("group", ["read", "create"])
    row = await call(bob_mcp, "nc_tables_insert_view_row", view_id=view["id"], data={"Task": "From the team"})
    assert stored_cells(nc_user, row["id"])["Task"] == "From the team"
    assert "must not be empty" in await error_of(mcp, "nc_tables_share_view", view_id=view["id"], receiver=" ")
    assert "HTTP 404" in await error_of(mcp, "nc_tables_share_view", view_id=999999, receiver=bob.id)
    assert "HTTP 404" in await error_of(mcp, "nc_tables_list_view_shares", view_id=999999)


async def test_a_csv_is_imported_through_a_view(mcp: Any, nc_user: NcUser, bob: NcUser, bob_mcp: Any) -> None:
    table = await make_table(mcp)
    view = await make_view(mcp, table["id"])
    name = unique("view-import") + ".csv"
    (nc_user.standin.app.files_root(nc_user.id) / name).write_text("Task,Hours,Place\nPaint,4,Home\n,2,Garden\n")
    result = await call(mcp, "nc_tables_import_csv_into_view", view_id=view["id"], path=name)
    assert result == {"inserted_rows": 1, "created_columns": 0, "matching_columns": 2, "errors": 1}  # Task missing
    rows = (await call(mcp, "nc_tables_read_table", table_id=table["id"]))["rows"]
    assert [r["values"] for r in rows] == [{"Task": "Paint", "Hours": 4, "State": "Doing"}]
    again = await call(mcp, "nc_tables_import_csv_into_view", view_id=view["id"], path="/" + name,
                       create_missing_columns=True)  # fmt: skip
    assert (again["created_columns"], again["inserted_rows"]) == (1, 1)
    place = next(c for c in app_of(nc_user).columns.values() if c["tableId"] == table["id"] and c["title"] == "Place")
    assert place["id"] in app_of(nc_user).views[view["id"]]["columns"]
    assert ".csv file" in await error_of(mcp, "nc_tables_import_csv_into_view", view_id=view["id"], path="x.png")
    missing = await error_of(mcp, "nc_tables_import_csv_into_view", view_id=view["id"], path="nope.csv")
    assert "HTTP 404" in missing
    assert "could not be found" in missing
    assert "HTTP 404" in await error_of(mcp, "nc_tables_import_csv_into_view", view_id=999999, path=name)
    # bob, with a view share that lets him add rows: rows yes, columns no
    await call(mcp, "nc_tables_share_view", view_id=view["id"], receiver=bob.id, permissions=["create"])
    (nc_user.standin.app.files_root(bob.id) / name).write_text("Task,Hours,Colour\nBob's,1,red\n")
    refused = await error_of(bob_mcp, "nc_tables_import_csv_into_view", view_id=view["id"], path=name,
                             create_missing_columns=True)  # fmt: skip
    assert "HTTP 403" in refused
    assert "create columns" in refused
    taken = await call(bob_mcp, "nc_tables_import_csv_into_view", view_id=view["id"], path=name)
    assert (taken["inserted_rows"], taken["created_columns"]) == (1, 0)
    assert not any(c["title"] == "Colour" for c in app_of(nc_user).columns.values() if c["tableId"] == table["id"])


async def test_an_application_shared_with_bob_opens_its_tables_with_its_permissions(
    mcp: Any, nc_user: NcUser, bob: NcUser, bob_mcp: Any
) -> None:
    table = await make_table(mcp)
    await call(mcp, "nc_tables_insert_row", table_id=table["id"], data={"Task": "Shared through the app"})
    made = await call(mcp, "nc_tables_create_context", name=unique("Team app"), nodes=[{"id": table["id"]}])
    assert "HTTP 404" in await error_of(bob_mcp, "nc_tables_get_context", context_id=made["id"])
    assert "HTTP 404" in await error_of(bob_mcp, "nc_tables_read_table", table_id=table["id"])
    share = await call(mcp, "nc_tables_share_context", context_id=made["id"], receiver=bob.id)
    assert (share["node_type"], share["node_id"], share["permissions"]) == ("context", made["id"], [])
    stored = app_of(nc_user).shares[share["id"]]
    assert (stored.node_type, stored.table_id, stored.receiver, stored.display_mode) == (
        "context", made["id"], bob.id, 2)  # fmt: skip
    got = await call(mcp, "nc_tables_get_context", context_id=made["id"])
    assert got["shares"] == [{"id": share["id"], "receiver": bob.id, "receiver_type": "user"}]
    assert made["id"] in [c["id"] for c in (await call(bob_mcp, "nc_tables_list_contexts"))["items"]]
    his = await call(bob_mcp, "nc_tables_get_context", context_id=made["id"])
    assert (his["owner"], his["nodes"]) == (nc_user.id, made["nodes"])
    rows = (await call(bob_mcp, "nc_tables_read_table", table_id=table["id"]))["rows"]
    assert [r["values"]["Task"] for r in rows] == ["Shared through the app"]
    assert "HTTP 403" in await error_of(bob_mcp, "nc_tables_insert_row", table_id=table["id"], data={"Task": "x"})
    assert "HTTP 403" in await error_of(bob_mcp, "nc_tables_update_context", context_id=made["id"], name="Bob's")
    assert "HTTP 403" in await error_of(bob_mcp, "nc_tables_share_context", context_id=made["id"], receiver=bob.id)
    assert "HTTP 403" in await error_of(bob_mcp, "nc_tables_transfer_context", context_id=made["id"],
                                        new_owner=bob.id)  # fmt: skip
    assert app_of(nc_user).contexts[made["id"]]["owner"] == nc_user.id
    gone = await call(mcp, "nc_tables_unshare", share_id=share["id"])
    assert gone["message"] == f"Application {made['id']} no longer shared with {bob.id}"
    assert "HTTP 404" in await error_of(bob_mcp, "nc_tables_get_context", context_id=made["id"])
    assert "HTTP 404" in await error_of(bob_mcp, "nc_tables_read_table", table_id=table["id"])
    assert "must not be empty" in await error_of(mcp, "nc_tables_share_context", context_id=made["id"], receiver="")
    assert "HTTP 404" in await error_of(mcp, "nc_tables_share_context", context_id=999999, receiver=bob.id)


async def test_an_applications_tables_and_views_are_reordered_on_its_page(mcp: Any, nc_user: NcUser) -> None:
    table = await make_table(mcp)
    first = await call(mcp, "nc_tables_create_view", table_id=table["id"], title="First")
    second = await call(mcp, "nc_tables_create_view", table_id=table["id"], title="Second")
    made = await call(mcp, "nc_tables_create_context", name=unique("Ordered"),
                      nodes=[{"id": table["id"]}, {"type": "view", "id": first["id"]}])  # fmt: skip
    assert [n["id"] for n in made["nodes"]] == [table["id"], first["id"]]
    wanted = [{"type": "view", "id": second["id"]}, {"type": "view", "id": first["id"]}, {"id": table["id"]}]
    updated = await call(mcp, "nc_tables_update_context", context_id=made["id"], nodes=wanted)
    assert [(n["type"], n["id"]) for n in updated["nodes"]] == [("view", second["id"]), ("view", first["id"]),
                                                                 ("table", table["id"])]  # fmt: skip
    stored = app_of(nc_user).contexts[made["id"]]
    rels = {r["id"]: (r["node_type"], r["node_id"]) for r in stored["nodes"]}
    on_page = sorted(stored["content"], key=lambda c: c["order"])
    assert [rels[c["rel"]] for c in on_page] == [(1, second["id"]), (1, first["id"]), (0, table["id"])]
    got = await call(mcp, "nc_tables_get_context", context_id=made["id"])
    assert got["nodes"] == updated["nodes"]
