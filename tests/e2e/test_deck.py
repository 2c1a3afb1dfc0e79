"""Deck end to end through the real MCP client: boards, stacks, cards, labels, assignees and
comments made through the tools and checked on the stand-in's Deck (tests/standin/apps/deck.py);
a board shared read-only refuses edits; a 200-card board's overview stays small."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from mcp import Client

from tests.conftest import NcUser, StandInHandle
from tests.e2e.helpers import call, error_of, own_server, unique

pytestmark = pytest.mark.anyio


def deck_of(user: NcUser) -> Any:
    return user.standin.app.services["deck"]


@pytest.fixture(scope="module")
def bob(standin: StandInHandle) -> NcUser:
    return standin.add_user("udeck-bob", "pw-deck-bob-1")


def board_with_stacks(user: NcUser, *titles: str) -> tuple[Any, list[Any]]:
    deck = deck_of(user)
    board = deck.add_board(user.id, unique("Board"))
    return board, [deck.add_stack(board.id, title, order) for order, title in enumerate(titles)]


def label_named(user: NcUser, board_id: int, title: str) -> Any:
    return next(lab for lab in deck_of(user).labels.values() if lab.board_id == board_id and lab.title == title)


async def test_a_deck_workflow_from_board_to_overview(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    deck = deck_of(nc_user)
    title = unique("Launch")
    board = await call(mcp, "deck_create_board", title=title, color="#31CC7C")
    assert [lab["title"] for lab in board["labels"]] == ["Finished", "To review", "Action needed", "Later"]
    stored = deck.boards[board["id"]]
    assert (stored.title, stored.color, stored.owner) == (title, "31CC7C", nc_user.id)
    assert set(board["permissions"]) == {"read", "edit", "manage", "share"}

    done = await call(mcp, "deck_create_stack", board_id=board["id"], title="Done", order=2)
    todo = await call(mcp, "deck_create_stack", board_id=board["id"], title="To do", order=0)
    doing = await call(mcp, "deck_create_stack", board_id=board["id"], title="Doing", order=1)
    stacks = await call(mcp, "deck_get_stacks", board_id=board["id"])
    assert [s["title"] for s in stacks["stacks"]] == ["To do", "Doing", "Done"]  # Deck orders by `order`

    first = await call(
        mcp,
        "deck_create_card",
        board_id=board["id"],
        stack_id=todo["id"],
        title="Write plan",
        description="## Plan\nAll the steps.",
        duedate="2026-06-01T17:00:00+00:00",
        order=0,
    )
    second = await call(mcp, "deck_create_card", board_id=board["id"], stack_id=todo["id"], title="Book room", order=1)
    card = deck.cards[first["id"]]
    assert (card.title, card.description, card.stack_id) == ("Write plan", "## Plan\nAll the steps.", todo["id"])
    assert first["duedate"].startswith("2026-06-01T17:00:00")

    await call(mcp, "nc_deck_share_board", board_id=board["id"], user_id=bob.id, edit=True)
    assigned = await call(
        mcp, "deck_assign_user_to_card", board_id=board["id"], stack_id=todo["id"], card_id=first["id"], user_id=bob.id
    )
    assert assigned["assignees"] == [bob.id]
    assert [uid for _, uid in card.assigned] == [bob.id]
    later = label_named(nc_user, board["id"], "Later")
    labelled = await call(
        mcp,
        "deck_assign_label_to_card",
        board_id=board["id"],
        stack_id=todo["id"],
        card_id=first["id"],
        label_id=later.id,
    )
    assert labelled["labels"] == ["Later"]
    assert card.labels == [later.id]

    moved = await call(
        mcp,
        "deck_reorder_card",
        board_id=board["id"],
        stack_id=todo["id"],
        card_id=second["id"],
        order=0,
        target_stack_id=doing["id"],
    )
    assert moved["card"]["stack_id"] == doing["id"]
    assert deck.cards[second["id"]].stack_id == doing["id"]

    comment = await call(mcp, "deck_create_card_comment", card_id=first["id"], message=f"Ping @{bob.id}")
    assert [c.message for c in deck.comments.values() if c.card_id == first["id"]] == [f"Ping @{bob.id}"]
    assert comment["author"] == nc_user.id

    other = await call(mcp, "deck_create_board", title=unique("Archive"), color="317CCC")
    inbox = await call(mcp, "deck_create_stack", board_id=other["id"], title="Inbox", order=0)
    transferred = await call(
        mcp,
        "deck_move_card_to_board",
        source_board_id=board["id"],
        source_stack_id=todo["id"],
        card_id=first["id"],
        target_board_id=other["id"],
        target_stack_id=inbox["id"],
    )
    assert card.stack_id == inbox["id"]
    assert [lab["title"] for lab in transferred["labels"]] == ["Later"]  # matched by title on the new board
    assert card.labels == [label_named(nc_user, other["id"], "Later").id]
    assert transferred["description"] == "## Plan\nAll the steps."  # the rest of the card kept

    archived = await call(mcp, "deck_archive_card", board_id=board["id"], stack_id=doing["id"], card_id=second["id"])
    assert archived["archived"] is True
    assert deck.cards[second["id"]].archived

    overview = await call(mcp, "deck_get_board_overview", board_id=other["id"])
    assert overview["board"]["title"] == other["title"]
    [stack] = overview["stacks"]
    [summary] = stack["cards"]
    assert summary == {
        "id": first["id"],
        "title": "Write plan",
        "labels": ["Later"],
        "assignees": [bob.id],
        "due": transferred["duedate"],
        "preview": "## Plan All the steps.",
    }
    empty = await call(mcp, "deck_get_board_overview", board_id=board["id"])
    assert [len(s["cards"]) for s in empty["stacks"]] == [0, 0, 0]  # the archived card is not open
    shelved = await call(mcp, "deck_get_board_overview", board_id=board["id"], status="archived")
    assert [c["id"] for s in shelved["stacks"] for c in s["cards"]] == [second["id"]]
    assert done["title"] == "Done"


async def test_stack_reads_updates_and_deletes(mcp: Any, nc_user: NcUser) -> None:
    board, (todo, doing) = board_with_stacks(nc_user, "To do", "Doing")
    deck = deck_of(nc_user)
    deck.add_card(todo.id, "One", nc_user.id, 0, "first")
    renamed = await call(mcp, "deck_update_stack", board_id=board.id, stack_id=doing.id, title="In progress")
    assert (renamed["title"], renamed["order"]) == ("In progress", 1)
    moved = await call(mcp, "deck_update_stack", board_id=board.id, stack_id=doing.id, order=0)
    assert (deck.stacks[doing.id].title, deck.stacks[doing.id].order) == ("In progress", 0)
    assert moved["order"] == 0
    one = await call(mcp, "deck_get_stack", board_id=board.id, stack_id=todo.id)
    assert [c["title"] for c in one["cards"]] == ["One"]
    bare = await call(mcp, "deck_get_stacks", board_id=board.id, include_cards=False)
    assert [s["cards"] for s in bare["stacks"]] == [[], []]
    await call(mcp, "deck_delete_stack", board_id=board.id, stack_id=doing.id)
    assert deck.stacks[doing.id].deleted_at
    left = await call(mcp, "deck_get_stacks", board_id=board.id)
    assert [s["id"] for s in left["stacks"]] == [todo.id]


async def test_card_reads_filters_updates_and_deletes(mcp: Any, nc_user: NcUser) -> None:
    board, (todo,) = board_with_stacks(nc_user, "To do")
    deck = deck_of(nc_user)
    a = deck.add_card(todo.id, "Alpha", nc_user.id, 0, "x" * 300)
    b = deck.add_card(todo.id, "Beta", nc_user.id, 1)
    later = label_named(nc_user, board.id, "Later")
    b.labels.append(later.id)
    listed = await call(mcp, "deck_get_cards", board_id=board.id, stack_id=todo.id, description_preview_length=10)
    assert [c["title"] for c in listed["items"]] == ["Alpha", "Beta"]
    assert listed["items"][0]["preview"] == "x" * 10 + "…"
    full = await call(mcp, "deck_get_cards", board_id=board.id, stack_id=todo.id, detail="full")
    assert full["items"][0]["description"] == "x" * 300
    only = await call(mcp, "deck_get_cards", board_id=board.id, stack_id=todo.id, label="Later")
    assert [c["id"] for c in only["items"]] == [b.id]

    updated = await call(
        mcp, "deck_update_card", board_id=board.id, stack_id=todo.id, card_id=a.id, title="Alpha 2", done=True
    )
    assert (a.title, a.description) == ("Alpha 2", "x" * 300)  # Deck's PUT replaces all: the rest was sent back
    assert a.done is not None
    assert updated["done"]
    assert [c["id"] for c in (await call(mcp, "deck_get_cards", board_id=board.id, stack_id=todo.id))["items"]] == [
        b.id
    ]
    done = await call(mcp, "deck_get_cards", board_id=board.id, stack_id=todo.id, status="done")
    assert [c["id"] for c in done["items"]] == [a.id]
    assert done["items"][0]["done"] is True
    await call(mcp, "deck_update_card", board_id=board.id, stack_id=todo.id, card_id=a.id, done=False, duedate="")
    assert a.done is None
    assert a.duedate is None
    got = await call(mcp, "deck_get_card", board_id=board.id, stack_id=todo.id, card_id=a.id)
    assert (got["title"], got["owner"], got["etag"]) == ("Alpha 2", nc_user.id, deck.card_json(a)["ETag"])

    await call(mcp, "deck_archive_card", board_id=board.id, stack_id=todo.id, card_id=b.id)
    shelved = await call(mcp, "deck_get_archived_stacks", board_id=board.id)
    assert [c["id"] for c in shelved["stacks"][0]["cards"]] == [b.id]
    message = await error_of(mcp, "deck_update_card", board_id=board.id, stack_id=todo.id, card_id=b.id, title="X")
    assert "This card is archived" in message
    back = await call(mcp, "deck_unarchive_card", board_id=board.id, stack_id=todo.id, card_id=b.id)
    assert "archived" not in back
    assert not b.archived
    await call(mcp, "deck_remove_label_from_card", board_id=board.id, stack_id=todo.id, card_id=b.id, label_id=later.id)
    assert b.labels == []
    await call(mcp, "deck_delete_card", board_id=board.id, stack_id=todo.id, card_id=b.id)
    assert b.deleted_at


async def test_reorder_puts_the_card_at_its_position_and_renumbers(mcp: Any, nc_user: NcUser) -> None:
    board, (todo,) = board_with_stacks(nc_user, "To do")
    deck = deck_of(nc_user)
    cards = [deck.add_card(todo.id, f"C{i}", nc_user.id, i) for i in range(4)]
    result = await call(
        mcp,
        "deck_reorder_card",
        board_id=board.id,
        stack_id=todo.id,
        card_id=cards[3].id,
        order=1,
        target_stack_id=todo.id,
    )
    assert [c["title"] for c in result["stack"]] == ["C0", "C3", "C1", "C2"]
    assert [c.order for c in cards] == [0, 2, 3, 1]


async def test_labels_and_boards(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    board, (todo,) = board_with_stacks(nc_user, "To do")
    created = await call(mcp, "deck_create_label", board_id=board.id, title="Urgent", color="FF0000")
    assert deck_of(nc_user).labels[created["id"]].title == "Urgent"
    one = await call(mcp, "deck_get_label", board_id=board.id, label_id=created["id"])
    assert one == {"id": created["id"], "title": "Urgent", "color": "FF0000"}
    recolored = await call(mcp, "deck_update_label", board_id=board.id, label_id=created["id"], color="00FF00")
    assert (recolored["title"], deck_of(nc_user).labels[created["id"]].color) == ("Urgent", "00FF00")
    labels = await call(mcp, "deck_get_labels", board_id=board.id)
    assert [lab["title"] for lab in labels["labels"]][-1] == "Urgent"
    await call(mcp, "deck_delete_label", board_id=board.id, label_id=created["id"])
    assert created["id"] not in deck_of(nc_user).labels

    boards = await call(mcp, "deck_get_boards", limit=500)
    assert board.id in [b["id"] for b in boards["items"]]
    card = deck_of(nc_user).add_card(todo.id, "Task", nc_user.id)
    card.assigned.append((999999, nc_user.id))
    await call(
        mcp, "deck_unassign_user_from_card", board_id=board.id, stack_id=todo.id, card_id=card.id, user_id=nc_user.id
    )
    assert card.assigned == []
    shared = await call(mcp, "nc_deck_share_board", board_id=board.id, user_id=bob.id)
    assert (shared["user"], shared["edit"]) == (bob.id, False)
    detail = await call(mcp, "deck_get_board", board_id=board.id)
    assert [s["user"] for s in detail["shares"]] == [bob.id]
    assert {m["uid"] for m in detail["members"]} == {nc_user.id, bob.id}


async def test_comments_are_listed_newest_first_edited_and_deleted(mcp: Any, nc_user: NcUser) -> None:
    _, (todo,) = board_with_stacks(nc_user, "To do")
    card = deck_of(nc_user).add_card(todo.id, "Discuss", nc_user.id)
    first = await call(mcp, "deck_create_card_comment", card_id=card.id, message="First")
    reply = await call(mcp, "deck_create_card_comment", card_id=card.id, message="Second", parent_id=first["id"])
    assert reply["reply_to"] == first["id"]
    page = await call(mcp, "deck_get_card_comments", card_id=card.id, limit=1)
    assert [c["message"] for c in page["items"]] == ["Second"]
    assert page["next_offset"] == 1
    edited = await call(mcp, "deck_update_card_comment", card_id=card.id, comment_id=first["id"], message="First!")
    assert edited["message"] == "First!" == deck_of(nc_user).comments[first["id"]].message
    await call(mcp, "deck_delete_card_comment", card_id=card.id, comment_id=first["id"])
    assert first["id"] not in deck_of(nc_user).comments


async def test_a_board_shared_read_only_refuses_edits_in_words(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    deck = deck_of(nc_user)
    board = deck.add_board(bob.id, unique("Bobs"))
    stack = deck.add_stack(board.id, "Bob's stack", 0)
    card = deck.add_card(stack.id, "Bob's card", bob.id)
    deck.share(board.id, nc_user.id)  # read only
    seen = await call(mcp, "deck_get_board_overview", board_id=board.id)
    assert [c["title"] for c in seen["stacks"][0]["cards"]] == ["Bob's card"]
    assert seen["board"]["can_edit"] is False
    for tool, arguments in [
        ("deck_update_card", {"card_id": card.id, "title": "Mine now"}),
        ("deck_create_card", {"title": "Sneaky"}),
        ("deck_archive_card", {"card_id": card.id}),
        ("deck_delete_card", {"card_id": card.id}),
    ]:
        message = await error_of(mcp, tool, board_id=board.id, stack_id=stack.id, **arguments)
        assert "HTTP 403" in message, message
        assert "you lack permission" in message, message
        assert "Permission denied" in message, message
    assert (card.title, card.archived, card.deleted_at) == ("Bob's card", False, 0)
    assert [c.title for c in deck.cards.values() if c.stack_id == stack.id] == ["Bob's card"]


async def test_a_foreign_or_missing_board_is_not_shown(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    foreign = deck_of(nc_user).add_board(bob.id, unique("Private"))
    denied = await error_of(mcp, "deck_get_board_overview", board_id=foreign.id)
    assert "HTTP 403" in denied
    assert foreign.title not in denied
    missing = await error_of(mcp, "deck_get_board", board_id=987654321)
    assert "HTTP 404" in missing
    assert "board 987654321" in missing


async def test_bad_inputs_are_refused_with_what_to_do(mcp: Any, nc_user: NcUser) -> None:
    board, (todo,) = board_with_stacks(nc_user, "To do")
    other, (elsewhere,) = board_with_stacks(nc_user, "Other")
    card = deck_of(nc_user).add_card(todo.id, "Card", nc_user.id)
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("deck_create_board", {"title": " ", "color": "ff0000"}, "title"),
        ("deck_create_board", {"title": "x", "color": "red"}, "color"),
        ("deck_create_board", {"title": "x" * 101, "color": "ff0000"}, "Deck allows 100"),
        ("deck_create_stack", {"board_id": board.id, "title": "", "order": 0}, "title"),
        ("deck_update_stack", {"board_id": board.id, "stack_id": todo.id}, "at least one"),
        ("deck_create_card", {"board_id": board.id, "stack_id": todo.id, "title": "x", "duedate": "soon"}, "duedate"),
        ("deck_update_card", {"board_id": board.id, "stack_id": todo.id, "card_id": card.id}, "at least one"),
        ("deck_update_card", {"board_id": board.id, "stack_id": todo.id, "card_id": card.id, "owner": ""}, "owner"),
        (
            "deck_reorder_card",
            {
                "board_id": board.id,
                "stack_id": todo.id,
                "card_id": card.id,
                "order": 0,
                "target_stack_id": elsewhere.id,
            },
            "deck_move_card_to_board",
        ),
        (
            "deck_move_card_to_board",
            {
                "source_board_id": board.id,
                "source_stack_id": todo.id,
                "card_id": card.id,
                "target_board_id": other.id,
                "target_stack_id": todo.id,
            },
            "target_stack_id",
        ),
        ("deck_create_label", {"board_id": board.id, "title": "L", "color": "#12"}, "color"),
        ("deck_update_label", {"board_id": board.id, "label_id": 1}, "at least one"),
        (
            "deck_assign_user_to_card",
            {"board_id": board.id, "stack_id": todo.id, "card_id": card.id, "user_id": " "},
            "user_id",
        ),
        (
            "deck_unassign_user_from_card",
            {"board_id": board.id, "stack_id": todo.id, "card_id": card.id, "user_id": ""},
            "user_id",
        ),
        ("nc_deck_share_board", {"board_id": board.id, "user_id": ""}, "user_id"),
        ("deck_create_card_comment", {"card_id": card.id, "message": "  "}, "message"),
        ("deck_create_card_comment", {"card_id": card.id, "message": "x" * 1001}, "1000"),
        ("deck_update_card_comment", {"card_id": card.id, "comment_id": 1, "message": ""}, "message"),
        ("deck_get_board", {"board_id": 0}, "board_id"),
    ]
    for tool, arguments, expected in cases:
        message = await error_of(mcp, tool, **arguments)
        assert expected in message, (tool, message)
    assert card.title == "Card"
    assert card.stack_id == todo.id
    refused = await error_of(
        mcp, "deck_assign_user_to_card", board_id=board.id, stack_id=todo.id, card_id=card.id, user_id="nobody-at-all"
    )
    assert "The user is not part of the board" in refused
    gone = await error_of(mcp, "deck_get_label", board_id=board.id, label_id=987654)
    assert "HTTP 404" in gone
    assert "label 987654" in gone
    not_yours = await error_of(mcp, "deck_delete_card_comment", card_id=card.id, comment_id=987654)
    assert "HTTP 404" in not_yours
    no_stack = await error_of(mcp, "deck_get_stack", board_id=board.id, stack_id=elsewhere.id)
    assert "HTTP 404" in no_stack or "not found" in no_stack.lower()


async def test_the_overview_of_a_200_card_board_stays_small(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    """Summary mode: every card with an 80-character preview, a label and an assignee. The bound:
    200 cards x ~190 bytes (id, a 35-character title, the preview, one label, one assignee)
    plus the board is < 40 KB (about 10k tokens); the full cards carry 600-character descriptions."""
    deck = deck_of(nc_user)
    board, stacks = board_with_stacks(nc_user, "Backlog", "Doing", "Review", "Done")
    later = label_named(nc_user, board.id, "Later")
    for i in range(200):
        card = deck.add_card(
            stacks[i % 4].id,
            f"Task {i:03d}: prepare the next step",
            nc_user.id,
            i,
            f"Step {i} of the migration: " + "details " * 75,
        )
        card.labels.append(later.id)
        card.assigned.append((100000 + i, nc_user.id))
    summary = await mcp.call_tool("deck_get_board_overview", {"board_id": board.id})
    full = await mcp.call_tool("deck_get_board_overview", {"board_id": board.id, "detail": "full"})
    summary_bytes = len(summary.content[0].text.encode())
    full_bytes = len(full.content[0].text.encode())
    assert summary.structured_content["cards_shown"] == 200
    assert sum(len(s["cards"]) for s in json.loads(summary.content[0].text)["stacks"]) == 200
    assert summary_bytes < 40_000, summary_bytes
    assert full_bytes > 4 * summary_bytes, (summary_bytes, full_bytes)


async def test_with_deck_disabled_for_the_user_the_tools_vanish(standin: StandInHandle) -> None:
    user = standin.add_user(unique("udeck-gated"), "pw-gated-1")
    with own_server(user, capabilities_ttl=0) as url:
        async with Client(url) as client:
            before = {t.name for t in (await client.list_tools()).tools}
            standin.app.set_app_enabled(user.id, "deck", False)
            try:
                without = {t.name for t in (await client.list_tools()).tools}
                refused = await client.call_tool("deck_get_boards", {})
            finally:
                standin.app.set_app_enabled(user.id, "deck", True)
            again = {t.name for t in (await client.list_tools()).tools}
    tools = {name for name in before if name.startswith(("deck_", "nc_deck_"))}
    assert {"deck_get_boards", "deck_get_board_overview", "deck_create_card", "deck_move_card_to_board"} <= tools
    assert tools.isdisjoint(without)
    assert refused.is_error
    assert "needs the Nextcloud app 'Deck' (deck)" in refused.content[0].text
    assert tools <= again


# -- board changes, deletion and shares --------------------------------------------------------
@asynccontextmanager
async def mcp_of(user: NcUser) -> AsyncIterator[Client]:
    """A second user's own MCP server and client (every toolset on)."""
    with own_server(user, capabilities_ttl=0) as url:
        async with Client(url) as client:
            yield client


def sharing_of(user: NcUser) -> Any:
    return user.standin.app.services["files_sharing"]


async def test_a_board_is_updated_deleted_and_restored(mcp: Any, nc_user: NcUser) -> None:
    deck = deck_of(nc_user)
    board, _ = board_with_stacks(nc_user, "To do")
    changed = await call(mcp, "nc_deck_update_board", board_id=board.id, title="Renamed", color="#00FF00")
    assert (board.title, board.color, board.archived) == ("Renamed", "00FF00", False)
    assert (changed["title"], changed["color"]) == ("Renamed", "00FF00")
    archived = await call(mcp, "nc_deck_update_board", board_id=board.id, archived=True)
    assert archived["archived"] is True
    assert (board.title, board.archived) == ("Renamed", True)  # the title was sent back unchanged
    await call(mcp, "nc_deck_update_board", board_id=board.id, archived=False)

    deleted = await call(mcp, "nc_deck_delete_board", board_id=board.id)
    assert "nc_deck_restore_board" in deleted["message"]
    assert board.deleted_at
    listed = await call(mcp, "deck_get_boards", limit=500)
    assert board.id not in [b["id"] for b in listed["items"]]
    gone = await error_of(mcp, "deck_get_board", board_id=board.id)
    assert "HTTP 404" in gone
    restored = await call(mcp, "nc_deck_restore_board", board_id=board.id)
    assert restored["title"] == "Renamed"
    assert board.deleted_at == 0
    assert board.id in [b["id"] for b in (await call(mcp, "deck_get_boards", limit=500))["items"]]

    await call(mcp, "nc_deck_delete_board", board_id=board.id)
    board.deleted_at -= 6 * 3600  # past Deck's trash retention: purged
    purged = await error_of(mcp, "nc_deck_restore_board", board_id=board.id)
    assert "HTTP 404" in purged
    assert board.id not in deck.boards


async def test_board_changes_refuse_bad_inputs_and_other_peoples_boards(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    board, _ = board_with_stacks(nc_user, "To do")
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("nc_deck_update_board", {"board_id": board.id}, "at least one"),
        ("nc_deck_update_board", {"board_id": board.id, "title": " "}, "title"),
        ("nc_deck_update_board", {"board_id": board.id, "color": "green"}, "color"),
        ("nc_deck_update_board_share", {"board_id": board.id, "acl_id": 1}, "at least one"),
        ("nc_deck_unshare_board", {"board_id": board.id, "acl_id": 0}, "acl_id"),
    ]
    for tool, arguments, expected in cases:
        message = await error_of(mcp, tool, **arguments)
        assert expected in message, (tool, message)
    assert board.title.startswith("Board")
    missing = await error_of(mcp, "nc_deck_update_board_share", board_id=board.id, acl_id=987654, edit=True)
    assert "share 987654 of board" in missing
    bobs = deck_of(nc_user).add_board(bob.id, unique("Bobs"))
    deck_of(nc_user).share(bobs.id, nc_user.id)  # read only
    for tool, arguments in [
        ("nc_deck_update_board", {"title": "Mine"}),
        ("nc_deck_delete_board", {}),
        ("nc_deck_restore_board", {}),
    ]:
        message = await error_of(mcp, tool, board_id=bobs.id, **arguments)
        assert "HTTP 403" in message, (tool, message)
    assert (bobs.title, bobs.deleted_at) == (bobs.title, 0)
    assert bobs.title.startswith("Bobs")


async def test_board_shares_are_changed_and_removed(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    deck = deck_of(nc_user)
    board, (todo,) = board_with_stacks(nc_user, "To do")
    shared = await call(mcp, "nc_deck_share_board", board_id=board.id, user_id=bob.id)
    acl = deck.acl[shared["id"]]
    raised = await call(mcp, "nc_deck_update_board_share", board_id=board.id, acl_id=acl.id, edit=True)
    assert (raised["edit"], raised["share"], raised["manage"]) == (True, False, False)
    assert (acl.edit, acl.share, acl.manage) == (True, False, False)
    await call(mcp, "nc_deck_update_board_share", board_id=board.id, acl_id=acl.id, share=True)
    assert (acl.edit, acl.share, acl.manage) == (True, True, False)  # edit kept

    card = deck.add_card(todo.id, "Bob's task", nc_user.id)
    card.assigned.append((deck._id(), bob.id))
    async with mcp_of(bob) as as_bob:
        # bob may share but not manage: Deck keeps the permissions he does not hold himself
        kept = await call(as_bob, "nc_deck_update_board_share", board_id=board.id, acl_id=acl.id, manage=True)
        assert kept["manage"] is False
        assert acl.manage is False
        refused = await error_of(as_bob, "nc_deck_unshare_board", board_id=board.id, acl_id=acl.id)
        assert "HTTP 403" in refused
    assert acl.id in deck.acl

    await call(mcp, "nc_deck_unshare_board", board_id=board.id, acl_id=acl.id)
    assert acl.id not in deck.acl
    assert card.assigned == []  # Deck drops their assignments on the board
    detail = await call(mcp, "deck_get_board", board_id=board.id)
    assert detail["shares"] == []


# -- dependent cards ---------------------------------------------------------------------------
async def test_cards_depend_on_other_cards(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    deck = deck_of(nc_user)
    board, (todo, doing) = board_with_stacks(nc_user, "To do", "Doing")
    first = deck.add_card(todo.id, "Design", nc_user.id)
    second = deck.add_card(doing.id, "Build", nc_user.id)
    ids = {"board_id": board.id, "stack_id": doing.id, "card_id": second.id}
    added = await call(mcp, "deck_assign_dependent_card", **ids, dependent_card_id=first.id)
    assert added == {"card_id": second.id, "dependent_cards": [first.id]}
    assert deck.dependencies[second.id] == [first.id]
    card = await call(mcp, "deck_get_card", **ids)
    assert card["dependent_cards"] == [first.id]
    removed = await call(mcp, "deck_remove_dependent_card", **ids, dependent_card_id=first.id)
    assert removed["dependent_cards"] == []
    assert deck.dependencies[second.id] == []

    itself = await error_of(mcp, "deck_assign_dependent_card", **ids, dependent_card_id=second.id)
    assert "dependent_card_id" in itself
    foreign = deck.add_card(deck.add_stack(deck.add_board(bob.id, unique("Bobs")).id, "S", 0).id, "Bob's", bob.id)
    hidden = await error_of(mcp, "deck_assign_dependent_card", **ids, dependent_card_id=foreign.id)
    assert "HTTP 403" in hidden
    first.archived = True
    shelved = await error_of(
        mcp, "deck_assign_dependent_card", board_id=board.id, stack_id=todo.id, card_id=first.id,
        dependent_card_id=second.id,
    )  # fmt: skip
    assert "This card is archived" in shelved
    assert deck.dependencies.get(first.id, []) == []


async def test_dependent_card_tools_need_deck_1_18(standin: StandInHandle) -> None:
    user = standin.add_user(unique("udeck-old"), "pw-old-1")
    deck = standin.app.services["deck"]
    async with mcp_of(user) as client:
        before = {t.name for t in (await client.list_tools()).tools}
        deck.version = "1.17.4"
        try:
            older = {t.name for t in (await client.list_tools()).tools}
            refused = await client.call_tool(
                "deck_assign_dependent_card", {"board_id": 1, "stack_id": 1, "card_id": 1, "dependent_card_id": 2}
            )
        finally:
            deck.version = "1.18.3"
    wanted = {"deck_assign_dependent_card", "deck_remove_dependent_card"}
    assert wanted <= before
    assert wanted.isdisjoint(older)
    assert "deck_get_card" in older
    assert refused.is_error
    assert "1.18.0 or newer" in refused.content[0].text


# -- attachments -------------------------------------------------------------------------------
async def test_files_are_attached_listed_read_and_detached(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    deck, sharing = deck_of(nc_user), sharing_of(nc_user)
    board, (todo,) = board_with_stacks(nc_user, "To do")
    card = deck.add_card(todo.id, "Spec", nc_user.id)
    name = unique("spec") + ".md"
    (nc_user.files_root / "Docs").mkdir(exist_ok=True)
    (nc_user.files_root / "Docs" / name).write_text("# The spec\n")
    (nc_user.files_root / "Docs" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(200)))
    attached = await call(mcp, "deck_attach_file", card_id=card.id, path=f"Docs/{name}")
    assert attached == {"attachment_id": attached["attachment_id"], "card_id": card.id, "path": f"/Docs/{name}"}
    share = sharing.shares[attached["attachment_id"]]
    assert (share.share_type, share.share_with, share.permissions) == (12, str(card.id), 1)
    logo = await call(mcp, "deck_attach_file", card_id=card.id, path="/Docs/logo.png")
    legacy = deck.add_deck_file(card.id, "old.eml", b"From: someone", nc_user.id)
    ids = {"board_id": board.id, "stack_id": todo.id, "card_id": card.id}

    listed = await call(mcp, "deck_list_attachments", **ids)
    by_id = {(a["type"], a["id"]): a for a in listed["items"]}
    assert by_id[("file", attached["attachment_id"])] == {
        "id": attached["attachment_id"], "type": "file", "name": name, "path": f"/Docs/{name}", "size": 11,
        "mimetype": "text/markdown", "created_by": nc_user.id,
    }  # fmt: skip
    assert by_id[("deck_file", legacy.id)]["name"] == "old.eml"
    assert len(listed["items"]) == 3
    assert deck.card_json(card)["attachmentCount"] == 3

    text = await call(mcp, "nc_deck_get_attachment", **ids, attachment_id=attached["attachment_id"])
    assert (text["encoding"], text["content"]) == ("text", "# The spec\n")
    image = await call(mcp, "nc_deck_get_attachment", **ids, attachment_id=logo["attachment_id"])
    assert image["encoding"] == "base64"
    assert base64.b64decode(image["content"]) == (nc_user.files_root / "Docs" / "logo.png").read_bytes()
    old = await call(mcp, "nc_deck_get_attachment", **ids, attachment_id=legacy.id, type="deck_file")
    assert base64.b64decode(old["content"]) == b"From: someone"

    again = await error_of(mcp, "deck_attach_file", card_id=card.id, path=f"/Docs/{name}")
    assert "Path is already shared with this card" in again
    await call(mcp, "deck_delete_attachment", **ids, attachment_id=attached["attachment_id"])
    assert attached["attachment_id"] not in sharing.shares
    assert (nc_user.files_root / "Docs" / name).read_text() == "# The spec\n"  # the file stays
    await call(mcp, "deck_delete_attachment", **ids, attachment_id=legacy.id, type="deck_file")
    assert legacy.deleted_at
    left = await call(mcp, "deck_list_attachments", **ids)
    assert {(a["type"], a.get("deleted", False)) for a in left["items"]} == {("file", False), ("deck_file", True)}


async def test_a_note_is_attached_by_its_file(mcp: Any, nc_user: NcUser) -> None:
    _, (todo,) = board_with_stacks(nc_user, "To do")
    card = deck_of(nc_user).add_card(todo.id, "Minutes", nc_user.id)
    note = await call(mcp, "nc_notes_create_note", title=unique("Minutes"), content="Agreed.", category="Meetings")
    attached = await call(mcp, "deck_attach_note", card_id=card.id, note_id=note["id"])
    assert attached["path"] == f"/Notes/Meetings/{note['title']}.md"
    share = sharing_of(nc_user).shares[attached["attachment_id"]]
    assert (share.share_with, share.rel) == (str(card.id), f"Notes/Meetings/{note['title']}.md")
    missing = await error_of(mcp, "deck_attach_note", card_id=card.id, note_id=987654321)
    assert "HTTP 404" in missing


async def test_attachment_bad_inputs_say_what_to_do(mcp: Any, nc_user: NcUser) -> None:
    board, (todo,) = board_with_stacks(nc_user, "To do")
    card = deck_of(nc_user).add_card(todo.id, "Card", nc_user.id)
    ids = {"board_id": board.id, "stack_id": todo.id, "card_id": card.id}
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("deck_attach_file", {"card_id": card.id, "path": " / "}, "path"),
        ("deck_attach_file", {"card_id": 0, "path": "/x.txt"}, "card_id"),
        ("nc_deck_get_attachment", {**ids, "attachment_id": 1, "type": "link"}, "type"),
        ("deck_delete_attachment", {**ids, "attachment_id": 0}, "attachment_id"),
    ]
    for tool, arguments, expected in cases:
        message = await error_of(mcp, tool, **arguments)
        assert expected in message, (tool, message)
    no_file = await error_of(mcp, "deck_attach_file", card_id=card.id, path="/no/such/file.txt")
    assert "HTTP 404" in no_file
    (nc_user.files_root / "loose.txt").write_text("x")
    no_card = await error_of(mcp, "deck_attach_file", card_id=987654321, path="/loose.txt")
    assert "Card not found" in no_card
    unknown = await error_of(mcp, "nc_deck_get_attachment", **ids, attachment_id=987654)
    assert "HTTP 403" in unknown
    assert "No permission to access the attachment" in unknown
    assert not [s for s in sharing_of(nc_user).shares.values() if s.share_with == str(card.id)]


async def test_a_read_only_member_reads_attachments_but_cannot_add_or_remove_them(
    mcp: Any, nc_user: NcUser, bob: NcUser
) -> None:
    deck, sharing = deck_of(nc_user), sharing_of(nc_user)
    board, (todo,) = board_with_stacks(nc_user, "To do")
    card = deck.add_card(todo.id, "Shared card", nc_user.id)
    (nc_user.files_root / "brief.txt").write_text("brief")
    attached = await call(mcp, "deck_attach_file", card_id=card.id, path="/brief.txt")
    deck.share(board.id, bob.id)  # read only
    (bob.files_root / "bobs.txt").write_text("from bob")
    ids = {"board_id": board.id, "stack_id": todo.id, "card_id": card.id}
    async with mcp_of(bob) as as_bob:
        seen = await call(as_bob, "deck_list_attachments", **ids)
        assert [(a["id"], a["name"], a.get("path")) for a in seen["items"]] == [
            (attached["attachment_id"], "brief.txt", None)  # not in bob's files
        ]
        read = await call(as_bob, "nc_deck_get_attachment", **ids, attachment_id=attached["attachment_id"])
        assert read["content"] == "brief"
        refused = await error_of(as_bob, "deck_attach_file", card_id=card.id, path="/bobs.txt")
        assert "Card not found" in refused
        kept = await error_of(as_bob, "deck_delete_attachment", **ids, attachment_id=attached["attachment_id"])
        assert "HTTP 403" in kept
    assert [s.id for s in sharing.shares.values() if s.share_with == str(card.id)] == [attached["attachment_id"]]


async def test_a_new_file_is_uploaded_to_the_deck_folder_and_shared_with_the_card(
    mcp: Any, nc_user: NcUser, bob: NcUser
) -> None:
    deck, sharing = deck_of(nc_user), sharing_of(nc_user)
    board, (todo,) = board_with_stacks(nc_user, "To do")
    card = deck.add_card(todo.id, "Upload here", nc_user.id)
    ids = {"board_id": board.id, "stack_id": todo.id, "card_id": card.id}
    name = unique("minutes") + ".md"
    minutes = "# Minutes\nÄrger: keiner\n"
    text = await call(mcp, "nc_deck_upload_attachment", **ids, filename=name, content=minutes)
    assert text == {
        "id": text["id"], "type": "file", "name": name, "path": f"/Deck/{name}", "size": len(minutes.encode()),
        "mimetype": "text/markdown", "created_by": nc_user.id,
    }  # fmt: skip
    stored = nc_user.files_root / "Deck" / name
    assert stored.read_text(encoding="utf-8") == minutes
    share = sharing.shares[text["id"]]
    assert (share.share_type, share.share_with, share.permissions, share.rel) == (12, str(card.id), 1, f"Deck/{name}")

    pixels = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    encoded = base64.b64encode(pixels).decode()
    image = await call(mcp, "nc_deck_upload_attachment", **ids, filename="logo.png", content=encoded, encoding="base64")
    again = await call(mcp, "nc_deck_upload_attachment", **ids, filename="logo.png", content=encoded, encoding="base64")
    assert (image["mimetype"], image["size"]) == ("image/png", len(pixels))
    assert again["name"] != image["name"]  # Deck keeps both: " (2)"
    assert again["path"] == f"/Deck/{again['name']}"
    assert (nc_user.files_root / "Deck" / image["name"]).read_bytes() == pixels
    assert (nc_user.files_root / "Deck" / again["name"]).read_bytes() == pixels

    with nc_user.raw() as http:  # Deck's own list (API v1.1) shows the uploads on the card
        listed = http.get(
            f"/index.php/apps/deck/api/v1.1/boards/{board.id}/stacks/{todo.id}/cards/{card.id}/attachments",
            headers={"OCS-APIRequest": "true"},
        ).json()
    assert {a["id"] for a in listed} == {text["id"], image["id"], again["id"]}
    read = await call(mcp, "nc_deck_get_attachment", **ids, attachment_id=image["id"])
    assert base64.b64decode(read["content"]) == pixels

    deck.share(board.id, bob.id)  # read only: bob sees the upload, cannot add one
    async with mcp_of(bob) as as_bob:
        seen = await call(as_bob, "deck_list_attachments", **ids)
        assert text["id"] in {a["id"] for a in seen["items"]}
        refused = await error_of(as_bob, "nc_deck_upload_attachment", **ids, filename="bob.txt", content="mine")
        assert "HTTP 403" in refused
    assert not (bob.files_root / "Deck" / "bob.txt").exists()
    assert len([s for s in sharing.shares.values() if s.share_with == str(card.id)]) == 3


async def test_upload_bad_inputs_say_what_to_do(mcp: Any, nc_user: NcUser) -> None:
    deck, sharing = deck_of(nc_user), sharing_of(nc_user)
    board, (todo,) = board_with_stacks(nc_user, "To do")
    card = deck.add_card(todo.id, "Card", nc_user.id)
    ids = {"board_id": board.id, "stack_id": todo.id, "card_id": card.id}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"filename": " ", "content": "x"}, "filename"),
        ({"filename": "a/b.txt", "content": "x"}, "filename"),
        ({"filename": "a\\b.txt", "content": "x"}, "filename"),
        ({"filename": "a\nb.txt", "content": "x"}, "filename"),
        ({"filename": "a.bin", "content": "not base64!", "encoding": "base64"}, "base64"),
        ({"filename": "a.txt", "content": "x", "encoding": "hex"}, "encoding"),
        ({"filename": "a.txt", "content": "x", "card_id": 0}, "card_id"),
    ]
    for arguments, expected in cases:
        message = await error_of(mcp, "nc_deck_upload_attachment", **{**ids, **arguments})
        assert expected in message, (arguments, message)
    refused = await error_of(mcp, "nc_deck_upload_attachment", **ids, filename=".htaccess", content="Deny")
    assert '".htaccess" is a forbidden file or folder name.' in refused
    partial = await error_of(mcp, "nc_deck_upload_attachment", **ids, filename="big.part", content="x")
    assert '".part" is a forbidden file type.' in partial
    no_card = await error_of(mcp, "nc_deck_upload_attachment", **{**ids, "card_id": 987654321}, filename="a.txt",
                             content="x")  # fmt: skip
    assert "HTTP 404" in no_card
    assert not [s for s in sharing.shares.values() if s.share_with == str(card.id)]
    assert not (nc_user.files_root / "Deck" / ".htaccess").exists()


async def test_uploads_go_to_a_folder_of_ones_own_when_deck_is_a_received_share(
    standin: StandInHandle, nc_user: NcUser, bob: NcUser
) -> None:
    """FilesAppService::create: a '/Deck' that is someone else's share is not written into."""
    carol = standin.add_user("udeck-carol", "pw-deck-carol-1")
    app, sharing = nc_user.standin.app, sharing_of(nc_user)
    (bob.files_root / "Deck").mkdir(exist_ok=True)
    with sharing._lock:
        share = sharing.create(app.users[bob.id], {"path": "/Deck", "shareType": 0, "shareWith": carol.id})
    board, (todo,) = board_with_stacks(carol, "To do")
    card = deck_of(carol).add_card(todo.id, "Card", carol.id)
    ids = {"board_id": board.id, "stack_id": todo.id, "card_id": card.id}
    try:
        assert "Deck" in sharing._mounted(carol.id)
        async with mcp_of(carol) as as_carol:
            first = await call(as_carol, "nc_deck_upload_attachment", **ids, filename="a.txt", content="one")
            second = await call(as_carol, "nc_deck_upload_attachment", **ids, filename="b.txt", content="two")
    finally:
        with sharing._lock:
            sharing.shares.pop(share.id, None)
    assert first["path"] == "/Deck (2)/a.txt"
    assert second["path"] == "/Deck (2)/b.txt"
    assert (carol.files_root / "Deck (2)" / "a.txt").read_text() == "one"
    assert list((bob.files_root / "Deck").iterdir()) == []
