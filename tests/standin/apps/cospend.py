"""Cospend (shared expenses) over OCS, `api/v1` (ApiController and LocalProjectService of cospend 4.0.2).

As Cospend behaves (contract apps/cospend.openapi.json; julien-nc/cospend-nc lib/Controller/ApiController.php,
lib/Service/LocalProjectService.php, lib/Middleware/UserPermissionMiddleware.php):
- Access levels: 0 none, 1 viewer, 2 participant, 3 maintainer, 4 admin. The owner is admin; a user
  share gives its level (`share(project, user, level)` seeds one). Being a member (a person in the
  project's accounts, even with a `userid`) gives no access. Each route needs a level (reads 1,
  bills 2, members 3, the project's settings and deletion 4); below it, or for a project that does
  not exist (level 0), the middleware answers OCS 401 "Insufficient access level - <user>@<project>
  | <method> : <have> < <need>".
- `POST projects` takes `id` and `name`; a taken id gets `-1`, `-2`, ... appended; an id with `/` is
  404 `{"message": "Invalid project id"}` (the controller answers CospendBasicException with 404).
  A new project has Cospend's default categories and payment modes.
- Balances: each bill's amount is credited to its payer and split over its owers by weight (a
  weight of 0 counts as 1); trashed bills do not count. The settlement is Cospend's greedy plan
  (largest debtor pays largest creditor, repeated), or, `centeredOn` a member, everyone settles with
  that member; `transactions` is null when nobody owes anything; `balances` is `[]` without members.
- Bills: `GET bills` is ascending by timestamp (`reverse=true`: descending); `searchTerm` applies
  only with a `limit` (in `what`, `comment`, or an amount within 1); `nb_bills` counts the bills
  under the payer/category/payment-mode/deleted filters (not the search). A bill's `date`
  (`Y-m-d`) becomes a timestamp at the current time of day (PHP's createFromFormat). Creation errors
  are 400 with empty data (the reason is lost in CospendBasicException's message); editing errors are
  400 with `{field: reason}` ("There is no such bill" for a missing one). Deleting moves into the
  trash (`deleted` 1) unless `moveToTrash=false` or already trashed; a project with deletion
  disabled refuses (403).
- Members: a name is unique in the project and has no `/`; the weight is > 0. Disabling a member
  who owes and paid nothing deletes it (`PUT` answers null); `DELETE` deletes such a member and
  disables any other.
Capabilities: `{"cospend": {"version": "4.0.2", "federation": {"enabled": false}}}`.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from tests.standin.core import User
from tests.standin.kit import EmulatedApp, Failure, Reply, Request, Sample, route

CONTRACT = "apps/cospend.openapi.json"
BASE = "/ocs/v2.php/apps/cospend/api/{apiVersion}"
PROJECTS = BASE + "/projects"
PROJECT = PROJECTS + "/{projectId}"
MEMBERS = PROJECT + "/members"
MEMBER = MEMBERS + "/{memberId}"
BILLS = PROJECT + "/bills"
BILL = BILLS + "/{billId}"

VIEWER, PARTICIPANT, MAINTAINER, ADMIN = 1, 2, 3, 4
FREQUENCIES = ("n", "d", "w", "b", "s", "m", "y")
SORT_ORDERS = ("a", "m", "u", "r")
DEFAULT_CATEGORIES = [("Grocery", "🛒", "#ffaa00"), ("Bar/Party", "🎉", "#aa55ff"), ("Rent", "🏠", "#da8733"),
                      ("Bill", "🌩", "#4aa6b0"), ("Excursion/Culture", "🚸", "#0055ff"), ("Health", "💚", "#bf090c"),
                      ("Shopping", "🛍", "#e167d1"), ("Restaurant", "🍴", "#d0d5e1"),
                      ("Accommodation", "🛌", "#5de1a3"), ("Transport", "🚌", "#6f2ee1"),
                      ("Sport", "🎾", "#69e177")]  # fmt: skip
DEFAULT_PAYMENT_MODES = [("Credit card", "💳", "#FF7F50", "c"), ("Cash", "💵", "#556B2F", "b"),
                         ("Check", "🎫", "#A9A9A9", "f"), ("Transfer", "⇄", "#00CED1", "t"),
                         ("Online service", "🌎", "#9932CC", "o")]  # fmt: skip


@dataclass
class Member:
    id: int
    name: str
    weight: float
    activated: bool
    userid: str | None
    color: str | None
    lastchanged: int

    def json(self) -> dict[str, Any]:
        hexa = (self.color or "#" + hashlib.md5(self.name.encode()).hexdigest()[:6]).lstrip("#")  # noqa: S324
        if len(hexa) == 3:
            hexa = "".join(c * 2 for c in hexa)
        rgb = {"r": int(hexa[0:2], 16), "g": int(hexa[2:4], 16), "b": int(hexa[4:6], 16)}
        return {"id": self.id, "name": self.name, "weight": self.weight, "activated": self.activated,
                "lastchanged": self.lastchanged, "userid": self.userid, "color": rgb}  # fmt: skip


@dataclass
class Bill:
    id: int
    project_id: str
    what: str
    comment: str
    payer_id: int
    timestamp: int
    amount: float
    owers: list[int]
    repeat: str = "n"
    repeatallactive: int = 0
    repeatuntil: str = ""
    repeatfreq: int = 1
    categoryid: int = 0
    paymentmode: str = "n"
    paymentmodeid: int = 0
    deleted: int = 0
    lastchanged: int = 0


@dataclass
class Element:
    """A category or a payment mode."""

    id: int
    project_id: str
    name: str
    icon: str
    color: str
    order: int = 0
    old_id: str | None = None

    def json(self) -> dict[str, Any]:
        found = {"id": self.id, "projectid": self.project_id, "name": self.name, "icon": self.icon,
                 "color": self.color, "order": self.order}  # fmt: skip
        if self.old_id is not None:
            found["old_id"] = self.old_id
        return found


@dataclass
class Project:
    id: str
    name: str
    owner: str
    lastchanged: int
    autoexport: str = "n"
    deletiondisabled: bool = False
    categorysort: str = "a"
    paymentmodesort: str = "a"
    currencyname: str = ""
    archived_ts: int = 0
    members: dict[int, Member] = field(default_factory=dict)
    bills: dict[int, Bill] = field(default_factory=dict)
    categories: dict[int, Element] = field(default_factory=dict)
    paymentmodes: dict[int, Element] = field(default_factory=dict)
    shares: dict[str, tuple[int, int]] = field(default_factory=dict)
    """User id -> (share id, access level)."""


def _number(value: Any, name: str, kind: type = int) -> Any:
    """A controller's typed parameter: what is not a number of that kind is Nextcloud's 400."""
    if value is None or value == "":
        return None
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise Failure(400, f"Parameter {name} is not a valid {kind.__name__}") from None


def _flag(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).lower() not in ("0", "false", "")


def balances(project: Project, max_timestamp: int | None = None) -> dict[int, float]:
    """Cospend's getBalance: payer credited, owers debited by weight; trashed bills left out."""
    found = dict.fromkeys(project.members, 0.0)
    for bill in sorted(project.bills.values(), key=lambda b: b.timestamp):
        if bill.deleted or (max_timestamp is not None and bill.timestamp > max_timestamp):
            continue
        found[bill.payer_id] += bill.amount
        weights = [(o, project.members[o].weight or 1.0) for o in bill.owers]
        shares = sum(w for _, w in weights)
        for ower, weight in weights:
            found[ower] -= bill.amount / shares * weight
    return found


def _sorted(entries: list[list[Any]], reverse: bool = False) -> list[list[Any]]:
    """Cospend's sortCreditersDebiters (an insertion sort, ties kept in its order)."""
    result: list[list[Any]] = []
    for entry in entries:
        i = 0
        while i < len(result) and (entry[1] < result[i][1] if reverse else entry[1] >= result[i][1]):
            i += 1
        result.insert(i, entry)
    return result


def settle(found: dict[int, float]) -> list[dict[str, Any]] | None:
    """Cospend's reduceBalance: repeatedly the largest debtor pays the largest creditor."""
    crediters = [[member, amount] for member, amount in found.items() if amount > 0.0]
    debiters = [[member, amount] for member, amount in found.items() if amount < 0.0]
    results: list[dict[str, Any]] | None = None
    while crediters and debiters:
        results = results or []
        crediters, debiters = _sorted(crediters), _sorted(debiters, reverse=True)
        debiter, debit = debiters.pop()
        crediter, credit = crediters.pop()
        amount = abs(credit) if abs(debit) > abs(credit) else abs(debit)
        results.append({"to": crediter, "amount": amount, "from": debiter})
        if debit + amount < 0.0:
            debiters = _sorted([*debiters, [debiter, debit + amount]], reverse=True)
        if credit - amount > 0.0:
            crediters = _sorted([*crediters, [crediter, credit - amount]])
    return results


def _by_id(values: dict[int, float]) -> dict[str, float] | list[Any]:
    """PHP's JSON of an int-keyed array: an object, or `[]` when empty."""
    return {str(key): value for key, value in values.items()} if values else []


class CospendApp(EmulatedApp):
    """The Cospend app (see the module docstring)."""

    app_id = "cospend"
    prefixes = ("/ocs/v2.php/apps/cospend/",)

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self._lock = threading.RLock()
        self.projects: dict[str, Project] = {}
        self._ids = {"member": 0, "bill": 0, "category": 0, "paymentmode": 0, "share": 0}

    def capabilities(self, user: User) -> dict[str, Any]:
        return {"cospend": {"version": "4.0.2", "federation": {"enabled": False}}}

    def _next(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]

    # -- state a test can seed or read ---------------------------------------------------
    def create(self, owner: str, project_id: str, name: str) -> Project:
        with self._lock:
            wanted, n = project_id, 1
            while project_id in self.projects:
                project_id, n = f"{wanted}-{n}", n + 1
            project = Project(project_id, name, owner, int(time.time()))
            for cat_name, icon, color in DEFAULT_CATEGORIES:
                cid = self._next("category")
                project.categories[cid] = Element(cid, project_id, cat_name, icon, color)
            for pm_name, icon, color, old_id in DEFAULT_PAYMENT_MODES:
                pid = self._next("paymentmode")
                project.paymentmodes[pid] = Element(pid, project_id, pm_name, icon, color, old_id=old_id)
            self.projects[project_id] = project
            return project

    def share(self, project_id: str, user_id: str, level: int = PARTICIPANT) -> None:
        """Share a project with a user at an access level (Cospend's user share)."""
        with self._lock:
            self.projects[project_id].shares[user_id] = (self._next("share"), level)

    def level(self, user_id: str, project_id: str) -> int:
        project = self.projects.get(project_id)
        if project is None:
            return 0
        if project.owner == user_id:
            return ADMIN
        return project.shares.get(user_id, (0, 0))[1]

    def forget_user(self, user_id: str) -> None:
        with self._lock:
            for key in [k for k, p in self.projects.items() if p.owner == user_id]:
                del self.projects[key]

    # -- helpers -------------------------------------------------------------------------
    def _project(self, request: Request, need: int, method: str) -> Project:
        if request.params["apiVersion"] != "v1":
            raise Failure(404, "")
        project_id = request.params["projectId"]
        have = self.level(request.user.id, project_id)
        if have < need:
            raise Failure(
                401, f"Insufficient access level - {request.user.id}@{project_id} | {method} : {have} < {need}"
            )
        return self.projects[project_id]

    def bill_json(self, project: Project, bill: Bill) -> dict[str, Any]:
        owers = [project.members[o] for o in bill.owers if o in project.members]
        return {
            "id": bill.id, "projectid": project.id, "what": bill.what, "comment": bill.comment,
            "payer_id": bill.payer_id, "timestamp": bill.timestamp,
            "date": datetime.fromtimestamp(bill.timestamp, UTC).strftime("%Y-%m-%d"), "amount": bill.amount,
            "repeat": bill.repeat, "repeatallactive": bill.repeatallactive, "repeatuntil": bill.repeatuntil,
            "repeatfreq": bill.repeatfreq, "categoryid": bill.categoryid, "paymentmode": bill.paymentmode,
            "paymentmodeid": bill.paymentmodeid, "deleted": bill.deleted, "lastchanged": bill.lastchanged,
            "owers": [{"id": m.id, "weight": m.weight, "name": m.name, "activated": m.activated} for m in owers],
            "owerIds": [m.id for m in owers],
        }  # fmt: skip

    def info(self, project: Project, user_id: str) -> dict[str, Any]:
        members = sorted(project.members.values(), key=lambda m: m.name.lower())
        live = [b for b in project.bills.values() if not b.deleted]
        shares = []
        for uid, (sid, level) in project.shares.items():
            user = self.standin.users.get(uid)
            shares.append({"id": sid, "accesslevel": level, "type": "u", "userid": uid,
                           "name": user.display_name if user else uid, "manually_added": True})  # fmt: skip
        return {
            "id": project.id, "userid": project.owner, "name": project.name, "email": "",
            "autoexport": project.autoexport, "lastchanged": project.lastchanged,
            "deletiondisabled": project.deletiondisabled, "categorysort": project.categorysort,
            "paymentmodesort": project.paymentmodesort, "currencyname": project.currencyname,
            "archived_ts": project.archived_ts,
            "active_members": [m.json() for m in members if m.activated], "members": [m.json() for m in members],
            "balance": _by_id(balances(project)), "nb_bills": len(live),
            "total_spent": float(sum(b.amount for b in live)),
            "nb_trashbin_bills": len(project.bills) - len(live), "shares": shares, "currencies": [],
            "categories": {str(c.id): c.json() for c in project.categories.values()},
            "paymentmodes": {str(p.id): p.json() for p in project.paymentmodes.values()},
            "myaccesslevel": self.level(user_id, project.id),
        }  # fmt: skip

    def _members_of_bill(self, project: Project, payer: int | None, payed_for: Any) -> list[int] | None:
        if payed_for is None or payed_for == "":
            return None
        parts = str(payed_for).split(",")
        if not all(p.strip().lstrip("-").isdigit() for p in parts):
            return []
        return [int(p) for p in parts]

    # -- projects ------------------------------------------------------------------------
    @route("GET", PROJECTS, contract=CONTRACT)
    async def list_projects(self, request: Request) -> Reply:
        if request.params["apiVersion"] != "v1":
            raise Failure(404, "")
        with self._lock:
            mine = [p for p in self.projects.values() if self.level(request.user.id, p.id) > 0]
            return Reply(200, [self.info(p, request.user.id) for p in mine])

    @route("POST", PROJECTS, contract=CONTRACT)
    async def create_project(self, request: Request) -> Reply:
        if request.params["apiVersion"] != "v1":
            raise Failure(404, "")
        args = request.args()
        if not isinstance(args.get("id"), str) or not isinstance(args.get("name"), str):
            raise Failure(400, "Missing parameters: id, name")
        if "/" in args["id"]:
            raise Failure(404, "", data={"message": "Invalid project id"})
        project = self.create(request.user.id, args["id"], args["name"])
        return Reply(200, self.info(project, request.user.id))

    @route("GET", PROJECT, contract=CONTRACT)
    async def get_project(self, request: Request) -> Reply:
        with self._lock:
            project = self._project(request, VIEWER, "getProjectInfo")
            return Reply(200, self.info(project, request.user.id))

    @route("PUT", PROJECT, contract=CONTRACT)
    async def edit_project(self, request: Request) -> Reply:
        with self._lock:
            project = self._project(request, ADMIN, "editProject")
            args = request.args()
            name, auto = args.get("name"), args.get("autoExport")
            category_sort, pm_sort = args.get("categorySort"), args.get("paymentModeSort")
            if name == "":
                raise Failure(400, "", data={"name": "Name can't be empty"})
            if auto not in (None, "") and auto not in FREQUENCIES:
                raise Failure(400, "", data={"autoexport": "Invalid frequency"})
            if category_sort not in (None, "") and category_sort not in SORT_ORDERS:
                raise Failure(400, "", data={"categorysort": "Invalid sort order"})
            if pm_sort not in (None, "") and pm_sort not in SORT_ORDERS:
                raise Failure(400, "", data={"paymentmodesort": "Invalid sort order"})
            archived = _number(args.get("archivedTs"), "archivedTs")
            if archived is not None:
                project.archived_ts = int(time.time()) if archived == 0 else (0 if archived == -1 else archived)
            if name is not None:
                project.name = name
            if auto:
                project.autoexport = auto
            if category_sort:
                project.categorysort = category_sort
            if pm_sort:
                project.paymentmodesort = pm_sort
            if args.get("deletionDisabled") is not None:
                project.deletiondisabled = _flag(args["deletionDisabled"], False)
            if args.get("currencyName") is not None:
                project.currencyname = args["currencyName"]
            project.lastchanged = int(time.time())
            return Reply(200, "")

    @route("DELETE", PROJECT, contract=CONTRACT)
    async def delete_project(self, request: Request) -> Reply:
        with self._lock:
            project = self._project(request, ADMIN, "deleteProject")
            del self.projects[project.id]
            return Reply(200, {"message": "DELETED"})

    # -- members -------------------------------------------------------------------------
    @route("GET", MEMBERS, contract=CONTRACT)
    async def list_members(self, request: Request) -> Reply:
        with self._lock:
            project = self._project(request, VIEWER, "getMembers")
            since = _number(request.query.get("lastChanged"), "lastChanged")
            found = [m for m in project.members.values() if since is None or m.lastchanged > since]
            return Reply(200, [m.json() for m in sorted(found, key=lambda m: m.id)])

    @route("POST", MEMBERS, contract=CONTRACT)
    async def create_member(self, request: Request) -> Reply:
        with self._lock:
            project = self._project(request, MAINTAINER, "createMember")
            args = request.args()
            name, user_id, color = args.get("name"), args.get("userId"), args.get("color")
            weight = _number(args.get("weight"), "weight", float)
            if not isinstance(name, str):
                raise Failure(400, "Missing parameters: name")
            reason = None
            if name == "":
                reason = "Name field is required"
            elif "/" in name:
                reason = "Invalid member name"
            elif weight is not None and weight <= 0.0:
                reason = "Weight is not a valid decimal value"
            elif color not in (None, "") and len(color) not in (4, 7):
                reason = "Invalid color value"
            elif any(m.name == name for m in project.members.values()):
                reason = "This project already has this member"
            elif user_id is not None and any(m.userid == user_id for m in project.members.values()):
                reason = "This project already has this member (user)"
            if reason is not None:
                raise Failure(400, "", data={"error": reason})
            member = Member(self._next("member"), name, 1.0 if weight is None else weight,
                            _number(args.get("active"), "active") != 0, user_id, color or None,
                            int(time.time()))  # fmt: skip
            project.members[member.id] = member
            return Reply(200, member.json())

    @route("PUT", MEMBER, contract=CONTRACT)
    async def edit_member(self, request: Request) -> Reply:
        with self._lock:
            project = self._project(request, MAINTAINER, "editMember")
            member = project.members.get(_number(request.params["memberId"], "memberId"))
            if member is None:
                raise Failure(400, "", data={"name": "This project have no such member"})
            args = request.args()
            name, color, user_id = args.get("name"), args.get("color"), args.get("userId")
            weight = _number(args.get("weight"), "weight", float)
            activated = args.get("activated")
            if activated is not None:
                activated = _flag(activated, True)
            owes = any(member.id in b.owers or b.payer_id == member.id for b in project.bills.values())
            if member.activated and activated is False and not owes:
                del project.members[member.id]
                return Reply(200, None)
            if name is not None and "/" in name:
                raise Failure(400, "", data={"name": "Invalid member name"})
            if name is not None and any(m.name == name and m.id != member.id for m in project.members.values()):
                raise Failure(400, "", data={"name": "Name already exists"})
            if color is not None and len(color.lstrip("#")) not in (0, 3, 6):
                raise Failure(400, "", data={"color": "Invalid value"})
            if weight is not None and weight <= 0.0:
                raise Failure(400, "", data={"weight": "Not a valid decimal value"})
            member.lastchanged = int(time.time())
            if weight is not None:
                member.weight = weight
            if activated is not None:
                member.activated = activated
            if name is not None:
                member.name = name
            if color is not None:
                member.color = None if color.lstrip("#") == "" else "#" + color.lstrip("#")
            if user_id is not None:
                member.userid = user_id or None
            return Reply(200, member.json())

    @route("DELETE", MEMBER, contract=CONTRACT)
    async def delete_member(self, request: Request) -> Reply:
        with self._lock:
            project = self._project(request, MAINTAINER, "deleteMember")
            member = project.members.get(_number(request.params["memberId"], "memberId"))
            if member is None:
                raise Failure(404, "", data={"error": "Not Found"})
            if not any(member.id in b.owers or b.payer_id == member.id for b in project.bills.values()):
                del project.members[member.id]
            else:
                member.activated = False
            return Reply(200, "")

    # -- bills ---------------------------------------------------------------------------
    @route("GET", BILLS, contract=CONTRACT)
    async def list_bills(self, request: Request) -> Reply:
        with self._lock:
            project = self._project(request, VIEWER, "getBills")
            q = request.query
            deleted = _number(q.get("deleted"), "deleted") or 0
            payer, category = _number(q.get("payerId"), "payerId"), _number(q.get("categoryId"), "categoryId")
            payment_mode = _number(q.get("paymentModeId"), "paymentModeId")
            since = _number(q.get("lastChanged"), "lastChanged")
            limit, offset = _number(q.get("limit"), "limit"), _number(q.get("offset"), "offset") or 0
            term = (q.get("searchTerm") or "").lower()

            def kept(bill: Bill) -> bool:
                return (
                    bill.deleted == deleted
                    and (payer is None or bill.payer_id == payer)
                    and (category is None or bill.categoryid == category)
                    and (payment_mode is None or bill.paymentmodeid == payment_mode)
                )

            counted = [b for b in project.bills.values() if kept(b)]
            found = [b for b in counted if since is None or b.lastchanged > since]
            if limit and term:
                amount = _number(term.replace(",", "."), "searchTerm", float) if _is_number(term) else None
                found = [b for b in found if term in b.what.lower() or term in b.comment.lower()
                         or (amount is not None and amount - 1.0 <= b.amount <= amount + 1.0)]  # fmt: skip
            found.sort(key=lambda b: (b.timestamp, b.id), reverse=_flag(q.get("reverse"), False))
            if limit:
                found = found[offset : offset + limit]
            all_ids = sorted(b.id for b in project.bills.values() if b.deleted == deleted)
            return Reply(200, {"nb_bills": len(counted), "allBillIds": all_ids, "timestamp": int(time.time()),
                               "bills": [self.bill_json(project, b) for b in found]})  # fmt: skip

    @route("POST", BILLS, contract=CONTRACT)
    async def create_bill(self, request: Request) -> Reply:
        with self._lock:
            project = self._project(request, PARTICIPANT, "createBill")
            args = request.args()
            repeat = args.get("repeat")
            timestamp = _number(args.get("timestamp"), "timestamp")
            amount = _number(args.get("amount"), "amount", float)
            payer = _number(args.get("payer"), "payer")
            if not isinstance(repeat, str) or len(repeat) != 1 or repeat not in FREQUENCIES:
                raise Failure(400, "", data=[])  # "Invalid repeat value": the message is not sent
            if timestamp is None:
                timestamp = _date_timestamp(args.get("date"))
                if timestamp is None:
                    raise Failure(400, "", data=[])  # "Timestamp (or date) field is required" / "Invalid date"
            owers = self._members_of_bill(project, payer, args.get("payedFor"))
            if amount is None or payer is None or payer not in project.members:
                raise Failure(400, "", data=[])  # amount/payer is required, payer is not valid
            if not owers or any(o not in project.members for o in owers):
                raise Failure(400, "", data=[])  # payed_for is not valid
            pm_id = _number(args.get("paymentModeId"), "paymentModeId")
            now = int(time.time())
            bill = Bill(self._next("bill"), project.id, args.get("what") or "", args.get("comment") or "", payer,
                        timestamp, amount, owers, repeat=repeat,
                        categoryid=_number(args.get("categoryId"), "categoryId") or 0,
                        paymentmodeid=pm_id or 0, paymentmode=_old_id(project, pm_id), lastchanged=now)  # fmt: skip
            project.bills[bill.id] = bill
            project.lastchanged = now
            return Reply(200, bill.id)

    @route("GET", BILL, contract=CONTRACT)
    async def get_bill(self, request: Request) -> Reply:
        with self._lock:
            project = self._project(request, VIEWER, "getBill")
            bill = project.bills.get(_number(request.params["billId"], "billId"))
            if bill is None:
                raise Failure(404, "", data={"error": "bill not found"})
            return Reply(200, self.bill_json(project, bill))

    @route("PUT", BILL, contract=CONTRACT)
    async def edit_bill(self, request: Request) -> Reply:
        with self._lock:
            project = self._project(request, PARTICIPANT, "editBill")
            bill_id = _number(request.params["billId"], "billId")
            bill = project.bills.get(bill_id)
            if bill is None:
                raise Failure(400, "", data={"message": "There is no such bill"})
            args = request.args()
            repeat, day = args.get("repeat"), args.get("date")
            timestamp = _number(args.get("timestamp"), "timestamp")
            payer = _number(args.get("payer"), "payer")
            if repeat not in (None, "") and repeat not in FREQUENCIES:
                raise Failure(400, "", data={"repeat": "Invalid value"})
            if timestamp is None and day not in (None, "") and _date_timestamp(day) is None:
                raise Failure(400, "", data={"date": "Invalid value"})
            if payer is not None and payer not in project.members:
                raise Failure(400, "", data={"payer": "Not a valid choice"})
            owers = self._members_of_bill(project, payer, args.get("payedFor"))
            if owers is not None and not owers:
                raise Failure(400, "", data={"payed_for": "Invalid value"})
            if owers is not None and any(o not in project.members for o in owers):
                raise Failure(400, "", data={"payed_for": "Not a valid choice"})
            now = int(time.time())
            bill.lastchanged = now
            for key, attr in (("what", "what"), ("comment", "comment")):
                if args.get(key) is not None:
                    setattr(bill, attr, args[key])
            if args.get("deleted") is not None:
                bill.deleted = _number(args["deleted"], "deleted")
            if repeat:
                bill.repeat = repeat
            pm_id = _number(args.get("paymentModeId"), "paymentModeId")
            if pm_id is not None:
                bill.paymentmodeid, bill.paymentmode = pm_id, _old_id(project, pm_id)
            if args.get("categoryId") is not None:
                bill.categoryid = _number(args["categoryId"], "categoryId")
            if timestamp is not None:
                bill.timestamp = timestamp
            elif day not in (None, ""):
                bill.timestamp = _date_timestamp(day) or bill.timestamp
            if args.get("amount") is not None:
                bill.amount = _number(args["amount"], "amount", float)
            if payer is not None:
                bill.payer_id = payer
            if owers is not None:
                bill.owers = owers
            project.lastchanged = now
            return Reply(200, bill_id)

    @route("DELETE", BILL, contract=CONTRACT)
    async def delete_bill(self, request: Request) -> Reply:
        with self._lock:
            project = self._project(request, PARTICIPANT, "deleteBill")
            if project.deletiondisabled:
                raise Failure(403, "", data={"error": "project deletion is disabled"})
            bill = project.bills.get(_number(request.params["billId"], "billId"))
            if bill is None:
                raise Failure(404, "", data={"error": "not found"})
            if _flag(request.query.get("moveToTrash"), True) and bill.deleted == 0:
                bill.deleted = 1
                bill.lastchanged = int(time.time())
            else:
                del project.bills[bill.id]
            project.lastchanged = int(time.time())
            return Reply(200, "")

    # -- sharing -------------------------------------------------------------------------
    @route("POST", PROJECT + "/user-share", contract=CONTRACT)
    async def create_user_share(self, request: Request) -> Reply:
        with self._lock:
            project = self._project(request, PARTICIPANT, "createUserShare")
            args = request.args()
            user_id = args.get("userId")
            level = _number(args.get("accessLevel"), "accessLevel")
            level = PARTICIPANT if level is None else level
            if not isinstance(user_id, str):
                raise Failure(400, "Missing parameters: userId")
            user = self.standin.users.get(user_id)
            reason = None
            if user is None or user_id == request.user.id:
                reason = "No such user"
            elif user_id == project.owner:
                reason = "Impossible to share the project with its owner"
            elif user_id in project.shares:
                reason = "Already shared with this user"
            elif self.level(request.user.id, project.id) < level:
                reason = "You are not authorized to give such access level"
            if reason is not None:
                raise Failure(400, "", data={"message": reason})
            share_id = self._next("share")
            project.shares[user_id] = (share_id, level)
            return Reply(200, {"id": share_id, "accesslevel": level, "type": "u", "userid": user_id,
                               "name": user.display_name if user else user_id, "manually_added": True})  # fmt: skip

    @route("DELETE", PROJECT + "/user-share/{shId}", contract=CONTRACT)
    async def delete_user_share(self, request: Request) -> Reply:
        with self._lock:
            project = self._project(request, PARTICIPANT, "deleteUserShare")
            share_id = _number(request.params["shId"], "shId")
            found = next(((uid, lvl) for uid, (sid, lvl) in project.shares.items() if sid == share_id), None)
            if found is None:
                raise Failure(500, "")  # getShareAccessLevel's DoesNotExistException is not caught
            if self.level(request.user.id, project.id) < found[1]:
                raise Failure(401, "", data={"message": "You are not allowed to remove this shared access"})
            del project.shares[found[0]]
            return Reply(200, "")

    # -- statistics and settlement -------------------------------------------------------
    @route("GET", PROJECT + "/statistics", contract=CONTRACT)
    async def statistics(self, request: Request) -> Reply:
        with self._lock:
            project = self._project(request, VIEWER, "getProjectStatistics")
            q = request.query
            ts_min, ts_max = _number(q.get("tsMin"), "tsMin"), _number(q.get("tsMax"), "tsMax")
            category, payment_mode = _number(q.get("categoryId"), "categoryId"), _number(q.get("paymentModeId"), "x")
            amount_min = _number(q.get("amountMin"), "amountMin", float)
            amount_max = _number(q.get("amountMax"), "amountMax", float)
            payer = _number(q.get("payerId"), "payerId")
            show_disabled = q.get("showDisabled", "1") == "1"
            total = balances(project)
            members = sorted(project.members.values(), key=lambda m: m.name.lower())
            paid = {m.id: 0.0 for m in members}
            spent = {m.id: 0.0 for m in members}
            filtered = {m.id: 0.0 for m in members}
            by_category: dict[str, float] = {}
            by_payment_mode: dict[str, float] = {}
            for bill in sorted(project.bills.values(), key=lambda b: b.timestamp):
                if bill.deleted or (ts_min is not None and bill.timestamp < ts_min):
                    continue
                if (ts_max is not None and bill.timestamp > ts_max) or (payer is not None and bill.payer_id != payer):
                    continue
                if (category is not None and bill.categoryid != category) or (
                    payment_mode is not None and bill.paymentmodeid != payment_mode
                ):
                    continue
                if (amount_min is not None and bill.amount < amount_min) or (
                    amount_max is not None and bill.amount > amount_max
                ):
                    continue
                paid[bill.payer_id] += bill.amount
                filtered[bill.payer_id] += bill.amount
                weights = [(o, project.members[o].weight or 1.0) for o in bill.owers]
                shares = sum(w for _, w in weights)
                for ower, weight in weights:
                    spent[ower] += bill.amount / shares * weight
                    filtered[ower] -= bill.amount / shares * weight
                by_category[str(bill.categoryid)] = by_category.get(str(bill.categoryid), 0.0) + bill.amount
                key = str(bill.paymentmodeid)
                by_payment_mode[key] = by_payment_mode.get(key, 0.0) + bill.amount
            shown = [m for m in members if show_disabled or m.activated or abs(total[m.id]) >= 0.01]
            stats = [{"balance": total[m.id], "filtered_balance": filtered[m.id], "paid": paid[m.id],
                      "spent": spent[m.id], "member": m.json()} for m in shown]  # fmt: skip
            return Reply(200, {
                "stats": stats, "memberMonthlyPaidStats": None, "memberMonthlySpentStats": None,
                "categoryStats": by_category, "categoryMonthlyStats": [], "paymentModeStats": by_payment_mode,
                "paymentModeMonthlyStats": [], "categoryMemberStats": [], "memberIds": [m.id for m in shown],
                "allMemberIds": [m.id for m in members], "membersPaidFor": [], "realMonths": [],
            })  # fmt: skip

    @route("GET", PROJECT + "/settlement", contract=CONTRACT)
    async def settlement(self, request: Request) -> Reply:
        with self._lock:
            project = self._project(request, VIEWER, "getProjectSettlement")
            centered = _number(request.query.get("centeredOn"), "centeredOn")
            found = balances(project, _number(request.query.get("maxTimestamp"), "maxTimestamp"))
            if centered is None:
                transactions = settle(found)
            else:
                transactions = []
                for member, balance in found.items():
                    if member != centered and balance > 0.0:
                        transactions.append({"from": centered, "to": member, "amount": balance})
                    elif member != centered and balance < 0.0:
                        transactions.append({"from": member, "to": centered, "amount": -balance})
            return Reply(200, {"transactions": transactions, "balances": _by_id(found)})


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def _date_timestamp(value: Any) -> int | None:
    """`Y-m-d` as PHP's createFromFormat reads it: that day at the current time of day (UTC here)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    now = datetime.now(UTC)
    return int(datetime.combine(day, now.time(), UTC).timestamp())


def _old_id(project: Project, payment_mode_id: int | None) -> str:
    found = project.paymentmodes.get(payment_mode_id) if payment_mode_id else None
    return found.old_id if found is not None and found.old_id else "n"


def _trip(context: Any) -> dict[str, str]:
    """Alice's project with two members, one bill; bob not shared; carol (admin) a viewer."""
    app: CospendApp = context.app
    alice = context.users["alice"].id
    project = app.create(alice, f"trip-{int(time.time() * 1000) % 10**9}", "Trip")
    with app._lock:
        a = Member(app._next("member"), "Ann", 1.0, True, alice, None, int(time.time()))
        b = Member(app._next("member"), "Ben", 2.0, True, None, "#00ff00", int(time.time()))
        idle = Member(app._next("member"), "Idle", 1.0, True, None, None, int(time.time()))
        project.members.update({a.id: a, b.id: b, idle.id: idle})
        bill = Bill(app._next("bill"), project.id, "Dinner", "", a.id, int(time.time()), 30.0, [a.id, b.id])
        project.bills[bill.id] = bill
    app.share(project.id, context.users["admin"].id, VIEWER)
    share = str(project.shares[context.users["admin"].id][0])
    return {
        "share": share,
        "project": project.id,
        "ann": str(a.id),
        "ben": str(b.id),
        "idle": str(idle.id),
        "bill": str(bill.id),
    }


def _shared_with_a_maintainer(context: Any) -> dict[str, str]:
    names = _trip(context)
    context.app.share(names["project"], context.users["bob"].id, MAINTAINER)
    context.app.share(names["project"], context.users["admin"].id, PARTICIPANT)
    return {**names, "share": str(context.app.projects[names["project"]].shares[context.users["bob"].id][0])}


def _locked_trip(context: Any) -> dict[str, str]:
    names = _trip(context)
    context.app.projects[names["project"]].deletiondisabled = True
    return names


V1 = "/ocs/v2.php/apps/cospend/api/v1"
P = V1 + "/projects/{project}"
SAMPLES = [
    Sample("GET", V1 + "/projects", 200, setup=_trip),
    Sample(
        "POST",
        "/ocs/v1.php/apps/cospend/api/v1/projects",
        100,
        json={"id": "flat", "name": "Flat"},
        note="a new project's `balance` is PHP's empty array `[]`, which the contract's object does not allow",
    ),
    Sample("POST", V1 + "/projects", 404, json={"id": "a/b", "name": "Bad"}, note="invalid id"),
    Sample("GET", P, 200, setup=_trip),
    Sample("GET", P, 401, user="bob", setup=_trip, note="not shared: insufficient access level"),
    Sample("PUT", P, 200, setup=_trip, json={"name": "Trip 2026", "currencyName": "EUR"}),
    Sample("PUT", P, 400, setup=_trip, json={"name": ""}),
    Sample("PUT", P, 401, user="admin", setup=_trip, json={"name": "x"}, note="a viewer"),
    Sample("DELETE", P, 200, setup=_trip),
    Sample("DELETE", V1 + "/projects/none-such", 401, note="missing: level 0"),
    Sample("GET", P + "/members", 200, setup=_trip),
    Sample("POST", P + "/members", 200, setup=_trip, json={"name": "Cleo", "weight": 1.5}),
    Sample("POST", P + "/members", 400, setup=_trip, json={"name": "Ann"}, note="name taken"),
    Sample("PUT", P + "/members/{ben}", 200, setup=_trip, json={"weight": 3}),
    Sample("PUT", P + "/members/{idle}", 200, setup=_trip, json={"activated": False}, note="deleted: null"),
    Sample("PUT", P + "/members/999999", 400, setup=_trip, json={"name": "x"}),
    Sample("DELETE", P + "/members/{idle}", 200, setup=_trip),
    Sample("DELETE", P + "/members/999999", 404, setup=_trip),
    Sample("GET", P + "/bills", 200, setup=_trip, query={"limit": "10", "reverse": "true", "searchTerm": "din"}),
    Sample(
        "POST",
        P + "/bills",
        200,
        setup=_trip,
        json={
            "what": "Taxi",
            "amount": 12.5,
            "payer": "{ben}",
            "payedFor": "{ann},{ben}",
            "date": "2026-05-01",
            "repeat": "n",
        },
    ),
    Sample(
        "POST",
        "/ocs/v1.php/apps/cospend/api/v1/projects/{project}/bills",
        400,
        setup=_trip,
        json={"what": "Taxi", "amount": 1, "payer": "999999", "payedFor": "{ann}", "date": "2026-05-01", "repeat": "n"},
        note="empty data [], which the contract's object does not allow",
    ),
    Sample("GET", P + "/bills/{bill}", 200, setup=_trip),
    Sample("GET", P + "/bills/999999", 404, setup=_trip),
    Sample("PUT", P + "/bills/{bill}", 200, setup=_trip, json={"amount": 40, "payedFor": "{ben}"}),
    Sample("PUT", P + "/bills/999999", 400, setup=_trip, json={"amount": 40}),
    Sample("DELETE", P + "/bills/{bill}", 200, setup=_trip),
    Sample("DELETE", P + "/bills/999999", 404, setup=_trip),
    Sample("DELETE", P + "/bills/{bill}", 403, setup=_locked_trip, note="deletion disabled"),
    Sample("POST", P + "/user-share", 200, setup=_trip, json={"userId": "{bob}", "accessLevel": 1}),
    Sample("POST", P + "/user-share", 400, setup=_trip, json={"userId": "{admin}"}, note="already shared"),
    Sample("DELETE", P + "/user-share/{share}", 200, setup=_trip),
    Sample(
        "DELETE",
        P + "/user-share/{share}",
        401,
        user="admin",
        setup=_shared_with_a_maintainer,
        note="a participant removing a maintainer's share",
    ),
    Sample("DELETE", P + "/user-share/999999", 500, setup=_trip, note="no such share: uncaught"),
    Sample(
        "GET",
        "/ocs/v1.php/apps/cospend/api/v1/projects/{project}/statistics",
        100,
        setup=_trip,
        note="the contract's ProjectStatistics (an object of objects) does not allow its `stats` list",
    ),
    Sample("GET", P + "/settlement", 200, setup=_trip),
    Sample("GET", P + "/settlement", 200, setup=_trip, query={"centeredOn": "{ben}"}),
]
