"""MCP tools for accounts and groups (provisioning_api, part of every Nextcloud): validate -> UsersAPI -> shape.

Anyone may see their own account and the list of groups. Listing accounts, reading someone
else's, a group's members, and creating, changing, enabling, disabling or deleting accounts are
for administrators (and group admins, for the accounts of their groups); for anyone else they are
refused in words that say so (nextcloud/users.py explains how, since Nextcloud does not).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, Field

from nextcloud_mcp_server.registry import Toolset
from nextcloud_mcp_server.tools._base import CREATE, DELETE, READ, UPDATE, Limit, Offset, Paged, invalid
from nextcloud_mcp_server.tools.declare import Nextcloud, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.users import Account

TOOLSET = Toolset(
    "users",
    "Users and groups",
    "Accounts and groups: who you are, look accounts up and, for administrators, manage them.",
    default=False,
)

UserId = Annotated[str, Field(description="The account's login id (not its display name).")]
AccountField = Literal[
    "displayname",
    "email",
    "quota",
    "language",
    "locale",
    "manager",
    "phone",
    "address",
    "website",
    "twitter",
    "fediverse",
    "organisation",
    "role",
    "headline",
    "biography",
]
PROFILE_FIELDS = (
    "phone",
    "address",
    "website",
    "twitter",
    "fediverse",
    "organisation",
    "role",
    "headline",
    "biography",
)
USER_ID = re.compile(r"[A-Za-z0-9 _.@\-']+")
"""The characters Nextcloud allows in a login id."""


class Storage(BaseModel):
    used_bytes: int | None = Field(description="Space the account's files take.")
    limit_bytes: int | None = Field(description="The quota; null: unlimited.")
    used_percent: float | None = Field(description="Share of the quota in use.")


class AccountResult(BaseModel):
    """An account, as far as the caller may see it."""

    id: str = Field(description="The login id.")
    display_name: str
    email: str | None
    enabled: bool | None = Field(description="Whether it may sign in; null: not shown to you.")
    is_admin: bool = Field(description="Member of the admin group.")
    groups: list[str] = Field(description="Ids of its groups.")
    group_admin_of: list[str] = Field(description="Groups whose accounts it administers.")
    storage: Storage | None
    language: str
    locale: str
    last_login: datetime | None = Field(description="UTC; null if never.")
    manager: str = Field(description="The manager's login id; '' if none.")
    profile: dict[str, str] = Field(description="Profile fields that are filled in (phone, role, website, ...).")

    @classmethod
    def of(cls, account: Account) -> AccountResult:
        quota = account.quota
        storage = None
        if quota is not None:
            limit = quota.quota if isinstance(quota.quota, int | float) and quota.quota >= 0 else None
            storage = Storage(
                used_bytes=int(quota.used) if quota.used is not None else None,
                limit_bytes=int(limit) if limit is not None else None,
                used_percent=quota.relative if limit is not None else None,
            )
        return cls(
            id=account.id,
            display_name=account.display_name,
            email=account.email or None,
            enabled=account.enabled,
            is_admin=account.is_admin,
            groups=account.groups,
            group_admin_of=account.subadmin,
            storage=storage,
            language=account.language,
            locale=account.locale,
            last_login=datetime.fromtimestamp(account.last_login / 1000, UTC) if account.last_login else None,
            manager=account.manager,
            profile={name: value for name in PROFILE_FIELDS if (value := getattr(account, name))},
        )


class UserRef(BaseModel):
    id: str = Field(description="The login id; details with nc_users_get.")


class GroupItem(BaseModel):
    id: str = Field(description="The group id (what sharing and nc_users_list_group_members take).")
    display_name: str
    user_count: int


class AccountChange(BaseModel):
    user_id: str
    message: str = Field(description="What happened.")


def _user_id(value: str, argument: str = "user_id") -> str:
    value = value.strip()
    if not value:
        raise invalid(argument, "must not be empty; give the account's login id")
    if not USER_ID.fullmatch(value):
        raise invalid(
            argument,
            f"{value!r} is not a login id (letters, digits, spaces and _ . @ - ' only); find ids with nc_users_list",
        )
    return value


@tool(TOOLSET, READ, title="Get current user")
async def nc_users_get_current(nc: Nextcloud) -> AccountResult:
    """Your own account: id, display name, email, groups, whether you are an admin, storage and quota."""
    from nextcloud_mcp_server.nextcloud.users import UsersAPI

    return AccountResult.of(await nc.api(UsersAPI).current())


@tool(TOOLSET, READ, title="List users")
async def nc_users_list(
    nc: Nextcloud,
    search: Annotated[str, Field(description="Part of a login id, display name or email; '' for all.")] = "",
    limit: Limit = 50,
    offset: Offset = 0,
) -> Paged[UserRef]:
    """List accounts' login ids (administrators: all; group admins: their groups' accounts)."""
    from nextcloud_mcp_server.nextcloud.users import UsersAPI

    ids = await nc.api(UsersAPI).search(search.strip())
    return Paged[UserRef].of([UserRef(id=i) for i in ids], offset, limit)


@tool(TOOLSET, READ, title="Get user")
async def nc_users_get(nc: Nextcloud, user_id: UserId) -> AccountResult:
    """An account's details: yours, or (administrators) anyone's."""
    from nextcloud_mcp_server.nextcloud.users import UsersAPI

    return AccountResult.of(await nc.api(UsersAPI).get(_user_id(user_id)))


@tool(TOOLSET, READ, title="List groups")
async def nc_users_list_groups(
    nc: Nextcloud,
    search: Annotated[str, Field(description="Part of a group id or name; '' for all.")] = "",
    limit: Limit = 50,
    offset: Offset = 0,
) -> Paged[GroupItem]:
    """List groups with their display names and member counts."""
    from nextcloud_mcp_server.nextcloud.users import UsersAPI

    groups = await nc.api(UsersAPI).groups(search.strip())
    items = [GroupItem(id=g.id, display_name=g.display_name or g.id, user_count=g.user_count) for g in groups]
    return Paged[GroupItem].of(items, offset, limit)


@tool(TOOLSET, READ, title="List group members")
async def nc_users_list_group_members(
    nc: Nextcloud,
    group_id: Annotated[str, Field(description="From nc_users_list_groups.")],
    limit: Limit = 50,
    offset: Offset = 0,
) -> Paged[UserRef]:
    """List the login ids of a group's members (administrators, and admins of that group)."""
    from nextcloud_mcp_server.nextcloud.users import UsersAPI

    if not group_id.strip():
        raise invalid("group_id", "must not be empty; find group ids with nc_users_list_groups")
    ids = await nc.api(UsersAPI).members(group_id.strip())
    return Paged[UserRef].of([UserRef(id=i) for i in ids], offset, limit)


@tool(TOOLSET, CREATE, title="Create user")
async def nc_users_create(
    nc: Nextcloud,
    user_id: Annotated[str, Field(description="Login id of the new account.")],
    display_name: str | None = None,
    email: Annotated[str | None, Field(description="Without a password, Nextcloud mails a link to set one.")] = None,
    password: Annotated[str | None, Field(description="Initial password; or give an email instead.")] = None,
    groups: Annotated[list[str] | None, Field(description="Group ids; required for group admins.")] = None,
    quota: Annotated[str | None, Field(description="e.g. '5 GB', 'none'.")] = None,
) -> AccountResult:
    """Create an account (administrators and group admins only)."""
    from nextcloud_mcp_server.nextcloud.users import UsersAPI

    user_id = _user_id(user_id)
    if not (password or "").strip() and not (email or "").strip():
        raise invalid("password", "give a password, or an email address so that Nextcloud mails a link to set one")
    if email is not None and email.strip() and "@" not in email:
        raise invalid("email", f"{email!r} is not an email address")
    api = nc.api(UsersAPI)
    created = await api.create(
        user_id,
        password=password or "",
        display_name=(display_name or "").strip(),
        email=(email or "").strip(),
        groups=[g.strip() for g in groups or [] if g.strip()],
        quota=(quota or "").strip(),
    )
    return AccountResult.of(await api.get(created))


@tool(TOOLSET, UPDATE, title="Update user")
async def nc_users_update(
    nc: Nextcloud,
    user_id: UserId,
    field: Annotated[AccountField, Field(description="quota: e.g. '10 GB' or 'none'.")],
    value: Annotated[str, Field(description="The new value; '' empties it.")],
) -> AccountResult:
    """Change one field of an account: yours (not quota or manager), or anyone's for administrators."""
    from nextcloud_mcp_server.nextcloud.users import UsersAPI

    user_id = _user_id(user_id)
    if field == "email" and value.strip() and "@" not in value:
        raise invalid("value", f"{value!r} is not an email address")
    if field == "displayname" and not value.strip():
        raise invalid("value", "a display name must not be empty")
    api = nc.api(UsersAPI)
    await api.edit(user_id, field, value.strip())
    return AccountResult.of(await api.get(user_id))


def _not_yourself(nc: Nextcloud, user_id: str, action: str) -> str:
    user_id = _user_id(user_id)
    if user_id == nc.user:
        raise invalid("user_id", f"is your own account, which Nextcloud does not let you {action}")
    return user_id


@tool(TOOLSET, UPDATE, title="Enable user")
async def nc_users_enable(nc: Nextcloud, user_id: UserId) -> AccountChange:
    """Let a disabled account sign in again (administrators and group admins only)."""
    from nextcloud_mcp_server.nextcloud.users import UsersAPI

    user_id = _not_yourself(nc, user_id, "enable")
    await nc.api(UsersAPI).set_enabled(user_id, True)
    return AccountChange(user_id=user_id, message=f"Account {user_id} enabled")


@tool(TOOLSET, UPDATE, title="Disable user")
async def nc_users_disable(nc: Nextcloud, user_id: UserId) -> AccountChange:
    """Stop an account from signing in, keeping its data (administrators and group admins only)."""
    from nextcloud_mcp_server.nextcloud.users import UsersAPI

    user_id = _not_yourself(nc, user_id, "disable")
    await nc.api(UsersAPI).set_enabled(user_id, False)
    return AccountChange(user_id=user_id, message=f"Account {user_id} disabled")


@tool(TOOLSET, DELETE, title="Delete user")
async def nc_users_delete(nc: Nextcloud, user_id: UserId) -> AccountChange:
    """Delete an account with all its files and data, irreversibly (administrators and group admins only)."""
    from nextcloud_mcp_server.nextcloud.users import UsersAPI

    user_id = _not_yourself(nc, user_id, "delete")
    await nc.api(UsersAPI).delete(user_id)
    return AccountChange(user_id=user_id, message=f"Account {user_id} deleted")
