"""Cospend end to end through the real MCP client: the user creates a project, adds members, records
bills and reads balances, statistics and the settlement plan; every effect is checked on the
stand-in's Cospend state or over raw OCS. Bob, with his own MCP server, cannot see or change the
project until it is shared with him, and then only as far as his access level allows. Bad inputs
are refused with what to do; the tools vanish when Cospend is disabled for the user."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import NcUser, StandInHandle
from tests.e2e.helpers import call, error_of, own_server, session, unique

pytestmark = pytest.mark.anyio

OCS = {"OCS-APIRequest": "true", "Accept": "application/json"}
API = "/ocs/v2.php/apps/cospend/api/v1/projects"


def cospend(user: NcUser) -> Any:
    return user.standin.app.services["cospend"]


@pytest.fixture(scope="module")
def bob(standin: StandInHandle) -> NcUser:
    return standin.add_user("ucospend-bob", "pw-ucospend-bob", display_name="Bob Cospend")


@pytest.fixture(scope="module")
def bob_url(bob: NcUser) -> Iterator[str]:
    with own_server(bob) as url:
        yield url


async def trip(mcp: Any) -> tuple[str, dict[str, int]]:
    """A project with Ann (weight 1), Ben (weight 2) and Cleo (weight 1)."""
    project = await call(mcp, "nc_cospend_create_project", name=unique("Trip"))
    ids = {}
    for name, weight in (("Ann", 1.0), ("Ben", 2.0), ("Cleo", 1.0)):
        ids[name] = (await call(mcp, "nc_cospend_add_member", project_id=project["id"], name=name, weight=weight))["id"]
    return project["id"], ids


def raw_get(user: NcUser, path: str, **params: Any) -> Any:
    with user.raw() as raw:
        response = raw.get(API + path, headers=OCS, params=params)
    assert response.status_code == 200, response.text
    return response.json()["ocs"]["data"]


async def test_a_trip_from_project_to_settlement(mcp: Any, nc_user: NcUser) -> None:
    name = unique("Lisbon")
    created = await call(mcp, "nc_cospend_create_project", name=name)
    pid = created["id"]
    rent = next(c["id"] for c in created["categories"] if c["name"] == "Rent")
    assert pid == name.lower()
    assert (created["owner"], created["my_access"], created["bills"]) == (nc_user.id, "admin", 0)
    assert "Grocery" in [c["name"] for c in created["categories"]]
    stored = cospend(nc_user).projects[pid]
    assert (stored.name, stored.owner) == (name, nc_user.id)

    ann = await call(mcp, "nc_cospend_add_member", project_id=pid, name="Ann", user_id=nc_user.id)
    ben = await call(mcp, "nc_cospend_add_member", project_id=pid, name="Ben", weight=2)
    cleo = await call(mcp, "nc_cospend_add_member", project_id=pid, name="Cleo")
    assert (ann["user_id"], ben["weight"], cleo["active"]) == (nc_user.id, 2.0, True)
    assert {m.name: m.weight for m in stored.members.values()} == {"Ann": 1.0, "Ben": 2.0, "Cleo": 1.0}

    bill = await call(
        mcp, "nc_cospend_create_bill", project_id=pid, what="Dinner", amount=90, payer_id=ann["id"],
        ower_ids=[ann["id"], ben["id"], cleo["id"]], date="2026-05-02", comment="Tasca", category_id=rent,
    )  # fmt: skip
    assert (bill["what"], bill["amount"], bill["date"], bill["comment"]) == ("Dinner", 90.0, "2026-05-02", "Tasca")
    assert (bill["payer_id"], sorted(bill["ower_ids"]), bill["category_id"]) == (
        ann["id"], sorted([ann["id"], ben["id"], cleo["id"]]), rent,
    )  # fmt: skip
    assert stored.bills[bill["id"]].owers == [ann["id"], ben["id"], cleo["id"]]
    assert datetime.fromtimestamp(stored.bills[bill["id"]].timestamp, UTC).date().isoformat() == "2026-05-02"

    members = {m["name"]: m for m in (await call(mcp, "nc_cospend_list_members", project_id=pid))["items"]}
    assert {n: m["balance"] for n, m in members.items()} == {"Ann": 67.5, "Ben": -45.0, "Cleo": -22.5}
    assert raw_get(nc_user, f"/{pid}")["balance"] == {str(ann["id"]): 67.5, str(ben["id"]): -45.0,
                                                      str(cleo["id"]): -22.5}  # fmt: skip

    plan = await call(mcp, "nc_cospend_get_settlement", project_id=pid)
    assert {(p["from_name"], p["to_name"], p["amount"]) for p in plan["payments"]} == {
        ("Ben", "Ann", 45.0),
        ("Cleo", "Ann", 22.5),
    }
    raw_plan = raw_get(nc_user, f"/{pid}/settlement")["transactions"]
    assert {(t["from"], t["to"], t["amount"]) for t in raw_plan} == {(ben["id"], ann["id"], 45.0),
                                                                    (cleo["id"], ann["id"], 22.5)}  # fmt: skip

    project = await call(mcp, "nc_cospend_get_project", project_id=pid)
    assert (project["bills"], project["total_spent"]) == (1, 90.0)
    listed = await call(mcp, "nc_cospend_list_projects")
    assert pid in [p["id"] for p in listed["items"]]


async def test_settlement_centered_on_a_member_and_until_a_date(mcp: Any, nc_user: NcUser) -> None:
    pid, ids = await trip(mcp)
    await call(mcp, "nc_cospend_create_bill", project_id=pid, what="Fuel", amount=40, payer_id=ids["Ben"],
               ower_ids=[ids["Ann"], ids["Cleo"]], date="2026-05-01")  # fmt: skip
    await call(mcp, "nc_cospend_create_bill", project_id=pid, what="Hotel", amount=100, payer_id=ids["Cleo"],
               ower_ids=[ids["Ann"], ids["Ben"]], date="2026-05-10")  # fmt: skip
    # Ann -20-33.33, Ben +40-66.67, Cleo -20+100
    centered = await call(mcp, "nc_cospend_get_settlement", project_id=pid, centered_on=ids["Ann"])
    assert {(p["from_name"], p["to_name"], p["amount"]) for p in centered["payments"]} == {
        ("Ben", "Ann", 26.67),
        ("Ann", "Cleo", 80.0),
    }
    early = await call(mcp, "nc_cospend_get_settlement", project_id=pid, until="2026-05-05")
    assert {(p["from_name"], p["to_name"], p["amount"]) for p in early["payments"]} == {
        ("Ann", "Ben", 20.0),
        ("Cleo", "Ben", 20.0),
    }
    assert {m["name"]: m["balance"] for m in early["balances"]} == {"Ann": -20.0, "Ben": 40.0, "Cleo": -20.0}
    raw = raw_get(nc_user, f"/{pid}/settlement", centeredOn=ids["Ann"])
    assert {(t["from"], t["to"]) for t in raw["transactions"]} == {(ids["Ben"], ids["Ann"]), (ids["Ann"], ids["Cleo"])}


async def test_bills_page_search_trash_restore_and_delete(mcp: Any, nc_user: NcUser) -> None:
    pid, ids = await trip(mcp)
    made = []
    for n, what in enumerate(("Bread", "Wine", "Bread rolls")):
        bill = await call(mcp, "nc_cospend_create_bill", project_id=pid, what=what, amount=10 + n,
                          payer_id=ids["Ann"], ower_ids=[ids["Ben"]], date=f"2026-04-0{n + 1}")  # fmt: skip
        made.append(bill["id"])
    first = await call(mcp, "nc_cospend_list_bills", project_id=pid, limit=2)
    assert [b["id"] for b in first["items"]] == [made[2], made[1]]  # newest first
    assert first["page"] == {"total": 3, "offset": 0, "next_offset": 2}
    rest = await call(mcp, "nc_cospend_list_bills", project_id=pid, limit=2, offset=2)
    assert [b["id"] for b in rest["items"]] == [made[0]]
    found = await call(mcp, "nc_cospend_list_bills", project_id=pid, search="bread")
    assert sorted(b["id"] for b in found["items"]) == [made[0], made[2]]
    assert found["page"]["total"] == 2
    by_amount = await call(mcp, "nc_cospend_list_bills", project_id=pid, search="11")
    assert sorted(b["id"] for b in by_amount["items"]) == made  # 10, 11 and 12 are within 1 of 11

    gone = await call(mcp, "nc_cospend_delete_bill", project_id=pid, bill_id=made[1])
    assert "trash" in gone["message"]
    assert cospend(nc_user).projects[pid].bills[made[1]].deleted == 1
    trashed = await call(mcp, "nc_cospend_list_bills", project_id=pid, trashed=True)
    assert [b["id"] for b in trashed["items"]] == [made[1]]
    assert trashed["items"][0]["trashed"] is True
    restored = await call(mcp, "nc_cospend_update_bill", project_id=pid, bill_id=made[1], restore=True)
    assert restored["trashed"] is False
    assert cospend(nc_user).projects[pid].bills[made[1]].deleted == 0

    await call(mcp, "nc_cospend_delete_bill", project_id=pid, bill_id=made[0], permanently=True)
    assert made[0] not in cospend(nc_user).projects[pid].bills
    missing = await error_of(mcp, "nc_cospend_get_bill", project_id=pid, bill_id=made[0])
    assert f"bill {made[0]} of project '{pid}'" in missing
    assert "does not exist" in missing


async def test_update_bill_and_read_it_back(mcp: Any, nc_user: NcUser) -> None:
    pid, ids = await trip(mcp)
    bill = await call(mcp, "nc_cospend_create_bill", project_id=pid, what="Taxi", amount=30, payer_id=ids["Ann"],
                      ower_ids=[ids["Ann"], ids["Ben"]])  # fmt: skip
    assert bill["date"] == datetime.now(UTC).date().isoformat()
    changed = await call(mcp, "nc_cospend_update_bill", project_id=pid, bill_id=bill["id"], amount=36,
                         payer_id=ids["Cleo"], ower_ids=[ids["Ben"]], what="Taxi home", date="2026-03-03")  # fmt: skip
    assert (changed["amount"], changed["payer_id"], changed["ower_ids"], changed["what"], changed["date"]) == (
        36.0, ids["Cleo"], [ids["Ben"]], "Taxi home", "2026-03-03",
    )  # fmt: skip
    stored = cospend(nc_user).projects[pid].bills[bill["id"]]
    assert (stored.amount, stored.payer_id, stored.owers) == (36.0, ids["Cleo"], [ids["Ben"]])
    assert (await call(mcp, "nc_cospend_get_bill", project_id=pid, bill_id=bill["id"])) == changed


async def test_statistics_per_member_and_category(mcp: Any, nc_user: NcUser) -> None:
    pid, ids = await trip(mcp)
    grocery = next(c for c in cospend(nc_user).projects[pid].categories.values() if c.name == "Grocery")
    await call(mcp, "nc_cospend_create_bill", project_id=pid, what="Food", amount=30, payer_id=ids["Ann"],
               ower_ids=[ids["Ann"], ids["Ben"], ids["Cleo"]], date="2026-02-01", category_id=grocery.id)  # fmt: skip
    await call(mcp, "nc_cospend_create_bill", project_id=pid, what="Train", amount=20, payer_id=ids["Ben"],
               ower_ids=[ids["Cleo"]], date="2026-02-20")  # fmt: skip
    stats = await call(mcp, "nc_cospend_get_statistics", project_id=pid)
    by_name = {m["name"]: m for m in stats["members"]}
    assert (by_name["Ann"]["paid"], by_name["Ann"]["spent"], by_name["Ann"]["balance"]) == (30.0, 7.5, 22.5)
    assert (by_name["Ben"]["paid"], by_name["Ben"]["spent"], by_name["Ben"]["balance"]) == (20.0, 15.0, 5.0)
    assert by_name["Cleo"]["balance"] == -27.5
    assert stats["by_category"] == [
        {"id": grocery.id, "name": "Grocery", "total": 30.0},
        {"id": None, "name": None, "total": 20.0},
    ]
    assert stats["by_payment_mode"] == [{"id": None, "name": None, "total": 50.0}]
    february = await call(mcp, "nc_cospend_get_statistics", project_id=pid, date_from="2026-02-10")
    filtered = {m["name"]: m["filtered_balance"] for m in february["members"]}
    assert filtered == {"Ann": 0.0, "Ben": 20.0, "Cleo": -20.0}
    assert {m["name"]: m["balance"] for m in february["members"]}["Ann"] == 22.5  # balance is over all bills


async def test_members_change_deactivate_and_delete(mcp: Any, nc_user: NcUser) -> None:
    pid, ids = await trip(mcp)
    renamed = await call(mcp, "nc_cospend_update_member", project_id=pid, member_id=ids["Ben"], name="Benno",
                         weight=3)  # fmt: skip
    assert (renamed["member"]["name"], renamed["member"]["weight"]) == ("Benno", 3.0)
    assert cospend(nc_user).projects[pid].members[ids["Ben"]].name == "Benno"
    # Cleo has no bills: deactivating her deletes her, as Cospend does
    dropped = await call(mcp, "nc_cospend_update_member", project_id=pid, member_id=ids["Cleo"], active=False)
    assert dropped["member"] is None
    assert ids["Cleo"] not in cospend(nc_user).projects[pid].members
    await call(mcp, "nc_cospend_create_bill", project_id=pid, what="x", amount=5, payer_id=ids["Ann"],
               ower_ids=[ids["Ben"]])  # fmt: skip
    kept = await call(mcp, "nc_cospend_delete_member", project_id=pid, member_id=ids["Ben"])
    assert "deactivated" in kept["message"]
    assert cospend(nc_user).projects[pid].members[ids["Ben"]].activated is False
    extra = await call(mcp, "nc_cospend_add_member", project_id=pid, name="Dan")
    deleted = await call(mcp, "nc_cospend_delete_member", project_id=pid, member_id=extra["id"])
    assert deleted["message"].endswith("deleted")
    assert extra["id"] not in cospend(nc_user).projects[pid].members


async def test_update_and_delete_a_project(mcp: Any, nc_user: NcUser) -> None:
    pid, _ = await trip(mcp)
    updated = await call(mcp, "nc_cospend_update_project", project_id=pid, name="Road trip", currency_name="EUR",
                         archived=True)  # fmt: skip
    assert (updated["name"], updated["currency"], updated["archived"]) == ("Road trip", "EUR", True)
    stored = cospend(nc_user).projects[pid]
    assert (stored.name, stored.currencyname) == ("Road trip", "EUR")
    assert stored.archived_ts > 0
    await call(mcp, "nc_cospend_update_project", project_id=pid, deletion_disabled=True)
    assert stored.deletiondisabled is True
    bill = await call(mcp, "nc_cospend_create_bill", project_id=pid, what="x", amount=1,
                      payer_id=min(stored.members), ower_ids=[min(stored.members)])  # fmt: skip
    refused = await error_of(mcp, "nc_cospend_delete_bill", project_id=pid, bill_id=bill["id"])
    assert "project deletion is disabled" in refused
    assert bill["id"] in stored.bills
    gone = await call(mcp, "nc_cospend_delete_project", project_id=pid)
    assert pid in gone["message"]
    assert pid not in cospend(nc_user).projects
    assert "does not exist" in await error_of(mcp, "nc_cospend_get_project", project_id=pid)


async def test_a_taken_project_id_gets_a_suffix(mcp: Any, nc_user: NcUser) -> None:
    slug = unique("house")
    first = await call(mcp, "nc_cospend_create_project", name="House", project_id=slug)
    second = await call(mcp, "nc_cospend_create_project", name="House", project_id=slug)
    assert (first["id"], second["id"]) == (slug, f"{slug}-1")
    assert cospend(nc_user).projects[f"{slug}-1"].owner == nc_user.id


async def test_bad_inputs_say_what_to_do(mcp: Any, nc_user: NcUser) -> None:
    pid, ids = await trip(mcp)
    assert "name" in await error_of(mcp, "nc_cospend_create_project", name="  ")
    assert "'project_id'" in await error_of(mcp, "nc_cospend_create_project", name="x", project_id="a/b")
    assert "'project_id'" in await error_of(mcp, "nc_cospend_get_project", project_id=" ")
    message = await error_of(mcp, "nc_cospend_create_bill", project_id=pid, what="x", amount=5, payer_id=999999,
                             ower_ids=[ids["Ann"]])  # fmt: skip
    assert "'payer_id'" in message
    assert "member 999999 is not in project" in message
    message = await error_of(mcp, "nc_cospend_create_bill", project_id=pid, what="x", amount=5,
                             payer_id=ids["Ann"], ower_ids=[ids["Ann"], 999998])  # fmt: skip
    assert "'ower_ids'" in message
    assert "999998" in message
    assert "YYYY-MM-DD" in await error_of(mcp, "nc_cospend_create_bill", project_id=pid, what="x", amount=5,
                                          payer_id=ids["Ann"], ower_ids=[ids["Ann"]], date="May 3")  # fmt: skip
    assert "'amount'" in await error_of(mcp, "nc_cospend_create_bill", project_id=pid, what="x", amount=0,
                                        payer_id=ids["Ann"], ower_ids=[ids["Ann"]])  # fmt: skip
    assert "ower_ids" in await error_of(mcp, "nc_cospend_create_bill", project_id=pid, what="x", amount=1,
                                        payer_id=ids["Ann"], ower_ids=[])  # fmt: skip
    assert "at least one" in await error_of(mcp, "nc_cospend_update_bill", project_id=pid, bill_id=1)
    assert "at least one" in await error_of(mcp, "nc_cospend_update_project", project_id=pid)
    assert "at least one" in await error_of(mcp, "nc_cospend_update_member", project_id=pid, member_id=ids["Ann"])
    assert "'centered_on'" in await error_of(mcp, "nc_cospend_get_settlement", project_id=pid, centered_on=999999)
    assert "weight" in await error_of(mcp, "nc_cospend_add_member", project_id=pid, name="Zed", weight=0)
    taken = await error_of(mcp, "nc_cospend_add_member", project_id=pid, name="Ann")
    assert "This project already has this member" in taken
    missing = await error_of(mcp, "nc_cospend_update_bill", project_id=pid, bill_id=999999, amount=3)
    assert f"bill 999999 of project '{pid}'" in missing
    assert "There is no such bill" in missing
    no_member = await error_of(mcp, "nc_cospend_update_member", project_id=pid, member_id=999999, weight=2)
    assert "This project have no such member" in no_member
    assert "No such user" in await error_of(mcp, "nc_cospend_share_project", project_id=pid, user_id=nc_user.id)
    assert "No such user" in await error_of(mcp, "nc_cospend_share_project", project_id=pid, user_id="nobody-here")
    unshared = await error_of(mcp, "nc_cospend_unshare_project", project_id=pid, user_id="nobody-here")
    assert f"a share of project '{pid}' with user 'nobody-here'" in unshared
    assert "access" in await error_of(mcp, "nc_cospend_share_project", project_id=pid, user_id="x", access="owner")
    assert len(cospend(nc_user).projects[pid].bills) == 0


async def test_bob_sees_the_project_only_once_shared_and_as_far_as_his_level(
    mcp: Any, nc_user: NcUser, bob: NcUser, bob_url: str
) -> None:
    pid, ids = await trip(mcp)
    async with session(bob_url) as bobs:
        assert pid not in [p["id"] for p in (await call(bobs, "nc_cospend_list_projects"))["items"]]
        hidden = await error_of(bobs, "nc_cospend_get_project", project_id=pid)
        assert f"project '{pid}'" in hidden
        assert "does not exist" in hidden
        assert "does not exist" in await error_of(bobs, "nc_cospend_update_project", project_id=pid, name="Mine")
        assert "does not exist" in await error_of(bobs, "nc_cospend_delete_project", project_id=pid)
        assert "does not exist" in await error_of(bobs, "nc_cospend_create_bill", project_id=pid, what="x", amount=1,
                                                  payer_id=ids["Ann"], ower_ids=[ids["Ann"]])  # fmt: skip
        assert cospend(nc_user).projects[pid].name != "Mine"

        shared = await call(mcp, "nc_cospend_share_project", project_id=pid, user_id=bob.id, access="viewer")
        assert (shared["user_id"], shared["name"], shared["access"]) == (bob.id, "Bob Cospend", "viewer")
        assert cospend(nc_user).projects[pid].shares[bob.id][1] == 1
        seen = await call(bobs, "nc_cospend_get_project", project_id=pid)
        assert (seen["my_access"], seen["owner"]) == ("viewer", nc_user.id)
        refused = await error_of(bobs, "nc_cospend_create_bill", project_id=pid, what="x", amount=1,
                                 payer_id=ids["Ann"], ower_ids=[ids["Ann"]])  # fmt: skip
        assert "you lack permission" in refused
        assert "Insufficient access level" in refused
        assert cospend(nc_user).projects[pid].bills == {}

        again = await error_of(mcp, "nc_cospend_share_project", project_id=pid, user_id=bob.id)
        assert "Already shared with this user" in again
        await call(mcp, "nc_cospend_unshare_project", project_id=pid, user_id=bob.id)
        assert bob.id not in cospend(nc_user).projects[pid].shares
        assert "does not exist" in await error_of(bobs, "nc_cospend_get_project", project_id=pid)
        await call(mcp, "nc_cospend_share_project", project_id=pid, user_id=bob.id)  # participant
        assert cospend(nc_user).projects[pid].shares[bob.id][1] == 2
        bill = await call(bobs, "nc_cospend_create_bill", project_id=pid, what="Snacks", amount=6,
                          payer_id=ids["Ben"], ower_ids=[ids["Ann"], ids["Ben"]])  # fmt: skip
        assert cospend(nc_user).projects[pid].bills[bill["id"]].what == "Snacks"
        assert "you lack permission" in await error_of(bobs, "nc_cospend_add_member", project_id=pid, name="Bob")
        assert "you lack permission" in await error_of(bobs, "nc_cospend_delete_project", project_id=pid)
        higher = await error_of(bobs, "nc_cospend_share_project", project_id=pid, user_id=nc_user.id, access="admin")
        assert "Impossible to share the project with its owner" in higher
        carol = nc_user.standin.add_user("ucospend-carol", "pw-ucospend-carol")
        above = await error_of(bobs, "nc_cospend_share_project", project_id=pid, user_id=carol.id, access="admin")
        assert "You are not authorized to give such access level" in above
        assert carol.id not in cospend(nc_user).projects[pid].shares
        assert pid in cospend(nc_user).projects
    assert pid in [p["id"] for p in (await call(mcp, "nc_cospend_list_projects"))["items"]]


async def test_with_cospend_disabled_for_the_user_the_tools_vanish(standin: StandInHandle) -> None:
    user = standin.add_user(unique("ucospend-gated"), "pw-gated-1")
    with own_server(user, capabilities_ttl=0) as url:
        async with session(url) as client:
            before = {t.name for t in (await client.list_tools()).tools}
            standin.app.set_app_enabled(user.id, "cospend", False)
            try:
                without = {t.name for t in (await client.list_tools()).tools}
                refused = await client.call_tool("nc_cospend_list_projects", {})
            finally:
                standin.app.set_app_enabled(user.id, "cospend", True)
            again = {t.name for t in (await client.list_tools()).tools}
    tools = {name for name in before if name.startswith("nc_cospend_")}
    assert len(tools) == 18
    assert tools.isdisjoint(without)
    assert "nc_notes_get_note" in without
    assert refused.is_error
    assert "needs the Nextcloud app 'Cospend' (cospend)" in refused.content[0].text
    assert tools <= again
