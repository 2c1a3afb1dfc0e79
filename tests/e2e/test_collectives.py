"""Collectives end to end through the real MCP client: a collective and its page tree are made,
edited, moved, tagged, searched, trashed and restored through the tools; every effect is checked on
the stand-in (the page files on disk, or a raw request as the user). Another user who is not a
member is refused, a member below the edit level is refused, and switching the app off hides the
toolset."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from mcp import Client

from tests.conftest import NcUser, StandInHandle
from tests.e2e.helpers import call, error_of, own_server, unique

pytestmark = pytest.mark.anyio
OCS = {"OCS-APIRequest": "true", "Accept": "application/json"}
API = "/ocs/v2.php/apps/collectives/api/v1.0/collectives"


def app_of(user: NcUser) -> Any:
    return user.standin.app.services["collectives"]


def raw_pages(user: NcUser, collective_id: int) -> dict[int, dict[str, Any]]:
    with user.raw() as raw:
        answer = raw.get(f"{API}/{collective_id}/pages", headers=OCS)
    assert answer.status_code == 200, answer.text
    return {p["id"]: p for p in answer.json()["ocs"]["data"]["pages"]}


def file_of(user: NcUser, collective_id: int, page_id: int) -> str:
    path = app_of(user).page_file(collective_id, page_id)
    assert path is not None, f"page {page_id} is not in the tree"
    return str(path.read_text())


async def new_collective(mcp: Any) -> tuple[int, int]:
    """A fresh collective: its id and its landing page's id."""
    made = await call(mcp, "collectives_create_collective", name=unique("Wiki"), emoji="📘")
    collective_id = made["collective"]["id"]
    pages = await call(mcp, "collectives_get_pages", collective_id=collective_id)
    (landing,) = [p for p in pages["items"] if p["parent_id"] == 0]
    return collective_id, landing["id"]


@pytest.fixture(scope="module")
def stranger(standin: StandInHandle) -> NcUser:
    return standin.add_user("ucollectives-stranger", "pw-stranger-1")


async def test_create_list_and_emoji_of_a_collective(mcp: Any, nc_user: NcUser) -> None:
    name = unique("Handbook")
    made = await call(mcp, "collectives_create_collective", name=name, emoji="📘")
    collective = made["collective"]
    assert (collective["name"], collective["emoji"], collective["can_edit"], collective["is_admin"]) == (
        name,
        "📘",
        True,
        True,
    )
    stored = app_of(nc_user).collectives[collective["id"]]
    assert (stored.name, stored.emoji, stored.members) == (name, "📘", {nc_user.id: 9})
    listed = await call(mcp, "collectives_get_collectives")
    assert collective["id"] in [c["id"] for c in listed["items"]]
    changed = await call(mcp, "collectives_set_collective_emoji", collective_id=collective["id"], emoji="🌱")
    assert changed["collective"]["emoji"] == "🌱"
    assert stored.emoji == "🌱"
    await call(mcp, "collectives_set_collective_emoji", collective_id=collective["id"])
    assert stored.emoji is None
    with nc_user.raw() as raw:  # the landing page is a file in the user's files
        got = raw.get(f"/remote.php/dav/files/{nc_user.id}/{name}/Readme.md")
    assert got.status_code == 200


async def test_a_collective_is_trashed_restored_and_deleted(mcp: Any, nc_user: NcUser) -> None:
    collective_id, _ = await new_collective(mcp)
    trashed = await call(mcp, "collectives_trash_collective", collective_id=collective_id)
    assert trashed["collective"]["trashed_at"] is not None
    assert collective_id not in [c["id"] for c in (await call(mcp, "collectives_get_collectives"))["items"]]
    in_trash = await call(mcp, "collectives_get_trashed_collectives")
    assert collective_id in [c["id"] for c in in_trash["items"]]
    restored = await call(mcp, "collectives_restore_collective", collective_id=collective_id)
    assert restored["collective"]["trashed_at"] is None
    assert app_of(nc_user).collectives[collective_id].trashed is None
    message = await error_of(mcp, "collectives_delete_collective", collective_id=collective_id)
    assert "for trashed collective" in message
    assert "does not exist" in message
    await call(mcp, "collectives_trash_collective", collective_id=collective_id)
    deleted = await call(mcp, "collectives_delete_collective", collective_id=collective_id)
    assert deleted["id"] == collective_id
    assert collective_id not in app_of(nc_user).collectives


async def test_a_page_tree_with_content_edits_moves_and_search(mcp: Any, nc_user: NcUser) -> None:
    collective_id, landing = await new_collective(mcp)
    guide = await call(
        mcp, "collectives_create_page", collective_id=collective_id, parent_id=landing, title="Guide",
        content="# Guide\nStart here.",
    )  # fmt: skip
    guide_id = guide["page"]["id"]
    assert guide["page"]["parent_id"] == landing
    assert file_of(nc_user, collective_id, guide_id) == "# Guide\nStart here."
    setup = await call(mcp, "collectives_create_page", collective_id=collective_id, parent_id=guide_id, title="Setup")
    setup_id = setup["page"]["id"]
    pages = raw_pages(nc_user, collective_id)
    assert pages[setup_id]["parentId"] == guide_id
    assert pages[setup_id]["filePath"] == "Guide"
    assert (pages[guide_id]["fileName"], pages[guide_id]["filePath"]) == ("Readme.md", "Guide")  # became a folder
    assert file_of(nc_user, collective_id, guide_id) == "# Guide\nStart here."  # same page, same content

    updated = await call(
        mcp, "nc_collectives_update_page", collective_id=collective_id, page_id=setup_id, content="Install **it**."
    )
    assert updated["page"]["id"] == setup_id
    assert file_of(nc_user, collective_id, setup_id) == "Install **it**."
    read = await call(mcp, "collectives_get_page", collective_id=collective_id, page_id=setup_id)
    assert read["content"] == "Install **it**."
    assert read["page"]["title"] == "Setup"

    tree = await call(mcp, "collectives_get_pages", collective_id=collective_id)
    assert {(p["title"], p["parent_id"]) for p in tree["items"]} >= {("Guide", landing), ("Setup", guide_id)}

    moved = await call(
        mcp, "collectives_move_page", collective_id=collective_id, page_id=setup_id, parent_id=landing, title="Install"
    )
    assert (moved["page"]["id"], moved["page"]["title"], moved["page"]["parent_id"]) == (setup_id, "Install", landing)
    pages = raw_pages(nc_user, collective_id)
    assert (pages[setup_id]["title"], pages[setup_id]["parentId"], pages[setup_id]["filePath"]) == (
        "Install",
        landing,
        "",
    )
    assert file_of(nc_user, collective_id, setup_id) == "Install **it**."
    copied = await call(mcp, "collectives_move_page", collective_id=collective_id, page_id=setup_id, copy=True)
    assert copied["page"]["id"] != setup_id
    assert copied["page"]["title"] == "Install (2)"

    found = await call(mcp, "collectives_search_pages", collective_id=collective_id, query="start HERE")
    assert [p["id"] for p in found["items"]] == [guide_id]
    recent = await call(mcp, "nc_collectives_recent_pages", limit=50)
    assert setup_id in [p["id"] for p in recent["items"]]

    emoji = await call(mcp, "collectives_set_page_emoji", collective_id=collective_id, page_id=guide_id, emoji="🚀")
    assert emoji["page"]["emoji"] == "🚀"
    assert raw_pages(nc_user, collective_id)[guide_id]["emoji"] == "🚀"


async def test_trash_restore_and_delete_pages(mcp: Any, nc_user: NcUser) -> None:
    collective_id, landing = await new_collective(mcp)
    page = await call(mcp, "collectives_create_page", collective_id=collective_id, parent_id=landing, title="Draft")
    page_id = page["page"]["id"]
    sub = await call(mcp, "collectives_create_page", collective_id=collective_id, parent_id=page_id, title="Child")
    trashed = await call(mcp, "collectives_trash_page", collective_id=collective_id, page_id=page_id)
    assert trashed["page"]["trashed_at"] is not None
    assert trashed["page"]["path"] == ""  # no longer in the member's files
    assert set(raw_pages(nc_user, collective_id)) == {landing}  # the subpage went with it
    listed = await call(mcp, "collectives_get_trashed_pages", collective_id=collective_id)
    assert [p["id"] for p in listed["items"]] == [page_id]
    restored = await call(mcp, "collectives_restore_page", collective_id=collective_id, page_id=page_id)
    assert restored["page"]["parent_id"] == landing
    assert set(raw_pages(nc_user, collective_id)) == {landing, page_id, sub["page"]["id"]}

    await call(mcp, "collectives_trash_page", collective_id=collective_id, page_id=page_id)
    deleted = await call(mcp, "nc_collectives_delete_page", collective_id=collective_id, page_id=page_id)
    assert deleted["id"] == page_id
    assert (await call(mcp, "collectives_get_trashed_pages", collective_id=collective_id))["items"] == []
    assert set(raw_pages(nc_user, collective_id)) == {landing}
    refused = await error_of(mcp, "collectives_trash_page", collective_id=collective_id, page_id=landing)
    assert "Not allowed to trash landing page" in refused


async def test_tags_on_pages(mcp: Any, nc_user: NcUser) -> None:
    collective_id, landing = await new_collective(mcp)
    tag = await call(mcp, "collectives_create_tag", collective_id=collective_id, name="draft", color="#00ff00")
    assert (tag["name"], tag["color"]) == ("draft", "00ff00")
    assert [t["id"] for t in (await call(mcp, "collectives_get_tags", collective_id=collective_id))["items"]] == [
        tag["id"]
    ]
    tagged = await call(mcp, "collectives_assign_tag", collective_id=collective_id, page_id=landing, tag_id=tag["id"])
    assert tagged["page"]["tags"] == [tag["id"]]
    assert raw_pages(nc_user, collective_id)[landing]["tags"] == [tag["id"]]
    await call(mcp, "collectives_remove_tag", collective_id=collective_id, page_id=landing, tag_id=tag["id"])
    assert raw_pages(nc_user, collective_id)[landing]["tags"] == []
    missing = await error_of(mcp, "collectives_assign_tag", collective_id=collective_id, page_id=landing, tag_id=99999)
    assert "tag 99999" in missing


async def test_a_tag_is_renamed_and_deleted_off_every_page(mcp: Any, nc_user: NcUser) -> None:
    collective_id, landing = await new_collective(mcp)
    tag = await call(mcp, "collectives_create_tag", collective_id=collective_id, name="old", color="111111")
    await call(mcp, "collectives_assign_tag", collective_id=collective_id, page_id=landing, tag_id=tag["id"])
    renamed = await call(
        mcp, "nc_collectives_update_tag", collective_id=collective_id, tag_id=tag["id"], name="new", color="#222222"
    )
    assert (renamed["name"], renamed["color"]) == ("new", "222222")
    assert (app_of(nc_user).tags[tag["id"]].name, app_of(nc_user).tags[tag["id"]].color) == ("new", "222222")
    deleted = await call(mcp, "nc_collectives_delete_tag", collective_id=collective_id, tag_id=tag["id"])
    assert deleted["id"] == tag["id"]
    assert tag["id"] not in app_of(nc_user).tags
    assert raw_pages(nc_user, collective_id)[landing]["tags"] == []
    assert "six hex digits" in await error_of(
        mcp, "nc_collectives_update_tag", collective_id=collective_id, tag_id=tag["id"], name="x", color="#12"
    )
    assert "tag 99999" in await error_of(mcp, "nc_collectives_delete_tag", collective_id=collective_id, tag_id=99999)


async def test_attachments_of_a_page(mcp: Any, nc_user: NcUser) -> None:
    collective_id, landing = await new_collective(mcp)
    page = await call(mcp, "collectives_create_page", collective_id=collective_id, parent_id=landing, title="Pics")
    page_id = page["page"]["id"]
    png = base64.b64encode(b"\x89PNG fake").decode()
    first = await call(
        mcp, "nc_collectives_upload_attachment", collective_id=collective_id, page_id=page_id,
        filename="photo.png", content_base64=png,
    )  # fmt: skip
    second = await call(
        mcp, "nc_collectives_upload_attachment", collective_id=collective_id, page_id=page_id,
        filename="photo.png", content_base64=png,
    )  # fmt: skip
    assert (first["name"], second["name"], first["size"]) == ("photo.png", "photo (2).png", 9)
    assert first["markdown"] == f"![photo.png](.attachments.{page_id}/photo.png)"
    on_disk = app_of(nc_user).page_file(collective_id, page_id).parent / f".attachments.{page_id}" / "photo.png"
    assert on_disk.read_bytes() == b"\x89PNG fake"
    with nc_user.raw() as raw:
        listed = raw.get(f"{API}/{collective_id}/pages/{page_id}/attachments", headers=OCS).json()["ocs"]["data"]
    assert sorted(a["name"] for a in listed["attachments"]) == ["photo (2).png", "photo.png"]
    found = await call(mcp, "nc_collectives_list_attachments", collective_id=collective_id, page_id=page_id)
    assert {a["id"] for a in found["items"]} == {first["id"], second["id"]}
    deleted = await call(
        mcp, "nc_collectives_delete_attachment", collective_id=collective_id, page_id=page_id, attachment_id=first["id"]
    )
    assert deleted["id"] == first["id"]
    assert not on_disk.exists()
    assert set(raw_pages(nc_user, collective_id)) == {landing, page_id}  # attachments are not pages
    bad = await error_of(
        mcp, "nc_collectives_upload_attachment", collective_id=collective_id, page_id=page_id,
        filename="a/b.png", content_base64=png,
    )  # fmt: skip
    assert "plain file name" in bad
    assert "base64" in await error_of(
        mcp, "nc_collectives_upload_attachment", collective_id=collective_id, page_id=page_id,
        filename="b.png", content_base64="not base64!",
    )  # fmt: skip


async def test_public_links_to_a_collective_and_a_page(mcp: Any, nc_user: NcUser) -> None:
    collective_id, landing = await new_collective(mcp)
    whole = await call(mcp, "nc_collectives_share", collective_id=collective_id)
    assert (whole["page_id"], whole["editable"], whole["has_password"]) == (0, False, False)
    assert whole["url"].endswith(f"/apps/collectives/p/{whole['token']}")
    page = await call(
        mcp, "nc_collectives_share", collective_id=collective_id, page_id=landing, editable=True, password="s3cret-pw"
    )
    assert (page["page_id"], page["editable"], page["has_password"]) == (landing, True, True)
    stored = app_of(nc_user).shares[page["token"]]
    assert (stored["editable"], stored["password"], stored["owner"]) == (True, "s3cret-pw", nc_user.id)
    again = await error_of(mcp, "nc_collectives_share", collective_id=collective_id)
    assert "exists already" in again
    listed = await call(mcp, "nc_collectives_list_shares", collective_id=collective_id)
    assert {s["token"] for s in listed["items"]} == {whole["token"], page["token"]}
    updated = await call(
        mcp,
        "nc_collectives_update_share",
        collective_id=collective_id,
        token=page["token"],
        editable=False,
        password="",
    )
    assert (updated["editable"], updated["has_password"]) == (False, False)
    assert (stored["editable"], stored["password"]) == (False, "")
    await call(mcp, "nc_collectives_unshare", collective_id=collective_id, token=whole["token"])
    await call(mcp, "nc_collectives_unshare", collective_id=collective_id, token=page["token"])
    with nc_user.raw() as raw:
        assert raw.get(f"{API}/{collective_id}/shares", headers=OCS).json()["ocs"]["data"] == []
    missing = await error_of(mcp, "nc_collectives_unshare", collective_id=collective_id, token="nope")
    assert "share 'nope'" in missing


async def test_bad_inputs_say_what_to_do(mcp: Any) -> None:
    collective_id, landing = await new_collective(mcp)
    assert "must not be empty" in await error_of(mcp, "collectives_create_collective", name="  ")
    assert "must not be empty" in await error_of(
        mcp, "collectives_create_page", collective_id=collective_id, parent_id=landing, title=" "
    )
    assert "give a new parent_id" in await error_of(
        mcp, "collectives_move_page", collective_id=collective_id, page_id=landing
    )
    assert "six hex digits" in await error_of(
        mcp, "collectives_create_tag", collective_id=collective_id, name="x", color="red"
    )
    assert "must not be empty" in await error_of(mcp, "collectives_search_pages", collective_id=collective_id, query="")
    moved = await error_of(mcp, "collectives_move_page", collective_id=collective_id, page_id=landing, title="X")
    assert "Not allowed to move or copy landing page" in moved
    missing = await error_of(mcp, "collectives_get_page", collective_id=collective_id, page_id=987654321)
    assert "page 987654321" in missing
    assert "collective 987654" in await error_of(mcp, "collectives_get_pages", collective_id=987654)


async def test_a_non_member_is_refused_and_a_reader_may_not_edit(mcp: Any, nc_user: NcUser, stranger: NcUser) -> None:
    collective_id, landing = await new_collective(mcp)
    await call(
        mcp, "collectives_create_page", collective_id=collective_id, parent_id=landing, title="Secret", content="x"
    )
    with own_server(stranger) as url:
        async with Client(url) as theirs:
            listed = await call(theirs, "collectives_get_collectives")
            assert collective_id not in [c["id"] for c in listed["items"]]
            for name, args in [
                ("collectives_get_pages", {}),
                ("collectives_get_page", {"page_id": landing}),
                ("collectives_create_page", {"parent_id": landing, "title": "Mine"}),
                ("collectives_trash_collective", {}),
            ]:
                message = await error_of(theirs, name, collective_id=collective_id, **args)
                assert "does not exist" in message, message
                assert f"Collective not found: {collective_id}" in message, message
            app_of(nc_user).add_member(collective_id, stranger.id)
            app_of(nc_user).collectives[collective_id].edit_level = 4  # moderators and up may edit
            readable = await call(theirs, "collectives_get_page", collective_id=collective_id, page_id=landing)
            assert readable["page"]["id"] == landing
            edit = await error_of(
                theirs, "collectives_create_page", collective_id=collective_id, parent_id=landing, title="Mine"
            )
            assert "Not allowed to edit collective" in edit
            trash = await error_of(theirs, "collectives_trash_collective", collective_id=collective_id)
            assert "not allowed to delete collective" in trash
            app_of(nc_user).collectives[collective_id].edit_level = 1  # members edit: through their own files
            secret = next(p["id"] for p in raw_pages(nc_user, collective_id).values() if p["title"] == "Secret")
            await call(theirs, "nc_collectives_update_page", collective_id=collective_id, page_id=secret, content="y")
            assert file_of(nc_user, collective_id, secret) == "y"
    assert {p["title"] for p in raw_pages(nc_user, collective_id).values()} == {
        app_of(nc_user).collectives[collective_id].name,
        "Secret",
    }


async def test_collective_settings_are_set_by_name_and_bind_members(
    mcp: Any, nc_user: NcUser, stranger: NcUser
) -> None:
    collective_id, landing = await new_collective(mcp)
    made = (await call(mcp, "collectives_get_collectives"))["items"]
    fresh = next(c for c in made if c["id"] == collective_id)
    assert (fresh["edit_level"], fresh["share_level"], fresh["page_mode"]) == ("members", "members", "view")
    done = await call(
        mcp, "nc_collectives_update_collective_settings", collective_id=collective_id,
        edit_level="moderators", share_level="admins", page_mode="edit",
    )  # fmt: skip
    assert (done["collective"]["edit_level"], done["collective"]["share_level"]) == ("moderators", "admins")
    assert done["collective"]["page_mode"] == "edit"
    stored = app_of(nc_user).collectives[collective_id]
    assert (stored.edit_level, stored.share_level, stored.page_mode) == (4, 8, 1)
    with nc_user.raw() as raw:
        listed = raw.get(API, headers=OCS).json()["ocs"]["data"]["collectives"]
    mine = next(c for c in listed if c["id"] == collective_id)
    assert (mine["editPermissionLevel"], mine["sharePermissionLevel"], mine["pageMode"]) == (4, 8, 1)
    assert "give edit_level, share_level or page_mode" in await error_of(
        mcp, "nc_collectives_update_collective_settings", collective_id=collective_id
    )
    app_of(nc_user).add_member(collective_id, stranger.id)  # a plain member: may neither edit nor change settings
    with own_server(stranger) as url:
        async with Client(url) as theirs:
            refused = await error_of(
                theirs, "nc_collectives_update_collective_settings", collective_id=collective_id, edit_level="members"
            )
            assert f"not allowed to update collective: {collective_id}" in refused
            edit = await error_of(
                theirs, "collectives_create_page", collective_id=collective_id, parent_id=landing, title="Mine"
            )
            assert "Not allowed to edit collective" in edit
    assert stored.edit_level == 4
    await call(mcp, "nc_collectives_update_collective_settings", collective_id=collective_id, edit_level="members")
    assert (stored.edit_level, stored.share_level, stored.page_mode) == (1, 8, 1)


async def test_full_width_and_subpage_order(mcp: Any, nc_user: NcUser) -> None:
    collective_id, landing = await new_collective(mcp)
    ids = []
    for title in ("One", "Two", "Three"):
        made = await call(mcp, "collectives_create_page", collective_id=collective_id, parent_id=landing, title=title)
        ids.append(made["page"]["id"])
    newest_first = raw_pages(nc_user, collective_id)[landing]["subpageOrder"]
    assert newest_first == ids[::-1]  # Collectives puts a new page first
    ordered = await call(
        mcp, "nc_collectives_set_subpage_order", collective_id=collective_id, page_id=landing, subpage_ids=ids
    )
    assert ordered["page"]["subpage_order"] == ids
    assert raw_pages(nc_user, collective_id)[landing]["subpageOrder"] == ids
    listed = await call(mcp, "collectives_get_pages", collective_id=collective_id)
    assert next(p for p in listed["items"] if p["id"] == landing)["subpage_order"] == ids
    stray = await error_of(
        mcp, "nc_collectives_set_subpage_order", collective_id=collective_id, page_id=ids[0], subpage_ids=[landing]
    )
    assert f"[{landing}] are not subpages of page {ids[0]}" in stray
    twice = await error_of(
        mcp, "nc_collectives_set_subpage_order", collective_id=collective_id, page_id=landing, subpage_ids=[ids[0]] * 2
    )
    assert "give each subpage once" in twice

    wide = await call(mcp, "nc_collectives_set_page_full_width", collective_id=collective_id, page_id=ids[1])
    assert wide["page"]["full_width"] is True
    assert raw_pages(nc_user, collective_id)[ids[1]]["isFullWidth"] is True
    narrow = await call(
        mcp, "nc_collectives_set_page_full_width", collective_id=collective_id, page_id=ids[1], full_width=False
    )
    assert narrow["page"]["full_width"] is False
    assert raw_pages(nc_user, collective_id)[ids[1]]["isFullWidth"] is False
    missing = await error_of(mcp, "nc_collectives_set_page_full_width", collective_id=collective_id, page_id=987654321)
    assert "page 987654321" in missing


async def test_a_page_moves_and_copies_to_another_collective(mcp: Any, nc_user: NcUser) -> None:
    source, source_landing = await new_collective(mcp)
    target, target_landing = await new_collective(mcp)
    page = await call(
        mcp, "collectives_create_page", collective_id=source, parent_id=source_landing, title="Travel", content="Go."
    )
    page_id = page["page"]["id"]
    await call(mcp, "collectives_create_page", collective_id=source, parent_id=page_id, title="Packing")
    await call(mcp, "collectives_set_page_emoji", collective_id=source, page_id=page_id, emoji="🧳")
    copied = await call(
        mcp, "nc_collectives_move_page_to_collective", collective_id=source, page_id=page_id,
        target_collective_id=target, copy=True,
    )  # fmt: skip
    copy_id = copied["page"]["id"]
    assert copy_id != page_id
    assert (copied["page"]["title"], copied["page"]["parent_id"], copied["page"]["emoji"]) == (
        "Travel",
        target_landing,
        "🧳",
    )
    there = raw_pages(nc_user, target)
    assert {p["title"] for p in there.values() if p["parentId"] == copy_id} == {"Packing"}  # subpages came along
    assert file_of(nc_user, target, copy_id) == "Go."
    assert page_id in raw_pages(nc_user, source)  # a copy leaves the page

    sub = await call(mcp, "collectives_create_page", collective_id=target, parent_id=target_landing, title="Trips")
    moved = await call(
        mcp, "nc_collectives_move_page_to_collective", collective_id=source, page_id=page_id,
        target_collective_id=target, parent_id=sub["page"]["id"],
    )  # fmt: skip
    assert (moved["page"]["id"], moved["page"]["parent_id"]) == (page_id, sub["page"]["id"])
    assert page_id not in raw_pages(nc_user, source)
    assert raw_pages(nc_user, target)[page_id]["parentId"] == sub["page"]["id"]
    assert file_of(nc_user, target, page_id) == "Go."
    same = await error_of(
        mcp, "nc_collectives_move_page_to_collective", collective_id=target, page_id=page_id,
        target_collective_id=target,
    )  # fmt: skip
    assert "give another collective" in same
    landing = await error_of(
        mcp, "nc_collectives_move_page_to_collective", collective_id=source, page_id=source_landing,
        target_collective_id=target,
    )  # fmt: skip
    assert "Not allowed to move or copy landing page" in landing
    nowhere = await error_of(
        mcp, "nc_collectives_move_page_to_collective", collective_id=target, page_id=page_id,
        target_collective_id=987654,
    )  # fmt: skip
    assert "Collective not found: 987654" in nowhere


async def test_page_templates_are_made_edited_used_and_deleted(mcp: Any, nc_user: NcUser) -> None:
    collective_id, landing = await new_collective(mcp)
    assert (await call(mcp, "nc_collectives_list_templates", collective_id=collective_id))["items"] == []
    made = await call(
        mcp, "nc_collectives_create_template", collective_id=collective_id, title="Meeting", content="## Agenda\n- "
    )
    template_id = made["page"]["id"]
    folder = app_of(nc_user).collectives[collective_id].folder / ".templates"
    assert (folder / "Meeting.md").read_text() == "## Agenda\n- "
    nested = await call(
        mcp, "nc_collectives_create_template", collective_id=collective_id, title="Retro", parent_id=template_id
    )
    assert nested["page"]["parent_id"] == template_id
    listed = await call(mcp, "nc_collectives_list_templates", collective_id=collective_id)
    assert {(t["title"], t["parent_id"]) for t in listed["items"]} >= {("Meeting", made["page"]["parent_id"])}
    assert {t["id"] for t in listed["items"]} == {template_id, nested["page"]["id"]}
    assert template_id not in raw_pages(nc_user, collective_id)  # templates are not pages of the tree

    updated = await call(
        mcp, "nc_collectives_update_template", collective_id=collective_id, template_id=template_id,
        title="Weekly", content="## Agenda\n## Notes", emoji="🗓",
    )  # fmt: skip
    assert (updated["page"]["title"], updated["page"]["emoji"]) == ("Weekly", "🗓")
    assert (folder / "Weekly" / "Readme.md").read_text() == "## Agenda\n## Notes"  # it has a nested template
    only_content = await call(
        mcp, "nc_collectives_update_template", collective_id=collective_id, template_id=template_id, content="X"
    )
    assert only_content["page"]["title"] == "Weekly"
    assert (folder / "Weekly" / "Readme.md").read_text() == "X"
    cleared = await call(
        mcp, "nc_collectives_update_template", collective_id=collective_id, template_id=template_id, emoji=""
    )
    assert cleared["page"]["emoji"] is None

    page = await call(
        mcp, "collectives_create_page", collective_id=collective_id, parent_id=landing, title="Week 1",
        template_id=template_id,
    )  # fmt: skip
    assert page["content"] == "X"
    assert file_of(nc_user, collective_id, page["page"]["id"]) == "X"
    assert {p["title"] for p in raw_pages(nc_user, collective_id).values() if p["parentId"] == page["page"]["id"]} == {
        "Retro"
    }  # the nested template came along as a subpage
    both = await error_of(
        mcp, "collectives_create_page", collective_id=collective_id, parent_id=landing, title="Y",
        template_id=template_id, content="x",
    )  # fmt: skip
    assert "either content or template_id" in both
    not_template = await error_of(
        mcp, "collectives_create_page", collective_id=collective_id, parent_id=landing, title="Y",
        template_id=page["page"]["id"],
    )  # fmt: skip
    assert f"Template {page['page']['id']} not found" in not_template
    assert "give title, content or emoji" in await error_of(
        mcp, "nc_collectives_update_template", collective_id=collective_id, template_id=template_id
    )
    assert "must not be empty" in await error_of(
        mcp, "nc_collectives_create_template", collective_id=collective_id, title=" "
    )
    assert "collective 987654" in await error_of(mcp, "nc_collectives_list_templates", collective_id=987654)

    deleted = await call(mcp, "nc_collectives_delete_template", collective_id=collective_id, template_id=template_id)
    assert deleted["id"] == template_id
    assert not (folder / "Weekly").exists()
    assert (await call(mcp, "nc_collectives_list_templates", collective_id=collective_id))["items"] == []
    assert "template 987654321" in await error_of(
        mcp, "nc_collectives_delete_template", collective_id=collective_id, template_id=987654321
    )


async def test_attachments_are_renamed_and_restored(mcp: Any, nc_user: NcUser) -> None:
    collective_id, landing = await new_collective(mcp)
    data = base64.b64encode(b"plan").decode()
    first = await call(
        mcp, "nc_collectives_upload_attachment", collective_id=collective_id, page_id=landing,
        filename="plan.txt", content_base64=data,
    )  # fmt: skip
    other = await call(
        mcp, "nc_collectives_upload_attachment", collective_id=collective_id, page_id=landing,
        filename="other.txt", content_base64=data,
    )  # fmt: skip
    folder = app_of(nc_user).page_file(collective_id, landing).parent / f".attachments.{landing}"
    renamed = await call(
        mcp, "nc_collectives_rename_attachment", collective_id=collective_id, page_id=landing,
        attachment_id=first["id"], name="roadmap.txt",
    )  # fmt: skip
    assert (renamed["id"], renamed["name"]) == (first["id"], "roadmap.txt")
    assert sorted(p.name for p in folder.iterdir()) == ["other.txt", "roadmap.txt"]
    taken = await error_of(
        mcp, "nc_collectives_rename_attachment", collective_id=collective_id, page_id=landing,
        attachment_id=first["id"], name="other.txt",
    )  # fmt: skip
    assert "'other.txt' is taken" in taken
    assert "plain file name" in await error_of(
        mcp, "nc_collectives_rename_attachment", collective_id=collective_id, page_id=landing,
        attachment_id=first["id"], name="a/b.txt",
    )  # fmt: skip

    await call(
        mcp, "nc_collectives_delete_attachment", collective_id=collective_id, page_id=landing, attachment_id=first["id"]
    )
    assert not (folder / "roadmap.txt").exists()
    restored = await call(
        mcp,
        "nc_collectives_restore_attachment",
        collective_id=collective_id,
        page_id=landing,
        attachment_id=first["id"],
    )
    assert (restored["id"], restored["name"]) == (first["id"], "roadmap.txt")
    assert (folder / "roadmap.txt").read_bytes() == b"plan"
    again = await error_of(
        mcp,
        "nc_collectives_restore_attachment",
        collective_id=collective_id,
        page_id=landing,
        attachment_id=other["id"],
    )
    assert "Not found in trash for page attachments" in again


async def test_switching_the_app_off_hides_the_toolset(standin: StandInHandle) -> None:
    user = standin.add_user(unique("ucollectives-gated"), "pw-gated-1")
    with own_server(user, capabilities_ttl=0) as url:
        async with Client(url) as client:
            before = {t.name for t in (await client.list_tools()).tools}
            standin.app.set_app_enabled(user.id, "collectives", False)
            try:
                without = {t.name for t in (await client.list_tools()).tools}
                refused = await client.call_tool("collectives_get_collectives", {})
            finally:
                standin.app.set_app_enabled(user.id, "collectives", True)
            again = {t.name for t in (await client.list_tools()).tools}
    tools = {n for n in before if n.startswith(("collectives_", "nc_collectives_"))}
    assert len(tools) == 42
    assert tools.isdisjoint(without)
    assert "nc_status_get" in without
    assert refused.is_error
    assert "needs the Nextcloud app 'Collectives' (collectives)" in refused.content[0].text
    assert tools <= again
