"""What a webhook_listeners delivery means: the envelope, its dedupe key, and the change it describes.

Why pure functions: the receiver, the processor, the recent-changes feed and the tests all read
events the same way, and none of that needs a server. The shapes are those of Nextcloud's
admin manual (webhook_listeners): `{"event": {"class": ..., ...}, "user": {"uid", "displayName"}
| null, "time": <unix seconds>}`; node events carry `node` or `source`/`target` with `id` (absent
for nodes that no longer exist) and `path` (`/<uid>/files/<path>`); calendar-object events carry
`calendarData.uri` (and the calendar's `principaluri`) and `objectData.uri`.

Whose change is it: the paths and URIs of an event are in its *owner's* namespace — the user in
the node path `/<uid>/files/...`, or the calendar's principal — whoever acted. So a change is
shown to its owner only. When bob edits a file alice shared with him, Nextcloud reports it under
alice's path (`/alice/files/Documents/plan.md`), which is neither bob's path to the file nor his
to know, so it appears in alice's feed and notifies alice's subscriptions, not bob's. Only where
no owner can be read does the acting user (`user.uid`) stand in.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

NODE_PREFIX = "OCP\\Files\\Events\\Node\\"
CALENDAR_PREFIX = "OCP\\Calendar\\Events\\"
NODE_CREATED = NODE_PREFIX + "NodeCreatedEvent"
NODE_WRITTEN = NODE_PREFIX + "NodeWrittenEvent"
NODE_DELETED = NODE_PREFIX + "NodeDeletedEvent"
NODE_RENAMED = NODE_PREFIX + "NodeRenamedEvent"
NODE_COPIED = NODE_PREFIX + "NodeCopiedEvent"
NODE_RESTORED = NODE_PREFIX + "NodeRestoredEvent"
NODE_TOUCHED = NODE_PREFIX + "NodeTouchedEvent"
CALENDAR_OBJECT_CREATED = CALENDAR_PREFIX + "CalendarObjectCreatedEvent"
CALENDAR_OBJECT_UPDATED = CALENDAR_PREFIX + "CalendarObjectUpdatedEvent"
CALENDAR_OBJECT_DELETED = CALENDAR_PREFIX + "CalendarObjectDeletedEvent"
CALENDAR_OBJECT_MOVED_TO_TRASH = CALENDAR_PREFIX + "CalendarObjectMovedToTrashEvent"
CALENDAR_OBJECT_RESTORED = CALENDAR_PREFIX + "CalendarObjectRestoredEvent"

KINDS = ("created", "updated", "deleted", "renamed")
"""The kinds of change the recent-changes feed reports."""

KIND_OF: dict[str, str] = {
    NODE_CREATED: "created",
    NODE_WRITTEN: "updated",
    NODE_TOUCHED: "updated",
    NODE_DELETED: "deleted",
    NODE_RENAMED: "renamed",
    NODE_COPIED: "created",
    NODE_RESTORED: "created",
    CALENDAR_OBJECT_CREATED: "created",
    CALENDAR_OBJECT_UPDATED: "updated",
    CALENDAR_OBJECT_DELETED: "deleted",
    CALENDAR_OBJECT_MOVED_TO_TRASH: "deleted",
    CALENDAR_OBJECT_RESTORED: "created",
}
"""Event classes this server understands; any other class is stored and ignored."""

DEFAULT_EVENTS = (
    NODE_CREATED,
    NODE_WRITTEN,
    NODE_DELETED,
    NODE_RENAMED,
    CALENDAR_OBJECT_CREATED,
    CALENDAR_OBJECT_UPDATED,
    CALENDAR_OBJECT_DELETED,
)
"""What `nextcloud-mcp-server webhooks register` registers by default."""

NOTE_SUFFIXES = (".md", ".txt")
USER_PRINCIPAL = "principals/users/"


class MalformedDelivery(ValueError):
    """A body that is not a webhook_listeners envelope; the message says what is wrong."""


class MalformedEvent(ValueError):
    """A known event class whose payload lacks what Nextcloud documents for it."""


def parse_delivery(body: bytes) -> dict[str, Any]:
    """The envelope of a delivery, or MalformedDelivery saying what is wrong with it."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedDelivery(f"the body is not JSON ({exc.__class__.__name__} at byte {_position(exc)})") from None
    if not isinstance(data, dict):
        raise MalformedDelivery("the body must be a JSON object with 'event', 'user' and 'time'")
    event = data.get("event")
    if not isinstance(event, dict):
        raise MalformedDelivery("'event' must be an object")
    if not isinstance(event.get("class"), str) or not event["class"]:
        raise MalformedDelivery("'event.class' must be the event's class name")
    if data.get("user") is not None and not isinstance(data["user"], dict):
        raise MalformedDelivery("'user' must be an object or null")
    if "time" in data and not isinstance(data["time"], int | float):
        raise MalformedDelivery("'time' must be a Unix timestamp")
    return data


def _position(exc: Exception) -> int:
    return int(getattr(exc, "pos", getattr(exc, "start", 0)))


def dedupe_key(envelope: dict[str, Any]) -> str:
    """The same for a redelivery of an event, different for any other event.

    Nextcloud gives an event no id; a redelivery (after a timeout or a retry of the background
    job) carries the very same envelope, capture time included. So the key is a hash of the
    canonical JSON of the whole envelope. Two identical changes by the same user within one
    second collapse into one, which tells a subscriber exactly the same thing.
    """
    canonical = json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "nc:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Change:
    """One change as the server understands it: which resources it touches and how."""

    kind: str
    object_type: str  # "file" or "calendar_object"
    path: str | None = None  # user-relative path of a file ('Documents/a.md'); calendar: '<cal>/<obj>'
    old_path: str | None = None  # renames: where it was
    file_id: int | None = None
    user_id: str | None = None  # who acted (the delivery's user)
    owner: str | None = None  # whose namespace `path` and the URIs are in: the only user the change is shown to
    updated_uris: tuple[str, ...] = ()
    list_changed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def user_relative(node_path: str) -> tuple[str | None, str | None]:
    """(uid, path inside the user's files) of a node path `/<uid>/files/<path>`; (uid, None) elsewhere."""
    parts = node_path.lstrip("/").split("/", 2)
    if len(parts) >= 2 and parts[1] == "files":
        return parts[0], parts[2] if len(parts) == 3 else ""
    return (parts[0] or None), None


def owner_of(event_class: str, envelope: dict[str, Any]) -> str | None:
    """The user a stored event concerns (see `Change.owner`); None for ignored or malformed events."""
    try:
        change = describe(event_class, envelope)
    except MalformedEvent:
        return None
    return change.owner if change is not None else None


def file_uri(path: str) -> str:
    return "nc://files/" + quote(path, safe="/")


def describe(event_class: str, envelope: dict[str, Any]) -> Change | None:
    """The change a stored event describes; None for classes this server ignores.

    Raises MalformedEvent for a known class whose payload lacks the documented fields.
    """
    kind = KIND_OF.get(event_class)
    if kind is None:
        return None
    event = envelope.get("event") or {}
    user = envelope.get("user") or {}
    uid = user.get("uid") if isinstance(user, dict) else None
    if event_class.startswith(NODE_PREFIX):
        return _node_change(kind, event, uid)
    return _calendar_change(kind, event, uid)


def _node(event: dict[str, Any], key: str) -> dict[str, Any]:
    node = event.get(key)
    if not isinstance(node, dict) or not isinstance(node.get("path"), str):
        raise MalformedEvent(f"'event.{key}.path' is missing")
    return node


def _node_change(kind: str, event: dict[str, Any], uid: str | None) -> Change:
    if "source" in event or "target" in event:  # copy, rename, restore
        source, target = _node(event, "source"), _node(event, "target")
    else:
        source, target = None, _node(event, "node")
    owner, path = user_relative(target["path"])
    old = user_relative(source["path"])[1] if source is not None else None
    file_id = target.get("id") if isinstance(target.get("id"), int) else None
    uris: list[str] = []
    for candidate in (path, old):
        if candidate:
            uris.append(file_uri(candidate))
    if file_id is not None and path and path.endswith(NOTE_SUFFIXES):
        uris.append(f"nc://notes/{file_id}")  # a note's id is its file's id
    return Change(
        kind=kind,
        object_type="file",
        path=path,
        old_path=old,
        file_id=file_id,
        user_id=uid or owner,
        owner=owner or uid,
        updated_uris=tuple(uris),
        list_changed=kind in ("created", "deleted", "renamed"),
    )


def _calendar_change(kind: str, event: dict[str, Any], uid: str | None) -> Change:
    calendar = event.get("calendarData")
    obj = event.get("objectData")
    if not isinstance(calendar, dict) or not isinstance(calendar.get("uri"), str):
        raise MalformedEvent("'event.calendarData.uri' is missing")
    if not isinstance(obj, dict) or not isinstance(obj.get("uri"), str):
        raise MalformedEvent("'event.objectData.uri' is missing")
    path = f"{calendar['uri']}/{obj['uri']}"
    principal = calendar.get("principaluri")
    owned = isinstance(principal, str) and principal.startswith(USER_PRINCIPAL)
    return Change(
        kind=kind,
        object_type="calendar_object",
        path=path,
        user_id=uid,
        owner=str(principal).removeprefix(USER_PRINCIPAL) if owned else uid,
        updated_uris=(f"nc://calendars/{quote(path, safe='/')}", f"nc://calendars/{quote(calendar['uri'])}"),
        list_changed=kind != "updated",
        extra={"component": obj.get("component")},
    )
