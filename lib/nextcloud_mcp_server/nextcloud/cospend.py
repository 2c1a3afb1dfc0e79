"""Cospend (shared expenses) over OCS `apps/cospend/api/v1`: projects, members, bills, statistics, settlement.

Why failures are read here: Cospend's permission middleware answers a caller below the level a
route needs with OCS 401 "Insufficient access level - ... : <have> < <need>" (401 otherwise means
bad credentials), and a project that does not exist gives the same answer with level 0. Level 0
is therefore "not found (or not shared with you)", a higher one is `Forbidden`. Cospend puts its
reasons in `ocs.data` (`{"error": ...}`, `{"name": ...}`), not in the OCS message; they become the
error's detail. A bill edit of a missing bill is 400 "There is no such bill": not found.

Why bills are checked against the members first: creating a bill with an unknown payer or ower
answers 400 with empty data (Cospend drops its reason), so the client checks them and says which.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from nextcloud_mcp_server.nextcloud.errors import (
    BadResponse,
    Forbidden,
    InvalidInput,
    NextcloudError,
    Refused,
    error_for,
    not_found,
    parsed,
)
from nextcloud_mcp_server.nextcloud.ocs import OCS_HEADERS

if TYPE_CHECKING:
    import httpx

    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

BASE = "/ocs/v2.php/apps/cospend/api/v1/projects"
_LEVEL = re.compile(r"Insufficient access level.*:\s*(\d+)\s*<\s*(\d+)\s*$")


class Color(BaseModel):
    r: int
    g: int
    b: int


class Member(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    name: str
    weight: float = 1.0
    activated: bool = True
    userid: str | None = None
    color: Color | None = None


class Ower(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    name: str = ""
    weight: float = 1.0


class Bill(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    what: str = ""
    comment: str | None = ""
    amount: float
    payer_id: int
    timestamp: int
    date: str = ""
    owers: list[Ower] = []
    categoryid: int | None = 0
    paymentmodeid: int | None = 0
    repeat: str = "n"
    deleted: int = 0


class Element(BaseModel):
    """A category or a payment mode."""

    model_config = ConfigDict(extra="ignore")

    id: int
    name: str | None = None
    icon: str | None = None
    color: str | None = None


class Share(BaseModel):
    """A share of a project (`type` u: user, g: group, c: team, l: link, f: federated)."""

    model_config = ConfigDict(extra="ignore")

    id: int
    accesslevel: int
    type: str = "u"
    userid: str | None = None
    name: str | None = None


class Project(BaseModel):
    """A project as `projects` and `projects/{id}` answer it (FullProjectInfo)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    name: str
    userid: str | None = None
    currencyname: str | None = None
    deletiondisabled: bool = False
    archived_ts: int | None = None
    myaccesslevel: int = 0
    nb_bills: int = 0
    total_spent: float = 0.0
    members: list[Member] = []
    balance: dict[int, float] = {}
    categories: dict[int, Element] = {}
    paymentmodes: dict[int, Element] = {}
    shares: list[Share] = []

    @field_validator("balance", "categories", "paymentmodes", mode="before")
    @classmethod
    def _php_empty(cls, value: Any) -> Any:
        return {} if value == [] else value  # PHP's empty array is `[]`, not `{}`


class BillPage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    nb_bills: int
    bills: list[Bill]


class Transaction(BaseModel):
    from_id: int = Field(alias="from")
    to: int
    amount: float


class Settlement(BaseModel):
    transactions: list[Transaction]
    balances: dict[int, float]


class MemberStats(BaseModel):
    model_config = ConfigDict(extra="ignore")

    member: Member
    paid: float
    spent: float
    balance: float
    filtered_balance: float


class Statistics(BaseModel):
    model_config = ConfigDict(extra="ignore")

    stats: list[MemberStats]
    categoryStats: dict[int, float] = {}
    paymentModeStats: dict[int, float] = {}

    @field_validator("categoryStats", "paymentModeStats", mode="before")
    @classmethod
    def _php_empty(cls, value: Any) -> Any:
        return {} if value == [] or value is None else value


def _reason(body: Any) -> str:
    """Cospend's reason: the strings of `ocs.data` (`{"name": "Name already exists"}`), or the OCS message."""
    ocs = body.get("ocs", {}) if isinstance(body, dict) else {}
    data = ocs.get("data") if isinstance(ocs, dict) else None
    if isinstance(data, dict):
        said = [f"{k}: {v}" if k not in ("error", "message") else v for k, v in data.items() if isinstance(v, str)]
        if said:
            return "; ".join(said)
    meta = ocs.get("meta", {}) if isinstance(ocs, dict) else {}
    return str(meta.get("message") or "") if isinstance(meta, dict) else ""


class CospendAPI:
    """The caller's Cospend projects."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def _call(
        self,
        method: str,
        path: str,
        *,
        project: str | None,
        subject: str | None = None,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        response: httpx.Response = await self._client.request(
            method, BASE + path, headers=OCS_HEADERS, json=json, params=params, ok=(400, 401, 403, 404, 424)
        )
        try:
            body = response.json()
        except ValueError:
            raise BadResponse("Cospend's answer is not JSON") from None
        if response.is_success:
            if not isinstance(body, dict) or "ocs" not in body:
                raise BadResponse("not an OCS envelope")
            return body["ocs"].get("data")
        raise self._failure(response.status_code, _reason(body), project, subject)

    @staticmethod
    def _failure(status: int, reason: str, project: str | None, subject: str | None) -> NextcloudError:
        about = subject or (f"project '{project}'" if project else None)
        level = _LEVEL.search(reason) if status == 401 else None
        if level is not None:  # level 0: no such project, or not shared with the caller
            if int(level.group(1)) == 0:
                missing = not_found(f"project '{project}'", reason)
                missing.status = status
                return missing
            error: NextcloudError = Forbidden(reason, status=status)
        elif status == 401 and reason.startswith(("You are not allowed", "You are not authorized")):
            error = Forbidden(reason, status=status)
        elif reason in ("There is no such bill", "bill not found", "not found", "Not Found") or status == 404:
            return not_found(about or "it", reason)
        elif status in (400, 403) and reason:
            error = Refused(reason, status=status)
        else:
            error = error_for(status, reason)
        error.subject = about
        return error

    # -- projects --------------------------------------------------------------------------
    async def projects(self) -> list[Project]:
        data = await self._call("GET", "", project=None)
        if not isinstance(data, list):
            raise BadResponse("Cospend's project list is not a list")
        return [parsed(Project, item, "project") for item in data]

    async def project(self, project_id: str) -> Project:
        return parsed(Project, await self._call("GET", f"/{project_id}", project=project_id), "project")

    async def create_project(self, project_id: str, name: str) -> Project:
        data = await self._call("POST", "", project=project_id, json={"id": project_id, "name": name})
        return parsed(Project, data, "project")

    async def edit_project(self, project_id: str, changes: dict[str, Any]) -> None:
        await self._call("PUT", f"/{project_id}", project=project_id, json=changes)

    async def delete_project(self, project_id: str) -> None:
        await self._call("DELETE", f"/{project_id}", project=project_id)

    async def share(self, project_id: str, user_id: str, level: int) -> Share:
        """Share a project with a user at an access level (1 viewer ... 4 admin)."""
        body = {"userId": user_id, "accessLevel": level}
        return parsed(Share, await self._call("POST", f"/{project_id}/user-share", project=project_id, json=body),
                      "share")  # fmt: skip

    async def unshare(self, project_id: str, user_id: str) -> Share:
        """Remove a user's share of a project (found in the project first: Cospend answers 500 for an unknown one)."""
        project = await self.project(project_id)
        found = next((s for s in project.shares if s.type == "u" and s.userid == user_id), None)
        if found is None:
            raise not_found(f"a share of project '{project_id}' with user '{user_id}'")
        await self._call("DELETE", f"/{project_id}/user-share/{found.id}", project=project_id)
        return found

    # -- members ---------------------------------------------------------------------------
    async def members(self, project_id: str) -> list[Member]:
        data = await self._call("GET", f"/{project_id}/members", project=project_id)
        if not isinstance(data, list):
            raise BadResponse("Cospend's member list is not a list")
        return [parsed(Member, item, "member") for item in data]

    async def add_member(self, project_id: str, fields: dict[str, Any]) -> Member:
        data = await self._call("POST", f"/{project_id}/members", project=project_id, json=fields)
        return parsed(Member, data, "member")

    async def edit_member(self, project_id: str, member_id: int, changes: dict[str, Any]) -> Member | None:
        """The member changed, or None: Cospend deletes a member disabled before it paid or owed anything."""
        subject = f"member {member_id} of project '{project_id}'"
        data = await self._call(
            "PUT", f"/{project_id}/members/{member_id}", project=project_id, subject=subject, json=changes
        )
        return None if data is None else parsed(Member, data, "member")

    async def delete_member(self, project_id: str, member_id: int) -> None:
        subject = f"member {member_id} of project '{project_id}'"
        await self._call("DELETE", f"/{project_id}/members/{member_id}", project=project_id, subject=subject)

    # -- bills -----------------------------------------------------------------------------
    async def bills(self, project_id: str, params: dict[str, Any]) -> BillPage:
        data = await self._call("GET", f"/{project_id}/bills", project=project_id, params=params)
        return parsed(BillPage, data, "bill list")

    async def bill(self, project_id: str, bill_id: int) -> Bill:
        subject = f"bill {bill_id} of project '{project_id}'"
        data = await self._call("GET", f"/{project_id}/bills/{bill_id}", project=project_id, subject=subject)
        return parsed(Bill, data, "bill")

    async def check_people(self, project_id: str, payer: int | None, owers: list[int] | None) -> None:
        """Refuse a payer or ower who is not a member of the project (Cospend would not say which)."""
        known = {m.id for m in await self.members(project_id)}
        if payer is not None and payer not in known:
            raise InvalidInput("payer_id", f"member {payer} is not in project '{project_id}'; see its members")
        unknown = [o for o in owers or [] if o not in known]
        if unknown:
            raise InvalidInput("ower_ids", f"members {unknown} are not in project '{project_id}'; see its members")

    async def create_bill(self, project_id: str, fields: dict[str, Any]) -> int:
        data = await self._call("POST", f"/{project_id}/bills", project=project_id, json=fields)
        if not isinstance(data, int):
            raise BadResponse("Cospend did not answer the new bill's id")
        return data

    async def edit_bill(self, project_id: str, bill_id: int, changes: dict[str, Any]) -> None:
        subject = f"bill {bill_id} of project '{project_id}'"
        await self._call("PUT", f"/{project_id}/bills/{bill_id}", project=project_id, subject=subject, json=changes)

    async def delete_bill(self, project_id: str, bill_id: int, *, to_trash: bool) -> None:
        subject = f"bill {bill_id} of project '{project_id}'"
        params = {"moveToTrash": "true" if to_trash else "false"}
        await self._call("DELETE", f"/{project_id}/bills/{bill_id}", project=project_id, subject=subject,
                         params=params)  # fmt: skip

    # -- statistics and settlement ---------------------------------------------------------
    async def statistics(self, project_id: str, params: dict[str, Any]) -> Statistics:
        data = await self._call("GET", f"/{project_id}/statistics", project=project_id, params=params)
        return parsed(Statistics, data, "statistics")

    async def settlement(self, project_id: str, params: dict[str, Any]) -> Settlement:
        data = await self._call("GET", f"/{project_id}/settlement", project=project_id, params=params)
        if isinstance(data, dict):
            data = {"transactions": data.get("transactions") or [], "balances": data.get("balances") or {}}
        return parsed(Settlement, data, "settlement")
