"""Nextcloud's user_status app over OCS, as UserStatusController, StatusesController and StatusService answer.

- A status is a row per account, made by the first status or message set (or a client's
  heartbeat); an account without one is 404 ("No status for the current user" for oneself, "No
  status for the requested userId" for anyone else, existing or not).
- Types: online, away, dnd, busy, invisible, offline; anything else is 400 'Status-type "x" is not
  supported'. Others see `invisible` as `offline`.
- A custom message is at most 80 characters (400 "Message is longer than supported length of 80
  characters"), its icon a single emoji (400 "Status-Icon is longer than one character"), its
  `clearAt` a Unix time not in the past (400 "ClearAt is in the past"). An empty message with no
  clearAt clears the message. DELETE `user_status/message` clears message, icon and clearAt.
- Read-time cleaning (processStatus): a `clearAt` that has passed clears the message and the
  status (offline); a status not refreshed for 15 minutes becomes offline unless the user chose it
  (away, dnd, busy, invisible stay; online does not). `clock` (Unix seconds) can be replaced by a
  test to move time.
- Out-of-office keeps in step (the dav app's OutOfOfficeStatusListener): while an absence set in
  the dav emulation (apps/dav_ooo.py) is on, the status is dnd with the absence's short text as
  message and the predefined `out-of-office` id and icon 🛑, the previous status backed up; when it
  ends or is cleared, the backup returns. A status the user sets meanwhile wins (the backup goes).

Capabilities: `{"user_status": {"enabled", "restore", "supports_emoji", "supports_busy"}}`.
"""

from __future__ import annotations

import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from tests.standin.core import User
from tests.standin.kit import EmulatedApp, Failure, Reply, Request, Sample, route

CONTRACT = "nextcloud-31/user_status.openapi.json"
BASE = "/ocs/v2.php/apps/user_status/api/v1"
TYPES = ("online", "away", "dnd", "busy", "invisible", "offline")
PERSISTENT = ("away", "busy", "dnd", "invisible")
STALE_AFTER = 15 * 60
MAX_MESSAGE = 80
OUT_OF_OFFICE = "out-of-office"
PREDEFINED = {
    "meeting": ("📅", "In a meeting"),
    "commuting": ("🚌", "Commuting"),
    "remote-work": ("🏡", "Working remotely"),
    "sick-leave": ("🤒", "Out sick"),
    "vacationing": ("🌴", "Vacationing"),
    "call": ("💬", "In a call"),
    OUT_OF_OFFICE: ("🛑", "Out of office"),
}


@dataclass
class Row:
    user_id: str
    status: str = "offline"
    status_timestamp: int = 0
    is_user_defined: bool = False
    message_id: str | None = None
    custom_message: str | None = None
    custom_icon: str | None = None
    clear_at: int | None = None


def single_emoji(text: str) -> bool:
    """EmojiHelper::isValidSingleEmoji, roughly: one pictograph, with joiners, selectors and modifiers."""
    if not text or len(text) > 12:
        return False
    joiners = {"\u200d", "\ufe0f", "\ufe0e", "\u20e3"}
    bases = [ch for ch in text if ch not in joiners and not ("\U0001f3fb" <= ch <= "\U0001f3ff")]
    if not bases or any(unicodedata.category(ch) not in ("So", "Sk", "Mn") for ch in bases):
        return False
    return len(bases) == 1 or "\u200d" in text or all("\U0001f1e6" <= ch <= "\U0001f1ff" for ch in bases)


class UserStatusApp(EmulatedApp):
    """user_status (see the module docstring)."""

    app_id = "user_status"
    prefixes = (BASE + "/",)

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self._lock = threading.RLock()
        self.rows: dict[str, Row] = {}
        self.backups: dict[str, Row | None] = {}
        self.applied: set[tuple[str, int]] = set()
        """(user, absence revision) whose out-of-office status was set already."""
        self.clock: Callable[[], float] = time.time

    def capabilities(self, user: User) -> dict[str, Any]:
        return {"user_status": {"enabled": True, "restore": True, "supports_emoji": True, "supports_busy": True}}

    def forget_user(self, user_id: str) -> None:
        with self._lock:
            self.rows.pop(user_id, None)
            self.backups.pop(user_id, None)

    # -- the state, as StatusService keeps it ----------------------------------------------------
    def current(self, user_id: str) -> Row | None:
        """The user's status as Nextcloud reads it now (absence applied, stale parts cleaned)."""
        now = int(self.clock())
        with self._lock:
            self._follow_absence(user_id, now)
            row = self.rows.get(user_id)
            if row is None:
                return None
            stale = row.status_timestamp < now - STALE_AFTER
            if stale and (not row.is_user_defined or row.status == "online"):
                self._clean_status(row, now)
            if row.clear_at is not None and row.clear_at < now:
                self._clean_status(row, now)
                row.message_id = row.custom_message = row.custom_icon = row.clear_at = None
            return row

    def _follow_absence(self, user_id: str, now: int) -> None:
        dav = self.standin.services.get("dav")
        absence = dav.active_absence(user_id, now) if dav is not None and hasattr(dav, "active_absence") else None
        row = self.rows.get(user_id)
        if absence is not None and (user_id, absence.revision) not in self.applied:
            self.applied.add((user_id, absence.revision))
            self.backups[user_id] = replace(row) if row is not None and row.message_id != OUT_OF_OFFICE else None
            self.rows[user_id] = Row(user_id, "dnd", now, True, OUT_OF_OFFICE, absence.status or None, None, None)
        elif absence is None and row is not None and row.message_id == OUT_OF_OFFICE:
            backup = self.backups.pop(user_id, None)
            if backup is not None:
                self.rows[user_id] = backup
            else:
                self._clean_status(row, now)
                row.message_id = row.custom_message = row.custom_icon = row.clear_at = None

    @staticmethod
    def _clean_status(row: Row, now: int) -> None:
        if row.status == "offline" and not row.is_user_defined:
            return
        row.status, row.status_timestamp, row.is_user_defined = "offline", now, False

    def _own_row(self, user_id: str) -> Row:
        row = self.current(user_id)
        if row is None:
            row = self.rows[user_id] = Row(user_id)
        self.backups.pop(user_id, None)  # removeBackupUserStatus: what the user sets wins over the absence
        return row

    def set_status(self, user_id: str, status: str) -> Row:
        if status not in TYPES:
            raise Failure(400, f'Status-type "{status}" is not supported')
        with self._lock:
            row = self._own_row(user_id)
            row.status, row.status_timestamp, row.is_user_defined = status, int(self.clock()), True
            return row

    def set_message(self, user_id: str, icon: str | None, message: str | None, clear_at: int | None) -> Row:
        if icon is not None and not single_emoji(icon):
            raise Failure(400, "Status-Icon is longer than one character")
        if message is not None and len(message) > MAX_MESSAGE:
            raise Failure(400, f"Message is longer than supported length of {MAX_MESSAGE} characters")
        if clear_at is not None and clear_at < int(self.clock()):
            raise Failure(400, "ClearAt is in the past")
        with self._lock:
            row = self._own_row(user_id)
            row.message_id, row.custom_icon, row.custom_message, row.clear_at = None, icon, message, clear_at
            return row

    # -- answers ---------------------------------------------------------------------------------
    @staticmethod
    def public(row: Row) -> dict[str, Any]:
        icon, message = row.custom_icon, row.custom_message
        if row.message_id in PREDEFINED:  # addDefaultMessage: the predefined text and icon where none is set
            icon, message = icon or PREDEFINED[row.message_id][0], message or PREDEFINED[row.message_id][1]
        return {"userId": row.user_id, "message": message, "icon": icon, "clearAt": row.clear_at, "status": row.status}

    def private(self, row: Row) -> dict[str, Any]:
        return {
            **self.public(row),
            "messageId": row.message_id,
            "messageIsPredefined": row.message_id is not None,
            "statusIsUserDefined": row.is_user_defined,
        }

    @route("GET", BASE + "/user_status", contract=CONTRACT)
    async def get_status(self, request: Request) -> Reply:
        row = self.current(request.user.id)
        if row is None:
            raise Failure(404, "No status for the current user")
        return Reply(200, self.private(row))

    @route("PUT", BASE + "/user_status/status", contract=CONTRACT)
    async def put_status(self, request: Request) -> Reply:
        status = request.args().get("statusType")
        if not isinstance(status, str):
            raise Failure(400, "Missing parameter statusType")
        return Reply(200, self.private(self.set_status(request.user.id, status)))

    @route("PUT", BASE + "/user_status/message/custom", contract=CONTRACT)
    async def put_message(self, request: Request) -> Reply:
        args = request.args()
        icon, message, clear_at = args.get("statusIcon"), args.get("message"), args.get("clearAt")
        try:
            clears = int(clear_at) if clear_at not in (None, "") else None
        except (TypeError, ValueError):
            raise Failure(400, "Parameter clearAt is not an integer") from None
        if (message is not None and message != "") or (clears is not None and clears != 0):
            return Reply(200, self.private(self.set_message(request.user.id, icon or None, message or None, clears)))
        self.clear_message(request.user.id)
        row = self.current(request.user.id)
        if row is None:
            raise Failure(404, "No status for the current user")  # findByUserId after clearing nothing
        return Reply(200, self.private(row))

    def clear_message(self, user_id: str) -> None:
        with self._lock:
            row = self.current(user_id)
            if row is not None:
                row.message_id = row.custom_message = row.custom_icon = row.clear_at = None

    @route("DELETE", BASE + "/user_status/message", contract=CONTRACT)
    async def delete_message(self, request: Request) -> Reply:
        self.clear_message(request.user.id)
        return Reply(200, [])

    @route("GET", BASE + "/statuses/{userId}", contract=CONTRACT)
    async def find(self, request: Request) -> Reply:
        row = self.current(request.params["userId"])
        if row is None:
            raise Failure(404, "No status for the requested userId")
        public = self.public(row)
        if public["status"] == "invisible":
            public["status"] = "offline"
        return Reply(200, public)


def _alice_has_a_status(context: Any) -> dict[str, str]:
    app: UserStatusApp = context.app
    app.set_status(context.users["alice"].id, "away")
    app.set_message(context.users["alice"].id, "🌴", "On the beach", int(time.time()) + 3600)
    return {}


def _bob_has_none(context: Any) -> dict[str, str]:
    context.app.forget_user(context.users["bob"].id)
    return {}


V1 = "/ocs/v1.php/apps/user_status/api/v1"
SAMPLES = [
    Sample("GET", BASE + "/user_status", 200, setup=_alice_has_a_status),
    Sample("GET", BASE + "/user_status", 404, user="bob", setup=_bob_has_none),
    Sample("PUT", BASE + "/user_status/status", 200, json={"statusType": "dnd"}),
    Sample("PUT", BASE + "/user_status/status", 400, json={"statusType": "sleeping"}),
    Sample("PUT", BASE + "/user_status/message/custom", 200, json={"statusIcon": "🤒", "message": "Out sick"}),
    Sample("PUT", BASE + "/user_status/message/custom", 400, json={"message": "x", "clearAt": 1000}),
    Sample("PUT", BASE + "/user_status/message/custom", 400, json={"statusIcon": "ab", "message": "x"}),
    Sample("PUT", BASE + "/user_status/message/custom", 400, json={"message": "x" * 81}),
    Sample("PUT", BASE + "/user_status/message/custom", 404, user="bob", json={"message": ""}, setup=_bob_has_none),
    Sample("DELETE", BASE + "/user_status/message", 200, setup=_alice_has_a_status),
    Sample("GET", BASE + "/statuses/{alice}", 200, user="bob", setup=_alice_has_a_status),
    Sample("GET", BASE + "/statuses/no-such-user", 404, user="bob"),
    Sample("GET", V1 + "/statuses/{alice}", 100, user="bob", setup=_alice_has_a_status),
]
