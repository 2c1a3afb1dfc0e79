"""MCP tools for file reminders (the files_reminders app, OCS): see, set and remove a reminder.

The PyPI `nextcloud-mcp-server` has no reminder tools: these are `nc_file_reminder_*`. A
reminder is the caller's own, on a file or folder given by path; Nextcloud sends a notification
when it is due.

Why no toolset requirement: files_reminders contributes no capabilities, so gating cannot see it.
Each tool asks for the file's `nc:reminder-due-date` property as it looks up the file id, which
Nextcloud (30 and later) answers only for users who have the app, and names the missing app
otherwise.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, Field

from nextcloud_mcp_server.nextcloud.paths import normalize
from nextcloud_mcp_server.registry import Requirement, Toolset
from nextcloud_mcp_server.tools._base import CREATE, DELETE, READ, ToolError, invalid
from nextcloud_mcp_server.tools.declare import Nextcloud, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient
    from nextcloud_mcp_server.nextcloud.file_props import DavNode

TOOLSET = Toolset(
    "reminders",
    "File reminders",
    "Reminders on files and folders: when Nextcloud notifies you about them.",
    default=False,
)
APP = Requirement("files_reminders", "File reminders")

FilePath = Annotated[str, Field(description="Under the files root, e.g. 'Documents/a.md'.")]
Due = Annotated[str, Field(description="ISO 8601 with offset, e.g. 2026-05-04T09:00:00+02:00.")]


class ReminderResult(BaseModel):
    path: str = Field(description="The file or folder.")
    file_id: int = Field(description="Nextcloud's file id.")
    due: str | None = Field(description="When you will be notified (ISO 8601, UTC); null: no reminder.")


async def _node(nc: NextcloudClient, path: str) -> DavNode:
    """The file or folder, once its reminders are known to be available to the caller."""
    from nextcloud_mcp_server.nextcloud.file_props import lookup
    from nextcloud_mcp_server.nextcloud.reminders import REMINDER_DUE_DATE

    node = await lookup(nc, normalize(path, allow_root=False, argument="path"), [REMINDER_DUE_DATE])
    if not node.has(*REMINDER_DUE_DATE):
        raise ToolError(f"File reminders are not available: this tool {APP.unmet({})} (Nextcloud 30 or later).")
    return node


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


@tool(TOOLSET, READ, title="Get file reminder")
async def nc_file_reminder_get(nc: Nextcloud, path: FilePath) -> ReminderResult:
    """When your reminder on a file or folder is due, if you set one."""
    from nextcloud_mcp_server.nextcloud.reminders import RemindersAPI

    node = await _node(nc, path)
    due = await nc.api(RemindersAPI).get(node.file_id)
    return ReminderResult(path=node.path, file_id=node.file_id, due=_iso(due))


@tool(TOOLSET, CREATE, title="Set file reminder")
async def nc_file_reminder_set(nc: Nextcloud, path: FilePath, due: Due) -> ReminderResult:
    """Be notified about a file or folder at a time; replaces your earlier reminder on it."""
    from nextcloud_mcp_server.nextcloud.reminders import RemindersAPI, due_at

    when = due_at(due, "due")
    if when <= datetime.now(UTC):
        raise invalid("due", f"{due} is in the past; give a time to come")
    node = await _node(nc, path)
    await nc.api(RemindersAPI).set(node.file_id, when)
    return ReminderResult(path=node.path, file_id=node.file_id, due=_iso(when))


@tool(TOOLSET, DELETE, title="Remove file reminder")
async def nc_file_reminder_remove(nc: Nextcloud, path: FilePath) -> ReminderResult:
    """Remove your reminder on a file or folder."""
    from nextcloud_mcp_server.nextcloud.reminders import RemindersAPI

    node = await _node(nc, path)
    await nc.api(RemindersAPI).remove(node.file_id)
    return ReminderResult(path=node.path, file_id=node.file_id, due=None)
