"""The News client against a scripted transport: the routes and bodies it sends (one item or many,
paging by item id, a feed moved out of any folder), how News's answers become errors (its 404,
409 and 422, the router's 404 where the app is missing, a message instead of items), and item
bodies turned into text."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import make_client
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.nextcloud.errors import AppUnavailable, BadResponse, NotFound, Refused
from nextcloud_mcp_server.nextcloud.news import ListType, NewsAPI, preview_of, text_of
from nextcloud_mcp_server.tools._base import failure_message

pytestmark = pytest.mark.anyio

BASE = "https://cloud.example.com"
API = "/index.php/apps/news/api/v1-3"
Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler) -> NewsAPI:
    settings = Settings(nextcloud_url=BASE, nextcloud_username="me", nextcloud_password="p", nextcloud_retries=0)
    http = make_client(settings, base_url=BASE, auth=httpx.BasicAuth("me", "p"), transport=httpx.MockTransport(handler))
    return NextcloudClient(http, "me", BASE).api(NewsAPI)


def a_feed(feed_id: int, folder_id: int | None = None) -> dict[str, Any]:
    return {
        "id": feed_id,
        "url": f"https://example.org/{feed_id}.xml",
        "title": f"Feed {feed_id}",
        "folderId": folder_id,
    }


def an_item(item_id: int) -> dict[str, Any]:
    return {"id": item_id, "feedId": 1, "title": f"Item {item_id}", "body": "<p>x</p>", "unread": True}


def script(answers: dict[tuple[str, str], httpx.Response], seen: list[httpx.Request]) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers.get((request.method, request.url.path.removeprefix(API)), httpx.Response(599))

    return handle


def body(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


async def test_one_item_is_marked_on_its_own_route_and_many_on_the_multiple_route() -> None:
    seen: list[httpx.Request] = []
    answers = {
        ("POST", "/items/7/star"): httpx.Response(200, json=[]),
        ("POST", "/items/read/multiple"): httpx.Response(200),
    }
    news = client(script(answers, seen))
    await news.mark([7], "star")
    await news.mark([7, 8], "read")
    assert [(r.method, r.url.path.removeprefix(API), body(r)) for r in seen] == [
        ("POST", "/items/7/star", None),
        ("POST", "/items/read/multiple", {"itemIds": [7, 8]}),
    ]


async def test_items_are_asked_by_list_type_with_the_id_to_continue_below() -> None:
    seen: list[httpx.Request] = []
    news = client(script({("GET", "/items"): httpx.Response(200, json={"items": [an_item(9)]})}, seen))
    found = await news.items(ListType.FOLDER, 4, unread_only=True, limit=21, before=40)
    assert [item.id for item in found] == [9]
    assert dict(seen[0].url.params) == {"type": "1", "id": "4", "getRead": "false", "batchSize": "21", "offset": "40"}


async def test_one_item_is_read_from_the_list_just_below_its_id_and_another_id_is_not_found() -> None:
    seen: list[httpx.Request] = []
    news = client(script({("GET", "/items"): httpx.Response(200, json={"items": [an_item(5)]})}, seen))
    assert (await news.item(5)).id == 5
    assert dict(seen[0].url.params)["offset"] == "6"
    with pytest.raises(NotFound) as raised:
        await news.item(6)  # the item below it is 5: 6 is not the caller's
    assert raised.value.subject == "News item 6"


async def test_a_message_instead_of_items_is_a_bad_response_naming_it() -> None:
    said = {"message": "Setting getRead on an already filtered list is not allowed!"}
    news = client(script({("GET", "/items"): httpx.Response(200, json=said)}, []))
    with pytest.raises(BadResponse, match="already filtered"):
        await news.items(ListType.STARRED, unread_only=True)


async def test_news_own_404_is_not_found_and_the_routers_is_the_missing_app() -> None:
    answers = {
        ("POST", "/items/3/read"): httpx.Response(404, json={"message": "Item not found"}),
        ("GET", "/feeds"): httpx.Response(404, text="Page not found", headers={"Content-Type": "text/html"}),
    }
    news = client(script(answers, []))
    with pytest.raises(NotFound) as raised:
        await news.mark([3], "read")
    assert (raised.value.subject, raised.value.detail) == ("News item 3", "Item not found")
    with pytest.raises(AppUnavailable) as missing:
        await news.feeds()
    assert "needs the Nextcloud app 'News' (news)" in failure_message(missing.value, "List News feeds")


@pytest.mark.parametrize(
    ("status", "message"),
    [(409, "Feed with this URL exists"), (422, "Can not add feed"), (404, "Failed to fetch feed")],
)
async def test_a_feed_news_cannot_add_is_refused_with_its_reason(status: int, message: str) -> None:
    news = client(script({("POST", "/feeds"): httpx.Response(status, json={"message": message})}, []))
    with pytest.raises(Refused) as raised:
        await news.add_feed("https://example.org/rss", None)
    assert (raised.value.status, raised.value.detail, raised.value.subject) == (
        status,
        message,
        "the feed at https://example.org/rss",
    )


async def test_a_taken_folder_name_is_refused() -> None:
    answers = {("POST", "/folders"): httpx.Response(409, json={"message": "Can not add folder: Exists already"})}
    with pytest.raises(Refused, match="Exists already"):
        await client(script(answers, [])).create_folder("Tech")


async def test_a_feed_is_added_only_to_a_folder_of_the_callers() -> None:
    seen: list[httpx.Request] = []
    answers = {("GET", "/folders"): httpx.Response(200, json={"folders": [{"id": 2, "name": "Mine"}]})}
    with pytest.raises(NotFound) as raised:
        await client(script(answers, seen)).add_feed("https://example.org/rss", 9)
    assert raised.value.subject == "News folder 9"
    assert [r.method for r in seen] == ["GET"]  # nothing was added


async def test_update_feed_renames_then_moves_out_of_any_folder() -> None:
    seen: list[httpx.Request] = []
    answers = {
        ("GET", "/feeds"): httpx.Response(200, json={"feeds": [a_feed(3, 2)], "starredCount": 0}),
        ("POST", "/feeds/3/rename"): httpx.Response(200, json=[]),
        ("POST", "/feeds/3/move"): httpx.Response(200, json=[]),
    }
    await client(script(answers, seen)).update_feed(3, "New", 0)
    sent = [(r.url.path.removeprefix(API), body(r)) for r in seen if r.method == "POST"]
    assert sent == [("/feeds/3/rename", {"feedTitle": "New"}), ("/feeds/3/move", {"folderId": None})]


async def test_mark_read_defaults_to_the_newest_item_and_checks_the_feed_first() -> None:
    seen: list[httpx.Request] = []
    answers = {
        ("GET", "/feeds"): httpx.Response(200, json={"feeds": [a_feed(3)], "starredCount": 0, "newestItemId": 80}),
        ("POST", "/feeds/3/read"): httpx.Response(200),
    }
    news = client(script(answers, seen))
    assert await news.mark_read(None, feed_id=3) == 80
    assert body(seen[-1]) == {"newestItemId": 80}
    with pytest.raises(NotFound):
        await news.mark_read(None, feed_id=4)


def test_text_of_keeps_paragraphs_and_link_targets_and_drops_scripts() -> None:
    html = (
        "<h1>Title</h1><p>One &amp; <b>two</b>&nbsp;three.</p><script>alert(1)</script>"
        '<ul><li>first</li><li>second</li></ul><p>See <a href="https://example.org/x">more</a>.</p>'
        '<p><a href="https://example.org/y">https://example.org/y</a></p>'
    )
    assert text_of(html) == (
        "Title\n\nOne & two three.\n\n- first\n\n- second\n\nSee more (https://example.org/x).\n\nhttps://example.org/y"
    )
    assert text_of(None) == ""


def test_a_preview_is_cut_at_a_word() -> None:
    assert preview_of("<p>" + "word " * 100 + "</p>", 22) == "word word word word…"
    assert preview_of("<p>short</p>") == "short"
