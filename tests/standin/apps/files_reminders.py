"""File reminders (files_reminders), as Nextcloud 31 serves them: OCS `apps/files_reminders/api/v1/{fileId}`.

nextcloud/server apps/files_reminders (appinfo/routes.php, Controller/ApiController.php,
Service/ReminderService.php, Dav/PropFindPlugin.php, openapi.json):

- `GET` answers `{"dueDate": "<ISO 8601>"}` for the caller's pending reminder on that file id, or
  `{"dueDate": null}` (also for an id that is no file of theirs);
- `PUT` with `dueDate` (ISO 8601; read as PHP's DateTime would, stored in UTC) updates the
  caller's reminder (200) or creates one (201) when the id is a file or folder in their tree
  (else 404); a date that does not parse is 400;
- `DELETE` removes it (200), 404 when there is none;
- the route's `{version}` must be 1 (its requirement); another is the router's 404;
- a deleted file loses its reminders, in the trash bin or for good (NodeDeletedListener);
- the files' WebDAV properties gain `nc:reminder-due-date` (the due date, '' when none): the
  PropFindPlugin, loaded only for users who have the app, so for the others that property is
  404 in the PROPFIND answer. The app contributes no capabilities.

Contract: Nextcloud publishes apps/files_reminders/openapi.json, which ../shared/contracts does
not hold; the routes name SOURCES.md.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.standin.apps._dav import file_by_id
from tests.standin.core import User
from tests.standin.kit import EmulatedApp, Failure, Reply, Request, Sample, route

CONTRACT = "SOURCES.md"
ROUTE = "/ocs/v2.php/apps/files_reminders/api/v{version}/{fileId}"


class RemindersApp(EmulatedApp):
    app_id = "files_reminders"
    prefixes = ("/ocs/v2.php/apps/files_reminders/",)

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self._lock = threading.Lock()
        self.due: dict[tuple[str, int], datetime] = {}
        """(user id, file id) -> when the reminder is due (UTC)."""

    # -- state -----------------------------------------------------------------------
    def forget(self, user: User, file_ids: set[int]) -> None:
        """A deleted file's reminders go (ReminderService::removeAllForNode)."""
        with self._lock:
            for key in [key for key in self.due if key[1] in file_ids]:
                del self.due[key]

    def due_date(self, user: User, fp: Path) -> str:
        """The `nc:reminder-due-date` of a file: its due date in ISO 8601, '' when none."""
        due = self.due.get((user.id, fp.stat().st_ino))
        return atom(due) if due is not None else ""

    # -- routes ------------------------------------------------------------------------
    @staticmethod
    def _file_id(request: Request) -> int:
        if request.params["version"] != "1" or not request.params["fileId"].isdigit():
            raise Failure(404, "Invalid query, please check the syntax. API specifications are here: "
                          "http://www.freedesktop.org/wiki/Specifications/open-collaboration-services.")  # fmt: skip
        return int(request.params["fileId"])

    @route("GET", ROUTE, contract=CONTRACT)
    async def get(self, request: Request) -> Reply:
        due = self.due.get((request.user.id, self._file_id(request)))
        return Reply(200, {"dueDate": atom(due) if due is not None else None})

    @route("PUT", ROUTE, contract=CONTRACT)
    async def set(self, request: Request) -> Reply:
        file_id = self._file_id(request)
        value = request.args().get("dueDate")
        due = parse_due(value) if isinstance(value, str) else None
        if due is None:
            raise Failure(400, "", data=[])
        key = (request.user.id, file_id)
        with self._lock:
            if key in self.due:
                self.due[key] = due
                return Reply(200, [])
            if file_by_id(self.standin.files_root(request.user), str(file_id)) is None:
                raise Failure(404, "", data=[])
            self.due[key] = due
        return Reply(201, [])

    @route("DELETE", ROUTE, contract=CONTRACT)
    async def remove(self, request: Request) -> Reply:
        key = (request.user.id, self._file_id(request))
        with self._lock:
            if self.due.pop(key, None) is None:
                raise Failure(404, "", data=[])
        return Reply(200, [])


def parse_due(value: str) -> datetime | None:
    """A due date as Nextcloud reads it (`new DateTime($dueDate)`, the server in UTC), in UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return (parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def atom(value: datetime) -> str:
    """DateTimeInterface::ATOM: 2026-05-01T07:00:00+00:00."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


# -- contract samples -------------------------------------------------------------------------


def _file(context: Any) -> dict[str, str]:
    fp = context.standin.files_root(context.users["alice"]) / f"reminded-{uuid.uuid4().hex}.txt"  # a new file each time
    fp.write_bytes(b"remind me")
    # The stand-in's file ids are inodes, which the file system reuses: a new file has no reminder.
    context.app.due.pop((context.users["alice"].id, fp.stat().st_ino), None)
    return {"fileid": str(fp.stat().st_ino)}


def _reminded(context: Any) -> dict[str, str]:
    names = _file(context)
    context.app.due[(context.users["alice"].id, int(names["fileid"]))] = datetime(2030, 1, 1, tzinfo=UTC)
    return names


BASE = "/ocs/v2.php/apps/files_reminders/api/v1/"
DUE = {"dueDate": "2030-01-02T09:00:00+02:00"}

SAMPLES: list[Sample] = [
    Sample("GET", BASE + "{fileid}", 200, setup=_reminded),
    Sample("GET", BASE + "{fileid}", 200, setup=_file, note="no reminder: dueDate null"),
    Sample("GET", "/ocs/v1.php/apps/files_reminders/api/v1/{fileid}", 100, setup=_reminded),
    Sample("GET", "/ocs/v2.php/apps/files_reminders/api/v2/{fileid}", 404, setup=_file, note="only v1"),
    Sample("PUT", BASE + "{fileid}", 201, setup=_file, json=DUE),
    Sample("PUT", BASE + "{fileid}", 200, setup=_reminded, json=DUE),
    Sample("PUT", BASE + "{fileid}", 400, setup=_file, json={"dueDate": "next tuesday-ish"}),
    Sample("PUT", BASE + "{fileid}", 404, user="bob", setup=_file, json=DUE, note="alice's file"),
    Sample("DELETE", BASE + "{fileid}", 200, setup=_reminded),
    Sample("DELETE", BASE + "{fileid}", 404, setup=_file, note="no reminder"),
]
