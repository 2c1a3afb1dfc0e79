"""File reminders (the files_reminders app), OCS `apps/files_reminders/api/v1/{fileId}`.

nextcloud/server apps/files_reminders (Controller/ApiController.php, openapi.json): GET answers
`{"dueDate": <ISO 8601 or null>}`, PUT with `dueDate` sets the caller's reminder (201 created,
200 updated; 404 for a file they do not have, 400 for a date Nextcloud cannot read), DELETE
removes it (404 when there is none). A reminder is the caller's own, on a file or folder, and
Nextcloud notifies them when it is due.

Whether the app is there for the caller cannot be read from the capabilities (it contributes
none); its WebDAV property `nc:reminder-due-date`, which Nextcloud 30 and later answer only for
users who have the app, tells (`REMINDER_DUE_DATE`, asked by nextcloud/file_props.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from nextcloud_mcp_server.nextcloud.dav import NC
from nextcloud_mcp_server.nextcloud.errors import BadResponse, InvalidInput, NextcloudError
from nextcloud_mcp_server.nextcloud.ocs import OCS_HEADERS, unwrap

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

BASE = "/ocs/v2.php/apps/files_reminders/api/v1"
REMINDER_DUE_DATE = (NC, "reminder-due-date")


def parse_due(value: object) -> datetime | None:
    """Nextcloud's ISO 8601 due date (or null) as an aware datetime."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadResponse("the reminder's dueDate is not a string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadResponse(f"the reminder's dueDate {value[:40]!r} is not ISO 8601") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def due_at(value: str, argument: str) -> datetime:
    """A due date a caller gave: ISO 8601 with a UTC offset (InvalidInput otherwise)."""
    example = "e.g. 2026-05-04T09:00:00+02:00 or 2026-05-04T07:00:00Z"
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(argument, f"{value!r} is not an ISO 8601 date and time; {example}") from None
    if parsed.tzinfo is None:
        raise InvalidInput(argument, f"has no UTC offset, so the time is ambiguous; add one, {example}")
    return parsed


class RemindersAPI:
    """The caller's reminders on their files, addressed by file id."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def _call(self, method: str, file_id: int, json: object = None) -> tuple[int, object]:
        try:
            response = await self._client.request(method, f"{BASE}/{file_id}", headers=OCS_HEADERS, json=json)
            return response.status_code, unwrap(response)
        except NextcloudError as exc:
            exc.subject = f"the reminder on file {file_id}"
            raise

    async def get(self, file_id: int) -> datetime | None:
        """When the caller's reminder on the file is due; None when there is none."""
        _, data = await self._call("GET", file_id)
        if not isinstance(data, dict):
            raise BadResponse("the reminder answer is not an object")
        return parse_due(data.get("dueDate"))

    async def set(self, file_id: int, due: datetime) -> bool:
        """Set (or move) the caller's reminder on the file; True when it is new."""
        iso = due.astimezone(UTC).isoformat(timespec="seconds")
        status, _ = await self._call("PUT", file_id, json={"dueDate": iso})
        return status == 201

    async def remove(self, file_id: int) -> None:
        """Remove the caller's reminder on the file (NotFound when there is none)."""
        await self._call("DELETE", file_id)
