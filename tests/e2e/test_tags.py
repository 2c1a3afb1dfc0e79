"""Tags and favorites tools end to end through the real MCP client; every effect is checked on the
stand-in with raw WebDAV requests as the user (the tags of a file, the files of a tag, a file's
oc:favorite) or in the tags app's state, independently of the server."""

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

TAG_PROPS = (
    '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop>'
    "<oc:id/><oc:display-name/></d:prop></d:propfind>"
)


def tags_app(nc_user: NcUser) -> Any:
    return nc_user.standin.app.services["systemtags"]


def put_file(nc_user: NcUser, name: str, content: str = "x") -> str:
    with nc_user.raw() as raw:
        assert raw.put(f"/remote.php/dav/files/{nc_user.id}/{name}", content=content.encode()).status_code == 201
    return name


def file_id(nc_user: NcUser, path: str) -> int:
    return int(nc_user.standin.app.file_id(nc_user.files_root / path))


def raw_file_tags(nc_user: NcUser, path: str) -> set[str]:
    """The names of the tags on a file, as Nextcloud's systemtags-relations collection lists them."""
    with nc_user.raw() as raw:
        response = raw.request(
            "PROPFIND",
            f"/remote.php/dav/systemtags-relations/files/{file_id(nc_user, path)}",
            headers={"Depth": "1"},
            content=TAG_PROPS,
        )
    assert response.status_code == 207, response.text
    return set(re.findall(r"<oc:display-name>([^<]*)</oc:display-name>", response.text))


def raw_files_with(nc_user: NcUser, tag_id: int) -> set[str]:
    """The hrefs the files REPORT finds for a tag."""
    body = (
        '<oc:filter-files xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop><oc:fileid/></d:prop>'
        f"<oc:filter-rules><oc:systemtag>{tag_id}</oc:systemtag></oc:filter-rules></oc:filter-files>"
    )
    with nc_user.raw() as raw:
        response = raw.request("REPORT", f"/remote.php/dav/files/{nc_user.id}/", content=body)
    assert response.status_code == 207, response.text
    prefix = f"/remote.php/dav/files/{nc_user.id}/"
    return {href.removeprefix(prefix) for href in re.findall(r"<d:href>([^<]*)</d:href>", response.text)}


def raw_favorite(nc_user: NcUser, path: str) -> str:
    """oc:favorite of a file, from a raw PROPFIND."""
    body = (
        '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">'
        "<d:prop><oc:favorite/></d:prop></d:propfind>"
    )
    with nc_user.raw() as raw:
        response = raw.request(
            "PROPFIND", f"/remote.php/dav/files/{nc_user.id}/{path}", headers={"Depth": "0"}, content=body
        )
    assert response.status_code == 207, response.text
    found = re.search(r"<oc:favorite>(\d)</oc:favorite>", response.text)
    assert found is not None, response.text
    return found.group(1)


def tag_named(nc_user: NcUser, name: str) -> Any:
    found = [tag for tag in tags_app(nc_user).tags.values() if tag.name == name]
    assert len(found) == 1, found
    return found[0]


async def test_tag_file_creates_the_tag_puts_it_on_the_file_and_find_by_tag_lists_it(mcp, nc_user) -> None:
    name, tagged, other = unique("Invoice"), put_file(nc_user, unique("inv") + ".txt"), put_file(nc_user, unique("o"))
    result = await call(mcp, "nc_webdav_tag_file", path=tagged, tag=name)
    tag = tag_named(nc_user, name)
    assert (tag.visible, tag.assignable) == (True, True)
    assert result["tag"] == {"id": tag.id, "name": name, "visibility": "public", "can_assign": True}
    assert (result["changed"], result["created_tag"]) == (True, True)
    assert raw_file_tags(nc_user, tagged) == {name}
    assert raw_files_with(nc_user, tag.id) == {tagged}
    found = await call(mcp, "nc_webdav_find_by_tag_name", tag=name)
    assert [item["path"] for item in found["items"]] == [tagged]
    assert other not in {item["path"] for item in found["items"]}
    assert found["items"][0]["file_id"] == file_id(nc_user, tagged)


async def test_tagging_with_an_existing_tag_uses_it_and_tagging_twice_changes_nothing(mcp, nc_user) -> None:
    name, path = unique("Existing"), put_file(nc_user, unique("doc"))
    await call(mcp, "nc_tags_create", tag=name)
    first = await call(mcp, "nc_webdav_tag_file", path=path, tag=name)
    again = await call(mcp, "nc_webdav_tag_file", path=path, tag=name)
    assert (first["changed"], first["created_tag"]) == (True, False)
    assert (again["changed"], again["created_tag"]) == (False, False)
    assert len([t for t in tags_app(nc_user).tags.values() if t.name == name]) == 1
    assert raw_file_tags(nc_user, path) == {name}


async def test_get_file_tags_lists_the_tags_on_a_file_by_name(mcp, nc_user) -> None:
    path, first, second = put_file(nc_user, unique("two")), unique("b-tag"), unique("a-tag")
    for name in (first, second):
        await call(mcp, "nc_webdav_tag_file", path=path, tag=name)
    got = await call(mcp, "nc_webdav_get_file_tags", path=path)
    assert [t["name"] for t in got["tags"]] == [second, first]
    assert got["file_id"] == file_id(nc_user, path)
    assert {t["name"] for t in got["tags"]} == raw_file_tags(nc_user, path)


async def test_untag_file_takes_the_tag_off_and_keeps_the_tag(mcp, nc_user) -> None:
    name, path = unique("Draft"), put_file(nc_user, unique("draft"))
    await call(mcp, "nc_webdav_tag_file", path=path, tag=name)
    removed = await call(mcp, "nc_webdav_untag_file", path=path, tag=name)
    assert removed["changed"] is True
    assert raw_file_tags(nc_user, path) == set()
    assert raw_files_with(nc_user, tag_named(nc_user, name).id) == set()
    assert (await call(mcp, "nc_webdav_find_by_tag_name", tag=name))["items"] == []
    assert name in {t["name"] for t in (await call(mcp, "nc_webdav_list_tags", limit=500))["items"]}
    assert (await call(mcp, "nc_webdav_untag_file", path=path, tag=name))["changed"] is False


async def test_create_tag_makes_a_public_tag_and_a_taken_name_is_refused_in_words(mcp, nc_user) -> None:
    name = unique("Contract")
    created = await call(mcp, "nc_tags_create", tag=f"  {name} ")
    tag = tag_named(nc_user, name)
    assert created == {"id": tag.id, "name": name, "visibility": "public", "can_assign": True}
    message = await error_of(mcp, "nc_tags_create", tag=name)
    assert "409" in message
    assert f"tag '{name}'" in message
    assert "Tag already exists" in message
    assert "create the parent" not in message  # a rule's refusal (Refused), not the files' conflict hint
    assert len([t for t in tags_app(nc_user).tags.values() if t.name == name]) == 1


async def test_a_restricted_tag_is_for_admins_to_create_and_assign(mcp, nc_user) -> None:
    refused = await error_of(mcp, "nc_tags_create", tag=unique("Legal"), visibility="restricted")
    assert "Not sufficient permissions" in refused
    assert "malformed" not in refused
    admin = nc_user.standin.add_user("admin", "admin-app-password")
    restricted = tags_app(nc_user).create(nc_user.standin.app.users[admin.id], unique("Approved"), True, False)
    path = put_file(nc_user, unique("contract"))
    message = await error_of(mcp, "nc_webdav_tag_file", path=path, tag=restricted.name)
    assert "403" in message
    assert f"No permission to assign tag {restricted.id}" in message
    assert raw_file_tags(nc_user, path) == set()


async def test_list_tags_shows_visible_tags_with_their_visibility_and_pages(mcp, nc_user) -> None:
    app = tags_app(nc_user)
    admin = nc_user.standin.app.users[nc_user.standin.add_user("admin", "admin-app-password").id]
    restricted = app.create(admin, unique("Restricted"), True, False)
    invisible = app.create(admin, unique("Hidden"), False, False)
    listed = await call(mcp, "nc_webdav_list_tags", limit=500)
    by_name = {t["name"]: t for t in listed["items"]}
    assert by_name[restricted.name] == {
        "id": restricted.id,
        "name": restricted.name,
        "visibility": "restricted",
        "can_assign": False,
    }
    assert invisible.name not in by_name
    assert listed["page"]["total"] == len([t for t in app.tags.values() if t.visible])
    first = await call(mcp, "nc_webdav_list_tags", limit=1)
    assert len(first["items"]) == 1
    assert first["page"]["next_offset"] == 1


async def test_deleting_a_tag_is_refused_for_users_and_takes_it_off_every_file_for_admins(mcp, nc_user) -> None:
    name, path = unique("Temp"), put_file(nc_user, unique("temp"))
    await call(mcp, "nc_webdav_tag_file", path=path, tag=name)
    refused = await error_of(mcp, "nc_tags_delete", tag=name)
    tag = tag_named(nc_user, name)
    assert f"No permission to delete tag {tag.id}" in refused
    app = tags_app(nc_user)
    app.admins.add(nc_user.id)
    try:
        deleted = await call(mcp, "nc_tags_delete", tag=name)
    finally:
        app.admins.discard(nc_user.id)
    assert deleted["tag"]["id"] == tag.id
    assert tag.id not in app.tags
    assert raw_file_tags(nc_user, path) == set()


async def test_a_tag_that_does_not_exist_is_named_in_the_error(mcp, nc_user) -> None:
    missing, path = unique("nope"), put_file(nc_user, unique("plain"))
    for tool, arguments in (
        ("nc_webdav_find_by_tag_name", {"tag": missing}),
        ("nc_webdav_untag_file", {"path": path, "tag": missing}),
        ("nc_tags_delete", {"tag": missing}),
    ):
        message = await error_of(mcp, tool, **arguments)
        assert f"tag '{missing}'" in message, tool
        assert "does not exist" in message, tool


async def test_bad_tag_and_path_arguments_are_refused_before_any_request(mcp, nc_user) -> None:
    path = put_file(nc_user, unique("ok"))
    assert "Invalid argument 'tag'" in await error_of(mcp, "nc_webdav_tag_file", path=path, tag="  ")
    too_long = await error_of(mcp, "nc_tags_create", tag="x" * 65)
    assert "Invalid argument 'tag'" in too_long
    assert "64" in too_long
    assert "Invalid argument 'path'" in await error_of(mcp, "nc_webdav_tag_file", path="../etc", tag="t")
    assert "Invalid argument 'path'" in await error_of(mcp, "nc_webdav_get_file_tags", path="")
    missing = await error_of(mcp, "nc_webdav_get_file_tags", path=unique("missing") + ".txt")
    assert "does not exist" in missing


async def test_set_favorite_marks_and_unmarks_a_file(mcp, nc_user) -> None:
    path = put_file(nc_user, unique("fav") + ".md")
    marked = await call(mcp, "nc_tags_set_favorite", path=path)
    assert marked == {"path": path, "favorite": True}
    assert raw_favorite(nc_user, path) == "1"
    listed = await call(mcp, "nc_webdav_list_favorites")
    assert path in {item["path"] for item in listed["results"]}
    unmarked = await call(mcp, "nc_tags_set_favorite", path=path, favorite=False)
    assert unmarked == {"path": path, "favorite": False}
    assert raw_favorite(nc_user, path) == "0"
    assert "does not exist" in await error_of(mcp, "nc_tags_set_favorite", path=unique("gone") + ".md")


@pytest.fixture
def gated_user(standin: StandInHandle) -> Iterator[NcUser]:
    user = standin.add_user(f"gated-tags-{uuid.uuid4().hex[:12]}", "pw-gated-tags")
    yield user
    standin.app.set_app_enabled(user.id, "systemtags", True)


async def test_with_the_tags_app_off_for_the_user_the_tags_tools_vanish(
    gated_user: NcUser, standin: StandInHandle
) -> None:
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    from nextcloud_mcp_server.app import build_app

    app = build_app(gated_user.settings(capabilities_ttl=0, toolsets=["all"]))
    with serve_in_thread(app, lifespan="on") as url:
        async with Client(streamable_http_client(f"{url}/mcp", http_client=httpx.AsyncClient(timeout=30))) as client:
            before = {t.name for t in (await client.list_tools()).tools}
            standin.app.set_app_enabled(gated_user.id, "systemtags", False)
            without = {t.name for t in (await client.list_tools()).tools}
            refused = await client.call_tool("nc_webdav_list_tags", {})
            standin.app.set_app_enabled(gated_user.id, "systemtags", True)
            after = {t.name for t in (await client.list_tools()).tools}
    tags_tools = {"nc_webdav_list_tags", "nc_webdav_tag_file", "nc_tags_create", "nc_tags_set_favorite"}
    assert tags_tools <= before
    assert tags_tools & without == set()
    assert "nc_webdav_list_favorites" in without
    assert refused.is_error
    assert "needs the Nextcloud app 'Collaborative tags' (systemtags)" in refused.content[0].text
    assert tags_tools <= after
