"""The Activity app's stream end to end through the real MCP client: file changes made over WebDAV
appear as activities, paging follows Nextcloud's `since` cursor, filters narrow the stream; each
answer is checked against the stand-in's own answer to the same request. With the Activity app
off for a user, the stream's tools vanish and the webhook feed stays."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from mcp import Client

from tests.conftest import NcUser, StandInHandle
from tests.e2e.helpers import call, error_of, unique
from tests.standin import serve_in_thread

pytestmark = pytest.mark.anyio

STREAM = "/ocs/v2.php/apps/activity/api/v2/activity"
OCS = {"OCS-APIRequest": "true", "Accept": "application/json"}


def raw_stream(user: NcUser, path: str = "", **params: Any) -> httpx.Response:
    """The stand-in's answer to the stream request, as the user, without the server."""
    with user.raw() as raw:
        return raw.get(STREAM + path, params=params, headers=OCS)


def change_files(user: NcUser, folder: str) -> dict[str, int]:
    """Create a folder and a file, change it, rename it, add and delete another: over plain WebDAV."""
    dav = f"/remote.php/dav/files/{user.id}/{folder}"
    with user.raw() as raw:
        assert raw.request("MKCOL", dav).status_code == 201
        assert raw.put(f"{dav}/draft.txt", content=b"v1").status_code == 201
        assert raw.put(f"{dav}/draft.txt", content=b"v2").status_code == 204
        moved = raw.request("MOVE", f"{dav}/draft.txt", headers={"Destination": user.url + f"{dav}/final.txt"})
        assert moved.status_code == 201
        assert raw.put(f"{dav}/scratch.txt", content=b"x").status_code == 201
        assert raw.delete(f"{dav}/scratch.txt").status_code == 204
    return {"final": user.standin.app.file_id(user.files_root / folder / "final.txt")}


def activity_app(user: NcUser) -> Any:
    return user.standin.app.services["activity"]


async def test_file_changes_appear_in_the_stream_newest_first_as_nextcloud_lists_them(mcp, nc_user) -> None:
    folder = unique("Act")
    change_files(nc_user, folder)
    listed = await call(mcp, "nc_activity_list", limit=6)
    mine = [a for a in listed["activities"] if folder in (a["object_name"] or "")]
    assert [a["subject"] for a in mine] == [
        "You deleted scratch.txt",
        "You created scratch.txt",
        "You renamed draft.txt to final.txt",
        "You changed draft.txt",
        "You created draft.txt",
        f"You created {folder}",
    ]
    assert [a["type"] for a in mine][:2] == ["file_deleted", "file_created"]
    assert mine[2]["object_name"] == f"/{folder}/final.txt"
    assert {a["user"] for a in mine} == {nc_user.id}
    assert {a["app"] for a in mine} == {"files"}
    raw = raw_stream(nc_user, limit=6).json()["ocs"]["data"]
    assert [a["activity_id"] for a in listed["activities"]] == [a["activity_id"] for a in raw]


async def test_paging_with_since_id_walks_the_stream_as_nextclouds_cursor_does(mcp, nc_user) -> None:
    change_files(nc_user, unique("Page"))
    first = await call(mcp, "nc_activity_list", limit=2)
    second = await call(mcp, "nc_activity_list", limit=2, since_id=first["next_since_id"])
    assert first["has_more"] is True
    assert first["next_since_id"] == first["activities"][-1]["activity_id"]
    ids = [a["activity_id"] for a in first["activities"] + second["activities"]]
    expected = raw_stream(nc_user, limit=4).json()["ocs"]["data"]
    assert ids == [a["activity_id"] for a in expected]
    assert ids == sorted(ids, reverse=True)
    response = raw_stream(nc_user, since=first["next_since_id"], limit=2)
    assert response.headers["X-Activity-Last-Given"] == str(second["next_since_id"])


async def test_oldest_first_from_the_newest_id_is_empty_until_something_new_happens(mcp, nc_user) -> None:
    folder = unique("New")
    change_files(nc_user, folder)
    newest = (await call(mcp, "nc_activity_list", limit=1))["activities"][0]["activity_id"]
    nothing = await call(mcp, "nc_activity_list", since_id=newest, oldest_first=True)
    assert (nothing["activities"], nothing["has_more"], nothing["next_since_id"]) == ([], False, newest)
    assert raw_stream(nc_user, since=newest, sort="asc").status_code == 304
    with nc_user.raw() as raw:
        assert raw.put(f"/remote.php/dav/files/{nc_user.id}/{folder}/later.txt", content=b"x").status_code == 201
    later = await call(mcp, "nc_activity_list", since_id=newest, oldest_first=True)
    assert [a["subject"] for a in later["activities"]] == ["You created later.txt"]
    assert later["next_since_id"] == later["activities"][0]["activity_id"] > newest


async def test_filters_narrow_the_stream_to_an_app_and_to_who_acted(mcp, nc_user, standin) -> None:
    name = unique("shared")
    standin.app.add_user("actfriend", "pw-actfriend")
    shared = activity_app(nc_user).record(
        nc_user.id, app="files_sharing", type="shared", author="actfriend",
        subject=f"actfriend shared {name} with you", object_type="files", object_id=9_000_001, object_name=f"/{name}",
    )  # fmt: skip
    change_files(nc_user, unique("Mine"))
    sharing = await call(mcp, "nc_activity_list", filter="files_sharing")
    by_others = await call(mcp, "nc_activity_list", filter="by")
    by_me = await call(mcp, "nc_activity_list", filter="self", limit=200)
    files = await call(mcp, "nc_activity_list", filter="files", limit=200)
    assert shared.id in [a["activity_id"] for a in sharing["activities"]]
    assert {a["app"] for a in sharing["activities"]} == {"files_sharing"}
    assert sharing["activities"][0]["user"] == "actfriend"
    assert {a["user"] for a in by_others["activities"]} == {"actfriend"}
    assert shared.id not in [a["activity_id"] for a in by_me["activities"] + files["activities"]]
    assert {a["app"] for a in files["activities"]} == {"files"}
    raw = raw_stream(nc_user, "/files_sharing").json()["ocs"]["data"]
    assert [a["activity_id"] for a in sharing["activities"]] == [a["activity_id"] for a in raw]


async def test_one_files_activities_only_with_file_id(mcp, nc_user) -> None:
    folder = unique("One")
    ids = change_files(nc_user, folder)
    about = await call(mcp, "nc_activity_list", file_id=ids["final"])
    mine = [a["subject"] for a in about["activities"] if folder in a["object_name"]]
    assert mine == ["You renamed draft.txt to final.txt", "You changed draft.txt", "You created draft.txt"]
    # (the stand-in's file ids are inodes, which a deleted file may hand on; Nextcloud's never repeat)
    assert {a["object_id"] for a in about["activities"]} == {ids["final"]}


async def test_the_filters_are_listed_as_the_app_lists_them(mcp, nc_user) -> None:
    listed = await call(mcp, "nc_activity_list_filters")
    raw = raw_stream(nc_user, "/filters").json()["ocs"]["data"]
    assert [f["id"] for f in listed["filters"]] == [f["id"] for f in raw]
    assert {"all", "self", "by", "files", "files_sharing", "calendar"} <= {f["id"] for f in listed["filters"]}
    assert next(f["name"] for f in listed["filters"] if f["id"] == "by") == "By others"


async def test_bad_arguments_are_refused_with_what_to_do(mcp, nc_user, standin) -> None:
    other = standin.add_user("actstranger", "pw-actstranger")
    with other.raw() as raw:
        assert raw.put(f"/remote.php/dav/files/{other.id}/theirs.txt", content=b"x").status_code in (201, 204)
    theirs = raw_stream(other, limit=1).json()["ocs"]["data"][0]["activity_id"]
    unknown = await error_of(mcp, "nc_activity_list", filter="no_such_filter")
    assert "activity filter 'no_such_filter'" in unknown
    assert "does not exist" in unknown
    assert "Invalid argument 'filter'" in await error_of(mcp, "nc_activity_list", filter="../files")
    foreign = await error_of(mcp, "nc_activity_list", since_id=theirs)
    assert "Invalid argument 'since_id'" in foreign
    assert "not an activity of yours" in foreign
    combined = await error_of(mcp, "nc_activity_list", filter="files", file_id=5)
    assert "Invalid argument 'file_id'" in combined
    assert "filter 'all'" in combined


@pytest.fixture
def no_activity_app(standin: StandInHandle) -> Iterator[NcUser]:
    user = standin.add_user("act-gated", "pw-act-gated")
    yield user
    standin.app.set_app_enabled(user.id, "activity", True)


async def test_without_the_activity_app_the_stream_tools_vanish_and_the_feed_stays(
    no_activity_app: NcUser, standin: StandInHandle
) -> None:
    from nextcloud_mcp_server.app import build_app

    app = build_app(no_activity_app.settings(capabilities_ttl=0, toolsets=["all"]))
    with serve_in_thread(app, lifespan="on") as url:
        async with Client(f"{url}/mcp") as client:
            before = {t.name for t in (await client.list_tools()).tools}
            standin.app.set_app_enabled(no_activity_app.id, "activity", False)
            after = {t.name for t in (await client.list_tools()).tools}
            refused = await client.call_tool("nc_activity_list", {})
    stream_tools = {"nc_activity_list", "nc_activity_list_filters"}
    assert stream_tools <= before
    assert stream_tools.isdisjoint(after)
    assert "nc_activity_recent_changes" in after
    assert refused.is_error
    assert "needs the Nextcloud app 'Activity' (activity)" in refused.content[0].text
