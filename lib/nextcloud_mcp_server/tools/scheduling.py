"""MCP tools for meetings (CalDAV scheduling): invite people, answer invitations, change many
events at once.

Nextcloud schedules implicitly (RFC 6638): writing an event whose ORGANIZER is the user sends the
invitations — into the calendars of attendees who use that Nextcloud and as iMIP emails — and an
attendee writing their PARTSTAT sends the reply to the organizer. These tools therefore write the
right ORGANIZER, ATTENDEE and PARTSTAT and leave the sending to the server (nextcloud/scheduling.py).
`nc_calendar_create_meeting` and `nc_calendar_bulk_operations` have the names and arguments of the
PyPI `nextcloud-mcp-server` package. The toolset is apart from `calendar` so that sessions that only
read and keep calendars are not handed these definitions.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Self

from pydantic import BaseModel, Field

from nextcloud_mcp_server.registry import Toolset
from nextcloud_mcp_server.tools._base import CREATE, READ, UPDATE, Limit, Offset, Paged, ToolError, invalid
from nextcloud_mcp_server.tools._caldav_common import (
    EVENT_STATUSES,
    CalendarName,
    choice,
    one_of,
    put_object,
    range_arg,
    zone_arg,
)
from nextcloud_mcp_server.tools._calendar_events import EventItem, build_changes, event_item
from nextcloud_mcp_server.tools._scheduling import (
    BULK_OPERATIONS,
    BulkResult,
    Invitee,
    matching_events,
    meeting_times,
    resolve_attendees,
    run_bulk,
)
from nextcloud_mcp_server.tools.declare import Nextcloud, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient
    from nextcloud_mcp_server.nextcloud.scheduling import Me

REPLIES = ("ACCEPTED", "DECLINED", "TENTATIVE")
EventUid = Annotated[str, Field(min_length=1)]

TOOLSET = Toolset(
    "scheduling",
    "Meetings",
    "Invite people to meetings, answer invitations, and change or move many events at once.",
    default=False,
)


class MeetingResult(BaseModel):
    event: EventItem = Field(description="The meeting as stored in your calendar.")
    invited: list[Invitee] = Field(description="Who was invited, and how each name was found.")
    note: str = Field(description="What Nextcloud does with the invitations.")


class Invitation(EventItem):
    """An event you are invited to."""

    my_status: str = Field(description="Your reply: NEEDS-ACTION, ACCEPTED, DECLINED or TENTATIVE.")

    @classmethod
    def of(cls, item: EventItem, my_status: str) -> Self:
        return cls(**item.model_dump(), my_status=my_status)


async def _organizer(nc: NextcloudClient) -> Me:
    """The user, who must have the email address invitations are sent from."""
    from nextcloud_mcp_server.nextcloud.scheduling import Scheduling

    me = await nc.api(Scheduling).me()
    if not me.email:
        raise ToolError(
            "Create meeting failed: your Nextcloud account has no email address, and invitations are sent from it. "
            "Set one in Nextcloud's Personal settings, or create the event without attendees."
        )
    return me


@tool(TOOLSET, CREATE, title="Create meeting")
async def nc_calendar_create_meeting(
    nc: Nextcloud,
    title: str,
    date: Annotated[str, Field(description="YYYY-MM-DD.")],
    time: Annotated[str, Field(description="HH:MM.")],
    duration_minutes: int = 60,
    calendar_name: str = "personal",
    attendees: Annotated[str, Field(description="Names or emails, comma-separated.")] = "",
    location: str = "",
    description: str = "",
    reminder_minutes: Annotated[int, Field(description="0: none.")] = 15,
    timezone: Annotated[str, Field(description="IANA zone.")] = "",
) -> MeetingResult:
    """Create a meeting and invite people (by name or email) through Nextcloud."""
    if not title.strip():
        raise invalid("title", "a meeting needs a non-empty title")
    if duration_minutes < 1:
        raise invalid("duration_minutes", "give the meeting's length in minutes, at least 1")
    if reminder_minutes < 0:
        raise invalid("reminder_minutes", "give minutes before the start, or 0 for no reminder")
    zone = zone_arg(timezone)
    begin, end = meeting_times(date, time, duration_minutes)
    from nextcloud_mcp_server.nextcloud.ical import build_event
    from nextcloud_mcp_server.nextcloud.ical_schedule import invite
    from nextcloud_mcp_server.nextcloud.scheduling import Person

    invited: list[Invitee] = []
    organizer: Person | None = None
    if attendees.strip():
        me = await _organizer(nc)
        invited = await resolve_attendees(nc, attendees, me)
        organizer = Person(me.name, me.email or "")
    changes = build_changes(
        title=title.strip(), start_datetime=begin.isoformat(), end_datetime=end.isoformat(), all_day=False,
        description=description, location=location, categories=None, recurring=None, recurrence_rule=None,
        recurrence_end_date=None, reminder_minutes=reminder_minutes, reminder_email=None, status="CONFIRMED",
        priority=None, privacy=None, attendees=None, url=None, color=None, timezone=timezone or None,
    )  # fmt: skip
    uid, ics = build_event(changes)
    if organizer is not None:
        ics = invite(ics, organizer, [Person(i.name, i.email) for i in invited])
    stored = event_item(await put_object(nc, calendar_name, f"{uid}.ics", ics, create=True))
    over = (end.replace(tzinfo=zone) if zone else end) < dt.datetime.now(zone)
    note = (
        "No one was invited."
        if not invited
        else "Nextcloud sends no invitations for a meeting that is already over."
        if over
        else "Nextcloud emails each invitation and puts it in the calendar of attendees who use this Nextcloud."
    )
    return MeetingResult(event=stored, invited=invited, note=note)


@tool(TOOLSET, READ, title="List invitations")
async def nc_calendar_list_invitations(
    nc: Nextcloud,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Paged[Invitation]:
    """Invitations awaiting your reply, soonest first."""
    from nextcloud_mcp_server.nextcloud.ical_schedule import role_of
    from nextcloud_mcp_server.nextcloud.scheduling import Scheduling

    me = await nc.api(Scheduling).me()
    names = [c.name for c in await nc.caldav.list_calendars() if c.supports("VEVENT")]
    found: list[Invitation] = []
    for name in names:
        for obj in await nc.caldav.query(name, "VEVENT", start=dt.datetime.now(dt.UTC)):
            role = role_of(obj.data, me)
            if role.invited and role.partstat == "NEEDS-ACTION":
                found.append(Invitation.of(event_item(obj), role.partstat))
    found.sort(key=lambda item: (item.start or "", item.title))
    return Paged[Invitation].of(found, offset, limit)


@tool(TOOLSET, UPDATE, title="Respond to invitation")
async def nc_calendar_respond_to_invitation(
    nc: Nextcloud,
    calendar_name: CalendarName,
    event_uid: EventUid,
    response: Annotated[str, one_of(REPLIES)],
) -> Invitation:
    """Answer an invitation; Nextcloud tells the organizer."""
    answer = choice(response, REPLIES, "response")
    from nextcloud_mcp_server.nextcloud.ical_schedule import reply, role_of
    from nextcloud_mcp_server.nextcloud.scheduling import Scheduling

    me = await nc.api(Scheduling).me()
    found = await nc.caldav.find(calendar_name, event_uid)
    role = role_of(found.data, me)
    if role.organizer:
        raise invalid("event_uid", "you organize this event; change it with nc_calendar_update_event")
    if not role.invited:
        raise invalid("event_uid", "you are not among this event's attendees; find invitations with "
                      "nc_calendar_list_invitations")  # fmt: skip
    stored = await put_object(nc, calendar_name, found.name, reply(found.data, me, answer), etag=found.etag)
    return Invitation.of(event_item(stored), answer)


@tool(TOOLSET, UPDATE, title="Bulk calendar operations")
async def nc_calendar_bulk_operations(
    nc: Nextcloud,
    operation: Annotated[str, one_of(BULK_OPERATIONS)],
    title_contains: str | None = None,
    categories: Annotated[str | None, Field(description="Comma-separated; any.")] = None,
    calendar_name: str | None = None,
    start_date: Annotated[str, Field(description="YYYY-MM-DD.")] = "",
    end_date: Annotated[str, Field(description="Inclusive.")] = "",
    status: Annotated[str | None, one_of(EVENT_STATUSES)] = None,
    location_contains: str | None = None,
    new_title: str | None = None,
    new_description: str | None = None,
    new_location: str | None = None,
    new_categories: Annotated[str | None, Field(description="Comma-separated; replaces.")] = None,
    new_priority: Annotated[int | None, Field(description="1-9; 0: none.")] = None,
    new_reminder_minutes: Annotated[int | None, Field(description="0: none.")] = None,
    target_calendar: Annotated[str | None, Field(description="For move.")] = None,
) -> BulkResult:
    """Update, delete or move all matching events; each is reported."""
    act = operation.strip().lower()
    if act not in BULK_OPERATIONS:
        raise invalid("operation", f"{operation!r} is not one of {', '.join(BULK_OPERATIONS)}")
    if not any((title_contains, categories, status, location_contains, start_date, end_date)):
        raise invalid("title_contains", "give at least one filter (title, categories, status, location or dates), "
                      "so that not every event is touched")  # fmt: skip
    changes = None
    if act == "update":
        if new_title is not None and not new_title.strip():
            raise invalid("new_title", "the title cannot be empty")
        news = (new_title, new_description, new_location, new_categories, new_priority, new_reminder_minutes)
        if all(value is None for value in news):
            raise invalid("new_title", "an update needs at least one new_* value")
        if new_priority is not None and not 0 <= new_priority <= 9:
            raise invalid("new_priority", "use 1 (high) to 9 (low), or 0 for none")
        if new_reminder_minutes is not None and new_reminder_minutes < 0:
            raise invalid("new_reminder_minutes", "give minutes before the start, or 0 for no reminder")
        changes = build_changes(
            title=new_title, start_datetime=None, end_datetime=None, all_day=None, description=new_description,
            location=new_location, categories=new_categories, recurring=None, recurrence_rule=None,
            recurrence_end_date=None, reminder_minutes=new_reminder_minutes, reminder_email=None, status=None,
            priority=new_priority, privacy=None, attendees=None, url=None, color=None, timezone=None,
        )  # fmt: skip
    if act == "move":
        if not target_calendar:
            raise invalid("target_calendar", "a move needs the calendar to move the events to")
        await nc.caldav.get_calendar(target_calendar)
    start, end = range_arg(start_date, end_date, None)
    if calendar_name:
        names = [calendar_name]
    else:
        names = [c.name for c in await nc.caldav.list_calendars() if c.supports("VEVENT")]
    names = [n for n in names if not (act == "move" and n == target_calendar)]
    keep = {"title": title_contains, "location": location_contains, "status": status, "categories": categories}
    events = await matching_events(nc, names, start, end, keep)
    return await run_bulk(nc, act, events, changes, target_calendar if act == "move" else None)
