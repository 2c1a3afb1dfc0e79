"""The dav app's out-of-office API (OutOfOfficeController, Nextcloud 28+, with the replacement of 30+).

- GET `outOfOffice/{userId}`: the absence that account configured (past, current or upcoming),
  to any signed-in user; 404 with null data when there is none (or no such account).
- GET `outOfOffice/{userId}/now`: the absence only while it is on (first day 00:00 to last day
  24:00 in the account's time zone, UTC here), as CurrentOutOfOfficeData (`id` a string, start and
  end as Unix times, `shortMessage`); 404 otherwise or for an unknown account.
- POST `outOfOffice/{userId}`: sets the *caller's* absence, whatever account the path names (the
  controller reads only the session's user); a missing replacement account is 404, a first day
  after the last 400 `{"error": "firstDay"}`, a short status over 100 characters 400
  `{"error": "statusLength"}`, a day that is not a date 500 (DateTimeImmutable throws).
- DELETE `outOfOffice/{userId}`: clears the caller's absence (also when there is none).

The user status follows (apps/user_status.py asks `active_absence`); `clock` can be replaced by
a test. Capabilities: the dav block gains `absence-supported` and `absence-replacement`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.standin.core import User
from tests.standin.kit import EmulatedApp, Failure, Reply, Request, Sample, route

CONTRACT = "nextcloud-31/dav.openapi.json"
BASE = "/ocs/v2.php/apps/dav/api/v1/outOfOffice"
MAX_STATUS = 100


@dataclass
class Absence:
    id: int
    user_id: str
    first_day: str
    last_day: str
    status: str
    message: str
    replacement_user_id: str | None
    replacement_display_name: str | None
    revision: int
    """Grows with every change, so that the user status follows each absence once."""

    def bounds(self) -> tuple[int, int]:
        start = datetime.combine(date.fromisoformat(self.first_day), datetime.min.time(), UTC)
        end = datetime.combine(date.fromisoformat(self.last_day) + timedelta(days=1), datetime.min.time(), UTC)
        return int(start.timestamp()), int(end.timestamp()) - 1

    def configured(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "userId": self.user_id,
            "firstDay": self.first_day,
            "lastDay": self.last_day,
            "status": self.status,
            "message": self.message,
            "replacementUserId": self.replacement_user_id,
            "replacementUserDisplayName": self.replacement_display_name,
        }

    def current(self) -> dict[str, Any]:
        start, end = self.bounds()
        return {
            "id": str(self.id),
            "userId": self.user_id,
            "startDate": start,
            "endDate": end,
            "shortMessage": self.status,
            "message": self.message,
            "replacementUserId": self.replacement_user_id,
            "replacementUserDisplayName": self.replacement_display_name,
        }


def _day(value: Any) -> str:
    """A `YYYY-MM-DD` day as Nextcloud stores it; anything DateTimeImmutable cannot read is its 500."""
    try:
        return datetime.fromisoformat(str(value)).date().isoformat()
    except ValueError:
        raise Failure(500, "Internal Server Error") from None


class OutOfOfficeApp(EmulatedApp):
    """The dav app's absence API (see the module docstring)."""

    app_id = "dav"
    prefixes = (BASE + "/",)

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self._lock = threading.Lock()
        self.absences: dict[str, Absence] = {}
        self._next = 1
        self.clock: Callable[[], float] = time.time

    def capabilities(self, user: User) -> dict[str, Any]:
        return {"dav": {"absence-supported": True, "absence-replacement": True}}

    def forget_user(self, user_id: str) -> None:
        with self._lock:
            self.absences.pop(user_id, None)

    def active_absence(self, user_id: str, now: float | None = None) -> Absence | None:
        """The user's absence if it is on at `now` (default: the clock)."""
        absence = self.absences.get(user_id)
        if absence is None:
            return None
        start, end = absence.bounds()
        return absence if start <= (self.clock() if now is None else now) <= end else None

    def set_absence(
        self, user_id: str, first_day: str, last_day: str, status: str, message: str, replacement: str | None = None
    ) -> Absence:
        with self._lock:
            earlier = self.absences.get(user_id)
            replacing = self.standin.users.get(replacement) if replacement else None
            absence = Absence(
                earlier.id if earlier else self._next, user_id, first_day, last_day, status, message,
                replacement, replacing.display_name if replacing else None, self._next,
            )  # fmt: skip
            self._next += 1
            self.absences[user_id] = absence
            return absence

    @route("GET", BASE + "/{userId}/now", contract=CONTRACT)
    async def now(self, request: Request) -> Reply:
        user_id = request.params["userId"]
        absence = self.active_absence(user_id) if user_id in self.standin.users else None
        if absence is None:
            raise Failure(404, "")
        return Reply(200, absence.current())

    @route("GET", BASE + "/{userId}", contract=CONTRACT)
    async def get(self, request: Request) -> Reply:
        absence = self.absences.get(request.params["userId"])
        if absence is None:
            raise Failure(404, "")
        return Reply(200, absence.configured())

    @route("POST", BASE + "/{userId}", contract=CONTRACT)
    async def set(self, request: Request) -> Reply:
        args = request.args()
        missing = [name for name in ("firstDay", "lastDay", "status", "message") if not isinstance(args.get(name), str)]
        if missing:
            raise Failure(400, f"Missing parameter {missing[0]}")
        replacement = args.get("replacementUserId") or None
        if replacement is not None and replacement not in self.standin.users:
            raise Failure(404, "")
        first, last = _day(args["firstDay"]), _day(args["lastDay"])
        if first > last:
            raise Failure(400, "", data={"error": "firstDay"})
        if len(args["status"]) > MAX_STATUS:
            raise Failure(400, "", data={"error": "statusLength"})
        absence = self.set_absence(request.user.id, first, last, args["status"], args["message"], replacement)
        return Reply(200, absence.configured())

    @route("DELETE", BASE + "/{userId}", contract=CONTRACT)
    async def clear(self, request: Request) -> Reply:
        self.forget_user(request.user.id)
        return Reply(200, None)


def _alice_is_away(context: Any) -> dict[str, str]:
    today = datetime.now(UTC).date()
    context.app.set_absence(context.users["alice"].id, today.isoformat(), (today + timedelta(days=3)).isoformat(),
                            "On vacation", "Back next week.", context.users["bob"].id)  # fmt: skip
    return {}


def _alice_is_back(context: Any) -> dict[str, str]:
    context.app.forget_user(context.users["alice"].id)
    return {}


def _alice_goes_later(context: Any) -> dict[str, str]:
    later = datetime.now(UTC).date() + timedelta(days=30)
    context.app.set_absence(context.users["alice"].id, later.isoformat(), later.isoformat(), "Away", "Later.")
    return {}


WEEK = {"firstDay": "2026-08-03", "lastDay": "2026-08-07", "status": "On vacation", "message": "Back on Monday."}
SAMPLES = [
    Sample("GET", BASE + "/{alice}", 200, user="bob", setup=_alice_is_away),
    Sample("GET", BASE + "/{alice}", 404, user="bob", setup=_alice_is_back),
    Sample("GET", BASE + "/{alice}/now", 200, user="bob", setup=_alice_is_away),
    Sample("GET", BASE + "/{alice}/now", 404, user="bob", setup=_alice_goes_later),
    Sample("GET", BASE + "/no-such-user/now", 404),
    Sample("POST", BASE + "/{alice}", 200, json=WEEK),
    Sample("POST", BASE + "/{alice}", 200, json={**WEEK, "replacementUserId": "{bob}"}),
    Sample("POST", BASE + "/{alice}", 400, json={**WEEK, "firstDay": "2026-08-09"}),
    Sample("POST", BASE + "/{alice}", 400, json={**WEEK, "status": "x" * 101}),
    Sample("POST", BASE + "/{alice}", 404, json={**WEEK, "replacementUserId": "no-such-user"}),
    Sample("DELETE", BASE + "/{alice}", 200),
]
