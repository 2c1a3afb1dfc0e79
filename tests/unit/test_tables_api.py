"""TablesAPI against a scripted transport (rows read page by page, settings sent as JSON text or
arrays, 404 named), and the value conversion by column name: every type to its stored shape and
back, and the refusals that name the column and what it accepts."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import make_client
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.nextcloud.errors import InvalidInput, NotFound
from nextcloud_mcp_server.nextcloud.tables import Cell, Column, TablesAPI
from nextcloud_mcp_server.nextcloud.tables_values import readable, to_stored

pytestmark = pytest.mark.anyio
BASE = "https://cloud.example.com"
Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]


def api(handler: Handler) -> TablesAPI:
    settings = Settings(nextcloud_url=BASE, nextcloud_username="u", nextcloud_password="p", nextcloud_retries=0)
    http = make_client(settings, base_url=BASE, auth=httpx.BasicAuth("u", "p"), transport=httpx.MockTransport(handler))
    return TablesAPI(NextcloudClient(http, "u", BASE))


def column(cid: int, title: str, kind: str, **extra: Any) -> Column:
    column_type, _, subtype = kind.partition("-")
    return Column.model_validate({"id": cid, "title": title, "tableId": 1, "type": column_type, "subtype": subtype,
                                  **extra})  # fmt: skip


COLUMNS = [
    column(1, "Task", "text-line", mandatory=True, textMaxLength=10),
    column(2, "Hours", "number", numberMin=0, numberMax=8),
    column(3, "Done", "selection-check"),
    column(4, "State", "selection", selectionOptions='[{"id": 4, "label": "Open"}, {"id": 7, "label": "Closed"}]'),
    column(5, "Tags", "selection-multi", selectionOptions=[{"id": 1, "label": "a"}, {"id": 2, "label": "b"}]),
    column(6, "When", "datetime"),
    column(7, "Time", "datetime-time"),
    column(8, "Who", "usergroup", usergroupMultipleItems=False),
    column(9, "Progress", "number-progress"),
]


def test_values_by_name_become_the_stored_shape_of_each_type_and_read_back() -> None:
    data = {"task": "Report", "Hours": 7.5, "Done": True, "State": "closed", "Tags": ["b", "a"],
            "When": "2026-03-01T14:30:00", "Time": "09:05:00", "Who": "group:staff", "Progress": 40}  # fmt: skip
    stored = to_stored(COLUMNS, data)
    assert stored == {1: "Report", 2: 7.5, 3: "true", 4: 7, 5: [2, 1], 6: "2026-03-01 14:30", 7: "09:05",
                      8: [{"id": "staff", "type": 1}], 9: 40}  # fmt: skip
    back = {c.title: readable(c, stored[c.id]) for c in COLUMNS}
    assert back == {"Task": "Report", "Hours": 7.5, "Done": True, "State": "Closed", "Tags": ["b", "a"],
                    "When": "2026-03-01 14:30", "Time": "09:05", "Who": ["group:staff"], "Progress": 40}  # fmt: skip


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"State": "Gone"}, "data.State: 'Gone' is not an option of column 'State'; give one of 'Open', 'Closed'"),
        ({"Hours": 9}, "column 'Hours' accepts numbers from 0 to 8"),
        ({"Hours": "3"}, "column 'Hours' holds a number"),
        ({"Task": "far too long a task"}, "column 'Task' holds at most 10 characters"),
        ({"Task": None}, "column 'Task' is mandatory"),
        ({"Who": ["a", "b"]}, "column 'Who' holds one user or group"),
        ({"Progress": 101}, "accepts numbers from 0 to 100"),
        ({"Time": "noon"}, "give 'HH:MM'"),
        ({"Nope": 1}, "no column 'Nope' in this table; its columns are 'Task', 'Hours'"),
    ],
)
def test_wrong_values_are_refused_naming_the_column(data: dict[str, Any], words: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        to_stored(COLUMNS, data)
    assert words in str(refused.value)


def test_a_tables_link_object_reads_as_its_url() -> None:
    link = column(1, "Site", "text-link")
    assert (
        readable(link, json.dumps({"title": "Ex", "value": "https://ex.org", "providerId": "url"})) == "https://ex.org"
    )
    assert [c.title for c in COLUMNS if c.kind == "selection"] == ["State"]
    assert Cell.model_validate({"columnId": 1, "value": None}).value is None


async def test_rows_are_read_page_by_page_until_a_short_page() -> None:
    seen: list[dict[str, str]] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.url.params))
        offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
        rows = [{"id": i, "tableId": 3, "data": [{"columnId": 1, "value": str(i)}]} for i in range(1, 1201)]
        return httpx.Response(200, json=rows[offset : offset + limit])

    rows = await api(handler).rows(3)
    assert [r.id for r in rows] == list(range(1, 1201))
    assert [s["offset"] for s in seen] == ["0", "500", "1000"]
    assert len(await api(handler).rows(3, limit=20, offset=5)) == 20


async def test_a_missing_table_is_not_found_naming_it() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["OCS-APIRequest"] == "true"
        body = {"ocs": {"meta": {"status": "failure", "statuscode": 404, "message": ""}, "data": {"message": "x"}}}
        return httpx.Response(404, json=body)

    with pytest.raises(NotFound) as missing:
        await api(handler).table(42)
    assert missing.value.subject == "table 42"


def test_view_filter_values_are_written_as_tables_ui_writes_them_and_read_back() -> None:
    from nextcloud_mcp_server.nextcloud.tables_values import filter_readable, filter_value

    by = {c.title: c for c in COLUMNS}
    assert filter_value(by["State"], "closed", "f") == "@selection-id-7"
    assert filter_value(by["Tags"], "b", "f") == "@selection-id-2"
    assert filter_value(by["Done"], False, "f") == "@unchecked"
    assert filter_value(by["Hours"], 3, "f") == 3
    assert filter_readable(by["State"], "@selection-id-7") == "Closed"
    assert filter_readable(by["Done"], "@checked") is True
    assert filter_readable(None, "@selection-id-7") == "@selection-id-7"
    with pytest.raises(InvalidInput, match="'Later' is not an option of column 'State'"):
        filter_value(by["State"], "Later", "f")
    with pytest.raises(InvalidInput, match="true or false"):
        filter_value(by["Done"], "yes", "f")


async def test_contexts_are_read_whichever_way_tables_keys_their_nodes() -> None:
    created = {"id": 3, "name": "App", "iconName": "star", "description": "", "owner": "u", "ownerType": 0,
               "nodes": [{"id": 9, "contextId": 3, "nodeId": 4, "nodeType": 0, "permissions": 3}]}  # fmt: skip
    loaded = created | {"nodes": {"9": {"id": 9, "node_id": 4, "node_type": 1, "permissions": 1}}}
    empty = created | {"nodes": []}
    answers = iter([created, loaded, [empty]])

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"ocs": {"meta": {"status": "ok", "statuscode": 200}, "data": next(answers)}})

    tables = api(handler)
    made = await tables.create_context("App", "star", "", [{"type": 0, "id": 4, "permissions": 3}])
    assert [(n.node_type, n.node_id, n.permissions) for n in made.nodes] == [(0, 4, 3)]
    got = await tables.context(3)
    assert [(n.node_type, n.node_id) for n in got.nodes] == [(1, 4)]
    assert (await tables.contexts())[0].nodes == []


async def test_a_table_is_only_transferred_to_a_user_the_sharee_search_finds() -> None:
    seen: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.url.path.endswith("/sharees"):
            users = [{"label": "Bob", "value": {"shareType": 0, "shareWith": "bob"}}]
            data = {"exact": {"users": users if request.url.params["search"] == "bob" else []}, "users": []}
        else:
            data = {"id": 5, "title": "T", "ownership": "bob"}
        return httpx.Response(200, json={"ocs": {"meta": {"status": "ok", "statuscode": 200}, "data": data}})

    tables = api(handler)
    with pytest.raises(InvalidInput, match="no user 'bobby'"):
        await tables.transfer_table(5, "bobby")
    assert not any(s.startswith("PUT") for s in seen)
    assert (await tables.transfer_table(5, "bob")).ownership == "bob"
    assert seen[-1] == "PUT /ocs/v2.php/apps/tables/api/2/tables/5/transfer"


SHARE = {"id": 9, "receiver": "bob", "receiverType": "user", "permissionRead": False, "permissionCreate": False,
         "permissionUpdate": False, "permissionDelete": False, "permissionManage": False}  # fmt: skip


async def test_views_and_contexts_are_shared_with_their_node_type_and_a_context_without_flags() -> None:
    sent: list[tuple[str, dict[str, Any]]] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        sent.append((request.url.path, body))
        return httpx.Response(200, json=SHARE | {"nodeId": body["nodeId"], "nodeType": body["nodeType"]})

    tables = api(handler)
    view = await tables.share(4, "bob", "user", {"read": True, "create": True}, "view")
    context = await tables.share(6, "staff", "group", {}, "context")
    assert (view.node_type, view.node_id, context.node_type) == ("view", 4, "context")
    assert sent[0] == ("/index.php/apps/tables/api/1/shares", {"nodeId": 4, "nodeType": "view", "receiver": "bob",
                       "receiverType": "user", "permissionRead": True, "permissionCreate": True})  # fmt: skip
    assert sent[1][1] == {"nodeId": 6, "nodeType": "context", "receiver": "staff", "receiverType": "group"}


async def test_rows_and_imports_go_through_a_view_and_a_missing_one_is_named() -> None:
    seen: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        if "import" in request.url.path:
            return httpx.Response(404, json={"message": "File for import could not be found."})
        row = {"id": 1, "tableId": 2, "data": [{"columnId": 3, "value": "x"}]}
        return httpx.Response(200, json={"ocs": {"meta": {"status": "ok", "statuscode": 200}, "data": row}})

    tables = api(handler)
    row = await tables.insert_view_row(7, {3: "x"})
    assert (row.table_id, row.data[0].value) == (2, "x")
    with pytest.raises(NotFound) as caught:
        await tables.import_csv(7, "/a.csv", False, "view")
    assert caught.value.subject == "view 7 or file '/a.csv'"
    assert seen == [
        "POST /ocs/v2.php/apps/tables/api/2/views/7/rows",
        "POST /index.php/apps/tables/api/1/import/views/7",
    ]


async def test_a_contexts_shares_are_read_keyed_by_id_or_empty() -> None:
    shared = {
        "id": 1,
        "name": "A",
        "iconName": "star",
        "owner": "u",
        "nodes": [],
        "sharing": {"5": {"share_id": 5, "receiver": "bob", "receiver_type": "user", "display_mode": 2}},
    }
    answers = iter([shared, shared | {"sharing": []}])

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"ocs": {"meta": {"status": "ok", "statuscode": 200}, "data": next(answers)}})

    tables = api(handler)
    assert [(s.share_id, s.receiver) for s in (await tables.context(1)).sharing] == [(5, "bob")]
    assert (await tables.context(1)).sharing == []


def test_a_name_outside_a_views_columns_is_refused_naming_the_view() -> None:
    with pytest.raises(InvalidInput) as caught:
        to_stored(COLUMNS[:2], {"Done": True}, where="view")
    assert "no column 'Done' in this view; its columns are 'Task', 'Hours'" in str(caught.value)


async def test_a_contexts_page_is_read_in_both_shapes_and_reordered_by_content_id() -> None:
    loaded = {
        "id": 1,
        "name": "A",
        "iconName": "star",
        "owner": "u",
        "nodes": {"7": {"id": 7, "node_id": 3, "node_type": 0, "permissions": 1}},
        "pages": {"2": {"id": 2, "page_type": "startpage", "content": {"9": {"order": 10, "node_rel_id": 7}}}},
    }
    created = loaded | {"nodes": [{"id": 7, "nodeId": 3, "nodeType": 0, "permissions": 1}],
                        "pages": {"2": {"id": 2, "pageType": "startpage",
                                        "content": {"9": {"id": 9, "nodeRelId": 7, "order": 10}}}}}  # fmt: skip
    answers = iter([loaded, created, []])
    sent: list[tuple[str, Any]] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        sent.append((f"{request.method} {request.url.path}", json.loads(request.content or b"null")))
        return httpx.Response(200, json={"ocs": {"meta": {"status": "ok", "statuscode": 200}, "data": next(answers)}})

    tables = api(handler)
    for context in (await tables.context(1), await tables.context(1)):
        page = context.pages[0]
        assert (page.id, [(c.id, c.node_rel_id, c.order) for c in page.content]) == (2, [(9, 7, 10)])
        assert [(n.id, n.node_id) for n in context.nodes] == [(7, 3)]
    await tables.order_context(1, 2, [{"id": 9, "order": 30}])
    assert sent[-1] == ("PUT /ocs/v2.php/apps/tables/api/2/contexts/1/pages/2", {"content": [{"id": 9, "order": 30}]})
