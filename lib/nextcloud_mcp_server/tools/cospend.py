"""MCP tools for Cospend (shared expenses, OCS `apps/cospend/api/v1`): projects, members, bills,
statistics and the settlement plan.

The sixteen tools of `nc-mcp-server`'s Cospend set, named `nc_cospend_*` (the PyPI package has
none), and sharing a project with a user. A project is the caller's own or shared with them at an
access level (viewer reads, participant edits bills, maintainer members, admin the project); being
a member (a person the bills are split between) gives no access by itself. Amounts are in the project's currency;
balances and the settlement are Cospend's own (a bill's amount is split over its owers by weight).

Why a bill's people are checked first: Cospend answers an unknown payer or ower with an empty 400,
so the tools check them against the members and say which one (nextcloud/cospend.py).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import BaseModel, Field

from nextcloud_mcp_server.registry import Requirement, Toolset
from nextcloud_mcp_server.tools._base import CREATE, DELETE, READ, UPDATE, Limit, Offset, Page, Paged, invalid
from nextcloud_mcp_server.tools.declare import Nextcloud, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud import cospend as api
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

TOOLSET = Toolset(
    "cospend",
    "Cospend",
    "Shared expenses (Cospend): projects, members, bills, balances and who pays whom.",
    default=False,
    requires=Requirement("cospend", "Cospend"),
)

ProjectId = Annotated[str, Field(description="From nc_cospend_list_projects.")]
MemberId = Annotated[int, Field(ge=1, description="From nc_cospend_list_members.")]
BillId = Annotated[int, Field(ge=1, description="From nc_cospend_list_bills.")]
Day = Annotated[str | None, Field(description="YYYY-MM-DD.")]
LEVELS = {0: "none", 1: "viewer", 2: "participant", 3: "maintainer", 4: "admin"}


def _api(nc: NextcloudClient) -> api.CospendAPI:
    from nextcloud_mcp_server.nextcloud.cospend import CospendAPI

    return nc.api(CospendAPI)


def _project_id(value: str) -> str:
    if not value.strip() or "/" in value:
        raise invalid("project_id", "give a project id from nc_cospend_list_projects")
    return value.strip()


def _day(argument: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid(argument, "must be a date as YYYY-MM-DD") from None


def _ts(day: date, end: bool = False) -> int:
    return int(datetime.combine(day, time.max if end else time.min, UTC).timestamp())


class ProjectSummary(BaseModel):
    id: str
    name: str
    owner: str | None = Field(description="User id.")
    my_access: str = Field(description="viewer, participant, maintainer or admin.")
    currency: str | None
    bills: int = Field(description="Bills not in the trash.")
    total_spent: float
    archived: bool

    @classmethod
    def of(cls, project: api.Project, **extra: Any) -> Self:
        return cls(
            id=project.id, name=project.name, owner=project.userid, my_access=LEVELS.get(project.myaccesslevel, "?"),
            currency=project.currencyname or None, bills=project.nb_bills, total_spent=round(project.total_spent, 2),
            archived=bool(project.archived_ts), **extra,
        )  # fmt: skip


class MemberItem(BaseModel):
    id: int
    name: str
    weight: float = Field(description="Share of split bills, relative to the others.")
    active: bool
    user_id: str | None = Field(description="Linked Nextcloud user.")
    balance: float | None = Field(default=None, description="Paid minus owed; negative owes.")

    @classmethod
    def of(cls, member: api.Member, balance: float | None = None) -> Self:
        rounded = None if balance is None else round(balance, 2) + 0.0
        return cls(id=member.id, name=member.name, weight=member.weight, active=member.activated,
                   user_id=member.userid, balance=rounded)  # fmt: skip


class Named(BaseModel):
    id: int
    name: str | None


class ShareItem(BaseModel):
    user_id: str | None
    name: str | None
    access: str = Field(description="viewer, participant, maintainer or admin.")

    @classmethod
    def of(cls, share: api.Share) -> Self:
        return cls(user_id=share.userid, name=share.name, access=LEVELS.get(share.accesslevel, "?"))


class ProjectDetail(ProjectSummary):
    members: list[MemberItem]
    categories: list[Named]
    payment_modes: list[Named]
    shared_with: list[ShareItem] = Field(description="Users it is shared with.")

    @classmethod
    def full(cls, project: api.Project) -> Self:
        return cls.of(
            project,
            members=[MemberItem.of(m, project.balance.get(m.id, 0.0)) for m in project.members],
            categories=[Named(id=c.id, name=c.name) for c in project.categories.values()],
            payment_modes=[Named(id=p.id, name=p.name) for p in project.paymentmodes.values()],
            shared_with=[ShareItem.of(s) for s in project.shares if s.type == "u"],
        )


class BillItem(BaseModel):
    id: int
    what: str
    amount: float
    date: str = Field(description="YYYY-MM-DD (UTC).")
    payer_id: int
    ower_ids: list[int] = Field(description="Who share the amount, by weight.")
    comment: str
    category_id: int | None
    payment_mode_id: int | None
    trashed: bool

    @classmethod
    def of(cls, bill: api.Bill) -> Self:
        day = datetime.fromtimestamp(bill.timestamp, UTC).date().isoformat()
        return cls(
            id=bill.id, what=bill.what, amount=bill.amount, date=bill.date or day, payer_id=bill.payer_id,
            ower_ids=[o.id for o in bill.owers], comment=bill.comment or "", category_id=bill.categoryid or None,
            payment_mode_id=bill.paymentmodeid or None, trashed=bool(bill.deleted),
        )  # fmt: skip


class Done(BaseModel):
    message: str = Field(description="What happened.")


class MemberChange(BaseModel):
    member: MemberItem | None = Field(description="As it is now; null if Cospend deleted it.")
    message: str


class Payment(BaseModel):
    from_id: int
    from_name: str
    to_id: int
    to_name: str
    amount: float


class SettlementResult(BaseModel):
    payments: list[Payment] = Field(description="Who pays whom to settle all balances.")
    balances: list[MemberItem]


class MemberStatistics(BaseModel):
    id: int
    name: str
    paid: float
    spent: float = Field(description="Their share of the bills.")
    balance: float = Field(description="Over all bills.")
    filtered_balance: float = Field(description="Over the bills matching the filters.")


class Total(BaseModel):
    id: int | None = Field(description="null: none set.")
    name: str | None
    total: float


class StatisticsResult(BaseModel):
    members: list[MemberStatistics]
    by_category: list[Total]
    by_payment_mode: list[Total]


# -- projects ------------------------------------------------------------------------------


@tool(TOOLSET, READ, title="List Cospend projects")
async def nc_cospend_list_projects(nc: Nextcloud, limit: Limit = 50, offset: Offset = 0) -> Paged[ProjectSummary]:
    """List the Cospend projects you own or that are shared with you."""
    projects = sorted(await _api(nc).projects(), key=lambda p: p.name.casefold())
    return Paged[ProjectSummary].of([ProjectSummary.of(p) for p in projects], offset, limit)


@tool(TOOLSET, READ, title="Get Cospend project")
async def nc_cospend_get_project(nc: Nextcloud, project_id: ProjectId) -> ProjectDetail:
    """Read a project: its members with their balances, categories and payment modes."""
    return ProjectDetail.full(await _api(nc).project(_project_id(project_id)))


@tool(TOOLSET, CREATE, title="Create Cospend project")
async def nc_cospend_create_project(
    nc: Nextcloud,
    name: str,
    project_id: Annotated[str | None, Field(description="Short id; default from the name.")] = None,
) -> ProjectDetail:
    """Create a project you administer (Cospend adds -1, -2... to an id in use)."""
    if not name.strip():
        raise invalid("name", "must not be empty; name the project")
    slug = project_id.strip() if project_id is not None else _slug(name)
    if not slug or "/" in slug:
        raise invalid("project_id", "use letters, digits and dashes (no '/')")
    return ProjectDetail.full(await _api(nc).create_project(slug, name.strip()))


def _slug(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "project"


@tool(TOOLSET, UPDATE, title="Update Cospend project")
async def nc_cospend_update_project(
    nc: Nextcloud,
    project_id: ProjectId,
    name: str | None = None,
    currency_name: Annotated[str | None, Field(description="E.g. 'EUR'; '' for none.")] = None,
    deletion_disabled: Annotated[bool | None, Field(description="Forbid deleting bills.")] = None,
    archived: bool | None = None,
) -> ProjectDetail:
    """Rename, set the currency, archive or protect a project (admins only)."""
    pid = _project_id(project_id)
    if name is not None and not name.strip():
        raise invalid("name", "must not be empty; omit it to keep the name")
    archived_ts = None if archived is None else 0 if archived else -1  # Cospend: 0 now, -1 unset
    changes = {"name": name.strip() if name is not None else None, "currencyName": currency_name,
               "deletionDisabled": deletion_disabled, "archivedTs": archived_ts}  # fmt: skip
    changes = {key: value for key, value in changes.items() if value is not None}
    if not changes:
        raise invalid("name/currency_name/deletion_disabled/archived", "give at least one of them to change")
    client = _api(nc)
    await client.edit_project(pid, changes)
    return ProjectDetail.full(await client.project(pid))


@tool(TOOLSET, DELETE, title="Delete Cospend project")
async def nc_cospend_delete_project(nc: Nextcloud, project_id: ProjectId) -> Done:
    """Delete a project with all its members and bills (admins only)."""
    pid = _project_id(project_id)
    await _api(nc).delete_project(pid)
    return Done(message=f"Project '{pid}' deleted")


Access = Literal["viewer", "participant", "maintainer", "admin"]


@tool(TOOLSET, CREATE, title="Share Cospend project")
async def nc_cospend_share_project(
    nc: Nextcloud,
    project_id: ProjectId,
    user_id: str,
    access: Annotated[Access, Field(description="Not above your own.")] = "participant",
) -> ShareItem:
    """Share a project with a Nextcloud user: viewers read, participants add bills, maintainers members."""
    if not user_id.strip():
        raise invalid("user_id", "give the Nextcloud user id to share with")
    level = next(number for number, name in LEVELS.items() if name == access)
    return ShareItem.of(await _api(nc).share(_project_id(project_id), user_id.strip(), level))


@tool(TOOLSET, DELETE, title="Unshare Cospend project")
async def nc_cospend_unshare_project(nc: Nextcloud, project_id: ProjectId, user_id: str) -> Done:
    """Stop sharing a project with a user."""
    pid = _project_id(project_id)
    gone = await _api(nc).unshare(pid, user_id.strip())
    return Done(message=f"Project '{pid}' is no longer shared with {gone.userid}")


# -- members -------------------------------------------------------------------------------


@tool(TOOLSET, READ, title="List Cospend members")
async def nc_cospend_list_members(
    nc: Nextcloud, project_id: ProjectId, limit: Limit = 50, offset: Offset = 0
) -> Paged[MemberItem]:
    """List a project's members with their balances."""
    project = await _api(nc).project(_project_id(project_id))
    items = [MemberItem.of(m, project.balance.get(m.id, 0.0)) for m in sorted(project.members, key=lambda m: m.id)]
    return Paged[MemberItem].of(items, offset, limit)


@tool(TOOLSET, CREATE, title="Add Cospend member")
async def nc_cospend_add_member(
    nc: Nextcloud,
    project_id: ProjectId,
    name: str,
    weight: Annotated[float, Field(gt=0)] = 1.0,
    user_id: Annotated[str | None, Field(description="Link a Nextcloud user.")] = None,
) -> MemberItem:
    """Add a person to split bills with (maintainers and admins)."""
    if not name.strip() or "/" in name:
        raise invalid("name", "give the person's name (without '/')")
    fields: dict[str, Any] = {"name": name.strip(), "weight": weight}
    if user_id is not None:
        fields["userId"] = user_id
    return MemberItem.of(await _api(nc).add_member(_project_id(project_id), fields))


@tool(TOOLSET, UPDATE, title="Update Cospend member")
async def nc_cospend_update_member(
    nc: Nextcloud,
    project_id: ProjectId,
    member_id: MemberId,
    name: str | None = None,
    weight: Annotated[float | None, Field(gt=0)] = None,
    active: Annotated[bool | None, Field(description="false deletes one with no bills.")] = None,
    user_id: Annotated[str | None, Field(description="'' unlinks.")] = None,
) -> MemberChange:
    """Rename, reweight, link or (de)activate a member."""
    if name is not None and (not name.strip() or "/" in name):
        raise invalid("name", "give the person's name (without '/'), or omit it")
    changes = {"name": name.strip() if name is not None else None, "weight": weight, "activated": active,
               "userId": user_id}  # fmt: skip
    changes = {key: value for key, value in changes.items() if value is not None}
    if not changes:
        raise invalid("name/weight/active/user_id", "give at least one of them to change")
    member = await _api(nc).edit_member(_project_id(project_id), member_id, changes)
    if member is None:
        return MemberChange(member=None, message=f"Member {member_id} had no bills and was deleted")
    return MemberChange(member=MemberItem.of(member), message=f"Member {member_id} updated")


@tool(TOOLSET, DELETE, title="Delete Cospend member")
async def nc_cospend_delete_member(nc: Nextcloud, project_id: ProjectId, member_id: MemberId) -> Done:
    """Delete a member without bills; one with bills is deactivated instead."""
    pid = _project_id(project_id)
    client = _api(nc)
    await client.delete_member(pid, member_id)
    kept = any(m.id == member_id for m in await client.members(pid))
    return Done(message=f"Member {member_id} " + ("has bills, so was deactivated" if kept else "deleted"))


# -- bills ---------------------------------------------------------------------------------

ALL = 100_000
"""What a search asks for at once: Cospend's `nb_bills` does not count a search, so it is paged here."""


@tool(TOOLSET, READ, title="List Cospend bills")
async def nc_cospend_list_bills(
    nc: Nextcloud,
    project_id: ProjectId,
    limit: Limit = 50,
    offset: Offset = 0,
    payer_id: int | None = None,
    category_id: int | None = None,
    payment_mode_id: int | None = None,
    search: Annotated[str | None, Field(description="In what/comment, or an amount ±1.")] = None,
    trashed: bool = False,
) -> Paged[BillItem]:
    """List a project's bills, newest first, optionally filtered."""
    params: dict[str, Any] = {"reverse": "true", "deleted": int(trashed), "payerId": payer_id,
                              "categoryId": category_id, "paymentModeId": payment_mode_id}  # fmt: skip
    params = {key: value for key, value in params.items() if value is not None}
    client, pid = _api(nc), _project_id(project_id)
    if search is not None and search.strip():
        found = await client.bills(pid, {**params, "searchTerm": search.strip(), "limit": ALL, "offset": 0})
        return Paged[BillItem].of([BillItem.of(b) for b in found.bills], offset, limit)
    page = await client.bills(pid, {**params, "limit": limit, "offset": offset})
    end = offset + len(page.bills)
    return Paged[BillItem](
        items=[BillItem.of(b) for b in page.bills],
        page=Page(total=page.nb_bills, offset=offset, next_offset=end if end < page.nb_bills else None),
    )


@tool(TOOLSET, READ, title="Get Cospend bill")
async def nc_cospend_get_bill(nc: Nextcloud, project_id: ProjectId, bill_id: BillId) -> BillItem:
    """Read one bill: amount, payer, owers, date and category."""
    return BillItem.of(await _api(nc).bill(_project_id(project_id), bill_id))


Owers = Annotated[list[int], Field(min_length=1, description="Member ids who share the amount.")]


@tool(TOOLSET, CREATE, title="Create Cospend bill")
async def nc_cospend_create_bill(
    nc: Nextcloud,
    project_id: ProjectId,
    what: str,
    amount: float,
    payer_id: int,
    ower_ids: Owers,
    date: Annotated[str | None, Field(description="YYYY-MM-DD; default today.")] = None,
    comment: str | None = None,
    category_id: int | None = None,
    payment_mode_id: int | None = None,
) -> BillItem:
    """Record an expense: who paid how much for whom (split by the owers' weights)."""
    pid = _project_id(project_id)
    day = _day("date", date) or datetime.now(UTC).date()
    if amount == 0:
        raise invalid("amount", "must not be 0")
    client = _api(nc)
    await client.check_people(pid, payer_id, ower_ids)
    fields = {"what": what, "amount": amount, "payer": payer_id, "payedFor": ",".join(map(str, ower_ids)),
              "date": day.isoformat(), "repeat": "n", "comment": comment, "categoryId": category_id,
              "paymentModeId": payment_mode_id}  # fmt: skip
    bill_id = await client.create_bill(pid, {k: v for k, v in fields.items() if v is not None})
    return BillItem.of(await client.bill(pid, bill_id))


@tool(TOOLSET, UPDATE, title="Update Cospend bill")
async def nc_cospend_update_bill(
    nc: Nextcloud,
    project_id: ProjectId,
    bill_id: BillId,
    what: str | None = None,
    amount: float | None = None,
    payer_id: int | None = None,
    ower_ids: Annotated[list[int] | None, Field(min_length=1)] = None,
    date: Day = None,
    comment: str | None = None,
    category_id: int | None = None,
    payment_mode_id: int | None = None,
    restore: Annotated[bool, Field(description="Take it out of the trash.")] = False,
) -> BillItem:
    """Change a bill; ower_ids replaces the owers."""
    pid = _project_id(project_id)
    day = _day("date", date)
    changes = {"what": what, "amount": amount, "payer": payer_id, "date": day.isoformat() if day else None,
               "payedFor": ",".join(map(str, ower_ids)) if ower_ids else None, "comment": comment,
               "categoryId": category_id, "paymentModeId": payment_mode_id,
               "deleted": 0 if restore else None}  # fmt: skip
    changes = {key: value for key, value in changes.items() if value is not None}
    if not changes:
        raise invalid("what/amount/payer_id/ower_ids/date/...", "give at least one field to change")
    client = _api(nc)
    if payer_id is not None or ower_ids:
        await client.check_people(pid, payer_id, ower_ids)
    await client.edit_bill(pid, bill_id, changes)
    return BillItem.of(await client.bill(pid, bill_id))


@tool(TOOLSET, DELETE, title="Delete Cospend bill")
async def nc_cospend_delete_bill(
    nc: Nextcloud,
    project_id: ProjectId,
    bill_id: BillId,
    permanently: Annotated[bool, Field(description="Skip the trash.")] = False,
) -> Done:
    """Move a bill to the project's trash, or delete it for good."""
    await _api(nc).delete_bill(_project_id(project_id), bill_id, to_trash=not permanently)
    return Done(message=f"Bill {bill_id} " + ("deleted" if permanently else "moved to the trash"))


# -- statistics and settlement -------------------------------------------------------------


@tool(TOOLSET, READ, title="Cospend statistics")
async def nc_cospend_get_statistics(
    nc: Nextcloud,
    project_id: ProjectId,
    date_from: Day = None,
    date_to: Day = None,
    category_id: int | None = None,
    payment_mode_id: int | None = None,
    payer_id: int | None = None,
) -> StatisticsResult:
    """Per member: paid, spent and balance; totals by category and payment mode."""
    pid = _project_id(project_id)
    start, end = _day("date_from", date_from), _day("date_to", date_to)
    params = {"tsMin": _ts(start) if start else None, "tsMax": _ts(end, end=True) if end else None,
              "categoryId": category_id, "paymentModeId": payment_mode_id, "payerId": payer_id}  # fmt: skip
    client = _api(nc)
    stats = await client.statistics(pid, {k: v for k, v in params.items() if v is not None})
    project = await client.project(pid)

    def totals(found: dict[int, float], names: dict[int, api.Element]) -> list[Total]:
        return [Total(id=key or None, name=names[key].name if key in names else None, total=round(value, 2))
                for key, value in sorted(found.items(), key=lambda kv: -kv[1])]  # fmt: skip

    members = [
        MemberStatistics(id=s.member.id, name=s.member.name, paid=round(s.paid, 2), spent=round(s.spent, 2),
                         balance=round(s.balance, 2) + 0.0, filtered_balance=round(s.filtered_balance, 2) + 0.0)
        for s in stats.stats
    ]  # fmt: skip
    return StatisticsResult(members=members, by_category=totals(stats.categoryStats, project.categories),
                            by_payment_mode=totals(stats.paymentModeStats, project.paymentmodes))  # fmt: skip


@tool(TOOLSET, READ, title="Cospend settlement")
async def nc_cospend_get_settlement(
    nc: Nextcloud,
    project_id: ProjectId,
    centered_on: Annotated[int | None, Field(description="Member id everyone settles with.")] = None,
    until: Annotated[str | None, Field(description="YYYY-MM-DD; bills after it are left out.")] = None,
) -> SettlementResult:
    """Who pays whom how much so that every balance is zero."""
    pid = _project_id(project_id)
    day = _day("until", until)
    params = {"centeredOn": centered_on, "maxTimestamp": _ts(day, end=True) if day else None}
    client = _api(nc)
    project = await client.project(pid)
    members = {m.id: m for m in project.members}
    if centered_on is not None and centered_on not in members:
        raise invalid("centered_on", f"member {centered_on} is not in project '{pid}'; see nc_cospend_list_members")
    found = await client.settlement(pid, {k: v for k, v in params.items() if v is not None})
    names = {m.id: m.name for m in project.members}
    payments = [
        Payment(from_id=t.from_id, from_name=names.get(t.from_id, "?"), to_id=t.to, to_name=names.get(t.to, "?"),
                amount=round(t.amount, 2))
        for t in found.transactions if round(t.amount, 2) > 0
    ]  # fmt: skip
    balances = [MemberItem.of(m, found.balances.get(m.id, 0.0)) for m in sorted(project.members, key=lambda m: m.id)]
    return SettlementResult(payments=payments, balances=balances)
