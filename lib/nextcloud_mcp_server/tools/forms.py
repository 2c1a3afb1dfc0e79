"""MCP tools for Nextcloud Forms (OCS API v3): forms, their questions and options, shares,
submitting answers, and reading, exporting and deleting submissions.

Names: the `nc-mcp-server` peer's Forms tools (`list_forms`, `create_question`, `submit_form`,
...) do not follow `nc_<app>_<verb>`, so they are `nc_forms_<verb>` here with its arguments
(`form_id`, `question_id`, `option_id`, `share_id`, `submission_id`, `answers`). Its
`key_value_pairs` dicts are typed arguments instead (what Forms lets one change, by name), and
its `list_questions`/`get_question` are covered by `nc_forms_get`, which returns every question
with its options. Answers to choice questions may name options by text; they are checked
against the form before submitting, so a mistyped option is reported with the valid ones.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import BaseModel, Field

from nextcloud_mcp_server.registry import Requirement, Toolset
from nextcloud_mcp_server.tools._base import CREATE, DELETE, READ, UPDATE, Limit, Offset, Page, Paged, invalid
from nextcloud_mcp_server.tools.declare import Nextcloud, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.forms import Form, Question, Share, Submission

TOOLSET = Toolset(
    "forms",
    "Forms",
    "Surveys and questionnaires: forms, questions, sharing, answering and reading the answers.",
    default=False,
    requires=Requirement("forms", "Forms"),
)

FormId = Annotated[int, Field(ge=1, description="From nc_forms_list.")]
QuestionId = Annotated[int, Field(ge=1, description="From nc_forms_get.")]
OptionId = Annotated[int, Field(ge=1, description="From nc_forms_get.")]
ShareId = Annotated[int, Field(ge=1, description="From nc_forms_get.")]
SubmissionId = Annotated[int, Field(ge=1, description="From nc_forms_list_submissions.")]
QuestionType = Literal["short", "long", "multiple", "multiple_unique", "dropdown", "date", "time", "linearscale",
                       "color", "file", "grid"]  # fmt: skip
Permission = Literal["submit", "edit", "results", "results_delete", "embed"]
State = Literal["active", "closed", "archived"]
STATE_NAMES = {0: "active", 1: "closed", 2: "archived"}
CHOICE = {"multiple", "multiple_unique", "dropdown", "linearscale"}


def _when(stamp: int) -> datetime | None:
    return datetime.fromtimestamp(stamp, UTC) if stamp else None


class OptionItem(BaseModel):
    id: int
    text: str


class QuestionItem(BaseModel):
    id: int
    order: int = Field(description="1-based position in the form.")
    type: str
    text: str
    description: str
    required: bool
    options: list[OptionItem] = Field(description="Choices, in order (choice questions).")

    @classmethod
    def of(cls, question: Question) -> Self:
        options = sorted(question.options, key=lambda o: (o.order if o.order is not None else 0, o.id))
        return cls(
            id=question.id,
            order=question.order,
            type=question.type,
            text=question.text,
            description=question.description,
            required=question.is_required,
            options=[OptionItem(id=o.id, text=o.text) for o in options],
        )


class ShareItem(BaseModel):
    id: int
    share_type: str = Field(description="user, group, link or team.")
    share_with: str = Field(description="User or group id; a link's token.")
    display_name: str
    permissions: list[str]

    @classmethod
    def of(cls, share: Share) -> Self:
        from nextcloud_mcp_server.nextcloud.forms import SHARE_TYPES

        kind = next((name for name, number in SHARE_TYPES.items() if number == share.share_type), str(share.share_type))
        return cls(
            id=share.id,
            share_type=kind,
            share_with=share.share_with,
            display_name=share.display_name,
            permissions=share.permissions,
        )


class FormSummary(BaseModel):
    id: int
    title: str
    state: str = Field(description="active, closed (no answers taken) or archived (read-only).")
    expires: datetime | None = Field(description="When it stops taking answers; null: never.")
    permissions: list[str] = Field(description="What you may do: edit, results, results_delete, submit, embed.")


class FormDetail(FormSummary):
    description: str
    owner: str
    hash: str = Field(description="Its public id, in the form's link /apps/forms/s/<hash>.")
    anonymous: bool
    submit_multiple: bool
    allow_edit_submissions: bool
    all_users_may_submit: bool
    shown_to_all_users: bool
    can_submit: bool = Field(description="Whether you can answer it now.")
    submission_count: int | None = Field(description="Null without the results permission.")
    questions: list[QuestionItem]
    shares: list[ShareItem] = Field(description="Only for those who may edit it.")

    @classmethod
    def of(cls, form: Form) -> Self:
        return cls(
            id=form.id,
            title=form.title,
            state=STATE_NAMES.get(form.state, str(form.state)),
            expires=_when(form.expires),
            permissions=form.permissions,
            description=form.description,
            owner=form.owner_id,
            hash=form.hash,
            anonymous=form.is_anonymous,
            submit_multiple=form.submit_multiple,
            allow_edit_submissions=form.allow_edit_submissions,
            all_users_may_submit=form.access.permit_all_users,
            shown_to_all_users=form.access.show_to_all_users,
            can_submit=form.can_submit,
            submission_count=form.submission_count,
            questions=[QuestionItem.of(q) for q in sorted(form.questions, key=lambda q: (q.order, q.id))],
            shares=[ShareItem.of(s) for s in form.shares],
        )


class AnswerItem(BaseModel):
    question_id: int
    question: str = Field(description="The question's text.")
    answer: str


class SubmissionItem(BaseModel):
    id: int
    user_id: str = Field(description="anon-user-... for anonymous forms.")
    user_name: str
    time: datetime
    answers: list[AnswerItem]

    @classmethod
    def of(cls, submission: Submission, questions: dict[int, str]) -> Self:
        return cls(
            id=submission.id,
            user_id=submission.user_id,
            user_name=submission.user_display_name,
            time=datetime.fromtimestamp(submission.timestamp, UTC),
            answers=[
                AnswerItem(question_id=a.question_id, question=questions.get(a.question_id, ""), answer=a.text)
                for a in submission.answers
            ],
        )


class Done(BaseModel):
    message: str = Field(description="What happened.")


class Submitted(BaseModel):
    form_id: int
    answered: int = Field(description="How many questions were answered.")
    message: str


class Exported(BaseModel):
    path: str = Field(description="The file written, under your files root.")
    message: str


class Ordered(BaseModel):
    questions: list[QuestionItem]


def _forms() -> Any:
    from nextcloud_mcp_server.nextcloud.forms import FormsAPI

    return FormsAPI


# -- forms ----------------------------------------------------------------------------------


@tool(TOOLSET, READ, title="List forms")
async def nc_forms_list(
    nc: Nextcloud,
    ownership: Literal["owned", "shared", "all"] = "all",
    limit: Limit = 50,
    offset: Offset = 0,
) -> Paged[FormSummary]:
    """List the forms you own and those shared with you, newest first."""
    api = nc.api(_forms())
    kinds = ["owned", "shared"] if ownership == "all" else [ownership]
    seen: dict[int, FormSummary] = {}
    for kind in kinds:
        for form in await api.forms(kind):
            seen.setdefault(
                form.id,
                FormSummary(
                    id=form.id,
                    title=form.title,
                    state=STATE_NAMES.get(form.state, str(form.state)),
                    expires=_when(form.expires),
                    permissions=form.permissions,
                ),
            )
    items = sorted(seen.values(), key=lambda f: f.id, reverse=True)
    return Paged[FormSummary].of(items, offset, limit)


@tool(TOOLSET, READ, title="Get form")
async def nc_forms_get(nc: Nextcloud, form_id: FormId) -> FormDetail:
    """Read a form with its settings, questions (with options and ids) and shares."""
    return FormDetail.of(await nc.api(_forms()).form(form_id))


def _expiry(expires: str) -> int:
    if expires == "":
        return 0
    try:
        when = datetime.fromisoformat(expires)
    except ValueError:
        raise invalid("expires", "give an ISO 8601 date-time such as 2026-07-01T18:00:00Z, or '' for never") from None
    return int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp())


@tool(TOOLSET, CREATE, title="Create form")
async def nc_forms_create(
    nc: Nextcloud,
    title: Annotated[str, Field(min_length=1)],
    description: str = "",
    from_form_id: Annotated[int | None, Field(ge=1, description="Copy this form's questions.")] = None,
) -> FormDetail:
    """Create a form (empty, or a copy of one you may edit); add questions with nc_forms_create_question."""
    api = nc.api(_forms())
    form = await api.create(from_form_id)
    await api.update(form.id, {"title": title, "description": description or form.description})
    return FormDetail.of(await api.form(form.id))


@tool(TOOLSET, UPDATE, title="Update form")
async def nc_forms_update(
    nc: Nextcloud,
    form_id: FormId,
    title: str | None = None,
    description: str | None = None,
    state: State | None = None,
    expires: Annotated[str | None, Field(description="ISO 8601 date-time; '' for never.")] = None,
    anonymous: bool | None = None,
    submit_multiple: bool | None = None,
    allow_edit_submissions: bool | None = None,
    all_users_may_submit: bool | None = None,
    shown_to_all_users: bool | None = None,
    submission_message: str | None = None,
) -> FormDetail:
    """Change a form's settings; only what you pass changes."""
    from nextcloud_mcp_server.nextcloud.forms import STATES

    changes: dict[str, Any] = {}
    named = {"title": title, "description": description, "isAnonymous": anonymous, "submitMultiple": submit_multiple,
             "allowEditSubmissions": allow_edit_submissions, "submissionMessage": submission_message}  # fmt: skip
    changes.update({key: value for key, value in named.items() if value is not None})
    if title is not None and not title.strip():
        raise invalid("title", "give a non-empty title")
    if state is not None:
        changes["state"] = STATES[state]
    if expires is not None:
        changes["expires"] = _expiry(expires)
    api = nc.api(_forms())
    if all_users_may_submit is not None or shown_to_all_users is not None:
        current = (await api.form(form_id)).access
        permit = current.permit_all_users if all_users_may_submit is None else all_users_may_submit
        show = current.show_to_all_users if shown_to_all_users is None else shown_to_all_users
        if show and not permit:
            raise invalid("shown_to_all_users", "a form is listed for all users only if all users may submit")
        changes["access"] = {"permitAllUsers": permit, "showToAllUsers": show}
    if not changes:
        raise invalid("form_id", "pass at least one setting to change")
    state_change = {"state": changes.pop("state")} if "state" in changes else {}
    if state_change and state != "archived":  # an archived form takes no other change: unarchive first
        await api.update(form_id, state_change)
    if changes:
        await api.update(form_id, changes)
    if state_change and state == "archived":  # ... and archive last
        await api.update(form_id, state_change)
    return FormDetail.of(await api.form(form_id))


@tool(TOOLSET, DELETE, title="Delete form")
async def nc_forms_delete(nc: Nextcloud, form_id: FormId) -> Done:
    """Delete a form you own, with its questions, shares and all submissions."""
    api = nc.api(_forms())
    form = await api.form(form_id)
    await api.delete(form_id)
    return Done(message=f"Form {form_id} '{form.title}' deleted")


# -- questions and options ------------------------------------------------------------------


@tool(TOOLSET, CREATE, title="Create question")
async def nc_forms_create_question(
    nc: Nextcloud,
    form_id: FormId,
    type: QuestionType,
    text: Annotated[str, Field(min_length=1)],
    required: bool = False,
    options: Annotated[list[str] | None, Field(description="Choices of a choice question (multiple, ...).")] = None,
    position: Annotated[int | None, Field(ge=1, description="1-based; default: last.")] = None,
    grid_cell: Annotated[Literal["radio", "checkbox", "number"] | None, Field(description="For grid.")] = None,
) -> QuestionItem:
    """Add a question to a form, with its choices for choice questions."""
    if options and type not in CHOICE:
        raise invalid("options", f"only choice questions ({', '.join(sorted(CHOICE))}) have options")
    if type == "grid" and grid_cell is None:
        raise invalid("grid_cell", "a grid question needs its cell type: radio, checkbox or number")
    if options is not None and any(not o.strip() for o in options):
        raise invalid("options", "give every option a non-empty text")
    api = nc.api(_forms())
    question = await api.add_question(form_id, type, text, position=position, subtype=grid_cell)
    if required:
        await api.update_question(form_id, question.id, {"isRequired": True})
    if options:
        await api.add_options(form_id, question.id, options)
    return QuestionItem.of(await api.question(form_id, question.id))


@tool(TOOLSET, UPDATE, title="Update question")
async def nc_forms_update_question(
    nc: Nextcloud,
    form_id: FormId,
    question_id: QuestionId,
    text: str | None = None,
    description: str | None = None,
    required: bool | None = None,
    extra_settings: Annotated[
        dict[str, Any] | None, Field(description="Forms' extraSettings, e.g. {'allowOtherAnswer': true}.")
    ] = None,
) -> QuestionItem:
    """Change a question's text, description, whether it is required, or its extra settings."""
    changes: dict[str, Any] = {"text": text, "description": description, "isRequired": required,
                               "extraSettings": extra_settings}  # fmt: skip
    changes = {key: value for key, value in changes.items() if value is not None}
    if not changes:
        raise invalid("question_id", "pass text, description, required or extra_settings to change")
    if text is not None and not text.strip():
        raise invalid("text", "give a non-empty text")
    api = nc.api(_forms())
    await api.update_question(form_id, question_id, changes)
    return QuestionItem.of(await api.question(form_id, question_id))


def _permutation(argument: str, given: list[int], current: list[int], what: str) -> None:
    if sorted(given) != sorted(current) or len(set(given)) != len(given):
        raise invalid(argument, f"list every {what} id exactly once; the current ones are {current}")


@tool(TOOLSET, UPDATE, title="Reorder questions")
async def nc_forms_reorder_questions(
    nc: Nextcloud, form_id: FormId, question_ids: Annotated[list[int], Field(description="All, in the new order.")]
) -> Ordered:
    """Put a form's questions in a new order."""
    api = nc.api(_forms())
    current = [q.id for q in sorted((await api.form(form_id)).questions, key=lambda q: q.order)]
    _permutation("question_ids", question_ids, current, "question")
    await api.reorder_questions(form_id, question_ids)
    questions = sorted((await api.form(form_id)).questions, key=lambda q: q.order)
    return Ordered(questions=[QuestionItem.of(q) for q in questions])


@tool(TOOLSET, DELETE, title="Delete question")
async def nc_forms_delete_question(nc: Nextcloud, form_id: FormId, question_id: QuestionId) -> Done:
    """Delete a question and its options (the answers to it go from the results)."""
    await nc.api(_forms()).delete_question(form_id, question_id)
    return Done(message=f"Question {question_id} deleted from form {form_id}")


@tool(TOOLSET, CREATE, title="Add options")
async def nc_forms_create_options(
    nc: Nextcloud,
    form_id: FormId,
    question_id: QuestionId,
    texts: Annotated[list[str], Field(min_length=1)],
) -> QuestionItem:
    """Add choices at the end of a choice question."""
    if any(not t.strip() for t in texts):
        raise invalid("texts", "give every option a non-empty text")
    api = nc.api(_forms())
    await api.add_options(form_id, question_id, texts)
    return QuestionItem.of(await api.question(form_id, question_id))


@tool(TOOLSET, UPDATE, title="Update option")
async def nc_forms_update_option(
    nc: Nextcloud,
    form_id: FormId,
    question_id: QuestionId,
    option_id: OptionId,
    text: Annotated[str, Field(min_length=1)],
) -> QuestionItem:
    """Change the text of a question's option."""
    api = nc.api(_forms())
    await api.update_option(form_id, question_id, option_id, text)
    return QuestionItem.of(await api.question(form_id, question_id))


@tool(TOOLSET, UPDATE, title="Reorder options")
async def nc_forms_reorder_options(
    nc: Nextcloud,
    form_id: FormId,
    question_id: QuestionId,
    option_ids: Annotated[list[int], Field(description="All, in the new order.")],
) -> QuestionItem:
    """Put a question's options in a new order."""
    api = nc.api(_forms())
    question = await api.question(form_id, question_id)
    _permutation("option_ids", option_ids, [o.id for o in question.options], "option")
    await api.reorder_options(form_id, question_id, option_ids)
    return QuestionItem.of(await api.question(form_id, question_id))


@tool(TOOLSET, DELETE, title="Delete option")
async def nc_forms_delete_option(
    nc: Nextcloud, form_id: FormId, question_id: QuestionId, option_id: OptionId
) -> QuestionItem:
    """Delete one option of a question."""
    api = nc.api(_forms())
    await api.delete_option(form_id, question_id, option_id)
    return QuestionItem.of(await api.question(form_id, question_id))


# -- shares -----------------------------------------------------------------------------------


@tool(TOOLSET, CREATE, title="Share form")
async def nc_forms_create_share(
    nc: Nextcloud,
    form_id: FormId,
    share_type: Literal["user", "group", "link"],
    share_with: Annotated[str, Field(description="User or group id; '' for a link.")] = "",
    permissions: list[Permission] | None = None,
) -> ShareItem:
    """Share a form you own with a user, a group or by public link (default permission: submit)."""
    if share_type != "link" and not share_with.strip():
        raise invalid("share_with", f"name the {share_type} to share with")
    if share_type != "link" and permissions and "embed" in permissions:
        raise invalid("permissions", "embed is only for link shares")
    share = await nc.api(_forms()).share(form_id, share_type, share_with, list(permissions or ["submit"]))
    return ShareItem.of(share)


@tool(TOOLSET, UPDATE, title="Update form share")
async def nc_forms_update_share(
    nc: Nextcloud, form_id: FormId, share_id: ShareId, permissions: Annotated[list[Permission], Field(min_length=1)]
) -> ShareItem:
    """Set what a share of your form allows."""
    api = nc.api(_forms())
    await api.update_share(form_id, share_id, list(permissions))
    share = next((s for s in (await api.form(form_id)).shares if s.id == share_id), None)
    if share is None:
        from nextcloud_mcp_server.nextcloud.errors import not_found

        raise not_found(f"share {share_id} of form {form_id}")
    return ShareItem.of(share)


@tool(TOOLSET, DELETE, title="Delete form share")
async def nc_forms_delete_share(nc: Nextcloud, form_id: FormId, share_id: ShareId) -> Done:
    """Stop sharing a form with someone (or remove its public link)."""
    await nc.api(_forms()).delete_share(form_id, share_id)
    return Done(message=f"Share {share_id} of form {form_id} deleted")


# -- answering and results --------------------------------------------------------------------


def _answer_values(question: Question, values: list[str]) -> list[str]:
    """The values Forms takes for `question`: option ids for choice questions (given as ids or texts)."""
    if question.type not in CHOICE:
        return [str(v) for v in values]
    by_text = {o.text.strip().lower(): str(o.id) for o in question.options}
    ids = {str(o.id) for o in question.options}
    chosen = []
    for value in values:
        text = str(value).strip()
        found = text if text in ids else by_text.get(text.lower())
        if found is None:
            choices = ", ".join(f"{o.id} '{o.text}'" for o in question.options)
            raise invalid("answers", f"'{text}' is not an option of question {question.id}; its options: {choices}")
        chosen.append(found)
    return chosen


Answers = Annotated[
    dict[str, list[str]],
    Field(description="Question id to values: text, YYYY-MM-DD, HH:MM, or option ids or texts."),
]


async def _checked_answers(api: Any, form_id: int, answers: dict[str, list[str]]) -> dict[str, list[str]]:
    """`answers` as Forms takes them, checked against the form's questions first."""
    form = await api.form(form_id)
    questions = {str(q.id): q for q in form.questions}
    unknown = [key for key in answers if key not in questions]
    if unknown:
        raise invalid("answers", f"no question {', '.join(unknown)} in form {form_id}; its ids: {list(questions)}")
    missing = [q for q in form.questions if q.is_required and not [v for v in answers.get(str(q.id), []) if v]]
    if missing:
        raise invalid("answers", "answer the required questions " + ", ".join(f"{q.id} '{q.text}'" for q in missing))
    return {key: _answer_values(questions[key], values) for key, values in answers.items() if values}


@tool(TOOLSET, CREATE, title="Submit form")
async def nc_forms_submit(nc: Nextcloud, form_id: FormId, answers: Answers) -> Submitted:
    """Answer a form as yourself."""
    api = nc.api(_forms())
    body = await _checked_answers(api, form_id, answers)
    await api.submit(form_id, body)
    return Submitted(form_id=form_id, answered=len(body), message=f"Answers to form {form_id} submitted")


@tool(TOOLSET, UPDATE, title="Update submission")
async def nc_forms_update_submission(
    nc: Nextcloud, form_id: FormId, submission_id: SubmissionId, answers: Answers
) -> SubmissionItem:
    """Replace the answers of your own submission, where the form allows editing submissions."""
    api = nc.api(_forms())
    body = await _checked_answers(api, form_id, answers)
    await api.update_submission(form_id, submission_id, body)
    submission = await api.submission(form_id, submission_id)
    return SubmissionItem.of(submission, {q.id: q.text for q in await api.questions(form_id)})


@tool(TOOLSET, READ, title="List submissions")
async def nc_forms_list_submissions(
    nc: Nextcloud,
    form_id: FormId,
    query: Annotated[str, Field(description="Only submissions with an answer containing this.")] = "",
    limit: Limit = 50,
    offset: Offset = 0,
) -> Paged[SubmissionItem]:
    """List a form's submissions, newest first, each answer with its question (needs the results permission)."""
    found = await nc.api(_forms()).submissions(form_id, query=query, limit=limit, offset=offset)
    questions = {q.id: q.text for q in found.questions}
    items = [SubmissionItem.of(s, questions) for s in found.submissions]
    end = offset + len(items)
    page = Page(total=found.total, offset=offset, next_offset=end if end < found.total and items else None)
    return Paged[SubmissionItem](items=items, page=page)


@tool(TOOLSET, READ, title="Get submission")
async def nc_forms_get_submission(nc: Nextcloud, form_id: FormId, submission_id: SubmissionId) -> SubmissionItem:
    """Read one submission (yours, or any with the results permission)."""
    api = nc.api(_forms())
    submission = await api.submission(form_id, submission_id)
    questions = {q.id: q.text for q in await api.questions(form_id)}
    return SubmissionItem.of(submission, questions)


@tool(TOOLSET, CREATE, title="Export submissions")
async def nc_forms_export_submissions(
    nc: Nextcloud,
    form_id: FormId,
    folder: Annotated[str, Field(description="Existing folder under your files root; '' for the root.")] = "",
    file_format: Literal["csv", "ods", "xlsx"] = "csv",
) -> Exported:
    """Write a form's submissions as a spreadsheet '<title> (responses).<format>' into your files."""
    from nextcloud_mcp_server.nextcloud.paths import normalize

    where = normalize(folder, argument="folder")
    name = await nc.api(_forms()).export(form_id, where, file_format)
    path = f"{where}/{name}" if where else name
    return Exported(path=path, message=f"Submissions of form {form_id} written to {path}")


@tool(TOOLSET, DELETE, title="Delete submission")
async def nc_forms_delete_submission(nc: Nextcloud, form_id: FormId, submission_id: SubmissionId) -> Done:
    """Delete one submission of a form (needs the results_delete permission)."""
    await nc.api(_forms()).delete_submission(form_id, submission_id)
    return Done(message=f"Submission {submission_id} of form {form_id} deleted")


@tool(TOOLSET, DELETE, title="Delete all submissions")
async def nc_forms_delete_all_submissions(nc: Nextcloud, form_id: FormId) -> Done:
    """Delete every submission of a form; the form stays."""
    await nc.api(_forms()).delete_submissions(form_id)
    return Done(message=f"All submissions of form {form_id} deleted")
