"""TalkAPI against a scripted transport: the chat parameters of both reading modes, 304 as nothing
new, the cursor from `X-Chat-Last-Given`, Talk's error keys as refusals, rich parameters written
out, an edit answered with its system message, pins, pinned lists, threads and refusal messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import make_client
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.nextcloud.errors import BadResponse, Forbidden, NotFound, Refused
from nextcloud_mcp_server.nextcloud.talk import ChatMessage, TalkAPI

pytestmark = pytest.mark.anyio

BASE = "https://cloud.example.com"
CHAT = "/ocs/v2.php/apps/spreed/api/v1/chat/tok"


def api(handler: Callable[[httpx.Request], httpx.Response]) -> TalkAPI:
    settings = Settings(nextcloud_url=BASE, nextcloud_username="u", nextcloud_password="p", nextcloud_retries=0)
    http = make_client(settings, base_url=BASE, auth=httpx.BasicAuth("u", "p"), transport=httpx.MockTransport(handler))
    return TalkAPI(NextcloudClient(http, "u", BASE))


def ocs(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"ocs": {"meta": {"status": "ok" if status < 400 else "failure", "statuscode": status, "message": ""},
                    "data": data}}  # fmt: skip
    return httpx.Response(status, json=body, headers=headers)


def message(message_id: int, text: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"id": message_id, "token": "tok", "actorType": "users", "actorId": "bob", "actorDisplayName": "Bob",
            "timestamp": 1_700_000_000, "message": text, "messageParameters": [], "messageType": "comment",
            "systemMessage": "", "reactions": [], **extra}  # fmt: skip


async def test_history_asks_for_older_messages_without_moving_the_read_marker() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ocs([message(9), message(8)], headers={"X-Chat-Last-Given": "8"})

    page = await api(handler).history("tok", 500, before=10)
    params = dict(seen[0].url.params)
    assert seen[0].url.path == CHAT
    assert seen[0].headers["OCS-APIRequest"] == "true"
    assert (params["lookIntoFuture"], params["limit"], params["lastKnownMessageId"]) == ("0", "200", "10")
    assert params["setReadMarker"] == "0"
    assert [m.id for m in page.messages] == [9, 8]
    assert page.last_given == 8


async def test_newer_does_not_wait_and_a_304_is_nothing_new() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(304)

    page = await api(handler).newer("tok", 42, 50, mark_read=True)
    params = dict(seen[0].url.params)
    assert (params["lookIntoFuture"], params["timeout"], params["setReadMarker"]) == ("1", "0", "1")
    assert params["lastKnownMessageId"] == "42"
    assert (page.messages, page.last_given) == ([], None)


async def test_talks_error_key_becomes_a_refusal_and_404_names_the_conversation() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return ocs({"error": "last-moderator"}, 400)

    with pytest.raises(Refused) as refused:
        await api(refuse).leave("tok")
    assert (refused.value.detail, refused.value.status) == ("last-moderator", 400)

    def missing(request: httpx.Request) -> httpx.Response:
        return ocs(None, 404)

    with pytest.raises(NotFound) as gone:
        await api(missing).conversation("tok")
    assert gone.value.subject == "conversation 'tok'"

    def forbidden(request: httpx.Request) -> httpx.Response:
        return ocs(None, 403)

    with pytest.raises(Forbidden) as denied:
        await api(forbidden).remove_participant("tok", 7)
    assert denied.value.subject == "attendee 7 in conversation 'tok'"


async def test_an_edit_answers_the_edited_message_its_system_message_carries() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.method == "PUT"
        assert request.url.path == f"{CHAT}/5"
        system = message(6, "{actor} edited a message", messageType="system", systemMessage="message_edited",
                         parent=message(5, "new", lastEditTimestamp=1_700_000_100))  # fmt: skip
        return ocs(system)

    edited = await api(handler).edit("tok", 5, "new")
    assert (edited.id, edited.message, edited.last_edit_timestamp) == (5, "new", 1_700_000_100)


async def test_rich_parameters_are_written_out() -> None:
    found = ChatMessage.model_validate(message(1, "{actor} asked {mention-user1} about {file}", messageParameters={
        "actor": {"type": "user", "id": "bob", "name": "Bob"},
        "mention-user1": {"type": "user", "id": "alice", "name": "Alice"},
        "file": {"type": "file", "id": "12", "name": "Plan.odt"},
    }))  # fmt: skip
    assert found.text() == "Bob asked @Alice about Plan.odt"


async def test_a_list_that_is_not_a_list_is_a_bad_response() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return ocs({"not": "a list"})

    with pytest.raises(BadResponse):
        await api(handler).participants("tok")


async def test_empty_reactions_and_shared_items_are_php_empty_arrays() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return ocs([])

    assert await api(handler).reactions("tok", 1) == {}
    assert await api(handler).shared_overview("tok", 7) == {}


async def test_moderator_role_uses_post_to_promote_and_delete_to_demote() -> None:
    seen: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.params.get("attendeeId") or request.content.decode()))
        return ocs(None)

    await api(handler).set_moderator("tok", 3, True)
    await api(handler).set_moderator("tok", 3, False)
    assert seen == [("POST", '{"attendeeId":3}'), ("DELETE", "3")]


async def test_pinning_answers_the_message_even_when_talk_answers_its_system_message() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "POST":
            return ocs(message(7, "Agenda", parent=message(3, "Earlier"), metaData={"pinnedAt": 5, "pinnedUntil": 9}))
        system = message(8, "{actor} unpinned a message", messageType="system", systemMessage="message_unpinned")
        return ocs({**system, "parent": message(7, "Agenda")})

    talk = api(handler)
    pinned = await talk.pin("tok", 7, until=9)
    assert (pinned.id, pinned.meta_data.pinned_until if pinned.meta_data else None) == (7, 9)  # a reply keeps its id
    assert seen[0].url.path == f"{CHAT}/7/pin"
    assert seen[0].content == b'{"pinUntil":9}'
    assert (await talk.unpin("tok", 7)).id == 7


async def test_pinned_messages_are_the_shared_items_of_type_pinned_in_talks_order() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ocs({"9": message(9), "4": message(4)} if len(seen) == 1 else [])

    talk = api(handler)
    assert [m.id for m in await talk.pinned("tok")] == [9, 4]
    assert (seen[0].url.path, seen[0].url.params["objectType"]) == (f"{CHAT}/share", "pinned")
    assert await talk.pinned("tok") == []


async def test_a_refusal_with_a_message_keeps_it_and_threads_are_read_with_their_id() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if "password" in request.url.path:
            return ocs({"error": "value", "message": "Password needs to be at least 10 characters long."}, 400)
        if request.url.path.endswith("/threads/5"):
            return ocs({"error": "thread"}, 404)
        return ocs([message(6)], headers={"X-Chat-Last-Given": "6"})

    talk = api(handler)
    with pytest.raises(Refused, match="value: Password needs to be at least 10 characters long"):
        await talk.set_password("tok", "short")
    with pytest.raises(NotFound) as missing:
        await talk.thread("tok", 5)
    assert missing.value.subject == "thread 5 in conversation 'tok'"
    page = await talk.history("tok", 10, thread_id=4)
    assert (seen[-1].url.params["threadId"], [m.id for m in page.messages]) == ("4", [6])
