"""Teams (`circles`, Nextcloud 31: circles v31.0.9) over OCS `apps/circles`: LocalController's routes.

As nextcloud/circles v31.0.9 defines them in appinfo/routes.php, lib/Controller/LocalController.php,
the federated items that check each change (lib/FederatedItems/{CircleCreate,CircleEdit,
CircleConfig,CircleDestroy,CircleJoin,CircleLeave,SingleMemberAdd,MemberRemove,MemberLevel}.php),
lib/Model/Helpers/MemberHelper.php, lib/Model/{Circle,Member}.php (their JSON) and the visibility
rules of lib/Db/CoreQueryBuilder.php `limitInitiatorVisibility`:

- Visibility: a team is seen by its members (directly, as invited or requesting, or through a group
  that is a member), by everyone when it is visible (config 8), and a personal one (2) by its owner
  only. Details, join and leave also reach an open (16) team that is not visible
  (`includeNonVisibleCircles`). Anything else is 404 "Circle not found" (a secret team).
- `GET circles`: the teams the caller sees (hidden and backend ones left out); a visible team the
  caller is not in shows only its visible and open bits (LocalController::circles).
- `POST circles {name, personal}`: the caller owns it (level 9); the name is trimmed and its blanks
  folded, under 3 characters is 400 "Circle name is too short"; a display name taken gets " (2)".
- `PUT circles/{id}/name|description {value}`: owner only (CircleEdit `mustBeOwner`).
  `PUT .../config {value}`: admins; the core bits (1, 2, 4) and system bits (512, 1024, 2048) or a
  value over 262143 are 400 "Configuration value is not valid"; request (64) turns open (16) on.
- `DELETE circles/{id}`: owner only. `PUT .../join`: a known member is 400 122 "You are already a
  member" (123 when requesting; an invited one becomes a member), a team not open 400 124 "Circle
  is closed", one needing approval (64) adds a requesting member of level 0. `PUT .../leave`: not a
  member is 400 120, the owner 400 "Member cannot be owner".
- `GET .../members`: every member for a member, [] for anyone else who sees the team.
  `POST .../members {userId, type}` (1 user, 2 group, 4 mail): moderators, or any member of a
  friends (128) team; an unknown user 404 "user <id> not found", group 404 "group not found",
  another type 400 132; already there 400 122 (123 invited); invite teams (32) invite users and
  groups (level 0, Invited), a requesting member is confirmed. `PUT .../members/{memberId}`:
  confirms a requesting member, as adding them does.
- `DELETE .../members/{memberId}`: moderators, of a member below their own level, never the owner.
- `PUT .../members/{memberId}/level {level}` (an integer or a level name): a level other than 1, 4,
  8, 9 is 400 121 "Available levels: 1, 4, 8, 9"; the same level 400; moderators up to their own
  level over members at or below it (hard moderation off); owner (9) only from the owner, to a
  confirmed member, the old owner becoming admin (8).
- A level a rule needs and the caller lacks is 400 "Insufficient rights" (MemberLevelException);
  a member not in the team 404 with no message; an OCSException with a code of its own (120-132) is
  HTTP 400 with that code in the meta.

Newer releases (circles 32+) check membership in the controller and answer 403 "Insufficient
permissions to perform this action" instead; the client reads both. Not emulated: federation,
contacts and nested teams as members, invitations by link, avatars, settings, search.

Capabilities: `{"circles": {"version", "status", "settings", "circle", "member"}}` (AppInfo/Capabilities.php).
Contract: the app publishes no API description and ../shared/contracts holds none; the routes name
SOURCES.md (the sources above are cited here).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from tests.standin.core import User
from tests.standin.kit import EmulatedApp, Failure, Reply, Request, Sample, route

CONTRACT = "SOURCES.md"
BASE = "/ocs/v2.php/apps/circles/circles"
TEAM = BASE + "/{circleId}"
MEMBER = TEAM + "/members/{memberId}"

MEMBER_LEVEL, MODERATOR, ADMIN, OWNER = 1, 4, 8, 9
USER, GROUP, MAIL = 1, 2, 4
SINGLE, PERSONAL, SYSTEM, VISIBLE, OPEN, INVITE, REQUEST, FRIEND = 1, 2, 4, 8, 16, 32, 64, 128
HIDDEN, BACKEND = 1024, 2048
NOT_SETTABLE = (1, 2, 4, 512, 1024, 2048)
CFG_MAX = 262143
INSUFFICIENT = "Insufficient rights"


def _token() -> str:
    return secrets.token_hex(16)[:31]


@dataclass
class StoredTeam:
    id: str
    name: str
    display_name: str
    description: str
    config: int
    creation: int


@dataclass
class StoredMember:
    id: str
    team_id: str
    user_id: str
    user_type: int
    level: int
    status: str
    display_name: str
    single_id: str
    joined: str


class CirclesApp(EmulatedApp):
    """Teams (see the module docstring)."""

    app_id = "circles"
    prefixes = ("/ocs/v2.php/apps/circles/",)

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self._lock = threading.RLock()
        self.teams: dict[str, StoredTeam] = {}
        self.members: dict[str, StoredMember] = {}

    def capabilities(self, user: User) -> dict[str, Any]:
        return {
            "circles": {
                "version": "31.0.0",
                "status": {"globalScale": False},
                "settings": {"frontendEnabled": True, "allowedCircles": 262143, "allowedUserTypes": 31,
                             "membersLimit": -1},
                "circle": {"constants": {"flags": {"8": "Visible", "16": "Open", "32": "Invite",
                                                   "64": "Join request", "128": "Friends"}},
                           "config": {"coreFlags": [1, 2, 4], "systemFlags": [512, 1024, 2048]}},
                "member": {"constants": {"level": {"1": "Member", "4": "Moderator", "8": "Admin", "9": "Owner"}},
                           "type": {"0": "single", "1": "user", "2": "group", "4": "mail", "8": "contact",
                                    "16": "circle", "10000": "app"}},
            }
        }  # fmt: skip

    # -- what tests use ------------------------------------------------------------------------
    def team_members(self, team_id: str) -> list[StoredMember]:
        with self._lock:
            return [m for m in self.members.values() if m.team_id == team_id]

    def member_of(self, team_id: str, user_id: str, user_type: int = USER) -> StoredMember | None:
        return next((m for m in self.team_members(team_id) if m.user_id == user_id and m.user_type == user_type), None)

    # -- rules -----------------------------------------------------------------------------------
    def _groups_of(self, user_id: str) -> list[str]:
        directory = self.standin.services.get("provisioning_api")
        return list(directory.groups_of(user_id)) if directory is not None else []

    def _group_exists(self, group_id: str) -> bool:
        directory = self.standin.services.get("provisioning_api")
        return directory is not None and group_id in directory.groups

    def _initiator(self, team: StoredTeam, user_id: str) -> StoredMember | None:
        """The caller's membership: their own row, else the highest group row they are in (inherited)."""
        direct = self.member_of(team.id, user_id)
        if direct is not None and direct.level > 0:
            return direct
        groups = set(self._groups_of(user_id))
        inherited = [m for m in self.team_members(team.id)
                     if m.user_type == GROUP and m.user_id in groups and m.level > 0]  # fmt: skip
        if inherited:
            return max(inherited, key=lambda m: m.level)
        return direct

    def _level(self, team: StoredTeam, user_id: str) -> int:
        found = self._initiator(team, user_id)
        return found.level if found is not None else 0

    def _sees(self, team: StoredTeam, user_id: str, *, open_secret: bool = False) -> bool:
        if team.config & PERSONAL:
            return self._level(team, user_id) == OWNER
        if self._initiator(team, user_id) is not None:
            return True
        if team.config & VISIBLE:
            return True
        return open_secret and bool(team.config & OPEN)

    def _team(self, request: Request, *, open_secret: bool = False) -> StoredTeam:
        with self._lock:
            team = self.teams.get(request.params["circleId"])
        if team is None or not self._sees(team, request.user.id, open_secret=open_secret):
            raise Failure(404, "Circle not found")
        return team

    @staticmethod
    def _must(level: int, at_least: int) -> None:
        if level < at_least:
            raise Failure(400, INSUFFICIENT)

    def _member(self, team: StoredTeam, member_id: str) -> StoredMember:
        with self._lock:
            found = self.members.get(member_id)
        if found is None or found.team_id != team.id:
            raise Failure(404, "")
        return found

    def _display_name(self, user_id: str, user_type: int) -> str:
        if user_type == USER and user_id in self.standin.users:
            return self.standin.users[user_id].display_name or user_id
        if user_type == GROUP:
            directory = self.standin.services.get("provisioning_api")
            group = directory.groups.get(user_id) if directory is not None else None
            return str(getattr(group, "display_name", user_id) or user_id)
        return user_id

    def _new_member(self, team: StoredTeam, user_id: str, user_type: int, level: int, status: str) -> StoredMember:
        name = self._display_name(user_id, user_type)
        joined = time.strftime("%Y-%m-%d %H:%M:%S")
        member = StoredMember(_token(), team.id, user_id, user_type, level, status, name, _token(), joined)
        self.members[member.id] = member
        return member

    def _display_name_free(self, name: str, team_id: str) -> str:
        taken = {t.display_name for t in self.teams.values() if t.id != team_id}
        candidate, n = name, 1
        while candidate in taken:
            n += 1
            candidate = f"{name} ({n})"
        return candidate

    # -- JSON --------------------------------------------------------------------------------------
    @staticmethod
    def member_json(member: StoredMember) -> dict[str, Any]:
        return {
            "id": member.id,
            "circleId": member.team_id,
            "singleId": member.single_id,
            "userId": member.user_id,
            "userType": member.user_type,
            "instance": "",
            "local": True,
            "level": member.level,
            "status": member.status,
            "displayName": member.display_name,
            "displayUpdate": 0,
            "notes": [],
            "contactId": "",
            "contactMeta": "",
            "joined": member.joined,
        }

    def team_json(self, team: StoredTeam, user_id: str, *, listing: bool = False) -> dict[str, Any]:
        members = self.team_members(team.id)
        owner = next((m for m in members if m.level == OWNER), None)
        initiator = self._initiator(team, user_id)
        config = team.config
        if listing and initiator is None and config & VISIBLE:
            config &= VISIBLE | OPEN
        data: dict[str, Any] = {
            "id": team.id,
            "name": team.name,
            "displayName": team.display_name,
            "sanitizedName": team.name,
            "source": 16,
            "population": sum(1 for m in members if m.level > 0),
            "config": config,
            "description": team.description,
            "url": "",
            "creation": team.creation,
            "initiator": self.member_json(initiator) if initiator is not None else None,
        }
        if owner is not None:
            data["owner"] = self.member_json(owner)
        if initiator is not None and initiator.level >= ADMIN:
            data["settings"] = {}
        return data

    # -- teams -------------------------------------------------------------------------------------
    @route("GET", BASE, contract=CONTRACT)
    async def list_teams(self, request: Request) -> Reply:
        with self._lock:
            found = [t for t in self.teams.values()
                     if not t.config & (HIDDEN | BACKEND) and self._sees(t, request.user.id)]  # fmt: skip
            return Reply(200, [self.team_json(t, request.user.id, listing=True) for t in found])

    @route("POST", BASE, contract=CONTRACT)
    async def create(self, request: Request) -> Reply:
        args = request.args()
        name = " ".join(str(args.get("name") or "").split())
        if len(name) < 3:
            raise Failure(400, "Circle name is too short")
        personal = args.get("personal") in (True, "true", "1", 1)
        with self._lock:
            team = StoredTeam(_token(), name, self._display_name_free(name, ""), "", PERSONAL if personal else 0,
                              int(time.time()))  # fmt: skip
            self.teams[team.id] = team
            self._new_member(team, request.user.id, USER, OWNER, "Member")
            return Reply(200, self.team_json(team, request.user.id))

    @route("GET", TEAM, contract=CONTRACT)
    async def details(self, request: Request) -> Reply:
        team = self._team(request, open_secret=True)
        with self._lock:
            return Reply(200, self.team_json(team, request.user.id))

    @route("DELETE", TEAM, contract=CONTRACT)
    async def destroy(self, request: Request) -> Reply:
        team = self._team(request)
        with self._lock:
            self._must(self._level(team, request.user.id), OWNER)
            data = self.team_json(team, request.user.id)
            del self.teams[team.id]
            for member in self.team_members(team.id):
                del self.members[member.id]
        return Reply(200, data)

    def _edit(self, request: Request, field: str) -> Reply:
        team = self._team(request)
        value = str(request.args().get("value") or "")
        with self._lock:
            self._must(self._level(team, request.user.id), OWNER)
            if field == "name":
                name = " ".join(value.split())
                if len(name) < 3:
                    raise Failure(400, "Circle name is too short")
                team.name, team.display_name = name, self._display_name_free(name, team.id)
            else:
                team.description = value
            return Reply(200, self.team_json(team, request.user.id))

    @route("PUT", TEAM + "/name", contract=CONTRACT)
    async def edit_name(self, request: Request) -> Reply:
        return self._edit(request, "name")

    @route("PUT", TEAM + "/description", contract=CONTRACT)
    async def edit_description(self, request: Request) -> Reply:
        return self._edit(request, "description")

    @route("PUT", TEAM + "/config", contract=CONTRACT)
    async def edit_config(self, request: Request) -> Reply:
        team = self._team(request)
        try:
            config = int(request.args().get("value"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise Failure(400, "Configuration value is not valid") from None
        with self._lock:
            self._must(self._level(team, request.user.id), ADMIN)
            if any(config & bit for bit in NOT_SETTABLE if not team.config & bit) or config > CFG_MAX:
                raise Failure(400, "Configuration value is not valid")
            config |= team.config & (SINGLE | PERSONAL | SYSTEM)
            if not config & OPEN and team.config & OPEN and config & REQUEST:
                config &= ~REQUEST
            if config & REQUEST and not team.config & REQUEST and not config & OPEN:
                config |= OPEN
            team.config = config
            return Reply(200, self.team_json(team, request.user.id))

    @route("PUT", TEAM + "/join", contract=CONTRACT)
    async def join(self, request: Request) -> Reply:
        team = self._team(request, open_secret=True)
        with self._lock:
            known = self.member_of(team.id, request.user.id)
            if known is not None:
                if known.level == 0 and known.status == "Requesting":
                    raise Failure(400, "Already requesting to join the circle", ocs_status=123)
                if known.level == 0 and known.status == "Invited":
                    known.level, known.status = MEMBER_LEVEL, "Member"
                    return Reply(200, self.member_json(known))
                raise Failure(400, "You are already a member", ocs_status=122)
            if not team.config & OPEN:
                raise Failure(400, "Circle is closed", ocs_status=124)
            if team.config & REQUEST:
                member = self._new_member(team, request.user.id, USER, 0, "Requesting")
            else:
                member = self._new_member(team, request.user.id, USER, MEMBER_LEVEL, "Member")
            return Reply(200, self.member_json(member))

    @route("PUT", TEAM + "/leave", contract=CONTRACT)
    async def leave(self, request: Request) -> Reply:
        team = self._team(request, open_secret=True)
        with self._lock:
            known = self.member_of(team.id, request.user.id)
            if known is None:
                raise Failure(400, "You are not a member", ocs_status=120)
            if known.level >= OWNER:
                raise Failure(400, "Member cannot be Owner")
            del self.members[known.id]
            return Reply(200, self.team_json(team, request.user.id) if self._sees(team, request.user.id) else [])

    # -- members -----------------------------------------------------------------------------------
    @route("GET", TEAM + "/members", contract=CONTRACT)
    async def list_members(self, request: Request) -> Reply:
        team = self._team(request)
        with self._lock:
            if self._level(team, request.user.id) < MEMBER_LEVEL:
                return Reply(200, [])
            return Reply(200, [self.member_json(m) for m in self.team_members(team.id)])

    def _admit(self, team: StoredTeam, user_id: str, user_type: int) -> StoredMember:
        """SingleMemberAdd::manageMemberStatus: a new member, an invitation, or a request confirmed."""
        known = self.member_of(team.id, user_id, user_type)
        if known is not None:
            if known.level == 0 and known.status == "Requesting":
                known.level, known.status = MEMBER_LEVEL, "Member"
                return known
            if known.level == 0 and known.status == "Invited":
                raise Failure(400, "Already invited into the circle", ocs_status=123)
            raise Failure(400, "Already member of the circle", ocs_status=122)
        if team.config & INVITE and user_type != MAIL:
            return self._new_member(team, user_id, user_type, 0, "Invited")
        return self._new_member(team, user_id, user_type, MEMBER_LEVEL, "Member")

    def _may_add(self, team: StoredTeam, user_id: str) -> None:
        self._must(self._level(team, user_id), MEMBER_LEVEL if team.config & FRIEND else MODERATOR)

    @route("POST", TEAM + "/members", contract=CONTRACT)
    async def add_member(self, request: Request) -> Reply:
        team = self._team(request)
        args = request.args()
        who = str(args.get("userId") or "")
        try:
            kind = int(args.get("type"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise Failure(400, "Member type not allowed", ocs_status=132) from None
        with self._lock:
            if kind == USER and who not in self.standin.users:
                raise Failure(404, f"user {who} not found")
            if kind == GROUP and not self._group_exists(who):
                raise Failure(404, "group not found")
            if kind not in (USER, GROUP, MAIL) or not who:
                raise Failure(400, "Member type not allowed", ocs_status=132)
            self._may_add(team, request.user.id)
            return Reply(200, self.member_json(self._admit(team, who, kind)))

    @route("PUT", MEMBER, contract=CONTRACT)
    async def confirm_member(self, request: Request) -> Reply:
        team = self._team(request)
        with self._lock:
            member = self._member(team, request.params["memberId"])
            self._may_add(team, request.user.id)
            return Reply(200, self.member_json(self._admit(team, member.user_id, member.user_type)))

    @route("DELETE", MEMBER, contract=CONTRACT)
    async def remove_member(self, request: Request) -> Reply:
        team = self._team(request)
        with self._lock:
            member = self._member(team, request.params["memberId"])
            mine = self._level(team, request.user.id)
            self._must(mine, MODERATOR)
            if mine <= member.level:
                raise Failure(400, INSUFFICIENT)
            if member.level >= OWNER:
                raise Failure(400, "Member cannot be Owner")
            del self.members[member.id]
        return Reply(200, [])

    @route("PUT", MEMBER + "/level", contract=CONTRACT)
    async def member_level(self, request: Request) -> Reply:
        team = self._team(request)
        raw = request.args().get("level")
        names = {"member": MEMBER_LEVEL, "moderator": MODERATOR, "admin": ADMIN, "owner": OWNER}
        if isinstance(raw, int) and not isinstance(raw, bool):
            if raw not in names.values():
                raise Failure(400, "Available levels: 1, 4, 8, 9", ocs_status=121)
            level = raw
        elif isinstance(raw, str) and raw.lower() in names:
            level = names[raw.lower()]
        else:
            raise Failure(400, "Available levels: Member, Moderator, Admin, Owner", ocs_status=121)
        with self._lock:
            member = self._member(team, request.params["memberId"])
            if team.config & (SINGLE | PERSONAL):
                raise Failure(400, "This level cannot be edited")
            if member.level == level:
                raise Failure(400, "This member already have the selected level")
            mine = self._level(team, request.user.id)
            self._must(mine, MODERATOR)
            self._must(member.level, MEMBER_LEVEL)  # mustBeMember: not someone invited or requesting
            if level == OWNER:
                self._must(mine, OWNER)
                if member.level >= OWNER:
                    raise Failure(400, "Member cannot be Owner")
                for old in self.team_members(team.id):
                    if old.level == OWNER:
                        old.level = ADMIN
            else:
                if member.level >= OWNER:
                    raise Failure(400, "Member cannot be Owner")
                self._must(mine, level)
                self._must(mine, member.level)
            member.level = level
            return Reply(200, self.member_json(member))


# -- samples --------------------------------------------------------------------------------------
def _alices_team(context: Any, config: int = 0) -> dict[str, str]:
    """Alice's team (bob a member, carol-less), with `config`; the ids a sample needs."""
    app: CirclesApp = context.app
    alice, bob = context.users["alice"].id, context.users["bob"].id
    with app._lock:
        team = StoredTeam(_token(), f"Team {_token()[:6]}", "", "", config, int(time.time()))
        team.display_name = team.name
        app.teams[team.id] = team
        owner = app._new_member(team, alice, USER, OWNER, "Member")
        member = app._new_member(team, bob, USER, MEMBER_LEVEL, "Member")
    return {"team": team.id, "owner": owner.id, "member": member.id}


def _open_team(context: Any) -> dict[str, str]:
    return _alices_team(context, OPEN)


def _requesting(context: Any) -> dict[str, str]:
    found = _alices_team(context, OPEN | REQUEST)
    app: CirclesApp = context.app
    with app._lock:
        asking = app._new_member(app.teams[found["team"]], context.users["admin"].id, USER, 0, "Requesting")
    return {**found, "asking": asking.id}


T = "/ocs/v2.php/apps/circles/circles/{team}"
SAMPLES = [
    Sample("GET", BASE, 200, setup=_alices_team),
    Sample("POST", BASE, 200, json={"name": "Project  team", "personal": False}),
    Sample("POST", BASE, 400, json={"name": " x "}, note="too short"),
    Sample("GET", T, 200, setup=_alices_team),
    Sample("GET", T, 404, user="admin", setup=_alices_team, note="a secret team"),
    Sample("GET", T, 200, user="admin", setup=_open_team, note="an open one"),
    Sample("DELETE", T, 400, user="bob", setup=_alices_team, note="not the owner"),
    Sample("DELETE", T, 200, setup=_alices_team),
    Sample("PUT", T + "/name", 200, json={"value": "Renamed team"}, setup=_alices_team),
    Sample("PUT", T + "/name", 400, user="bob", json={"value": "Renamed team"}, setup=_alices_team),
    Sample("PUT", T + "/description", 200, json={"value": "What we do"}, setup=_alices_team),
    Sample("PUT", T + "/config", 200, json={"value": VISIBLE | OPEN}, setup=_alices_team),
    Sample("PUT", T + "/config", 400, json={"value": HIDDEN}, setup=_alices_team, note="a system bit"),
    Sample("PUT", T + "/join", 200, user="admin", setup=_open_team),
    Sample("PUT", T + "/join", 400, user="bob", setup=_open_team, note="already a member"),
    Sample("PUT", T + "/join", 404, user="admin", setup=_alices_team, note="a secret closed team"),
    Sample("PUT", T + "/leave", 200, user="bob", setup=_alices_team),
    Sample("PUT", T + "/leave", 400, setup=_alices_team, note="the owner"),
    Sample("GET", T + "/members", 200, setup=_alices_team),
    Sample("POST", T + "/members", 200, json={"userId": "{admin}", "type": USER}, setup=_alices_team),
    Sample("POST", T + "/members", 200, json={"userId": "x@example.com", "type": MAIL}, setup=_alices_team),
    Sample("POST", T + "/members", 404, json={"userId": "nobody-here", "type": USER}, setup=_alices_team),
    Sample("POST", T + "/members", 400, user="bob", json={"userId": "{admin}", "type": USER}, setup=_alices_team),
    Sample("PUT", T + "/members/{asking}", 200, setup=_requesting),
    Sample("PUT", T + "/members/nosuchmember", 404, setup=_alices_team),
    Sample("DELETE", T + "/members/{member}", 200, setup=_alices_team),
    Sample("DELETE", T + "/members/{owner}", 400, user="bob", setup=_alices_team),
    Sample("PUT", T + "/members/{member}/level", 200, json={"level": MODERATOR}, setup=_alices_team),
    Sample("PUT", T + "/members/{member}/level", 400, json={"level": 3}, setup=_alices_team, note="no such level"),
    Sample("PUT", T + "/members/{owner}/level", 400, user="bob", json={"level": ADMIN}, setup=_alices_team),
    Sample("GET", "/ocs/v1.php/apps/circles/circles/{team}", 100, setup=_alices_team),
]
