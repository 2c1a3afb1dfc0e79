"""Announcement Center (`announcementcenter` 7.x) over OCS `apps/announcementcenter/api/v1`.

As nextcloud/announcementcenter defines it in appinfo/routes.php, lib/Controller/APIController.php,
lib/Manager.php and lib/Model/AnnouncementMapper.php (v7.2.2, Nextcloud 30-32; the same on 7.5):

- Admins are the members of the app's admin groups (`admin_groups`, default ["admin"]; the
  provisioning_api stand-in holds the groups).
- `GET announcements?offset=`: at most 7, newest first (by time, then id); `offset` is an
  announcement id, giving those with a smaller id. An admin sees all; anyone else those posted to
  a group of theirs or to `everyone`. Each is `{id, author_id, author, time, subject, message,
  groups, comments, schedule_time, delete_time}`; `groups` is null unless the caller is an admin,
  who also gets `notifications`. `comments` is the number of comments, or false where they are off.
- `POST announcements {subject, message, plainMessage, groups, activities, notifications, emails,
  comments}`: a non-admin is 403 `{"message": "Logged in user must be an admin"}`; a subject empty
  (after trimming) or over 512 bytes 400 `{"error": "The subject is too long or empty"}`. Groups
  that do not exist are dropped; with none left it goes to `everyone`. With notifications on, the
  members of its groups get a notification from the app (the notifications stand-in, where mounted).
- `DELETE announcements/{id}`: admins (403 otherwise); an unknown id is 200 all the same.
- `GET groups?search=`: admins; up to 25 groups whose id or name contains the term, `{id, label}`.
- A failure is the DataResponse's data (`message` or `error`) with an empty meta message.

Not emulated: scheduled posting and deletion, comments themselves, activities and emails,
`DELETE announcements/{id}/notifications`. The app contributes no capabilities. Contract: the app
publishes no API description and ../shared/contracts holds none; the routes name SOURCES.md.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.standin.kit import EmulatedApp, Failure, Reply, Request, Sample, route

CONTRACT = "SOURCES.md"
BASE = "/ocs/v2.php/apps/announcementcenter/api/v1"
NOT_ADMIN = "Logged in user must be an admin"
PAGE = 7


@dataclass
class Stored:
    id: int
    author: str
    time: int
    subject: str
    message: str
    groups: list[str]
    comments: bool
    notifications: bool = False
    comment_count: int = 0
    notified: list[int] = field(default_factory=list)


class AnnouncementCenterApp(EmulatedApp):
    """The Announcement Center (see the module docstring)."""

    app_id = "announcementcenter"
    prefixes = ("/ocs/v2.php/apps/announcementcenter/",)

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self._lock = threading.Lock()
        self.announcements: dict[int, Stored] = {}
        self.admin_groups: list[str] = ["admin"]
        self._next = 1

    # -- what tests use ------------------------------------------------------------------------
    def _directory(self) -> Any:
        return self.standin.services.get("provisioning_api")

    def groups_of(self, user_id: str) -> list[str]:
        directory = self._directory()
        return [*(directory.groups_of(user_id) if directory is not None else []), "everyone"]

    def is_admin(self, user_id: str) -> bool:
        return any(group in self.admin_groups for group in self.groups_of(user_id))

    def post(self, author: str, subject: str, *, groups: list[str] | None = None, message: str = "") -> int:
        """Post as `author` (as an admin does in the app); the new id."""
        directory = self._directory()
        known = [g for g in groups or [] if directory is not None and g in directory.groups]
        with self._lock:
            found = Stored(self._next, author, int(time.time()), subject, message, known or ["everyone"], True)
            self.announcements[found.id] = found
            self._next += 1
            return found.id

    # -- JSON ------------------------------------------------------------------------------------
    def _json(self, found: Stored, viewer: str) -> dict[str, Any]:
        author = self.standin.users.get(found.author)
        data: dict[str, Any] = {
            "id": found.id,
            "author_id": found.author,
            "author": (author.display_name or found.author) if author is not None else found.author,
            "time": found.time,
            "subject": found.subject.replace("\n", " ").strip(),
            "message": found.message,
            "groups": None,
            "comments": found.comment_count if found.comments else False,
            "schedule_time": None,
            "delete_time": None,
        }
        if self.is_admin(viewer):
            directory = self._directory()
            data["groups"] = [
                {"id": gid, "name": gid if gid == "everyone" else directory.groups[gid].display_name}
                for gid in found.groups if gid == "everyone" or (directory is not None and gid in directory.groups)
            ]  # fmt: skip
            data["notifications"] = bool(found.notified)
        return data

    def _for(self, viewer: str) -> list[Stored]:
        mine = set(self.groups_of(viewer))
        admin = self.is_admin(viewer)
        with self._lock:
            found = [a for a in self.announcements.values() if admin or mine & set(a.groups)]
        return sorted(found, key=lambda a: (a.time, a.id), reverse=True)

    # -- routes ----------------------------------------------------------------------------------
    @route("GET", BASE + "/announcements", contract=CONTRACT)
    async def list_announcements(self, request: Request) -> Reply:
        try:
            offset = int(request.query.get("offset") or 0)
        except ValueError:
            raise Failure(400, "") from None
        found = [a for a in self._for(request.user.id) if offset <= 0 or a.id < offset][:PAGE]
        return Reply(200, [self._json(a, request.user.id) for a in found])

    @route("POST", BASE + "/announcements", contract=CONTRACT)
    async def add(self, request: Request) -> Reply:
        if not self.is_admin(request.user.id):
            raise Failure(403, "", {"message": NOT_ADMIN})
        args = request.args()
        subject = str(args.get("subject") or "").strip()
        if not subject or len(subject.encode()) > 512:
            raise Failure(400, "", {"error": "The subject is too long or empty"})
        groups = args.get("groups") or []
        groups = [str(g) for g in groups] if isinstance(groups, list) else []
        made = self.post(request.user.id, subject, groups=groups, message=str(args.get("message") or "").strip())
        with self._lock:
            stored = self.announcements[made]
            stored.comments = args.get("comments") in (True, "true", "1", 1)
        if args.get("notifications") in (True, "true", "1", 1):
            self._notify(stored)
        return Reply(200, self._json(stored, request.user.id))

    def _notify(self, found: Stored) -> None:
        notifications = self.standin.services.get("notifications")
        if notifications is None:
            return
        for user_id in list(self.standin.users):
            if user_id != found.author and set(self.groups_of(user_id)) & set(found.groups):
                number = notifications.notify(
                    user_id,
                    found.subject,
                    app="announcementcenter",
                    object_type="announcement",
                    object_id=str(found.id),
                )
                found.notified.append(number)

    @route("DELETE", BASE + "/announcements/{id}", contract=CONTRACT)
    async def delete(self, request: Request) -> Reply:
        if not self.is_admin(request.user.id):
            raise Failure(403, "", {"message": NOT_ADMIN})
        raw = request.params["id"]
        with self._lock:
            gone = self.announcements.pop(int(raw), None) if raw.isdigit() else None
        notifications = self.standin.services.get("notifications")
        if gone is not None and notifications is not None:
            with notifications._lock:
                for key in gone.notified:
                    notifications.notifications.pop(key, None)
        return Reply(200, [])

    @route("GET", BASE + "/groups", contract=CONTRACT)
    async def search_groups(self, request: Request) -> Reply:
        if not self.is_admin(request.user.id):
            raise Failure(403, "", {"message": NOT_ADMIN})
        term = (request.query.get("search") or "").lower()
        directory = self._directory()
        groups = list(directory.groups.values()) if directory is not None else []
        found = [g for g in groups if term in g.id.lower() or term in g.display_name.lower()][:25]
        return Reply(200, [{"id": g.id, "label": g.display_name} for g in found])


def _posted(context: Any) -> dict[str, str]:
    app: AnnouncementCenterApp = context.app
    directory = context.standin.services["provisioning_api"]
    directory.add_group("ac-staff", context.users["alice"].id)
    first = app.post(context.users["admin"].id, "Welcome", groups=["ac-staff"], message="Hello")
    second = app.post(context.users["admin"].id, "Maintenance tonight")
    return {"first": str(first), "second": str(second)}


A = BASE + "/announcements"
POSTED = {"subject": "Hi", "message": "All", "plainMessage": "All", "groups": ["ac-staff"], "activities": False,
          "notifications": True, "emails": False, "comments": True}  # fmt: skip
SAMPLES = [
    Sample("GET", A, 200, setup=_posted),
    Sample("GET", A, 200, user="admin", query={"offset": "{second}"}, setup=_posted, note="older than one"),
    Sample("POST", A, 200, user="admin", setup=_posted, json=POSTED),
    Sample("POST", A, 400, user="admin", json={"subject": "  ", "message": "", "groups": []}, note="no subject"),
    Sample("POST", A, 403, json={"subject": "Hi", "message": "", "groups": []}, note="not an admin"),
    Sample("DELETE", A + "/{first}", 200, user="admin", setup=_posted),
    Sample("DELETE", A + "/999999", 200, user="admin", note="unknown: all the same"),
    Sample("DELETE", A + "/{first}", 403, setup=_posted),
    Sample("GET", BASE + "/groups", 200, user="admin", query={"search": "ac-"}, setup=_posted),
    Sample("GET", BASE + "/groups", 403, query={"search": "ac-"}),
]
