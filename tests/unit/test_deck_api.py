"""DeckAPI against a scripted transport: the OCS-APIRequest header on REST calls, If-None-Match
with a cached ETag and Deck's 304, a card update sent back whole (Deck's PUT replaces every
field) to the stack named in the URL, and Deck's 400/404 bodies carried in the typed errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import make_client
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.nextcloud.deck import DeckAPI
from nextcloud_mcp_server.nextcloud.errors import NotFound, Refused
from nextcloud_mcp_server.tools._base import failure_message

pytestmark = pytest.mark.anyio

BASE = "https://cloud.example.com"
API = "/index.php/apps/deck/api/v1.0"


def api(handler: Callable[[httpx.Request], httpx.Response]) -> DeckAPI:
    settings = Settings(nextcloud_url=BASE, nextcloud_username="u", nextcloud_password="p", nextcloud_retries=0)
    http = make_client(settings, base_url=BASE, auth=httpx.BasicAuth("u", "p"), transport=httpx.MockTransport(handler))
    return DeckAPI(NextcloudClient(http, "u", BASE))


def card_json(**extra: Any) -> dict[str, Any]:
    data = {"id": 7, "title": "Plan", "description": "Long text", "stackId": 3, "type": "plain", "order": 4,
            "owner": {"primaryKey": "u", "uid": "u", "displayname": "U"}, "archived": False, "done": None,
            "duedate": "2026-06-01T17:00:00+00:00", "labels": [], "assignedUsers": [], "ETag": "c1"}  # fmt: skip
    data.update(extra)
    return data


async def test_stacks_are_read_again_with_if_none_match_and_a_304_keeps_the_cached_answer() -> None:
    seen: list[httpx.Request] = []
    stacks = [{"id": 3, "title": "To do", "boardId": 1, "order": 0, "cards": [card_json()]}]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.headers.get("If-None-Match") == '"s1"':
            return httpx.Response(304, headers={"ETag": '"s1"'})
        return httpx.Response(200, json=stacks, headers={"ETag": '"s1"'})

    deck = api(handler)
    first = await deck.stacks(1)
    second = await deck.stacks(1)
    assert first == second
    assert [c.title for c in second[0].cards or []] == ["Plan"]
    assert [r.headers.get("If-None-Match") for r in seen] == [None, '"s1"']
    assert all(r.headers["OCS-APIRequest"] == "true" for r in seen)
    assert seen[0].url.path == f"{API}/boards/1/stacks"


async def test_a_card_update_sends_the_whole_card_to_the_target_stack() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "GET":
            return httpx.Response(200, json=card_json())
        return httpx.Response(200, json=card_json(**json.loads(request.content), stackId=9))

    moved = await api(handler).update_card(1, 3, 7, {"order": 0}, target_stack_id=9)
    put = seen[-1]
    assert (put.method, put.url.path) == ("PUT", f"{API}/boards/1/stacks/9/cards/7")
    body = json.loads(put.content)
    assert body == {"title": "Plan", "description": "Long text", "type": "plain", "owner": "u", "order": 0,
                    "duedate": "2026-06-01T17:00:00+00:00", "archived": False, "done": None}  # fmt: skip
    assert moved.stack_id == 9


async def test_deck_400_and_404_bodies_become_typed_errors_with_its_words() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/assignUser"):
            return httpx.Response(400, json={"status": 400, "message": "The user is already assigned to the card"})
        return httpx.Response(404, json={"status": 404, "message": "Board not found"})

    deck = api(handler)
    with pytest.raises(Refused) as refused:
        await deck.assign_user(1, 3, 7, "bob")
    assert "The user is already assigned to the card" in failure_message(refused.value, "Assign Deck card")
    with pytest.raises(NotFound) as missing:
        await deck.board(42)
    assert "board 42" in failure_message(missing.value, "Get Deck board")
