"""Nextcloud's provisioning_api: accounts and groups over OCS (`cloud/users`, `cloud/groups`).

As UsersController, GroupsController and AUserData answer (Nextcloud 28-31):

- Who may do what: administrators are the members of the `admin` group (the user `admin` is one
  from the start); a group admin (`make_group_admin`) manages the accounts in their groups. For
  anyone else Nextcloud never says "not an admin": the list of accounts is empty, another
  account's details, changes, enabling, disabling and deletion are 404 with no message, creating
  one is 400 "no group specified (required for subadmins)" (or "insufficient privileges for group
  ..." with groups), a group's members 403. One's own account is always readable, and its
  display name, email, language, locale, password and profile fields changeable; quota and
  manager only by an administrator.
- Errors carry Nextcloud's OCS codes (101 invalid input, 102 exists/invalid value, 103, 104 no such
  group, 105, 106, 107 password policy, 108 no password nor email, 113 field not editable). On v2
  Nextcloud sends them as HTTP 400 with the code in `meta.statuscode`; the kit can send only one
  status for both, so they go out as 400 (the v2 HTTP status is right, the meta code says 400).
  Missing or foreign accounts are 404 ("User does not exist" for an unknown id when reading).
- A disabled account cannot sign in (401), as in Nextcloud: its secrets are set aside while it is
  disabled and given back when it is enabled. A deleted account is gone with its files, and every
  app of the stand-in that keeps per-user state is told (`forget_user`).
- Account details are those of `cloud/user` (tests/standin/ocs.py), where this app's state
  (groups, group admin rights, profile fields, enabled) joins them; others see `enabled` only as
  admins or group admins, `storageLocation` only as admins.

Groups: the one directory of the stand-in. files_sharing keeps its groups for sharees; when it is
mounted, its `groups` dict is this app's directory too (one set of groups, whichever test adds them).
"""

from __future__ import annotations

import re
import secrets
import shutil
import threading
from dataclasses import dataclass, field
from typing import Any

from tests.standin.core import User
from tests.standin.kit import EmulatedApp, Failure, Reply, Request, Sample, route
from tests.standin.ocs import user_details

CONTRACT = "nextcloud-31/provisioning_api.openapi.json"
USERS = "/ocs/v2.php/cloud/users"
GROUPS = "/ocs/v2.php/cloud/groups"
ADMIN = "admin"
LOGIN = re.compile(r"[a-zA-Z0-9 _.@\-']+")
LANGUAGES = {"en", "en_GB", "de", "de_DE", "fr", "es", "it", "nl", "pt_BR", "pl", "sv", "ja", "zh_CN"}
LOCALES = {"en_US", "en_GB", "de_DE", "de_CH", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR", "pl_PL", "sv_SE"}
PROFILE = ("phone", "address", "website", "twitter", "fediverse", "organisation", "role", "headline", "biography")
SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgtp]?)b?", re.IGNORECASE)


@dataclass
class Group:
    """A group: the same attributes as files_sharing's, whose directory this is when it is mounted."""

    id: str
    display_name: str
    members: set[str] = field(default_factory=set)


@dataclass
class Account:
    """What Nextcloud keeps about an account beyond the stand-in's `User`."""

    enabled: bool = True
    language: str = "en"
    locale: str = ""
    manager: str = ""
    profile: dict[str, str] = field(default_factory=dict)
    aside: tuple[str, list[str]] | None = None
    """The password and app passwords of a disabled account, given back when it is enabled."""


def file_size(value: str) -> int | None:
    """Bytes of a quota such as '5 GB', '512MB' or '1073741824'; None when it is not one."""
    match = SIZE.fullmatch(value.strip())
    if match is None:
        return None
    number, unit = float(match.group(1)), match.group(2).lower()
    return int(number * 1024 ** " kmgtp".index(unit or " "))


class ProvisioningApp(EmulatedApp):
    """provisioning_api (see the module docstring)."""

    app_id = "provisioning_api"
    prefixes = (USERS, GROUPS)

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self._lock = threading.RLock()
        sharing = standin.services.get("files_sharing")
        shared = getattr(sharing, "groups", None)
        self.groups: dict[str, Any] = shared if isinstance(shared, dict) else {}
        self.group_admins: dict[str, set[str]] = {}
        """Group id -> the accounts that administer it (subadmins)."""
        self.accounts: dict[str, Account] = {}
        self.groups.setdefault(ADMIN, Group(ADMIN, ADMIN))

    # -- what tests and other apps use ---------------------------------------------------------
    def provision(self, user: User) -> None:
        with self._lock:
            self.accounts.setdefault(user.id, Account())
            if user.id == ADMIN:
                self.groups[ADMIN].members.add(user.id)

    def add_group(self, group_id: str, *members: str, display_name: str | None = None) -> Any:
        with self._lock:
            group = self.groups.setdefault(group_id, Group(group_id, display_name or group_id))
            group.members.update(members)
            return group

    def make_group_admin(self, user_id: str, group_id: str) -> None:
        with self._lock:
            self.add_group(group_id)
            self.group_admins.setdefault(group_id, set()).add(user_id)

    def account(self, user_id: str) -> Account:
        with self._lock:
            return self.accounts.setdefault(user_id, Account())

    def groups_of(self, user_id: str) -> list[str]:
        return sorted(gid for gid, group in list(self.groups.items()) if user_id in group.members)

    def administered_by(self, user_id: str) -> list[str]:
        return sorted(gid for gid, admins in self.group_admins.items() if user_id in admins)

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.groups[ADMIN].members

    def manages(self, manager: str, user_id: str) -> bool:
        """An administrator, or a group admin of one of the account's groups (isUserAccessible)."""
        if self.is_admin(manager):
            return True
        if self.is_admin(user_id):  # a group admin never manages an administrator
            return False
        return bool(set(self.administered_by(manager)) & set(self.groups_of(user_id)))

    def account_fields(self, user: User) -> dict[str, Any]:
        """What this app adds to an account's details (`cloud/user`, `cloud/users/{id}`)."""
        account = self.account(user.id)
        return {
            "enabled": account.enabled,
            "groups": self.groups_of(user.id),
            "subadmin": self.administered_by(user.id),
            "language": account.language,
            "locale": account.locale,
            "manager": account.manager,
            **{name: account.profile.get(name, "") for name in PROFILE},
        }

    def capabilities(self, user: User) -> dict[str, Any]:
        return {
            "provisioning_api": {
                "version": "1.21.0",
                "AccountPropertyScopesVersion": 2,
                "AccountPropertyScopesFederatedEnabled": True,
                "AccountPropertyScopesPublishedEnabled": True,
            }
        }

    # -- accounts ------------------------------------------------------------------------------
    def _target(self, request: Request, *, missing: str = "") -> User:
        user: User | None = self.standin.users.get(request.params["userId"])
        if user is None:
            raise Failure(404, missing)
        return user

    def _may_manage(self, request: Request, target: User) -> None:
        if not self.manages(request.user.id, target.id):
            raise Failure(404, "")  # OCSController::RESPOND_NOT_FOUND, no message

    @route("GET", USERS, contract=CONTRACT)
    async def list_users(self, request: Request) -> Reply:
        args = request.args()
        search = str(args.get("search", "")).casefold()
        me = request.user.id
        with self._lock:
            if self.is_admin(me):
                candidates = set(self.standin.users)
            else:
                candidates = {uid for gid in self.administered_by(me) for uid in self.groups[gid].members}
            found = sorted(uid for uid in candidates if uid in self.standin.users and self._matches(uid, search))
        offset = int(args.get("offset") or 0)
        limit = args.get("limit")
        return Reply(200, {"users": found[offset : offset + int(limit) if limit not in (None, "") else None]})

    def _matches(self, user_id: str, search: str) -> bool:
        user = self.standin.users[user_id]
        return not search or any(search in (text or "").casefold() for text in (user.id, user.display_name, user.email))

    @route("POST", USERS, contract=CONTRACT)
    async def add_user(self, request: Request) -> Reply:
        args = request.args()
        user_id = str(args.get("userid", ""))
        password, email = str(args.get("password", "")), str(args.get("email", ""))
        groups = [str(g) for g in args.get("groups") or []]
        me = request.user.id
        with self._lock:
            admin = self.is_admin(me)
            if user_id in self.standin.users:
                raise Failure(400, "User already exists")  # 102
            for gid in groups:
                if gid not in self.groups:
                    raise Failure(400, f"group {gid} does not exist")  # 104
                if not admin and gid not in self.administered_by(me):
                    raise Failure(400, f"insufficient privileges for group {gid}")  # 105
            if not groups and not admin:
                raise Failure(400, "no group specified (required for subadmins)")  # 106
            if not password:
                if not email:
                    raise Failure(400, "To send a password link to the user an email address is required.")  # 108
                password = secrets.token_urlsafe(12)
            if user_id.strip() != user_id or not LOGIN.fullmatch(user_id):
                raise Failure(400, 'Only the following characters are allowed in a login: "a-z", "A-Z", "0-9", '
                              "spaces and \"_.@-'\"")  # fmt: skip  # 101
            quota = str(args.get("quota", ""))
            if quota and quota not in ("none", "default") and file_size(quota) is None:
                raise Failure(400, f"Invalid quota value {quota}")  # 102 (editUser)
            language = str(args.get("language", ""))
            if language and language not in LANGUAGES:
                raise Failure(400, "Invalid language")
            display = str(args.get("displayName", ""))
            user = self.standin.add_user(user_id, password, display_name=display or None, email=email or None)
            user.quota = file_size(quota) if quota and quota not in ("none", "default") else None
            account = self.account(user_id)
            account.language = language or account.language
            for gid in groups:
                self.groups[gid].members.add(user_id)
        return Reply(200, {"id": user_id})

    @route("GET", USERS + "/{userId}", contract=CONTRACT)
    async def get_user(self, request: Request) -> Reply:
        target = self._target(request, missing="User does not exist")
        me = request.user.id
        if target.id != me:
            self._may_manage(request, target)
        details = user_details(self.standin, target)
        if not self.manages(me, target.id):
            details.pop("enabled", None)  # only administrators and group admins are told
        if not self.is_admin(me):
            details.pop("storageLocation", None)
        return Reply(200, details)

    @route("PUT", USERS + "/{userId}", contract=CONTRACT)
    async def edit_user(self, request: Request) -> Reply:
        target = self._target(request)
        args = request.args()
        key, value = str(args.get("key", "")), str(args.get("value", ""))
        me = request.user.id
        own = {"display", "displayname", "email", "password", "language", "locale", *PROFILE}
        if target.id == me:
            allowed = own | ({"quota", "manager"} if self.is_admin(me) else set())
        else:
            self._may_manage(request, target)
            allowed = own | {"quota", "manager"}
        if key not in allowed:
            raise Failure(400, "")  # 113
        with self._lock:
            account = self.account(target.id)
            if key in ("display", "displayname"):
                target.display_name = value
            elif key == "email":
                if value and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
                    raise Failure(400, "")  # 101
                target.email = value or None
            elif key == "password":
                target.password = value
            elif key == "quota":
                if value in ("none", "default"):
                    target.quota = None
                elif (size := file_size(value)) is None:
                    raise Failure(400, f"Invalid quota value {value}")  # 102
                else:
                    target.quota = size
            elif key == "language":
                if value not in LANGUAGES:
                    raise Failure(400, "Invalid language")  # 102
                account.language = value
            elif key == "locale":
                if value not in LOCALES:
                    raise Failure(400, "Invalid locale")  # 102
                account.locale = value
            elif key == "manager":
                account.manager = value
            else:
                account.profile[key] = value
        return Reply(200, [])

    @route("DELETE", USERS + "/{userId}", contract=CONTRACT)
    async def delete_user(self, request: Request) -> Reply:
        target = self._target(request)
        if target.id == request.user.id:
            raise Failure(400, "")  # 101: not oneself
        self._may_manage(request, target)
        self.remove(target.id)
        return Reply(200, [])

    def remove(self, user_id: str) -> None:
        """Delete an account as Nextcloud does: gone from every group, its files, and every app's state."""
        with self._lock:
            self.standin.users.pop(user_id, None)
            self.accounts.pop(user_id, None)
            for group in self.groups.values():
                group.members.discard(user_id)
            for admins in self.group_admins.values():
                admins.discard(user_id)
        shutil.rmtree(self.standin.files_root(user_id), ignore_errors=True)
        for service in list(self.standin.services.values()):
            forget = getattr(service, "forget_user", None)
            if forget is not None:
                forget(user_id)

    @route("PUT", USERS + "/{userId}/enable", contract=CONTRACT)
    async def enable_user(self, request: Request) -> Reply:
        self.set_enabled(self._enabling(request), True)
        return Reply(200, [])

    @route("PUT", USERS + "/{userId}/disable", contract=CONTRACT)
    async def disable_user(self, request: Request) -> Reply:
        self.set_enabled(self._enabling(request), False)
        return Reply(200, [])

    def _enabling(self, request: Request) -> User:
        target: User | None = self.standin.users.get(request.params["userId"])
        if target is None or target.id == request.user.id:
            raise Failure(400, "")  # 101
        self._may_manage(request, target)
        return target

    def set_enabled(self, user: User, enabled: bool) -> None:
        with self._lock:
            account = self.account(user.id)
            if enabled and account.aside is not None:
                user.password, user.app_passwords = account.aside[0], list(account.aside[1])
                account.aside = None
            elif not enabled and account.aside is None:
                account.aside = (user.password, list(user.app_passwords))
                user.password, user.app_passwords = secrets.token_hex(32), []
            account.enabled = enabled

    # -- groups --------------------------------------------------------------------------------
    @route("GET", GROUPS, contract=CONTRACT)
    async def list_groups(self, request: Request) -> Reply:
        return Reply(200, {"groups": [group.id for group in self._groups(request)]})

    @route("GET", GROUPS + "/details", contract=CONTRACT)
    async def groups_details(self, request: Request) -> Reply:
        details = []
        for group in self._groups(request):
            members = [uid for uid in group.members if uid in self.standin.users]
            disabled = sum(1 for uid in members if not self.account(uid).enabled)
            details.append(
                {
                    "id": group.id,
                    "displayname": group.display_name,
                    "usercount": len(members),
                    "disabled": disabled,
                    "canAdd": True,
                    "canRemove": True,
                }
            )
        return Reply(200, {"groups": details})

    def _groups(self, request: Request) -> list[Any]:
        args = request.args()
        search = str(args.get("search", "")).casefold()
        with self._lock:
            found = [
                g
                for gid, g in sorted(self.groups.items())
                if search in gid.casefold() or search in g.display_name.casefold()
            ]
        offset = int(args.get("offset") or 0)
        limit = args.get("limit")
        return found[offset : offset + int(limit) if limit not in (None, "") else None]

    @route("GET", GROUPS + "/{groupId}/users", contract=CONTRACT)
    async def group_users(self, request: Request) -> Reply:
        gid = request.params["groupId"]
        with self._lock:
            group = self.groups.get(gid)
            if group is None:
                raise Failure(404, "The requested group could not be found")
            me = request.user.id
            if not self.is_admin(me) and gid not in self.administered_by(me):
                raise Failure(403, "")
            return Reply(200, {"users": sorted(uid for uid in group.members if uid in self.standin.users)})


def _member_account(context: Any) -> dict[str, str]:
    """A fresh account in a fresh group, that group administered by bob."""
    app: ProvisioningApp = context.app
    user_id, group_id = f"ct-{secrets.token_hex(4)}", f"ct-group-{secrets.token_hex(3)}"
    context.standin.add_user(user_id, "contract-password-1", email=f"{user_id}@example.com")
    app.add_group(group_id, user_id)
    app.make_group_admin(context.users["bob"].id, group_id)
    return {"target": user_id, "group": group_id}


def _new_id(context: Any) -> dict[str, str]:
    return {"new": f"ct-new-{secrets.token_hex(4)}"}


V1 = "/ocs/v1.php/cloud/users"
SAMPLES = [
    Sample("GET", USERS, 200, user="admin", query={"search": "ct-"}),
    Sample("GET", USERS, 200, query={"search": "ct-"}, note="a plain user lists no one"),
    Sample("POST", USERS, 200, user="admin", json={"userid": "{new}", "password": "pw-Contract-1"}, setup=_new_id),
    Sample(
        "POST",
        USERS,
        200,
        user="bob",
        json={"userid": "{new}", "email": "n@example.com", "groups": ["{group}"]},
        setup=lambda c: {**_member_account(c), **_new_id(c)},
        note="a group admin, into their group",
    ),
    Sample("POST", V1, 400, json={"userid": "{new}", "password": "pw-Contract-1"}, setup=_new_id, note="106"),
    Sample("POST", V1, 400, user="admin", json={"userid": "{alice}", "password": "pw-Contract-1"}, note="102"),
    Sample("POST", V1, 400, user="admin", json={"userid": "{new}"}, setup=_new_id, note="108: no password, no email"),
    Sample("GET", USERS + "/{alice}", 200),
    Sample("GET", USERS + "/{target}", 200, user="admin", setup=_member_account),
    Sample("GET", USERS + "/{target}", 200, user="bob", setup=_member_account, note="a group admin"),
    Sample("GET", V1 + "/{bob}", 998, note="another account, as a plain user"),
    Sample("GET", V1 + "/no-such-user", 998, user="admin"),
    Sample("PUT", USERS + "/{alice}", 200, json={"key": "displayname", "value": "Alice C."}),
    Sample(
        "PUT", USERS + "/{target}", 200, user="admin", json={"key": "quota", "value": "5 GB"}, setup=_member_account
    ),
    Sample("PUT", V1 + "/{alice}", 400, json={"key": "quota", "value": "5 GB"}, note="113: not one's own quota"),
    Sample("PUT", V1 + "/{bob}", 998, json={"key": "displayname", "value": "x"}),
    Sample("PUT", USERS + "/{target}/disable", 200, user="admin", setup=_member_account),
    Sample("PUT", USERS + "/{target}/enable", 200, user="bob", setup=_member_account),
    Sample("PUT", V1 + "/{target}/disable", 998, setup=_member_account, note="a plain user"),
    Sample("PUT", V1 + "/{admin}/enable", 400, user="admin", note="101: not oneself"),
    Sample("DELETE", USERS + "/{target}", 200, user="admin", setup=_member_account),
    Sample("DELETE", V1 + "/{target}", 998, setup=_member_account, note="a plain user"),
    Sample("GET", GROUPS, 200),
    Sample("GET", GROUPS + "/details", 200, query={"search": "ct-group"}, setup=_member_account),
    Sample("GET", GROUPS + "/{group}/users", 200, user="admin", setup=_member_account),
    Sample("GET", GROUPS + "/{group}/users", 200, user="bob", setup=_member_account),
    Sample("GET", GROUPS + "/{group}/users", 403, setup=_member_account),
    Sample("GET", GROUPS + "/no-such-group/users", 404, user="admin"),
]
