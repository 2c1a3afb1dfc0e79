"""Forms end to end through the real MCP client: the user builds a form (questions, options,
order), shares it with bob, bob answers it through his own MCP server, and the user reads,
exports and deletes the answers; every effect is checked on the stand-in's Forms state or on disk.
Bad inputs are refused with what to do; the tools vanish when Forms is disabled for the user."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import NcUser, StandInHandle
from tests.e2e.helpers import call, error_of, own_server, session, unique

pytestmark = pytest.mark.anyio


def forms_app(user: NcUser) -> Any:
    return user.standin.app.services["forms"]


@pytest.fixture(scope="module")
def bob(standin: StandInHandle) -> NcUser:
    return standin.add_user("uforms-bob", "pw-uforms-bob", display_name="Bob Forms")


@pytest.fixture(scope="module")
def bob_url(bob: NcUser) -> Iterator[str]:
    with own_server(bob) as url:
        yield url


async def new_form(mcp: Any, title: str = "Lunch") -> dict[str, Any]:
    """A form with a required dropdown (Pizza, Sushi) and a short question."""
    form = await call(mcp, "nc_forms_create", title=unique(title), description="Where do we eat?")
    await call(
        mcp, "nc_forms_create_question", form_id=form["id"], type="dropdown", text="Where?", required=True,
        options=["Pizza", "Sushi"],
    )  # fmt: skip
    await call(mcp, "nc_forms_create_question", form_id=form["id"], type="short", text="Why?")
    return await call(mcp, "nc_forms_get", form_id=form["id"])


async def test_build_share_answer_read_and_export(mcp: Any, nc_user: NcUser, bob: NcUser, bob_url: str) -> None:
    app = forms_app(nc_user)
    created = await call(mcp, "nc_forms_create", title=unique("Team lunch"), description="Where do we eat?")
    stored = app.forms[created["id"]]
    assert (stored.owner, stored.title, stored.description) == (nc_user.id, created["title"], "Where do we eat?")
    assert created["permissions"] == ["edit", "results", "results_delete", "submit", "embed"]

    where = await call(
        mcp, "nc_forms_create_question", form_id=created["id"], type="dropdown", text="Where?", required=True,
        options=["Pizza", "Sushi", "Tacos"],
    )  # fmt: skip
    why = await call(mcp, "nc_forms_create_question", form_id=created["id"], type="short", text="Why?")
    when = await call(mcp, "nc_forms_create_question", form_id=created["id"], type="date", text="When?", position=1)
    assert [o["text"] for o in where["options"]] == ["Pizza", "Sushi", "Tacos"]
    assert {q.id: q.order for q in stored.questions} == {when["id"]: 1, where["id"]: 2, why["id"]: 3}
    assert next(q for q in stored.questions if q.id == where["id"]).is_required

    order = [why["id"], where["id"], when["id"]]
    reordered = await call(mcp, "nc_forms_reorder_questions", form_id=created["id"], question_ids=order)
    assert [q["id"] for q in reordered["questions"]] == order
    assert [q.id for q in stored.ordered()] == order

    pizza, sushi, tacos = (o["id"] for o in where["options"])
    options = await call(
        mcp, "nc_forms_reorder_options", form_id=created["id"], question_id=where["id"],
        option_ids=[tacos, pizza, sushi],
    )  # fmt: skip
    assert [o["text"] for o in options["options"]] == ["Tacos", "Pizza", "Sushi"]
    stored_where = next(q for q in stored.questions if q.id == where["id"])
    assert {o.id: o.order for o in stored_where.options} == {tacos: 1, pizza: 2, sushi: 3}

    share = await call(mcp, "nc_forms_create_share", form_id=created["id"], share_type="user", share_with=bob.id)
    assert (share["share_type"], share["share_with"], share["permissions"]) == ("user", bob.id, ["submit"])
    assert [(s.share_type, s.share_with, s.permissions) for s in stored.shares] == [(0, bob.id, ["submit"])]

    async with session(bob_url) as bobs:
        listed = await call(bobs, "nc_forms_list", ownership="shared")
        assert created["id"] in [f["id"] for f in listed["items"]]
        seen = await call(bobs, "nc_forms_get", form_id=created["id"])
        assert (seen["can_submit"], seen["shares"], seen["submission_count"]) == (True, [], None)
        done = await call(
            bobs, "nc_forms_submit", form_id=created["id"],
            answers={str(where["id"]): ["sushi"], str(why["id"]): ["Fresh fish"], str(when["id"]): ["2026-07-01"]},
        )  # fmt: skip
        assert done["answered"] == 3
        refused = await error_of(bobs, "nc_forms_list_submissions", form_id=created["id"])
        assert "HTTP 403" in refused
        assert f"form {created['id']}" in refused
        again = await error_of(bobs, "nc_forms_submit", form_id=created["id"], answers={str(where["id"]): ["Pizza"]})
        assert "Already submitted" in again

    [submission] = stored.submissions
    assert submission.user_id == bob.id
    assert {a.question_id: a.text for a in submission.answers} == {
        where["id"]: "Sushi", why["id"]: "Fresh fish", when["id"]: "2026-07-01"
    }  # fmt: skip

    found = await call(mcp, "nc_forms_list_submissions", form_id=created["id"])
    assert found["page"] == {"total": 1, "offset": 0, "next_offset": None}
    [item] = found["items"]
    assert (item["id"], item["user_id"], item["user_name"]) == (submission.id, bob.id, "Bob Forms")
    assert {(a["question"], a["answer"]) for a in item["answers"]} == {
        ("Where?", "Sushi"), ("Why?", "Fresh fish"), ("When?", "2026-07-01")
    }  # fmt: skip
    one = await call(mcp, "nc_forms_get_submission", form_id=created["id"], submission_id=submission.id)
    assert one == item
    assert (await call(mcp, "nc_forms_list_submissions", form_id=created["id"], query="nothing like it"))["items"] == []

    folder = unique("Exports")
    with nc_user.raw() as raw:
        assert raw.request("MKCOL", f"/remote.php/dav/files/{nc_user.id}/{folder}").status_code == 201
    exported = await call(mcp, "nc_forms_export_submissions", form_id=created["id"], folder=folder)
    assert exported["path"] == f"{folder}/{created['title']} (responses).csv"
    rows = list(csv.reader(io.StringIO((nc_user.standin.app.files_root(nc_user.id) / exported["path"]).read_text())))
    assert rows[0] == ["User ID", "User display name", "Timestamp", "Why?", "Where?", "When?"]
    assert rows[1][:2] == [bob.id, "Bob Forms"]
    assert rows[1][3:] == ["Fresh fish", "Sushi", "2026-07-01"]


async def test_update_a_form_and_its_access(mcp: Any, nc_user: NcUser) -> None:
    form = await new_form(mcp)
    stored = forms_app(nc_user).forms[form["id"]]
    updated = await call(
        mcp, "nc_forms_update", form_id=form["id"], title="Renamed", expires="2030-01-02T03:04:05Z",
        submit_multiple=True, all_users_may_submit=True, shown_to_all_users=True, state="closed",
    )  # fmt: skip
    assert (stored.title, stored.submit_multiple, stored.state) == ("Renamed", True, 1)
    assert stored.expires == int(datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp())
    assert (stored.permit_all_users, stored.show_to_all_users) == (True, True)
    assert (updated["state"], updated["expires"]) == ("closed", "2030-01-02T03:04:05Z")
    await call(mcp, "nc_forms_update", form_id=form["id"], state="archived", description="Final")
    assert (stored.state, stored.description) == (2, "Final")
    refused = await error_of(mcp, "nc_forms_create_question", form_id=form["id"], type="short", text="More?")
    assert "HTTP 403" in refused
    assert "archived" in refused
    back = await call(mcp, "nc_forms_update", form_id=form["id"], state="active", title="Open again", expires="")
    assert (stored.state, stored.title, stored.expires) == (0, "Open again", 0)
    assert back["expires"] is None


async def test_edit_and_delete_questions_and_options(mcp: Any, nc_user: NcUser) -> None:
    form = await new_form(mcp)
    stored = forms_app(nc_user).forms[form["id"]]
    where, why = form["questions"]
    changed = await call(
        mcp, "nc_forms_update_question", form_id=form["id"], question_id=why["id"], text="Why there?",
        description="One line", required=True, extra_settings={"validationType": "text"},
    )  # fmt: skip
    question = next(q for q in stored.questions if q.id == why["id"])
    assert (question.text, question.description, question.is_required) == ("Why there?", "One line", True)
    assert question.extra_settings == {"validationType": "text"}
    assert changed["required"] is True

    added = await call(mcp, "nc_forms_create_options", form_id=form["id"], question_id=where["id"], texts=["Curry"])
    assert [o["text"] for o in added["options"]] == ["Pizza", "Sushi", "Curry"]
    pizza = added["options"][0]["id"]
    renamed = await call(
        mcp, "nc_forms_update_option", form_id=form["id"], question_id=where["id"], option_id=pizza, text="Pasta"
    )
    assert renamed["options"][0] == {"id": pizza, "text": "Pasta"}
    left = await call(mcp, "nc_forms_delete_option", form_id=form["id"], question_id=where["id"], option_id=pizza)
    assert [o["text"] for o in left["options"]] == ["Sushi", "Curry"]
    dropdown = next(q for q in stored.questions if q.id == where["id"])
    assert [(o.text, o.order) for o in sorted(dropdown.options, key=lambda o: o.order)] == [("Sushi", 1), ("Curry", 2)]

    await call(mcp, "nc_forms_delete_question", form_id=form["id"], question_id=where["id"])
    assert [(q.id, q.order) for q in stored.questions] == [(why["id"], 1)]


async def test_shares_change_and_go(mcp: Any, nc_user: NcUser, bob: NcUser) -> None:
    form = await new_form(mcp)
    stored = forms_app(nc_user).forms[form["id"]]
    link = await call(
        mcp, "nc_forms_create_share", form_id=form["id"], share_type="link", permissions=["submit", "embed"]
    )
    assert link["share_type"] == "link"
    assert len(link["share_with"]) == 24
    mine = await call(mcp, "nc_forms_create_share", form_id=form["id"], share_type="user", share_with=bob.id)
    updated = await call(
        mcp, "nc_forms_update_share", form_id=form["id"], share_id=mine["id"], permissions=["submit", "results"]
    )
    assert updated["permissions"] == ["submit", "results"]
    assert next(s for s in stored.shares if s.id == mine["id"]).permissions == ["submit", "results"]
    await call(mcp, "nc_forms_delete_share", form_id=form["id"], share_id=link["id"])
    assert [s.id for s in stored.shares] == [mine["id"]]
    assert [s["id"] for s in (await call(mcp, "nc_forms_get", form_id=form["id"]))["shares"]] == [mine["id"]]


async def test_delete_submissions_and_the_form(mcp: Any, nc_user: NcUser) -> None:
    form = await new_form(mcp)
    stored = forms_app(nc_user).forms[form["id"]]
    await call(mcp, "nc_forms_update", form_id=form["id"], submit_multiple=True)
    where = form["questions"][0]
    for choice in ("Pizza", "Sushi", "Pizza"):
        await call(mcp, "nc_forms_submit", form_id=form["id"], answers={str(where["id"]): [choice]})
    first, *rest = [s.id for s in stored.submissions]
    await call(mcp, "nc_forms_delete_submission", form_id=form["id"], submission_id=first)
    assert [s.id for s in stored.submissions] == rest
    page = await call(mcp, "nc_forms_list_submissions", form_id=form["id"], limit=1)
    assert page["page"] == {"total": 2, "offset": 0, "next_offset": 1}
    await call(mcp, "nc_forms_delete_all_submissions", form_id=form["id"])
    assert stored.submissions == []
    await call(mcp, "nc_forms_delete", form_id=form["id"])
    assert form["id"] not in forms_app(nc_user).forms
    assert "does not exist" in await error_of(mcp, "nc_forms_get", form_id=form["id"])


async def test_bob_changes_his_answers_where_the_form_allows_it(
    mcp: Any, nc_user: NcUser, bob: NcUser, bob_url: str
) -> None:
    form = await new_form(mcp)
    stored = forms_app(nc_user).forms[form["id"]]
    where, why = form["questions"]
    await call(mcp, "nc_forms_create_share", form_id=form["id"], share_type="user", share_with=bob.id)
    async with session(bob_url) as bobs:
        await call(bobs, "nc_forms_submit", form_id=form["id"], answers={str(where["id"]): ["Pizza"]})
        [submission] = stored.submissions
        change = {"form_id": form["id"], "submission_id": submission.id, "answers": {str(where["id"]): ["Sushi"]}}
        refused = await error_of(bobs, "nc_forms_update_submission", **change)
        assert "allowEditSubmissions" in refused
        await call(mcp, "nc_forms_update", form_id=form["id"], allow_edit_submissions=True)
        changed = await call(bobs, "nc_forms_update_submission", **change | {"answers": {
            str(where["id"]): ["Sushi"], str(why["id"]): ["Changed my mind"]}})  # fmt: skip
        assert {(a["question"], a["answer"]) for a in changed["answers"]} == {
            ("Where?", "Sushi"), ("Why?", "Changed my mind")
        }  # fmt: skip
        own = await call(bobs, "nc_forms_get_submission", form_id=form["id"], submission_id=submission.id)
        assert own == changed
    assert {a.question_id: a.text for a in stored.submissions[0].answers} == {
        where["id"]: "Sushi", why["id"]: "Changed my mind"
    }  # fmt: skip
    theirs = await error_of(mcp, "nc_forms_update_submission", **change)
    assert "Can only update your own submission" in theirs


async def test_bad_inputs_say_what_to_do(mcp: Any, nc_user: NcUser) -> None:
    form = await new_form(mcp)
    where, why = form["questions"]
    fid = form["id"]
    cases: list[tuple[str, dict[str, Any], str]] = [
        (
            "nc_forms_reorder_questions",
            {"question_ids": [why["id"]]},
            f"the current ones are {[where['id'], why['id']]}",
        ),
        ("nc_forms_reorder_options", {"question_id": where["id"], "option_ids": [1, 1]}, "exactly once"),
        ("nc_forms_submit", {"answers": {"999999": ["x"]}}, "no question 999999"),
        ("nc_forms_submit", {"answers": {str(where["id"]): ["Burgers"]}}, "its options:"),
        ("nc_forms_submit", {"answers": {str(why["id"]): ["no reason"]}}, "answer the required questions"),
        ("nc_forms_create_question", {"type": "short", "text": "Q", "options": ["a"]}, "only choice questions"),
        ("nc_forms_create_question", {"type": "grid", "text": "Q"}, "grid_cell"),
        ("nc_forms_create_share", {"share_type": "user"}, "share_with"),
        ("nc_forms_create_share", {"share_type": "user", "share_with": "nobody-here"}, "Invalid user"),
        ("nc_forms_update", {}, "at least one setting"),
        ("nc_forms_update", {"expires": "next week"}, "ISO 8601"),
        ("nc_forms_update", {"shown_to_all_users": True}, "only if all users may submit"),
        ("nc_forms_update_question", {"question_id": why["id"]}, "pass text"),
        ("nc_forms_create_options", {"question_id": where["id"], "texts": [" "]}, "non-empty"),
        ("nc_forms_export_submissions", {"folder": "../outside"}, "folder"),
        ("nc_forms_export_submissions", {"folder": "No such folder"}, "does not exist"),
        ("nc_forms_get_submission", {"submission_id": 999999}, "does not exist"),
        ("nc_forms_update_submission", {"submission_id": 1, "answers": {"999999": ["x"]}}, "no question 999999"),
    ]
    for tool, arguments, expected in cases:
        message = await error_of(mcp, tool, form_id=fid, **arguments)
        assert expected in message, (tool, message)
    assert len(forms_app(nc_user).forms[fid].submissions) == 0
    for tool in ("nc_forms_get", "nc_forms_delete", "nc_forms_list_submissions"):
        message = await error_of(mcp, tool, form_id=999999)
        assert "for form 999999" in message, message
        assert "does not exist" in message, message


async def test_a_form_not_shared_with_bob_is_refused_and_closed_forms_take_no_answers(
    mcp: Any, nc_user: NcUser, bob_url: str
) -> None:
    form = await new_form(mcp)
    fid = form["id"]
    async with session(bob_url) as bobs:
        refused = await error_of(bobs, "nc_forms_get", form_id=fid)
        assert "HTTP 403" in refused
        assert f"form {fid}" in refused
        assert fid not in [f["id"] for f in (await call(bobs, "nc_forms_list"))["items"]]
    await call(mcp, "nc_forms_update", form_id=fid, state="closed")
    message = await error_of(mcp, "nc_forms_submit", form_id=fid, answers={str(form["questions"][0]["id"]): ["Pizza"]})
    assert "closed" in message
    assert "refused it for the reason it gives" in message
    assert forms_app(nc_user).forms[fid].submissions == []


async def test_with_forms_disabled_for_the_user_the_tools_vanish(standin: StandInHandle) -> None:
    user = standin.add_user(unique("uforms-gated"), "pw-gated-1")
    with own_server(user, capabilities_ttl=0) as url:
        async with session(url) as client:
            before = {t.name for t in (await client.list_tools()).tools}
            standin.app.set_app_enabled(user.id, "forms", False)
            try:
                without = {t.name for t in (await client.list_tools()).tools}
                refused = await client.call_tool("nc_forms_list", {})
            finally:
                standin.app.set_app_enabled(user.id, "forms", True)
            again = {t.name for t in (await client.list_tools()).tools}
    tools = {name for name in before if name.startswith("nc_forms_")}
    assert len(tools) == 23
    assert tools.isdisjoint(without)
    assert "nc_notes_get_note" in without
    assert refused.is_error
    assert "needs the Nextcloud app 'Forms' (forms)" in refused.content[0].text
    assert tools <= again
