"""Nextcloud Talk (spreed) over OCS: conversations (`api/v4/room`) and their settings, participants,
chat (`api/v1/chat`), reactions, polls, reminders, shared items, mention suggestions, pinned
messages (Talk 23) and threads (Talk 22).

Why two reading modes: Talk's chat endpoint reads history (`lookIntoFuture=0`: older than a
message id, newest first) or waits for what is new (`lookIntoFuture=1`: newer than an id, oldest
first; 304 when there is nothing, which here is an empty answer, never a wait: `timeout=0`).
`history` never moves the read marker; `newer(..., mark_read=True)` moves it to the newest message
it returns, exactly as Talk's own clients do with `setReadMarker=1`.

Why errors are read here: Talk answers a refusal with an error key in `ocs.data.error`
(`last-moderator`, `room-type`, `options`) and an empty meta message, and answers 404 for a
conversation the caller is not in. A 400 becomes `Refused` with that key, a 404 a `NotFound` about
what was asked for, anything else the status's typed error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from nextcloud_mcp_server.nextcloud.errors import BadResponse, Refused, detail_of, error_for, not_found, parsed
from nextcloud_mcp_server.nextcloud.ocs import OCS_HEADERS, unwrap

if TYPE_CHECKING:
    import httpx

    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

BASE = "/ocs/v2.php/apps/spreed/api"
ROOMS = f"{BASE}/v4/room"
CHAT = f"{BASE}/v1/chat"
MAX_MESSAGES = 200
"""Talk answers at most 200 messages per request."""
M = TypeVar("M", bound=BaseModel)
Source = Literal["users", "groups", "emails", "circles"]


class _Talk(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class MessageMeta(_Talk):
    pinned_actor_id: str = ""
    pinned_actor_display_name: str = ""
    pinned_at: int = 0
    pinned_until: int | None = None


class ChatMessage(_Talk):
    id: int
    token: str = ""
    actor_type: str = ""
    actor_id: str = ""
    actor_display_name: str = ""
    timestamp: int = 0
    message: str = ""
    message_parameters: dict[str, Any] | list[Any] = Field(default_factory=dict)
    message_type: str = "comment"
    system_message: str = ""
    reactions: dict[str, int] | list[Any] = Field(default_factory=dict)
    reactions_self: list[str] = Field(default_factory=list)
    silent: bool = False
    deleted: bool = False
    last_edit_timestamp: int | None = None
    parent: ChatMessage | None = None
    thread_id: int | None = None
    meta_data: MessageMeta | None = None

    def text(self) -> str:
        """The message with its rich parameters written out (`{actor}` -> the name, mentions as @name)."""
        text = self.message
        params = self.message_parameters if isinstance(self.message_parameters, dict) else {}
        for key, value in params.items():
            if isinstance(value, dict):
                name = str(value.get("name") or value.get("id") or key)
                text = text.replace("{" + key + "}", "@" + name if key.startswith("mention-") else name)
        return text


class Conversation(_Talk):
    token: str
    type: int
    name: str = ""
    display_name: str = ""
    description: str = ""
    participant_type: int = 3
    unread_messages: int = 0
    unread_mention: bool = False
    last_read_message: int = 0
    last_activity: int = 0
    read_only: int = 0
    listable: int = 0
    has_password: bool = False
    lobby_state: int = 0
    lobby_timer: int = 0
    is_favorite: bool = False
    is_archived: bool = False
    last_message: ChatMessage | list[Any] | None = None
    """Talk sends `[]` when the conversation has no message yet."""


class Participant(_Talk):
    attendee_id: int
    actor_type: str
    actor_id: str
    display_name: str = ""
    participant_type: int = 3
    invited_actor_id: str | None = None


class Reaction(_Talk):
    actor_type: str
    actor_id: str
    actor_display_name: str = ""
    timestamp: int = 0


class Poll(_Talk):
    id: int
    question: str
    options: list[str]
    status: int = 0
    result_mode: int = 0
    max_votes: int = 0
    actor_id: str = ""
    actor_display_name: str = ""
    votes: dict[str, int] | list[Any] | None = None
    voted_self: list[int] = Field(default_factory=list)
    num_voters: int = 0


class Reminder(_Talk):
    message_id: int
    timestamp: int
    token: str


class UpcomingReminder(_Talk):
    room_token: str
    message_id: int
    reminder_timestamp: int
    actor_display_name: str = ""
    message: str = ""
    message_parameters: dict[str, Any] | list[Any] = Field(default_factory=dict)

    def text(self) -> str:
        return ChatMessage(id=self.message_id, message=self.message, message_parameters=self.message_parameters).text()


class Thread(_Talk):
    id: int
    title: str
    last_activity: int = 0
    num_replies: int = 0


class ThreadAttendee(_Talk):
    notification_level: int = 0


class ThreadInfo(_Talk):
    thread: Thread
    attendee: ThreadAttendee = Field(default_factory=ThreadAttendee)
    first: ChatMessage | None = None
    last: ChatMessage | None = None


class MentionSuggestion(_Talk):
    id: str
    label: str
    source: str
    mention_id: str = ""


class MessagePage(BaseModel):
    messages: list[ChatMessage]
    last_given: int | None
    """`X-Chat-Last-Given`: the id to continue from (None when Talk had nothing to give)."""


def _list(cls: type[M], data: Any, what: str) -> list[M]:
    if not isinstance(data, list):
        raise BadResponse(f"{what} are not a list")
    return [parsed(cls, item, what) for item in data]


class TalkAPI:
    """Talk as the caller sees it: the conversations they are in."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def _ocs(
        self,
        method: str,
        path: str,
        subject: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        ok: tuple[int, ...] = (),
    ) -> httpx.Response:
        response = await self._client.request(
            method, path, headers=OCS_HEADERS, params=params, json=json, ok=(*ok, 400, 403, 404, 405, 413)
        )
        status = response.status_code
        if status in ok or status < 400:
            return response
        detail = _error_key(response) or detail_of(response)
        if status == 404:
            raise not_found(subject, detail)
        if status == 400:
            error = Refused(detail or "not possible", status=400)
            error.subject = subject
            raise error
        raise error_for(status, detail, subject=subject)

    async def _data(self, method: str, path: str, subject: str, **kwargs: Any) -> Any:
        return unwrap(await self._ocs(method, path, subject, **kwargs))

    # -- conversations -------------------------------------------------------------------------
    async def conversations(self, modified_since: int = 0) -> list[Conversation]:
        params = {"modifiedSince": modified_since} if modified_since else None
        return _list(Conversation, await self._data("GET", ROOMS, "conversations", params=params), "conversations")

    async def conversation(self, token: str) -> Conversation:
        data = await self._data("GET", f"{ROOMS}/{token}", _room(token))
        return parsed(Conversation, data, "a conversation")

    async def create(self, room_type: int, name: str = "", invite: str = "", source: str = "") -> Conversation:
        body: dict[str, Any] = {"roomType": room_type, "roomName": name}
        if invite:
            body["invite"] = invite
        if source:
            body["source"] = source
        subject = f"'{invite}'" if invite else "the conversation"
        return parsed(Conversation, await self._data("POST", ROOMS, subject, json=body), "a conversation")

    async def rename(self, token: str, name: str) -> Conversation:
        data = await self._data("PUT", f"{ROOMS}/{token}", _room(token), json={"roomName": name})
        return parsed(Conversation, data, "a conversation")

    async def describe(self, token: str, description: str) -> Conversation:
        data = await self._data("PUT", f"{ROOMS}/{token}/description", _room(token), json={"description": description})
        return parsed(Conversation, data, "a conversation")

    async def delete(self, token: str) -> None:
        await self._data("DELETE", f"{ROOMS}/{token}", _room(token))

    async def _set(self, method: str, token: str, what: str, body: dict[str, Any] | None = None) -> Conversation:
        data = await self._data(method, f"{ROOMS}/{token}/{what}", _room(token), json=body)
        return parsed(Conversation, data, "a conversation")

    async def set_favorite(self, token: str, favorite: bool) -> Conversation:
        return await self._set("POST" if favorite else "DELETE", token, "favorite")

    async def set_archived(self, token: str, archived: bool) -> Conversation:
        return await self._set("POST" if archived else "DELETE", token, "archive")

    async def set_read_only(self, token: str, read_only: bool) -> Conversation:
        return await self._set("PUT", token, "read-only", {"state": int(read_only)})

    async def set_listable(self, token: str, scope: int) -> Conversation:
        return await self._set("PUT", token, "listable", {"scope": scope})

    async def set_password(self, token: str, password: str) -> Conversation:
        return await self._set("PUT", token, "password", {"password": password})

    async def set_lobby(self, token: str, lobby: bool, timer: int | None = None) -> Conversation:
        body: dict[str, Any] = {"state": int(lobby)}
        if timer is not None:
            body["timer"] = timer
        return await self._set("PUT", token, "webinar/lobby", body)

    async def note_to_self(self) -> Conversation:
        data = await self._data("GET", f"{ROOMS}/note-to-self", "your note-to-self conversation")
        return parsed(Conversation, data, "a conversation")

    async def leave(self, token: str) -> None:
        await self._data("DELETE", f"{ROOMS}/{token}/participants/self", _room(token))

    # -- participants --------------------------------------------------------------------------
    async def participants(self, token: str) -> list[Participant]:
        data = await self._data("GET", f"{ROOMS}/{token}/participants", _room(token))
        return _list(Participant, data, "participants")

    async def add_participant(self, token: str, participant: str, source: Source) -> None:
        body = {"newParticipant": participant, "source": source}
        await self._data("POST", f"{ROOMS}/{token}/participants", f"{source} '{participant}'", json=body)

    async def remove_participant(self, token: str, attendee_id: int) -> None:
        params = {"attendeeId": attendee_id}
        await self._data("DELETE", f"{ROOMS}/{token}/attendees", _attendee(token, attendee_id), params=params)

    async def set_moderator(self, token: str, attendee_id: int, moderator: bool) -> None:
        path, subject = f"{ROOMS}/{token}/moderators", _attendee(token, attendee_id)
        if moderator:
            await self._data("POST", path, subject, json={"attendeeId": attendee_id})
        else:
            await self._data("DELETE", path, subject, params={"attendeeId": attendee_id})

    # -- chat ----------------------------------------------------------------------------------
    async def _chat(self, token: str, params: dict[str, Any]) -> MessagePage:
        response = await self._ocs("GET", f"{CHAT}/{token}", _room(token), params=params, ok=(304,))
        if response.status_code == 304:
            return MessagePage(messages=[], last_given=None)
        messages = _list(ChatMessage, unwrap(response), "messages")
        given = response.headers.get("X-Chat-Last-Given", "")
        return MessagePage(messages=messages, last_given=int(given) if given.isdigit() else None)

    async def history(
        self, token: str, limit: int, before: int = 0, include: bool = False, thread_id: int = 0
    ) -> MessagePage:
        """Up to `limit` messages older than `before` (the newest when 0), newest first; the read marker stays.
        With `thread_id`, only that thread's."""
        params = {"lookIntoFuture": 0, "limit": min(limit, MAX_MESSAGES), "lastKnownMessageId": before,
                  "setReadMarker": 0, "includeLastKnown": int(include), "markNotificationsAsRead": 0}  # fmt: skip
        if thread_id:
            params["threadId"] = thread_id
        return await self._chat(token, params)

    async def newer(self, token: str, after: int, limit: int, *, mark_read: bool) -> MessagePage:
        """Up to `limit` messages newer than `after`, oldest first, without waiting; `mark_read` moves the marker."""
        params = {"lookIntoFuture": 1, "limit": min(limit, MAX_MESSAGES), "lastKnownMessageId": after, "timeout": 0,
                  "setReadMarker": int(mark_read), "markNotificationsAsRead": int(mark_read)}  # fmt: skip
        return await self._chat(token, params)

    async def send(
        self,
        token: str,
        message: str,
        reference_id: str,
        reply_to: int = 0,
        silent: bool = False,
        *,
        thread_id: int = 0,
        thread_title: str = "",
    ) -> ChatMessage:
        """Post a message; `thread_title` starts a thread with it, `thread_id` posts it into one."""
        body: dict[str, Any] = {"message": message, "referenceId": reference_id, "silent": silent}
        if reply_to:
            body["replyTo"] = reply_to
        if thread_id:
            body["threadId"] = thread_id
        if thread_title:
            body["threadTitle"] = thread_title
        return parsed(ChatMessage, await self._data("POST", f"{CHAT}/{token}", _room(token), json=body), "a message")

    async def edit(self, token: str, message_id: int, message: str) -> ChatMessage:
        """The edited message (Talk answers its `message_edited` system message, with it as the parent)."""
        data = await self._data(
            "PUT", f"{CHAT}/{token}/{message_id}", _message(token, message_id), json={"message": message}
        )
        return _changed(data)

    async def delete_message(self, token: str, message_id: int) -> ChatMessage:
        data = await self._data("DELETE", f"{CHAT}/{token}/{message_id}", _message(token, message_id))
        return _changed(data)

    async def mark_read(self, token: str, last_read_message: int | None = None) -> Conversation:
        body = {"lastReadMessage": last_read_message} if last_read_message else {}
        data = await self._data("POST", f"{CHAT}/{token}/read", _room(token), json=body)
        return parsed(Conversation, data, "a conversation")

    async def mark_unread(self, token: str) -> Conversation:
        data = await self._data("DELETE", f"{CHAT}/{token}/read", _room(token))
        return parsed(Conversation, data, "a conversation")

    async def context(self, token: str, message_id: int, limit: int) -> list[ChatMessage]:
        response = await self._ocs("GET", f"{CHAT}/{token}/{message_id}/context", _message(token, message_id),
                                   params={"limit": limit}, ok=(304,))  # fmt: skip
        if response.status_code == 304:
            return []
        return _list(ChatMessage, unwrap(response), "messages")

    async def mentions(self, token: str, search: str, limit: int) -> list[MentionSuggestion]:
        data = await self._data(
            "GET", f"{CHAT}/{token}/mentions", _room(token), params={"search": search, "limit": limit}
        )
        return _list(MentionSuggestion, data, "mention suggestions")

    async def shared_overview(self, token: str, limit: int) -> dict[str, list[ChatMessage]]:
        data = await self._data("GET", f"{CHAT}/{token}/share/overview", _room(token), params={"limit": limit})
        if isinstance(data, list) and not data:
            return {}
        if not isinstance(data, dict):
            raise BadResponse("the shared items are not an object")
        return {kind: _list(ChatMessage, items, "shared items") for kind, items in data.items()}

    # -- pinned messages (feature `pinned-messages`) ----------------------------------------------
    async def pin(self, token: str, message_id: int, until: int | None = None) -> ChatMessage:
        body = {"pinUntil": until} if until else {}
        path = f"{CHAT}/{token}/{message_id}/pin"
        return _pinned(await self._data("POST", path, _message(token, message_id), json=body))

    async def unpin(self, token: str, message_id: int) -> ChatMessage:
        path = f"{CHAT}/{token}/{message_id}/pin"
        return _pinned(await self._data("DELETE", path, _message(token, message_id)))

    async def pinned(self, token: str, limit: int = MAX_MESSAGES) -> list[ChatMessage]:
        """The pinned messages, most recently pinned first (Talk lists them as shared items of type `pinned`)."""
        params = {"objectType": "pinned", "limit": limit}
        data = await self._data("GET", f"{CHAT}/{token}/share", _room(token), params=params)
        if isinstance(data, list) and not data:
            return []
        if not isinstance(data, dict):
            raise BadResponse("the pinned messages are not an object")
        return [parsed(ChatMessage, item, "a pinned message") for item in data.values()]

    # -- threads (feature `threads`) -----------------------------------------------------------
    async def threads(self, token: str, limit: int) -> list[ThreadInfo]:
        data = await self._data("GET", f"{CHAT}/{token}/threads/recent", _room(token), params={"limit": limit})
        return _list(ThreadInfo, data, "threads")

    async def thread(self, token: str, thread_id: int) -> ThreadInfo:
        data = await self._data("GET", f"{CHAT}/{token}/threads/{thread_id}", _thread(token, thread_id))
        return parsed(ThreadInfo, data, "a thread")

    async def rename_thread(self, token: str, thread_id: int, title: str) -> ThreadInfo:
        path, subject = f"{CHAT}/{token}/threads/{thread_id}", _thread(token, thread_id)
        return parsed(ThreadInfo, await self._data("PUT", path, subject, json={"threadTitle": title}), "a thread")

    async def thread_notifications(self, token: str, thread_id: int, level: int) -> ThreadInfo:
        path, subject = f"{CHAT}/{token}/threads/{thread_id}/notify", _thread(token, thread_id)
        return parsed(ThreadInfo, await self._data("POST", path, subject, json={"level": level}), "a thread")

    # -- reminders -----------------------------------------------------------------------------
    async def upcoming_reminders(self) -> list[UpcomingReminder]:
        data = await self._data("GET", f"{CHAT}/upcoming-reminders", "your reminders")
        return _list(UpcomingReminder, data, "reminders")

    async def set_reminder(self, token: str, message_id: int, timestamp: int) -> Reminder:
        path = f"{CHAT}/{token}/{message_id}/reminder"
        data = await self._data("POST", path, _message(token, message_id), json={"timestamp": timestamp})
        return parsed(Reminder, data, "a reminder")

    async def delete_reminder(self, token: str, message_id: int) -> None:
        subject = f"a reminder of {_message(token, message_id)}"
        await self._data("DELETE", f"{CHAT}/{token}/{message_id}/reminder", subject)

    # -- reactions -----------------------------------------------------------------------------
    async def reactions(self, token: str, message_id: int, reaction: str = "") -> dict[str, list[Reaction]]:
        params = {"reaction": reaction} if reaction else None
        path = f"{BASE}/v1/reaction/{token}/{message_id}"
        return _reactions(await self._data("GET", path, _message(token, message_id), params=params))

    async def react(self, token: str, message_id: int, reaction: str) -> dict[str, list[Reaction]]:
        path = f"{BASE}/v1/reaction/{token}/{message_id}"
        return _reactions(await self._data("POST", path, _message(token, message_id), json={"reaction": reaction}))

    async def unreact(self, token: str, message_id: int, reaction: str) -> dict[str, list[Reaction]]:
        path = f"{BASE}/v1/reaction/{token}/{message_id}"
        subject = f"your {reaction} on {_message(token, message_id)}"
        return _reactions(await self._data("DELETE", path, subject, params={"reaction": reaction}))

    # -- polls ---------------------------------------------------------------------------------
    async def create_poll(self, token: str, question: str, options: list[str], max_votes: int, hidden: bool) -> Poll:
        body = {"question": question, "options": options, "resultMode": int(hidden), "maxVotes": max_votes}
        return parsed(Poll, await self._data("POST", f"{BASE}/v1/poll/{token}", _room(token), json=body), "a poll")

    async def poll(self, token: str, poll_id: int) -> Poll:
        return parsed(
            Poll, await self._data("GET", f"{BASE}/v1/poll/{token}/{poll_id}", _poll(token, poll_id)), "a poll"
        )

    async def vote(self, token: str, poll_id: int, option_ids: list[int]) -> Poll:
        path = f"{BASE}/v1/poll/{token}/{poll_id}"
        return parsed(
            Poll, await self._data("POST", path, _poll(token, poll_id), json={"optionIds": option_ids}), "a poll"
        )

    async def close_poll(self, token: str, poll_id: int) -> Poll:
        return parsed(
            Poll, await self._data("DELETE", f"{BASE}/v1/poll/{token}/{poll_id}", _poll(token, poll_id)), "a poll"
        )


def _room(token: str) -> str:
    return f"conversation '{token}'"


def _message(token: str, message_id: int) -> str:
    return f"message {message_id} in conversation '{token}'"


def _attendee(token: str, attendee_id: int) -> str:
    return f"attendee {attendee_id} in conversation '{token}'"


def _thread(token: str, thread_id: int) -> str:
    return f"thread {thread_id} in conversation '{token}'"


def _poll(token: str, poll_id: int) -> str:
    return f"poll {poll_id} in conversation '{token}'"


def _error_key(response: httpx.Response) -> str:
    try:
        data = response.json()["ocs"]["data"]
    except (ValueError, KeyError, TypeError):
        return ""
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, str):
        return ""
    message = data.get("message")
    return f"{error}: {message}" if isinstance(message, str) and message else error


def _changed(data: Any) -> ChatMessage:
    system = parsed(ChatMessage, data, "a message")
    return system.parent if system.parent is not None else system


def _pinned(data: Any) -> ChatMessage:
    """The message (pinned or unpinned), also when Talk answers the system message about it."""
    found = parsed(ChatMessage, data, "a message")
    pinning = found.system_message in ("message_pinned", "message_unpinned")
    return found.parent if pinning and found.parent is not None else found


def _reactions(data: Any) -> dict[str, list[Reaction]]:
    if isinstance(data, list) and not data:
        return {}
    if not isinstance(data, dict):
        raise BadResponse("the reactions are not an object")
    return {emoji: _list(Reaction, who, "reactions") for emoji, who in data.items()}
