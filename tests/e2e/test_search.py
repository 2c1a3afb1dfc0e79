"""Unified search end to end through the real MCP client: the user's providers, one provider page
by page with its cursor, and the fan-out over all of them, where a slow provider is reported as
timed out and a failing one as failed while the others' results arrive. Answers are checked
against the stand-in's own answers and its files and notes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import NcUser
from tests.e2e.helpers import call, error_of
from tests.standin.apps.unified_search import ScriptedProvider

pytestmark = pytest.mark.anyio

PROVIDERS = "/ocs/v2.php/search/providers"
OCS = {"OCS-APIRequest": "true", "Accept": "application/json"}


def word() -> str:
    return "w" + uuid.uuid4().hex[:10]


def make_files(user: NcUser, folder: str, names: list[str]) -> None:
    dav = f"/remote.php/dav/files/{user.id}/{folder}"
    with user.raw() as raw:
        assert raw.request("MKCOL", dav).status_code == 201
        for name in names:
            assert raw.put(f"{dav}/{name}", content=b"x").status_code == 201


def make_note(user: NcUser, title: str, content: str) -> int:
    with user.raw() as raw:
        response = raw.post("/index.php/apps/notes/api/v1/notes", json={"title": title, "content": content})
    assert response.status_code == 200, response.text
    return int(response.json()["id"])


def search_app(user: NcUser) -> Any:
    return user.standin.app.services["unified_search"]


async def test_the_providers_are_the_users_in_nextclouds_order(mcp, nc_user) -> None:
    listed = await call(mcp, "nc_search_list_providers")
    with nc_user.raw() as raw:
        expected = raw.get(PROVIDERS, headers=OCS).json()["ocs"]["data"]
    assert [(p["id"], p["name"], p["app_id"]) for p in listed["providers"]] == [
        (p["id"], p["name"], p["appId"]) for p in expected
    ]
    assert {"files", "notes"} <= {p["id"] for p in listed["providers"]}


async def test_one_provider_pages_with_its_cursor_until_the_last_page(mcp, nc_user) -> None:
    term, folder = word(), word()
    make_files(nc_user, folder, [f"{term}-{n}.txt" for n in range(3)])
    first = await call(mcp, "nc_search_in_provider", provider="files", query=term.upper(), limit=2)
    assert len(first["results"]) == 2
    assert first["next_cursor"] == 2
    second = await call(
        mcp, "nc_search_in_provider", provider="files", query=term, limit=2, cursor=first["next_cursor"]
    )
    assert len(second["results"]) == 1
    assert second["next_cursor"] is None
    hits = first["results"] + second["results"]
    assert sorted(h["title"] for h in hits) == [f"{term}-{n}.txt" for n in range(3)]
    for hit in hits:
        path = nc_user.files_root / folder / hit["title"]
        assert hit["attributes"] == {
            "fileId": str(nc_user.standin.app.file_id(path)),
            "path": f"/{folder}/{hit['title']}",
        }
        assert (hit["provider"], hit["subline"]) == ("files", f"in {folder}")


async def test_the_notes_provider_finds_a_note_by_its_content(mcp, nc_user) -> None:
    term = word()
    note_id = make_note(nc_user, f"Minutes {word()}", f"we agreed on {term} today")
    found = await call(mcp, "nc_search_in_provider", provider="notes", query=term)
    assert [h["url"].rsplit("/", 1)[-1] for h in found["results"]] == [str(note_id)]
    assert found["next_cursor"] is None
    assert term in found["results"][0]["subline"]


async def test_searching_an_unknown_provider_or_nothing_is_refused_with_what_to_do(mcp, nc_user) -> None:
    unknown = await error_of(mcp, "nc_search_in_provider", provider="no_such_provider", query="x")
    assert "search provider 'no_such_provider'" in unknown
    assert "does not exist" in unknown
    assert "Invalid argument 'query'" in await error_of(mcp, "nc_search_in_provider", provider="files", query="  ")
    assert "Invalid argument 'provider'" in await error_of(mcp, "nc_search_in_provider", provider="a/b", query="x")
    named = await error_of(mcp, "nc_search_unified", query="x", providers=["files", "no_such_provider"])
    assert "Invalid argument 'providers'" in named
    assert "no_such_provider" in named
    assert "Invalid argument 'providers'" in await error_of(mcp, "nc_search_unified", query="x", providers=[])


async def test_the_unified_search_merges_every_providers_results_each_naming_its_provider(mcp, nc_user) -> None:
    term, folder = word(), word()
    make_files(nc_user, folder, [f"{term}.txt"])
    make_note(nc_user, f"Note {term}", "body")
    found = await call(mcp, "nc_search_unified", query=term)
    hits = sorted((h["provider"], h["title"]) for h in found["results"])
    # the note is a file too, so the files provider finds it beside the notes provider
    assert hits == [("files", f"Note {term}.md"), ("files", f"{term}.txt"), ("notes", f"Note {term}")]
    answered = {a["provider"]: a for a in found["answered"]}
    assert {"files", "notes"} <= set(answered)
    assert (answered["files"]["count"], answered["notes"]["count"]) == (2, 1)
    assert (found["timed_out"], found["failed"]) == ([], [])


@pytest.fixture
def slow_and_broken(nc_user: NcUser) -> Iterator[str]:
    """For this user only: a fast provider, a slow one (10 s) and one answering 500, all knowing `term`."""
    term = word()
    app = search_app(nc_user)
    app.add_provider(ScriptedProvider("quick", [f"{term} quick"], name="Quick"), nc_user.id)
    app.add_provider(ScriptedProvider("slowpoke", [f"{term} slow"], name="Slow", delay=10), nc_user.id)
    app.add_provider(ScriptedProvider("broken", [f"{term} broken"], name="Broken", fail_with=500), nc_user.id)
    yield term
    for provider in ("quick", "slowpoke", "broken"):
        app.remove_provider(provider, nc_user.id)


async def test_a_slow_provider_is_reported_as_timed_out_and_a_failing_one_as_failed(
    mcp, nc_user, slow_and_broken: str
) -> None:
    term = slow_and_broken
    make_files(nc_user, word(), [f"{term}.md"])
    found = await call(mcp, "nc_search_unified", query=term, timeout_seconds=1)
    assert found["timed_out"] == ["slowpoke"]
    assert [f["provider"] for f in found["failed"]] == ["broken"]
    assert "HTTP 500" in found["failed"][0]["error"]
    assert sorted((h["provider"], h["title"]) for h in found["results"]) == [("files", f"{term}.md"),
                                                                            ("quick", f"{term} quick")]  # fmt: skip
    assert {"files", "notes", "quick"} <= {a["provider"] for a in found["answered"]}
    assert search_app(nc_user).scripted[nc_user.id]["slowpoke"].calls >= 1  # it was asked, not skipped
