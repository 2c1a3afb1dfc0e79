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
from nextcloud_mcp_server.nextcloud.errors import FileTooLarge, NotFound, Refused
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


def board_json(**extra: Any) -> dict[str, Any]:
    data = {"id": 1, "title": "Plan", "color": "ff0000", "archived": False, "owner": "u", "labels": [],
            "acl": [{"id": 5, "participant": {"uid": "bob"}, "permissionEdit": True, "permissionShare": False,
                     "permissionManage": False}], "users": [], "permissions": {}, "ETag": "b1"}  # fmt: skip
    data.update(extra)
    return data


async def test_a_board_or_share_update_sends_every_field_deck_needs() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "GET":
            return httpx.Response(200, json=board_json())
        if request.url.path.endswith("/acl/5"):
            return httpx.Response(200, json={"id": 5, "participant": {"uid": "bob"}, **json.loads(request.content)})
        return httpx.Response(200, json=board_json(**json.loads(request.content)))

    deck = api(handler)
    board = await deck.update_board(1, None, None, True)
    assert json.loads(seen[-1].content) == {"title": "Plan", "color": "ff0000", "archived": True}
    assert board.archived
    acl = await deck.update_share(1, 5, edit=None, share=True, manage=None)
    put = seen[-1]
    assert (put.method, put.url.path) == ("PUT", f"{API}/boards/1/acl/5")
    assert json.loads(put.content) == {"permissionEdit": True, "permissionShare": True, "permissionManage": False}
    assert acl.permission_share
    with pytest.raises(NotFound) as missing:
        await deck.update_share(1, 6, edit=True, share=None, manage=None)
    assert "share 6 of board 1" in failure_message(missing.value, "Change Deck board share")


async def test_attachments_use_api_v1_1_with_their_type_and_a_size_limit() -> None:
    seen: list[httpx.Request] = []
    listing = [{"id": 9, "cardId": 7, "type": "file", "data": "a.txt", "createdBy": "u", "deletedAt": 0,
                "extendedData": {"path": "/a.txt", "filesize": 5}},
               {"id": 2, "cardId": 7, "type": "deck_file", "data": "b.eml", "extendedData": []}]  # fmt: skip

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "GET" and request.url.path.endswith("/attachments"):
            return httpx.Response(200, json=listing)
        if request.method == "GET":
            return httpx.Response(200, content=b"hello", headers={"Content-Type": "text/plain; charset=utf-8"})
        return httpx.Response(200, json=listing[0])

    deck = api(handler)
    found = await deck.attachments(1, 3, 7)
    assert [(a.type, a.id, a.extended.get("path")) for a in found] == [("file", 9, "/a.txt"), ("deck_file", 2, None)]
    assert await deck.attachment_content(1, 3, 7, "file", 9, 100) == (b"hello", "text/plain")
    with pytest.raises(FileTooLarge):
        await deck.attachment_content(1, 3, 7, "file", 9, 4)
    await deck.delete_attachment(1, 3, 7, "deck_file", 2)
    v11 = "/index.php/apps/deck/api/v1.1/boards/1/stacks/3/cards/7/attachments"
    assert [(r.method, r.url.path) for r in seen] == [
        ("GET", v11), ("GET", v11 + "/file/9"), ("GET", v11 + "/file/9"), ("DELETE", v11 + "/deck_file/2")
    ]  # fmt: skip
