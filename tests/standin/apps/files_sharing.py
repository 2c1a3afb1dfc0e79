"""Nextcloud's files_sharing: the OCS Share API (shares, pending shares, sharees) and what it keeps
in step: a share accepted by its recipient appears in their files (WebDAV), a pending one does not.

Emulated as Nextcloud 31 behaves (apps/files_sharing ShareAPIController and ShareesAPIController,
lib/private/Share20/Manager.php, the password_policy app):
- shares as `formatShare` answers them: `id` a string, `share_type` an int (0 user, 1 group, 3 link,
  4 email, 6 federated, 7 team, 10 Talk room), `permissions` bits (1 read, 2 update, 4 create, 8
  delete, 16 share), `item_type` file/folder, `path` as the caller sees the item, `file_target`,
  `expiration` as "YYYY-MM-DD 00:00:00", `token` and `url` for links, `share_with_displayname`;
- the recipient's side: a user or group share is pending for each recipient who turned off
  "accept shares by default" (`set_accept_by_default`, on by default as in Nextcloud) and listed in
  `/shares/pending` until accepted; an accepted share is mounted at the root of the recipient's
  files under a name that does not clash ("plan (2).txt"), readable and (as its permissions allow)
  writable through WebDAV (files.py asks `mounts_of`); a recipient's DELETE declines (a user share
  is deleted, a group share leaves only that member); Team (circle) shares need no acceptance;
- Nextcloud's answers to what it refuses, with its words in the OCS meta message and its statuses
  (which are not always what one would guess): a password failing the password policy (minimum
  length `password_min_length`, 10 as the password_policy app ships) 400; no password where
  `password_enforced` 403; an expiry beyond an enforced maximum (`link_expiry`, `internal_expiry`:
  enabled/days/enforced, as the admin settings) 404 "Cannot set expiration date more than N days in
  the future", in the past 404; a share type the server does not offer 403 (federated groups, Talk
  rooms: no such backend here; Deck cards without the deck app; federation when
  `outgoing_federation` is off); a
  reshare without the share permission 404 "You are not allowed to share ...", beyond one's own
  permissions 404 "Cannot increase permissions of ..."; a share of someone else's (neither owner,
  sharer nor recipient) 404 "Wrong share ID, share does not exist"; editing an incoming share 403;
- Deck card shares (type 12, `shareWith` the card id): Deck's provider checks the card (404 "Card
  not found" without EDIT on its board, or an archived board) and refuses a second share of the
  file with the card (403); they reach no one's files here (Deck's share folder is not mounted);
- sharees: users (by id, display name, email), groups (`add_group`), teams (`add_team`), an email
  address, a federated id (`user@server`); exact matches apart; recommended sharees are the ones
  the caller shared with before. Groups and teams live here because the stand-in has no group
  directory of its own.
Settings are global like Nextcloud's admin settings: a test that changes one restores it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import string
import threading
import time
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from tests.standin.core import User
from tests.standin.kit import EmulatedApp, Failure, Reply, Request, Sample, route

CONTRACT = "nextcloud-31/files_sharing.openapi.json"
API = "/ocs/v2.php/apps/files_sharing/api/v1"

READ, UPDATE, CREATE, DELETE, SHARE = 1, 2, 4, 8, 16
ALL = 31
USER, GROUP, LINK, EMAIL, REMOTE, CIRCLE, REMOTE_GROUP, ROOM, DECK, SCIENCEMESH = 0, 1, 3, 4, 6, 7, 9, 10, 12, 15
PENDING, ACCEPTED = 0, 1

WRONG_ID = "Wrong share ID, share does not exist"
WRONG_PATH = "Wrong path, file/folder does not exist"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_TOKEN_CHARS = string.ascii_letters + string.digits


@dataclass
class Expiry:
    """One expiry setting of the admin's sharing settings (link, internal or federated shares)."""

    enabled: bool = False
    """A default expiry date is set on new shares."""
    days: int = 7
    enforced: bool = False
    """A date is required, at most `days` from today."""


@dataclass
class Group:
    id: str
    display_name: str
    members: set[str] = field(default_factory=set)


@dataclass
class Team:
    """A Team (circle): shared with by its id, listed by its name."""

    id: str
    name: str
    members: set[str] = field(default_factory=set)


@dataclass
class Recipient:
    """One recipient's side of a share: accepted or not, where it is in their files, or declined."""

    status: int = PENDING
    target: str = ""
    left: bool = False


@dataclass
class StoredShare:
    """A share as Nextcloud's oc_share row keeps it (one per share; recipients' states beside it)."""

    id: int
    share_type: int
    owner: str
    shared_by: str
    file_id: int
    rel: str
    """The item's path in the owner's files when last found (found again by file id after a move)."""
    share_with: str | None
    share_with_displayname: str
    permissions: int
    stime: int
    target: str
    expiration: date | None = None
    note: str = ""
    label: str = ""
    token: str | None = None
    password: str | None = None
    """A hash, as Nextcloud stores link and email share passwords."""
    hide_download: bool = False
    mail_send: bool = False
    recipients: dict[str, Recipient] = field(default_factory=dict)


@dataclass(frozen=True)
class Node:
    """A file or folder as one user sees it: whose it is, where it really is, with which permissions."""

    owner: str
    rel: str
    path: Path
    permissions: int
    viewer_path: str
    """The path in the viewer's files ('/Shared thing/a.txt')."""
    mount: StoredShare | None = None
    """The share through which the viewer has it (None: their own)."""

    @property
    def is_dir(self) -> bool:
        return self.path.is_dir()

    @property
    def name(self) -> str:
        return self.path.name


def _hash(password: str) -> str:
    return "3|$argon2id$v=19$m=65536,t=4,p=1$" + hashlib.sha256(password.encode()).hexdigest()


def _flag(value: Any) -> bool | None:
    """The API's 'true'/'false' strings (JSON booleans accepted too), None when not given."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    return str(value).lower() == "true"


def _int(value: Any, default: int | None = None) -> int | None:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Failure(400, "Parameters are not of the expected type") from None


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip().strip('"')[:10])
    except ValueError:
        raise ValueError("Invalid date. Format must be YYYY-MM-DD") from None


def _unique(name: str, taken: set[str]) -> str:
    """Nextcloud's free name for a mount point: 'plan.txt', 'plan (2).txt', 'plan (3).txt', ..."""
    if name not in taken:
        return name
    stem, dot, ext = name.rpartition(".") if "." in name.lstrip(".") else (name, "", "")
    for n in range(2, 10_000):
        candidate = f"{stem} ({n}){dot}{ext}"
        if candidate not in taken:
            return candidate
    raise AssertionError("no free name")


class FilesSharingApp(EmulatedApp):
    """The files_sharing app (see the module docstring)."""

    app_id = "files_sharing"
    prefixes = (API + "/",)

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self.shares: dict[int, StoredShare] = {}
        self._next_id = 1
        self._lock = threading.RLock()
        self.groups: dict[str, Group] = {}
        self.teams: dict[str, Team] = {}
        self.accept_default: dict[str, bool] = {}
        # The admin's sharing settings (Nextcloud's defaults).
        self.links_allowed = True
        self.public_upload_allowed = True
        self.group_sharing_allowed = True
        self.outgoing_federation = True
        self.default_permissions = ALL
        self.password_enforced = False
        self.password_min_length = 10
        self.link_expiry = Expiry()
        self.internal_expiry = Expiry()
        self.remote_expiry = Expiry()
        files = standin.services.get("files")
        mounts = getattr(files, "mounts", None)
        if isinstance(mounts, list):
            mounts.append(self.mounts_of)

    # -- what tests set up ---------------------------------------------------------------
    def add_group(self, group_id: str, *members: str, display_name: str | None = None) -> Group:
        with self._lock:
            group = self.groups.setdefault(group_id, Group(group_id, display_name or group_id))
            group.members.update(members)
            return group

    def add_team(self, team_id: str, name: str, *members: str) -> Team:
        with self._lock:
            team = self.teams.setdefault(team_id, Team(team_id, name))
            team.members.update(members)
            return team

    def set_accept_by_default(self, user_id: str, accept: bool) -> None:
        """The personal setting "Accept shares from other accounts and groups by default"."""
        self.accept_default[user_id] = accept

    def capabilities(self, user: User) -> dict[str, Any]:
        def expiry(setting: Expiry) -> dict[str, Any]:
            return (
                {"enabled": True, "days": setting.days, "enforced": setting.enforced}
                if setting.enabled
                else {"enabled": False}
            )

        rules = {
            "minLength": self.password_min_length,
            "enforceNonCommonPassword": False,
            "enforceNumericCharacters": False,
            "enforceSpecialCharacters": False,
            "enforceUpperLowerCase": False,
        }
        return {
            "files_sharing": {
                "api_enabled": True,
                "public": {
                    "enabled": self.links_allowed,
                    "password": {"enforced": self.password_enforced, "askForOptionalPassword": False},
                    "multiple_links": True,
                    "expire_date": expiry(self.link_expiry),
                    "expire_date_internal": expiry(self.internal_expiry),
                    "expire_date_remote": expiry(self.remote_expiry),
                    "send_mail": False,
                    "upload": self.public_upload_allowed,
                    "upload_files_drop": self.public_upload_allowed,
                    "custom_tokens": False,
                },
                "user": {"send_mail": False, "expire_date": {"enabled": True}},
                "resharing": True,
                "group_sharing": self.group_sharing_allowed,
                "group": {"enabled": self.group_sharing_allowed, "expire_date": {"enabled": True}},
                "default_permissions": self.default_permissions,
                "federation": {
                    "outgoing": self.outgoing_federation,
                    "incoming": True,
                    "expire_date": {"enabled": True},
                    "expire_date_supported": {"enabled": True},
                },
                "sharee": {"query_lookup_default": False, "always_show_unique": True},
                "sharebymail": {
                    "enabled": True,
                    "send_password_by_mail": True,
                    "upload_files_drop": {"enabled": True},
                    "password": {"enabled": True, "enforced": self.password_enforced},
                    "expire_date": {"enabled": True, "enforced": self.link_expiry.enforced},
                },
            },
            "password_policy": {  # the password_policy app, whose length rule the stand-in applies to shares
                **rules,
                "api": {  # Nextcloud sends absolute URLs; capabilities here are answered without the host
                    "generate": "/ocs/v2.php/apps/password_policy/api/v1/generate",
                    "validate": "/ocs/v2.php/apps/password_policy/api/v1/validate",
                },
                "policies": {context: {**rules, "enforceHaveIBeenPwned": False} for context in ("account", "sharing")},
            },
        }

    # -- nodes ---------------------------------------------------------------------------
    def _root(self, user_id: str) -> Path:
        return Path(self.standin.files_root(user_id))

    def _find(self, share: StoredShare) -> Path | None:
        """The shared item in its owner's files, found by file id as Nextcloud does (it may have moved)."""
        root = self._root(share.owner)
        known = root / share.rel
        with contextlib.suppress(OSError):
            if known.stat().st_ino == share.file_id and (known.is_dir() or known.is_file()):
                return known
        for dirpath, dirs, files in os.walk(root):
            for name in (*dirs, *files):
                candidate = Path(dirpath) / name
                with contextlib.suppress(OSError):
                    if candidate.stat().st_ino == share.file_id:
                        share.rel = candidate.relative_to(root).as_posix()
                        return candidate
        return None

    def _alive(self, share: StoredShare) -> bool:
        """Whether the shared item still exists; a share whose item was deleted is deleted with it."""
        if self._find(share) is not None:
            return True
        self.shares.pop(share.id, None)
        return False

    def recipients(self, share: StoredShare) -> set[str]:
        """The users a share reaches (besides its owner and sharer)."""
        if share.share_type == USER:
            members = {share.share_with or ""}
        elif share.share_type == GROUP:
            members = set(self.groups[share.share_with].members) if share.share_with in self.groups else set()
        elif share.share_type == CIRCLE:
            members = set(self.teams[share.share_with].members) if share.share_with in self.teams else set()
        else:
            return set()
        return {m for m in members if m in self.standin.users} - {share.owner, share.shared_by}

    def _state(self, share: StoredShare, user_id: str) -> Recipient:
        """A recipient's side of a share, made on first sight as Nextcloud's auto-accept listener would."""
        state = share.recipients.get(user_id)
        if state is None:
            state = share.recipients[user_id] = Recipient()
            if share.share_type == CIRCLE or self.accept_default.get(user_id, True):
                self._accept(share, user_id, state)
        return state

    def _accept(self, share: StoredShare, user_id: str, state: Recipient) -> None:
        taken = {p.name for p in self._root(user_id).iterdir()} | set(self._mounted(user_id))
        taken.discard(state.target)
        state.target = state.target or _unique(share.target.strip("/"), taken)
        state.status = ACCEPTED

    def _mounted(self, user_id: str) -> dict[str, StoredShare]:
        """The accepted shares in a user's files, by the name at their root."""
        found: dict[str, StoredShare] = {}
        for share in list(self.shares.values()):
            state = share.recipients.get(user_id)
            if state is not None and state.status == ACCEPTED and not state.left and user_id in self.recipients(share):
                found[state.target] = share
        return found

    def mounts_of(self, user_id: str) -> dict[str, tuple[Path, int]]:
        """What files.py shows at the root of `user_id`'s files besides their own: name -> (item, permissions)."""
        with self._lock:
            self._meet(user_id)
            found: dict[str, tuple[Path, int]] = {}
            for name, share in self._mounted(user_id).items():
                item = self._find(share)
                if item is not None:
                    found[name] = (item, share.permissions)
            return found

    def _meet(self, user_id: str) -> None:
        """Make the recipient's side of every share that reaches `user_id` (auto-accepting as set)."""
        for share in list(self.shares.values()):
            if user_id in self.recipients(share):
                self._state(share, user_id)

    def resolve(self, user_id: str, path: str) -> Node | None:
        """The node at `path` in `user_id`'s files (through an accepted share's mount), or None."""
        names = [n for n in path.strip("/").split("/") if n]
        if any(n in (".", "..") for n in names):
            return None
        mounts = self._mounted(user_id) if names else {}
        share = mounts.get(names[0]) if names else None
        if share is not None:
            item = self._find(share)
            if item is None:
                return None
            real = item.joinpath(*names[1:])
            rel = "/".join([share.rel, *names[1:]])
            permissions = share.permissions
            owner = share.owner
        else:
            real = self._root(user_id).joinpath(*names)
            rel = "/".join(names)
            permissions = ALL
            owner = user_id
        if not (real.is_dir() or real.is_file()):
            return None
        if real.is_file():
            permissions &= ~CREATE
        return Node(owner, rel, real, permissions, "/" + "/".join(names), share)

    def view(self, user_id: str, share: StoredShare) -> Node | None:
        """The shared item as `user_id` sees it in their files (None: not in their files)."""
        if share.owner == user_id:
            return self.resolve(user_id, share.rel)
        for name, mount in self._mounted(user_id).items():
            if mount.owner == share.owner and (share.rel == mount.rel or share.rel.startswith(mount.rel + "/")):
                return self.resolve(user_id, "/".join([name, share.rel[len(mount.rel) :].strip("/")]))
        return None

    # -- rights (ShareAPIController::canAccessShare & co) ---------------------------------
    def _member(self, share: StoredShare, user_id: str) -> bool:
        return user_id in self.recipients(share) and not self._state(share, user_id).left

    def _reshare_right(self, user_id: str, share: StoredShare) -> bool:
        node = self.view(user_id, share)
        return node is not None and bool(node.permissions & SHARE)

    def can_access(self, share: StoredShare, user_id: str, *, groups: bool = True) -> bool:
        if share.permissions == 0:
            return False
        if user_id in (share.owner, share.shared_by):
            return True
        if share.share_type == USER and share.share_with == user_id:
            return True
        if self._reshare_right(user_id, share):
            return True
        if groups and share.share_type == GROUP and self._member(share, user_id):
            return True
        return share.share_type == CIRCLE and self._member(share, user_id)

    def can_edit(self, share: StoredShare, user_id: str) -> bool:
        return share.permissions != 0 and user_id in (share.owner, share.shared_by)

    def can_delete(self, share: StoredShare, user_id: str) -> bool:
        if share.permissions == 0:
            return False
        if share.share_type == USER and share.share_with == user_id:
            return True
        return user_id in (share.owner, share.shared_by)

    def can_leave(self, share: StoredShare, user_id: str) -> bool:
        """canDeleteShareFromSelf: a group member removes a group share from their own files only."""
        if share.share_type not in (GROUP, ROOM, DECK, SCIENCEMESH) or user_id in (share.owner, share.shared_by):
            return False
        return share.share_type == GROUP and self._member(share, user_id)

    # -- formatShare ---------------------------------------------------------------------
    def _display_name(self, user_id: str) -> str:
        user = self.standin.users.get(user_id)
        return user.display_name if user is not None else user_id

    def format(self, share: StoredShare, viewer: str, node: Node | None = None, host: str = "") -> dict[str, Any]:
        """`formatShare`: the share as `viewer` is told it; KeyError when the item is not in their files."""
        from tests.standin.files import mime_type, tree_size

        node = node or self.view(viewer, share)
        if node is None:
            raise KeyError(share.id)
        stat = node.path.stat()
        own = share.owner == viewer
        item_permissions = node.permissions if own else share.permissions
        if not own and (self.can_delete(share, viewer) or self.can_leave(share, viewer)):
            item_permissions |= DELETE
        if not own and self.can_edit(share, viewer):
            item_permissions |= UPDATE
        data: dict[str, Any] = {
            "id": str(share.id),
            "share_type": share.share_type,
            "uid_owner": share.shared_by,
            "displayname_owner": self._display_name(share.shared_by),
            "permissions": share.permissions,
            "can_edit": self.can_edit(share, viewer),
            "can_delete": self.can_delete(share, viewer),
            "stime": share.stime,
            "parent": None,
            "expiration": f"{share.expiration.isoformat()} 00:00:00" if share.expiration else None,
            "token": None,
            "uid_file_owner": share.owner,
            "note": share.note,
            "label": share.label,
            "displayname_file_owner": self._display_name(share.owner),
            "path": node.viewer_path,
            "item_type": "folder" if node.is_dir else "file",
            "item_permissions": item_permissions,
            "is-mount-root": node.mount is not None and node.rel == node.mount.rel,
            "mount-type": "shared" if node.mount is not None else "",
            "mimetype": "httpd/unix-directory" if node.is_dir else mime_type(node.path),
            "has_preview": not node.is_dir and mime_type(node.path).startswith("image/"),
            "storage_id": f"home::{share.owner}",
            "storage": zlib.crc32(share.owner.encode()) % 100_000 + 1,
            "item_source": share.file_id,
            "file_source": share.file_id,
            "file_parent": node.path.parent.stat().st_ino,
            "file_target": self._target_for(share, viewer),
            "item_size": tree_size(node.path),
            "item_mtime": int(stat.st_mtime),
            "mail_send": 1 if share.mail_send else 0,
            "hide_download": 1 if share.hide_download else 0,
            "attributes": '[{"scope":"permissions","key":"download","value":false}]' if share.hide_download else None,
        }
        if share.share_type == USER:
            user = self.standin.users.get(share.share_with)
            data["share_with"] = share.share_with
            data["share_with_displayname"] = share.share_with_displayname
            data["share_with_displayname_unique"] = (user.email if user is not None else None) or share.share_with
        elif share.share_type == GROUP:
            data["share_with"] = share.share_with
            data["share_with_displayname"] = share.share_with_displayname
        elif share.share_type == LINK:
            data["share_with"] = share.password  # deprecated since Nextcloud 15: the password (hash)
            data["share_with_displayname"] = "(Shared link)"
            data["password"] = share.password
            data["send_password_by_talk"] = False
            data["token"] = share.token
            data["url"] = f"http://{host}/index.php/s/{share.token}"
        elif share.share_type == REMOTE:
            data["share_with"] = share.share_with
            data["share_with_displayname"] = ""
            data["token"] = share.token
        elif share.share_type == EMAIL:
            data["share_with"] = share.share_with
            data["password"] = share.password
            data["password_expiration_time"] = None
            data["send_password_by_talk"] = False
            data["share_with_displayname"] = share.share_with
            data["token"] = share.token
        elif share.share_type == CIRCLE:
            data["share_with"] = share.share_with
            data["share_with_displayname"] = share.share_with_displayname
            data["share_with_avatar"] = ""
        elif share.share_type == DECK:  # Deck's ShareAPIHelper::formatShare: the card id and title
            data["share_with"] = share.share_with
            data["share_with_displayname"] = share.share_with_displayname
            data["share_with_link"] = f"http://{host}/index.php/apps/deck/card/{share.share_with}"
        return data

    def _target_for(self, share: StoredShare, viewer: str) -> str:
        state = share.recipients.get(viewer)
        return "/" + state.target if state is not None and state.target else share.target

    def _formatted(self, shares: list[StoredShare], viewer: str, host: str) -> list[dict[str, Any]]:
        found = []
        for share in shares:
            with contextlib.suppress(KeyError, OSError):
                found.append(self.format(share, viewer, host=host))
        return found

    # -- the routes ------------------------------------------------------------------------
    @route("GET", API + "/shares", contract=CONTRACT)
    async def list_shares(self, request: Request) -> Reply:
        args = request.args()
        viewer = request.user.id
        with self._lock:
            self._meet(viewer)
            node = None
            if str(args.get("path") or "") != "":
                node = self.resolve(viewer, str(args["path"]))
                if node is None:
                    raise Failure(404, WRONG_PATH)
            shares = [s for s in list(self.shares.values()) if self._alive(s)]
            if _flag(args.get("shared_with_me")):
                chosen = [
                    s for s in shares
                    if s.owner != viewer and self._member(s, viewer) and s.recipients[viewer].status == ACCEPTED
                    and (node is None or self._is(s, node))
                ]  # fmt: skip
            elif _flag(args.get("subfiles")):
                if node is None or not node.is_dir:
                    raise Failure(400, "Not a directory")
                children = {self.resolve(viewer, f"{node.viewer_path}/{child.name}") for child in node.path.iterdir()}
                chosen = [
                    s for s in shares
                    if any(c is not None and self._is(s, c) for c in children) and s.share_with != viewer
                    and (s.shared_by == viewer or self._reshare_right(viewer, s))
                ]  # fmt: skip
            else:
                reshares = _flag(args.get("reshares"))
                chosen = [
                    s for s in shares
                    if (s.shared_by == viewer or (reshares and s.owner == viewer))
                    and (node is None or self._is(s, node))
                    and not (s.share_type == USER and s.share_with == viewer)
                ]  # fmt: skip
            chosen.sort(key=lambda s: s.id)
            return Reply(200, self._formatted(chosen, viewer, request.header("host") or ""))

    @staticmethod
    def _is(share: StoredShare, node: Node) -> bool:
        return share.owner == node.owner and share.rel == node.rel

    def _get(self, share_id: str) -> StoredShare:
        share = self.shares.get(int(share_id)) if share_id.isdigit() else None
        if share is None or not self._alive(share):
            raise Failure(404, WRONG_ID)
        return share

    @route("GET", API + "/shares/{id}", contract=CONTRACT)
    async def get_share(self, request: Request) -> Reply:
        viewer = request.user.id
        with self._lock:
            self._meet(viewer)
            share = self._get(request.params["id"])
            if not self.can_access(share, viewer):
                raise Failure(404, WRONG_ID)
            try:
                return Reply(200, [self.format(share, viewer, host=request.header("host") or "")])
            except KeyError:
                raise Failure(404, WRONG_ID) from None

    @route("POST", API + "/shares", contract=CONTRACT)
    async def create_share(self, request: Request) -> Reply:
        with self._lock:
            share = self.create(request.user, request.args())
            return Reply(200, self.format(share, request.user.id, host=request.header("host") or ""))

    @route("PUT", API + "/shares/{id}", contract=CONTRACT)
    async def update_share(self, request: Request) -> Reply:
        viewer = request.user.id
        with self._lock:
            self._meet(viewer)
            share = self._get(request.params["id"])
            if not self.can_access(share, viewer, groups=False):
                raise Failure(404, WRONG_ID)
            if not self.can_edit(share, viewer):
                raise Failure(403, "You are not allowed to edit incoming shares")
            self.update(share, viewer, request.args())
            return Reply(200, self.format(share, viewer, host=request.header("host") or ""))

    @route("DELETE", API + "/shares/{id}", contract=CONTRACT)
    async def delete_share(self, request: Request) -> Reply:
        viewer = request.user.id
        with self._lock:
            self._meet(viewer)
            share = self._get(request.params["id"])
            if not self.can_access(share, viewer):
                raise Failure(404, WRONG_ID)
            if self.can_leave(share, viewer):
                self._state(share, viewer).left = True
            elif not self.can_delete(share, viewer):
                raise Failure(403, "Could not delete share")
            else:
                self.shares.pop(share.id, None)
            return Reply(200, [])

    @route("GET", API + "/shares/pending", contract=CONTRACT)
    async def pending_shares(self, request: Request) -> Reply:
        viewer = request.user.id
        found = []
        with self._lock:
            self._meet(viewer)
            for share in sorted(self.shares.values(), key=lambda s: s.id):
                if share.share_type not in (USER, GROUP) or not self._alive(share) or not self._member(share, viewer):
                    continue
                if share.recipients[viewer].status == ACCEPTED:
                    continue
                node = self.view(share.shared_by, share)
                if node is None:
                    continue
                data = self.format(share, viewer, node, host=request.header("host") or "")
                data["path"] = "/" + node.name
                data["permissions"] = 0
                found.append(data)
        return Reply(200, found)

    @route("POST", API + "/shares/pending/{id}", contract=CONTRACT)
    async def accept_share(self, request: Request) -> Reply:
        viewer = request.user.id
        with self._lock:
            self._meet(viewer)
            share = self._get(request.params["id"])
            if not self.can_access(share, viewer):
                raise Failure(404, WRONG_ID)
            if share.share_type not in (USER, GROUP) or viewer not in self.recipients(share):
                raise Failure(400, "Failed to accept share.")  # the provider cannot, or the recipient does not match
            state = self._state(share, viewer)
            state.left = False
            self._accept(share, viewer, state)
            return Reply(200, [])

    @route("GET", API + "/sharees", contract=CONTRACT)
    async def sharees(self, request: Request) -> Reply:
        query = parse_qsl(request.scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        args = request.args()
        per_page = _int(args.get("perPage"), 200) or 0
        page = _int(args.get("page"), 1) or 0
        if per_page <= 0:
            raise Failure(400, "Invalid perPage argument")
        if page <= 0:
            raise Failure(400, "Invalid page")
        wanted = self._share_types(query, args)
        search = str(args.get("search") or "").strip()
        with self._lock:
            return Reply(200, self._search(request.user, search, wanted, (page - 1) * per_page, per_page))

    @route("GET", API + "/sharees_recommended", contract=CONTRACT)
    async def sharees_recommended(self, request: Request) -> Reply:
        """Whom the caller shared with before (each kind the contract lists; the entries in its shapes)."""
        query = parse_qsl(request.scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        wanted = self._share_types(query, request.args())
        viewer = request.user.id
        kinds = (("users", USER), ("groups", GROUP), ("remotes", REMOTE), ("remote_groups", REMOTE_GROUP),
                 ("emails", EMAIL))  # fmt: skip
        result: dict[str, Any] = {"exact": {key: [] for key, _ in kinds}}
        with self._lock:
            mine = sorted((s for s in self.shares.values() if s.shared_by == viewer), key=lambda s: (-s.stime, -s.id))
            for key, share_type in kinds:
                seen: dict[str, str] = {}
                for share in mine:
                    if share_type in wanted and share.share_type == share_type and share.share_with:
                        seen.setdefault(share.share_with, share.share_with_displayname)
                result[key] = [self._entry(share_type, who, label) for who, label in seen.items()]
        return Reply(200, result)

    # -- createShare -----------------------------------------------------------------------
    def create(self, user: User, args: dict[str, Any]) -> StoredShare:
        """ShareAPIController::createShare and Manager::createShare, in their order of checks."""
        viewer = user.id
        self._meet(viewer)
        path = _str(args.get("path"))
        share_type = _int(args.get("shareType"), -1)
        share_with = _str(args.get("shareWith"))
        permissions = _int(args.get("permissions"))
        public_upload = _flag(args.get("publicUpload"))
        password = str(args.get("password") or "")
        expire_raw = _str(args.get("expireDate"))
        send_mail = _flag(args.get("sendMail"))
        if path is None:
            raise Failure(404, "Please specify a file or folder path")
        node = self.resolve(viewer, path)
        if node is None:
            raise Failure(404, WRONG_PATH)
        if share_type in (LINK, EMAIL):
            permissions = self._link_permissions(permissions, public_upload)
            self._validate_link_permissions(node, permissions, public_upload)
        else:
            permissions = (self.default_permissions if permissions is None else permissions) | READ
        if not node.is_dir:
            permissions &= ~(DELETE | CREATE)
        expiration: date | None = None
        no_expiration = False
        if expire_raw is not None:
            if expire_raw != "":
                try:
                    expiration = _parse_date(expire_raw)
                except ValueError as exc:
                    raise Failure(404, str(exc)) from None
            else:
                no_expiration = True
        if send_mail is None:
            send_mail = share_type != EMAIL or bool(share_with)
        absolute = f"/{node.owner}/files/{node.rel}"
        display = share_with or ""
        if share_type == USER:
            if share_with is None or share_with not in self.standin.users:
                raise Failure(404, "Please specify a valid account to share with")
            display = self._display_name(share_with)
        elif share_type == GROUP:
            if not self.group_sharing_allowed:
                raise Failure(404, "Group sharing is disabled by the administrator")
            if share_with is None or share_with not in self.groups:
                raise Failure(404, "Please specify a valid group")
            display = self.groups[share_with].display_name
        elif share_type in (LINK, EMAIL):
            if not self.links_allowed:
                raise Failure(404, "Public link sharing is disabled by the administrator")
            if share_type == EMAIL and share_with is not None and send_mail and not _EMAIL.fullmatch(share_with):
                raise Failure(404, "Please specify a valid email address")
            if share_type == LINK:
                share_with = None
            label = str(args.get("label") or "")
            if len(label) > 255:
                raise Failure(400, "Maximum label length is 255")
            if _flag(args.get("sendPasswordByTalk")):
                talk = "failed because Nextcloud Talk is not enabled"
                raise Failure(403, f"Sharing {absolute} sending the password by Nextcloud Talk {talk}")
        elif share_type == REMOTE:
            if not self.outgoing_federation:
                raise Failure(403, f"Sharing {absolute} failed because the back end does not allow shares from type 6")
            if share_with is None:
                raise Failure(404, "Please specify a valid federated account ID")
            display = ""
        elif share_type == REMOTE_GROUP:
            raise Failure(403, f"Sharing {absolute} failed because the back end does not allow shares from type 9")
        elif share_type == CIRCLE:
            if share_with is None or share_with not in self.teams:
                raise Failure(404, "Please specify a valid team")
            display = self.teams[share_with].name
        elif share_type == DECK and "deck" in self.standin.services:
            if share_with is None:
                raise Failure(404, "Please specify a valid card to share with")  # Deck's ShareAPIHelper
        elif share_type in (ROOM, DECK):
            raise Failure(403, f"Sharing {absolute} failed because the back end does not support room shares")
        elif share_type == SCIENCEMESH:
            raise Failure(403, f"Sharing {absolute} failed because the back end does not support ScienceMesh shares")
        else:
            raise Failure(400, "Unknown share type")
        # Manager::createShare
        if share_type == EMAIL and not share_with:
            raise Failure(403, "Share recipient should not be empty")
        if share_type == USER and share_with == viewer:
            raise Failure(403, "Cannot share with yourself")
        if node.rel == "" and node.mount is None:
            raise Failure(403, "You cannot share your root folder")
        if not node.permissions & SHARE:
            raise Failure(404, f"You are not allowed to share {node.name}")
        if permissions < 0 or permissions > ALL:
            raise Failure(403, "Valid permissions are required for sharing")
        if permissions & ~node.permissions:
            raise Failure(404, f"Cannot increase permissions of {node.viewer_path}")
        if share_type not in (LINK, EMAIL) and not permissions & READ:
            raise Failure(403, "Shares need at least read permissions")
        if share_type in (USER, GROUP):
            existing = next(
                (s for s in self.shares.values()
                 if s.share_type == share_type and s.share_with == share_with and self._is(s, node) and self._alive(s)),
                None,
            )  # fmt: skip
            if existing is not None:  # Nextcloud answers the existing share (and notifies again)
                return existing
        if share_type in (USER, GROUP, REMOTE):
            expiration = self._check_expiry(
                self.remote_expiry if share_type == REMOTE else self.internal_expiry, expiration, no_expiration, True
            )
        stored_password: str | None = None
        token: str | None = None
        if share_type in (LINK, EMAIL):
            if node.is_dir and not self.public_upload_allowed and permissions & (CREATE | UPDATE | DELETE):
                raise Failure(403, "Public upload is not allowed")
            token = "".join(secrets.choice(_TOKEN_CHARS) for _ in range(15))
            expiration = self._check_expiry(self.link_expiry, expiration, no_expiration, True)
            self._verify_password(password or None, update=False)
            stored_password = _hash(password) if password else None
        if share_type == REMOTE:
            token = "".join(secrets.choice(_TOKEN_CHARS) for _ in range(15))
        if share_type == USER and share_with == node.owner:
            raise Failure(403, "Cannot share with the share owner")
        if share_type == DECK:  # DeckShareProvider::create: the card, EDIT on its board, once per file
            display = self.standin.services["deck"].check_card_share(user, share_with, node.path.stat().st_ino)
        share = StoredShare(
            id=self._new_id(),
            share_type=share_type,
            owner=node.owner,
            shared_by=viewer,
            file_id=node.path.stat().st_ino,
            rel=node.rel,
            share_with=share_with,
            share_with_displayname=display,
            permissions=permissions,
            stime=int(time.time()),
            target="/" + node.name,
            expiration=expiration,
            note=str(args.get("note") or ""),
            label=str(args.get("label") or "") if share_type in (LINK, EMAIL) else "",
            token=token,
            password=stored_password,
            mail_send=bool(send_mail),
        )
        self.shares[share.id] = share
        for recipient in self.recipients(share):
            self._state(share, recipient)
        return share

    def _new_id(self) -> int:
        with self._lock:
            share_id = self._next_id
            self._next_id += 1
            return share_id

    def _link_permissions(self, permissions: int | None, public_upload: bool | None) -> int:
        permissions = READ if permissions is None else permissions
        if public_upload is not None:
            permissions = (READ | CREATE | UPDATE | DELETE) if public_upload else READ
        if permissions & READ and self.outgoing_federation:
            permissions |= SHARE
        return permissions

    def _validate_link_permissions(self, node: Node, permissions: int, public_upload: bool | None) -> None:
        if public_upload and not node.is_dir:
            raise Failure(400, "Public upload is only possible for publicly shared folders")
        if not permissions & (READ | CREATE):
            raise Failure(400, "Share must at least have READ or CREATE permissions")
        if not permissions & READ and permissions & (UPDATE | DELETE):
            raise Failure(400, "Share must have READ permission if UPDATE or DELETE permission is set")
        if permissions & CREATE and not self.public_upload_allowed:
            raise Failure(403, "Public upload disabled by the administrator")

    def _check_expiry(self, setting: Expiry, expiration: date | None, no_expiration: bool, new: bool) -> date | None:
        """Manager::validateExpirationDate{Internal,Link}: the date to keep, or Nextcloud's refusal."""
        if no_expiration and not setting.enforced:
            return expiration
        today = date.today()
        if expiration is not None and today >= expiration:
            raise Failure(404, "Expiration date is in the past")
        if new and expiration is None and setting.enabled:
            expiration = today + timedelta(days=setting.days)
        if setting.enforced:
            if expiration is None:
                raise Failure(403 if new else 400, "Expiration date is enforced" if new else "Failed to update share.")
            if today + timedelta(days=setting.days) < expiration:
                unit = "day" if setting.days == 1 else "days"
                raise Failure(404, f"Cannot set expiration date more than {setting.days} {unit} in the future")
        return expiration

    def _verify_password(self, password: str | None, *, update: bool) -> None:
        """Manager::verifyPassword with the password_policy app's length rule."""
        if password is None:
            if self.password_enforced:
                raise Failure(400 if update else 403, "Failed to update share." if update else (
                    "Passwords are enforced for link and mail shares"
                ))  # fmt: skip
            return
        if len(password) < self.password_min_length:
            raise Failure(400, f"Password needs to be at least {self.password_min_length} characters long.")

    # -- updateShare -----------------------------------------------------------------------
    def update(self, share: StoredShare, viewer: str, args: dict[str, Any]) -> None:
        """ShareAPIController::updateShare and Manager::updateShare (changes only once all checks pass)."""
        keys = (
            "permissions", "password", "sendPasswordByTalk", "publicUpload", "expireDate", "note", "label",
            "hideDownload", "attributes", "sendMail", "token",
        )  # fmt: skip
        given = {key: args.get(key) for key in keys if args.get(key) is not None}
        if not given:
            raise Failure(400, "Wrong or no update parameter given")
        node = self.view(share.owner, share)
        if node is None:
            raise Failure(404, WRONG_ID)
        permissions = share.permissions
        password = share.password
        new_password: str | None = None
        label = share.label
        hide_download = share.hide_download
        if share.share_type in (LINK, EMAIL):
            hide = _flag(given.get("hideDownload"))
            hide_download = hide_download if hide is None else hide
            if "permissions" in given or "publicUpload" in given:
                public_upload = _flag(given.get("publicUpload"))
                permissions = self._link_permissions(_int(given.get("permissions"), READ), public_upload)
                self._validate_link_permissions(node, permissions, public_upload)
            if given.get("password") == "":
                password = None
            elif "password" in given:
                new_password = str(given["password"])
                password = _hash(new_password)
            if "label" in given:
                label = str(given["label"])
                if len(label) > 255:
                    raise Failure(400, "Maximum label length is 255")
            if "token" in given:
                raise Failure(403, "Custom share link tokens have been disabled by the administrator")
        elif "permissions" in given:
            permissions = _int(given["permissions"]) or 0
        expiration = share.expiration
        if given.get("expireDate") == "":
            expiration = None
        elif "expireDate" in given:
            try:
                expiration = _parse_date(str(given["expireDate"]))
            except ValueError as exc:
                raise Failure(400, str(exc)) from None
        # Manager::updateShare -> generalCreateChecks
        owner_view = self.view(share.shared_by, share) or node
        if permissions < 0 or permissions > ALL:
            raise Failure(400, "Failed to update share.")
        if not node.is_dir and permissions & (CREATE | DELETE):
            raise Failure(400, "Failed to update share.")  # "File shares cannot have create or delete permissions"
        if permissions & ~owner_view.permissions:
            raise Failure(404, f"Cannot increase permissions of {owner_view.viewer_path}")
        if share.share_type not in (LINK, EMAIL) and not permissions & READ:
            raise Failure(400, "Failed to update share.")  # "Shares need at least read permissions"
        if expiration != share.expiration:
            setting = {LINK: self.link_expiry, EMAIL: self.link_expiry, REMOTE: self.remote_expiry}.get(
                share.share_type, self.internal_expiry
            )
            expiration = self._check_expiry(setting, expiration, False, False)
        if share.share_type in (LINK, EMAIL) and password != share.password:
            self._verify_password(new_password, update=True)
        share.permissions = permissions
        share.password = password
        share.label = label
        share.hide_download = hide_download
        share.expiration = expiration
        if "note" in given:
            share.note = str(given["note"])
        if "sendMail" in given:
            share.mail_send = bool(_flag(given["sendMail"]))

    # -- sharees ---------------------------------------------------------------------------
    def _share_types(self, query: list[tuple[str, str]], args: dict[str, Any]) -> set[int]:
        offered = {USER, GROUP, EMAIL, CIRCLE} | ({REMOTE} if self.outgoing_federation else set())
        if not self.group_sharing_allowed:
            offered.discard(GROUP)
        asked = [value for key, value in query if key in ("shareType[]", "shareType")]
        if not asked and isinstance(args.get("shareType"), list):
            asked = [str(v) for v in args["shareType"]]
        if asked:
            offered &= {int(v) for v in asked if str(v).lstrip("-").isdigit()}
        return offered

    def _entry(self, share_type: int, who: str, label: str) -> dict[str, Any]:
        """One sharee, in the shape the contract describes for its kind."""
        entry: dict[str, Any] = {"label": label or who, "value": {"shareType": share_type, "shareWith": who}}
        if share_type == USER:
            user = self.standin.users.get(who)
            entry.update(
                subline="",
                icon="icon-user",
                shareWithDisplayNameUnique=(user.email if user is not None else None) or who,
                status={"status": "offline", "message": "", "icon": "", "clearAt": None},
            )
        elif share_type == EMAIL:
            entry.update(uuid=who, name=label if label != who else "", type="", shareWithDisplayNameUnique=who)
        elif share_type in (REMOTE, REMOTE_GROUP):
            server = who.rpartition("@")[2]
            entry.update(uuid=who, name=who, type="", guid=who)
            entry["value"]["server"] = server
        elif share_type == CIRCLE:
            entry["shareWithDescription"] = ""
            entry["value"]["circle"] = who
        return entry

    def _search(self, user: User, search: str, wanted: set[int], offset: int, limit: int) -> dict[str, Any]:
        folded = search.casefold()
        lists: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}

        def matched(*fields: str | None) -> tuple[bool, bool]:
            values = [f.casefold() for f in fields if f]
            return any(v == folded for v in values), not folded or any(folded in v for v in values)

        users: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], [])
        if USER in wanted:
            for uid, other in sorted(self.standin.users.items()):
                if uid == user.id or not uid:
                    continue
                exact, partial = matched(uid, other.display_name, other.email)
                if exact or partial:
                    (users[0] if exact else users[1]).append(self._entry(USER, uid, other.display_name))
        lists["users"] = users
        groups: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], [])
        if GROUP in wanted:
            for gid, group in sorted(self.groups.items()):
                exact, partial = matched(gid, group.display_name)
                if exact or partial:
                    (groups[0] if exact else groups[1]).append(self._entry(GROUP, gid, group.display_name))
        lists["groups"] = groups
        circles: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], [])
        if CIRCLE in wanted:
            for team_id, team in sorted(self.teams.items()):
                exact, partial = matched(team.name)
                if exact or partial:
                    (circles[0] if exact else circles[1]).append(self._entry(CIRCLE, team_id, team.name))
        lists["circles"] = circles
        looks_like_email = bool(_EMAIL.fullmatch(search))
        lists["emails"] = ([self._entry(EMAIL, search, search)] if EMAIL in wanted and looks_like_email else [], [])
        remote = "@" in search and search.rpartition("@")[0] != "" and "." in search.rpartition("@")[2]
        lists["remotes"] = ([self._entry(REMOTE, search, search)] if REMOTE in wanted and remote else [], [])
        lists["remote_groups"] = ([], [])
        lists["rooms"] = ([], [])
        result: dict[str, Any] = {"exact": {}, "lookup": [], "lookupEnabled": False}
        for key, (exact, rest) in lists.items():
            result["exact"][key] = exact
            result[key] = rest[offset : offset + limit]
        return result


# -- contract samples -------------------------------------------------------------------------
def _file(context: Any, role: str, path: str, content: bytes = b"shared") -> None:
    target = Path(context.standin.files_root(context.users[role])) / path
    target.parent.mkdir(parents=True, exist_ok=True)
    if path.endswith("/"):
        target.mkdir(exist_ok=True)
    else:
        target.write_bytes(content)


def _share(context: Any, role: str, args: dict[str, Any]) -> StoredShare:
    app: FilesSharingApp = context.app
    with app._lock:
        return app.create(context.users[role], args)


def _user_share(context: Any) -> dict[str, str]:
    name = f"ct-{secrets.token_hex(4)}"
    _file(context, "alice", f"{name}/a.txt")
    share = _share(context, "alice", {"path": name, "shareType": USER, "shareWith": context.users["bob"].id})
    return {"id": str(share.id), "name": name}


def _pending_share(context: Any) -> dict[str, str]:
    app: FilesSharingApp = context.app
    bob = context.users["bob"].id
    app.set_accept_by_default(bob, False)
    try:
        return _user_share(context)
    finally:
        app.set_accept_by_default(bob, True)


def _link_share(context: Any) -> dict[str, str]:
    name = f"ct-{secrets.token_hex(4)}.txt"
    _file(context, "alice", name)
    share = _share(context, "alice", {"path": name, "shareType": LINK})
    return {"id": str(share.id), "name": name}


def _two_recipients(context: Any) -> dict[str, str]:
    """alice's folder shared with bob (all permissions) and with admin: bob may reshare, not delete admin's."""
    shared = _user_share(context)
    admin = context.users["admin"].id
    other = _share(context, "alice", {"path": shared["name"], "shareType": USER, "shareWith": admin})
    return {"id": str(other.id)}


def _folder(context: Any) -> dict[str, str]:
    name = f"ct-{secrets.token_hex(4)}"
    _file(context, "alice", f"{name}/")
    return {"name": name}


def _a_group(context: Any) -> dict[str, str]:
    context.app.add_group("ct-marketing", context.users["bob"].id, display_name="Marketing")
    return _folder(context)


def _deck_card(context: Any) -> dict[str, str]:
    """A file of alice's and of bob's, and a card on alice's Deck board (type 12 shares are Deck's attachments)."""
    deck = context.standin.services["deck"]
    board = deck.add_board(context.users["alice"].id, "Attachments")
    card = deck.add_card(deck.add_stack(board.id, "To do", 0).id, "Spec", context.users["alice"].id)
    name = f"ct-{secrets.token_hex(4)}.txt"
    _file(context, "alice", name)
    _file(context, "bob", name)
    return {"name": name, "card": str(card.id)}


SHARES = API + "/shares"
ONE = SHARES + "/{id}"
SAMPLES = [
    Sample("GET", SHARES, setup=_user_share, note="the shares alice made"),
    Sample("GET", SHARES, user="bob", query={"shared_with_me": "true"}, setup=_user_share),
    Sample("GET", SHARES, query={"path": "{name}", "subfiles": "true"}, setup=_user_share),
    Sample("GET", SHARES.replace("/v2.php/", "/v1.php/"), 100, setup=_user_share, note="v1 envelope"),
    Sample("GET", SHARES, 404, query={"path": "no-such-folder"}),
    Sample("POST", SHARES, json={"path": "{name}", "shareType": 1, "shareWith": "ct-marketing"}, setup=_a_group),
    Sample("POST", SHARES, json={"path": "{name}", "shareType": 3, "password": "long-enough-pw"}, setup=_folder),
    Sample(
        "POST",
        SHARES,
        400,
        json={"path": "{name}", "shareType": 3, "password": "short"},
        setup=_folder,
        note="password policy",
    ),
    Sample(
        "POST",
        SHARES,
        403,
        json={"path": "{name}", "shareType": 10, "shareWith": "room1"},
        setup=_folder,
        note="no Talk: room shares are not offered",
    ),
    Sample("POST", SHARES, json={"path": "{name}", "shareType": 12, "shareWith": "{card}"}, setup=_deck_card),
    Sample(
        "POST",
        SHARES,
        404,
        user="bob",
        json={"path": "{name}", "shareType": 12, "shareWith": "{card}"},
        setup=_deck_card,
        note="bob cannot edit alice's card: Deck's provider says it is not found",
    ),
    Sample(
        "POST",
        SHARES,
        404,
        json={"path": "{name}", "shareType": 3, "expireDate": "2000-01-01"},
        setup=_folder,
        note="expiry in the past",
    ),
    Sample("GET", ONE, setup=_user_share),
    Sample("GET", ONE, 404, user="admin", setup=_user_share, note="someone else's share"),
    Sample("PUT", ONE, json={"permissions": 1, "note": "read only"}, setup=_user_share),
    Sample("PUT", ONE, 400, json={}, setup=_user_share, note="nothing to change"),
    Sample("PUT", ONE, 403, user="bob", json={"permissions": 1}, setup=_user_share, note="an incoming share"),
    Sample("PUT", SHARES + "/999999999", 404, json={"permissions": 1}),
    Sample("DELETE", ONE, setup=_user_share),
    Sample("DELETE", ONE, 404, user="admin", setup=_user_share),
    Sample("DELETE", ONE, 403, user="bob", setup=_two_recipients, note="bob may see admin's share, not delete it"),
    Sample("GET", SHARES + "/pending", user="bob", setup=_pending_share),
    Sample("POST", SHARES + "/pending/{id}", user="bob", setup=_pending_share),
    Sample("POST", SHARES + "/pending/{id}", 400, setup=_link_share, note="a link cannot be accepted"),
    Sample("POST", SHARES + "/pending/999999999", 404, user="bob"),
    Sample("GET", API + "/sharees", query={"search": "ct-"}, setup=_a_group),
    Sample("GET", API + "/sharees", 400, query={"search": "x", "perPage": "0"}),
    Sample("GET", API + "/sharees_recommended", query={"itemType": "file"}, setup=_user_share),
]
