"""UnifiedSearchAPI against a scripted transport: a provider's page and cursor, an unknown
provider, and the fan-out: concurrent, over one client, cut off at the budget, with timed-out and
failed providers named."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
import httpx
import pytest

from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import make_client
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.nextcloud.errors import InvalidInput, NotFound, ServerError, Unreachable
from nextcloud_mcp_server.nextcloud.unified_search import UnifiedSearchAPI

pytestmark = pytest.mark.anyio

BASE = "https://cloud.example.com"
PROVIDERS = "/ocs/v2.php/search/providers"
Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]


def api(handler: Handler) -> UnifiedSearchAPI:
    settings = Settings(nextcloud_url=BASE, nextcloud_username="u", nextcloud_password="p", nextcloud_retries=0)
    http = make_client(settings, base_url=BASE, auth=httpx.BasicAuth("u", "p"), transport=httpx.MockTransport(handler))
    return UnifiedSearchAPI(NextcloudClient(http, "u", BASE))


def ocs(data: object, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json={"ocs": {"meta": {"status": "ok", "statuscode": status}, "data": data}})


def provider(provider_id: str, order: int) -> dict[str, object]:
    return {"id": provider_id, "appId": provider_id, "name": provider_id.title(), "icon": "", "order": order,
            "triggers": [provider_id], "filters": {"term": "string"}, "inAppSearch": False}  # fmt: skip


def result(titles: list[str], *, paginated: bool = True, cursor: object = None, attributes: object = None) -> object:
    entries = [
        {
            "thumbnailUrl": "",
            "title": t,
            "subline": "",
            "resourceUrl": f"{BASE}/x/{t}",
            "icon": "",
            "rounded": False,
            "attributes": [] if attributes is None else attributes,
        }
        for t in titles
    ]
    return {"name": "Files", "isPaginated": paginated, "entries": entries, "cursor": cursor}


async def test_a_page_of_a_provider_has_a_next_cursor_only_when_it_pages_and_is_full() -> None:
    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        count = 2 if request.url.params.get("cursor") != "4" else 1
        return ocs(result(["a", "b"][:count], cursor=6, attributes={"fileId": 12, "path": "/a"}))

    search = api(handler)
    full = await search.search("files", "report", limit=2)
    short = await search.search("files", "report", limit=2, cursor=4)
    assert dict(seen[0].url.params) == {"term": "report", "limit": "2"}
    assert seen[1].url.params["cursor"] == "4"
    assert full.next_cursor == 6
    assert short.next_cursor is None
    assert full.entries[0].attributes == {"fileId": "12", "path": "/a"}
    assert full.entries[0].resource_url == f"{BASE}/x/a"


async def test_a_complete_provider_never_has_a_next_cursor_and_its_empty_attributes_are_no_attributes() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return ocs(result(["n1", "n2"], paginated=False, cursor=None))

    page = await api(handler).search("notes", "x", limit=2)
    assert page.next_cursor is None
    assert page.entries[1].attributes == {}


async def test_the_limit_is_held_to_nextclouds_25() -> None:
    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ocs(result([]))

    await api(handler).search("files", "x", limit=100)
    assert seen[0].url.params["limit"] == "25"


async def test_an_unknown_provider_is_not_found_and_a_known_one_that_fails_stays_a_server_error() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == PROVIDERS:
            return ocs([provider("files", 5)])
        return ocs([], 500)

    with pytest.raises(NotFound) as err:
        await api(handler).search("nope", "x")
    assert err.value.subject == "search provider 'nope'"
    with pytest.raises(ServerError):
        await api(handler).search("files", "x")


def fan_out_handler(slow: set[str], failing: set[str], arrived: list[str], everyone: anyio.Event, size: int) -> Handler:
    """Providers a..e; a search answers only once every fast provider's search has arrived (so the
    fan-out must run them concurrently to get any answer); `slow` ones never answer."""

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == PROVIDERS:
            return ocs([provider(p, order) for order, p in enumerate("abcde")])
        pid = request.url.path.split("/")[-2]
        if pid in slow:
            await anyio.Event().wait()  # never: cancelled at the budget
        arrived.append(pid)
        if len(arrived) == size:
            everyone.set()
        await everyone.wait()
        if pid in failing:
            return ocs([], 500)
        return ocs(result([f"{pid}-1"], cursor=1))

    return handler


async def test_the_fan_out_asks_every_provider_at_once_and_names_the_slow_and_the_failing() -> None:
    arrived: list[str] = []
    handler = fan_out_handler({"c"}, {"e"}, arrived, anyio.Event(), size=4)
    outcomes = await api(handler).search_many("x", None, limit=1, budget=0.5)
    by_id = {o.provider.id: o for o in outcomes}
    assert [o.provider.id for o in outcomes] == list("abcde")  # Nextcloud's order
    assert sorted(arrived) == ["a", "b", "d", "e"]
    assert [e.title for e in by_id["a"].page.entries] == ["a-1"]
    assert by_id["a"].page.next_cursor == 1
    assert by_id["c"].timed_out
    assert isinstance(by_id["e"].error, ServerError)
    assert not by_id["e"].timed_out


async def test_the_fan_out_sends_every_request_through_the_callers_one_client() -> None:
    """One transport, the caller's: the fan-out opens no client of its own (http.py alone builds them)."""
    sent: list[str] = []
    inner = fan_out_handler(set(), set(), [], anyio.Event(), size=2)

    async def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return await inner(request)

    outcomes = await api(handler).search_many("x", ["b", "d"], limit=1, budget=2)
    assert [o.provider.id for o in outcomes] == ["b", "d"]
    assert all(o.page is not None for o in outcomes)
    assert sorted(sent) == [PROVIDERS, f"{PROVIDERS}/b/search", f"{PROVIDERS}/d/search"]


async def test_the_fan_out_refuses_providers_the_user_does_not_have() -> None:
    handler = fan_out_handler(set(), set(), [], anyio.Event(), size=5)
    with pytest.raises(InvalidInput) as err:
        await api(handler).search_many("x", ["a", "zz"], limit=1, budget=1)
    assert err.value.argument == "providers"
    assert "zz" in err.value.problem


async def test_a_provider_list_that_does_not_come_within_the_budget_is_reported() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await anyio.Event().wait()
        raise AssertionError("unreachable")

    with pytest.raises(Unreachable):
        await api(handler).search_many("x", None, limit=1, budget=0.2)
