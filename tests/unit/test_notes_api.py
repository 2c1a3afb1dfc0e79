"""NotesAPI against a scripted transport: URLs, headers, typed results and typed errors."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.http import make_client
from nextcloud_mcp_server.nextcloud.client import NextcloudClient
from nextcloud_mcp_server.nextcloud.errors import (
    BadResponse,
    Forbidden,
    InsufficientStorage,
    NotFound,
    PreconditionFailed,
)
from nextcloud_mcp_server.nextcloud.notes import Note, NotesAPI, if_match

pytestmark = pytest.mark.anyio

BASE = "https://cloud.example.com"
API = "/index.php/apps/notes/api/v1"


def note_json(note_id: int = 7, etag: str = "e1", content: str = "text", **extra) -> dict:
    data = {
        "id": note_id,
        "etag": etag,
        "readonly": False,
        "content": content,
        "title": "T",
        "category": "",
        "favorite": False,
        "modified": 1700000000,
        "error": False,
        "errorType": "",
    }
    data.update(extra)
    return data


def notes_api(handler: Callable[[httpx.Request], httpx.Response]) -> NotesAPI:
    settings = Settings(nextcloud_url=BASE, nextcloud_username="u", nextcloud_password="p", nextcloud_retries=0)
    http = make_client(settings, base_url=BASE, auth=httpx.BasicAuth("u", "p"), transport=httpx.MockTransport(handler))
    return NotesAPI(NextcloudClient(http, "u", BASE))


async def test_update_with_stale_etag_raises_precondition_failed_with_the_current_note() -> None:
    current = note_json(etag="v9", content="theirs")

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["If-Match"] == '"v8"'
        return httpx.Response(412, json=current)

    with pytest.raises(PreconditionFailed) as err:
        await notes_api(handler).update(7, content="mine", etag="v8")
    assert err.value.current_etag == "v9"
    assert isinstance(err.value.current, Note)
    assert err.value.current.content == "theirs"


async def test_update_sends_only_the_given_fields_to_the_note_url() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=note_json(etag="v2", title="New"))

    note = await notes_api(handler).update(7, title="New", etag='"v1"')
    assert seen[0].method == "PUT"
    assert seen[0].url.path == f"{API}/notes/7"
    assert json.loads(seen[0].content) == {"title": "New"}
    assert seen[0].headers["If-Match"] == '"v1"'
    assert (note.title, note.etag) == ("New", "v2")


async def test_update_without_etag_sends_no_if_match() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert "If-Match" not in request.headers
        return httpx.Response(200, json=note_json())

    await notes_api(handler).update(7, content="x")


async def test_missing_note_raises_not_found_naming_the_note() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"errorType": "OCA\\Notes\\Service\\NoteDoesNotExistException"})

    with pytest.raises(NotFound) as err:
        await notes_api(handler).get(42)
    assert err.value.subject == "note 42"
    assert err.value.detail == "NoteDoesNotExistException"  # the app's own words, not ours


async def test_read_only_note_raises_forbidden_and_full_quota_insufficient_storage() -> None:
    def forbidden(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"errorType": "OCA\\Notes\\Service\\NoteNotWritableException"})

    def full(request: httpx.Request) -> httpx.Response:
        return httpx.Response(507, json={"errorType": "OCA\\Notes\\Service\\InsufficientStorageException"})

    with pytest.raises(Forbidden, match="NoteNotWritableException"):
        await notes_api(forbidden).delete(5)
    with pytest.raises(InsufficientStorage, match="InsufficientStorageException"):
        await notes_api(full).create("t", "x" * 10)


async def test_a_404_page_without_notes_json_is_still_not_found() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="<html>Page not found</html>")

    with pytest.raises(NotFound):
        await notes_api(handler).get(1)


async def test_list_all_follows_the_chunk_cursor_and_skips_id_only_placeholders() -> None:
    calls: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        calls.append(params)
        if "chunkCursor" not in params:
            headers = {"X-Notes-Chunk-Cursor": "1-2-1", "X-Notes-Chunk-Pending": "1"}
            return httpx.Response(200, json=[note_json(1), note_json(2)], headers=headers)
        return httpx.Response(200, json=[note_json(3), {"id": 1}, {"id": 2}])

    notes = await notes_api(handler).list_all(category="work", exclude=("content",), chunk_size=2)
    assert [n.id for n in notes] == [1, 2, 3]
    assert calls[0] == {"category": "work", "exclude": "content", "chunkSize": "2"}
    assert calls[1]["chunkCursor"] == "1-2-1"


async def test_append_retries_after_a_concurrent_change_and_keeps_it() -> None:
    puts: list[tuple[str, dict]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=note_json(etag="a", content="base"))
        body = json.loads(request.content)
        puts.append((request.headers["If-Match"], body))
        if request.headers["If-Match"] == '"a"':
            return httpx.Response(412, json=note_json(etag="b", content="base+theirs"))
        return httpx.Response(200, json=note_json(etag="c", content=body["content"]))

    note = await notes_api(handler).append(7, "mine")
    assert puts == [('"a"', {"content": "base\n---\nmine"}), ('"b"', {"content": "base+theirs\n---\nmine"})]
    assert note.etag == "c"


async def test_append_gives_up_after_the_bounded_number_of_attempts() -> None:
    attempts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=note_json(etag="a"))
        attempts.append(1)
        return httpx.Response(412, json=note_json(etag=f"x{len(attempts)}"))

    with pytest.raises(PreconditionFailed) as err:
        await notes_api(handler).append(7, "mine", attempts=3)
    assert len(attempts) == 3
    assert err.value.current_etag == "x3"


async def test_search_matches_every_word_case_insensitively_and_ranks_title_hits_first() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json=[
                note_json(1, title="Groceries", content="milk and BREAD"),
                note_json(2, title="Bread recipe", content="flour, water, milk"),
                note_json(3, title="Other", content="bread only"),
            ],
        )

    hits = await notes_api(handler).search("bread MILK")
    assert [h.note.id for h in hits] == [2, 1]
    assert hits[0].score > hits[1].score


async def test_a_list_that_is_not_an_array_is_a_bad_response() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"oops": True})

    with pytest.raises(BadResponse):
        await notes_api(handler).list_chunk()


async def test_settings_are_typed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"notesPath": "Notes", "fileSuffix": ".md", "noteMode": "rich"})

    settings = await notes_api(handler).settings()
    assert (settings.notes_path, settings.file_suffix, settings.note_mode) == ("Notes", ".md", "rich")


def test_if_match_quotes_bare_weak_and_quoted_etags_alike() -> None:
    assert if_match("abc") == if_match('"abc"') == if_match('W/"abc"') == '"abc"'


def test_a_client_module_is_reached_through_api_without_a_facade_entry() -> None:
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

    class BoardsAPI:
        def __init__(self, client: NextcloudClient) -> None:
            self.client = client

    client = NextcloudClient(httpx.AsyncClient(base_url="https://cloud.example.com"), "u", "https://cloud.example.com")
    first = client.api(BoardsAPI)
    assert first.client is client
    assert client.api(BoardsAPI) is first  # one per client
