"""MCP tools for Teams (the `circles` app): teams, their members and the members' levels.

Covers what the peer `nc-mcp-server` offers (14 circles tools) in 12: renaming, describing and the
config flags are one `nc_teams_update`. Circles' rules apply as it enforces them: moderators and
above add and remove members (a lower level than their own), admins change flags and levels, the
owner renames, describes, deletes and hands the team over; a secret team is not found by anyone
outside it. Levels and flags are names here, never Circles' numbers (nextcloud/teams.py).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import BaseModel, Field

from nextcloud_mcp_server.registry import Requirement, Toolset
from nextcloud_mcp_server.tools._base import CREATE, DELETE, READ, UPDATE, Limit, Offset, Paged, invalid
from nextcloud_mcp_server.tools.declare import Nextcloud, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud import teams as api

TOOLSET = Toolset(
    "teams",
    "Teams",
    "Nextcloud Teams (circles): your teams, their members and roles.",
    default=False,
    requires=Requirement("circles", "Teams"),
)

TeamId = Annotated[str, Field(min_length=1, description="From nc_teams_list.")]
MemberId = Annotated[str, Field(min_length=1, description="From nc_teams_list_members.")]
Level = Literal["member", "moderator", "admin", "owner"]
Flag = Literal["visible", "open", "invite", "request", "friends"]
_ID = re.compile(r"[A-Za-z0-9]+")


class TeamItem(BaseModel):
    id: str
    name: str
    description: str
    flags: list[str]
    members: int
    my_level: str = Field(description="none: not a member (invited, requesting, or the team is visible).")
    owner: str | None

    @classmethod
    def of(cls, team: api.Team) -> Self:
        from nextcloud_mcp_server.nextcloud.teams import flag_names, level_name

        me = team.initiator
        return cls(
            id=team.id,
            name=team.displayName or team.name,
            description=team.description,
            flags=flag_names(team.config),
            members=team.population,
            my_level=level_name(me.level) if me is not None else "none",
            owner=team.owner.userId if team.owner is not None else None,
        )


class MemberItem(BaseModel):
    id: str
    name: str = Field(description="User id, group id or email address.")
    type: str
    display_name: str
    level: str
    status: str = Field(description="Member, Invited or Requesting (to be confirmed).")

    @classmethod
    def of(cls, member: api.Member) -> Self:
        from nextcloud_mcp_server.nextcloud.teams import TYPE_NAMES, level_name

        return cls(
            id=member.id,
            name=member.userId,
            type=TYPE_NAMES.get(member.userType, str(member.userType)),
            display_name=member.displayName or member.userId,
            level=level_name(member.level),
            status=member.status,
        )


class MemberDone(BaseModel):
    member: MemberItem
    message: str


class Done(BaseModel):
    message: str


def _team_id(team_id: str) -> str:
    if not _ID.fullmatch(team_id):
        raise invalid("team_id", "is a team's id (letters and digits) from nc_teams_list")
    return team_id


def _member_id(member_id: str) -> str:
    if not _ID.fullmatch(member_id):
        raise invalid("member_id", "is a member's id (letters and digits) from nc_teams_list_members")
    return member_id


def _name(name: str) -> str:
    cleaned = " ".join(name.split())
    if len(cleaned) < 3:
        raise invalid("name", "give the team a name of at least 3 characters")
    return cleaned


@tool(TOOLSET, READ, title="List teams")
async def nc_teams_list(nc: Nextcloud, limit: Limit = 50, offset: Offset = 0) -> Paged[TeamItem]:
    """List the teams you are in and those visible to everyone."""
    from nextcloud_mcp_server.nextcloud.teams import TeamsAPI

    teams = [TeamItem.of(team) for team in await nc.api(TeamsAPI).teams()]
    teams.sort(key=lambda t: t.name.lower())
    return Paged[TeamItem].of(teams, offset, limit)


@tool(TOOLSET, READ, title="Get team")
async def nc_teams_get(nc: Nextcloud, team_id: TeamId) -> TeamItem:
    """Read one team: name, description, flags, owner and your level."""
    from nextcloud_mcp_server.nextcloud.teams import TeamsAPI

    return TeamItem.of(await nc.api(TeamsAPI).team(_team_id(team_id)))


@tool(TOOLSET, READ, title="List team members")
async def nc_teams_list_members(
    nc: Nextcloud, team_id: TeamId, limit: Limit = 50, offset: Offset = 0
) -> Paged[MemberItem]:
    """List a team's members (users, groups, email addresses) with their levels, highest first."""
    from nextcloud_mcp_server.nextcloud.teams import TeamsAPI

    teams = nc.api(TeamsAPI)
    await teams.team(_team_id(team_id))  # Circles lists no members, rather than none found, to outsiders
    members = [MemberItem.of(m) for m in await teams.members(team_id)]
    order = {"owner": 0, "admin": 1, "moderator": 2, "member": 3}
    members.sort(key=lambda m: (order.get(m.level, 4), m.display_name.lower()))
    return Paged[MemberItem].of(members, offset, limit)


@tool(TOOLSET, CREATE, title="Create team")
async def nc_teams_create(nc: Nextcloud, name: str, personal: bool = False) -> TeamItem:
    """Create a team you own; a personal team is seen by you alone. It starts secret: see nc_teams_update."""
    from nextcloud_mcp_server.nextcloud.teams import TeamsAPI

    return TeamItem.of(await nc.api(TeamsAPI).create(_name(name), personal=personal))


@tool(TOOLSET, UPDATE, title="Update team")
async def nc_teams_update(
    nc: Nextcloud,
    team_id: TeamId,
    name: str | None = None,
    description: str | None = None,
    flags: Annotated[list[Flag] | None, Field(description="Replaces the team's flags; [] for none.")] = None,
) -> TeamItem:
    """Rename or describe a team (owner), or set its flags (admins): visible to all, open to join,
    invite (added members accept first), request (joining needs approval), friends (members add others)."""
    from nextcloud_mcp_server.nextcloud.teams import TeamsAPI

    team_id = _team_id(team_id)
    if name is None and description is None and flags is None:
        raise invalid("name", "give a new name, description or flags; nothing was changed")
    teams = nc.api(TeamsAPI)
    if name is not None:
        await teams.rename(team_id, _name(name))
    if description is not None:
        await teams.describe(team_id, description)
    if flags is not None:
        await teams.set_flags(team_id, list(flags))
    return TeamItem.of(await teams.team(team_id))


@tool(TOOLSET, DELETE, title="Delete team")
async def nc_teams_delete(nc: Nextcloud, team_id: TeamId) -> Done:
    """Delete a team (its owner only); shares with it end."""
    from nextcloud_mcp_server.nextcloud.teams import TeamsAPI

    teams = nc.api(TeamsAPI)
    team = await teams.team(_team_id(team_id))
    await teams.delete(team_id)
    return Done(message=f"Team '{team.displayName or team.name}' ({team_id}) deleted")


@tool(TOOLSET, CREATE, title="Join team")
async def nc_teams_join(nc: Nextcloud, team_id: TeamId) -> MemberDone:
    """Join an open team, or ask to (when it needs approval), or accept an invitation to it."""
    from nextcloud_mcp_server.nextcloud.teams import TeamsAPI

    member = MemberItem.of(await nc.api(TeamsAPI).join(_team_id(team_id)))
    asked = member.status == "Requesting"
    return MemberDone(member=member, message="Asked to join; a moderator confirms it" if asked else "Joined")


@tool(TOOLSET, DELETE, title="Leave team")
async def nc_teams_leave(nc: Nextcloud, team_id: TeamId) -> Done:
    """Leave a team (an owner hands it over first, with nc_teams_set_member_level)."""
    from nextcloud_mcp_server.nextcloud.teams import TeamsAPI

    await nc.api(TeamsAPI).leave(_team_id(team_id))
    return Done(message=f"You left team {team_id}")


@tool(TOOLSET, CREATE, title="Add team member")
async def nc_teams_add_member(
    nc: Nextcloud,
    team_id: TeamId,
    member: Annotated[str, Field(description="User id, group id or email address.")],
    member_type: Literal["user", "group", "email"] = "user",
) -> MemberDone:
    """Add a user, group or email address to a team (moderators and above)."""
    from nextcloud_mcp_server.nextcloud.teams import TeamsAPI

    member = member.strip()
    if not member:
        raise invalid("member", "give a user id, group id or email address")
    if member_type == "email" and "@" not in member:
        raise invalid("member", "an email member needs an email address (name@example.com)")
    added = MemberItem.of(await nc.api(TeamsAPI).add_member(_team_id(team_id), member, member_type))
    invited = added.status == "Invited"
    return MemberDone(member=added, message="Invited; they accept with nc_teams_join" if invited else "Added")


@tool(TOOLSET, UPDATE, title="Confirm team member")
async def nc_teams_confirm_member(nc: Nextcloud, team_id: TeamId, member_id: MemberId) -> MemberDone:
    """Accept someone's request to join a team (moderators and above)."""
    from nextcloud_mcp_server.nextcloud.teams import TeamsAPI

    teams = nc.api(TeamsAPI)
    asking = await teams.member(_team_id(team_id), _member_id(member_id))
    if asking.status != "Requesting":
        raise invalid("member_id", f"{asking.userId} is not asking to join (status {asking.status})")
    confirmed = await teams.confirm_member(team_id, member_id)
    return MemberDone(member=MemberItem.of(confirmed), message="Confirmed")


@tool(TOOLSET, DELETE, title="Remove team member")
async def nc_teams_remove_member(nc: Nextcloud, team_id: TeamId, member_id: MemberId) -> MemberDone:
    """Remove a member of a lower level than yours from a team (moderators and above)."""
    from nextcloud_mcp_server.nextcloud.teams import TeamsAPI

    teams = nc.api(TeamsAPI)
    gone = await teams.member(_team_id(team_id), _member_id(member_id))
    await teams.remove_member(team_id, member_id)
    return MemberDone(member=MemberItem.of(gone), message="Removed")


@tool(TOOLSET, UPDATE, title="Set member level")
async def nc_teams_set_member_level(nc: Nextcloud, team_id: TeamId, member_id: MemberId, level: Level) -> MemberDone:
    """Change a member's level, up to your own; level owner hands the team over (you become admin)."""
    from nextcloud_mcp_server.nextcloud.teams import TeamsAPI

    teams = nc.api(TeamsAPI)
    await teams.set_level(_team_id(team_id), _member_id(member_id), level)
    changed = await teams.member(team_id, member_id)
    return MemberDone(member=MemberItem.of(changed), message=f"Now {MemberItem.of(changed).level}")
