"""ActivityAPI against a scripted transport: the request it sends, the cursor it reads from the
headers, and what 204, 304, 403 and 404 become."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import make_client
from nextcloud_mcp_server.nextcloud.activity import ActivityAPI
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.nextcloud.errors import BadResponse, InvalidInput, NotFound

pytestmark = pytest.mark.anyio

BASE = "https://cloud.example.com"
STREAM = "/ocs/v2.php/apps/activity/api/v2/activity"


def api(handler: Callable[[httpx.Request], httpx.Response]) -> ActivityAPI:
    settings = Settings(nextcloud_url=BASE, nextcloud_username="u", nextcloud_password="p", nextcloud_retries=0)
    http = make_client(settings, base_url=BASE, auth=httpx.BasicAuth("u", "p"), transport=httpx.MockTransport(handler))
    return ActivityAPI(NextcloudClient(http, "u", BASE))


def ocs(data: object, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"ocs": {"meta": {"status": "ok", "statuscode": status, "message": "OK"}, "data": data}}
    return httpx.Response(status, json=body, headers=headers)


def activity(activity_id: int, **extra: object) -> dict[str, object]:
    return {
        "activity_id": activity_id,
        "app": "files",
        "type": "file_created",
        "user": "u",
        "subject": "You created a.txt",
        "subject_rich": ["You created {file}", {}],
        "message": "",
        "message_rich": ["", []],
        "object_type": "files",
        "object_id": 23,
        "object_name": "/a.txt",
        "objects": {"23": "/a.txt"},
        "link": "",
        "icon": "https://cloud.example.com/apps/files/img/add-color.svg",
        "datetime": "2026-01-01T10:00:00+00:00",
        **extra,
    }


async def test_a_page_reads_the_cursor_and_whether_there_is_more_from_the_headers() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        link = f'<{BASE}{STREAM}/files?since=8&limit=2&sort=desc>; rel="next"'
        return ocs([activity(9), activity(8)], headers={"X-Activity-Last-Given": "8", "Link": link})

    page = await api(handler).stream(filter="files", since_id=10, limit=2)
    request = seen[0]
    assert request.url.path == f"{STREAM}/files"
    assert dict(request.url.params) == {"since": "10", "limit": "2", "sort": "desc"}
    assert request.headers["OCS-APIRequest"] == "true"
    assert [a.activity_id for a in page.activities] == [9, 8]
    assert (page.last_given, page.has_more) == (8, True)
    assert page.activities[0].object_name == "/a.txt"
    assert page.activities[0].message is None  # an empty message is no message


async def test_without_a_link_header_the_page_is_the_last_and_the_limit_is_held_to_200() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ocs([activity(3)], headers={"X-Activity-Last-Given": "3", "X-Activity-First-Known": "3"})

    page = await api(handler).stream(limit=1000, sort="asc")
    assert seen[0].url.params["limit"] == "200"
    assert seen[0].url.params["sort"] == "asc"
    assert "since" not in seen[0].url.params
    assert (page.last_given, page.has_more, page.first_known) == (3, False, 3)


async def test_one_file_uses_the_object_filter() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ocs([activity(4)])

    page = await api(handler).stream(object_type="files", object_id=23)
    assert seen[0].url.path == f"{STREAM}/filter"
    assert (seen[0].url.params["object_type"], seen[0].url.params["object_id"]) == ("files", "23")
    assert page.last_given == 4  # no header: the last activity given


@pytest.mark.parametrize("status", [304, 204])
async def test_nothing_beyond_since_or_no_chosen_types_is_an_empty_page_at_the_same_cursor(status: int) -> None:
    page = await api(lambda request: httpx.Response(status)).stream(since_id=12, sort="asc")
    assert (page.activities, page.last_given, page.has_more) == ([], 12, False)


async def test_another_users_since_is_refused_as_a_bad_argument() -> None:
    with pytest.raises(InvalidInput) as err:
        await api(lambda request: ocs([], 403)).stream(since_id=5)
    assert err.value.argument == "since_id"


async def test_an_unknown_filter_is_not_found_and_names_the_filter() -> None:
    with pytest.raises(NotFound) as err:
        await api(lambda request: ocs([], 404)).stream(filter="nope")
    assert err.value.subject == "activity filter 'nope'"


async def test_an_answer_that_is_not_a_list_of_activities_is_a_bad_response() -> None:
    with pytest.raises(BadResponse):
        await api(lambda request: ocs([{"app": "files"}])).stream()
    with pytest.raises(BadResponse):
        await api(lambda request: ocs({"not": "a list"})).stream()


async def test_filters_come_in_the_apps_order() -> None:
    listed = [
        {"id": "all", "name": "All activities", "icon": "", "priority": 0},
        {"id": "files", "name": "File changes", "icon": "", "priority": 30},
    ]
    found = await api(lambda request: ocs(listed)).filters()
    assert [(f.id, f.name) for f in found] == [("all", "All activities"), ("files", "File changes")]
