"""News tools end to end through the real MCP client; every effect is checked on the stand-in with
raw API v1-3 requests as the user concerned (or in the stand-in's state).

Feeds are really fetched: the emulated News reads each added feed over HTTP from documents the
stand-in serves (tests/standin/apps/_news_feeds.py), RSS 2.0 and Atom. The module's user is alice
(the `mcp` fixture's, over both transports); bob is a second stand-in user with his own MCP
server: he neither sees nor changes anything of hers."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests.conftest import NcUser, StandInHandle
from tests.e2e.helpers import call, error_of, own_server, unique
from tests.standin.apps._news_feeds import feed_url

pytestmark = pytest.mark.anyio

API = "/index.php/apps/news/api/v1-3"
TOOLS = {
    "nc_news_list_folders", "nc_news_list_feeds", "nc_news_list_items", "nc_news_get_item",
    "nc_news_get_starred_items", "nc_news_get_unread_items", "nc_news_get_updated_items", "nc_news_get_feed_health",
    "nc_news_get_status", "nc_news_mark_items_read", "nc_news_star_items", "nc_news_mark_all_read",
    "nc_news_add_feed", "nc_news_update_feed", "nc_news_delete_feed", "nc_news_create_folder",
    "nc_news_rename_folder", "nc_news_delete_folder",
}  # fmt: skip


def raw(user: NcUser, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    """A raw call to News's API as `user`: (HTTP status, the JSON answer; None when empty)."""
    with user.raw() as http:
        response = http.request(method, API + path, headers={"Accept": "application/json"}, **kwargs)
    return response.status_code, response.json() if response.content else None


def folder(user: NcUser, name: str = "") -> int:
    status, made = raw(user, "POST", "/folders", json={"name": name or unique("Folder")})
    assert status == 200, made
    return int(made["folders"][0]["id"])


def feed(user: NcUser, kind: str = "rss", items: int = 3, folder_id: int | None = None) -> tuple[int, str]:
    """A feed of `user`'s, added as News's web page does: (its id, its name, which starts its items' titles)."""
    name = unique(kind)
    status, made = raw(user, "POST", "/feeds", json={"url": feed_url(kind, name, items), "folderId": folder_id})
    assert status == 200, made
    return int(made["feeds"][0]["id"]), name


def items_of(user: NcUser, feed_id: int) -> list[dict[str, Any]]:
    status, found = raw(user, "GET", "/items", params={"type": 0, "id": feed_id, "getRead": "true", "batchSize": -1})
    assert status == 200, found
    return list(found["items"])


def feeds_of(user: NcUser) -> dict[int, dict[str, Any]]:
    status, found = raw(user, "GET", "/feeds")
    assert status == 200, found
    return {f["id"]: f for f in found["feeds"]}


def folders_of(user: NcUser) -> dict[int, str]:
    status, found = raw(user, "GET", "/folders")
    assert status == 200, found
    return {f["id"]: f["name"] for f in found["folders"]}


def mark(user: NcUser, item_id: int, action: str) -> None:
    status, said = raw(user, "POST", f"/items/{item_id}/{action}")
    assert status == 200, said


@pytest.fixture(scope="module")
def bob(standin: StandInHandle) -> NcUser:
    return standin.add_user("unews-bob", "pw-unews-bob")


@pytest.fixture(scope="module")
def bob_url(bob: NcUser) -> Iterator[str]:
    """Bob's own MCP server (configured with his app password), every toolset on."""
    with own_server(bob) as url:
        yield url


@pytest.fixture
async def bob_mcp(bob_url: str) -> AsyncIterator[Any]:
    from mcp import Client

    async with Client(bob_url) as client:
        yield client


# -- folders --------------------------------------------------------------------------------
async def test_create_list_rename_and_delete_a_folder(mcp: Any, nc_user: NcUser) -> None:
    name = unique("Tech")
    made = await call(mcp, "nc_news_create_folder", name=f" {name} ")
    assert made["folder"]["name"] == name
    folder_id = made["folder"]["id"]
    assert folders_of(nc_user)[folder_id] == name
    listed = await call(mcp, "nc_news_list_folders", limit=500)
    assert {"id": folder_id, "name": name} in listed["items"]
    assert listed["page"]["total"] == len(folders_of(nc_user))
    renamed = await call(mcp, "nc_news_rename_folder", folder_id=folder_id, name=name + " renamed")
    assert renamed["folder"] == {"id": folder_id, "name": name + " renamed"}
    assert folders_of(nc_user)[folder_id] == name + " renamed"
    feed_id, _ = feed(nc_user, folder_id=folder_id)
    gone = await call(mcp, "nc_news_delete_folder", folder_id=folder_id)
    assert gone["folder"]["id"] == folder_id
    assert [f["id"] for f in gone["feeds"]] == [feed_id]
    assert folder_id not in folders_of(nc_user)
    assert feed_id not in feeds_of(nc_user)
    assert not [i for i in nc_user.standin.app.services["news"].items.values() if i.feed_id == feed_id]


async def test_a_folder_name_that_is_empty_or_taken_is_refused(mcp: Any, nc_user: NcUser) -> None:
    taken = unique("Taken")
    folder(nc_user, taken)
    before = folders_of(nc_user)
    assert "Invalid argument 'name': must not be empty" in await error_of(mcp, "nc_news_create_folder", name="  ")
    message = await error_of(mcp, "nc_news_create_folder", name=taken)
    assert "(HTTP 409)" in message
    assert "Can not add folder: Exists already" in message
    other = folder(nc_user)
    message = await error_of(mcp, "nc_news_rename_folder", folder_id=other, name=taken)
    assert "Exists already" in message
    assert folders_of(nc_user) == {**before, other: folders_of(nc_user)[other]}


async def test_a_folder_that_does_not_exist_is_named(mcp: Any) -> None:
    for tool, extra in (("nc_news_rename_folder", {"name": "x"}), ("nc_news_delete_folder", {})):
        message = await error_of(mcp, tool, folder_id=999_999, **extra)
        assert "for News folder 999999" in message
        assert "does not exist" in message
    assert "folder_id" in await error_of(mcp, "nc_news_delete_folder", folder_id=0)


# -- feeds ----------------------------------------------------------------------------------
async def test_add_feed_fetches_an_rss_feed_and_stores_its_items(mcp: Any, nc_user: NcUser) -> None:
    name = unique("rss")
    added = await call(mcp, "nc_news_add_feed", url=feed_url("rss", name, 4))
    assert (added["feed"]["title"], added["feed"]["unread_count"], added["feed"]["folder_id"]) == (name, 4, None)
    assert added["feed"]["link"] == f"https://example.org/{name}"
    assert "added with 4 unread items" in added["message"]
    stored = items_of(nc_user, added["feed"]["id"])
    assert [i["title"] for i in stored] == [f"{name} item {n}" for n in (1, 2, 3, 4)]  # newest (highest id) first
    assert [i["author"] for i in stored][:1] == ["Author 1"]
    assert all(i["unread"] and not i["starred"] for i in stored)


async def test_add_feed_reads_atom_too_and_files_it_in_a_folder(mcp: Any, nc_user: NcUser) -> None:
    folder_id, name = folder(nc_user), unique("atom")
    added = await call(mcp, "nc_news_add_feed", url=feed_url("atom", name, 2), folder_id=folder_id)
    assert (added["feed"]["title"], added["feed"]["folder_id"]) == (name, folder_id)
    assert feeds_of(nc_user)[added["feed"]["id"]]["folderId"] == folder_id
    stored = items_of(nc_user, added["feed"]["id"])
    assert [i["title"] for i in stored] == [f"{name} item 1", f"{name} item 2"]
    assert stored[0]["url"] == f"https://example.org/{name}/1"


async def test_add_feed_refuses_what_is_no_feed_a_feed_twice_and_a_bad_url(mcp: Any, nc_user: NcUser) -> None:
    before = feeds_of(nc_user)
    message = await error_of(mcp, "nc_news_add_feed", url=feed_url("page", unique("page")))
    assert "(HTTP 422) for the feed at http://127.0.0.1" in message
    assert "Can not add feed" in message
    message = await error_of(mcp, "nc_news_add_feed", url=feed_url("rss", "missing").replace("/rss/", "/nothing/"))
    assert "Can not add feed: HTTP 404" in message
    assert "Invalid argument 'url'" in await error_of(mcp, "nc_news_add_feed", url="feed.example.org/rss")
    assert feeds_of(nc_user) == before
    feed_id, name = feed(nc_user)
    message = await error_of(mcp, "nc_news_add_feed", url=feed_url("rss", name))
    assert "(HTTP 409)" in message
    assert "Feed with this URL exists" in message
    assert set(feeds_of(nc_user)) == {*before, feed_id}


async def test_list_feeds_shows_unread_counts_starred_count_and_the_newest_item(mcp: Any, nc_user: NcUser) -> None:
    feed_id, _ = feed(nc_user, items=3)
    newest, older, oldest = (i["id"] for i in items_of(nc_user, feed_id))
    mark(nc_user, oldest, "read")
    mark(nc_user, older, "star")
    found = await call(mcp, "nc_news_list_feeds", limit=500)
    mine = next(f for f in found["items"] if f["id"] == feed_id)
    assert (mine["unread_count"], mine["update_error_count"], mine["last_update_error"]) == (2, 0, None)
    _, raw_feeds = raw(nc_user, "GET", "/feeds")
    assert found["starred_count"] == raw_feeds["starredCount"] >= 1
    assert found["newest_item_id"] == raw_feeds["newestItemId"] >= newest
    assert found["page"]["total"] == len(raw_feeds["feeds"])


async def test_update_feed_renames_and_moves_it_in_and_out_of_folders(mcp: Any, nc_user: NcUser) -> None:
    feed_id, _ = feed(nc_user)
    target = folder(nc_user)
    moved = await call(mcp, "nc_news_update_feed", feed_id=feed_id, title=" Morning news ", folder_id=target)
    assert (moved["feed"]["title"], moved["feed"]["folder_id"]) == ("Morning news", target)
    assert (feeds_of(nc_user)[feed_id]["title"], feeds_of(nc_user)[feed_id]["folderId"]) == ("Morning news", target)
    out = await call(mcp, "nc_news_update_feed", feed_id=feed_id, folder_id=0)
    assert (out["feed"]["title"], out["feed"]["folder_id"]) == ("Morning news", None)
    assert feeds_of(nc_user)[feed_id]["folderId"] is None


async def test_update_feed_refuses_nothing_to_change_and_names_what_is_missing(
    mcp: Any, nc_user: NcUser, bob: NcUser
) -> None:
    feed_id, _ = feed(nc_user)
    assert "give a new title, a folder_id, or both" in await error_of(mcp, "nc_news_update_feed", feed_id=feed_id)
    assert "Invalid argument 'title'" in await error_of(mcp, "nc_news_update_feed", feed_id=feed_id, title=" ")
    message = await error_of(mcp, "nc_news_update_feed", feed_id=999_999, title="x")
    assert "for News feed 999999" in message
    bobs = folder(bob)
    message = await error_of(mcp, "nc_news_update_feed", feed_id=feed_id, folder_id=bobs)
    assert f"for News folder {bobs}" in message
    assert feeds_of(nc_user)[feed_id]["folderId"] is None


async def test_delete_feed_removes_it_with_its_items(mcp: Any, nc_user: NcUser) -> None:
    feed_id, name = feed(nc_user)
    ids = [i["id"] for i in items_of(nc_user, feed_id)]
    gone = await call(mcp, "nc_news_delete_feed", feed_id=feed_id)
    assert (gone["feed"]["id"], gone["feed"]["title"]) == (feed_id, name)
    assert feed_id not in feeds_of(nc_user)
    assert not set(ids) & set(nc_user.standin.app.services["news"].items)
    assert "for News feed 999999" in await error_of(mcp, "nc_news_delete_feed", feed_id=999_999)


async def test_feed_health_tells_a_failing_feed_from_a_healthy_one(mcp: Any, nc_user: NcUser) -> None:
    healthy, _ = feed(nc_user)
    failing, _ = feed(nc_user)
    stored = nc_user.standin.app.services["news"].feeds[failing]
    stored.update_error_count, stored.last_update_error = 7, "Could not fetch: timeout"  # as News's updater records it
    good = await call(mcp, "nc_news_get_feed_health", feed_id=healthy)
    assert (good["feed_id"], good["has_errors"], good["error_count"], good["last_error"]) == (healthy, False, 0, None)
    bad = await call(mcp, "nc_news_get_feed_health", feed_id=failing)
    assert (bad["has_errors"], bad["error_count"], bad["last_error"]) == (True, 7, "Could not fetch: timeout")
    assert "for News feed 999999" in await error_of(mcp, "nc_news_get_feed_health", feed_id=999_999)


async def test_status_gives_the_app_version_and_warnings(mcp: Any, nc_user: NcUser) -> None:
    found = await call(mcp, "nc_news_get_status")
    _, expected = raw(nc_user, "GET", "/status")
    assert (found["version"], found["warnings"]) == (expected["version"], expected["warnings"])
    assert found["warnings"]["improperlyConfiguredCron"] is False


# -- items ----------------------------------------------------------------------------------
async def test_list_items_gives_summaries_with_a_preview_and_detail_gives_the_text(mcp: Any, nc_user: NcUser) -> None:
    feed_id, name = feed(nc_user, items=2)
    found = await call(mcp, "nc_news_list_items", feed_id=feed_id)
    first = found["items"][0]
    assert (first["title"], first["feed"], first["feed_id"], first["author"]) == (
        f"{name} item 1",
        name,
        feed_id,
        "Author 1",
    )
    assert first["published"] == "2026-05-01T08:00:00+00:00"
    assert (first["unread"], first["starred"], first["url"]) == (True, False, f"https://example.org/{name}/1")
    assert first["preview"].startswith(f"First paragraph of {name} item 1 & more. Read the rest")
    assert first["text"] is None
    assert "alert" not in first["preview"]
    assert found["next_offset"] is None
    detailed = await call(mcp, "nc_news_list_items", feed_id=feed_id, detail=True)
    text = detailed["items"][0]["text"]
    assert text == f"First paragraph of {name} item 1 & more.\n\nRead the rest (https://example.org/{name}/1)."
    assert detailed["items"][0]["preview"] is None


async def test_list_items_pages_by_item_id_newest_first(mcp: Any, nc_user: NcUser) -> None:
    feed_id, name = feed(nc_user, items=5)
    first = await call(mcp, "nc_news_list_items", feed_id=feed_id, limit=2)
    assert [i["title"] for i in first["items"]] == [f"{name} item 1", f"{name} item 2"]
    assert first["next_offset"] == first["items"][-1]["id"]
    feed(nc_user)  # newer items arriving meanwhile do not shift the pages
    second = await call(mcp, "nc_news_list_items", feed_id=feed_id, limit=2, offset=first["next_offset"])
    assert [i["title"] for i in second["items"]] == [f"{name} item 3", f"{name} item 4"]
    last = await call(mcp, "nc_news_list_items", feed_id=feed_id, limit=2, offset=second["next_offset"])
    assert [i["title"] for i in last["items"]] == [f"{name} item 5"]
    assert last["next_offset"] is None
    exact = await call(mcp, "nc_news_list_items", feed_id=feed_id, limit=5)
    assert (len(exact["items"]), exact["next_offset"]) == (5, None)


async def test_list_items_narrows_to_a_folder_unread_or_starred(mcp: Any, nc_user: NcUser) -> None:
    folder_id = folder(nc_user)
    inside, _ = feed(nc_user, folder_id=folder_id)
    outside, _ = feed(nc_user)
    one, two, three = (i["id"] for i in items_of(nc_user, inside))
    mark(nc_user, two, "read")
    mark(nc_user, three, "star")
    in_folder = await call(mcp, "nc_news_list_items", folder_id=folder_id, limit=200)
    assert [i["id"] for i in in_folder["items"]] == [one, two, three]
    unread = await call(mcp, "nc_news_list_items", folder_id=folder_id, unread_only=True)
    assert [i["id"] for i in unread["items"]] == [one, three]
    starred = await call(mcp, "nc_news_list_items", starred_only=True, limit=200)
    assert three in [i["id"] for i in starred["items"]]
    assert all(i["starred"] for i in starred["items"])
    everything = await call(mcp, "nc_news_list_items", limit=200)
    assert {one, two, three} | {i["id"] for i in items_of(nc_user, outside)} <= {i["id"] for i in everything["items"]}


async def test_list_items_refuses_combinations_news_cannot_answer(mcp: Any) -> None:
    cases = [
        ({"feed_id": 1, "folder_id": 1}, "folder_id", "not both"),
        ({"starred_only": True, "feed_id": 1}, "starred_only", "across all feeds"),
        ({"starred_only": True, "unread_only": True}, "unread_only", "read or unread"),
    ]
    for arguments, argument, said in cases:
        message = await error_of(mcp, "nc_news_list_items", **arguments)
        assert f"Invalid argument '{argument}'" in message
        assert said in message


async def test_get_item_reads_one_article_with_its_text(mcp: Any, nc_user: NcUser) -> None:
    feed_id, name = feed(nc_user, kind="atom", items=3)
    middle = items_of(nc_user, feed_id)[1]
    found = await call(mcp, "nc_news_get_item", item_id=middle["id"])
    assert (found["id"], found["title"], found["feed"]) == (middle["id"], f"{name} item 2", name)
    assert found["text"].startswith(f"First paragraph of {name} item 2")
    message = await error_of(mcp, "nc_news_get_item", item_id=999_999)
    assert "for News item 999999" in message
    assert "does not exist" in message
    assert "item_id" in await error_of(mcp, "nc_news_get_item", item_id=0)


async def test_starred_and_unread_items(mcp: Any, nc_user: NcUser) -> None:
    feed_id, _ = feed(nc_user)
    one, two, three = (i["id"] for i in items_of(nc_user, feed_id))
    mark(nc_user, one, "star")
    mark(nc_user, one, "read")
    mark(nc_user, two, "read")
    starred = await call(mcp, "nc_news_get_starred_items", limit=200)
    assert one in [i["id"] for i in starred["items"]]
    assert two not in [i["id"] for i in starred["items"]]
    unread = await call(mcp, "nc_news_get_unread_items", limit=200)
    ids = [i["id"] for i in unread["items"]]
    assert three in ids
    assert one not in ids
    assert two not in ids
    assert ids == sorted(ids, reverse=True)
    assert all(i["unread"] for i in unread["items"])


async def test_updated_items_are_those_changed_since_a_time(mcp: Any, nc_user: NcUser) -> None:
    feed_id, _ = feed(nc_user)
    one, two, three = (i["id"] for i in items_of(nc_user, feed_id))
    for item in nc_user.standin.app.services["news"].items.values():
        if item.feed_id == feed_id:
            item.last_modified = 1_700_000_000_000_000  # fetched long ago
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
    mark(nc_user, two, "read")
    mark(nc_user, three, "star")
    found = await call(mcp, "nc_news_get_updated_items", since=since, feed_id=feed_id)
    assert [(i["id"], i["unread"], i["starred"]) for i in found["items"]] == [(two, False, False), (three, True, True)]
    assert found["page"]["total"] == 2
    everywhere = await call(mcp, "nc_news_get_updated_items", since=since, limit=500)
    assert {two, three} <= {i["id"] for i in everywhere["items"]}
    assert one not in {i["id"] for i in everywhere["items"]}
    message = await error_of(mcp, "nc_news_get_updated_items", since="2999-01-01T00:00:00Z")
    assert "Invalid argument 'since': it is in the future" in message


async def test_mark_items_read_and_unread_one_and_many(mcp: Any, nc_user: NcUser) -> None:
    feed_id, _ = feed(nc_user)
    one, two, three = (i["id"] for i in items_of(nc_user, feed_id))
    single = await call(mcp, "nc_news_mark_items_read", item_ids=[one])
    assert single == {"item_ids": [one], "message": f"Item {one} marked read"}
    assert [i["unread"] for i in items_of(nc_user, feed_id)] == [False, True, True]
    many = await call(mcp, "nc_news_mark_items_read", item_ids=[two, three, two])
    assert many["item_ids"] == [two, three]
    assert [i["unread"] for i in items_of(nc_user, feed_id)] == [False, False, False]
    await call(mcp, "nc_news_mark_items_read", item_ids=[one, three], read=False)
    assert [i["unread"] for i in items_of(nc_user, feed_id)] == [True, False, True]
    message = await error_of(mcp, "nc_news_mark_items_read", item_ids=[999_999])
    assert "for News item 999999" in message
    assert "item_ids" in await error_of(mcp, "nc_news_mark_items_read", item_ids=[])


async def test_star_items_one_and_many(mcp: Any, nc_user: NcUser) -> None:
    feed_id, _ = feed(nc_user)
    one, two, three = (i["id"] for i in items_of(nc_user, feed_id))
    await call(mcp, "nc_news_star_items", item_ids=[two])
    assert [i["starred"] for i in items_of(nc_user, feed_id)] == [False, True, False]
    await call(mcp, "nc_news_star_items", item_ids=[one, three])
    assert [i["starred"] for i in items_of(nc_user, feed_id)] == [True, True, True]
    unstarred = await call(mcp, "nc_news_star_items", item_ids=[one, two], starred=False)
    assert "2 items marked unstarred" in unstarred["message"]
    assert [i["starred"] for i in items_of(nc_user, feed_id)] == [False, False, True]
    assert "for News item 999999" in await error_of(mcp, "nc_news_star_items", item_ids=[999_999], starred=False)


async def test_mark_all_read_for_a_feed_a_folder_or_everything(mcp: Any, nc_user: NcUser) -> None:
    folder_id = folder(nc_user)
    in_folder, _ = feed(nc_user, folder_id=folder_id)
    first, _ = feed(nc_user)
    second, _ = feed(nc_user)
    newest = items_of(nc_user, second)[0]["id"]
    done = await call(mcp, "nc_news_mark_all_read", feed_id=first)
    assert done["newest_item_id"] >= newest
    assert not any(i["unread"] for i in items_of(nc_user, first))
    assert all(i["unread"] for i in items_of(nc_user, second) + items_of(nc_user, in_folder))
    await call(mcp, "nc_news_mark_all_read", folder_id=folder_id)
    assert not any(i["unread"] for i in items_of(nc_user, in_folder))
    assert all(i["unread"] for i in items_of(nc_user, second))
    cut = items_of(nc_user, second)[1]["id"]  # the two older items only
    await call(mcp, "nc_news_mark_all_read", newest_item_id=cut)
    assert [i["unread"] for i in items_of(nc_user, second)] == [True, False, False]
    await call(mcp, "nc_news_mark_all_read")
    assert not any(i["unread"] for i in items_of(nc_user, second))
    assert "for News feed 999999" in await error_of(mcp, "nc_news_mark_all_read", feed_id=999_999)
    assert "for News folder 999999" in await error_of(mcp, "nc_news_mark_all_read", folder_id=999_999)
    assert "not both" in await error_of(mcp, "nc_news_mark_all_read", feed_id=1, folder_id=1)


# -- two users ------------------------------------------------------------------------------
async def test_bob_neither_sees_nor_changes_alices_feeds_folders_or_items(
    bob_mcp: Any, nc_user: NcUser, bob: NcUser
) -> None:
    folder_id = folder(nc_user)
    feed_id, name = feed(nc_user, folder_id=folder_id)
    one, two, _ = (i["id"] for i in items_of(nc_user, feed_id))
    listed = await call(bob_mcp, "nc_news_list_items", limit=200)
    assert not [i for i in listed["items"] if i["feed_id"] == feed_id]
    assert feed_id not in [f["id"] for f in (await call(bob_mcp, "nc_news_list_feeds", limit=500))["items"]]
    assert (await call(bob_mcp, "nc_news_list_items", feed_id=feed_id))["items"] == []
    refused = [
        await error_of(bob_mcp, "nc_news_get_item", item_id=one),
        await error_of(bob_mcp, "nc_news_mark_items_read", item_ids=[one]),
        await error_of(bob_mcp, "nc_news_star_items", item_ids=[one]),
        await error_of(bob_mcp, "nc_news_mark_all_read", feed_id=feed_id),
        await error_of(bob_mcp, "nc_news_mark_all_read", folder_id=folder_id),
        await error_of(bob_mcp, "nc_news_get_feed_health", feed_id=feed_id),
        await error_of(bob_mcp, "nc_news_update_feed", feed_id=feed_id, title="bob's"),
        await error_of(bob_mcp, "nc_news_delete_feed", feed_id=feed_id),
        await error_of(bob_mcp, "nc_news_rename_folder", folder_id=folder_id, name="bob's"),
        await error_of(bob_mcp, "nc_news_delete_folder", folder_id=folder_id),
    ]
    assert all("does not exist" in message for message in refused), refused
    assert all(name not in message for message in refused)
    many = await call(bob_mcp, "nc_news_mark_items_read", item_ids=[one, two])
    assert "not among your items" in many["message"]
    await call(bob_mcp, "nc_news_star_items", item_ids=[one, two])
    assert [(i["unread"], i["starred"]) for i in items_of(nc_user, feed_id)] == [(True, False)] * 3
    assert feeds_of(nc_user)[feed_id]["title"] == name
    assert folder_id in folders_of(nc_user)


async def test_bob_cannot_file_his_feed_in_alices_folder(bob_mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    alices = folder(nc_user)
    before = feeds_of(bob)
    message = await error_of(bob_mcp, "nc_news_add_feed", url=feed_url("rss", unique("bob")), folder_id=alices)
    assert f"for News folder {alices}" in message
    assert feeds_of(bob) == before


# -- gating ---------------------------------------------------------------------------------
async def test_without_the_news_app_a_call_names_the_missing_app(mcp: Any, nc_user: NcUser) -> None:
    feed_id, _ = feed(nc_user)
    listed = {tool.name for tool in (await mcp.list_tools()).tools}
    assert listed >= TOOLS
    nc_user.standin.app.set_app_enabled(nc_user.id, "news", False)
    try:
        messages = [
            await error_of(mcp, "nc_news_list_feeds"),
            await error_of(mcp, "nc_news_mark_items_read", item_ids=[1, 2]),
            await error_of(mcp, "nc_news_delete_feed", feed_id=feed_id),
        ]
    finally:
        nc_user.standin.app.set_app_enabled(nc_user.id, "news", True)
    for message in messages:
        assert "needs the Nextcloud app 'News' (news), which is not installed or not enabled" in message
    assert feed_id in feeds_of(nc_user)
