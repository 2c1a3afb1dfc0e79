"""Accounts and groups (provisioning_api over OCS: `cloud/user`, `cloud/users`, `cloud/groups`).

Why the caller's rights are looked up after a failure: Nextcloud never tells a non-admin that
account management is for administrators. It answers with whatever its controller meets first:
404 with no message for reading, changing, enabling, disabling or deleting someone else's
account, 400 "no group specified (required for subadmins)" for creating one, 403 with no
message for a group's members, and an empty list for the list of accounts. So when such a call
fails (or the list comes back empty), the caller's own account is read once (`cloud/user`: the
`admin` group, the groups they are a group admin of); without either, the failure becomes
`NotAdmin`, which the tools word as such. A successful call costs no extra request.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from nextcloud_mcp_server.nextcloud.errors import (
    BadRequest,
    BadResponse,
    Forbidden,
    NotAdmin,
    NotFound,
    detail_of,
    error_for,
)
from nextcloud_mcp_server.nextcloud.ocs import OCS_HEADERS, unwrap

if TYPE_CHECKING:
    import httpx

    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

BASE = "/ocs/v2.php/cloud"
ADMIN_GROUP = "admin"
"""Nextcloud's administrators are the members of this group."""

ADMIN_ONLY_OWN_FIELDS = ("quota", "manager")
"""Fields of one's own account that only an administrator may change."""

T = TypeVar("T")


class Quota(BaseModel):
    """Storage of an account in bytes; `quota` is the limit (negative: unlimited) or 'none'."""

    model_config = ConfigDict(extra="ignore")

    free: float | None = None
    used: float | None = None
    total: float | None = None
    relative: float | None = None
    quota: float | str | None = None


class Account(BaseModel):
    """One account as `getUserData` answers it; what the caller may not see is left at its default."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str
    display_name: str = Field(default="", alias="displayname")
    email: str | None = None
    enabled: bool | None = None
    """Only administrators and group admins are told."""
    groups: list[str] = []
    subadmin: list[str] = []
    quota: Quota | None = None
    language: str = ""
    locale: str = ""
    last_login: int = Field(default=0, alias="lastLogin")
    """Milliseconds since the epoch; 0 if never."""
    backend: str = ""
    manager: str = ""
    phone: str = ""
    address: str = ""
    website: str = ""
    twitter: str = ""
    fediverse: str = ""
    organisation: str = ""
    role: str = ""
    headline: str = ""
    biography: str = ""

    @field_validator("quota", mode="before")
    @classmethod
    def _no_storage_info(cls, value: Any) -> Any:
        return None if value == [] else value  # Nextcloud sends [] when it could not read the storage

    @property
    def is_admin(self) -> bool:
        return ADMIN_GROUP in self.groups

    @property
    def manages_accounts(self) -> bool:
        """An administrator, or a group admin of some group."""
        return self.is_admin or bool(self.subadmin)


class Group(BaseModel):
    """One group as `cloud/groups/details` lists it."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str
    display_name: str = Field(default="", alias="displayname")
    user_count: int = Field(default=0, alias="usercount")
    disabled: int = 0
    """How many of its members are disabled."""


def _account(data: Any) -> Account:
    try:
        return Account.model_validate(data)
    except ValidationError:
        raise BadResponse("the account details are not in the documented shape") from None


def _ids(data: Any, key: str) -> list[str]:
    found = data.get(key) if isinstance(data, dict) else None
    if not isinstance(found, list):
        raise BadResponse(f"the answer has no list of {key}")
    return [str(item) for item in found]


def account_path(user_id: str) -> str:
    return f"/users/{quote(user_id, safe='')}"


class UsersAPI:
    """Accounts and groups as the caller may see and manage them."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def _send(
        self, method: str, path: str, *, subject: str | None = None, params: Any = None, json: Any = None
    ) -> Any:
        """One OCS v2 call: its `ocs.data`, or the typed error with Nextcloud's meta message and `subject`."""
        response: httpx.Response = await self._client.request(
            method, f"{BASE}{path}", headers=OCS_HEADERS, params=params, json=json, ok=(400, 403, 404)
        )
        if response.status_code in (400, 403, 404):
            raise error_for(response.status_code, detail_of(response), subject=subject)
        return unwrap(response)

    async def _as_manager(self, call: Awaitable[T]) -> T:
        """`call`, whose 400/403/404 becomes NotAdmin when the caller manages no accounts at all."""
        try:
            return await call
        except (BadRequest, Forbidden, NotFound) as exc:
            await self._refuse_unless_manager(exc)
            raise

    async def _refuse_unless_manager(self, exc: BadRequest | Forbidden | NotFound | None = None) -> None:
        if (await self.current()).manages_accounts:
            return
        refusal = NotAdmin(exc.detail if exc else "", status=exc.status if exc else 0)
        refusal.subject = exc.subject if exc else None
        raise refusal from None

    async def current(self) -> Account:
        """The caller's own account, with their groups and the groups they administer."""
        return _account(await self._send("GET", "/user"))

    async def get(self, user_id: str) -> Account:
        """An account: all of it for oneself, administrators and group admins; others are refused."""
        call = self._send("GET", account_path(user_id), subject=f"user '{user_id}'")
        data = await call if user_id == self._client.user else await self._as_manager(call)
        return _account(data)

    async def search(self, search: str = "") -> list[str]:
        """Ids of the accounts matching `search` (id, display name, email) that the caller manages."""
        ids = _ids(await self._send("GET", "/users", params={"search": search}), "users")
        if not ids:
            await self._refuse_unless_manager()
        return ids

    async def groups(self, search: str = "") -> list[Group]:
        """Every group matching `search` (any user may list them)."""
        data = await self._send("GET", "/groups/details", params={"search": search})
        found = data.get("groups") if isinstance(data, dict) else None
        if not isinstance(found, list):
            raise BadResponse("the answer has no list of groups")
        try:
            return [Group.model_validate(item) for item in found]
        except ValidationError:
            raise BadResponse("a group is not in the documented shape") from None

    async def members(self, group_id: str) -> list[str]:
        """Ids of a group's members (administrators, and group admins of that group)."""
        path = f"/groups/{quote(group_id, safe='')}/users"
        try:
            data = await self._send("GET", path, subject=f"group '{group_id}'")
        except Forbidden as exc:  # the group exists, and the caller administers neither it nor everything
            refusal = NotAdmin(exc.detail, status=exc.status)
            refusal.subject = exc.subject
            raise refusal from None
        return _ids(data, "users")

    async def create(
        self,
        user_id: str,
        *,
        password: str = "",
        display_name: str = "",
        email: str = "",
        groups: list[str] | None = None,
        quota: str = "",
        language: str = "",
    ) -> str:
        """Create an account; its id. Without a password Nextcloud mails `email` a link to set one."""
        body = {
            "userid": user_id,
            "password": password,
            "displayName": display_name,
            "email": email,
            "groups": groups or [],
            "quota": quota,
            "language": language,
        }
        data = await self._as_manager(self._send("POST", "/users", json=body, subject=f"user '{user_id}'"))
        return str(data.get("id", user_id)) if isinstance(data, dict) else user_id

    async def edit(self, user_id: str, key: str, value: str) -> None:
        """Change one field of an account (`displayname`, `email`, `quota`, `phone`, ...)."""
        call = self._send("PUT", account_path(user_id), json={"key": key, "value": value}, subject=f"user '{user_id}'")
        own = user_id == self._client.user and key not in ADMIN_ONLY_OWN_FIELDS
        await (call if own else self._as_manager(call))

    async def set_enabled(self, user_id: str, enabled: bool) -> None:
        path = f"{account_path(user_id)}/{'enable' if enabled else 'disable'}"
        await self._as_manager(self._send("PUT", path, subject=f"user '{user_id}'"))

    async def delete(self, user_id: str) -> None:
        """Delete an account with its files and data."""
        await self._as_manager(self._send("DELETE", account_path(user_id), subject=f"user '{user_id}'"))
