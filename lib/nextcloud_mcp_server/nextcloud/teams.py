"""Teams (the `circles` app) over OCS `apps/circles`: teams, their members and member levels.

Why numbers are translated here: Circles speaks in member levels (1 member, 4 moderator, 8 admin,
9 owner), member types (1 user, 2 group, 4 email, 16 team) and a config bit mask (8 visible,
16 open, 32 invite, 64 join requests, 128 friends, ...). `LEVELS`, `TYPES` and `FLAGS` translate
them both ways, once.

Why `Refused`: Circles answers a rule it enforces ("Insufficient rights", "Member cannot be
Owner", "Circle is closed", "Circle name is too short"; 403 "Insufficient permissions to perform
this action" on newer releases) with 400 or 403 and the rule in its message, often with a status
code of its own (120-132) in the OCS meta. Those become `Refused`, so the message tells the model
the rule instead of "malformed". A team the caller cannot see (a secret team they are not in) is
404: `NotFound` about "team <id>".

Why changing flags reads the team first: `PUT .../config` replaces the whole bit mask, including
bits the caller does not manage (personal, local, ...). `set_flags` keeps those as they are. It
also sends `open` with `request`: Circles drops `request` from a team whose `open` goes in the same
change, and `request` (joining needs approval) means nothing on a closed team.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict

from nextcloud_mcp_server.nextcloud.errors import BadResponse, Refused, detail_of, error_for, not_found, parsed
from nextcloud_mcp_server.nextcloud.ocs import OCS_HEADERS, unwrap

if TYPE_CHECKING:
    import httpx

    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

BASE = "/ocs/v2.php/apps/circles"

LEVELS: dict[str, int] = {"member": 1, "moderator": 4, "admin": 8, "owner": 9}
"""Member levels (Member::LEVEL_*) by name; 0 is someone invited or asking to join."""
LEVEL_NAMES = {0: "none", **{code: name for name, code in LEVELS.items()}}

TYPES: dict[str, int] = {"user": 1, "group": 2, "email": 4, "contact": 8, "team": 16, "app": 10000}
"""Member types (Member::TYPE_*) by name; a single-user circle (0) is shown as a user."""
TYPE_NAMES = {0: "user", **{code: name for name, code in TYPES.items()}}

FLAGS: dict[str, int] = {"visible": 8, "open": 16, "invite": 32, "request": 64, "friends": 128}
"""The config bits (Circle::CFG_*) a team's admin sets: visible to everyone, open to join, members
added must accept (invite), joining needs a moderator's approval (request), members may add others."""
PERSONAL = 2


def level_name(level: int) -> str:
    return LEVEL_NAMES.get(level, str(level))


def flag_names(config: int) -> list[str]:
    names = [name for name, bit in FLAGS.items() if config & bit]
    return ["personal", *names] if config & PERSONAL else names


class Member(BaseModel):
    """A member of a team as Member::jsonSerialize answers it (fields not used here are ignored)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    circleId: str = ""
    singleId: str = ""
    userId: str
    userType: int
    level: int
    status: str
    """Member, Invited, Requesting or Blocked."""
    displayName: str = ""


class Team(BaseModel):
    """A team as Circle::jsonSerialize answers it; `initiator` is the caller's own membership, if any."""

    model_config = ConfigDict(extra="ignore")

    id: str
    name: str
    displayName: str = ""
    description: str = ""
    config: int = 0
    population: int = 0
    creation: int = 0
    initiator: Member | None = None
    owner: Member | None = None


def _said(response: httpx.Response) -> str:
    """Circles' reason: the meta message (an OCSException), else `data.message` (newer 403s)."""
    detail = detail_of(response)
    if detail:
        return detail
    try:
        data = response.json()["ocs"]["data"]
    except (ValueError, KeyError, TypeError):
        return ""
    return str(data.get("message") or "") if isinstance(data, dict) else ""


class TeamsAPI:
    """The caller's teams (circles), as one of their members or someone they are visible to."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def _call(
        self, method: str, path: str, subject: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        response = await self._client.request(
            method, BASE + path, headers=OCS_HEADERS, json=json, params=params, ok=(400, 403, 404)
        )
        if response.status_code == 404:
            raise not_found(subject, _said(response))
        if response.status_code in (400, 403):
            said = _said(response)
            if not said:
                raise error_for(response.status_code, subject=subject)
            refused = Refused(said, status=response.status_code)
            refused.subject = subject
            raise refused
        return unwrap(response)

    @staticmethod
    def _team_path(team_id: str) -> str:
        return f"/circles/{quote(team_id, safe='')}"

    async def teams(self) -> list[Team]:
        """The teams the caller is in, and those visible to everyone."""
        data = await self._call("GET", "/circles", "the teams")
        if not isinstance(data, list):
            raise BadResponse("the teams are not a list")
        return [parsed(Team, item, "team") for item in data]

    async def team(self, team_id: str) -> Team:
        data = await self._call("GET", self._team_path(team_id), f"team {team_id}")
        return parsed(Team, data, "team")

    async def members(self, team_id: str) -> list[Member]:
        data = await self._call("GET", self._team_path(team_id) + "/members", f"team {team_id}")
        if not isinstance(data, list):
            raise BadResponse("the members are not a list")
        return [parsed(Member, item, "member") for item in data]

    async def create(self, name: str, *, personal: bool = False) -> Team:
        data = await self._call("POST", "/circles", f"team '{name}'", json={"name": name, "personal": personal})
        return parsed(Team, data, "team")

    async def rename(self, team_id: str, name: str) -> None:
        await self._call("PUT", self._team_path(team_id) + "/name", f"team {team_id}", json={"value": name})

    async def describe(self, team_id: str, description: str) -> None:
        path = self._team_path(team_id) + "/description"
        await self._call("PUT", path, f"team {team_id}", json={"value": description})

    async def set_flags(self, team_id: str, flags: list[str]) -> None:
        """Set the admin-managed bits of the team's config to `flags`, keeping every other bit."""
        current = await self.team(team_id)
        if "request" in flags:  # approval is for joining: Circles drops it from a team it is closing at once
            flags = [*flags, "open"]
        managed = sum(FLAGS.values())
        config = (current.config & ~managed) | sum(FLAGS[name] for name in set(flags))
        if config != current.config:
            await self._call("PUT", self._team_path(team_id) + "/config", f"team {team_id}", json={"value": config})

    async def delete(self, team_id: str) -> None:
        await self._call("DELETE", self._team_path(team_id), f"team {team_id}")

    async def join(self, team_id: str) -> Member:
        data = await self._call("PUT", self._team_path(team_id) + "/join", f"team {team_id}")
        return parsed(Member, data, "member")

    async def leave(self, team_id: str) -> None:
        await self._call("PUT", self._team_path(team_id) + "/leave", f"team {team_id}")

    async def add_member(self, team_id: str, member: str, kind: str) -> Member:
        path = self._team_path(team_id) + "/members"
        data = await self._call("POST", path, f"team {team_id}", json={"userId": member, "type": TYPES[kind]})
        return parsed(Member, data, "member")

    async def member(self, team_id: str, member_id: str) -> Member:
        """One member of the team by its member id (NotFound when the team has none such)."""
        found = next((m for m in await self.members(team_id) if m.id == member_id), None)
        if found is None:
            raise not_found(f"member {member_id} of team {team_id}")
        return found

    async def confirm_member(self, team_id: str, member_id: str) -> Member:
        path = f"{self._team_path(team_id)}/members/{quote(member_id, safe='')}"
        data = await self._call("PUT", path, f"member {member_id} of team {team_id}")
        return parsed(Member, data, "member")

    async def remove_member(self, team_id: str, member_id: str) -> None:
        path = f"{self._team_path(team_id)}/members/{quote(member_id, safe='')}"
        await self._call("DELETE", path, f"member {member_id} of team {team_id}")

    async def set_level(self, team_id: str, member_id: str, level: str) -> None:
        path = f"{self._team_path(team_id)}/members/{quote(member_id, safe='')}/level"
        await self._call("PUT", path, f"member {member_id} of team {team_id}", json={"level": LEVELS[level]})
