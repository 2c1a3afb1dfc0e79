"""Comments tools end to end through the real MCP client; every effect is checked on the stand-in
with a raw `oc:filter-comments` REPORT as the user or in the comments app's state, independently
of the server. Only a comment's author may change it: another user's comment on one's own file
(written while the file was shared with them) is refused in Nextcloud's words."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import NcUser, StandInHandle
from tests.e2e.helpers import call, error_of, unique
from tests.standin import serve_in_thread

pytestmark = pytest.mark.anyio

REPORT = (
    '<?xml version="1.0"?><oc:filter-comments xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">'
    "<oc:limit>0</oc:limit><oc:offset>0</oc:offset></oc:filter-comments>"
)


def comments_app(nc_user: NcUser) -> Any:
    return nc_user.standin.app.services["comments"]


def put_file(nc_user: NcUser, name: str) -> str:
    with nc_user.raw() as raw:
        assert raw.put(f"/remote.php/dav/files/{nc_user.id}/{name}", content=b"text").status_code == 201
    return name


def file_id(nc_user: NcUser, path: str) -> int:
    return int(nc_user.standin.app.file_id(nc_user.files_root / path))


def raw_comments(nc_user: NcUser, path: str) -> list[tuple[int, str, str]]:
    """(id, author, message) of a file's comments, newest first, from Nextcloud's comments REPORT."""
    with nc_user.raw() as raw:
        response = raw.request("REPORT", f"/remote.php/dav/comments/files/{file_id(nc_user, path)}", content=REPORT)
    assert response.status_code == 207, response.text
    found = []
    for block in re.findall(r"<d:response>(.*?)</d:response>", response.text, re.S):
        values = dict(re.findall(r"<oc:(id|actorId|message)>([^<]*)</oc:\1>", block))
        found.append((int(values["id"]), values["actorId"], values.get("message", "")))
    return found


async def test_create_comment_posts_it_as_the_user(mcp, nc_user) -> None:
    path = put_file(nc_user, unique("report") + ".md")
    created = await call(mcp, "nc_webdav_create_comment", path=path, message="  Looks good, @nobody!  ")
    assert raw_comments(nc_user, path) == [(created["comment_id"], nc_user.id, "Looks good, @nobody!")]
    assert created == {
        "path": path,
        "file_id": file_id(nc_user, path),
        "comment_id": created["comment_id"],
        "message": "Looks good, @nobody!",
    }


async def test_list_comments_shows_them_newest_first_with_author_and_pages(mcp, nc_user) -> None:
    path = put_file(nc_user, unique("thread"))
    other = nc_user.standin.add_user(unique("anna"), "pw-anna")
    comments_app(nc_user).add(other.id, file_id(nc_user, path), "first, by anna")
    mine = await call(mcp, "nc_webdav_create_comment", path=path, message="second, mine")
    listed = await call(mcp, "nc_webdav_list_comments", path=path)
    assert [(c["author"], c["message"]) for c in listed["items"]] == [
        (nc_user.id, "second, mine"),
        (other.id, "first, by anna"),
    ]
    newest = listed["items"][0]
    assert (newest["id"], newest["author_name"], newest["unread"]) == (mine["comment_id"], nc_user.id, False)
    assert newest["created"] is not None
    assert listed["page"] == {"total": 2, "offset": 0, "next_offset": None}
    page = await call(mcp, "nc_webdav_list_comments", path=path, limit=1, offset=1)
    assert [c["message"] for c in page["items"]] == ["first, by anna"]
    assert page["page"] == {"total": 2, "offset": 1, "next_offset": None}


async def test_edit_comment_replaces_the_text(mcp, nc_user) -> None:
    path = put_file(nc_user, unique("edit"))
    created = await call(mcp, "nc_webdav_create_comment", path=path, message="typo hier")
    edited = await call(mcp, "nc_comments_edit", path=path, comment_id=created["comment_id"], message="typo here")
    assert edited["message"] == "typo here"
    assert raw_comments(nc_user, path) == [(created["comment_id"], nc_user.id, "typo here")]


async def test_delete_comment_removes_it(mcp, nc_user) -> None:
    path = put_file(nc_user, unique("delete"))
    keep = await call(mcp, "nc_webdav_create_comment", path=path, message="keep")
    gone = await call(mcp, "nc_webdav_create_comment", path=path, message="remove me")
    deleted = await call(mcp, "nc_comments_delete", path=path, comment_id=gone["comment_id"])
    assert deleted == {"path": path, "comment_id": gone["comment_id"]}
    assert raw_comments(nc_user, path) == [(keep["comment_id"], nc_user.id, "keep")]


async def test_another_users_comment_cannot_be_edited_or_deleted_and_the_refusal_says_why(mcp, nc_user) -> None:
    """Anna commented on the user's file while it was shared with her; the comment stays hers."""
    path = put_file(nc_user, unique("shared-once"))
    anna = nc_user.standin.add_user(unique("anna"), "pw-anna")
    theirs = comments_app(nc_user).add(anna.id, file_id(nc_user, path), "anna's review")
    edit = await error_of(mcp, "nc_comments_edit", path=path, comment_id=theirs.id, message="rewritten")
    delete = await error_of(mcp, "nc_comments_delete", path=path, comment_id=theirs.id)
    for message in (edit, delete):
        assert "403" in message
        assert f"comment {theirs.id}" in message
        assert "Only authors are allowed to edit their comment." in message
        assert "share it with write access" not in message
    assert raw_comments(nc_user, path) == [(theirs.id, anna.id, "anna's review")]


async def test_bad_comment_arguments_are_refused_with_what_to_do(mcp, nc_user) -> None:
    path = put_file(nc_user, unique("bad"))
    assert "Invalid argument 'message'" in await error_of(mcp, "nc_webdav_create_comment", path=path, message=" ")
    too_long = await error_of(mcp, "nc_webdav_create_comment", path=path, message="x" * 1001)
    assert "Invalid argument 'message'" in too_long
    assert "1000" in too_long
    assert raw_comments(nc_user, path) == []
    assert "Invalid argument 'path'" in await error_of(mcp, "nc_webdav_list_comments", path="../x")
    assert "does not exist" in await error_of(mcp, "nc_webdav_list_comments", path=unique("missing"))
    missing = await error_of(mcp, "nc_comments_edit", path=path, comment_id=999999, message="x")
    assert "comment 999999" in missing
    assert "does not exist" in missing
    assert (await mcp.call_tool("nc_comments_delete", {"path": path, "comment_id": 0})).is_error


async def test_a_comment_of_another_file_is_not_found_through_this_file(mcp, nc_user) -> None:
    first, second = put_file(nc_user, unique("one")), put_file(nc_user, unique("two"))
    created = await call(mcp, "nc_webdav_create_comment", path=first, message="on the first")
    message = await error_of(mcp, "nc_comments_delete", path=second, comment_id=created["comment_id"])
    assert f"comment {created['comment_id']}" in message
    assert raw_comments(nc_user, first) == [(created["comment_id"], nc_user.id, "on the first")]


@pytest.fixture
def gated_user(standin: StandInHandle) -> Iterator[NcUser]:
    user = standin.add_user(f"gated-comments-{uuid.uuid4().hex[:12]}", "pw-gated-comments")
    yield user
    standin.app.set_app_enabled(user.id, "comments", True)


async def test_with_the_comments_app_off_for_the_user_the_comments_tools_vanish(
    gated_user: NcUser, standin: StandInHandle
) -> None:
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    from nextcloud_mcp_server.app import build_app

    names = {"nc_webdav_list_comments", "nc_webdav_create_comment", "nc_comments_edit", "nc_comments_delete"}
    app = build_app(gated_user.settings(capabilities_ttl=0, toolsets=["all"]))
    with serve_in_thread(app, lifespan="on") as url:
        async with Client(streamable_http_client(f"{url}/mcp", http_client=httpx.AsyncClient(timeout=30))) as client:
            before = {t.name for t in (await client.list_tools()).tools}
            standin.app.set_app_enabled(gated_user.id, "comments", False)
            without = {t.name for t in (await client.list_tools()).tools}
            refused = await client.call_tool("nc_webdav_list_comments", {"path": "a.txt"})
            states = {s["name"]: s for s in (await call(client, "nc_toolsets_list"))["toolsets"]}
            standin.app.set_app_enabled(gated_user.id, "comments", True)
            after = {t.name for t in (await client.list_tools()).tools}
    assert names <= before
    assert names & without == set()
    assert "nc_webdav_read_file" in without
    assert refused.is_error
    assert "needs the Nextcloud app 'Comments' (comments)" in refused.content[0].text
    assert states["comments"]["available"] is False
    assert names <= after
