"""File reminder tools end to end through the real MCP client: set, read, move and remove a
reminder on a file or folder, checked on the stand-in with raw OCS requests; bad due dates are
refused before any request; with files_reminders disabled for the user a call names the app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.helpers import call, error_of, unique

pytestmark = pytest.mark.anyio

OCS = {"OCS-APIRequest": "true", "Accept": "application/json"}


def a_file(nc_user: Any) -> tuple[str, int]:
    path = f"{unique('contract')}.pdf"
    with nc_user.raw() as raw:
        assert raw.put(f"/remote.php/dav/files/{nc_user.id}/{path}", content=b"%PDF-1.4").status_code == 201
    return path, (nc_user.files_root / path).stat().st_ino


def raw_due(nc_user: Any, file_id: int) -> str | None:
    with nc_user.raw() as raw:
        answer = raw.get(f"/ocs/v2.php/apps/files_reminders/api/v1/{file_id}", headers=OCS)
    assert answer.status_code == 200, answer.text
    due: str | None = answer.json()["ocs"]["data"]["dueDate"]
    return due


async def test_set_get_and_remove_a_reminder(mcp, nc_user) -> None:
    path, file_id = a_file(nc_user)
    assert await call(mcp, "nc_file_reminder_get", path=path) == {"path": path, "file_id": file_id, "due": None}

    result = await call(mcp, "nc_file_reminder_set", path=path, due="2031-03-04T10:30:00+02:00")

    assert result == {"path": path, "file_id": file_id, "due": "2031-03-04T08:30:00+00:00"}
    assert raw_due(nc_user, file_id) == "2031-03-04T08:30:00+00:00"
    assert (await call(mcp, "nc_file_reminder_get", path=path))["due"] == "2031-03-04T08:30:00+00:00"

    await call(mcp, "nc_file_reminder_set", path=path, due="2031-05-01T07:00:00Z")
    assert raw_due(nc_user, file_id) == "2031-05-01T07:00:00+00:00"

    removed = await call(mcp, "nc_file_reminder_remove", path=path)
    assert removed == {"path": path, "file_id": file_id, "due": None}
    assert raw_due(nc_user, file_id) is None


async def test_a_folder_can_have_a_reminder(mcp, nc_user) -> None:
    folder = unique("Taxes")
    await call(mcp, "nc_webdav_create_directory", path=folder)
    due = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    result = await call(mcp, "nc_file_reminder_set", path=folder, due=due.isoformat())
    assert raw_due(nc_user, (nc_user.files_root / folder).stat().st_ino) == result["due"] == due.isoformat()


@pytest.mark.parametrize(
    ("due", "says"),
    [
        ("next tuesday", "is not an ISO 8601 date and time"),
        ("2031-03-04T10:30:00", "has no UTC offset"),
        ("2001-01-01T00:00:00Z", "is in the past"),
    ],
)
async def test_a_due_date_nextcloud_could_misread_is_refused(mcp, nc_user, due, says) -> None:
    path, file_id = a_file(nc_user)
    message = await error_of(mcp, "nc_file_reminder_set", path=path, due=due)
    assert "Invalid argument 'due'" in message
    assert says in message
    assert raw_due(nc_user, file_id) is None


async def test_removing_a_reminder_that_is_not_set_is_not_found(mcp, nc_user) -> None:
    path, file_id = a_file(nc_user)
    message = await error_of(mcp, "nc_file_reminder_remove", path=path)
    assert "HTTP 404" in message
    assert f"the reminder on file {file_id}" in message


async def test_a_missing_file_is_not_found(mcp) -> None:
    message = await error_of(mcp, "nc_file_reminder_set", path="no/such/file.txt", due="2031-01-01T00:00:00Z")
    assert "HTTP 404" in message


async def test_a_deleted_file_takes_its_reminder_along(mcp, nc_user) -> None:
    path, file_id = a_file(nc_user)
    await call(mcp, "nc_file_reminder_set", path=path, due="2031-01-01T00:00:00Z")
    await call(mcp, "nc_webdav_delete_resource", path=path)
    assert raw_due(nc_user, file_id) is None


async def test_without_the_app_a_call_names_it(mcp, nc_user) -> None:
    path, file_id = a_file(nc_user)
    nc_user.standin.app.set_app_enabled(nc_user.id, "files_reminders", False)
    try:
        message = await error_of(mcp, "nc_file_reminder_set", path=path, due="2031-01-01T00:00:00Z")
    finally:
        nc_user.standin.app.set_app_enabled(nc_user.id, "files_reminders", True)
    assert "needs the Nextcloud app 'File reminders' (files_reminders)" in message
    assert raw_due(nc_user, file_id) is None
