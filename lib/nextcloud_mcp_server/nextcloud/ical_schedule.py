"""iCalendar for scheduling (RFC 5545 §3.8.4, RFC 5546): an event's ORGANIZER and ATTENDEEs, and an
attendee's PARTSTAT.

Why apart from ical.py: building and merging events knows nothing of who organizes them. Here the
organizer's invitation is written (ORGANIZER with CN; each ATTENDEE with CN, CUTYPE, ROLE,
PARTSTAT=NEEDS-ACTION and RSVP=TRUE, as RFC 5546 §3.2.2 asks of a REQUEST), and an attendee's
reply is made on their own copy: PARTSTAT on every component where they attend (the series and
its exceptions), without touching SEQUENCE, which only the organizer changes (RFC 5546 §2.1.4).
The server does the rest (sends the REQUEST and REPLY messages).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import icalendar

from nextcloud_mcp_server.nextcloud.ical import finish
from nextcloud_mcp_server.nextcloud.ical_read import as_list, load, master

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.scheduling import Me, Person

REPLIES = ("ACCEPTED", "DECLINED", "TENTATIVE")


def _address(person: Person, **params: str) -> icalendar.vCalAddress:
    value = icalendar.vCalAddress(f"mailto:{person.email}")
    if person.name:
        value.params["CN"] = person.name
    value.params.update(params)
    return value


def invite(ics: bytes, organizer: Person, attendees: list[Person]) -> bytes:
    """The event with `organizer` as ORGANIZER and `attendees` invited, awaiting their replies."""
    cal = load(ics)
    for event in cal.walk("VEVENT"):
        event.pop("ORGANIZER", None)
        event.pop("ATTENDEE", None)
        event.add("ORGANIZER", _address(organizer))
        for person in attendees:
            params = {"CUTYPE": "INDIVIDUAL", "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION", "RSVP": "TRUE"}
            event.add("ATTENDEE", _address(person, **params))
    return bytes(cal.to_ical())


@dataclass(frozen=True)
class Role:
    """What the user is in an event: its organizer, an attendee with a PARTSTAT, or neither."""

    organizer: bool
    partstat: str | None
    """The user's PARTSTAT as an attendee of the series (NEEDS-ACTION when it is not set)."""

    @property
    def invited(self) -> bool:
        return not self.organizer and self.partstat is not None


def role_of(ics: str | bytes, me: Me) -> Role:
    """The user's role in the series of `ics`."""
    event = master(load(ics))
    organizer = event.get("ORGANIZER")
    mine = next((a for a in as_list(event.get("ATTENDEE")) if me.is_me(str(a))), None)
    partstat = None if mine is None else str(mine.params.get("PARTSTAT", "NEEDS-ACTION")).upper()
    return Role(organizer is not None and me.is_me(str(organizer)), partstat)


def reply(ics: str | bytes, me: Me, partstat: str) -> bytes:
    """The user's copy with their PARTSTAT set to `partstat` wherever they attend."""
    cal = load(ics)
    for event in cal.walk("VEVENT"):
        for attendee in as_list(event.get("ATTENDEE")):
            if me.is_me(str(attendee)):
                attendee.params["PARTSTAT"] = partstat
    finish(cal, master(cal))
    return bytes(cal.to_ical())
