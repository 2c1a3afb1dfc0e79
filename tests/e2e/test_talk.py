"""Talk end to end through the real MCP client: conversations and their settings, messages,
participants, reactions, polls, reminders, shared items, mentions, pinned messages and threads,
each effect checked on the stand-in's Talk; bob has his own MCP server for the multi-user cases
(reading "since I last read", replying, the moderator rules); gating per app and per Talk feature."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mcp import Client

from tests.conftest import NcUser, StandInHandle
from tests.e2e.helpers import call, error_of, own_server, unique
from tests.standin.apps.spreed import GROUP, MODERATOR, PUBLIC, USER, SpreedApp

pytestmark = pytest.mark.anyio


def talk(user: NcUser) -> SpreedApp:
    app: SpreedApp = user.standin.app.services["spreed"]  # type: ignore[assignment]
    return app


@pytest.fixture(scope="module")
def bob(standin: StandInHandle) -> NcUser:
    return standin.add_user("utalk-bob", "pw-utalk-bob", display_name="Bob Talk")


@pytest.fixture(scope="module")
def carol(standin: StandInHandle) -> NcUser:
    return standin.add_user("utalk-carol", "pw-utalk-carol")


@pytest.fixture(scope="module")
def bob_url(bob: NcUser) -> Iterator[str]:
    with own_server(bob, toolsets=["talk"]) as url:
        yield url


@pytest.fixture
async def bob_mcp(bob_url: str) -> AsyncIterator[Any]:
    async with Client(bob_url) as client:
        yield client


def room_with(nc_user: NcUser, *others: NcUser, name: str = "") -> Any:
    return talk(nc_user).create_room(nc_user.id, GROUP, name or unique("Room"), *(o.id for o in others))


def attendee(room: Any, user: NcUser) -> Any:
    return room.attendee(user.id)


# -- conversations --------------------------------------------------------------------------------
async def test_create_a_group_conversation_lists_and_gets_it(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    name = unique("Project")
    made = await call(mcp, "talk_create_conversation", room_name=name, invite=bob.id)
    room = talk(nc_user).room(made["token"])
    assert (room.name, room.type) == (name, GROUP)
    assert {a.actor_id for a in room.users()} == {nc_user.id, bob.id}
    assert (made["type"], made["role"], made["name"]) == ("group", "owner", name)
    listed = await call(mcp, "talk_list_conversations")
    assert made["token"] in [c["token"] for c in listed["items"]]
    got = await call(mcp, "talk_get_conversation", token=made["token"])
    assert got["name"] == name
    assert got["last_message"]["kind"] == "user_added"


async def test_one_to_one_is_found_again_and_public_is_public(mcp: Any, nc_user: NcUser, carol: NcUser) -> None:
    first = await call(mcp, "talk_create_conversation", room_type="one-to-one", invite=carol.id)
    again = await call(mcp, "talk_create_conversation", room_type="one-to-one", invite=carol.id)
    assert first["token"] == again["token"]
    assert (first["type"], first["name"]) == ("one-to-one", carol.id)
    public = await call(mcp, "talk_create_conversation", room_name=unique("Open"), room_type="public")
    assert talk(nc_user).room(public["token"]).type == 3


async def test_create_refuses_missing_names_and_unknown_people(mcp: Any) -> None:
    assert "room_name" in await error_of(mcp, "talk_create_conversation", room_type="group")
    assert "invite" in await error_of(mcp, "talk_create_conversation", room_type="one-to-one")
    unknown = await error_of(mcp, "talk_create_conversation", room_type="one-to-one", invite="nobody-at-all")
    assert "does not exist" in unknown
    assert "nobody-at-all" in unknown


async def test_list_conversations_only_since(mcp: Any, nc_user: NcUser) -> None:
    old = room_with(nc_user)
    old.last_activity = 1_000
    recent = room_with(nc_user)
    found = await call(mcp, "talk_list_conversations", modified_since=2_000, limit=500)
    tokens = [c["token"] for c in found["items"]]
    assert recent.token in tokens
    assert old.token not in tokens


async def test_update_renames_and_describes(mcp: Any, nc_user: NcUser) -> None:
    room = room_with(nc_user)
    done = await call(mcp, "nc_talk_update_conversation", token=room.token, name="Renamed", description="About it")
    assert (room.name, room.description) == ("Renamed", "About it")
    assert (done["name"], done["description"]) == ("Renamed", "About it")
    assert "at least one" in await error_of(mcp, "nc_talk_update_conversation", token=room.token)
    assert "name" in await error_of(mcp, "nc_talk_update_conversation", token=room.token, name="  ")


async def test_a_one_to_one_cannot_be_renamed(mcp: Any, carol: NcUser) -> None:
    made = await call(mcp, "talk_create_conversation", room_type="one-to-one", invite=carol.id)
    text = await error_of(mcp, "nc_talk_update_conversation", token=made["token"], name="New")
    assert "refused" in text
    assert "type" in text


async def test_only_moderators_rename(bob_mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    room = room_with(nc_user, bob, name="Kept")
    text = await error_of(bob_mcp, "nc_talk_update_conversation", token=room.token, name="Bob's")
    assert "HTTP 403" in text
    assert room.name == "Kept"


async def test_delete_conversation(mcp: Any, nc_user: NcUser) -> None:
    room = room_with(nc_user)
    await call(mcp, "nc_talk_delete_conversation", token=room.token)
    assert room.token not in talk(nc_user).rooms
    text = await error_of(mcp, "nc_talk_delete_conversation", token=room.token)
    assert f"conversation '{room.token}'" in text
    assert "does not exist" in text


async def test_leave_and_the_last_moderator_may_not(mcp: Any, bob_mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    room = room_with(nc_user, bob)
    text = await error_of(mcp, "nc_talk_leave_conversation", token=room.token)
    assert "last-moderator" in text
    await call(bob_mcp, "nc_talk_leave_conversation", token=room.token)
    assert attendee(room, bob) is None
    assert attendee(room, nc_user) is not None


async def test_a_stranger_does_not_see_a_conversation(bob_mcp: Any, nc_user: NcUser) -> None:
    room = room_with(nc_user)
    assert "does not exist" in await error_of(bob_mcp, "talk_get_conversation", token=room.token)
    assert "does not exist" in await error_of(bob_mcp, "talk_get_messages", token=room.token)


# -- messages -------------------------------------------------------------------------------------
async def test_send_a_silent_reply(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    room = room_with(nc_user, bob)
    first = talk(nc_user).post(room, bob.id, "Are you there?")
    sent = await call(mcp, "talk_send_message", token=room.token, message="Yes", reply_to=first.id, silent=True)
    stored = room.message(sent["id"])
    assert (stored.message, stored.reply_to, stored.silent, stored.actor_id) == ("Yes", first.id, True, nc_user.id)
    assert stored.reference_id
    assert sent["reply_to"] == {"id": first.id, "author": "Bob Talk", "text": "Are you there?"}
    assert attendee(room, nc_user).last_read == stored.id


async def test_send_refuses_empty_text_and_an_unknown_conversation(mcp: Any) -> None:
    assert "must not be empty" in await error_of(mcp, "talk_send_message", token="abc", message="  ")
    assert "does not exist" in await error_of(mcp, "talk_send_message", token="nosuchroom", message="Hi")


async def test_messages_page_back_with_last_known_message_id(mcp: Any, nc_user: NcUser) -> None:
    room = room_with(nc_user)
    ids = [talk(nc_user).post(room, nc_user.id, f"m{i}").id for i in range(7)]
    first = await call(mcp, "talk_get_messages", token=room.token, limit=3)
    assert [m["id"] for m in first["messages"]] == ids[-3:]
    assert first["last_known_message_id"] == ids[-3]
    second = await call(mcp, "talk_get_messages", token=room.token, limit=3,
                        last_known_message_id=first["last_known_message_id"])  # fmt: skip
    assert [m["id"] for m in second["messages"]] == ids[-6:-3]
    rest = await call(mcp, "talk_get_messages", token=room.token, limit=50, last_known_message_id=ids[1])
    assert [m["text"] for m in rest["messages"]][-1] == "m0"
    assert rest["last_known_message_id"] is None
    assert rest["messages"][0]["kind"] == "conversation_created"
    assert attendee(room, nc_user).last_read == ids[-1]  # reading history moves no marker


async def test_since_last_read_reply_and_parent_between_two_users(
    mcp: Any, bob_mcp: Any, nc_user: NcUser, bob: NcUser
) -> None:
    made = await call(mcp, "talk_create_conversation", room_name=unique("Team"), invite=bob.id)
    token = made["token"]
    room = talk(nc_user).room(token)
    talk(nc_user).post(room, bob.id, "already read")
    attendee(room, bob).last_read = room.messages[-1].id
    sent = await call(mcp, "talk_send_message", token=token, message="Report is due Friday")
    unread = await call(bob_mcp, "talk_get_messages", token=token, since_last_read=True)
    assert [m["text"] for m in unread["messages"]] == ["Report is due Friday"]
    assert attendee(room, bob).last_read == sent["id"]
    assert (await call(bob_mcp, "talk_get_messages", token=token, since_last_read=True))["messages"] == []
    reply = await call(bob_mcp, "talk_send_message", token=token, message="On it", reply_to=sent["id"])
    seen = await call(mcp, "talk_get_messages", token=token, limit=1)
    assert seen["messages"][0]["id"] == reply["id"]
    assert seen["messages"][0]["reply_to"] == {"id": sent["id"], "author": nc_user.id, "text": "Report is due Friday"}
    assert seen["messages"][0]["author_id"] == bob.id


async def test_since_last_read_pages_through_many_unread(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    room = room_with(nc_user, bob)
    attendee(room, nc_user).last_read = room.messages[-1].id
    ids = [talk(nc_user).post(room, bob.id, f"n{i}").id for i in range(5)]
    first = await call(mcp, "talk_get_messages", token=room.token, since_last_read=True, limit=3)
    assert [m["id"] for m in first["messages"]] == ids[:3]
    assert first["last_known_message_id"] == ids[2]
    assert attendee(room, nc_user).last_read == ids[2]
    rest = await call(mcp, "talk_get_messages", token=room.token, since_last_read=True, limit=3)
    assert [m["id"] for m in rest["messages"]] == ids[3:]
    assert rest["last_known_message_id"] is None
    text = await error_of(mcp, "talk_get_messages", token=room.token, since_last_read=True, last_known_message_id=3)
    assert "last_known_message_id" in text


async def test_edit_a_message_and_only_ones_own(mcp: Any, bob_mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    room = room_with(nc_user, bob)
    mine = talk(nc_user).post(room, nc_user.id, "tpyo")
    edited = await call(mcp, "nc_talk_edit_message", token=room.token, message_id=mine.id, message="typo")
    assert (mine.message, edited["text"], edited["edited"], edited["id"]) == ("typo", "typo", True, mine.id)
    assert "HTTP 403" in await error_of(bob_mcp, "nc_talk_edit_message", token=room.token, message_id=mine.id,
                                        message="bob's")  # fmt: skip
    assert "must not be empty" in await error_of(mcp, "nc_talk_edit_message", token=room.token, message_id=mine.id,
                                                 message=" ")  # fmt: skip
    shown = await call(mcp, "talk_get_messages", token=room.token)
    assert "message_edited" not in [m["kind"] for m in shown["messages"]]


async def test_delete_a_message(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    room = room_with(nc_user, bob)
    theirs = talk(nc_user).post(room, bob.id, "oops")
    gone = await call(mcp, "nc_talk_delete_message", token=room.token, message_id=theirs.id)  # a moderator may
    assert theirs.deleted
    assert (gone["id"], gone["kind"]) == (theirs.id, "comment_deleted")
    text = await error_of(mcp, "nc_talk_delete_message", token=room.token, message_id=999_999_999)
    assert "message 999999999" in text


async def test_mark_read_and_unread(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    room = room_with(nc_user, bob)
    ids = [talk(nc_user).post(room, bob.id, f"u{i}").id for i in range(3)]
    attendee(room, nc_user).last_read = 0
    marked = await call(mcp, "talk_mark_as_read", token=room.token, last_read_message=ids[0])
    assert attendee(room, nc_user).last_read == ids[0]
    assert marked["unread"] == 2
    await call(mcp, "talk_mark_as_read", token=room.token)
    assert attendee(room, nc_user).last_read == ids[-1]
    unread = await call(mcp, "nc_talk_mark_unread", token=room.token)
    assert attendee(room, nc_user).last_read == ids[1]
    assert unread["unread"] == 1


async def test_context_around_a_message(mcp: Any, nc_user: NcUser) -> None:
    room = room_with(nc_user)
    ids = [talk(nc_user).post(room, nc_user.id, f"c{i}").id for i in range(9)]
    found = await call(mcp, "nc_talk_get_message_context", token=room.token, message_id=ids[4], limit=2)
    assert [m["id"] for m in found["messages"]] == ids[2:7]


# -- participants ---------------------------------------------------------------------------------
async def test_list_and_add_people_groups_emails_and_teams(
    mcp: Any, nc_user: NcUser, bob: NcUser, carol: NcUser
) -> None:
    room = room_with(nc_user)
    await call(mcp, "talk_add_participant", token=room.token, participant=bob.id)
    group = unique("gtalk")
    nc_user.standin.app.services["provisioning_api"].add_group(group, carol.id)
    await call(mcp, "talk_add_participant", token=room.token, participant=group, source="groups")
    await call(mcp, "talk_add_participant", token=room.token, participant="guest@example.com", source="emails")
    team = unique("team")
    talk(nc_user).add_circle(team, "Team", bob.id)
    await call(mcp, "talk_add_participant", token=room.token, participant=team, source="circles")
    kinds = {(a.actor_type, a.invited or a.actor_id) for a in room.attendees.values()}
    assert {("users", bob.id), ("users", carol.id), ("groups", group), ("emails", "guest@example.com"),
            ("circles", team)} <= kinds  # fmt: skip
    listed = await call(mcp, "talk_list_participants", token=room.token)
    by_id = {p["id"]: p for p in listed["items"]}
    assert by_id[nc_user.id]["role"] == "owner"
    assert (by_id[bob.id]["role"], by_id["guest@example.com"]["type"]) == ("user", "emails")
    assert by_id[bob.id]["attendee_id"] == attendee(room, bob).id


async def test_add_refuses_unknown_people_and_one_to_one(mcp: Any, nc_user: NcUser, carol: NcUser) -> None:
    room = room_with(nc_user)
    text = await error_of(mcp, "talk_add_participant", token=room.token, participant="nobody-at-all")
    assert "users 'nobody-at-all'" in text
    assert "must not be empty" in await error_of(mcp, "talk_add_participant", token=room.token, participant=" ")
    one = await call(mcp, "talk_create_conversation", room_type="one-to-one", invite=carol.id)
    assert "room-type" in await error_of(mcp, "talk_add_participant", token=one["token"], participant="admin")


async def test_remove_and_moderators(mcp: Any, bob_mcp: Any, nc_user: NcUser, bob: NcUser, carol: NcUser) -> None:
    room = room_with(nc_user, bob, carol)
    bobs, carols, mine = attendee(room, bob).id, attendee(room, carol).id, attendee(room, nc_user).id
    text = await error_of(bob_mcp, "nc_talk_remove_participant", token=room.token, attendee_id=carols)
    assert "HTTP 403" in text
    assert attendee(room, carol) is not None
    await call(mcp, "nc_talk_set_moderator", token=room.token, attendee_id=bobs, moderator=True)
    assert attendee(room, bob).participant_type == MODERATOR
    await call(bob_mcp, "nc_talk_remove_participant", token=room.token, attendee_id=carols)
    assert attendee(room, carol) is None
    await call(mcp, "nc_talk_set_moderator", token=room.token, attendee_id=bobs, moderator=False)
    assert attendee(room, bob).participant_type == USER
    assert "HTTP 403" in await error_of(bob_mcp, "nc_talk_set_moderator", token=room.token, attendee_id=mine,
                                        moderator=False)  # fmt: skip
    assert "attendee 999999" in await error_of(mcp, "nc_talk_remove_participant", token=room.token,
                                               attendee_id=999_999)  # fmt: skip


# -- reactions, polls, reminders, shared items, mentions ---------------------------------------------
async def test_react_list_and_remove(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    room = room_with(nc_user, bob)
    message = talk(nc_user).post(room, bob.id, "Lunch?")
    reacted = await call(mcp, "talk_react", token=room.token, message_id=message.id, reaction="👍")
    assert reacted["reactions"] == {"👍": [nc_user.id]}
    assert [w[1] for w in message.reactions["👍"]] == [nc_user.id]
    listed = await call(mcp, "talk_list_reactions", token=room.token, message_id=message.id)
    assert listed["reactions"] == {"👍": [nc_user.id]}
    shown = await call(mcp, "talk_get_messages", token=room.token, limit=1)
    assert shown["messages"][0]["reactions"] == {"👍": 1}
    removed = await call(mcp, "talk_remove_reaction", token=room.token, message_id=message.id, reaction="👍")
    assert removed["reactions"] == {}
    assert message.reactions["👍"] == []
    text = await error_of(mcp, "talk_remove_reaction", token=room.token, message_id=message.id, reaction="👍")
    assert "your 👍" in text


async def test_polls(mcp: Any, bob_mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    room = room_with(nc_user, bob)
    made = await call(mcp, "nc_talk_create_poll", token=room.token, question="Pizza or salad?",
                      options=["Pizza", "Salad"])  # fmt: skip
    poll = talk(nc_user).polls[made["id"]]
    assert (poll.question, poll.options, poll.max_votes) == ("Pizza or salad?", ["Pizza", "Salad"], 1)
    voted = await call(bob_mcp, "nc_talk_vote_poll", token=room.token, poll_id=poll.id, option_ids=[1])
    assert poll.votes == {bob.id: [1]}
    assert voted["voted"] == [1]
    assert [o["votes"] for o in voted["options"]] == [0, 1]
    got = await call(mcp, "nc_talk_get_poll", token=room.token, poll_id=poll.id)
    assert (got["voters"], got["closed"]) == (1, False)
    assert "HTTP 403" in await error_of(bob_mcp, "nc_talk_close_poll", token=room.token, poll_id=poll.id)
    closed = await call(mcp, "nc_talk_close_poll", token=room.token, poll_id=poll.id)
    assert poll.closed
    assert closed["closed"]
    assert "refused" in await error_of(bob_mcp, "nc_talk_vote_poll", token=room.token, poll_id=poll.id,
                                       option_ids=[0])  # fmt: skip
    assert "options" in await error_of(mcp, "nc_talk_create_poll", token=room.token, question="Q?",
                                       options=["A", " "])  # fmt: skip
    assert "poll 999999" in await error_of(mcp, "nc_talk_get_poll", token=room.token, poll_id=999_999)


async def test_hidden_poll_results(mcp: Any, nc_user: NcUser) -> None:
    room = room_with(nc_user)
    made = await call(mcp, "nc_talk_create_poll", token=room.token, question="Secret?", options=["Y", "N"],
                      hidden_results=True, max_votes=0)  # fmt: skip
    assert talk(nc_user).polls[made["id"]].result_mode == 1
    voted = await call(mcp, "nc_talk_vote_poll", token=room.token, poll_id=made["id"], option_ids=[0, 1])
    assert [o["votes"] for o in voted["options"]] == [None, None]


async def test_reminders(mcp: Any, nc_user: NcUser) -> None:
    room = room_with(nc_user)
    message = talk(nc_user).post(room, nc_user.id, "Call the plumber")
    when = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    made = await call(mcp, "nc_talk_set_reminder", token=room.token, message_id=message.id, when=when.isoformat())
    assert talk(nc_user).reminders[(nc_user.id, room.token, message.id)] == int(when.timestamp())
    assert datetime.fromisoformat(made["time"]) == when
    await call(mcp, "nc_talk_delete_reminder", token=room.token, message_id=message.id)
    assert (nc_user.id, room.token, message.id) not in talk(nc_user).reminders
    assert "reminder" in await error_of(mcp, "nc_talk_delete_reminder", token=room.token, message_id=message.id)
    naive = await error_of(mcp, "nc_talk_set_reminder", token=room.token, message_id=message.id,
                           when="2030-01-01T09:00:00")  # fmt: skip
    assert "time zone" in naive


async def test_shared_items(mcp: Any, nc_user: NcUser) -> None:
    room = room_with(nc_user)
    shared = talk(nc_user).post(room, nc_user.id, "{file}")
    shared.parameters = {"file": {"type": "file", "id": "42", "name": "Plan.odt"}}
    await call(mcp, "nc_talk_create_poll", token=room.token, question="When?", options=["Mon", "Tue"])
    found = await call(mcp, "nc_talk_list_shared_items", token=room.token)
    assert [m["text"] for m in found["items"]["file"]] == ["Plan.odt"]
    assert [m["text"] for m in found["items"]["poll"]] == ["When?"]


async def test_mention_search(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    room = room_with(nc_user, bob)
    found = await call(mcp, "nc_talk_search_mentions", token=room.token, search="bob")
    assert [(m["id"], m["label"], m["mention"]) for m in found["items"]] == [(bob.id, "Bob Talk", bob.id)]


# -- gating ---------------------------------------------------------------------------------------
async def test_gated_per_app_and_per_feature(standin: StandInHandle) -> None:
    user = standin.add_user(unique("utalk-gated"), "pw-gated-1")
    spreed: SpreedApp = standin.app.services["spreed"]  # type: ignore[assignment]
    with own_server(user, toolsets=["talk"], capabilities_ttl=0) as url:
        async with Client(url) as client:
            before = {t.name for t in (await client.list_tools()).tools}
            spreed.without_features(user.id, "reactions", "talk-polls")
            try:
                older = {t.name for t in (await client.list_tools()).tools}
                refused = await client.call_tool("talk_react", {"token": "abc", "message_id": 1, "reaction": "👍"})
            finally:
                spreed.without_features(user.id)
            standin.app.set_app_enabled(user.id, "spreed", False)
            try:
                without = {t.name for t in (await client.list_tools()).tools}
                missing = await client.call_tool("talk_list_conversations", {})
            finally:
                standin.app.set_app_enabled(user.id, "spreed", True)
            again = {t.name for t in (await client.list_tools()).tools}
    tools = {name for name in before if name.startswith(("talk_", "nc_talk_"))}
    assert {"talk_react", "nc_talk_create_poll", "talk_get_messages", "nc_talk_set_reminder"} <= tools
    assert {"talk_react", "talk_list_reactions", "nc_talk_create_poll"}.isdisjoint(older)
    assert {"talk_get_messages", "nc_talk_set_reminder"} <= older
    assert refused.is_error
    assert "needs the Talk feature 'reactions'" in refused.content[0].text
    assert tools.isdisjoint(without)
    assert missing.is_error
    assert "needs the Nextcloud app 'Talk' (spreed)" in missing.content[0].text
    assert tools <= again


# -- conversation settings --------------------------------------------------------------------------
async def test_favorite_and_archive_are_each_users_own(mcp: Any, bob_mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    room = room_with(nc_user, bob)
    done = await call(mcp, "nc_talk_set_favorite", token=room.token, favorite=True)
    assert (attendee(room, nc_user).favorite, attendee(room, bob).favorite, done["favorite"]) == (True, False, True)
    await call(bob_mcp, "nc_talk_set_archived", token=room.token, archived=True)
    assert (attendee(room, bob).archived, attendee(room, nc_user).archived) == (True, False)
    assert (await call(bob_mcp, "talk_get_conversation", token=room.token))["archived"] is True
    await call(mcp, "nc_talk_set_favorite", token=room.token, favorite=False)
    await call(bob_mcp, "nc_talk_set_archived", token=room.token, archived=False)
    assert (attendee(room, nc_user).favorite, attendee(room, bob).archived) == (False, False)
    assert "does not exist" in await error_of(mcp, "nc_talk_set_archived", token="nosuchroom", archived=True)


async def test_read_only_stops_posting_and_only_moderators_set_it(
    mcp: Any, bob_mcp: Any, nc_user: NcUser, bob: NcUser, carol: NcUser
) -> None:
    room = room_with(nc_user, bob)
    done = await call(mcp, "nc_talk_set_read_only", token=room.token, read_only=True)
    assert (room.read_only, done["read_only"]) == (1, True)
    assert "HTTP 403" in await error_of(bob_mcp, "talk_send_message", token=room.token, message="Still there?")
    assert "HTTP 403" in await error_of(bob_mcp, "nc_talk_set_read_only", token=room.token, read_only=False)
    assert room.read_only == 1
    await call(mcp, "nc_talk_set_read_only", token=room.token, read_only=False)
    await call(bob_mcp, "talk_send_message", token=room.token, message="Back")
    one = await call(mcp, "talk_create_conversation", room_type="one-to-one", invite=carol.id)
    text = await error_of(mcp, "nc_talk_set_read_only", token=one["token"], read_only=True)
    assert "refused" in text
    assert "type" in text


async def test_listable_and_password(mcp: Any, bob_mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    room = room_with(nc_user, bob)
    done = await call(mcp, "nc_talk_set_listable", token=room.token, listable="everyone")
    assert (room.listable, done["listable"]) == (2, "everyone")
    assert "HTTP 403" in await error_of(bob_mcp, "nc_talk_set_listable", token=room.token, listable="none")
    assert room.listable == 2
    public = talk(nc_user).create_room(nc_user.id, PUBLIC, unique("Open"), bob.id)
    done = await call(mcp, "nc_talk_set_password", token=public.token, password="correct horse battery")
    assert (public.password, done["password"]) == ("correct horse battery", True)
    short = await error_of(mcp, "nc_talk_set_password", token=public.token, password="short")
    assert "at least 10 characters" in short
    assert public.password == "correct horse battery"
    assert "HTTP 403" in await error_of(bob_mcp, "nc_talk_set_password", token=public.token, password="")
    assert "type" in await error_of(mcp, "nc_talk_set_password", token=room.token, password="correct horse battery")
    removed = await call(mcp, "nc_talk_set_password", token=public.token, password="")
    assert (public.password, removed["password"]) == ("", False)


async def test_lobby(mcp: Any, bob_mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    room = room_with(nc_user, bob)
    opens = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    done = await call(mcp, "nc_talk_set_lobby", token=room.token, lobby=True, until=opens.isoformat())
    assert (room.lobby, done["lobby"]) == ((1, int(opens.timestamp())), True)
    assert "HTTP 403" in await error_of(bob_mcp, "nc_talk_set_lobby", token=room.token, lobby=False)
    await call(mcp, "nc_talk_set_lobby", token=room.token, lobby=False)
    assert room.lobby == (0, 0)
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert "past" in await error_of(mcp, "nc_talk_set_lobby", token=room.token, lobby=True, until=past)
    naive = await error_of(mcp, "nc_talk_set_lobby", token=room.token, lobby=True, until="2030-01-01T09:00:00")
    assert "time zone" in naive
    assert "lobby=true" in await error_of(mcp, "nc_talk_set_lobby", token=room.token, lobby=False,
                                          until=opens.isoformat())  # fmt: skip


async def test_note_to_self_is_created_once(mcp: Any, nc_user: NcUser) -> None:
    first = await call(mcp, "nc_talk_get_note_to_self")
    again = await call(mcp, "nc_talk_get_note_to_self")
    assert first["token"] == again["token"]
    assert first["type"] == "note-to-self"
    room = talk(nc_user).room(first["token"])
    assert [a.actor_id for a in room.attendees.values()] == [nc_user.id]
    await call(mcp, "talk_send_message", token=first["token"], message="Buy milk")
    assert room.messages[-1].message == "Buy milk"


async def test_upcoming_reminders_soonest_first(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    room = room_with(nc_user, bob)
    later, sooner, past = (talk(nc_user).post(room, bob.id, text) for text in ("Later", "Sooner", "Past"))
    now = int(datetime.now(UTC).timestamp())
    reminders = talk(nc_user).reminders
    reminders[(nc_user.id, room.token, later.id)] = now + 7200
    reminders[(nc_user.id, room.token, sooner.id)] = now + 3600
    reminders[(nc_user.id, room.token, past.id)] = now - 3600
    reminders[(bob.id, room.token, later.id)] = now + 60
    found = await call(mcp, "nc_talk_list_upcoming_reminders")
    mine = [(r["message_id"], r["text"], r["author"]) for r in found["items"] if r["token"] == room.token]
    assert mine == [(sooner.id, "Sooner", "Bob Talk"), (later.id, "Later", "Bob Talk")]


# -- pinned messages ------------------------------------------------------------------------------
async def test_pin_list_and_unpin(mcp: Any, bob_mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    room = room_with(nc_user, bob)
    first, second = talk(nc_user).post(room, bob.id, "Agenda"), talk(nc_user).post(room, bob.id, "Minutes")
    until = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
    pinned = await call(mcp, "nc_talk_pin_message", token=room.token, message_id=first.id, until=until.isoformat())
    assert first.pinned is not None
    assert (first.pinned[0], first.pinned[3]) == (nc_user.id, int(until.timestamp()))
    assert (pinned["message"]["id"], datetime.fromisoformat(pinned["until"])) == (first.id, until)
    await call(mcp, "nc_talk_pin_message", token=room.token, message_id=second.id)
    listed = await call(bob_mcp, "nc_talk_list_pinned", token=room.token)
    assert [(p["message"]["text"], p["pinned_by"]) for p in listed["items"]] == [
        ("Minutes", nc_user.id), ("Agenda", nc_user.id)]  # fmt: skip
    assert listed["items"][0]["until"] is None
    assert "HTTP 403" in await error_of(bob_mcp, "nc_talk_pin_message", token=room.token, message_id=second.id)
    assert "HTTP 403" in await error_of(bob_mcp, "nc_talk_unpin_message", token=room.token, message_id=first.id)
    assert first.pinned is not None
    unpinned = await call(mcp, "nc_talk_unpin_message", token=room.token, message_id=first.id)
    assert (first.pinned, unpinned["id"]) == (None, first.id)
    assert [p["message"]["id"] for p in (await call(mcp, "nc_talk_list_pinned", token=room.token))["items"]] == [
        second.id]  # fmt: skip
    shown = await call(mcp, "talk_get_messages", token=room.token, limit=10)
    assert {"message_pinned", "message_unpinned"} <= {m["kind"] for m in shown["messages"]}


async def test_pin_refuses_bad_times_and_unknown_messages(mcp: Any, nc_user: NcUser) -> None:
    room = room_with(nc_user)
    message = talk(nc_user).post(room, nc_user.id, "Pin me")
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert "past" in await error_of(mcp, "nc_talk_pin_message", token=room.token, message_id=message.id, until=past)
    naive = await error_of(mcp, "nc_talk_pin_message", token=room.token, message_id=message.id,
                           until="2030-01-01T09:00:00")  # fmt: skip
    assert "time zone" in naive
    missing = await error_of(mcp, "nc_talk_pin_message", token=room.token, message_id=999_999_999)
    assert "message 999999999" in missing
    assert message.pinned is None


# -- threads --------------------------------------------------------------------------------------
async def test_threads_start_reply_list_and_read(mcp: Any, bob_mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    room = room_with(nc_user, bob)
    root = await call(mcp, "nc_talk_start_thread", token=room.token, title=" Release plan ", message="Dates?")
    thread = room.threads[root["id"]]
    assert (thread.title, root["thread_id"], room.message(root["id"]).thread_id) == (
        "Release plan",
        root["id"],
        root["id"],
    )
    reply = await call(bob_mcp, "nc_talk_reply_in_thread", token=room.token, thread_id=thread.id, message="Friday")
    assert (room.message(reply["id"]).thread_id, thread.replies, reply["thread_id"]) == (thread.id, 1, thread.id)
    talk(nc_user).post(room, bob.id, "Outside the thread")
    listed = await call(mcp, "nc_talk_list_threads", token=room.token)
    assert [(t["id"], t["title"], t["replies"], t["last"]["text"]) for t in listed["threads"]] == [
        (thread.id, "Release plan", 1, "Friday")]  # fmt: skip
    read = await call(mcp, "nc_talk_get_thread", token=room.token, thread_id=thread.id)
    assert [m["text"] for m in read["messages"] if m["kind"] is None] == ["Dates?", "Friday"]
    assert (read["thread"]["first"]["text"], read["last_known_message_id"]) == ("Dates?", None)
    paged = await call(mcp, "nc_talk_get_thread", token=room.token, thread_id=thread.id, limit=1)
    assert [m["text"] for m in paged["messages"]] == ["Friday"]
    assert paged["last_known_message_id"] == reply["id"]


async def test_thread_rename_and_notifications(mcp: Any, bob_mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    room = room_with(nc_user, bob)
    root = talk(nc_user).start_thread(room, nc_user.id, "Budget", "Numbers")
    assert "HTTP 403" in await error_of(bob_mcp, "nc_talk_rename_thread", token=room.token, thread_id=root.id,
                                        title="Bob's")  # fmt: skip
    renamed = await call(mcp, "nc_talk_rename_thread", token=room.token, thread_id=root.id, title="Budget 2027")
    assert (room.threads[root.id].title, renamed["title"]) == ("Budget 2027", "Budget 2027")
    level = await call(bob_mcp, "nc_talk_set_thread_notifications", token=room.token, thread_id=root.id, level="always")
    assert (attendee(room, bob).thread_levels, level["notifications"]) == ({root.id: 1}, "always")
    assert attendee(room, nc_user).thread_levels == {}
    own = talk(nc_user).start_thread(room, bob.id, "Bob's thread", "Mine")
    await call(bob_mcp, "nc_talk_rename_thread", token=room.token, thread_id=own.id, title="Bob's own")
    assert room.threads[own.id].title == "Bob's own"


async def test_threads_refuse_unknown_threads_and_empty_titles(mcp: Any, nc_user: NcUser) -> None:
    room = room_with(nc_user)
    plain = talk(nc_user).post(room, nc_user.id, "Not a thread")
    text = await error_of(mcp, "nc_talk_get_thread", token=room.token, thread_id=plain.id)
    assert f"thread {plain.id} in conversation '{room.token}'" in text
    assert "does not exist" in text
    assert "does not exist" in await error_of(mcp, "nc_talk_reply_in_thread", token=room.token, thread_id=plain.id,
                                              message="Hi")  # fmt: skip
    assert room.messages[-1].id == plain.id
    assert "title" in await error_of(mcp, "nc_talk_start_thread", token=room.token, title=" ", message="Hi")
    assert "must not be empty" in await error_of(mcp, "nc_talk_start_thread", token=room.token, title="T", message=" ")
    assert "does not exist" in await error_of(mcp, "nc_talk_set_thread_notifications", token=room.token,
                                              thread_id=plain.id, level="never")  # fmt: skip


async def test_pins_and_threads_are_gated_on_their_features(standin: StandInHandle) -> None:
    user = standin.add_user(unique("utalk-pins"), "pw-pins-1")
    spreed: SpreedApp = standin.app.services["spreed"]  # type: ignore[assignment]
    pins = {"nc_talk_pin_message", "nc_talk_unpin_message", "nc_talk_list_pinned"}
    with own_server(user, toolsets=["talk"], capabilities_ttl=0) as url:
        async with Client(url) as client:
            before = {t.name for t in (await client.list_tools()).tools}
            spreed.without_features(user.id, "pinned-messages")
            try:
                older = {t.name for t in (await client.list_tools()).tools}
                refused = await client.call_tool("nc_talk_list_pinned", {"token": "abc"})
            finally:
                spreed.without_features(user.id)
    assert pins <= before
    assert pins.isdisjoint(older)
    assert {"nc_talk_start_thread", "nc_talk_set_favorite", "talk_send_message"} <= older
    assert refused.is_error
    assert "needs the Talk feature 'pinned-messages'" in refused.content[0].text
