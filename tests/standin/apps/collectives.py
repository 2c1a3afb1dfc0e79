"""The Collectives app over OCS (`apps/collectives/api/v1.0`), pages stored as Markdown files.

As the app behaves (lib/Service/CollectiveService.php, PageService.php, TagService.php):
- A collective is backed by a team (circle) and a folder. Its members see the folder in their
  files (`collectivePath`), so page content is read and written through WebDAV; see `mounts_of`
  for where the stand-in puts it. A trashed collective's folder leaves the members' files.
- Pages are `.md` files: the landing page is `Readme.md` at the root (title: the collective's name,
  parentId 0); a page is `<title>.md` in its parent's folder, and a page that gets subpages becomes
  the folder `<title>/` with its own `Readme.md` (the file moves, keeping its id). A page's id is
  its file id; `filePath` is the folder relative to the collective ('' at the root).
- Titles are sanitised (`/` and other forbidden characters become `-`, empty: "New Page") and made
  unique in their folder with " (2)", " (3)", ... as NodeHelper::generateFilename does.
- A non-member gets 404 for a collective (it is not found for them); a member below the edit
  level gets 403 for edits (NotPermittedException); trashing or deleting a collective needs the
  admin level. The landing page can be neither moved nor trashed (403), nor a page moved into
  itself or its subpages (403).
- Trash: a trashed page (with its subpages) leaves the tree and is listed with `trashTimestamp`;
  it is restored to where it was, or deleted for good. A trashed collective is listed in the
  trash, restored, or deleted (with its team when `circle=true`).
- Attachments: files in `.attachments.<pageId>/` beside the page's file (never pages), uploaded as
  multipart `file` (a taken name gets " (2)"), listed, renamed (a plain move: the stand-in's disk
  overwrites a taken name, as local storage does) and deleted by file id; a deleted attachment
  goes to the collective's trash and is restored by its id to the page it came from
  (AttachmentService::restoreAttachment; 404 for another page's).
- Subpage order (`subpageOrder`, a JSON string of ids): set as given (only ints checked, 403
  "Invalid format of subpage order" otherwise); a page created, copied or moved under a parent is
  inserted at `index` (0) in the parent's order after dropping ids that are no longer its
  subpages, with SubpageOrderService::add's quirk (an id already first is not removed first).
- Full width (`isFullWidth`) per page; a copy keeps it and the emoji.
- Moving or copying a page to another collective (`pages/{id}/to/{newCollectiveId}`): the caller
  must be able to edit both; the page lands under `parentId` or the target's landing page, keeps
  its title (made unique), loses its tags; the answer has no data.
- Templates: pages in the collective's `.templates/` folder (made with its `Readme.md` on first
  use, never in the page tree); created under `parentId` (0: the top), renamed (which moves the
  template to the top, as TemplateService::rename does), emoji, deleted for good; a page created
  with `templateId` is a copy of that template (404 for a page that is not a template).
- Settings: `editLevel`/`shareLevel` (>= 8 admins, >= 4 moderators, else members) and `pageMode`
  (0 view, 1 edit), admins only (403).
- Public shares: one per collective or page and owner (a second is 403); read-only until made
  editable; listed for their owner; the caller needs the collective's share level.
- Search (`searchString`): pages whose title or content contains it, case-insensitive.
- Recent pages: the caller's pages across collectives, newest first, `limit` (default 10).
Capabilities: `{"collectives": {"version": ...}}`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.standin.core import User
from tests.standin.kit import EmulatedApp, Failure, Reply, Request, Sample, route

CONTRACT = "apps/collectives.openapi.json"
V = "/ocs/v2.php/apps/collectives/api/v{apiVersion}"
VERSION = "3.1.0"
MEMBER, MODERATOR, ADMIN, OWNER = 1, 4, 8, 9
DEFAULT_TITLE = "New Page"
TEMPLATES = ".templates"
TEMPLATES_INDEX = "## This folder contains template files for the collective"
_FORBIDDEN = re.compile(r'[/\\:*?"<>|\x00-\x1f]')


@dataclass
class Trashed:
    page_id: int
    rel: str
    """Where it was, relative to the collective folder (a file, or the folder of a page with subpages)."""
    stored: Path
    when: int


@dataclass
class Collective:
    id: int
    name: str
    circle_id: str
    folder: Path
    members: dict[str, int]
    emoji: str | None = None
    trashed: int | None = None
    edit_level: int = MEMBER
    share_level: int = MEMBER
    page_emoji: dict[int, str] = field(default_factory=dict)
    page_tags: dict[int, list[int]] = field(default_factory=dict)
    page_users: dict[int, str] = field(default_factory=dict)
    page_full_width: dict[int, bool] = field(default_factory=dict)
    page_order: dict[int, list[int]] = field(default_factory=dict)
    page_mode: int = 0
    attachment_trash: dict[int, tuple[Path, Path]] = field(default_factory=dict)
    """A deleted attachment's id: the folder it was in, and where it is kept."""
    trash: dict[int, Trashed] = field(default_factory=dict)
    owner: str = ""
    """Whose files hold the folder (see `CollectivesApp.mounts_of`)."""


@dataclass
class Tag:
    id: int
    collective_id: int
    name: str
    color: str

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "collectiveId": self.collective_id, "name": self.name, "color": self.color}


class CollectivesApp(EmulatedApp):
    """The Collectives app (see the module docstring)."""

    app_id = "collectives"
    prefixes = ("/ocs/v2.php/apps/collectives/",)

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self._lock = threading.RLock()
        self.collectives: dict[int, Collective] = {}
        self.tags: dict[int, Tag] = {}
        self._ids = itertools.count(1)
        self._tag_ids = itertools.count(1)
        self.shares: dict[str, dict[str, Any]] = {}
        self._share_ids = itertools.count(1)
        self.trash_root = Path(standin.data_dir) / "collectives-trash"
        files = standin.services.get("files")
        mounts = getattr(files, "mounts", None)
        if isinstance(mounts, list):
            mounts.append(self.mounts_of)

    def capabilities(self, user: User) -> dict[str, Any]:
        return {"collectives": {"version": VERSION}}

    # -- state, for tests (what Circles and the app do outside this API) -------------------------
    def create(self, owner: str, name: str, emoji: str | None = None) -> Collective:
        with self._lock:
            if any(c.name.lower() == name.lower() for c in self.collectives.values()):
                raise Failure(400, "A collective with this name already exists")
            folder = self.standin.files_root(owner) / name
            if folder.exists():
                raise Failure(400, "A collective with this name already exists")
            folder.mkdir()
            (folder / "Readme.md").write_text("")
            collective_id = next(self._ids)
            collective = Collective(
                collective_id, name, uuid.uuid4().hex[:31], folder, {owner: OWNER}, emoji, owner=owner
            )
            self.collectives[collective_id] = collective
            return collective

    def add_member(self, collective_id: int, user_id: str, level: int = MEMBER) -> None:
        """Add `user_id` to the collective's team (done in the Contacts/Teams app in Nextcloud)."""
        with self._lock:
            self.collectives[collective_id].members[user_id] = level

    def page_file(self, collective_id: int, page_id: int) -> Path | None:
        """The Markdown file of a page in the tree (None when not there)."""
        return self._pages(self.collectives[collective_id]).get(page_id)

    def mounts_of(self, user_id: str) -> dict[str, tuple[Path, int]]:
        """The live collectives of a member's that are not in their own files, at the root under their names.

        Nextcloud keeps a collective's folder in the app's storage and mounts it for each member at
        `<user folder>/<name>` (user folder "Collectives" by default). The files stand-in mounts
        only at the root and serves no symlinks, and its other parts expect every file under some
        user's files; so here the folder is `<name>/` in the owner's files, mounted for the other
        members at the root of theirs (`collectivePath` is the name), and no one sees another's."""
        with self._lock:
            return {
                c.name: (c.folder, 31)
                for c in self.collectives.values()
                if user_id in c.members and user_id != c.owner and c.trashed is None
            }

    # -- lookups ----------------------------------------------------------------------------------
    def _collective(self, request: Request, key: str = "collectiveId", *, trashed: bool = False) -> Collective:
        raw = request.params[key]
        found = self.collectives.get(int(raw)) if raw.isdigit() else None
        if found is None or request.user.id not in found.members or (found.trashed is not None) != trashed:
            raise Failure(404, f"Collective not found: {raw}")
        return found

    @staticmethod
    def _can_edit(collective: Collective, user_id: str) -> None:
        if collective.members[user_id] < collective.edit_level:
            raise Failure(403, "Not allowed to edit collective")

    @staticmethod
    def _pages(collective: Collective) -> dict[int, Path]:
        found: dict[int, Path] = {}
        for dirpath, dirs, files in os.walk(collective.folder):
            dirs[:] = [d for d in dirs if not d.startswith(".")]  # attachment folders hold no pages
            for name in files:
                if name.endswith(".md"):
                    path = Path(dirpath) / name
                    found[path.stat().st_ino] = path
        return found

    def _page(self, collective: Collective, raw: str) -> Path:
        path = self._pages(collective).get(int(raw)) if raw.isdigit() else None
        if path is None:
            raise Failure(404, f"Page not found: {raw}")
        return path

    @staticmethod
    def _is_index(path: Path) -> bool:
        return path.name == "Readme.md"

    def _parent_id(self, collective: Collective, path: Path) -> int:
        if path == collective.folder / "Readme.md":
            return 0
        folder = path.parent.parent if self._is_index(path) else path.parent
        return (folder / "Readme.md").stat().st_ino

    def _title(self, collective: Collective, path: Path) -> str:
        if path == collective.folder / "Readme.md":
            return collective.name
        return path.parent.name if self._is_index(path) else path.name[: -len(".md")]

    def _info(
        self, collective: Collective, path: Path, *, trashed: int | None = None, parent: int | None = None
    ) -> dict[str, Any]:
        page_id = path.stat().st_ino
        rel = path.parent.relative_to(collective.folder).as_posix() if trashed is None else ""
        rel = "" if rel == "." else rel
        user = collective.page_users.get(page_id, "")
        title = self._title(collective, path) if trashed is None else path.name.removesuffix(".md")
        if trashed is not None and self._is_index(path):
            title = path.parent.name
        info: dict[str, Any] = {
            "id": page_id,
            "slug": re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-"),
            "lastUserId": user,
            "lastUserDisplayName": user,
            "emoji": collective.page_emoji.get(page_id, ""),
            "subpageOrder": list(collective.page_order.get(page_id, [])),
            "isFullWidth": collective.page_full_width.get(page_id, False),
            "tags": list(collective.page_tags.get(page_id, [])),
            "title": title,
            "timestamp": int(path.stat().st_mtime),
            "size": path.stat().st_size,
            "fileName": path.name,
            "filePath": rel,
            "filePathString": rel,
            "collectivePath": collective.name,
            "collectiveNameWithEmoji": f"{collective.emoji} {collective.name}" if collective.emoji else collective.name,
            "parentId": parent if parent is not None else self._parent_id(collective, path),
            "linkedPageIds": [],
        }
        if trashed is not None:
            info["trashTimestamp"] = trashed
        return info

    def _json(self, collective: Collective, user_id: str) -> dict[str, Any]:
        level = collective.members.get(user_id, MEMBER)
        data: dict[str, Any] = {
            "id": collective.id,
            "slug": re.sub(r"[^a-z0-9]+", "-", collective.name.lower()).strip("-"),
            "circleId": collective.circle_id,
            "emoji": collective.emoji or "",
            "pageMode": collective.page_mode,
            "name": collective.name,
            "level": level,
            "editPermissionLevel": collective.edit_level,
            "sharePermissionLevel": collective.share_level,
            "canEdit": level >= collective.edit_level,
            "canShare": level >= collective.share_level,
            "isPageShare": False,
            "sharePageId": 0,
            "shareEditable": False,
            "userPageOrder": 0,
            "userShowMembers": True,
            "userShowRecentPages": True,
            "userFavoritePages": [],
            "canLeave": level < OWNER,
        }
        if collective.trashed is not None:
            data["trashTimestamp"] = collective.trashed
        return data

    @staticmethod
    def _safe_title(title: str, default: str = DEFAULT_TITLE) -> str:
        cleaned = _FORBIDDEN.sub("-", title).strip().strip(".")
        return cleaned or default

    @staticmethod
    def _unique(folder: Path, title: str) -> str:
        candidate, n = title, 1
        while (folder / f"{candidate}.md").exists() or (folder / candidate).exists():
            n += 1
            candidate = f"{title} ({n})"
        return candidate

    @staticmethod
    def _sub_folder(path: Path) -> Path:
        """The folder a page's subpages live in, turning a leaf `<t>.md` into `<t>/Readme.md` first."""
        if path.name == "Readme.md":
            return path.parent
        folder = path.parent / path.name[: -len(".md")]
        folder.mkdir()
        os.rename(path, folder / "Readme.md")
        return folder

    def _child_ids(self, collective: Collective, page_id: int) -> list[int]:
        everything = {**self._pages(collective), **self._templates(collective, create=False)}
        return [i for i, path in everything.items() if i != page_id and self._parent_id(collective, path) == page_id]

    def _add_to_order(self, collective: Collective, parent_id: int, page_id: int, index: int) -> None:
        """PageService::addToSubpageOrder: clean the parent's order, then SubpageOrderService::add."""
        children = self._child_ids(collective, parent_id)
        order = [i for i in collective.page_order.get(parent_id, []) if i in children]
        if page_id in order and order.index(page_id) != 0:  # `if ($key = array_search(...))`: key 0 is falsy
            order.remove(page_id)
        order.insert(index, page_id)
        collective.page_order[parent_id] = order

    @staticmethod
    def _remove_from_order(collective: Collective, parent_id: int, page_id: int) -> None:
        order = collective.page_order.get(parent_id, [])
        if page_id in order:
            order.remove(page_id)

    @staticmethod
    def _copy_meta(source: Collective, target: Collective, old_id: int, new_id: int, *, tags: bool) -> None:
        """What PageService::copy keeps of a page: emoji, full width (and tags within a collective)."""
        if old_id in source.page_emoji:
            target.page_emoji[new_id] = source.page_emoji[old_id]
        if source.page_full_width.get(old_id):
            target.page_full_width[new_id] = True
        if tags and source.page_tags.get(old_id):
            target.page_tags[new_id] = list(source.page_tags[old_id])

    def _templates(self, collective: Collective, *, create: bool = True) -> dict[int, Path]:
        """The template pages (with the folder's index) in `.templates/`, made on first use."""
        folder = collective.folder / TEMPLATES
        if not folder.is_dir():
            if not create:
                return {}
            folder.mkdir()
            (folder / "Readme.md").write_text(TEMPLATES_INDEX)
        found: dict[int, Path] = {}
        for dirpath, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                if name.endswith(".md"):
                    path = Path(dirpath) / name
                    found[path.stat().st_ino] = path
        return found

    # -- collectives ---------------------------------------------------------------------------
    @staticmethod
    def _relocate(collective: Collective, folder: Path) -> None:
        """Move a collective's folder (out of its members' files while it is in the trash)."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        os.rename(collective.folder, folder)
        collective.folder = folder

    @route("GET", V + "/collectives", contract=CONTRACT)
    async def index(self, request: Request) -> Reply:
        with self._lock:
            mine = [c for c in self.collectives.values() if request.user.id in c.members and c.trashed is None]
            return Reply(200, {"collectives": [self._json(c, request.user.id) for c in mine]})

    @route("POST", V + "/collectives", contract=CONTRACT)
    async def create_collective(self, request: Request) -> Reply:
        args = request.args()
        name = str(args.get("name") or "").strip()
        if not name:
            raise Failure(400, "Empty collective name is not allowed")
        if _FORBIDDEN.search(name) or name.strip(".") == "":
            raise Failure(400, "Invalid collective name")
        emoji = args.get("emoji") or None
        collective = self.create(request.user.id, name, emoji)
        return Reply(200, {"collective": self._json(collective, request.user.id), "info": ""})

    @route("PUT", V + "/collectives/{id}", contract=CONTRACT)
    async def update_collective(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request, "id")
            if collective.members[request.user.id] < ADMIN:
                raise Failure(403, "Member not allowed to update collective")
            emoji = request.args().get("emoji")
            collective.emoji = str(emoji) if emoji else None
            return Reply(200, {"collective": self._json(collective, request.user.id)})

    def _settings(self, request: Request, change: Any) -> Reply:
        with self._lock:
            collective = self._collective(request, "id")
            if collective.members[request.user.id] < ADMIN:
                raise Failure(403, f"Member {request.user.id} not allowed to update collective: {collective.id}")
            change(collective, request.args())
            return Reply(200, {"collective": self._json(collective, request.user.id)})

    @staticmethod
    def _level(raw: Any) -> int:
        """Collective::updatePermissionLevel: admins only, moderators and up, or every member."""
        level = int(raw) if str(raw).lstrip("-").isdigit() else 0
        return ADMIN if level >= ADMIN else MODERATOR if level >= MODERATOR else MEMBER

    @route("PUT", V + "/collectives/{id}/editLevel", contract=CONTRACT)
    async def edit_level(self, request: Request) -> Reply:
        return self._settings(request, lambda c, args: setattr(c, "edit_level", self._level(args.get("level"))))

    @route("PUT", V + "/collectives/{id}/shareLevel", contract=CONTRACT)
    async def share_level(self, request: Request) -> Reply:
        return self._settings(request, lambda c, args: setattr(c, "share_level", self._level(args.get("level"))))

    @route("PUT", V + "/collectives/{id}/pageMode", contract=CONTRACT)
    async def page_mode(self, request: Request) -> Reply:
        def change(collective: Collective, args: dict[str, Any]) -> None:
            mode = args.get("mode")
            if mode not in (0, 1, "0", "1"):  # Collective::setPageMode's RuntimeException: no OCS answer
                raise Failure(500, f"Invalid pageMode value: {mode}")
            collective.page_mode = int(mode)

        return self._settings(request, change)

    @route("DELETE", V + "/collectives/{id}", contract=CONTRACT)
    async def trash_collective(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request, "id")
            if collective.members[request.user.id] < ADMIN:
                raise Failure(403, "Member not allowed to delete collective")
            collective.trashed = int(time.time())
            self._relocate(collective, self.trash_root / f"collective-{collective.id}")
            return Reply(200, {"collective": self._json(collective, request.user.id)})

    @route("GET", V + "/collectives/trash", contract=CONTRACT)
    async def trash_index(self, request: Request) -> Reply:
        with self._lock:
            mine = [
                c for c in self.collectives.values()
                if c.trashed is not None and c.members.get(request.user.id, 0) >= ADMIN
            ]  # fmt: skip
            return Reply(200, {"collectives": [self._json(c, request.user.id) for c in mine]})

    @route("PATCH", V + "/collectives/trash/{id}", contract=CONTRACT)
    async def trash_restore(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request, "id", trashed=True)
            if collective.members[request.user.id] < ADMIN:
                raise Failure(403, "Member not allowed to restore collective")
            collective.trashed = None
            self._relocate(collective, self.standin.files_root(collective.owner) / collective.name)
            return Reply(200, {"collective": self._json(collective, request.user.id)})

    @route("DELETE", V + "/collectives/trash/{id}", contract=CONTRACT)
    async def trash_delete(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request, "id", trashed=True)
            if collective.members[request.user.id] < ADMIN:
                raise Failure(403, "Member not allowed to delete collective")
            data = self._json(collective, request.user.id)
            del self.collectives[collective.id]
            shutil.rmtree(collective.folder, ignore_errors=True)
            for tag_id in [t.id for t in self.tags.values() if t.collective_id == collective.id]:
                del self.tags[tag_id]
            return Reply(200, {"collective": data})

    # -- pages ---------------------------------------------------------------------------------
    @route("GET", V + "/collectives/{collectiveId}/pages", contract=CONTRACT)
    async def pages(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            found = [self._info(collective, path) for path in self._pages(collective).values()]
            found.sort(key=lambda p: (p["parentId"] != 0, p["filePath"], p["title"].lower()))
            return Reply(200, {"pages": found})

    @route("GET", V + "/collectives/{collectiveId}/pages/{id}", contract=CONTRACT)
    async def page(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            return Reply(200, {"page": self._info(collective, self._page(collective, request.params["id"]))})

    @route("POST", V + "/collectives/{collectiveId}/pages/{parentId}", contract=CONTRACT)
    async def create_page(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            self._can_edit(collective, request.user.id)
            args = request.args()
            parent = self._page(collective, request.params["parentId"])
            parent_id = parent.stat().st_ino
            template_raw = str(args.get("templateId") or "")
            template = None
            if template_raw and template_raw != "0":
                template = (
                    self._templates(collective, create=False).get(int(template_raw)) if template_raw.isdigit() else None
                )
                if template is None:
                    raise Failure(404, f"Template {template_raw} not found in collective {collective.id}")
            safe = self._safe_title(str(args.get("title") or ""))
            folder = self._sub_folder(parent)
            if template is None:
                path = folder / f"{self._unique(folder, safe)}.md"
                path.write_text("")
            else:  # PageService::copy of the template under the parent
                node = template.parent if self._is_index(template) else template
                suffix = "" if node.is_dir() else ".md"
                destination = folder / (self._unique(folder, safe) + suffix)
                (shutil.copytree if node.is_dir() else shutil.copy2)(node, destination)
                path = destination / "Readme.md" if destination.is_dir() else destination
                self._copy_meta(collective, collective, template.stat().st_ino, path.stat().st_ino, tags=True)
                self._add_to_order(collective, parent_id, path.stat().st_ino, 0)  # by copy(), then by create()
            collective.page_users[path.stat().st_ino] = request.user.id
            self._add_to_order(collective, parent_id, path.stat().st_ino, 0)
            return Reply(200, {"page": self._info(collective, path)})

    @route("PUT", V + "/collectives/{collectiveId}/pages/{id}", contract=CONTRACT)
    async def move_page(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            self._can_edit(collective, request.user.id)
            path = self._page(collective, request.params["id"])
            page_id = path.stat().st_ino
            if path == collective.folder / "Readme.md":
                raise Failure(403, "Not allowed to move or copy landing page")
            args = request.args()
            old_parent = self._parent_id(collective, path)
            parent_id = int(args.get("parentId") or 0) or old_parent
            if parent_id == page_id:
                raise Failure(403, "Not allowed to move or copy a page to itself")
            target = self._page(collective, str(parent_id))
            node = path.parent if self._is_index(path) else path
            if self._is_index(path) and node in target.parents:
                raise Failure(403, "Not allowed to move or copy a page to a subpage of itself")
            copy = args.get("copy") in (True, "true", "1", 1)
            title = str(args.get("title") or "") or (node.name if node.is_dir() else node.name[: -len(".md")])
            safe = self._safe_title(title)
            folder = self._sub_folder(target) if parent_id != old_parent else target.parent
            path = self._pages(collective)[page_id]
            node = path.parent if self._is_index(path) else path
            suffix = "" if node.is_dir() else ".md"
            if not copy and parent_id == old_parent and node.name == safe + suffix:
                return Reply(200, {"page": self._info(collective, path)})
            destination = folder / (self._unique(folder, safe) + suffix)
            if copy:
                (shutil.copytree if node.is_dir() else shutil.copy2)(node, destination)
            else:
                os.rename(node, destination)
            moved = destination / "Readme.md" if destination.is_dir() else destination
            moved_id = moved.stat().st_ino
            collective.page_users[moved_id] = request.user.id
            index = int(args.get("index") or 0)
            if copy:
                self._copy_meta(collective, collective, page_id, moved_id, tags=True)
                self._add_to_order(collective, parent_id, moved_id, index)
            elif parent_id != old_parent:
                self._remove_from_order(collective, old_parent, page_id)
                self._add_to_order(collective, parent_id, moved_id, index)
            return Reply(200, {"page": self._info(collective, moved)})

    @route("PUT", V + "/collectives/{collectiveId}/pages/{id}/to/{newCollectiveId}", contract=CONTRACT)
    async def move_to_collective(self, request: Request) -> Reply:
        """PageService::moveToCollective / copyToCollective: no data in the answer."""
        with self._lock:
            collective = self._collective(request)
            self._can_edit(collective, request.user.id)
            target = self._collective(request, "newCollectiveId")
            self._can_edit(target, request.user.id)
            path = self._page(collective, request.params["id"])
            page_id = path.stat().st_ino
            if path == collective.folder / "Readme.md":
                raise Failure(403, "Not allowed to move or copy landing page")
            args = request.args()
            parent_id = int(args.get("parentId") or 0) or (target.folder / "Readme.md").stat().st_ino
            if parent_id == page_id:
                raise Failure(403, "Not allowed to move or copy a page to itself")
            parent = self._page(target, str(parent_id))
            copy = args.get("copy") in (True, "true", "1", 1)
            node = path.parent if self._is_index(path) else path
            suffix = "" if node.is_dir() else ".md"
            old_parent = self._parent_id(collective, path)
            folder = self._sub_folder(parent)
            destination = folder / (self._unique(folder, node.name.removesuffix(suffix)) + suffix)
            if copy:
                (shutil.copytree if node.is_dir() else shutil.copy2)(node, destination)
            else:
                os.rename(node, destination)
            moved = destination / "Readme.md" if destination.is_dir() else destination
            moved_id = moved.stat().st_ino
            self._copy_meta(collective, target, page_id, moved_id, tags=False)
            if not copy:
                collective.page_emoji.pop(page_id, None)
                collective.page_full_width.pop(page_id, None)
                collective.page_tags.pop(page_id, None)
                self._remove_from_order(collective, old_parent, page_id)
            target.page_users[moved_id] = request.user.id
            self._add_to_order(target, parent_id, moved_id, int(args.get("index") or 0))
            return Reply(200, [])

    @route("PUT", V + "/collectives/{collectiveId}/pages/{id}/fullWidth", contract=CONTRACT)
    async def page_full_width(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            self._can_edit(collective, request.user.id)
            path = self._page(collective, request.params["id"])
            wide = request.args().get("fullWidth") in (True, "true", "1", 1)
            collective.page_full_width[path.stat().st_ino] = wide
            collective.page_users[path.stat().st_ino] = request.user.id
            return Reply(200, {"page": self._info(collective, path)})

    @route("PUT", V + "/collectives/{collectiveId}/pages/{id}/subpageOrder", contract=CONTRACT)
    async def page_subpage_order(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            self._can_edit(collective, request.user.id)
            path = self._page(collective, request.params["id"])
            raw = request.args().get("subpageOrder")
            order: Any = []
            if raw:  # SubpageOrderService::verify
                try:
                    order = json.loads(str(raw))
                except ValueError:
                    order = None
                if not isinstance(order, list) or any(type(i) is not int for i in order):
                    raise Failure(403, "Invalid format of subpage order")
            collective.page_order[path.stat().st_ino] = order
            return Reply(200, {"page": self._info(collective, path)})

    @route("DELETE", V + "/collectives/{collectiveId}/pages/{id}", contract=CONTRACT)
    async def trash_page(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            self._can_edit(collective, request.user.id)
            path = self._page(collective, request.params["id"])
            if path == collective.folder / "Readme.md":
                raise Failure(403, "Not allowed to trash landing page")
            page_id, parent = path.stat().st_ino, self._parent_id(collective, path)
            node = path.parent if self._is_index(path) else path
            info = self._info(collective, path)
            when = int(time.time())
            stored = self.trash_root / str(collective.id) / str(page_id)
            stored.mkdir(parents=True)
            os.rename(node, stored / node.name)
            collective.trash[page_id] = Trashed(
                page_id, node.relative_to(collective.folder).as_posix(), stored / node.name, when
            )
            info.update(trashTimestamp=when, parentId=parent)
            return Reply(200, {"page": info})

    def _trashed_file(self, entry: Trashed) -> Path:
        return entry.stored / "Readme.md" if entry.stored.is_dir() else entry.stored

    @route("GET", V + "/collectives/{collectiveId}/pages/trash", contract=CONTRACT)
    async def page_trash(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            found = [
                self._info(collective, self._trashed_file(e), trashed=e.when, parent=0)
                for e in collective.trash.values()
            ]
            return Reply(200, {"pages": found})

    def _trash_entry(self, collective: Collective, raw: str) -> Trashed:
        entry = collective.trash.get(int(raw)) if raw.isdigit() else None
        if entry is None:
            raise Failure(404, f"Page not found in trash: {raw}")
        return entry

    @route("PATCH", V + "/collectives/{collectiveId}/pages/trash/{id}", contract=CONTRACT)
    async def page_restore(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            self._can_edit(collective, request.user.id)
            entry = self._trash_entry(collective, request.params["id"])
            target = collective.folder / entry.rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if not (target.parent / "Readme.md").exists():
                (target.parent / "Readme.md").write_text("")
            if target.exists():
                target = target.parent / (self._unique(target.parent, target.name.removesuffix(".md")) + target.suffix)
            os.rename(entry.stored, target)
            shutil.rmtree(entry.stored.parent, ignore_errors=True)
            del collective.trash[entry.page_id]
            restored = target / "Readme.md" if target.is_dir() else target
            return Reply(200, {"page": self._info(collective, restored)})

    @route("DELETE", V + "/collectives/{collectiveId}/pages/trash/{id}", contract=CONTRACT)
    async def page_delete(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            self._can_edit(collective, request.user.id)
            entry = self._trash_entry(collective, request.params["id"])
            shutil.rmtree(entry.stored.parent, ignore_errors=True)
            del collective.trash[entry.page_id]
            return Reply(200, [])

    @route("PUT", V + "/collectives/{collectiveId}/pages/{id}/emoji", contract=CONTRACT)
    async def page_emoji(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            self._can_edit(collective, request.user.id)
            path = self._page(collective, request.params["id"])
            emoji = request.args().get("emoji")
            if emoji:
                collective.page_emoji[path.stat().st_ino] = str(emoji)
            else:
                collective.page_emoji.pop(path.stat().st_ino, None)
            collective.page_users[path.stat().st_ino] = request.user.id
            return Reply(200, {"page": self._info(collective, path)})

    @route("GET", V + "/collectives/{collectiveId}/search", contract=CONTRACT)
    async def search(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            needle = request.query.get("searchString", "").lower()
            if not needle:
                raise Failure(400, "Missing search string")
            found = []
            for path in self._pages(collective).values():
                text = ""
                with contextlib.suppress(OSError, UnicodeDecodeError):
                    text = path.read_text("utf-8")
                if needle in self._title(collective, path).lower() or needle in text.lower():
                    found.append(self._info(collective, path))
            return Reply(200, {"pages": found})

    @route("GET", V + "/collectives/search/recent", contract=CONTRACT)
    async def recent(self, request: Request) -> Reply:
        with self._lock:
            limit = int(request.query["limit"]) if request.query.get("limit", "").isdigit() else 10
            found = [
                self._info(c, path)
                for c in self.collectives.values()
                if request.user.id in c.members and c.trashed is None
                for path in self._pages(c).values()
            ]
            found.sort(key=lambda p: (-p["timestamp"], -p["id"]))
            return Reply(200, {"pages": found[:limit]})

    # -- tags ----------------------------------------------------------------------------------
    @route("GET", V + "/collectives/{collectiveId}/tags", contract=CONTRACT)
    async def tag_index(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            found = [t.json() for t in self.tags.values() if t.collective_id == collective.id]
            return Reply(200, {"tags": found})

    @route("POST", V + "/collectives/{collectiveId}/tags", contract=CONTRACT)
    async def tag_create(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            self._can_edit(collective, request.user.id)
            args = request.args()
            name, color = str(args.get("name") or "").strip(), str(args.get("color") or "")
            if not name:
                raise Failure(400, "Tag name must not be empty")
            if not re.fullmatch(r"[0-9a-fA-F]{6}", color):
                raise Failure(400, "Invalid color format")
            if any(t.collective_id == collective.id and t.name == name for t in self.tags.values()):
                raise Failure(400, "A tag with this name already exists")
            tag = Tag(next(self._tag_ids), collective.id, name, color)
            self.tags[tag.id] = tag
            return Reply(200, {"tag": tag.json(), "info": ""})

    def _tag(self, collective: Collective, raw: str) -> Tag:
        tag = self.tags.get(int(raw)) if raw.isdigit() else None
        if tag is None or tag.collective_id != collective.id:
            raise Failure(404, f"Tag not found: {raw}")
        return tag

    @route("PUT", V + "/collectives/{collectiveId}/pages/{id}/tags/{tagId}", contract=CONTRACT)
    async def page_add_tag(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            self._can_edit(collective, request.user.id)
            path = self._page(collective, request.params["id"])
            tag = self._tag(collective, request.params["tagId"])
            tags = collective.page_tags.setdefault(path.stat().st_ino, [])
            if tag.id not in tags:
                tags.append(tag.id)
            return Reply(200, {"page": self._info(collective, path)})

    @route("DELETE", V + "/collectives/{collectiveId}/pages/{id}/tags/{tagId}", contract=CONTRACT)
    async def page_remove_tag(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            self._can_edit(collective, request.user.id)
            path = self._page(collective, request.params["id"])
            tag = self._tag(collective, request.params["tagId"])
            tags = collective.page_tags.get(path.stat().st_ino, [])
            if tag.id in tags:
                tags.remove(tag.id)
            return Reply(200, {"page": self._info(collective, path)})

    @route("PUT", V + "/collectives/{collectiveId}/tags/{id}", contract=CONTRACT)
    async def tag_update(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            self._can_edit(collective, request.user.id)
            tag = self._tag(collective, request.params["id"])
            args = request.args()
            name, color = str(args.get("name") or "").strip(), str(args.get("color") or "")
            if not name:
                raise Failure(400, "Tag name must not be empty")
            if not re.fullmatch(r"[0-9a-fA-F]{6}", color):
                raise Failure(400, "Invalid color format")
            tag.name, tag.color = name, color
            return Reply(200, {"tag": tag.json()})

    @route("DELETE", V + "/collectives/{collectiveId}/tags/{id}", contract=CONTRACT)
    async def tag_delete(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            self._can_edit(collective, request.user.id)
            tag = self._tag(collective, request.params["id"])
            del self.tags[tag.id]
            for tags in collective.page_tags.values():
                if tag.id in tags:
                    tags.remove(tag.id)
            return Reply(200, [])

    # -- attachments (files in `.attachments.<pageId>/` beside the page's file) ----------------------
    @staticmethod
    def _attachments_folder(path: Path) -> Path:
        return path.parent / f".attachments.{path.stat().st_ino}"

    def _attachment_json(self, collective: Collective, folder: Path, item: Path) -> dict[str, Any]:
        rel = item.relative_to(collective.folder).as_posix()
        from tests.standin.files import mime_type

        return {
            "id": item.stat().st_ino,
            "name": item.name,
            "filesize": item.stat().st_size,
            "mimetype": mime_type(item),
            "timestamp": int(item.stat().st_mtime),
            "path": f"/{collective.name}/{rel}",
            "src": f"/remote.php/dav/files/{{user}}/{collective.name}/{rel}",
            "internalPath": f"{folder.name}/{item.name}",
            "hasPreview": False,
            "type": "text",
        }

    @route("GET", V + "/collectives/{collectiveId}/pages/{id}/attachments", contract=CONTRACT)
    async def attachments(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            folder = self._attachments_folder(self._page(collective, request.params["id"]))
            items = sorted(folder.iterdir()) if folder.is_dir() else []
            found = [self._attachment_json(collective, folder, i) for i in items if i.is_file()]
            for item in found:
                item["src"] = item["src"].replace("{user}", request.user.id)
            return Reply(200, {"attachments": found})

    @route("POST", V + "/collectives/{collectiveId}/pages/{id}/attachments", contract=CONTRACT)
    async def attachment_upload(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            self._can_edit(collective, request.user.id)
            path = self._page(collective, request.params["id"])
            filename, _, content = request.files().get("file", ("", "", b""))
            if not filename:
                raise Failure(400, "No file uploaded")
            folder = self._attachments_folder(path)
            folder.mkdir(exist_ok=True)
            stem, dot, ext = _FORBIDDEN.sub("-", filename).rpartition(".")
            stem, ext = (stem, dot + ext) if stem else (ext, "")
            name, n = stem + ext, 1
            while (folder / name).exists():
                n += 1
                name = f"{stem} ({n}){ext}"
            (folder / name).write_bytes(content)
            item = self._attachment_json(collective, folder, folder / name)
            item["src"] = item["src"].replace("{user}", request.user.id)
            return Reply(200, {"attachment": item})

    def _attachment(self, collective: Collective, request: Request) -> Path:
        folder = self._attachments_folder(self._page(collective, request.params["id"]))
        raw = request.params["attachmentId"]
        for item in folder.iterdir() if folder.is_dir() else []:
            if raw.isdigit() and item.is_file() and item.stat().st_ino == int(raw):
                return item
        raise Failure(404, f"Attachment not found: {raw}")

    @route("PUT", V + "/collectives/{collectiveId}/pages/{id}/attachments/{attachmentId}", contract=CONTRACT)
    async def attachment_rename(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            self._can_edit(collective, request.user.id)
            item = self._attachment(collective, request)
            name = str(request.args().get("name") or "")
            if not name.strip("/") or "/" in name.strip("/"):  # Node::move into a folder that is not there
                raise Failure(404, f"Could not move attachment to {name!r}")
            target = item.parent / name.strip("/")
            os.replace(item, target)
            found = self._attachment_json(collective, item.parent, target)
            found["src"] = found["src"].replace("{user}", request.user.id)
            return Reply(200, {"attachment": found})

    @route("DELETE", V + "/collectives/{collectiveId}/pages/{id}/attachments/{attachmentId}", contract=CONTRACT)
    async def attachment_delete(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            self._can_edit(collective, request.user.id)
            item = self._attachment(collective, request)
            attachment_id = item.stat().st_ino
            stored = self.trash_root / str(collective.id) / "attachments" / str(attachment_id)
            stored.mkdir(parents=True)
            os.rename(item, stored / item.name)
            collective.attachment_trash[attachment_id] = (item.parent, stored / item.name)
            return Reply(200, [])

    @route("PATCH", V + "/collectives/{collectiveId}/pages/{id}/attachments/trash/{attachmentId}", contract=CONTRACT)
    async def attachment_restore(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            self._can_edit(collective, request.user.id)
            folder = self._attachments_folder(self._page(collective, request.params["id"]))
            raw = request.params["attachmentId"]
            entry = collective.attachment_trash.get(int(raw)) if raw.isdigit() else None
            if entry is None or entry[0] != folder:
                raise Failure(404, f"Failed to restore attachment {raw}. Not found in trash for page attachments.")
            folder.mkdir(exist_ok=True)
            target = folder / entry[1].name
            if target.exists():  # the trash bin restores beside a taken name
                target = folder / f"{target.stem} (restored){target.suffix}"
            os.rename(entry[1], target)
            shutil.rmtree(entry[1].parent, ignore_errors=True)
            del collective.attachment_trash[int(raw)]
            found = self._attachment_json(collective, folder, target)
            found["src"] = found["src"].replace("{user}", request.user.id)
            return Reply(200, {"attachment": found})

    # -- templates (pages in `.templates/`) ------------------------------------------------------
    def _template(self, collective: Collective, raw: str, *, anywhere: bool = False) -> Path:
        """A template by id; `anywhere`: any page of the collective, as PageService looks it up."""
        found = self._templates(collective)
        if anywhere:
            found = {**self._pages(collective), **found}
        path = found.get(int(raw)) if raw.isdigit() else None
        if path is None:
            raise Failure(404, f"Page not found: {raw}")
        return path

    @route("GET", V + "/collectives/{collectiveId}/pages/templates", contract=CONTRACT)
    async def templates(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            index = collective.folder / TEMPLATES / "Readme.md"
            found = [self._info(collective, p) for p in self._templates(collective).values() if p != index]
            found.sort(key=lambda p: (p["filePath"], p["title"].lower()))
            return Reply(200, {"templates": found})

    @route("POST", V + "/collectives/{collectiveId}/pages/templates/{id}", contract=CONTRACT)
    async def template_create(self, request: Request) -> Reply:
        """TemplateService::create: the body's `parentId` (0: the top) counts, not the path's."""
        with self._lock:
            collective = self._collective(request)
            self._can_edit(collective, request.user.id)
            args = request.args()
            raw = str(args.get("parentId") or "0")
            index = collective.folder / TEMPLATES / "Readme.md"
            parent = index if raw == "0" else self._template(collective, raw, anywhere=True)
            if raw == "0":
                self._templates(collective)
            folder = self._sub_folder(parent)
            title = self._unique(folder, self._safe_title(str(args.get("title") or ""), "New Template"))
            path = folder / f"{title}.md"
            path.write_text("")
            collective.page_users[path.stat().st_ino] = request.user.id
            self._add_to_order(collective, (folder / "Readme.md").stat().st_ino, path.stat().st_ino, 0)
            return Reply(200, {"template": self._info(collective, path)})

    @route("PUT", V + "/collectives/{collectiveId}/pages/templates/{id}", contract=CONTRACT)
    async def template_rename(self, request: Request) -> Reply:
        """TemplateService::rename: a move to the top of the templates with the new title."""
        with self._lock:
            collective = self._collective(request)
            self._can_edit(collective, request.user.id)
            path = self._template(collective, request.params["id"], anywhere=True)
            top = collective.folder / TEMPLATES
            if path == collective.folder / "Readme.md":
                raise Failure(403, "Not allowed to move or copy landing page")
            if path == top / "Readme.md":  # the new parent is the templates' index: this page
                raise Failure(403, "Not allowed to move or copy a page to itself")
            node = path.parent if self._is_index(path) else path
            suffix = "" if node.is_dir() else ".md"
            safe = self._safe_title(str(request.args().get("title") or ""))
            if node.parent == top and node.name == safe + suffix:
                return Reply(200, {"template": self._info(collective, path)})
            old_parent = self._parent_id(collective, path)
            destination = top / (self._unique(top, safe) + suffix)
            os.rename(node, destination)
            moved = destination / "Readme.md" if destination.is_dir() else destination
            top_id = (top / "Readme.md").stat().st_ino
            if old_parent != top_id:
                self._remove_from_order(collective, old_parent, moved.stat().st_ino)
                self._add_to_order(collective, top_id, moved.stat().st_ino, 0)
            return Reply(200, {"template": self._info(collective, moved)})

    @route("PUT", V + "/collectives/{collectiveId}/pages/templates/{id}/emoji", contract=CONTRACT)
    async def template_emoji(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            self._can_edit(collective, request.user.id)
            path = self._template(collective, request.params["id"], anywhere=True)
            emoji = request.args().get("emoji")
            if emoji:
                collective.page_emoji[path.stat().st_ino] = str(emoji)
            else:
                collective.page_emoji.pop(path.stat().st_ino, None)
            return Reply(200, {"template": self._info(collective, path)})

    @route("DELETE", V + "/collectives/{collectiveId}/pages/templates/{id}", contract=CONTRACT)
    async def template_delete(self, request: Request) -> Reply:
        """PageService::trash(direct: true) in the template folder: gone for good, subtemplates too."""
        with self._lock:
            collective = self._collective(request)
            self._can_edit(collective, request.user.id)
            path = self._template(collective, request.params["id"])
            template_id, parent = path.stat().st_ino, self._parent_id(collective, path)
            if self._is_index(path):
                shutil.rmtree(path.parent)
            else:
                path.unlink()
            collective.page_emoji.pop(template_id, None)
            self._remove_from_order(collective, parent, template_id)
            return Reply(200, [])

    # -- public shares -------------------------------------------------------------------------
    def _share_json(self, share: dict[str, Any]) -> dict[str, Any]:
        return {k: share[k] for k in ("id", "collectiveId", "pageId", "token", "owner", "editable")} | {
            "hasPassword": bool(share["password"])
        }

    def _create_share(self, request: Request, page_id: int) -> Reply:
        with self._lock:
            collective = self._collective(request)
            if collective.members[request.user.id] < collective.share_level:
                raise Failure(403, "You are not allowed to share this collective")
            if page_id and page_id not in self._pages(collective):
                raise Failure(404, f"Page not found: {page_id}")
            for share in self.shares.values():
                if (share["collectiveId"], share["pageId"], share["owner"]) == (
                    collective.id,
                    page_id,
                    request.user.id,
                ):
                    raise Failure(403, "A share for this collective or page exists already")
            share = {
                "id": next(self._share_ids), "collectiveId": collective.id, "pageId": page_id,
                "token": uuid.uuid4().hex[:15], "owner": request.user.id, "editable": False,
                "password": str(request.args().get("password") or ""),
            }  # fmt: skip
            self.shares[share["token"]] = share
            return Reply(200, self._share_json(share))

    def _share(self, request: Request, page_id: int) -> dict[str, Any]:
        collective = self._collective(request)
        share = self.shares.get(request.params["token"])
        if share is None or (share["collectiveId"], share["pageId"]) != (collective.id, page_id):
            raise Failure(404, "Share not found")
        if share["owner"] != request.user.id:
            raise Failure(403, "You are not the owner of this share")
        return share

    def _update_share(self, request: Request, page_id: int) -> Reply:
        with self._lock:
            share = self._share(request, page_id)
            args = request.args()
            if "editable" not in args:
                raise Failure(400, "Missing editable")
            share["editable"] = args["editable"] in (True, "true", "1", 1)
            if "password" in args:
                share["password"] = str(args["password"] or "")
            return Reply(200, self._share_json(share))

    def _delete_share(self, request: Request, page_id: int) -> Reply:
        with self._lock:
            share = self._share(request, page_id)
            del self.shares[share["token"]]
            return Reply(200, [])

    @route("GET", V + "/collectives/{collectiveId}/shares", contract=CONTRACT)
    async def shares_of(self, request: Request) -> Reply:
        with self._lock:
            collective = self._collective(request)
            mine = [
                s for s in self.shares.values() if s["collectiveId"] == collective.id and s["owner"] == request.user.id
            ]
            return Reply(200, [self._share_json(s) for s in mine])

    @route("POST", V + "/collectives/{collectiveId}/shares", contract=CONTRACT)
    async def share_collective(self, request: Request) -> Reply:
        return self._create_share(request, 0)

    @route("POST", V + "/collectives/{collectiveId}/pages/{pageId}/shares", contract=CONTRACT)
    async def share_page(self, request: Request) -> Reply:
        raw = request.params["pageId"]
        return self._create_share(request, int(raw) if raw.isdigit() else -1)

    @route("PUT", V + "/collectives/{collectiveId}/shares/{token}", contract=CONTRACT)
    async def update_collective_share(self, request: Request) -> Reply:
        return self._update_share(request, 0)

    @route("PUT", V + "/collectives/{collectiveId}/pages/{pageId}/shares/{token}", contract=CONTRACT)
    async def update_page_share(self, request: Request) -> Reply:
        raw = request.params["pageId"]
        return self._update_share(request, int(raw) if raw.isdigit() else -1)

    @route("DELETE", V + "/collectives/{collectiveId}/shares/{token}", contract=CONTRACT)
    async def delete_collective_share(self, request: Request) -> Reply:
        return self._delete_share(request, 0)

    @route("DELETE", V + "/collectives/{collectiveId}/pages/{pageId}/shares/{token}", contract=CONTRACT)
    async def delete_page_share(self, request: Request) -> Reply:
        raw = request.params["pageId"]
        return self._delete_share(request, int(raw) if raw.isdigit() else -1)


# -- contract samples ----------------------------------------------------------------------------
P = "/ocs/v2.php/apps/collectives/api/v1.0/collectives"


def _app(context: Any) -> CollectivesApp:
    app: CollectivesApp = context.app
    return app


def _setup(context: Any) -> dict[str, str]:
    """Alice's collective with a page and a subpage, a tag, a trashed page and a trashed collective."""
    app = _app(context)
    alice = context.users["alice"].id
    suffix = uuid.uuid4().hex[:8]
    collective = app.create(alice, f"Wiki {suffix}")
    landing = (collective.folder / "Readme.md").stat().st_ino
    page = collective.folder / "Guide.md"
    page.write_text("# Guide\nhello world")
    (collective.folder / "Old.md").write_text("old")
    old = (collective.folder / "Old.md").stat().st_ino
    stored = app.trash_root / str(collective.id) / str(old)
    stored.mkdir(parents=True)
    os.rename(collective.folder / "Old.md", stored / "Old.md")
    collective.trash[old] = Trashed(old, "Old.md", stored / "Old.md", int(time.time()))
    tag = Tag(next(app._tag_ids), collective.id, "draft", "00FF00")
    app.tags[tag.id] = tag
    attachments = app._attachments_folder(page)
    attachments.mkdir()
    (attachments / "photo.png").write_bytes(b"png")
    share = {
        "id": next(app._share_ids), "collectiveId": collective.id, "pageId": 0, "token": f"tok{suffix}",
        "owner": alice, "editable": False, "password": "",
    }  # fmt: skip
    page_share = dict(share, id=next(app._share_ids), pageId=page.stat().st_ino, token=f"ptok{suffix}")
    app.shares[share["token"]] = share
    app.shares[page_share["token"]] = page_share
    (attachments / "old.txt").write_bytes(b"old")
    deleted = (attachments / "old.txt").stat().st_ino
    kept = app.trash_root / str(collective.id) / "attachments" / str(deleted)
    kept.mkdir(parents=True)
    os.rename(attachments / "old.txt", kept / "old.txt")
    collective.attachment_trash[deleted] = (attachments, kept / "old.txt")
    app._templates(collective)
    (collective.folder / TEMPLATES / "Meeting.md").write_text("## Agenda")
    template = (collective.folder / TEMPLATES / "Meeting.md").stat().st_ino
    other = app.create(alice, f"Other {suffix}")
    gone = app.create(alice, f"Gone {suffix}")
    gone.trashed = int(time.time())
    app._relocate(gone, app.trash_root / f"collective-{gone.id}")
    return {
        "c": str(collective.id), "landing": str(landing), "page": str(page.stat().st_ino), "old": str(old),
        "tag": str(tag.id), "gone": str(gone.id), "attachment": str((attachments / "photo.png").stat().st_ino),
        "token": str(share["token"]), "ptoken": str(page_share["token"]), "deleted": str(deleted),
        "template": str(template), "other": str(other.id),
    }  # fmt: skip


def _with_bob(context: Any) -> dict[str, str]:
    """`_setup`, with bob a plain member of the collective."""
    found = _setup(context)
    _app(context).add_member(int(found["c"]), context.users["bob"].id)
    return found


SAMPLES = [
    Sample("GET", P, 200, setup=_setup),
    Sample("POST", P, 200, json={"name": "Handbook {c}", "emoji": "📘"}, setup=_setup),
    Sample("POST", P, 400, json={"name": " "}, note="empty name"),
    Sample("PUT", P + "/{c}", 200, json={"emoji": "🌱"}, setup=_setup),
    Sample("PUT", P + "/{c}", 404, user="bob", json={"emoji": "🌱"}, setup=_setup, note="not a member"),
    Sample("DELETE", P + "/{c}", 200, setup=_setup),
    Sample("DELETE", P + "/{c}", 404, user="bob", setup=_setup, note="not a member"),
    Sample("GET", P + "/trash", 200, setup=_setup),
    Sample("PATCH", P + "/trash/{gone}", 200, setup=_setup),
    Sample("PATCH", P + "/trash/{c}", 404, setup=_setup, note="not in the trash"),
    Sample("DELETE", P + "/trash/{gone}", 200, setup=_setup),
    Sample("DELETE", P + "/trash/{gone}", 404, user="bob", setup=_setup),
    Sample("GET", P + "/{c}/pages", 200, setup=_setup),
    Sample("GET", P + "/{c}/pages", 404, user="bob", setup=_setup, note="not a member"),
    Sample("GET", P + "/{c}/pages/{page}", 200, setup=_setup),
    Sample("GET", P + "/{c}/pages/999999999", 404, setup=_setup),
    Sample("POST", P + "/{c}/pages/{page}", 200, json={"title": "Sub"}, setup=_setup),
    Sample("POST", P + "/{c}/pages/{landing}", 404, user="bob", json={"title": "X"}, setup=_setup),
    Sample("PUT", P + "/{c}/pages/{page}", 200, json={"title": "Manual"}, setup=_setup),
    Sample("PUT", P + "/{c}/pages/{landing}", 403, json={"title": "X"}, setup=_setup, note="landing page"),
    Sample("DELETE", P + "/{c}/pages/{page}", 200, setup=_setup),
    Sample("DELETE", P + "/{c}/pages/{landing}", 403, setup=_setup, note="landing page"),
    Sample("GET", P + "/{c}/pages/trash", 200, setup=_setup),
    Sample("PATCH", P + "/{c}/pages/trash/{old}", 200, setup=_setup),
    Sample("PATCH", P + "/{c}/pages/trash/{page}", 404, setup=_setup, note="not trashed"),
    Sample("DELETE", P + "/{c}/pages/trash/{old}", 200, setup=_setup),
    Sample("DELETE", P + "/{c}/pages/trash/{page}", 404, setup=_setup),
    Sample("PUT", P + "/{c}/pages/{page}/emoji", 200, json={"emoji": "📝"}, setup=_setup),
    Sample("PUT", P + "/{c}/pages/{page}/emoji", 404, user="bob", json={"emoji": "📝"}, setup=_setup),
    Sample("GET", P + "/{c}/search", 200, query={"searchString": "hello"}, setup=_setup),
    Sample("GET", P + "/{c}/search", 404, user="bob", query={"searchString": "hello"}, setup=_setup),
    Sample("GET", P + "/search/recent", 200, query={"limit": "5"}, setup=_setup),
    Sample("GET", P + "/{c}/tags", 200, setup=_setup),
    Sample("GET", P + "/{c}/tags", 404, user="bob", setup=_setup),
    Sample("POST", P + "/{c}/tags", 200, json={"name": "final", "color": "FF0000"}, setup=_setup),
    Sample("POST", P + "/{c}/tags", 400, json={"name": "x", "color": "red"}, setup=_setup, note="bad color"),
    Sample("PUT", P + "/{c}/pages/{page}/tags/{tag}", 200, setup=_setup),
    Sample("PUT", P + "/{c}/pages/{page}/tags/999999", 404, setup=_setup),
    Sample("DELETE", P + "/{c}/pages/{page}/tags/{tag}", 200, setup=_setup),
    Sample("DELETE", P + "/{c}/pages/{page}/tags/999999", 404, setup=_setup),
    Sample("PUT", P + "/{c}/tags/{tag}", 200, json={"name": "review", "color": "0000FF"}, setup=_setup),
    Sample("PUT", P + "/{c}/tags/{tag}", 400, json={"name": "", "color": "0000FF"}, setup=_setup),
    Sample("DELETE", P + "/{c}/tags/{tag}", 200, setup=_setup),
    Sample("DELETE", P + "/{c}/tags/999999", 404, setup=_setup),
    Sample("GET", P + "/{c}/pages/{page}/attachments", 200, setup=_setup),
    Sample("GET", P + "/{c}/pages/{page}/attachments", 404, user="bob", setup=_setup),
    Sample(
        "POST",
        P + "/{c}/pages/{page}/attachments",
        200,
        setup=_setup,
        files={"file": ("notes.txt", b"hello", "text/plain")},
    ),
    Sample("POST", P + "/{c}/pages/{page}/attachments", 400, setup=_setup, json={}, note="no file"),
    Sample("DELETE", P + "/{c}/pages/{page}/attachments/{attachment}", 200, setup=_setup),
    Sample("DELETE", P + "/{c}/pages/{page}/attachments/999999", 404, setup=_setup),
    Sample("GET", P + "/{c}/shares", 200, setup=_setup),
    Sample("GET", P + "/{c}/shares", 404, user="bob", setup=_setup),
    Sample("POST", P + "/{c}/shares", 403, json={}, setup=_setup, note="exists already"),
    Sample("POST", P + "/{c}/pages/{landing}/shares", 200, json={"password": "secret-1"}, setup=_setup),
    Sample("POST", P + "/{c}/pages/999999999/shares", 404, json={}, setup=_setup),
    Sample("PUT", P + "/{c}/shares/{token}", 200, json={"editable": True}, setup=_setup),
    Sample("PUT", P + "/{c}/shares/nope", 404, json={"editable": True}, setup=_setup),
    Sample("PUT", P + "/{c}/pages/{page}/shares/{ptoken}", 200, json={"editable": False}, setup=_setup),
    Sample("PUT", P + "/{c}/pages/{page}/shares/{token}", 404, json={"editable": True}, setup=_setup),
    Sample("DELETE", P + "/{c}/shares/{token}", 200, setup=_setup),
    Sample("DELETE", P + "/{c}/shares/{token}", 404, user="bob", setup=_setup),
    Sample("DELETE", P + "/{c}/pages/{page}/shares/{ptoken}", 200, setup=_setup),
    Sample("DELETE", P + "/{c}/pages/{page}/shares/nope", 404, setup=_setup),
    Sample("PUT", P + "/{c}/editLevel", 200, json={"level": 4}, setup=_setup),
    Sample("PUT", P + "/{c}/editLevel", 403, user="bob", json={"level": 4}, setup=_with_bob, note="not an admin"),
    Sample("PUT", P + "/{c}/shareLevel", 200, json={"level": 8}, setup=_setup),
    Sample("PUT", P + "/{c}/shareLevel", 404, user="bob", json={"level": 8}, setup=_setup, note="not a member"),
    Sample("PUT", P + "/{c}/pageMode", 200, json={"mode": 1}, setup=_setup),
    Sample("PUT", P + "/{c}/pageMode", 403, user="bob", json={"mode": 1}, setup=_with_bob, note="not an admin"),
    Sample("PUT", P + "/{c}/pages/{page}/fullWidth", 200, json={"fullWidth": True}, setup=_setup),
    Sample("PUT", P + "/{c}/pages/{page}/fullWidth", 404, user="bob", json={"fullWidth": True}, setup=_setup),
    Sample("PUT", P + "/{c}/pages/{landing}/subpageOrder", 200, json={"subpageOrder": "[{page}]"}, setup=_setup),
    Sample("PUT", P + "/{c}/pages/{landing}/subpageOrder", 403, json={"subpageOrder": '["x"]'}, setup=_setup),
    Sample("PUT", P + "/{c}/pages/{page}/to/{other}", 200, json={"copy": True}, setup=_setup),
    Sample("PUT", P + "/{c}/pages/{page}/to/{other}", 200, json={"index": 0}, setup=_setup, note="move"),
    Sample("PUT", P + "/{c}/pages/{landing}/to/{other}", 403, json={}, setup=_setup, note="landing page"),
    Sample("PUT", P + "/{c}/pages/{page}/to/999999", 404, json={}, setup=_setup, note="no such collective"),
    Sample("PUT", P + "/{c}/pages/{page}/attachments/{attachment}", 200, json={"name": "pic.png"}, setup=_setup),
    Sample("PUT", P + "/{c}/pages/{page}/attachments/999999", 404, json={"name": "x.png"}, setup=_setup),
    Sample("PATCH", P + "/{c}/pages/{page}/attachments/trash/{deleted}", 200, setup=_setup),
    Sample("PATCH", P + "/{c}/pages/{page}/attachments/trash/{attachment}", 404, setup=_setup, note="not deleted"),
    Sample("GET", P + "/{c}/pages/templates", 200, setup=_setup),
    Sample("GET", P + "/{c}/pages/templates", 404, user="bob", setup=_setup),
    Sample("POST", P + "/{c}/pages/templates/0", 200, json={"title": "Minutes", "parentId": 0}, setup=_setup),
    Sample("POST", P + "/{c}/pages/templates/9", 404, json={"title": "X", "parentId": 999999}, setup=_setup),
    Sample("PUT", P + "/{c}/pages/templates/{template}", 200, json={"title": "Standup"}, setup=_setup),
    Sample("PUT", P + "/{c}/pages/templates/999999", 404, json={"title": "X"}, setup=_setup),
    Sample("PUT", P + "/{c}/pages/templates/{template}/emoji", 200, json={"emoji": "🗓"}, setup=_setup),
    Sample("PUT", P + "/{c}/pages/templates/{template}/emoji", 404, user="bob", json={"emoji": "x"}, setup=_setup),
    Sample("DELETE", P + "/{c}/pages/templates/{template}", 200, setup=_setup),
    Sample("DELETE", P + "/{c}/pages/templates/{page}", 404, setup=_setup, note="not a template"),
    Sample("POST", P + "/{c}/pages/{landing}", 200, json={"title": "Notes", "templateId": "{template}"}, setup=_setup),
    Sample("POST", P + "/{c}/pages/{landing}", 404, json={"title": "X", "templateId": "{page}"}, setup=_setup),
]
