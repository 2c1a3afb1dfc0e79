"""What the meeting tools (tools/scheduling.py) do behind their arguments: find the people to
invite, collect the events a bulk operation touches, and run it item by item.

Why apart: the tool module then reads as its four tools. Attendees are resolved the way a person
would: an email stays an email (named from the user's Nextcloud or contacts when known); a name is
looked up among the Nextcloud users (the principal search that the Calendar app's attendee field
uses) and the user's contacts, and must then name exactly one person. A bulk operation reports
every event separately: one event failing (changed meanwhile, a name taken in the target) leaves
the others done, each failure worded by the one mapping of tools/_base.py.
"""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from nextcloud_mcp_server.tools._base import MAPPED, failure_message, invalid
from nextcloud_mcp_server.tools._caldav_common import emails_arg
from nextcloud_mcp_server.tools._calendar_events import EventItem, event_item

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.caldav import CalendarObject
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient
    from nextcloud_mcp_server.nextcloud.ical import EventChanges
    from nextcloud_mcp_server.nextcloud.scheduling import Me, Person

BULK_OPERATIONS = ("update", "delete", "move")
CANDIDATES_SHOWN = 8


class Invitee(BaseModel):
    name: str | None = Field(description="Display name, when known.")
    email: str = Field(description="The address the invitation goes to.")
    found_as: Literal["user", "contact", "email"] = Field(
        description="A Nextcloud user, one of your contacts, or an email address given as it is."
    )


class BulkItem(BaseModel):
    uid: str = Field(description="The event's UID.")
    calendar_name: str = Field(description="The calendar it was in.")
    title: str = Field(description="Its title.")
    status: Literal["updated", "deleted", "moved", "failed"] = Field(description="What happened to it.")
    error: str | None = Field(default=None, description="Why it failed, and what to do.")


class BulkResult(BaseModel):
    operation: str = Field(description="The operation run.")
    total_found: int = Field(description="Events matching the filters.")
    succeeded: int = Field(description="Events done.")
    failed: int = Field(description="Events that failed (see their errors).")
    results: list[BulkItem] = Field(description="One entry per matching event, in start order.")


def meeting_times(date: str, time: str, duration_minutes: int) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of a meeting on `date` ('YYYY-MM-DD') at `time` ('HH:MM'), as wall-clock times."""
    try:
        day = dt.date.fromisoformat(date.strip())
    except ValueError:
        raise invalid("date", f"{date!r} is not a date; use 'YYYY-MM-DD', e.g. '2026-03-16'") from None
    try:
        start = dt.time.fromisoformat(time.strip())
    except ValueError:
        raise invalid("time", f"{time!r} is not a time of day; use 'HH:MM', e.g. '14:30'") from None
    begin = dt.datetime.combine(day, start.replace(tzinfo=None))
    return begin, begin + dt.timedelta(minutes=duration_minutes)


# -- attendees -----------------------------------------------------------------------------
async def resolve_attendees(nc: NextcloudClient, text: str, me: Me) -> list[Invitee]:
    """The people `text` names (comma-separated names or emails), without the organizer and duplicates."""
    from nextcloud_mcp_server.nextcloud.ical import split_list

    invitees: dict[str, Invitee] = {}
    for token in split_list(text):
        invitee = await _resolve(nc, token)
        if not me.is_me(f"mailto:{invitee.email}"):
            invitees.setdefault(invitee.email.lower(), invitee)
    if not invitees:
        raise invalid("attendees", "name someone other than yourself, by name or email")
    return list(invitees.values())


async def _resolve(nc: NextcloudClient, token: str) -> Invitee:
    name, email = parseaddr(token)
    if "@" in email:
        emails_arg(email)
        return Invitee(name=name or await _name_of(nc, email), email=email, found_as="email")
    people = await _people(nc, token)
    exact = [p for p in people if (p.name or "").casefold() == token.casefold()]
    if len(exact) == 1:
        return exact[0]
    if len(people) == 1:
        return people[0]
    if not people:
        raise invalid("attendees", f"no Nextcloud user or contact of yours matches {token!r}; give their email")
    shown = "; ".join(f"{p.name} <{p.email}>" for p in people[:CANDIDATES_SHOWN])
    raise invalid("attendees", f"{token!r} matches {len(people)} people ({shown}); give the email of the one you mean")


async def _people(nc: NextcloudClient, text: str) -> list[Invitee]:
    """Nextcloud users, then contacts, matching `text`; one entry per email address."""
    from nextcloud_mcp_server.nextcloud.scheduling import Scheduling

    found: dict[str, Invitee] = {}
    for person in await nc.api(Scheduling).find_users(text):
        found.setdefault(person.email.lower(), Invitee(name=person.name, email=person.email, found_as="user"))
    for person in await _contacts(nc, text, ("FN", "NICKNAME", "EMAIL"), "contains"):
        found.setdefault(person.email.lower(), Invitee(name=person.name, email=person.email, found_as="contact"))
    return list(found.values())


async def _contacts(nc: NextcloudClient, text: str, properties: tuple[str, ...], match: str) -> list[Person]:
    """Each matching contact once, with its preferred (else first) email; contacts without one are left out."""
    from nextcloud_mcp_server.nextcloud.scheduling import Person

    people: list[Person] = []
    for book in await nc.carddav.list_addressbooks():
        for card in await nc.carddav.search(book.name, text, properties, match=match):
            emails = sorted(card.contact.emails, key=lambda e: not e.preferred)
            if emails:
                people.append(Person(card.contact.fn or None, emails[0].value))
    return people


async def _name_of(nc: NextcloudClient, email: str) -> str | None:
    """The display name of the Nextcloud user or contact with this email, if there is one."""
    from nextcloud_mcp_server.nextcloud.scheduling import Scheduling

    for person in await nc.api(Scheduling).find_users(email):
        if person.email.lower() == email.lower() and person.name:
            return person.name
    for person in await _contacts(nc, email, ("EMAIL",), "equals"):
        if person.name:
            return person.name
    return None


# -- bulk operations -----------------------------------------------------------------------
async def matching_events(
    nc: NextcloudClient,
    calendars: list[str],
    start: dt.datetime | None,
    end: dt.datetime | None,
    keep: dict[str, str | None],
) -> list[tuple[CalendarObject, EventItem]]:
    """Each stored event of `calendars` (a recurring one once, as its series) that passes the filters."""
    found = []
    for calendar in calendars:
        for obj in await nc.caldav.query(calendar, "VEVENT", start=start, end=end):
            item = event_item(obj)
            if _passes(item, keep):
                found.append((obj, item))
    found.sort(key=lambda pair: (pair[1].start or "", pair[1].title))
    return found


def _passes(item: EventItem, keep: dict[str, str | None]) -> bool:
    title, location, status, categories = (keep.get(k) for k in ("title", "location", "status", "categories"))
    if title and title.casefold() not in item.title.casefold():
        return False
    if location and location.casefold() not in (item.location or "").casefold():
        return False
    if status and status.upper() != (item.status or "").upper():
        return False
    if categories:
        wanted = {c.strip().casefold() for c in categories.split(",") if c.strip()}
        return bool(wanted & {c.casefold() for c in item.categories})
    return True


async def run_bulk(
    nc: NextcloudClient,
    operation: str,
    events: list[tuple[CalendarObject, EventItem]],
    changes: EventChanges | None,
    target: str | None,
) -> BulkResult:
    """Apply `operation` to each event on its own; a failure is reported on its item and the rest go on."""
    results = []
    for obj, item in events:
        entry = BulkItem(uid=item.uid, calendar_name=obj.calendar, title=item.title, status="failed")
        try:
            entry.status = await _apply(nc, operation, obj, item, changes, target)
        except MAPPED as exc:
            entry.error = failure_message(exc, f"{operation.capitalize()} of event {item.uid}")
        results.append(entry)
    done = sum(1 for r in results if r.status != "failed")
    return BulkResult(
        operation=operation, total_found=len(results), succeeded=done, failed=len(results) - done, results=results
    )


async def _apply(
    nc: NextcloudClient,
    operation: str,
    obj: CalendarObject,
    item: EventItem,
    changes: EventChanges | None,
    target: str | None,
) -> Literal["updated", "deleted", "moved"]:
    if operation == "delete":
        await nc.caldav.delete(obj.calendar, obj.name, etag=obj.etag)
        return "deleted"
    if operation == "move":
        assert target is not None
        from nextcloud_mcp_server.nextcloud.errors import InvalidInput, NotFound

        try:
            await nc.caldav.find(target, item.uid)
        except NotFound:
            await nc.caldav.move(obj.calendar, obj.name, target)
            return "moved"
        raise InvalidInput(
            "target_calendar", f"'{target}' already holds this event (same UID); it was left where it is"
        )
    assert changes is not None
    from nextcloud_mcp_server.nextcloud.ical import merge_event
    from nextcloud_mcp_server.tools._caldav_common import put_object

    await put_object(nc, obj.calendar, obj.name, merge_event(obj.data, changes), etag=obj.etag)
    return "updated"
