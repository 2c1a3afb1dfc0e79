"""MCP tools for presence: user status (the user_status app) and out-of-office (the dav app's absences).

Anyone's status and configured absence can be read, which is how "is Anna in?" and "who is out of
office" are answered; one's own status and absence can be set and cleared. The toolset needs the
user_status app; absences need Nextcloud 28 or newer.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, Field

from nextcloud_mcp_server.registry import Requirement, Toolset
from nextcloud_mcp_server.tools._base import DELETE, READ, UPDATE, invalid
from nextcloud_mcp_server.tools.declare import Nextcloud, tool
from nextcloud_mcp_server.tools.users import USER_ID

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.out_of_office import Absence
    from nextcloud_mcp_server.nextcloud.user_status import UserStatus

TOOLSET = Toolset(
    "status",
    "Status",
    "User status and out-of-office: see anyone's, set and clear your own.",
    default=False,
    requires=Requirement("user_status", "User status"),
)

StatusType = Literal["online", "away", "dnd", "busy", "invisible", "offline"]
Settable = Literal["online", "away", "dnd", "invisible", "offline"]
OtherUser = Annotated[str | None, Field(description="Login id of someone else; omit for yourself.")]
DURATION = re.compile(r"(\d+)\s*(m|min|h|d)", re.IGNORECASE)
MAX_MESSAGE_LENGTH = 80
MAX_ABSENCE_STATUS_LENGTH = 100


class StatusResult(BaseModel):
    user_id: str
    status: StatusType | None = Field(description="null: no status recorded (never set, or no such account).")
    message: str | None
    icon: str | None = Field(description="Emoji shown with the message.")
    clear_at: datetime | None = Field(description="When the message (and a status set with it) clears, UTC.")

    @classmethod
    def of(cls, user_id: str, status: UserStatus | None) -> StatusResult:
        if status is None:
            return cls(user_id=user_id, status=None, message=None, icon=None, clear_at=None)
        clears = datetime.fromtimestamp(status.clear_at, UTC) if status.clear_at else None
        return cls(
            user_id=status.user_id, status=status.status, message=status.message, icon=status.icon, clear_at=clears
        )


class AbsenceResult(BaseModel):
    user_id: str
    configured: bool = Field(description="Whether an absence is set (past, current or upcoming).")
    out_of_office_now: bool
    first_day: date | None
    last_day: date | None
    status: str | None = Field(description="Short text shown as status during the absence.")
    message: str | None = Field(description="The longer message for others.")
    replacement_user_id: str | None
    replacement_display_name: str | None

    @classmethod
    def of(cls, user_id: str, absence: Absence | None, now: bool) -> AbsenceResult:
        if absence is None:
            return cls(
                user_id=user_id, configured=False, out_of_office_now=False, first_day=None, last_day=None,
                status=None, message=None, replacement_user_id=None, replacement_display_name=None,
            )  # fmt: skip
        return cls(
            user_id=absence.user_id,
            configured=True,
            out_of_office_now=now,
            first_day=date.fromisoformat(absence.first_day),
            last_day=date.fromisoformat(absence.last_day),
            status=absence.status,
            message=absence.message,
            replacement_user_id=absence.replacement_user_id or None,
            replacement_display_name=absence.replacement_user_display_name or None,
        )


def _other(nc: Nextcloud, user_id: str | None) -> str:
    """The account asked about: `user_id`, or the caller."""
    if user_id is None or not user_id.strip():
        return str(nc.user)
    if not USER_ID.fullmatch(user_id.strip()):
        raise invalid("user_id", f"{user_id!r} is not a login id (letters, digits, spaces and _ . @ - ' only)")
    return user_id.strip()


def clear_time(value: str, now: datetime) -> int:
    """Unix time from an ISO 8601 time (UTC if it names no offset) or a duration from now (30m, 4h, 2d)."""
    text = value.strip()
    if (match := DURATION.fullmatch(text)) is not None:
        amount, unit = int(match.group(1)), match.group(2).lower()[0]
        when = now + {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount)}[unit]
    else:
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            raise invalid(
                "clear_at", f"{value!r} is neither an ISO 8601 time nor a duration such as 30m, 4h or 2d"
            ) from None
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when
    if when <= now:
        raise invalid("clear_at", f"{when.isoformat()} is not in the future; give a later time or a duration")
    return int(when.timestamp())


def _emoji(icon: str) -> str:
    icon = icon.strip()
    if not icon or any(ch.isalnum() or ch.isspace() for ch in icon) or len(icon) > 8:
        raise invalid("icon", f"{icon!r} is not a single emoji; give one such as 🌴 or 🤒, or omit it")
    return icon


@tool(TOOLSET, READ, title="Get user status")
async def nc_status_get(nc: Nextcloud, user_id: OtherUser = None) -> StatusResult:
    """Someone's status (online, away, dnd, ...), message, emoji and when it clears; yours by default."""
    from nextcloud_mcp_server.nextcloud.user_status import UserStatusAPI

    who = _other(nc, user_id)
    api = nc.api(UserStatusAPI)
    return StatusResult.of(who, await (api.mine() if who == nc.user else api.of(who)))


@tool(TOOLSET, UPDATE, title="Set my status")
async def nc_status_set(
    nc: Nextcloud,
    status: Annotated[
        Settable | None, Field(description="online lapses to offline without an open Nextcloud client.")
    ] = None,
    message: Annotated[str | None, Field(description="Up to 80 characters.")] = None,
    icon: Annotated[str | None, Field(description="One emoji.")] = None,
    clear_at: Annotated[
        str | None, Field(description="When the message clears: ISO 8601 time, or a duration from now (30m, 4h, 2d).")
    ] = None,
) -> StatusResult:
    """Set your status, a custom message with an emoji, or both; the message can clear itself."""
    from nextcloud_mcp_server.nextcloud.user_status import UserStatusAPI

    if status is None and message is None and icon is None and clear_at is None:
        raise invalid("status/message", "give a status, a message, or both")
    if message is not None and len(message.strip()) > MAX_MESSAGE_LENGTH:
        raise invalid("message", f"is {len(message.strip())} characters; Nextcloud allows {MAX_MESSAGE_LENGTH}")
    emoji = _emoji(icon) if icon is not None else None
    clears = clear_time(clear_at, datetime.now(UTC)) if clear_at is not None and clear_at.strip() else None
    api = nc.api(UserStatusAPI)
    with_message = message is not None or emoji is not None or clears is not None
    text = message.strip() if message is not None else None
    if with_message and message is None:  # an emoji or a clear-at for the message already there
        current = await api.mine()
        text = current.message if current is not None else None
        emoji = emoji if emoji is not None or current is None else current.icon
        if not text and clears is None:
            raise invalid("message", "an emoji goes with a message; give the message too")
    result = await api.set_status(status) if status is not None else None
    if with_message:
        result = await api.set_message(text or None, icon=emoji, clear_at=clears)
    return StatusResult.of(str(nc.user), result)


@tool(TOOLSET, DELETE, title="Clear my status message")
async def nc_status_clear(nc: Nextcloud) -> StatusResult:
    """Remove your status message, its emoji and clear-at; your status (online, away, ...) stays."""
    from nextcloud_mcp_server.nextcloud.user_status import UserStatusAPI

    api = nc.api(UserStatusAPI)
    await api.clear_message()
    return StatusResult.of(str(nc.user), await api.mine())


@tool(TOOLSET, READ, title="Get out-of-office")
async def nc_status_get_out_of_office(nc: Nextcloud, user_id: OtherUser = None) -> AbsenceResult:
    """Someone's out-of-office: whether they are away now, the days, the message and who replaces them."""
    from nextcloud_mcp_server.nextcloud.out_of_office import OutOfOfficeAPI

    who = _other(nc, user_id)
    api = nc.api(OutOfOfficeAPI)
    absence = await api.get(who)
    return AbsenceResult.of(who, absence, absence is not None and await api.is_on(who))


@tool(TOOLSET, UPDATE, title="Set my out-of-office")
async def nc_status_set_out_of_office(
    nc: Nextcloud,
    first_day: date,
    last_day: date,
    status: Annotated[str, Field(description="Short text shown as your status, e.g. 'On vacation'.")],
    message: Annotated[str, Field(description="Longer message for people who contact you.")],
    replacement_user_id: Annotated[str | None, Field(description="Login id of who stands in for you.")] = None,
) -> AbsenceResult:
    """Set your out-of-office for whole days (replacing any earlier one); your status follows it."""
    from nextcloud_mcp_server.nextcloud.out_of_office import OutOfOfficeAPI

    if last_day < first_day:
        raise invalid("last_day", f"{last_day} is before first_day {first_day}; the absence must end on or after it")
    if not status.strip():
        raise invalid("status", "must not be empty; give a short text such as 'On vacation'")
    if len(status.strip()) > MAX_ABSENCE_STATUS_LENGTH:
        raise invalid("status", f"is {len(status.strip())} characters; Nextcloud allows {MAX_ABSENCE_STATUS_LENGTH}")
    replacement = _other(nc, replacement_user_id) if replacement_user_id and replacement_user_id.strip() else None
    if replacement == nc.user:
        raise invalid("replacement_user_id", "is yourself; name someone else or omit it")
    api = nc.api(OutOfOfficeAPI)
    absence = await api.set(first_day.isoformat(), last_day.isoformat(), status.strip(), message, replacement)
    return AbsenceResult.of(absence.user_id, absence, await api.is_on(absence.user_id))


@tool(TOOLSET, DELETE, title="Clear my out-of-office")
async def nc_status_clear_out_of_office(nc: Nextcloud) -> AbsenceResult:
    """Remove your out-of-office (past, current or upcoming)."""
    from nextcloud_mcp_server.nextcloud.out_of_office import OutOfOfficeAPI

    await nc.api(OutOfOfficeAPI).clear()
    return AbsenceResult.of(str(nc.user), None, False)
