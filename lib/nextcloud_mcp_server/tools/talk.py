"""MCP tools for Nextcloud Talk (spreed): conversations and their settings, messages, participants,
reactions, polls, reminders, shared items, mention suggestions, pinned messages and threads.

Names and arguments follow the `nextcloud-mcp-server` package where it has the tool (`talk_*`);
the rest are `nc_talk_*`. Messages come oldest first with their rich parameters written out
(`{actor}`, `{mention-user1}`), a reply with its parent, and without the system messages that only
tell Talk's clients to update another message (edits, deletions, reactions, votes). Tools that
need a Talk feature newer than Nextcloud 30's Talk are gated on it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, Field

from nextcloud_mcp_server.registry import Requirement, Toolset
from nextcloud_mcp_server.tools._base import CREATE, DELETE, READ, UPDATE, Limit, Offset, Paged, invalid
from nextcloud_mcp_server.tools.declare import Nextcloud, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.talk import (
        ChatMessage,
        Conversation,
        Participant,
        Poll,
        Reaction,
        TalkAPI,
        ThreadInfo,
    )

TOOLSET = Toolset(
    "talk",
    "Talk",
    "Nextcloud Talk: conversations, messages, participants, reactions, polls and reminders.",
    default=False,
    requires=Requirement("spreed", "Talk"),
)
REACTIONS = Requirement("spreed", "Talk", feature="reactions")
POLLS = Requirement("spreed", "Talk", feature="talk-polls")
REMINDERS = Requirement("spreed", "Talk", feature="remind-me-later")
EDITING = Requirement("spreed", "Talk", feature="edit-messages")
UNREAD = Requirement("spreed", "Talk", feature="chat-unread")
SHARED = Requirement("spreed", "Talk", feature="rich-object-list-media")
PINS = Requirement("spreed", "Talk", feature="pinned-messages")
THREADS = Requirement("spreed", "Talk", feature="threads")
FAVORITES = Requirement("spreed", "Talk", feature="favorites")
ARCHIVE = Requirement("spreed", "Talk", feature="archived-conversations-v2")
READ_ONLY = Requirement("spreed", "Talk", feature="read-only-rooms")
LISTABLE = Requirement("spreed", "Talk", feature="listable-rooms")
LOBBY = Requirement("spreed", "Talk", feature="webinary-lobby")
UPCOMING = Requirement("spreed", "Talk", feature="upcoming-reminders")
NOTES = Requirement("spreed", "Talk", feature="note-to-self")

Token = Annotated[str, Field(min_length=1, max_length=64, description="Conversation token.")]
MessageId = Annotated[int, Field(ge=1)]
AttendeeId = Annotated[int, Field(ge=1, description="From talk_list_participants.")]
PollId = Annotated[int, Field(ge=1)]
Emoji = Annotated[str, Field(min_length=1, max_length=16)]
HIDDEN = {"message_deleted", "message_edited", "reaction", "reaction_deleted", "reaction_revoked", "poll_voted"}
"""System messages that only tell Talk's clients to update another message."""
TYPES = {1: "one-to-one", 2: "group", 3: "public", 4: "changelog", 5: "former one-to-one", 6: "note-to-self"}
ROLES = {1: "owner", 2: "moderator", 3: "user", 4: "guest", 5: "user", 6: "guest moderator"}
ROOM_TYPES = {"one-to-one": 1, "group": 2, "public": 3}
LISTABLE_SCOPES = {"none": 0, "users": 1, "everyone": 2}
NOTIFY = {"default": 0, "always": 1, "mentions": 2, "never": 3}
ThreadId = Annotated[int, Field(ge=1, description="From nc_talk_list_threads.")]
PARENT_TEXT = 200
PAGES = 5
"""At most this many chat requests per read (each up to the messages still wanted)."""


def _time(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


class ParentItem(BaseModel):
    id: int
    author: str
    text: str = Field(description="Its first 200 characters.")


class MessageItem(BaseModel):
    id: int
    author: str
    author_id: str
    time: datetime
    text: str
    kind: str | None = Field(description="The system message or message type; null for a plain message.")
    reply_to: ParentItem | None
    reactions: dict[str, int]
    edited: bool
    thread_id: int | None = Field(description="The thread it is in.")

    @classmethod
    def of(cls, message: ChatMessage) -> MessageItem:
        """Built without validation (the fields come typed from ChatMessage): 200 of them per read."""
        parent = message.parent
        reply = None
        if parent is not None:
            text = "(deleted)" if parent.deleted else parent.text()
            reply = ParentItem.model_construct(id=parent.id, author=parent.actor_display_name, text=text[:PARENT_TEXT])
        kind = message.system_message or (message.message_type if message.message_type != "comment" else None)
        return cls.model_construct(
            id=message.id,
            author=message.actor_display_name,
            author_id=message.actor_id,
            time=_time(message.timestamp),
            text=message.text(),
            kind=kind,
            reply_to=reply,
            reactions=message.reactions if isinstance(message.reactions, dict) else {},
            edited=message.last_edit_timestamp is not None,
            thread_id=message.thread_id or None,
        )


def _shown(messages: list[ChatMessage]) -> list[MessageItem]:
    return [MessageItem.of(m) for m in sorted(messages, key=lambda m: m.id) if m.system_message not in HIDDEN]


class ConversationItem(BaseModel):
    token: str
    name: str
    type: str
    description: str
    role: str = Field(description="Yours: owner, moderator, user or guest.")
    unread: int
    mentioned: bool = Field(description="You were mentioned in an unread message.")
    last_read_message: int
    last_activity: datetime
    last_message: MessageItem | None
    favorite: bool
    archived: bool
    read_only: bool
    listable: str = Field(description="Who can find and join it: none, users or everyone.")
    password: bool = Field(description="Guests need a password.")
    lobby: bool = Field(description="Only moderators may join.")

    @classmethod
    def of(cls, room: Conversation) -> ConversationItem:
        found = room.last_message  # Talk sends [] for a conversation without messages
        last = found if found is not None and not isinstance(found, list) and found.id else None
        return cls(
            token=room.token,
            name=room.display_name or room.name,
            type=TYPES.get(room.type, str(room.type)),
            description=room.description,
            role=ROLES.get(room.participant_type, str(room.participant_type)),
            unread=room.unread_messages,
            mentioned=room.unread_mention,
            last_read_message=room.last_read_message,
            last_activity=_time(room.last_activity),
            last_message=MessageItem.of(last) if last is not None else None,
            favorite=room.is_favorite,
            archived=room.is_archived,
            read_only=bool(room.read_only),
            listable={v: k for k, v in LISTABLE_SCOPES.items()}.get(room.listable, str(room.listable)),
            password=room.has_password,
            lobby=bool(room.lobby_state),
        )


class Messages(BaseModel):
    token: str
    messages: list[MessageItem] = Field(description="Oldest first.")
    last_known_message_id: int | None = Field(
        description="Pass back to continue (older messages; with since_last_read, the rest); null when done."
    )


class ParticipantItem(BaseModel):
    attendee_id: int
    type: str = Field(description="users, groups, emails, circles, guests, ...")
    id: str
    name: str
    role: str

    @classmethod
    def of(cls, found: Participant) -> ParticipantItem:
        return cls(
            attendee_id=found.attendee_id,
            type=found.actor_type,
            id=found.invited_actor_id or found.actor_id,
            name=found.display_name,
            role=ROLES.get(found.participant_type, str(found.participant_type)),
        )


class Done(BaseModel):
    message: str = Field(description="What happened.")


class Reactions(BaseModel):
    message_id: int
    reactions: dict[str, list[str]] = Field(description="Emoji -> who reacted (display names).")

    @classmethod
    def of(cls, message_id: int, found: dict[str, list[Reaction]]) -> Reactions:
        return cls(message_id=message_id, reactions={e: [r.actor_display_name or r.actor_id for r in who]
                                                     for e, who in found.items()})  # fmt: skip


class PollOption(BaseModel):
    option_id: int
    text: str
    votes: int | None = Field(description="Null while the results are hidden from you.")


class PollItem(BaseModel):
    id: int
    question: str
    options: list[PollOption]
    closed: bool
    author: str
    max_votes: int = Field(description="0 for unlimited.")
    voters: int
    voted: list[int] = Field(description="The option ids you voted for.")

    @classmethod
    def of(cls, poll: Poll) -> PollItem:
        votes = poll.votes if isinstance(poll.votes, dict) else None
        options = [PollOption(option_id=i, text=text, votes=None if votes is None else votes.get(f"option-{i}", 0))
                   for i, text in enumerate(poll.options)]  # fmt: skip
        return cls(id=poll.id, question=poll.question, options=options, closed=poll.status == 1,
                   author=poll.actor_display_name or poll.actor_id, max_votes=poll.max_votes,
                   voters=poll.num_voters, voted=poll.voted_self)  # fmt: skip


class ReminderItem(BaseModel):
    token: str
    message_id: int
    time: datetime


class UpcomingItem(BaseModel):
    token: str
    message_id: int
    time: datetime
    author: str
    text: str


class UpcomingReminders(BaseModel):
    items: list[UpcomingItem] = Field(description="Soonest first.")


class PinnedItem(BaseModel):
    message: MessageItem
    pinned_by: str
    pinned_at: datetime
    until: datetime | None = Field(description="Null: until unpinned.")

    @classmethod
    def of(cls, message: ChatMessage) -> PinnedItem:
        meta = message.meta_data
        until = meta.pinned_until if meta is not None else None
        return cls(message=MessageItem.of(message), pinned_by=meta.pinned_actor_display_name if meta else "",
                   pinned_at=_time(meta.pinned_at if meta else 0), until=_time(until) if until else None)  # fmt: skip


class ThreadItem(BaseModel):
    id: int = Field(description="The id of its first message.")
    title: str
    replies: int
    last_activity: datetime
    notifications: str = Field(description="Your level: default, always, mentions or never.")
    first: MessageItem | None
    last: MessageItem | None = Field(description="Its newest reply.")

    @classmethod
    def of(cls, info: ThreadInfo) -> ThreadItem:
        thread, level = info.thread, info.attendee.notification_level
        return cls(id=thread.id, title=thread.title, replies=thread.num_replies,
                   last_activity=_time(thread.last_activity),
                   notifications={v: k for k, v in NOTIFY.items()}.get(level, str(level)),
                   first=MessageItem.of(info.first) if info.first is not None and info.first.id else None,
                   last=MessageItem.of(info.last) if info.last is not None and info.last.id else None)  # fmt: skip


class Threads(BaseModel):
    token: str
    threads: list[ThreadItem] = Field(description="Most recently active first.")


class ThreadMessages(BaseModel):
    thread: ThreadItem
    messages: list[MessageItem] = Field(description="Oldest first.")
    last_known_message_id: int | None = Field(description="Pass back for older messages; null when done.")


class Mention(BaseModel):
    id: str
    label: str
    source: str
    mention: str = Field(description='Write it in a message as @"mention".')


class Mentions(BaseModel):
    items: list[Mention]


class SharedItems(BaseModel):
    token: str
    items: dict[str, list[MessageItem]] = Field(description="By kind (file, media, poll, location, ...), newest first.")


def _api(nc: Nextcloud) -> TalkAPI:
    from nextcloud_mcp_server.nextcloud.talk import TalkAPI

    return nc.api(TalkAPI)


def _text(argument: str, value: str) -> str:
    if not value.strip():
        raise invalid(argument, "must not be empty; give the text")
    if len(value) > 32000:
        raise invalid(argument, "is over Talk's 32000 characters; split it into several messages")
    return value


# -- conversations ------------------------------------------------------------------------------
@tool(TOOLSET, READ, title="List Talk conversations")
async def talk_list_conversations(
    nc: Nextcloud,
    modified_since: Annotated[int | None, Field(ge=0, description="Unix time: only those active since.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Paged[ConversationItem]:
    """List your conversations, most recently active first, with unread counts and the last message."""
    rooms = await _api(nc).conversations(modified_since or 0)
    rooms.sort(key=lambda r: (-r.last_activity, r.token))
    return Paged[ConversationItem].of([ConversationItem.of(r) for r in rooms], offset, limit)


@tool(TOOLSET, READ, title="Get Talk conversation")
async def talk_get_conversation(nc: Nextcloud, token: Token) -> ConversationItem:
    """Read one conversation: name, type, description, your role, unread count."""
    return ConversationItem.of(await _api(nc).conversation(token))


@tool(TOOLSET, CREATE, title="Create Talk conversation")
async def talk_create_conversation(
    nc: Nextcloud,
    room_name: Annotated[str | None, Field(description="Needed for group and public.")] = None,
    room_type: Literal["one-to-one", "group", "public"] = "group",
    invite: Annotated[str | None, Field(description="User id to add (for one-to-one: the other person).")] = None,
) -> ConversationItem:
    """Create a conversation; a one-to-one that exists already is returned as it is."""
    if room_type == "one-to-one" and not (invite or "").strip():
        raise invalid("invite", "is needed for a one-to-one conversation: give the other person's user id")
    if room_type != "one-to-one" and not (room_name or "").strip():
        raise invalid("room_name", "is needed for a group or public conversation; give it a name")
    name = (room_name or "").strip() if room_type != "one-to-one" else ""
    created = await _api(nc).create(ROOM_TYPES[room_type], name, (invite or "").strip())
    return ConversationItem.of(created)


@tool(TOOLSET, UPDATE, title="Update Talk conversation")
async def nc_talk_update_conversation(
    nc: Nextcloud,
    token: Token,
    name: str | None = None,
    description: Annotated[str | None, Field(description="'' to clear.")] = None,
) -> ConversationItem:
    """Rename a conversation or change its description (moderators)."""
    if name is None and description is None:
        raise invalid("name/description", "give at least one of them to change")
    if name is not None and not name.strip():
        raise invalid("name", "must not be empty; omit it to keep the current name")
    api = _api(nc)
    if name is not None:
        room = await api.rename(token, name.strip())
    if description is not None:
        room = await api.describe(token, description)
    return ConversationItem.of(room)


@tool(TOOLSET, DELETE, title="Delete Talk conversation")
async def nc_talk_delete_conversation(nc: Nextcloud, token: Token) -> Done:
    """Delete a conversation with its messages for everyone (moderators)."""
    await _api(nc).delete(token)
    return Done(message=f"Conversation {token} deleted")


@tool(TOOLSET, DELETE, title="Leave Talk conversation")
async def nc_talk_leave_conversation(nc: Nextcloud, token: Token) -> Done:
    """Leave a conversation (the last moderator must promote someone first)."""
    await _api(nc).leave(token)
    return Done(message=f"You left conversation {token}")


# -- messages -----------------------------------------------------------------------------------
@tool(TOOLSET, READ, title="Get Talk messages")
async def talk_get_messages(
    nc: Nextcloud,
    token: Token,
    limit: Annotated[int, Field(ge=1, le=200)] = 50,
    last_known_message_id: Annotated[int | None, Field(ge=1, description="Read messages older than this.")] = None,
    include_last_known: bool = False,
    since_last_read: Annotated[bool, Field(description="Only what you have not read; marks it read.")] = False,
) -> Messages:
    """Read a conversation's messages, newest page first; replies carry their parent."""
    api = _api(nc)
    if since_last_read and last_known_message_id is not None:
        raise invalid("last_known_message_id", "is not used with since_last_read; omit one of them")
    cursor = (await api.conversation(token)).last_read_message if since_last_read else last_known_message_id or 0
    shown: list[MessageItem] = []
    for _ in range(PAGES):  # hidden system messages (edits, reactions) take room in Talk's pages: read on
        want = limit - len(shown)
        if since_last_read:
            page = await api.newer(token, cursor, want, mark_read=True)
        else:
            page = await api.history(token, want, cursor, include_last_known and not shown)
        shown += _shown(page.messages)
        if len(page.messages) < want or page.last_given is None:
            cursor = 0
            break
        cursor = page.last_given
        if len(shown) >= limit:
            break
    shown.sort(key=lambda m: m.id)
    return Messages(token=token, messages=shown, last_known_message_id=cursor or None)


@tool(TOOLSET, CREATE, title="Send Talk message")
async def talk_send_message(
    nc: Nextcloud,
    token: Token,
    message: Annotated[str, Field(description='Markdown; mention with @"user id".')],
    reply_to: Annotated[int | None, Field(ge=1, description="Message id to reply to.")] = None,
    silent: Annotated[bool, Field(description="Without notifying anyone.")] = False,
) -> MessageItem:
    """Post a message to a conversation as you."""
    sent = await _api(nc).send(token, _text("message", message), uuid.uuid4().hex, reply_to or 0, silent)
    return MessageItem.of(sent)


@tool(TOOLSET, UPDATE, title="Edit Talk message", requires=EDITING)
async def nc_talk_edit_message(nc: Nextcloud, token: Token, message_id: MessageId, message: str) -> MessageItem:
    """Replace the text of one of your messages."""
    return MessageItem.of(await _api(nc).edit(token, message_id, _text("message", message)))


@tool(TOOLSET, DELETE, title="Delete Talk message")
async def nc_talk_delete_message(nc: Nextcloud, token: Token, message_id: MessageId) -> MessageItem:
    """Delete a message (yours, or anyone's as a moderator); it stays as 'Message deleted'."""
    return MessageItem.of(await _api(nc).delete_message(token, message_id))


@tool(TOOLSET, UPDATE, title="Mark Talk conversation read")
async def talk_mark_as_read(
    nc: Nextcloud,
    token: Token,
    last_read_message: Annotated[int | None, Field(ge=1, description="Default: the newest message.")] = None,
) -> ConversationItem:
    """Move your read marker in a conversation."""
    return ConversationItem.of(await _api(nc).mark_read(token, last_read_message))


@tool(TOOLSET, UPDATE, title="Mark Talk conversation unread", requires=UNREAD)
async def nc_talk_mark_unread(nc: Nextcloud, token: Token) -> ConversationItem:
    """Mark the newest message of a conversation unread."""
    return ConversationItem.of(await _api(nc).mark_unread(token))


@tool(TOOLSET, READ, title="Get Talk message context")
async def nc_talk_get_message_context(
    nc: Nextcloud,
    token: Token,
    message_id: MessageId,
    limit: Annotated[int, Field(ge=1, le=100, description="Messages on each side.")] = 10,
) -> Messages:
    """Read the messages around one message (before and after it)."""
    found = await _api(nc).context(token, message_id, limit)
    return Messages(token=token, messages=_shown(found), last_known_message_id=None)


# -- participants -------------------------------------------------------------------------------
@tool(TOOLSET, READ, title="List Talk participants")
async def talk_list_participants(
    nc: Nextcloud, token: Token, limit: Limit = 50, offset: Offset = 0
) -> Paged[ParticipantItem]:
    """List who is in a conversation, with their attendee ids and roles."""
    found = [ParticipantItem.of(p) for p in await _api(nc).participants(token)]
    return Paged[ParticipantItem].of(found, offset, limit)


@tool(TOOLSET, CREATE, title="Add Talk participant")
async def talk_add_participant(
    nc: Nextcloud,
    token: Token,
    participant: Annotated[str, Field(description="User id, group id, email address or team id.")],
    source: Literal["users", "groups", "emails", "circles"] = "users",
) -> Done:
    """Add a user, a group's members, an email guest or a team to a group conversation (moderators)."""
    if not participant.strip():
        raise invalid("participant", "must not be empty; give the user id, group id, email or team id")
    await _api(nc).add_participant(token, participant.strip(), source)
    return Done(message=f"Added {participant.strip()} ({source}) to {token}")


@tool(TOOLSET, DELETE, title="Remove Talk participant")
async def nc_talk_remove_participant(nc: Nextcloud, token: Token, attendee_id: AttendeeId) -> Done:
    """Remove someone from a conversation (moderators)."""
    await _api(nc).remove_participant(token, attendee_id)
    return Done(message=f"Attendee {attendee_id} removed from {token}")


@tool(TOOLSET, UPDATE, title="Set Talk moderator")
async def nc_talk_set_moderator(nc: Nextcloud, token: Token, attendee_id: AttendeeId, moderator: bool) -> Done:
    """Promote a participant to moderator, or demote them (moderators)."""
    await _api(nc).set_moderator(token, attendee_id, moderator)
    return Done(message=f"Attendee {attendee_id} is {'now' if moderator else 'no longer'} a moderator of {token}")


# -- reactions ----------------------------------------------------------------------------------
@tool(TOOLSET, READ, title="List Talk reactions", requires=REACTIONS)
async def talk_list_reactions(
    nc: Nextcloud, token: Token, message_id: MessageId, reaction: Emoji | None = None
) -> Reactions:
    """List who reacted to a message with which emoji."""
    return Reactions.of(message_id, await _api(nc).reactions(token, message_id, reaction or ""))


@tool(TOOLSET, CREATE, title="React to Talk message", requires=REACTIONS)
async def talk_react(nc: Nextcloud, token: Token, message_id: MessageId, reaction: Emoji) -> Reactions:
    """React to a message with an emoji."""
    return Reactions.of(message_id, await _api(nc).react(token, message_id, reaction))


@tool(TOOLSET, DELETE, title="Remove Talk reaction", requires=REACTIONS)
async def talk_remove_reaction(nc: Nextcloud, token: Token, message_id: MessageId, reaction: Emoji) -> Reactions:
    """Remove your emoji reaction from a message."""
    return Reactions.of(message_id, await _api(nc).unreact(token, message_id, reaction))


# -- polls --------------------------------------------------------------------------------------
@tool(TOOLSET, CREATE, title="Create Talk poll", requires=POLLS)
async def nc_talk_create_poll(
    nc: Nextcloud,
    token: Token,
    question: str,
    options: Annotated[list[str], Field(min_length=2, max_length=50)],
    max_votes: Annotated[int, Field(ge=0, description="Options each may pick; 0 for any number.")] = 1,
    hidden_results: Annotated[bool, Field(description="Show results only when closed.")] = False,
) -> PollItem:
    """Post a poll to a conversation."""
    if not question.strip():
        raise invalid("question", "must not be empty; ask something")
    if any(not option.strip() for option in options):
        raise invalid("options", "must not contain empty options")
    return PollItem.of(await _api(nc).create_poll(token, question.strip(), options, max_votes, hidden_results))


@tool(TOOLSET, READ, title="Get Talk poll", requires=POLLS)
async def nc_talk_get_poll(nc: Nextcloud, token: Token, poll_id: PollId) -> PollItem:
    """Read a poll with its options and results."""
    return PollItem.of(await _api(nc).poll(token, poll_id))


@tool(TOOLSET, UPDATE, title="Vote in Talk poll", requires=POLLS)
async def nc_talk_vote_poll(
    nc: Nextcloud,
    token: Token,
    poll_id: PollId,
    option_ids: Annotated[list[Annotated[int, Field(ge=0)]], Field(description="[] withdraws your vote.")],
) -> PollItem:
    """Vote in a poll (replaces your earlier vote)."""
    return PollItem.of(await _api(nc).vote(token, poll_id, option_ids))


@tool(TOOLSET, UPDATE, title="Close Talk poll", requires=POLLS)
async def nc_talk_close_poll(nc: Nextcloud, token: Token, poll_id: PollId) -> PollItem:
    """Close a poll and publish its results (its author or a moderator)."""
    return PollItem.of(await _api(nc).close_poll(token, poll_id))


# -- reminders, shared items, mentions ----------------------------------------------------------
@tool(TOOLSET, CREATE, title="Set Talk reminder", requires=REMINDERS)
async def nc_talk_set_reminder(nc: Nextcloud, token: Token, message_id: MessageId, when: datetime) -> ReminderItem:
    """Get a notification about a message at a time (replaces an earlier reminder)."""
    if when.tzinfo is None:
        raise invalid("when", "needs a time zone, e.g. 2026-05-01T09:00:00+02:00")
    found = await _api(nc).set_reminder(token, message_id, int(when.timestamp()))
    return ReminderItem(token=found.token, message_id=found.message_id, time=_time(found.timestamp))


@tool(TOOLSET, DELETE, title="Delete Talk reminder", requires=REMINDERS)
async def nc_talk_delete_reminder(nc: Nextcloud, token: Token, message_id: MessageId) -> Done:
    """Cancel your reminder about a message."""
    await _api(nc).delete_reminder(token, message_id)
    return Done(message=f"Reminder on message {message_id} deleted")


@tool(TOOLSET, READ, title="List Talk shared items", requires=SHARED)
async def nc_talk_list_shared_items(
    nc: Nextcloud, token: Token, limit: Annotated[int, Field(ge=1, le=50, description="Per kind.")] = 7
) -> SharedItems:
    """List the files, media, polls and other objects shared in a conversation."""
    found = await _api(nc).shared_overview(token, limit)
    return SharedItems(token=token, items={kind: [MessageItem.of(m) for m in items] for kind, items in found.items()})


@tool(TOOLSET, READ, title="Search Talk mentions")
async def nc_talk_search_mentions(
    nc: Nextcloud, token: Token, search: str = "", limit: Annotated[int, Field(ge=1, le=50)] = 20
) -> Mentions:
    """Find whom you can mention in a conversation, by name."""
    found = await _api(nc).mentions(token, search.strip(), limit)
    return Mentions(
        items=[Mention(id=m.id, label=m.label, source=m.source, mention=m.mention_id or m.id) for m in found]
    )


# -- conversation settings ----------------------------------------------------------------------
@tool(TOOLSET, UPDATE, title="Favourite Talk conversation", requires=FAVORITES)
async def nc_talk_set_favorite(nc: Nextcloud, token: Token, favorite: bool) -> ConversationItem:
    """Mark a conversation as one of your favourites (listed first), or unmark it."""
    return ConversationItem.of(await _api(nc).set_favorite(token, favorite))


@tool(TOOLSET, UPDATE, title="Archive Talk conversation", requires=ARCHIVE)
async def nc_talk_set_archived(nc: Nextcloud, token: Token, archived: bool) -> ConversationItem:
    """Archive a conversation (hidden from your list by default), or bring it back."""
    return ConversationItem.of(await _api(nc).set_archived(token, archived))


@tool(TOOLSET, UPDATE, title="Make Talk conversation read-only", requires=READ_ONLY)
async def nc_talk_set_read_only(nc: Nextcloud, token: Token, read_only: bool) -> ConversationItem:
    """Lock a group or public conversation so nobody can post, or unlock it (moderators)."""
    return ConversationItem.of(await _api(nc).set_read_only(token, read_only))


@tool(TOOLSET, UPDATE, title="Set who can find Talk conversation", requires=LISTABLE)
async def nc_talk_set_listable(
    nc: Nextcloud,
    token: Token,
    listable: Annotated[
        Literal["none", "users", "everyone"], Field(description="users: people with an account; everyone: guests too.")
    ],
) -> ConversationItem:
    """Let people who are not in a group or public conversation find and join it (moderators)."""
    return ConversationItem.of(await _api(nc).set_listable(token, LISTABLE_SCOPES[listable]))


@tool(TOOLSET, UPDATE, title="Set Talk conversation password")
async def nc_talk_set_password(
    nc: Nextcloud, token: Token, password: Annotated[str, Field(description="'' removes it.")]
) -> ConversationItem:
    """Require a password from guests joining a public conversation by link (moderators)."""
    return ConversationItem.of(await _api(nc).set_password(token, password))


@tool(TOOLSET, UPDATE, title="Set Talk conversation lobby", requires=LOBBY)
async def nc_talk_set_lobby(
    nc: Nextcloud,
    token: Token,
    lobby: Annotated[bool, Field(description="True: only moderators may join.")],
    until: Annotated[datetime | None, Field(description="When the lobby opens by itself.")] = None,
) -> ConversationItem:
    """Turn a group or public conversation's lobby on or off (moderators)."""
    if until is not None and not lobby:
        raise invalid("until", "only goes with lobby=true; omit it")
    if until is not None and until.tzinfo is None:
        raise invalid("until", "needs a time zone, e.g. 2026-05-01T09:00:00+02:00")
    if until is not None and until <= datetime.now(UTC):
        raise invalid("until", "is in the past; give a future time or omit it")
    return ConversationItem.of(await _api(nc).set_lobby(token, lobby, int(until.timestamp()) if until else None))


@tool(TOOLSET, READ, title="Get Talk note-to-self", requires=NOTES)
async def nc_talk_get_note_to_self(nc: Nextcloud) -> ConversationItem:
    """Your private note-to-self conversation (created on first use); post notes with talk_send_message."""
    return ConversationItem.of(await _api(nc).note_to_self())


@tool(TOOLSET, READ, title="List upcoming Talk reminders", requires=UPCOMING)
async def nc_talk_list_upcoming_reminders(nc: Nextcloud) -> UpcomingReminders:
    """List your reminders about messages that have not fired yet, across conversations."""
    found = await _api(nc).upcoming_reminders()
    items = [UpcomingItem(token=r.room_token, message_id=r.message_id, author=r.actor_display_name,
                          time=_time(r.reminder_timestamp), text=r.text()) for r in found]  # fmt: skip
    return UpcomingReminders(items=items)


# -- pinned messages ----------------------------------------------------------------------------
@tool(TOOLSET, UPDATE, title="Pin Talk message", requires=PINS)
async def nc_talk_pin_message(
    nc: Nextcloud,
    token: Token,
    message_id: MessageId,
    until: Annotated[datetime | None, Field(description="Unpin then; default: until unpinned.")] = None,
) -> PinnedItem:
    """Pin a message to the top of a conversation for everyone (moderators)."""
    if until is not None and until.tzinfo is None:
        raise invalid("until", "needs a time zone, e.g. 2026-05-01T09:00:00+02:00")
    if until is not None and until <= datetime.now(UTC):
        raise invalid("until", "is in the past; give a future time or omit it")
    return PinnedItem.of(await _api(nc).pin(token, message_id, int(until.timestamp()) if until else None))


@tool(TOOLSET, UPDATE, title="Unpin Talk message", requires=PINS)
async def nc_talk_unpin_message(nc: Nextcloud, token: Token, message_id: MessageId) -> MessageItem:
    """Unpin a message (moderators)."""
    return MessageItem.of(await _api(nc).unpin(token, message_id))


@tool(TOOLSET, READ, title="List pinned Talk messages", requires=PINS)
async def nc_talk_list_pinned(nc: Nextcloud, token: Token, limit: Limit = 50, offset: Offset = 0) -> Paged[PinnedItem]:
    """List a conversation's pinned messages, most recently pinned first."""
    found = [PinnedItem.of(m) for m in await _api(nc).pinned(token)]
    return Paged[PinnedItem].of(found, offset, limit)


# -- threads ------------------------------------------------------------------------------------
def _title(value: str) -> str:
    if not value.strip():
        raise invalid("title", "must not be empty; name the thread")
    return value.strip()


@tool(TOOLSET, READ, title="List Talk threads", requires=THREADS)
async def nc_talk_list_threads(nc: Nextcloud, token: Token, limit: Annotated[int, Field(ge=1, le=50)] = 25) -> Threads:
    """List a conversation's threads with their first and newest message."""
    return Threads(token=token, threads=[ThreadItem.of(t) for t in await _api(nc).threads(token, limit)])


@tool(TOOLSET, READ, title="Get Talk thread", requires=THREADS)
async def nc_talk_get_thread(
    nc: Nextcloud,
    token: Token,
    thread_id: ThreadId,
    limit: Annotated[int, Field(ge=1, le=200)] = 50,
    last_known_message_id: Annotated[int | None, Field(ge=1, description="Read messages older than this.")] = None,
) -> ThreadMessages:
    """Read a thread and its messages, newest page first."""
    api = _api(nc)
    thread = ThreadItem.of(await api.thread(token, thread_id))
    page = await api.history(token, limit, last_known_message_id or 0, thread_id=thread_id)
    more = page.last_given if len(page.messages) >= limit else None
    return ThreadMessages(thread=thread, messages=_shown(page.messages), last_known_message_id=more)


@tool(TOOLSET, CREATE, title="Start Talk thread", requires=THREADS)
async def nc_talk_start_thread(
    nc: Nextcloud, token: Token, title: str, message: Annotated[str, Field(description="Its first message.")]
) -> MessageItem:
    """Start a thread in a conversation; its id is the first message's id."""
    name, text = _title(title), _text("message", message)
    return MessageItem.of(await _api(nc).send(token, text, uuid.uuid4().hex, thread_title=name))


@tool(TOOLSET, CREATE, title="Reply in Talk thread", requires=THREADS)
async def nc_talk_reply_in_thread(
    nc: Nextcloud, token: Token, thread_id: ThreadId, message: str, silent: bool = False
) -> MessageItem:
    """Post a message into a thread."""
    api = _api(nc)
    text = _text("message", message)
    await api.thread(token, thread_id)
    return MessageItem.of(await api.send(token, text, uuid.uuid4().hex, silent=silent, thread_id=thread_id))


@tool(TOOLSET, UPDATE, title="Rename Talk thread", requires=THREADS)
async def nc_talk_rename_thread(nc: Nextcloud, token: Token, thread_id: ThreadId, title: str) -> ThreadItem:
    """Rename a thread (its starter or a moderator)."""
    return ThreadItem.of(await _api(nc).rename_thread(token, thread_id, _title(title)))


@tool(TOOLSET, UPDATE, title="Set Talk thread notifications", requires=THREADS)
async def nc_talk_set_thread_notifications(
    nc: Nextcloud,
    token: Token,
    thread_id: ThreadId,
    level: Annotated[
        Literal["default", "always", "mentions", "never"], Field(description="default: as the conversation.")
    ],
) -> ThreadItem:
    """Choose when a thread notifies you."""
    return ThreadItem.of(await _api(nc).thread_notifications(token, thread_id, NOTIFY[level]))
