"""Nextcloud's CalDAV scheduling, which Radicale does not do: what happens after an event is
written or deleted, emulated beside the Radicale that stores it.

No contract file in ../shared/contracts covers iTIP or iMIP; this follows the RFCs and the code
that implements them in Nextcloud:

- RFC 6638 (CalDAV Scheduling) §3.2: scheduling is implicit. A PUT or DELETE by the organizer (an
  ORGANIZER that is one of the writer's calendar-user addresses: `mailto:` their email, or their
  principal) sends iTIP messages to the attendees; a PUT by an attendee that changes their
  PARTSTAT sends one to the organizer. An attendee with SCHEDULE-AGENT=CLIENT is left alone.
- RFC 5546 (iTIP): REQUEST to each attendee when the event is new to them or changed
  significantly (§3.2.2), CANCEL to an attendee removed or to all when the organizer deletes the
  event (§3.2.5), REPLY with the attendee's PARTSTAT (§3.2.3; an attendee deleting their copy
  declines).
- RFC 6047 (iMIP): each message is an email with a `text/calendar; method=...` part. Nextcloud
  (apps/dav `CalDAV/Schedule/IMipPlugin::schedule`) emails every `mailto:` recipient, users of the
  same Nextcloud too, unless the change is not significant (Sabre's `significantChangeProperties`:
  DTSTART, DTEND, DURATION, DUE, RRULE, RDATE, EXDATE, STATUS; a new attendee always is) or the
  event is over. What it would have emailed is recorded in `outbox` (tests read it).
- Sabre (`CalDAV/Schedule/Plugin`, `VObject/ITip/Broker`): a recipient who is a user of this
  Nextcloud (found by email) gets the message delivered into their calendars: a REQUEST replaces
  their copy of that UID, or creates one under a new random name in their default calendar
  (`personal`); a CANCEL marks their copy CANCELLED; a REPLY updates the organizer's copy (the
  attendee's PARTSTAT, SCHEDULE-STATUS=2.0, RSVP removed). The organizer's stored object then
  carries each attendee's SCHEDULE-STATUS (1.1 emailed, 1.2 delivered only, 1.0 not significant,
  5.2 nothing could deliver it), so the PUT is answered without an ETag (the stored object is no
  longer what was sent). A MOVE schedules nothing (Sabre skips MOVE in `beforeUnbind`).

Not emulated: the copies Sabre keeps in the schedule inbox, per-instance messages for
recurrence exceptions, and free-busy requests. Deliveries into other users' calendars are
written straight into Radicale, so they raise no webhook events here.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import icalendar

from tests.standin.principals import principal_url

if TYPE_CHECKING:
    from tests.standin.caldav import CalendarService
    from tests.standin.core import User

SIGNIFICANT = ("DTSTART", "DTEND", "DURATION", "DUE", "RRULE", "RDATE", "EXDATE", "STATUS")
"""Sabre\\VObject\\ITip\\Broker::$significantChangeProperties."""
MOUNT = "/remote.php/dav/calendars"


@dataclass(frozen=True)
class Sent:
    """One iMIP email Nextcloud would have sent: method, sender and recipient emails, and the iTIP body."""

    method: str
    sender: str
    recipient: str
    uid: str
    summary: str
    ics: str


def address(value: Any) -> str:
    """A calendar-user address as compared: the email in lower case, or a principal path."""
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        return text[7:].strip().lower()
    return text.lower().rstrip("/") + "/"


def _parse(data: str | bytes | None) -> icalendar.Calendar | None:
    if not data:
        return None
    try:
        cal = icalendar.Calendar.from_ical(data)
    except ValueError:
        return None
    return cal if cal.walk("VEVENT") else None


def _master(cal: icalendar.Calendar) -> icalendar.cal.Component:
    events = cal.walk("VEVENT")
    return next((e for e in events if "RECURRENCE-ID" not in e), events[0])


def _attendees(cal: icalendar.Calendar | None, organizer: str) -> dict[str, Any]:
    """The series' attendees by address, without the organizer and those scheduled by their client."""
    if cal is None:
        return {}
    raw = _master(cal).get("ATTENDEE")
    found = {}
    for attendee in raw if isinstance(raw, list) else [raw] if raw is not None else []:
        if address(attendee) != organizer and str(attendee.params.get("SCHEDULE-AGENT", "SERVER")) == "SERVER":
            found[address(attendee)] = attendee
    return found


def _partstat(cal: icalendar.Calendar | None, me: str) -> str:
    found = _attendees(cal, "").get(me)
    return "NEEDS-ACTION" if found is None else str(found.params.get("PARTSTAT", "NEEDS-ACTION")).upper()


def _significant(cal: icalendar.Calendar) -> list[str]:
    return [f"{name}:{c.get(name).to_ical() if c.get(name) is not None else ''}" for c in cal.walk("VEVENT")
            for name in SIGNIFICANT]  # fmt: skip


def _over(cal: icalendar.Calendar) -> bool:
    """Whether the event's last occurrence has ended (IMipPlugin sends nothing for such an event)."""
    event = _master(cal)
    if "RRULE" in event:
        until = event["RRULE"].get("UNTIL")
        return bool(until) and _instant(until[0]) < dt.datetime.now(dt.UTC)
    end = event.decoded("DTEND") if "DTEND" in event else event.decoded("DTSTART") if "DTSTART" in event else None
    return end is not None and _instant(end) < dt.datetime.now(dt.UTC)


def _instant(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)


def _message(cal: icalendar.Calendar, method: str) -> icalendar.Calendar:
    """The iTIP message for `cal`: METHOD set, the organizer's SCHEDULE-STATUS marks left out."""
    message = icalendar.Calendar.from_ical(cal.to_ical())
    message.pop("METHOD", None)
    message.add("METHOD", method)
    for event in message.walk("VEVENT"):
        raw = event.get("ATTENDEE")
        for attendee in raw if isinstance(raw, list) else [raw] if raw is not None else []:
            attendee.params.pop("SCHEDULE-STATUS", None)
    return message


def _reply(cal: icalendar.Calendar, me: str, partstat: str) -> icalendar.Calendar:
    """The REPLY an attendee sends: the event's identity and only their own ATTENDEE line."""
    event = _master(cal)
    message = icalendar.Calendar()
    message.add("PRODID", "-//Sabre//Sabre VObject//EN")
    message.add("VERSION", "2.0")
    message.add("METHOD", "REPLY")
    reply = icalendar.Event()
    for name in ("UID", "SEQUENCE", "DTSTART", "SUMMARY", "ORGANIZER"):
        if name in event:
            reply[name] = event[name]
    reply.add("DTSTAMP", dt.datetime.now(dt.UTC))
    attendee = icalendar.vCalAddress(f"mailto:{me}")
    attendee.params["PARTSTAT"] = partstat
    reply.add("ATTENDEE", attendee)
    message.add_component(reply)
    return message


class Scheduling:
    """Sabre's scheduling and Nextcloud's iMIP for the stand-in's CalDAV; `outbox` is what was emailed."""

    def __init__(self, service: CalendarService) -> None:
        self.service = service
        self.outbox: list[Sent] = []
        self._lock = threading.Lock()

    def sent(self, *, uid: str | None = None, method: str | None = None) -> list[Sent]:
        """The iMIP messages sent, optionally only those about `uid` or of `method`."""
        with self._lock:
            return [s for s in self.outbox if uid in (None, s.uid) and method in (None, s.method)]

    # -- the hooks the CalDAV front calls around a PUT or DELETE of an object ------------
    def before(self, user: User, method: str, names: list[str]) -> str | None:
        """The object as stored before the request (what Sabre compares the new one with)."""
        if method not in ("PUT", "DELETE") or len(names) != 3:
            return None
        try:
            return (self.service.collection_dir(user.id, names[1]) / names[2]).read_text(encoding="utf-8")
        except OSError:
            return None

    async def after(
        self, user: User, method: str, status: int, names: list[str], before: str | None, body: bytes,
        headers: list[tuple[str, str]],
    ) -> list[tuple[str, str]]:  # fmt: skip
        """Schedule what the write means; returns the response headers (without an ETag when rewritten)."""
        if method not in ("PUT", "DELETE") or len(names) != 3 or status >= 300:
            return headers
        old, new = _parse(before), _parse(body) if method == "PUT" else None
        current = new if new is not None else old
        if current is None or _master(current).get("ORGANIZER") is None:
            return headers
        organizer = address(_master(current)["ORGANIZER"])
        mine = {address(principal_url(user.id)), *([user.email.lower()] if user.email else [])}
        if organizer in mine:
            marks = await self._as_organizer(user, organizer, old, new)
            if new is not None and marks:
                await self._mark(user, names[1], names[2], new, marks)
                return [(k, v) for k, v in headers if k.lower() != "etag"]
        elif (me := next((a for a in _attendees(current, organizer) if a in mine), None)) is not None:
            await self._as_attendee(user, me, organizer, old, new)
        return headers

    # -- organizer and attendee --------------------------------------------------------
    async def _as_organizer(
        self, user: User, organizer: str, old: icalendar.Calendar | None, new: icalendar.Calendar | None
    ) -> dict[str, str]:
        """Messages to the attendees; the SCHEDULE-STATUS of each (by address) for the organizer's copy."""
        before, after = _attendees(old, organizer), _attendees(new, organizer)
        if new is None:  # the organizer deleted the event
            assert old is not None
            for attendee in before:
                await self._deliver(user, "CANCEL", organizer, attendee, _cancelled(old), significant=True)
            return {}
        changed = old is None or _significant(old) != _significant(new)
        marks = {}
        for attendee in after:
            fresh = attendee not in before
            marks[attendee] = await self._deliver(
                user, "REQUEST", organizer, attendee, _message(new, "REQUEST"), significant=changed or fresh
            )
        for attendee in set(before) - set(after):
            assert old is not None
            await self._deliver(user, "CANCEL", organizer, attendee, _cancelled(old), significant=True)
        return marks

    async def _as_attendee(
        self, user: User, me: str, organizer: str, old: icalendar.Calendar | None, new: icalendar.Calendar | None
    ) -> None:
        was = _partstat(old, me) if old is not None else "NEEDS-ACTION"
        now = _partstat(new, me) if new is not None else "DECLINED"  # deleting one's copy declines
        if now != was:
            current = new if new is not None else old
            assert current is not None
            await self._deliver(user, "REPLY", me, organizer, _reply(current, me, now), significant=True)

    async def _deliver(
        self, sender: User, method: str, source: str, recipient: str, message: icalendar.Calendar, *, significant: bool
    ) -> str:
        """Local delivery (a user of this Nextcloud), then iMIP; the resulting SCHEDULE-STATUS code."""
        status = None
        local = self._user_by_email(recipient)
        if local is not None and local.id != sender.id:
            await self._local(local, method, message)
            status = "1.2"
        if not significant:
            return status or "1.0"
        if "@" in source and "@" in recipient and not _over(message):
            event = _master(message)
            sent = Sent(method, source, recipient, str(event.get("UID", "")), str(event.get("SUMMARY", "")),
                        message.to_ical().decode())  # fmt: skip
            with self._lock:
                self.outbox.append(sent)
            status = "1.1"
        return status or "5.2"

    async def _local(self, user: User, method: str, message: icalendar.Calendar) -> None:
        """What Sabre's scheduleLocalDelivery does with `message` in the calendars of `user`."""
        uid = str(_master(message).get("UID", ""))
        found = self._find(user.id, uid)
        if method == "REQUEST":
            copy = icalendar.Calendar.from_ical(message.to_ical())
            copy.pop("METHOD", None)
            calendar, name = (found[0], found[1]) if found else (self._default_calendar(user.id), f"{uuid.uuid4()}.ics")
            await self._write(user, calendar, name, copy.to_ical())
            return
        if found is None:
            return
        stored = icalendar.Calendar.from_ical(found[2])
        if method == "CANCEL":
            for event in stored.walk("VEVENT"):
                event.pop("STATUS", None)
                event.add("STATUS", "CANCELLED")
        else:  # REPLY: the organizer's copy learns the attendee's answer
            replied = _master(message)["ATTENDEE"]
            who, partstat = address(replied), str(replied.params["PARTSTAT"])
            for event in stored.walk("VEVENT"):
                raw = event.get("ATTENDEE")
                for attendee in raw if isinstance(raw, list) else [raw] if raw is not None else []:
                    if address(attendee) == who:
                        attendee.params["PARTSTAT"] = partstat
                        attendee.params["SCHEDULE-STATUS"] = "2.0"
                        attendee.params.pop("RSVP", None)
        await self._write(user, found[0], found[1], stored.to_ical())

    async def _mark(self, user: User, calendar: str, name: str, cal: icalendar.Calendar, marks: dict[str, str]) -> None:
        """Write each attendee's SCHEDULE-STATUS into the organizer's stored copy."""
        for event in cal.walk("VEVENT"):
            raw = event.get("ATTENDEE")
            for attendee in raw if isinstance(raw, list) else [raw] if raw is not None else []:
                if address(attendee) in marks:
                    attendee.params["SCHEDULE-STATUS"] = marks[address(attendee)]
        await self._write(user, calendar, name, cal.to_ical())

    # -- storage -----------------------------------------------------------------------
    def _user_by_email(self, email: str) -> User | None:
        found = [u for u in list(self.service.standin.users.values()) if u.email and u.email.lower() == email]
        return found[0] if len(found) == 1 else None

    def _calendars(self, user_id: str) -> list[str]:
        root = self.service.folder / "collection-root" / user_id
        names = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        return [n for n in names if "VEVENT" in (self.service.supported_components(user_id, n) or [])]

    def _default_calendar(self, user_id: str) -> str:
        """Nextcloud's schedule-default-calendar-URL: `personal`, else the first calendar for events."""
        calendars = self._calendars(user_id)
        return "personal" if "personal" in calendars else calendars[0]

    def _find(self, user_id: str, uid: str) -> tuple[str, str, str] | None:
        """(calendar, object name, data) of the user's object holding `uid`, in any of their calendars."""
        for calendar in self._calendars(user_id):
            for path in sorted(Path(self.service.collection_dir(user_id, calendar)).iterdir()):
                if path.name.startswith(".") or not path.is_file():
                    continue
                data = path.read_text(encoding="utf-8")
                if f"UID:{uid}" in data.replace("\r\n ", "").replace("\n ", ""):
                    return calendar, path.name, data
        return None

    async def _write(self, user: User, calendar: str, name: str, data: bytes) -> None:
        """Store an object in the user's calendar through Radicale itself (no front, so no scheduling)."""
        path = f"{MOUNT}/{user.id}/{calendar}/{name}"
        headers = [(b"content-type", b"text/calendar; charset=utf-8"), (b"content-length", str(len(data)).encode())]
        scope = {
            "type": "http", "method": "PUT", "path": path, "raw_path": path.encode(), "query_string": b"",
            "http_version": "1.1", "scheme": "http", "server": ("127.0.0.1", 80), "headers": headers,
        }  # fmt: skip
        status, _, payload = await self.service._radicale(scope, data, user)
        assert status in (201, 204), f"delivery into {path} failed: {status} {payload[:200]!r}"


def _cancelled(cal: icalendar.Calendar) -> icalendar.Calendar:
    message = _message(cal, "CANCEL")
    for event in message.walk("VEVENT"):
        event.pop("STATUS", None)
        event.add("STATUS", "CANCELLED")
    return message
