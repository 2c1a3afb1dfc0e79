"""Nextcloud Talk (spreed) over OCS: conversations and their settings, participants, chat, reactions, polls,
reminders, pinned messages and threads.

Follows `nextcloud-31/spreed.openapi.json` (Talk 21) and Talk's documented behaviour
(nextcloud-talk.readthedocs.io: conversation, participant, chat, reaction, poll API pages):

- Rooms (`api/v4/room`): types 1 one-to-one, 2 group, 3 public. Creating a one-to-one room with
  someone you already have one with answers 200 with it (201 for a new room). A user who is not a
  participant gets 404 for every route of the room (Talk's middleware: "Room not found").
  Participant types: 1 owner, 2 moderator, 3 user, 4 guest. Renaming (`PUT room/{token}`), the
  description, deleting and adding people need a moderator (403 otherwise); one-to-one rooms
  cannot be renamed (400 `type`) nor take more people (400 `room-type`). Leaving as the last
  moderator of a group room with others in it is 400 `last-moderator`.
- Chat (`api/v1/chat/{token}`): message ids come from one counter for the whole server, so they
  only grow. `lookIntoFuture=0` answers up to `limit` (at most 200) messages older than
  `lastKnownMessageId` (all when 0), newest first; `lookIntoFuture=1` answers the ones newer,
  oldest first, and with `setReadMarker=1` moves the caller's read marker to the newest it gave.
  Nothing to give is 304 (long polling is not emulated: `timeout` is treated as 0).
  `X-Chat-Last-Given` is the last id in the answer; `X-Chat-Last-Common-Read` the lowest read
  marker among the users. Sending moves the sender's read marker to their message. A reply
  carries its `parent`. System messages are written as Talk writes them (`conversation_created`,
  `user_added`, `user_removed`, `moderator_promoted`/`_demoted`, `conversation_renamed`,
  `description_set`, `message_edited`, `message_deleted`, `reaction`, `poll_voted`, `poll_closed`).
  Editing is the author's alone (403), not of system messages (405); deleting is the author's or
  a moderator's. Both answer the new system message with the changed message as its parent.
  `POST chat/{token}/read` sets the read marker (the last message when none is given);
  `DELETE` marks the last message unread (marker at the message before it).
- Context (`chat/{token}/{messageId}/context`): up to `limit` messages before the message, the
  message and up to `limit` after, oldest first.
- Reactions: adding one answers 201 (200 when it already existed) with the message's reactions by
  emoji; removing one you have not made is 404.
- Polls: creating posts a message with the poll as its `{object}`; voting replaces one's votes;
  closing is for the author or a moderator (403), a second time 400.
- Reminders (`chat/{token}/{messageId}/reminder`), upcoming reminders (`chat/upcoming-reminders`:
  the caller's that have not fired, soonest first), the shared-items overview, shared items of one
  type (`chat/{token}/share`: an object keyed by message id) and mention suggestions as documented.
- Conversation settings: favourite and archive are each participant's own; read-only (a read-only
  conversation refuses messages with 403), listable and the lobby are for moderators of group and
  public conversations (400 `type` otherwise), a password only for public ones, and a password
  shorter than the password_policy app's default 10 characters is 400 `value` with its message.
  `room/note-to-self` answers the caller's note-to-self conversation (type 6), created on first
  use; a conversation without messages has `lastMessage: []`, as Talk sends it.
- Pinned messages (Talk 23, `chat/{token}/{messageId}/pin`, SOURCES.md): moderators pin (optionally
  `pinUntil`) and unpin (403 otherwise), answered with the message and its `metaData.pinned*`;
  pinning posts `message_pinned`, pinning again only changes `pinUntil`; unpinning posts
  `message_unpinned`. They are listed as shared items of type `pinned`, most recently pinned first;
  the conversation's `lastPinnedId` is the most recently pinned one.
- Threads (Talk 22): sending with `threadTitle` starts a thread whose id is that message's
  (`thread_created`, silent; titles over 200 characters are cut with an ellipsis); sending with
  `threadId`, or replying to a message in a thread, posts into it (400 `thread` for an unknown
  one); `chat/{token}?threadId=` reads one thread. `threads/recent` (most recently active first),
  `threads/{threadId}` (404 `thread`), renaming by the thread's starter or a moderator (403
  `permission`, 400 `title`, posts `thread_renamed`) and `threads/{messageId}/notify` (levels
  0-3, 400 `level`, 404 `message`).

Capabilities: `{"spreed": {"features": [...], ...}}`; `without_features(user_id, ...)` drops
features for one user (a Talk older than the stand-in's, for per-feature gating tests).
Teams: `add_circle(id, name, *members)` registers a team that `source=circles` can add.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.standin.core import User
from tests.standin.kit import EmulatedApp, Failure, Reply, Request, Sample, route

CONTRACT = "nextcloud-31/spreed.openapi.json"
NEWER = "SOURCES.md"
"""Pinned messages (Talk 23) and threads (Talk 22) are newer than the Nextcloud 31 contract; SOURCES.md
says where they are documented (nextcloud/spreed's current openapi.json and ThreadController)."""
MIN_PASSWORD = 10
MIN_PASSWORD_MESSAGE = "Password needs to be at least 10 characters long."
"""The password_policy app's default minimum length, which conversation passwords must meet."""
API = "/ocs/v2.php/apps/spreed/api/{apiVersion}"
ROOM = API + "/room"
CHAT = API + "/chat/{token}"
FEATURES = [
    "audio", "video", "chat-v2", "conversation-v4", "guest-signaling", "empty-group-room", "guest-display-names",
    "multi-room-users", "favorites", "last-room-activity", "no-ping", "system-messages", "delete-messages",
    "mention-flag", "in-call-flags", "conversation-call-flags", "notification-levels", "invite-groups-and-mails",
    "locked-one-to-one-rooms", "read-only-rooms", "listable-rooms", "chat-read-marker", "chat-unread",
    "webinary-lobby", "start-call-flag", "chat-replies", "circles-support", "force-mute", "sip-support",
    "chat-read-last", "chat-reference-id", "rich-object-list-media", "rich-object-delete", "reactions",
    "rich-object-sharing", "conversation-description", "silent-send", "talk-polls", "message-expiration",
    "unified-search", "remind-me-later", "edit-messages", "mention-permissions", "archived-conversations-v2",
    "chat-summary-api", "important-conversations", "sensitive-conversations", "note-to-self", "upcoming-reminders",
    "threads", "pinned-messages",
]  # fmt: skip
HIDDEN = {"message_deleted", "message_edited", "reaction", "reaction_deleted", "reaction_revoked", "poll_voted"}
"""System messages that only tell clients to update another message (Talk still sends them)."""
KINDS = {"file": "file", "talk-poll": "poll", "deck-card": "deckcard", "geo-location": "location"}
"""Rich object type -> the shared-items bucket Talk files it under (others: `other`)."""
OWNER, MODERATOR, USER, GUEST = 1, 2, 3, 4
ONE_TO_ONE, GROUP, PUBLIC, NOTE_TO_SELF = 1, 2, 3, 6
TITLE = 200
"""Thread titles longer than this are cut to 199 characters and an ellipsis."""
ALL_PERMISSIONS = 254


@dataclass
class Attendee:
    id: int
    actor_type: str
    actor_id: str
    display_name: str
    participant_type: int
    last_read: int = 0
    invited: str = ""
    favorite: bool = False
    archived: bool = False
    hidden_pinned: int = 0
    thread_levels: dict[int, int] = field(default_factory=dict)

    def json(self, token: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "actorId": self.actor_id, "actorType": self.actor_type, "attendeeId": self.id,
            "attendeePermissions": 0, "attendeePin": "", "displayName": self.display_name, "inCall": 0,
            "lastPing": 0, "participantType": self.participant_type, "permissions": ALL_PERMISSIONS,
            "roomToken": token, "sessionIds": [],
        }  # fmt: skip
        if self.invited:
            data["invitedActorId"] = self.invited
        return data


@dataclass
class Message:
    id: int
    token: str
    actor_type: str
    actor_id: str
    display_name: str
    message: str
    timestamp: int
    message_type: str = "comment"
    system: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    reply_to: int = 0
    silent: bool = False
    reference_id: str = ""
    reactions: dict[str, list[tuple[str, str, str, int]]] = field(default_factory=dict)
    """emoji -> (actorType, actorId, displayName, timestamp) of who reacted, in order."""
    edited: tuple[str, str, int] | None = None
    deleted: bool = False
    pinned: tuple[str, str, int, int] | None = None
    """(actorId, displayName, pinnedAt, pinnedUntil or 0) while pinned."""
    pin_order: int = 0
    thread_id: int = 0

    def json(self, me: str, *, parent: Message | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "actorDisplayName": self.display_name, "actorId": self.actor_id, "actorType": self.actor_type,
            "expirationTimestamp": 0, "message": self.message, "messageParameters": self.parameters,
            "messageType": self.message_type, "systemMessage": self.system, "id": self.id,
            "isReplyable": self.message_type not in ("system", "comment_deleted"), "markdown": True,
            "reactions": {emoji: len(who) for emoji, who in self.reactions.items() if who},
            "referenceId": self.reference_id, "timestamp": self.timestamp, "token": self.token,
        }  # fmt: skip
        mine = [emoji for emoji, who in self.reactions.items() if any(w[1] == me for w in who)]
        if mine:
            data["reactionsSelf"] = mine
        if self.silent:
            data["silent"] = True
        if self.deleted:
            data["deleted"] = True
        if self.edited is not None:
            data.update(lastEditActorId=self.edited[0], lastEditActorType="users",
                        lastEditActorDisplayName=self.edited[1], lastEditTimestamp=self.edited[2])  # fmt: skip
        if self.pinned is not None:
            meta = {"pinnedActorType": "users", "pinnedActorId": self.pinned[0],
                    "pinnedActorDisplayName": self.pinned[1], "pinnedAt": self.pinned[2]}  # fmt: skip
            if self.pinned[3]:
                meta["pinnedUntil"] = self.pinned[3]
            data["metaData"] = meta
        if parent is not None:
            data["parent"] = parent.json(me)
        return data


@dataclass
class Poll:
    id: int
    token: str
    question: str
    options: list[str]
    author: tuple[str, str]
    result_mode: int
    max_votes: int
    closed: bool = False
    votes: dict[str, list[int]] = field(default_factory=dict)
    """user id -> the options they voted for."""

    def json(self, me: str, moderator: bool, names: dict[str, str]) -> dict[str, Any]:
        data: dict[str, Any] = {
            "actorDisplayName": self.author[1], "actorId": self.author[0], "actorType": "users", "id": self.id,
            "maxVotes": self.max_votes, "options": self.options, "question": self.question,
            "resultMode": self.result_mode, "status": 1 if self.closed else 0,
            "votedSelf": self.votes.get(me, []), "numVoters": sum(1 for v in self.votes.values() if v),
        }  # fmt: skip
        public = self.closed or (self.result_mode == 0 and (me in self.votes or me == self.author[0] or moderator))
        if public:
            counts: dict[str, int] = {}
            for chosen in self.votes.values():
                for option in chosen:
                    counts[f"option-{option}"] = counts.get(f"option-{option}", 0) + 1
            data["votes"] = counts
            if self.result_mode == 0:
                data["details"] = [
                    {"actorDisplayName": names.get(uid, uid), "actorId": uid, "actorType": "users", "optionId": option}
                    for uid, chosen in self.votes.items()
                    for option in chosen
                ]
        return data


@dataclass
class Thread:
    id: int
    """The id of its first message."""
    title: str
    last_message_id: int = 0
    last_activity: int = 0
    replies: int = 0


@dataclass
class Room:
    id: int
    token: str
    type: int
    name: str
    description: str = ""
    attendees: dict[int, Attendee] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    last_activity: int = 0
    read_only: int = 0
    listable: int = 0
    password: str = ""
    lobby: tuple[int, int] = (0, 0)
    """(lobbyState, lobbyTimer)."""
    threads: dict[int, Thread] = field(default_factory=dict)

    def attendee(self, actor_id: str, actor_type: str = "users") -> Attendee | None:
        return next((a for a in self.attendees.values() if a.actor_id == actor_id and a.actor_type == actor_type), None)

    def users(self) -> list[Attendee]:
        return [a for a in self.attendees.values() if a.actor_type == "users"]

    def message(self, message_id: int) -> Message | None:
        return next((m for m in self.messages if m.id == message_id), None)


class SpreedApp(EmulatedApp):
    """Talk (see the module docstring)."""

    app_id = "spreed"
    prefixes = ("/ocs/v2.php/apps/spreed/",)

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self._lock = threading.RLock()
        self.rooms: dict[str, Room] = {}
        self.polls: dict[int, Poll] = {}
        self.reminders: dict[tuple[str, str, int], int] = {}
        """(user, token, message id) -> timestamp."""
        self.circles: dict[str, tuple[str, set[str]]] = {}
        self.missing_features: dict[str, set[str]] = {}
        self._ids = 0

    # -- what tests use ------------------------------------------------------------------------
    def capabilities(self, user: User | None) -> dict[str, Any]:
        gone = self.missing_features.get(user.id, set()) if user is not None else set()
        features = [f for f in dict.fromkeys(FEATURES) if f not in gone]
        config = {
            "attachments": {"allowed": True, "folder": "/Talk"},
            "chat": {"max-length": 32000, "read-privacy": 0, "has-translation-providers": False, "typing-privacy": 0},
            "conversations": {"can-create": True},
        }
        local = ["favorites", "archived-conversations-v2", "note-to-self", "upcoming-reminders", "remind-me-later"]
        return {"spreed": {"features": features, "features-local": local, "config": config,
                           "config-local": {}, "version": "21.0.0"}}  # fmt: skip

    def without_features(self, user_id: str, *features: str) -> None:
        """Hide `features` from `user_id`'s capabilities (none: show all again)."""
        with self._lock:
            if features:
                self.missing_features[user_id] = set(features)
            else:
                self.missing_features.pop(user_id, None)

    def add_circle(self, circle_id: str, name: str, *members: str) -> None:
        with self._lock:
            self.circles[circle_id] = (name, set(members))

    def room(self, token: str) -> Room:
        return self.rooms[token]

    def _next(self) -> int:
        self._ids += 1
        return self._ids

    def _name(self, user_id: str) -> str:
        user = self.standin.users.get(user_id)
        return user.display_name if user is not None else user_id

    def _groups(self) -> dict[str, Any]:
        users = self.standin.services.get("provisioning_api") or self.standin.services.get("files_sharing")
        found = getattr(users, "groups", None)
        return found if isinstance(found, dict) else {}

    def create_room(self, owner: str, room_type: int, name: str, *others: str) -> Room:
        with self._lock:
            room = Room(self._next(), secrets.token_hex(4), room_type, name, last_activity=int(time.time()))
            self.rooms[room.token] = room
            self._join(room, "users", owner, self._name(owner), OWNER)
            self._system(room, owner, "conversation_created", "{actor} created the conversation")
            for other in others:
                self._join(room, "users", other, self._name(other), OWNER if room_type == ONE_TO_ONE else USER)
                if room_type != ONE_TO_ONE:
                    self._system(room, owner, "user_added", "{actor} added {user}", user=other)
            return room

    def post(self, room: Room, user_id: str, text: str, *, reply_to: int = 0, silent: bool = False) -> Message:
        """`user_id` sends `text` (their read marker moves to it, as Talk does)."""
        with self._lock:
            found = Message(self._next(), room.token, "users", user_id, self._name(user_id), text, int(time.time()),
                            reply_to=reply_to, silent=silent)  # fmt: skip
            room.messages.append(found)
            room.last_activity = found.timestamp
            me = room.attendee(user_id)
            if me is not None:
                me.last_read = found.id
            return found

    def _join(self, room: Room, actor_type: str, actor_id: str, name: str, kind: int, invited: str = "") -> Attendee:
        found = room.attendee(actor_id, actor_type)
        if found is None:
            last = room.messages[-1].id if room.messages else 0
            found = Attendee(self._next(), actor_type, actor_id, name, kind, last, invited)
            room.attendees[found.id] = found
        return found

    def _system(self, room: Room, actor: str, system: str, text: str, *, user: str = "", parent: int = 0) -> Message:
        parameters: dict[str, Any] = {"actor": {"type": "user", "id": actor, "name": self._name(actor)}}
        if user:
            parameters["user"] = {"type": "user", "id": user, "name": self._name(user)}
        found = Message(self._next(), room.token, "users", actor, self._name(actor), text, int(time.time()), "system",
                        system, parameters, reply_to=parent)  # fmt: skip
        room.messages.append(found)
        return found

    # -- request helpers -----------------------------------------------------------------------
    @staticmethod
    def _version(request: Request, version: str) -> None:
        if request.params["apiVersion"] != version:
            raise Failure(404, "")

    def _room(self, request: Request, version: str = "v4") -> tuple[Room, Attendee]:
        self._version(request, version)
        room = self.rooms.get(request.params["token"])
        me = room.attendee(request.user.id) if room is not None else None
        if room is None or me is None:
            raise Failure(404, "Room not found")
        return room, me

    def _moderator(self, request: Request, version: str = "v4") -> tuple[Room, Attendee]:
        room, me = self._room(request, version)
        if me.participant_type not in (OWNER, MODERATOR):
            raise Failure(403, "")
        return room, me

    def _message(self, room: Room, request: Request) -> Message:
        raw = request.params["messageId"]
        found = room.message(int(raw)) if raw.isdigit() else None
        if found is None:
            raise Failure(404, "", {"error": "message"})
        return found

    def _with_parent(self, room: Room, message: Message, me: str) -> dict[str, Any]:
        parent = room.message(message.reply_to) if message.reply_to else None
        return self._threaded(room, message.json(me, parent=parent), message)

    @staticmethod
    def _threaded(room: Room, data: dict[str, Any], message: Message) -> dict[str, Any]:
        thread = room.threads.get(message.thread_id)
        if thread is not None:
            data.update(threadId=thread.id, isThread=thread.id == message.id, threadTitle=thread.title,
                        threadReplies=thread.replies)  # fmt: skip
        return data

    @staticmethod
    def _title(title: str) -> str:
        return title if len(title) <= TITLE else title[: TITLE - 1] + "…"

    def _start_thread(self, room: Room, root: Message, title: str) -> Thread:
        thread = room.threads[root.id] = Thread(root.id, self._title(title), 0, root.timestamp)
        root.thread_id = root.id
        created = self._system(room, root.actor_id, "thread_created", "{actor} created thread {title}")
        created.parameters["title"] = {"type": "highlight", "id": str(root.id), "name": thread.title}
        created.silent, created.thread_id = True, root.id
        return thread

    @staticmethod
    def _into_thread(room: Room, message: Message, thread_id: int) -> None:
        thread = room.threads.get(thread_id)
        if thread is not None:
            message.thread_id = thread.id
            thread.replies += 1
            thread.last_message_id, thread.last_activity = message.id, message.timestamp

    def start_thread(self, room: Room, user_id: str, title: str, text: str) -> Message:
        """`user_id` posts `text` as the first message of a new thread called `title`."""
        with self._lock:
            root = self.post(room, user_id, text)
            self._start_thread(room, root, title)
            return root

    def reply_in_thread(self, room: Room, user_id: str, thread_id: int, text: str) -> Message:
        with self._lock:
            found = self.post(room, user_id, text)
            self._into_thread(room, found, thread_id)
            return found

    def room_json(self, room: Room, me: Attendee) -> dict[str, Any]:
        others = [a for a in room.users() if a.actor_id != me.actor_id]
        name = room.name
        if room.type == ONE_TO_ONE and others:
            name, display = others[0].actor_id, others[0].display_name
        else:
            display = room.name
        visible = [m for m in room.messages if m.system not in HIDDEN]
        unread = [m for m in visible if m.id > me.last_read and m.message_type != "system"]
        last = visible[-1].json(me.actor_id) if visible else []
        moderator = me.participant_type in (OWNER, MODERATOR)
        pins = [m for m in room.messages if m.pinned is not None]
        pinned = max(pins, key=lambda m: m.pin_order).id if pins else 0
        return {
            "actorId": me.actor_id, "actorType": me.actor_type, "attendeeId": me.id, "attendeePermissions": 0,
            "attendeePin": None, "avatarVersion": "", "breakoutRoomMode": 0, "breakoutRoomStatus": 0, "callFlag": 0,
            "callPermissions": 0, "callRecording": 0, "callStartTime": 0,
            "canDeleteConversation": moderator and room.type != ONE_TO_ONE, "canEnableSIP": False,
            "canLeaveConversation": True, "canStartCall": True, "defaultPermissions": 0,
            "description": room.description, "displayName": display, "hasCall": False,
            "hasPassword": bool(room.password), "id": room.id, "isCustomAvatar": False, "isFavorite": me.favorite,
            "lastActivity": room.last_activity,
            "lastCommonReadMessage": self._common_read(room), "lastMessage": last, "lastPing": 0,
            "lastReadMessage": me.last_read, "listable": room.listable, "lobbyState": room.lobby[0],
            "lobbyTimer": room.lobby[1],
            "mentionPermissions": 0, "messageExpiration": 0, "name": name, "notificationCalls": 1,
            "notificationLevel": 1 if room.type == ONE_TO_ONE else 2, "objectId": "", "objectType": "",
            "participantFlags": 0, "participantType": me.participant_type, "permissions": ALL_PERMISSIONS,
            "readOnly": room.read_only, "recordingConsent": 0, "sessionId": "0", "sipEnabled": 0, "token": room.token,
            "type": room.type, "unreadMention": False, "unreadMentionDirect": False, "unreadMessages": len(unread),
            "isArchived": me.archived, "isImportant": False, "isSensitive": False,
            "lastPinnedId": pinned, "hiddenPinnedId": me.hidden_pinned,
        }  # fmt: skip

    @staticmethod
    def _common_read(room: Room) -> int:
        return min((a.last_read for a in room.users()), default=0)

    def _chat_headers(self, room: Room, last_given: int | None = None) -> list[tuple[str, str]]:
        headers = [("X-Chat-Last-Common-Read", str(self._common_read(room)))]
        if last_given is not None:
            headers.append(("X-Chat-Last-Given", str(last_given)))
        return headers

    @staticmethod
    def _int(args: dict[str, Any], name: str, default: int) -> int:
        value = args.get(name, default)
        if isinstance(value, bool):
            return int(value)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise Failure(400, f"{name} is not a number") from None

    # -- conversations -------------------------------------------------------------------------
    @route("GET", ROOM, contract=CONTRACT)
    async def list_rooms(self, request: Request) -> Reply:
        self._version(request, "v4")
        since = self._int(request.args(), "modifiedSince", 0)
        with self._lock:
            found = [self.room_json(r, me) for r in self.rooms.values()
                     if (me := r.attendee(request.user.id)) is not None and r.last_activity >= since]  # fmt: skip
        return Reply(200, found, headers=[("X-Nextcloud-Talk-Hash", hashlib.sha1(b"spreed").hexdigest())])  # noqa: S324

    @route("POST", ROOM, contract=CONTRACT)
    async def create(self, request: Request) -> Reply:
        self._version(request, "v4")
        args = request.args()
        room_type = self._int(args, "roomType", 0)
        invite, name, source = str(args.get("invite") or ""), str(args.get("roomName") or ""), args.get("source") or ""
        me = request.user.id
        with self._lock:
            if room_type == ONE_TO_ONE:
                if invite not in self.standin.users or invite == me:
                    raise Failure(404, "", {"error": "invite"})
                for room in self.rooms.values():
                    if room.type == ONE_TO_ONE and {a.actor_id for a in room.users()} == {me, invite}:
                        return Reply(200, self.room_json(room, room.attendee(me)))  # type: ignore[arg-type]
                room = self.create_room(me, ONE_TO_ONE, "", invite)
                return Reply(201, self.room_json(room, room.attendee(me)))  # type: ignore[arg-type]
            if room_type not in (GROUP, PUBLIC):
                raise Failure(400, "", {"error": "type"})
            if not name.strip() or len(name) > 255:
                raise Failure(400, "", {"error": "name"})
            members: list[str] = []
            if invite and source == "groups":
                group = self._groups().get(invite)
                if group is None:
                    raise Failure(404, "", {"error": "invite"})
                members = sorted(group.members - {me})
            elif invite:
                if invite not in self.standin.users:
                    raise Failure(404, "", {"error": "invite"})
                members = [invite] if invite != me else []
            room = self.create_room(me, room_type, name.strip(), *members)
            description = str(args.get("description") or "")
            if description:
                room.description = description
            return Reply(201, self.room_json(room, room.attendee(me)))  # type: ignore[arg-type]

    @route("GET", ROOM + "/{token}", contract=CONTRACT)
    async def get_room(self, request: Request) -> Reply:
        with self._lock:
            room, me = self._room(request)
            return Reply(200, self.room_json(room, me))

    @route("PUT", ROOM + "/{token}", contract=CONTRACT)
    async def rename(self, request: Request) -> Reply:
        with self._lock:
            room, me = self._moderator(request)
            name = str(request.args().get("roomName") or "").strip()
            if room.type == ONE_TO_ONE:
                raise Failure(400, "", {"error": "type"})
            if not name or len(name) > 255:
                raise Failure(400, "", {"error": "value"})
            if name != room.name:
                room.name = name
                self._system(room, me.actor_id, "conversation_renamed", "{actor} renamed the conversation")
            return Reply(200, self.room_json(room, me))

    @route("PUT", ROOM + "/{token}/description", contract=CONTRACT)
    async def describe(self, request: Request) -> Reply:
        with self._lock:
            room, me = self._moderator(request)
            description = str(request.args().get("description") or "")
            if room.type == ONE_TO_ONE:
                raise Failure(400, "", {"error": "type"})
            if len(description) > 2000:
                raise Failure(400, "", {"error": "value"})
            if description != room.description:
                room.description = description
                self._system(room, me.actor_id, "description_set", "{actor} set the description")
            return Reply(200, self.room_json(room, me))

    @route("DELETE", ROOM + "/{token}", contract=CONTRACT)
    async def delete_room(self, request: Request) -> Reply:
        with self._lock:
            room, me = self._room(request)
            if room.type == ONE_TO_ONE:  # either participant may delete a one-to-one conversation
                pass
            elif me.participant_type not in (OWNER, MODERATOR):
                raise Failure(403, "")
            del self.rooms[room.token]
            return Reply(200, None)

    @route("DELETE", ROOM + "/{token}/participants/self", contract=CONTRACT)
    async def leave(self, request: Request) -> Reply:
        with self._lock:
            room, me = self._room(request)
            others = [a for a in room.users() if a.id != me.id]
            moderators = [a for a in others if a.participant_type in (OWNER, MODERATOR)]
            if room.type != ONE_TO_ONE and me.participant_type in (OWNER, MODERATOR) and others and not moderators:
                raise Failure(400, "", {"error": "last-moderator"})
            del room.attendees[me.id]
            if not room.users():
                del self.rooms[room.token]
            elif room.type != ONE_TO_ONE:
                self._system(room, me.actor_id, "user_removed", "{actor} left the conversation", user=me.actor_id)
            return Reply(200, None)

    # -- participants --------------------------------------------------------------------------
    @route("GET", ROOM + "/{token}/participants", contract=CONTRACT)
    async def participants(self, request: Request) -> Reply:
        with self._lock:
            room, _ = self._room(request)
            return Reply(200, [a.json(room.token) for a in room.attendees.values()])

    @route("POST", ROOM + "/{token}/participants", contract=CONTRACT)
    async def add_participant(self, request: Request) -> Reply:
        with self._lock:
            room, me = self._moderator(request)
            args = request.args()
            new, source = str(args.get("newParticipant") or "").strip(), str(args.get("source") or "users")
            if room.type == ONE_TO_ONE:
                raise Failure(400, "", {"error": "room-type"})
            if source not in ("users", "groups", "emails", "circles"):
                raise Failure(400, "", {"error": "source"})
            if not new:
                raise Failure(400, "", {"error": "new-participant"})
            users: list[str] = []
            if source == "users":
                if new not in self.standin.users:
                    raise Failure(404, "", {"error": "new-participant"})
                users = [new]
            elif source == "groups":
                group = self._groups().get(new)
                if group is None:
                    raise Failure(404, "", {"error": "new-participant"})
                self._join(room, "groups", new, group.display_name, USER)
                users = sorted(group.members)
            elif source == "circles":
                circle = self.circles.get(new)
                if circle is None:
                    raise Failure(404, "", {"error": "new-participant"})
                self._join(room, "circles", new, circle[0], USER)
                users = sorted(circle[1])
            else:
                if "@" not in new or new.startswith("@") or new.endswith("@"):
                    raise Failure(400, "", {"error": "new-participant"})
                if room.type != PUBLIC:  # inviting by email makes the conversation public
                    room.type = PUBLIC
                actor = hashlib.sha256(new.encode()).hexdigest()[:16]
                self._join(room, "emails", actor, new, GUEST, invited=new)
            for user_id in users:
                if room.attendee(user_id) is None:
                    self._join(room, "users", user_id, self._name(user_id), USER)
                    self._system(room, me.actor_id, "user_added", "{actor} added {user}", user=user_id)
            return Reply(200, {"type": room.type})

    def _target(self, room: Room, request: Request) -> Attendee:
        raw = str(request.args().get("attendeeId") or "")
        found = room.attendees.get(int(raw)) if raw.isdigit() else None
        if found is None:
            raise Failure(404, "", {"error": "participant"})
        return found

    @route("DELETE", ROOM + "/{token}/attendees", contract=CONTRACT)
    async def remove_attendee(self, request: Request) -> Reply:
        with self._lock:
            room, me = self._room(request)
            if me.participant_type not in (OWNER, MODERATOR):
                raise Failure(403, "", {"error": "participant"})
            if room.type == ONE_TO_ONE:
                raise Failure(400, "", {"error": "room-type"})
            target = self._target(room, request)
            if target.id == me.id:
                raise Failure(400, "", {"error": "participant"})
            if target.participant_type == OWNER and me.participant_type != OWNER:
                raise Failure(403, "", {"error": "owner"})
            del room.attendees[target.id]
            if target.actor_type == "users":
                self._system(room, me.actor_id, "user_removed", "{actor} removed {user}", user=target.actor_id)
            return Reply(200, None)

    async def _role(self, request: Request, promote: bool) -> Reply:
        with self._lock:
            room, me = self._room(request)
            if me.participant_type not in (OWNER, MODERATOR):
                raise Failure(403, "")
            target = self._target(room, request)
            if target.id == me.id or target.participant_type == OWNER or target.actor_type in ("groups", "circles"):
                raise Failure(400, "")
            wanted = (MODERATOR if promote else USER) if target.actor_type == "users" else (6 if promote else GUEST)
            if target.participant_type != wanted:
                target.participant_type = wanted
                kind = "moderator_promoted" if promote else "moderator_demoted"
                self._system(room, me.actor_id, kind, "{actor} changed {user}'s role", user=target.actor_id)
            return Reply(200, None)

    @route("POST", ROOM + "/{token}/moderators", contract=CONTRACT)
    async def promote(self, request: Request) -> Reply:
        return await self._role(request, True)

    @route("DELETE", ROOM + "/{token}/moderators", contract=CONTRACT)
    async def demote(self, request: Request) -> Reply:
        return await self._role(request, False)

    # -- chat ----------------------------------------------------------------------------------
    @route("GET", CHAT, contract=CONTRACT)
    async def receive(self, request: Request) -> Reply:
        args = request.args()
        future = self._int(args, "lookIntoFuture", 0) == 1
        limit = min(max(self._int(args, "limit", 100), 1), 200)
        known = self._int(args, "lastKnownMessageId", 0)
        include = self._int(args, "includeLastKnown", 0) == 1
        thread = self._int(args, "threadId", 0)
        with self._lock:
            room, me = self._room(request, "v1")
            messages = [m for m in room.messages if m.thread_id == thread] if thread else room.messages
            if future:
                found = [m for m in messages if m.id > known or (include and m.id == known)][:limit]
            else:
                older = [m for m in messages if known == 0 or m.id < known or (include and m.id == known)]
                found = list(reversed(older))[:limit]
            if not found:
                return Reply(304, headers=self._chat_headers(room))
            if future and self._int(args, "setReadMarker", 1) == 1:
                me.last_read = max(me.last_read, max(m.id for m in found))
            data = [self._with_parent(room, m, me.actor_id) for m in found]
            return Reply(200, data, headers=self._chat_headers(room, found[-1].id))

    @route("POST", CHAT, contract=CONTRACT)
    async def send(self, request: Request) -> Reply:
        args = request.args()
        text = str(args.get("message") or "")
        with self._lock:
            room, me = self._room(request, "v1")
            if not text.strip():
                raise Failure(400, "", {"error": "message"})
            if len(text) > 32000:
                raise Failure(413, "", {"error": "message"})
            if room.read_only and room.type != NOTE_TO_SELF:
                raise Failure(403, "", {"error": "read-only"})
            reply_to, thread_id = self._int(args, "replyTo", 0), self._int(args, "threadId", 0)
            title = str(args.get("threadTitle") or "").strip()
            parent = room.message(reply_to) if reply_to else None
            if reply_to and (parent is None or parent.message_type in ("system", "comment_deleted")):
                raise Failure(400, "", {"error": "reply-to"})
            if thread_id and thread_id not in room.threads:
                raise Failure(400, "", {"error": "thread"})
            silent = args.get("silent") in (True, "1", "true", 1)
            found = self.post(room, me.actor_id, text, reply_to=reply_to, silent=silent)
            found.reference_id = str(args.get("referenceId") or "")
            if title:
                self._start_thread(room, found, title)
            else:
                self._into_thread(room, found, thread_id or (parent.thread_id if parent is not None else 0))
            return Reply(201, self._with_parent(room, found, me.actor_id), headers=self._chat_headers(room))

    @route("PUT", CHAT + "/{messageId}", contract=CONTRACT)
    async def edit(self, request: Request) -> Reply:
        text = str(request.args().get("message") or "")
        with self._lock:
            room, me = self._room(request, "v1")
            found = self._message(room, request)
            if found.message_type != "comment":
                raise Failure(405, "", {"error": "message"})
            if found.actor_id != me.actor_id:
                raise Failure(403, "", {"error": "permission"})
            if not text.strip():
                raise Failure(400, "", {"error": "message"})
            if len(text) > 32000:
                raise Failure(413, "", {"error": "message"})
            found.message = text
            found.edited = (me.actor_id, me.display_name, int(time.time()))
            system = self._system(room, me.actor_id, "message_edited", "{actor} edited a message", parent=found.id)
            return Reply(200, self._with_parent(room, system, me.actor_id), headers=self._chat_headers(room))

    @route("DELETE", CHAT + "/{messageId}", contract=CONTRACT)
    async def delete_message(self, request: Request) -> Reply:
        with self._lock:
            room, me = self._room(request, "v1")
            found = self._message(room, request)
            if found.message_type not in ("comment", "object_shared", "voice-message"):
                raise Failure(405, "", {"error": "message"})
            if found.actor_id != me.actor_id and me.participant_type not in (OWNER, MODERATOR):
                raise Failure(403, "", {"error": "permission"})
            found.message_type, found.message, found.deleted = "comment_deleted", "Message deleted by you", True
            found.parameters, found.reactions = {}, {}
            system = self._system(room, me.actor_id, "message_deleted", "{actor} deleted a message", parent=found.id)
            return Reply(200, self._with_parent(room, system, me.actor_id), headers=self._chat_headers(room))

    @route("GET", CHAT + "/{messageId}/context", contract=CONTRACT)
    async def context(self, request: Request) -> Reply:
        limit = min(max(self._int(request.args(), "limit", 50), 1), 100)
        with self._lock:
            room, me = self._room(request, "v1")
            raw = request.params["messageId"]
            target = int(raw) if raw.isdigit() else 0
            before = [m for m in room.messages if m.id < target][-limit:]
            after = [m for m in room.messages if m.id > target][:limit]
            here = [m for m in room.messages if m.id == target]
            found = before + here + after
            if not found:
                return Reply(304, headers=self._chat_headers(room))
            data = [self._with_parent(room, m, me.actor_id) for m in found]
            return Reply(200, data, headers=self._chat_headers(room, found[-1].id))

    @route("POST", CHAT + "/read", contract=CONTRACT)
    async def mark_read(self, request: Request) -> Reply:
        args = request.args()
        with self._lock:
            room, me = self._room(request, "v1")
            wanted = args.get("lastReadMessage")
            last = room.messages[-1].id if room.messages else 0
            me.last_read = self._int(args, "lastReadMessage", last) if wanted not in (None, "") else last
            return Reply(200, self.room_json(room, me), headers=self._chat_headers(room))

    @route("DELETE", CHAT + "/read", contract=CONTRACT)
    async def mark_unread(self, request: Request) -> Reply:
        with self._lock:
            room, me = self._room(request, "v1")
            shown = [m for m in room.messages if m.system not in HIDDEN]
            me.last_read = shown[-2].id if len(shown) > 1 else 0
            return Reply(200, self.room_json(room, me), headers=self._chat_headers(room))

    @route("GET", CHAT + "/mentions", contract=CONTRACT)
    async def mentions(self, request: Request) -> Reply:
        args = request.args()
        search = str(args.get("search") or "").casefold()
        limit = self._int(args, "limit", 20)
        with self._lock:
            room, _ = self._room(request, "v1")
            found = [{"id": a.actor_id, "label": a.display_name, "source": a.actor_type,
                      "mentionId": a.actor_id if a.actor_type == "users" else f"{a.actor_type[:-1]}/{a.actor_id}"}
                     for a in room.attendees.values()
                     if a.actor_type in ("users", "groups") and (search in a.actor_id.casefold()
                                                                 or search in a.display_name.casefold())]  # fmt: skip
            if "all".startswith(search) and room.type != ONE_TO_ONE:
                found.insert(0, {"id": "all", "label": room.name, "source": "calls", "mentionId": "all"})
            return Reply(200, found[:limit])

    @route("GET", CHAT + "/share/overview", contract=CONTRACT)
    async def shared_overview(self, request: Request) -> Reply:
        limit = self._int(request.args(), "limit", 7)
        with self._lock:
            room, me = self._room(request, "v1")
            found: dict[str, list[dict[str, Any]]] = {}
            for message in reversed(room.messages):
                shared = message.parameters.get("object") or message.parameters.get("file")
                if message.message_type == "system" or not isinstance(shared, dict):
                    continue
                kind = KINDS.get(str(shared.get("type")), "other")
                bucket = found.setdefault(kind, [])
                if len(bucket) < limit:
                    bucket.append(message.json(me.actor_id))
            return Reply(200, found)

    # -- reminders -----------------------------------------------------------------------------
    @route("POST", CHAT + "/{messageId}/reminder", contract=CONTRACT)
    async def set_reminder(self, request: Request) -> Reply:
        when = self._int(request.args(), "timestamp", 0)
        with self._lock:
            room, me = self._room(request, "v1")
            found = self._message(room, request)
            self.reminders[(me.actor_id, room.token, found.id)] = when
            return Reply(201, {"messageId": found.id, "timestamp": when, "token": room.token, "userId": me.actor_id})

    @route("DELETE", CHAT + "/{messageId}/reminder", contract=CONTRACT)
    async def delete_reminder(self, request: Request) -> Reply:
        with self._lock:
            room, me = self._room(request, "v1")
            found = self._message(room, request)
            if self.reminders.pop((me.actor_id, room.token, found.id), None) is None:
                raise Failure(404, "", {"error": "reminder"})
            return Reply(200, {})

    # -- conversation settings -----------------------------------------------------------------
    async def _mine(self, request: Request, attribute: str, value: bool) -> Reply:
        with self._lock:
            room, me = self._room(request)
            setattr(me, attribute, value)
            return Reply(200, self.room_json(room, me))

    @route("POST", ROOM + "/{token}/favorite", contract=CONTRACT)
    async def add_favorite(self, request: Request) -> Reply:
        return await self._mine(request, "favorite", True)

    @route("DELETE", ROOM + "/{token}/favorite", contract=CONTRACT)
    async def remove_favorite(self, request: Request) -> Reply:
        return await self._mine(request, "favorite", False)

    @route("POST", ROOM + "/{token}/archive", contract=CONTRACT)
    async def archive(self, request: Request) -> Reply:
        return await self._mine(request, "archived", True)

    @route("DELETE", ROOM + "/{token}/archive", contract=CONTRACT)
    async def unarchive(self, request: Request) -> Reply:
        return await self._mine(request, "archived", False)

    def _setting(
        self, request: Request, name: str, allowed: range, types: tuple[int, ...]
    ) -> tuple[Room, Attendee, int]:
        room, me = self._moderator(request)
        args = request.args()
        value = self._int(args, name, -1) if args.get(name) is not None else -1
        if room.type not in types:
            raise Failure(400, "", {"error": "type"})
        if value not in allowed:
            raise Failure(400, "", {"error": "value"})
        return room, me, value

    @route("PUT", ROOM + "/{token}/read-only", contract=CONTRACT)
    async def set_read_only(self, request: Request) -> Reply:
        with self._lock:
            room, me, state = self._setting(request, "state", range(2), (GROUP, PUBLIC))
            if state != room.read_only:
                room.read_only = state
                kind = "read_only" if state else "read_only_off"
                self._system(room, me.actor_id, kind, "{actor} locked the conversation" if state else
                             "{actor} unlocked the conversation")  # fmt: skip
            return Reply(200, self.room_json(room, me))

    @route("PUT", ROOM + "/{token}/listable", contract=CONTRACT)
    async def set_listable(self, request: Request) -> Reply:
        with self._lock:
            room, me, scope = self._setting(request, "scope", range(3), (GROUP, PUBLIC))
            if scope != room.listable:
                room.listable = scope
                kind = ("listable_none", "listable_users", "listable_all")[scope]
                self._system(room, me.actor_id, kind, "{actor} changed who can find the conversation")
            return Reply(200, self.room_json(room, me))

    @route("PUT", ROOM + "/{token}/password", contract=CONTRACT)
    async def set_password(self, request: Request) -> Reply:
        password = str(request.args().get("password") or "")
        with self._lock:
            room, me = self._moderator(request)
            if room.type != PUBLIC:
                raise Failure(400, "", {"error": "type"})
            if password and len(password) < MIN_PASSWORD:
                raise Failure(400, "", {"error": "value", "message": MIN_PASSWORD_MESSAGE})
            if password != room.password:
                room.password = password
                kind = "password_set" if password else "password_removed"
                self._system(room, me.actor_id, kind, "{actor} set a password" if password else
                             "{actor} removed the password")  # fmt: skip
            return Reply(200, self.room_json(room, me))

    @route("PUT", ROOM + "/{token}/webinar/lobby", contract=CONTRACT)
    async def set_lobby(self, request: Request) -> Reply:
        args = request.args()
        with self._lock:
            room, me, state = self._setting(request, "state", range(2), (GROUP, PUBLIC))
            timer = self._int(args, "timer", 0) if args.get("timer") not in (None, "") else 0
            if timer < 0:
                raise Failure(400, "", {"error": "value"})
            if (state, timer if state else 0) != room.lobby:
                room.lobby = (state, timer if state else 0)
                kind = ("lobby_timer" if timer else "lobby_non_moderators") if state else "lobby_none"
                self._system(room, me.actor_id, kind, "{actor} changed the lobby")
            return Reply(200, self.room_json(room, me))

    @route("GET", ROOM + "/note-to-self", contract=CONTRACT)
    async def note_to_self(self, request: Request) -> Reply:
        self._version(request, "v4")
        me = request.user.id
        with self._lock:
            for room in self.rooms.values():
                if room.type == NOTE_TO_SELF and room.attendee(me) is not None:
                    return Reply(200, self.room_json(room, room.attendee(me)))  # type: ignore[arg-type]
            now = int(time.time())
            room = Room(self._next(), secrets.token_hex(4), NOTE_TO_SELF, "Note to self", last_activity=now)
            self.rooms[room.token] = room
            owner = self._join(room, "users", me, self._name(me), OWNER)
            return Reply(200, self.room_json(room, owner))

    @route("GET", API + "/chat/upcoming-reminders", contract=CONTRACT)
    async def upcoming_reminders(self, request: Request) -> Reply:
        self._version(request, "v1")
        now, me = int(time.time()), request.user.id
        with self._lock:
            found = []
            for (user, token, message_id), when in sorted(self.reminders.items(), key=lambda r: (r[1], r[0][2])):
                room = self.rooms.get(token)
                message = room.message(message_id) if room is not None and room.attendee(me) else None
                if user != me or when < now or message is None:
                    continue
                found.append({"actorDisplayName": message.display_name, "actorId": message.actor_id,
                              "actorType": message.actor_type, "message": message.message, "messageId": message.id,
                              "messageParameters": message.parameters, "reminderTimestamp": when,
                              "roomToken": token})  # fmt: skip
            return Reply(200, found)

    # -- shared items of one kind, pinned messages -------------------------------------------------
    @route("GET", CHAT + "/share", contract=CONTRACT)
    async def shared_items(self, request: Request) -> Reply:
        args = request.args()
        kind, limit = str(args.get("objectType") or ""), min(max(self._int(args, "limit", 100), 1), 200)
        known = self._int(args, "lastKnownMessageId", 0)
        with self._lock:
            room, me = self._room(request, "v1")
            if kind == "pinned":
                now = int(time.time())
                pinned = [m for m in room.messages if m.pinned is not None and (not m.pinned[3] or m.pinned[3] > now)]
                found = sorted(pinned, key=lambda m: -m.pin_order)
            else:
                found = [m for m in reversed(room.messages) if m.message_type != "system" and self._kind(m) == kind]
            found = [m for m in found if not known or m.id < known][:limit]
            data = {str(m.id): self._with_parent(room, m, me.actor_id) for m in found}
            return Reply(200, data, headers=self._chat_headers(room, found[-1].id if found else None))

    @staticmethod
    def _kind(message: Message) -> str:
        shared = message.parameters.get("object") or message.parameters.get("file")
        return KINDS.get(str(shared.get("type")), "other") if isinstance(shared, dict) else ""

    def _pinnable(self, request: Request) -> tuple[Room, Attendee, Message]:
        room, me = self._moderator(request, "v1")
        found = self._message(room, request)
        if found.message_type not in ("comment", "object_shared", "voice-message"):
            raise Failure(400, "", {"error": "message"})
        return room, me, found

    @route("POST", CHAT + "/{messageId}/pin", contract=NEWER)
    async def pin(self, request: Request) -> Reply:
        args = request.args()
        until = self._int(args, "pinUntil", 0) if args.get("pinUntil") not in (None, "") else 0
        with self._lock:
            room, me, found = self._pinnable(request)
            if until and until <= int(time.time()):
                raise Failure(400, "", {"error": "until"})
            if found.pinned is None:
                found.pinned = (me.actor_id, me.display_name, int(time.time()), until)
                found.pin_order = self._next()
                for attendee in room.attendees.values():
                    attendee.hidden_pinned = 0
                self._system(room, me.actor_id, "message_pinned", "{actor} pinned a message", parent=found.id)
            else:
                found.pinned = (*found.pinned[:3], until)
            return Reply(200, self._with_parent(room, found, me.actor_id))

    @route("DELETE", CHAT + "/{messageId}/pin", contract=NEWER)
    async def unpin(self, request: Request) -> Reply:
        with self._lock:
            room, me, found = self._pinnable(request)
            if found.pinned is not None:
                found.pinned, found.pin_order = None, 0
                self._system(room, me.actor_id, "message_unpinned", "{actor} unpinned a message", parent=found.id)
            return Reply(200, self._with_parent(room, found, me.actor_id))

    # -- threads -------------------------------------------------------------------------------
    def _thread_json(self, room: Room, thread: Thread, me: Attendee) -> dict[str, Any]:
        first, last = room.message(thread.id), room.message(thread.last_message_id) if thread.last_message_id else None
        return {
            "thread": {"id": thread.id, "roomToken": room.token, "title": thread.title,
                       "lastMessageId": thread.last_message_id, "lastActivity": thread.last_activity,
                       "numReplies": thread.replies},
            "attendee": {"notificationLevel": me.thread_levels.get(thread.id, 0)},
            "first": self._with_parent(room, first, me.actor_id) if first is not None else None,
            "last": self._with_parent(room, last, me.actor_id) if last is not None else None,
        }  # fmt: skip

    def _thread(self, room: Room, request: Request, name: str = "threadId", error: str = "thread") -> Thread:
        raw = request.params[name]
        found = room.threads.get(int(raw)) if raw.isdigit() else None
        if found is None:
            raise Failure(404, "", {"error": error})
        return found

    @route("GET", CHAT + "/threads/recent", contract=NEWER)
    async def recent_threads(self, request: Request) -> Reply:
        limit = min(max(self._int(request.args(), "limit", 50), 1), 50)
        with self._lock:
            room, me = self._room(request, "v1")
            threads = sorted(room.threads.values(), key=lambda t: (-t.last_activity, -t.id))[:limit]
            return Reply(200, [self._thread_json(room, t, me) for t in threads])

    @route("GET", CHAT + "/threads/{threadId}", contract=NEWER)
    async def get_thread(self, request: Request) -> Reply:
        with self._lock:
            room, me = self._room(request, "v1")
            return Reply(200, self._thread_json(room, self._thread(room, request), me))

    @route("PUT", CHAT + "/threads/{threadId}", contract=NEWER)
    async def rename_thread(self, request: Request) -> Reply:
        title = str(request.args().get("threadTitle") or "").strip()
        with self._lock:
            room, me = self._room(request, "v1")
            thread = self._thread(room, request)
            root = room.message(thread.id)
            own = root is not None and root.actor_id == me.actor_id
            if not own and me.participant_type not in (OWNER, MODERATOR):
                raise Failure(403, "", {"error": "permission"})
            if not title:
                raise Failure(400, "", {"error": "title"})
            thread.title = self._title(title)
            renamed = self._system(room, me.actor_id, "thread_renamed", "{actor} renamed thread {title}")
            renamed.parameters["title"] = {"type": "highlight", "id": str(thread.id), "name": thread.title}
            renamed.silent, renamed.thread_id = True, thread.id
            return Reply(200, self._thread_json(room, thread, me))

    @route("POST", CHAT + "/threads/{messageId}/notify", contract=NEWER)
    async def thread_notifications(self, request: Request) -> Reply:
        level = self._int(request.args(), "level", -1)
        with self._lock:
            room, me = self._room(request, "v1")
            if level not in range(4):
                raise Failure(400, "", {"error": "level"})
            thread = self._thread(room, request, "messageId", "message")
            me.thread_levels[thread.id] = level
            return Reply(200, self._thread_json(room, thread, me))

    # -- reactions -----------------------------------------------------------------------------
    def _reactions(self, message: Message) -> dict[str, list[dict[str, Any]]]:
        return {emoji: [{"actorType": t, "actorId": a, "actorDisplayName": n, "timestamp": s} for t, a, n, s in who]
                for emoji, who in message.reactions.items() if who}  # fmt: skip

    def _reactable(self, request: Request) -> tuple[Room, Attendee, Message]:
        room, me = self._room(request, "v1")
        found = self._message(room, request)
        if found.message_type not in ("comment", "object_shared", "voice-message"):
            raise Failure(404, "")
        return room, me, found

    @route("GET", API + "/reaction/{token}/{messageId}", contract=CONTRACT)
    async def reactions(self, request: Request) -> Reply:
        wanted = str(request.args().get("reaction") or "")
        with self._lock:
            _, _, found = self._reactable(request)
            data = self._reactions(found)
            if wanted:
                if wanted not in data:
                    raise Failure(404, "")
                data = {wanted: data[wanted]}
            return Reply(200, data)

    @route("POST", API + "/reaction/{token}/{messageId}", contract=CONTRACT)
    async def react(self, request: Request) -> Reply:
        emoji = str(request.args().get("reaction") or "")
        with self._lock:
            room, me, found = self._reactable(request)
            if not emoji or len(emoji) > 8 or emoji.isalnum():
                raise Failure(400, "")
            who = found.reactions.setdefault(emoji, [])
            if any(w[1] == me.actor_id for w in who):
                return Reply(200, self._reactions(found))
            who.append((me.actor_type, me.actor_id, me.display_name, int(time.time())))
            self._system(room, me.actor_id, "reaction", emoji, parent=found.id)
            return Reply(201, self._reactions(found))

    @route("DELETE", API + "/reaction/{token}/{messageId}", contract=CONTRACT)
    async def unreact(self, request: Request) -> Reply:
        emoji = str(request.args().get("reaction") or "")
        with self._lock:
            room, me, found = self._reactable(request)
            who = found.reactions.get(emoji, [])
            mine = [w for w in who if w[1] == me.actor_id]
            if not mine:
                raise Failure(404, "")
            who.remove(mine[0])
            self._system(room, me.actor_id, "reaction_revoked", "{actor} deleted a reaction", parent=found.id)
            return Reply(200, self._reactions(found))

    # -- polls ---------------------------------------------------------------------------------
    def _poll(self, room: Room, request: Request) -> Poll:
        raw = request.params["pollId"]
        found = self.polls.get(int(raw)) if raw.isdigit() else None
        if found is None or found.token != room.token:
            raise Failure(404, "", {"error": "poll"})
        return found

    def _poll_json(self, poll: Poll, me: Attendee) -> dict[str, Any]:
        names = {uid: self._name(uid) for uid in poll.votes}
        return poll.json(me.actor_id, me.participant_type in (OWNER, MODERATOR), names)

    @route("POST", API + "/poll/{token}", contract=CONTRACT)
    async def create_poll(self, request: Request) -> Reply:
        args = request.args()
        with self._lock:
            room, me = self._room(request, "v1")
            question = str(args.get("question") or "").strip()
            options = args.get("options")
            if not question:
                raise Failure(400, "", {"error": "question"})
            if not isinstance(options, list) or len(options) < 2 or not all(str(o).strip() for o in options):
                raise Failure(400, "", {"error": "options"})
            mode, max_votes = self._int(args, "resultMode", 0), self._int(args, "maxVotes", 0)
            if mode not in (0, 1) or max_votes < 0:
                raise Failure(400, "", {"error": "poll"})
            poll = Poll(self._next(), room.token, question, [str(o) for o in options], (me.actor_id, me.display_name),
                        mode, max_votes)  # fmt: skip
            self.polls[poll.id] = poll
            shared = self.post(room, me.actor_id, "{object}")
            shared.parameters = {"actor": {"type": "user", "id": me.actor_id, "name": me.display_name},
                                 "object": {"type": "talk-poll", "id": str(poll.id), "name": question}}  # fmt: skip
            return Reply(201, self._poll_json(poll, me))

    @route("GET", API + "/poll/{token}/{pollId}", contract=CONTRACT)
    async def get_poll(self, request: Request) -> Reply:
        with self._lock:
            room, me = self._room(request, "v1")
            return Reply(200, self._poll_json(self._poll(room, request), me))

    @route("POST", API + "/poll/{token}/{pollId}", contract=CONTRACT)
    async def vote(self, request: Request) -> Reply:
        chosen = request.args().get("optionIds") or []
        with self._lock:
            room, me = self._room(request, "v1")
            poll = self._poll(room, request)
            ids = [int(o) for o in chosen if str(o).isdigit()] if isinstance(chosen, list) else []
            if poll.closed:
                raise Failure(400, "", {"error": "poll"})
            bad = len(ids) != len(chosen) or any(i >= len(poll.options) for i in ids) or len(set(ids)) != len(ids)
            if bad or (poll.max_votes and len(ids) > poll.max_votes):
                raise Failure(400, "", {"error": "options"})
            poll.votes[me.actor_id] = ids
            self._system(room, me.actor_id, "poll_voted", "Someone voted on the poll {poll}")
            return Reply(200, self._poll_json(poll, me))

    @route("DELETE", API + "/poll/{token}/{pollId}", contract=CONTRACT)
    async def close_poll(self, request: Request) -> Reply:
        with self._lock:
            room, me = self._room(request, "v1")
            poll = self._poll(room, request)
            if poll.author[0] != me.actor_id and me.participant_type not in (OWNER, MODERATOR):
                raise Failure(403, "", {"error": "poll"})
            if poll.closed:
                raise Failure(400, "", {"error": "poll"})
            poll.closed = True
            self._system(room, me.actor_id, "poll_closed", "{actor} ended the poll {poll}")
            return Reply(200, self._poll_json(poll, me))


# -- samples (tests/integration/test_app_contracts.py) --------------------------------------------
V4, V1 = "/ocs/v2.php/apps/spreed/api/v4", "/ocs/v2.php/apps/spreed/api/v1"


def _room(context: Any) -> dict[str, str]:
    app: SpreedApp = context.app
    alice, bob = context.users["alice"].id, context.users["bob"].id
    room = app.create_room(alice, GROUP, "Contract room", bob)
    first = app.post(room, alice, "Hello bob")
    second = app.post(room, bob, "Hi alice", reply_to=first.id)
    app.post(room, alice, "How are you?")
    poll = Poll(app._next(), room.token, "Lunch?", ["Pizza", "Salad"], (alice, alice), 0, 1)
    app.polls[poll.id] = poll
    closed = Poll(app._next(), room.token, "Old", ["A", "B"], (alice, alice), 0, 1, closed=True)
    app.polls[closed.id] = closed
    first.reactions["👍"] = [("users", bob, bob, 1)]
    app.reminders[(alice, room.token, second.id)] = 2_000_000_000
    shared = app.post(room, alice, "{file}")
    shared.parameters = {"file": {"type": "file", "id": "12", "name": "Plan.odt"}}
    bob_id = str(room.attendee(bob).id)  # type: ignore[union-attr]
    alice_id = str(room.attendee(alice).id)  # type: ignore[union-attr]
    one = app.create_room(alice, ONE_TO_ONE, "", bob)
    public = app.create_room(alice, PUBLIC, "Contract public room", bob)
    root = app.start_thread(room, alice, "Plans", "Thread root")
    app.reply_in_thread(room, bob, root.id, "Thread reply")
    first.pinned, first.pin_order = (alice, alice, 1_700_000_000, 0), app._next()
    app.reminders[(alice, room.token, root.id)] = 4_000_000_000
    return {"token": room.token, "first": str(first.id), "second": str(second.id), "poll": str(poll.id),
            "closed": str(closed.id), "bob_attendee": bob_id, "alice_attendee": alice_id, "one": one.token,
            "public": public.token, "thread": str(root.id)}  # fmt: skip


def _group(context: Any) -> dict[str, str]:
    found = _room(context)
    users = context.standin.services.get("provisioning_api")
    users.add_group("ct-talk-group", context.users["bob"].id)
    return found


ROOM_T, CHAT_T = V4 + "/room/{token}", V1 + "/chat/{token}"
SAMPLES = [
    Sample("GET", V4 + "/room", 200, setup=_room),
    Sample("POST", V4 + "/room", 201, json={"roomType": 2, "roomName": "New room"}),
    Sample("POST", V4 + "/room", 200, setup=_room, json={"roomType": 1, "invite": "{bob}"}, note="existing 1-1"),
    Sample("POST", V4 + "/room", 400, json={"roomType": 2, "roomName": " "}),
    Sample("POST", V4 + "/room", 404, json={"roomType": 1, "invite": "nobody-here"}),
    Sample("GET", ROOM_T, 200, setup=_room),
    Sample("GET", ROOM_T, 404, setup=_room, user="admin", note="not a participant"),
    Sample("PUT", ROOM_T, 200, setup=_room, json={"roomName": "Renamed"}),
    Sample("PUT", V4 + "/room/{one}", 400, setup=_room, json={"roomName": "Renamed"}, note="one-to-one"),
    Sample("PUT", ROOM_T + "/description", 200, setup=_room, json={"description": "About"}),
    Sample("PUT", V4 + "/room/{one}/description", 400, setup=_room, json={"description": "About"}),
    Sample("DELETE", ROOM_T, 200, setup=_room),
    Sample("DELETE", ROOM_T + "/participants/self", 200, setup=_room, user="bob"),
    Sample("DELETE", ROOM_T + "/participants/self", 400, setup=_room, note="last moderator"),
    Sample("GET", ROOM_T + "/participants", 200, setup=_room),
    Sample(
        "POST",
        ROOM_T + "/participants",
        200,
        setup=_group,
        json={"newParticipant": "ct-talk-group", "source": "groups"},
    ),
    Sample(
        "POST", ROOM_T + "/participants", 200, setup=_room, json={"newParticipant": "x@example.com", "source": "emails"}
    ),
    Sample("POST", ROOM_T + "/participants", 404, setup=_room, json={"newParticipant": "nobody-here"}),
    Sample("POST", V4 + "/room/{one}/participants", 400, setup=_room, json={"newParticipant": "admin"}),
    Sample("DELETE", ROOM_T + "/attendees", 200, setup=_room, query={"attendeeId": "{bob_attendee}"}),
    Sample("DELETE", ROOM_T + "/attendees", 403, setup=_room, user="bob", query={"attendeeId": "{alice_attendee}"}),
    Sample("DELETE", ROOM_T + "/attendees", 404, setup=_room, query={"attendeeId": "999999"}),
    Sample("POST", ROOM_T + "/moderators", 200, setup=_room, json={"attendeeId": "{bob_attendee}"}),
    Sample("POST", ROOM_T + "/moderators", 403, setup=_room, user="bob", json={"attendeeId": "{alice_attendee}"}),
    Sample("DELETE", ROOM_T + "/moderators", 200, setup=_room, query={"attendeeId": "{bob_attendee}"}),
    Sample("DELETE", ROOM_T + "/moderators", 404, setup=_room, query={"attendeeId": "999999"}),
    Sample("GET", CHAT_T, 200, setup=_room, query={"limit": "2"}),
    Sample(
        "GET", CHAT_T, 200, setup=_room, query={"lookIntoFuture": "1", "lastKnownMessageId": "{first}", "timeout": "0"}
    ),
    Sample(
        "GET",
        CHAT_T,
        304,
        setup=_room,
        query={"lookIntoFuture": "1", "lastKnownMessageId": "999999999", "timeout": "0"},
    ),
    Sample("POST", CHAT_T, 201, setup=_room, json={"message": "Sent", "replyTo": "{first}", "silent": True}),
    Sample("POST", CHAT_T, 400, setup=_room, json={"message": "  "}),
    Sample("PUT", CHAT_T + "/{first}", 200, setup=_room, json={"message": "Edited"}),
    Sample("PUT", CHAT_T + "/{second}", 403, setup=_room, json={"message": "Edited"}, note="bob's"),
    Sample("PUT", CHAT_T + "/999999999", 404, setup=_room, json={"message": "Edited"}),
    Sample("DELETE", CHAT_T + "/{second}", 200, setup=_room, note="a moderator deletes bob's"),
    Sample("DELETE", CHAT_T + "/{first}", 403, setup=_room, user="bob"),
    Sample("DELETE", CHAT_T + "/999999999", 404, setup=_room),
    Sample("GET", CHAT_T + "/{second}/context", 200, setup=_room, query={"limit": "1"}),
    Sample("POST", CHAT_T + "/read", 200, setup=_room, json={"lastReadMessage": "{first}"}),
    Sample("DELETE", CHAT_T + "/read", 200, setup=_room),
    Sample("GET", CHAT_T + "/mentions", 200, setup=_room, query={"search": "b"}),
    Sample("GET", CHAT_T + "/share/overview", 200, setup=_room),
    Sample("POST", CHAT_T + "/{first}/reminder", 201, setup=_room, json={"timestamp": 2_000_000_000}),
    Sample("POST", CHAT_T + "/999999999/reminder", 404, setup=_room, json={"timestamp": 2_000_000_000}),
    Sample("DELETE", CHAT_T + "/{second}/reminder", 200, setup=_room),
    Sample("DELETE", CHAT_T + "/{first}/reminder", 404, setup=_room, note="no reminder set"),
    Sample("GET", V1 + "/reaction/{token}/{first}", 200, setup=_room),
    Sample("GET", V1 + "/reaction/{token}/{second}", 404, setup=_room, query={"reaction": "👍"}),
    Sample("POST", V1 + "/reaction/{token}/{second}", 201, setup=_room, json={"reaction": "🎉"}),
    Sample("POST", V1 + "/reaction/{token}/{first}", 200, setup=_room, user="bob", json={"reaction": "👍"}),
    Sample("POST", V1 + "/reaction/{token}/999999999", 404, setup=_room, json={"reaction": "👍"}),
    Sample("DELETE", V1 + "/reaction/{token}/{first}", 200, setup=_room, user="bob", query={"reaction": "👍"}),
    Sample("DELETE", V1 + "/reaction/{token}/{first}", 404, setup=_room, query={"reaction": "👍"}),
    Sample(
        "POST",
        V1 + "/poll/{token}",
        201,
        setup=_room,
        json={"question": "Q?", "options": ["A", "B"], "resultMode": 0, "maxVotes": 1},
    ),
    Sample(
        "POST",
        V1 + "/poll/{token}",
        400,
        setup=_room,
        json={"question": "Q?", "options": ["A"], "resultMode": 0, "maxVotes": 1},
    ),
    Sample("GET", V1 + "/poll/{token}/{poll}", 200, setup=_room),
    Sample("GET", V1 + "/poll/{token}/999999999", 404, setup=_room),
    Sample("POST", V1 + "/poll/{token}/{poll}", 200, setup=_room, user="bob", json={"optionIds": [1]}),
    Sample("POST", V1 + "/poll/{token}/{poll}", 400, setup=_room, json={"optionIds": [0, 1]}, note="max 1"),
    Sample("POST", V1 + "/poll/{token}/999999999", 404, setup=_room, json={"optionIds": [0]}),
    Sample("DELETE", V1 + "/poll/{token}/{poll}", 200, setup=_room),
    Sample("DELETE", V1 + "/poll/{token}/{closed}", 400, setup=_room),
    Sample("DELETE", V1 + "/poll/{token}/{poll}", 403, setup=_room, user="bob"),
    Sample("DELETE", V1 + "/poll/{token}/999999999", 404, setup=_room),
    Sample("POST", ROOM_T + "/favorite", 200, setup=_room, user="bob"),
    Sample("DELETE", ROOM_T + "/favorite", 200, setup=_room),
    Sample("POST", ROOM_T + "/archive", 200, setup=_room, user="bob"),
    Sample("DELETE", ROOM_T + "/archive", 200, setup=_room),
    Sample("PUT", ROOM_T + "/read-only", 200, setup=_room, json={"state": 1}),
    Sample("PUT", V4 + "/room/{one}/read-only", 400, setup=_room, json={"state": 1}, note="one-to-one"),
    Sample("PUT", ROOM_T + "/listable", 200, setup=_room, json={"scope": 2}),
    Sample("PUT", ROOM_T + "/listable", 400, setup=_room, json={"scope": 5}),
    Sample("PUT", V4 + "/room/{public}/password", 200, setup=_room, json={"password": "correct horse battery"}),
    Sample("PUT", V4 + "/room/{public}/password", 400, setup=_room, json={"password": "short"}, note="policy"),
    Sample("PUT", ROOM_T + "/password", 400, setup=_room, json={"password": "correct horse battery"}, note="group"),
    Sample("PUT", ROOM_T + "/webinar/lobby", 200, setup=_room, json={"state": 1, "timer": 2_000_000_000}),
    Sample("PUT", V4 + "/room/{one}/webinar/lobby", 400, setup=_room, json={"state": 1}),
    Sample("GET", V4 + "/room/note-to-self", 200),
    Sample("GET", V1 + "/chat/upcoming-reminders", 200, setup=_room),
    Sample("GET", CHAT_T + "/share", 200, setup=_room, query={"objectType": "pinned"}),
    Sample("GET", CHAT_T + "/share", 200, setup=_room, query={"objectType": "file", "limit": "5"}),
    Sample("POST", CHAT_T + "/{second}/pin", 200, setup=_room, json={"pinUntil": 4_000_000_000}),
    Sample("POST", CHAT_T + "/{second}/pin", 403, setup=_room, user="bob", note="not a moderator"),
    Sample("POST", CHAT_T + "/999999999/pin", 404, setup=_room),
    Sample("DELETE", CHAT_T + "/{first}/pin", 200, setup=_room),
    Sample("DELETE", CHAT_T + "/{first}/pin", 403, setup=_room, user="bob"),
    Sample("GET", CHAT_T + "/threads/recent", 200, setup=_room, query={"limit": "5"}),
    Sample("GET", CHAT_T + "/threads/{thread}", 200, setup=_room, user="bob"),
    Sample("GET", CHAT_T + "/threads/{first}", 404, setup=_room, note="not a thread"),
    Sample("PUT", CHAT_T + "/threads/{thread}", 200, setup=_room, json={"threadTitle": "Renamed"}),
    Sample("PUT", CHAT_T + "/threads/{thread}", 403, setup=_room, user="bob", json={"threadTitle": "Bob's"}),
    Sample("PUT", CHAT_T + "/threads/{thread}", 400, setup=_room, json={"threadTitle": " "}),
    Sample("POST", CHAT_T + "/threads/{thread}/notify", 200, setup=_room, user="bob", json={"level": 1}),
    Sample("POST", CHAT_T + "/threads/{thread}/notify", 400, setup=_room, json={"level": 7}),
    Sample("POST", CHAT_T + "/threads/{first}/notify", 404, setup=_room, json={"level": 1}),
    Sample("POST", CHAT_T, 201, setup=_room, json={"message": "Root", "threadTitle": "New thread"}),
    Sample("POST", CHAT_T, 201, setup=_room, user="bob", json={"message": "In it", "threadId": "{thread}"}),
    Sample("GET", CHAT_T, 200, setup=_room, query={"threadId": "{thread}"}),
]
