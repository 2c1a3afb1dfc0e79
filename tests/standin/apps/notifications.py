"""Nextcloud's notifications app over OCS (EndpointController), with `notify` for tests to send one.

- GET `api/{v1|v2}/notifications`: the caller's notifications, newest first; v2 adds the rich
  subject and message, the icon and `shouldNotify`, and an `ETag` (md5 of the JSON list of ids).
  Every answer carries `X-Nextcloud-User-Status` (the caller's status from apps/user_status.py,
  `online` without one). Another apiVersion matches no route (404).
- GET `api/{v}/notifications/{id}`: one of the caller's; 404 for id 0, a missing one or another
  user's.
- DELETE `api/{v}/notifications/{id}`: 404 only for id 0; a missing or foreign id is silently 200
  (Nextcloud swallows NotificationNotFoundException), which is why the product reads first.
- DELETE `api/{v}/notifications`: all of the caller's.
An id that is not a number matches no route (the routes require `\\d+`).

Capabilities: `{"notifications": {"ocs-endpoints": [...], "push": [...], "admin-notifications": [...]}}`.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.standin.core import User
from tests.standin.kit import EmulatedApp, Failure, Reply, Request, Sample, route

CONTRACT = "nextcloud-31/notifications.openapi.json"
BASE = "/ocs/v2.php/apps/notifications/api/{apiVersion}/notifications"
VERSIONS = ("v1", "v2")


@dataclass
class Stored:
    id: int
    user: str
    app: str
    subject: str
    message: str
    link: str
    object_type: str
    object_id: str
    time: datetime
    actions: list[dict[str, Any]] = field(default_factory=list)
    icon: str = ""

    def json(self, version: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "notification_id": self.id,
            "app": self.app,
            "user": self.user,
            "datetime": self.time.isoformat(timespec="seconds"),
            "object_type": self.object_type,
            "object_id": self.object_id,
            "subject": self.subject,
            "message": self.message,
            "link": self.link,
        }
        if version != "v1":
            data.update(
                {
                    "subjectRich": self.subject,
                    "subjectRichParameters": {},
                    "messageRich": self.message,
                    "messageRichParameters": {},
                    "icon": self.icon,
                    "shouldNotify": True,
                }
            )
        data["actions"] = [dict(action) for action in self.actions]
        return data


class NotificationsApp(EmulatedApp):
    """The notifications app (see the module docstring)."""

    app_id = "notifications"
    prefixes = ("/ocs/v2.php/apps/notifications/",)

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self._lock = threading.Lock()
        self.notifications: dict[int, Stored] = {}
        self._next = 1

    def capabilities(self, user: User) -> dict[str, Any]:
        return {
            "notifications": {
                "ocs-endpoints": ["list", "get", "delete", "delete-all", "icons", "rich-strings", "action-web",
                                  "user-status", "exists"],
                "push": ["devices", "object-data", "delete"],
                "admin-notifications": ["ocs", "cli"],
            }
        }  # fmt: skip

    def forget_user(self, user_id: str) -> None:
        with self._lock:
            for key in [k for k, n in self.notifications.items() if n.user == user_id]:
                del self.notifications[key]

    def notify(
        self,
        user_id: str,
        subject: str,
        *,
        message: str = "",
        app: str = "admin_notifications",
        link: str = "",
        object_type: str = "admin_notifications",
        object_id: str | None = None,
        actions: Sequence[tuple[str, str, str]] = (),
        when: datetime | None = None,
    ) -> int:
        """Send `user_id` a notification (as an app does through INotificationManager); its id.

        `actions`: (label, link, request type such as GET, POST, DELETE or WEB); the first is primary."""
        with self._lock:
            notification_id = self._next
            self._next += 1
            self.notifications[notification_id] = Stored(
                notification_id, user_id, app, subject, message, link, object_type,
                object_id if object_id is not None else str(notification_id),
                (when or datetime.now(UTC)).astimezone(UTC),
                [{"label": label, "link": href, "type": kind, "primary": i == 0}
                 for i, (label, href, kind) in enumerate(actions)],
                f"/apps/{app}/img/{app}-dark.svg",
            )  # fmt: skip
            return notification_id

    def of(self, user_id: str) -> list[Stored]:
        with self._lock:
            return sorted((n for n in self.notifications.values() if n.user == user_id), key=lambda n: -n.id)

    @staticmethod
    def _version(request: Request) -> str:
        version = request.params["apiVersion"]
        if version not in VERSIONS:
            raise Failure(404, "")
        return version

    @staticmethod
    def _id(request: Request) -> int:
        raw = request.params["id"]
        if not raw.isdigit():
            raise Failure(404, "")
        return int(raw)

    def _user_status(self, user_id: str) -> str:
        statuses = self.standin.services.get("user_status")
        row = statuses.current(user_id) if statuses is not None and hasattr(statuses, "current") else None
        return row.status if row is not None else "online"

    @route("GET", BASE, contract=CONTRACT)
    async def list_notifications(self, request: Request) -> Reply:
        version = self._version(request)
        found = self.of(request.user.id)
        headers = [("X-Nextcloud-User-Status", self._user_status(request.user.id))]
        if version != "v1":
            headers.append(("ETag", '"' + hashlib.md5(json.dumps([n.id for n in found]).encode()).hexdigest() + '"'))  # noqa: S324
        return Reply(200, [n.json(version) for n in found], headers=headers)

    @route("GET", BASE + "/{id}", contract=CONTRACT)
    async def get(self, request: Request) -> Reply:
        version, notification_id = self._version(request), self._id(request)
        with self._lock:
            found = self.notifications.get(notification_id)
        if notification_id == 0 or found is None or found.user != request.user.id:
            raise Failure(404, "")
        return Reply(200, found.json(version))

    @route("DELETE", BASE + "/{id}", contract=CONTRACT)
    async def delete(self, request: Request) -> Reply:
        self._version(request)
        notification_id = self._id(request)
        if notification_id == 0:
            raise Failure(404, "")
        with self._lock:
            found = self.notifications.get(notification_id)
            if found is not None and found.user == request.user.id:
                del self.notifications[notification_id]
        return Reply(200, [])

    @route("DELETE", BASE, contract=CONTRACT)
    async def delete_all(self, request: Request) -> Reply:
        self._version(request)
        self.forget_user(request.user.id)
        return Reply(200, [])


def _alice_has_two(context: Any) -> dict[str, str]:
    app: NotificationsApp = context.app
    alice = context.users["alice"].id
    accept = ("Accept", "/ocs/v2.php/apps/files_sharing/api/v1/shares/pending/1", "POST")
    first = app.notify(alice, "Bob shared Plan.odt with you", app="files_sharing", link="/f/1", actions=[accept])
    second = app.notify(alice, "Reminder: Standup", message="in 10 minutes", app="calendar")
    bobs = app.notify(context.users["bob"].id, "Something for bob")
    return {"first": str(first), "second": str(second), "bobs": str(bobs)}


V2 = "/ocs/v2.php/apps/notifications/api/v2/notifications"
V1 = "/ocs/v2.php/apps/notifications/api/v1/notifications"
SAMPLES = [
    Sample("GET", V2, 200, setup=_alice_has_two),
    Sample("GET", V1, 200, setup=_alice_has_two),
    Sample("GET", V2 + "/{first}", 200, setup=_alice_has_two),
    Sample("GET", V2 + "/{bobs}", 404, setup=_alice_has_two, note="another user's"),
    Sample("GET", V2 + "/0", 404),
    Sample("DELETE", V2 + "/{second}", 200, setup=_alice_has_two),
    Sample("DELETE", V2 + "/{bobs}", 200, setup=_alice_has_two, note="silently nothing"),
    Sample("DELETE", V2 + "/0", 404),
    Sample("DELETE", V2, 200, setup=_alice_has_two),
    Sample("GET", "/ocs/v1.php/apps/notifications/api/v2/notifications", 100, setup=_alice_has_two),
]
