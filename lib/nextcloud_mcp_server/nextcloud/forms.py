"""Nextcloud Forms over OCS (API v3): forms, questions, options, shares and submissions.

Why the errors are shaped here: Forms answers a missing form with 404 on most routes but 400 on
`GET forms/{id}` ("Could not find form"), and uses 400 for both malformed requests and its own
rules (a required question left empty, an option that is not the question's, an incomplete
reorder), always with a message naming the rule. So a 404, and that one 400, become `NotFound`
about the form; any other 400 is `Refused` with Forms' own words; a 403 is `Forbidden` (no
permission on the form), except when submitting, where Forms' 403s are rules of the form
(expired, closed, already submitted) and come back as `Refused`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from nextcloud_mcp_server.nextcloud.errors import BadResponse, Refused, detail_of, error_for, not_found, parsed
from nextcloud_mcp_server.nextcloud.ocs import OCS_HEADERS, unwrap

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient

BASE = "/ocs/v2.php/apps/forms/api/v3/forms"
SHARE_TYPES = {"user": 0, "group": 1, "link": 3, "team": 7}
STATES = {"active": 0, "closed": 1, "archived": 2}
_MISSING_FORM = "Could not find form"


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Option(_Model):
    id: int
    question_id: int = Field(alias="questionId")
    text: str
    order: int | None = None
    option_type: str = Field("choice", alias="optionType")


class Question(_Model):
    id: int
    form_id: int = Field(alias="formId")
    order: int
    type: str
    text: str
    is_required: bool = Field(False, alias="isRequired")
    description: str = ""
    name: str = ""
    extra_settings: dict[str, Any] = Field(default_factory=dict, alias="extraSettings")
    options: list[Option] = []


class Share(_Model):
    id: int
    form_id: int = Field(alias="formId")
    share_type: int = Field(alias="shareType")
    share_with: str = Field(alias="shareWith")
    permissions: list[str] = []
    display_name: str = Field("", alias="displayName")


class Access(_Model):
    permit_all_users: bool = Field(False, alias="permitAllUsers")
    show_to_all_users: bool = Field(False, alias="showToAllUsers")


class PartialForm(_Model):
    id: int
    hash: str
    title: str
    expires: int = 0
    permissions: list[str] = []
    state: int = 0


class Form(PartialForm):
    description: str = ""
    owner_id: str = Field("", alias="ownerId")
    created: int = 0
    access: Access = Access()
    is_anonymous: bool = Field(False, alias="isAnonymous")
    submit_multiple: bool = Field(False, alias="submitMultiple")
    allow_edit_submissions: bool = Field(False, alias="allowEditSubmissions")
    can_submit: bool = Field(False, alias="canSubmit")
    submission_message: str | None = Field(None, alias="submissionMessage")
    submission_count: int | None = Field(None, alias="submissionCount")
    questions: list[Question] = []
    shares: list[Share] = []


class Answer(_Model):
    id: int
    question_id: int = Field(alias="questionId")
    text: str


class Submission(_Model):
    id: int
    form_id: int = Field(alias="formId")
    user_id: str = Field(alias="userId")
    user_display_name: str = Field("", alias="userDisplayName")
    timestamp: int
    answers: list[Answer] = []


class Submissions(_Model):
    submissions: list[Submission]
    questions: list[Question] = []
    total: int = Field(alias="filteredSubmissionsCount")


class FormsAPI:
    """The caller's forms, and the forms shared with them."""

    def __init__(self, client: NextcloudClient) -> None:
        self._client = client

    async def _call(
        self,
        method: str,
        path: str,
        subject: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        rules_on_403: bool = False,
    ) -> Any:
        response = await self._client.request(
            method, BASE + path, headers=OCS_HEADERS, json=json, params=params, ok=(400, 403, 404)
        )
        status = response.status_code
        if status in (400, 403, 404):
            detail = detail_of(response)
            if status == 404 or detail == _MISSING_FORM:
                raise not_found(subject, detail)
            if status == 400 or rules_on_403:
                error = Refused(detail, status=status)
                error.subject = subject
                raise error
            raise error_for(status, detail, subject=subject)
        return unwrap(response)

    # -- forms ----------------------------------------------------------------------------
    async def forms(self, kind: str) -> list[PartialForm]:
        """`owned` or `shared` forms, newest first."""
        data = await self._call("GET", "", "forms", params={"type": kind})
        if not isinstance(data, list):
            raise BadResponse("the forms are not a list")
        return [parsed(PartialForm, item, "a form") for item in data]

    async def form(self, form_id: int) -> Form:
        return parsed(Form, await self._call("GET", f"/{form_id}", f"form {form_id}"), "the form")

    async def create(self, from_id: int | None = None) -> Form:
        body = {"fromId": from_id} if from_id is not None else {}
        subject = f"form {from_id}" if from_id is not None else "a new form"
        return parsed(Form, await self._call("POST", "", subject, json=body), "the new form")

    async def update(self, form_id: int, changes: dict[str, Any]) -> None:
        await self._call("PATCH", f"/{form_id}", f"form {form_id}", json={"keyValuePairs": changes})

    async def delete(self, form_id: int) -> None:
        await self._call("DELETE", f"/{form_id}", f"form {form_id}")

    # -- questions and options ------------------------------------------------------------
    async def question(self, form_id: int, question_id: int) -> Question:
        data = await self._call("GET", f"/{form_id}/questions/{question_id}", self._q(form_id, question_id))
        return parsed(Question, data, "the question")

    async def questions(self, form_id: int) -> list[Question]:
        data = await self._call("GET", f"/{form_id}/questions", f"form {form_id}")
        if not isinstance(data, list):
            raise BadResponse("the questions are not a list")
        return [parsed(Question, item, "a question") for item in data]

    async def add_question(
        self, form_id: int, kind: str, text: str, *, position: int | None = None, subtype: str | None = None
    ) -> Question:
        body: dict[str, Any] = {"type": kind, "text": text}
        if position is not None:
            body["position"] = position
        if subtype is not None:
            body["subtype"] = subtype
        data = await self._call("POST", f"/{form_id}/questions", f"form {form_id}", json=body)
        return parsed(Question, data, "the new question")

    async def update_question(self, form_id: int, question_id: int, changes: dict[str, Any]) -> None:
        await self._call(
            "PATCH", f"/{form_id}/questions/{question_id}", self._q(form_id, question_id),
            json={"keyValuePairs": changes},
        )  # fmt: skip

    async def reorder_questions(self, form_id: int, question_ids: list[int]) -> None:
        await self._call("PATCH", f"/{form_id}/questions", f"form {form_id}", json={"newOrder": question_ids})

    async def delete_question(self, form_id: int, question_id: int) -> None:
        await self._call("DELETE", f"/{form_id}/questions/{question_id}", self._q(form_id, question_id))

    async def add_options(self, form_id: int, question_id: int, texts: list[str]) -> list[Option]:
        data = await self._call(
            "POST", f"/{form_id}/questions/{question_id}/options", self._q(form_id, question_id),
            json={"optionTexts": texts},
        )  # fmt: skip
        if not isinstance(data, list):
            raise BadResponse("the new options are not a list")
        return [parsed(Option, item, "an option") for item in data]

    async def update_option(self, form_id: int, question_id: int, option_id: int, text: str) -> None:
        await self._call(
            "PATCH", f"/{form_id}/questions/{question_id}/options/{option_id}",
            f"option {option_id} of question {question_id} in form {form_id}", json={"keyValuePairs": {"text": text}},
        )  # fmt: skip

    async def reorder_options(self, form_id: int, question_id: int, option_ids: list[int]) -> None:
        await self._call(
            "PATCH", f"/{form_id}/questions/{question_id}/options", self._q(form_id, question_id),
            json={"newOrder": option_ids},
        )  # fmt: skip

    async def delete_option(self, form_id: int, question_id: int, option_id: int) -> None:
        await self._call(
            "DELETE", f"/{form_id}/questions/{question_id}/options/{option_id}",
            f"option {option_id} of question {question_id} in form {form_id}",
        )  # fmt: skip

    @staticmethod
    def _q(form_id: int, question_id: int) -> str:
        return f"question {question_id} in form {form_id}"

    # -- shares ---------------------------------------------------------------------------
    async def share(self, form_id: int, share_type: str, share_with: str, permissions: list[str]) -> Share:
        body = {"shareType": SHARE_TYPES[share_type], "shareWith": share_with, "permissions": permissions}
        data = await self._call("POST", f"/{form_id}/shares", f"form {form_id}", json=body)
        return parsed(Share, data, "the new share")

    async def update_share(self, form_id: int, share_id: int, permissions: list[str]) -> None:
        await self._call(
            "PATCH", f"/{form_id}/shares/{share_id}", f"share {share_id} of form {form_id}",
            json={"keyValuePairs": {"permissions": permissions}},
        )  # fmt: skip

    async def delete_share(self, form_id: int, share_id: int) -> None:
        await self._call("DELETE", f"/{form_id}/shares/{share_id}", f"share {share_id} of form {form_id}")

    # -- submissions ----------------------------------------------------------------------
    async def submit(self, form_id: int, answers: dict[str, list[str]]) -> None:
        await self._call(
            "POST", f"/{form_id}/submissions", f"form {form_id}", json={"answers": answers}, rules_on_403=True
        )

    async def update_submission(self, form_id: int, submission_id: int, answers: dict[str, list[str]]) -> None:
        """Replace the answers of one's own submission (the form must allow editing submissions)."""
        await self._call(
            "PUT", f"/{form_id}/submissions/{submission_id}", f"submission {submission_id} of form {form_id}",
            json={"answers": answers}, rules_on_403=True,
        )  # fmt: skip

    async def submissions(self, form_id: int, *, query: str, limit: int, offset: int) -> Submissions:
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if query:
            params["query"] = query
        data = await self._call("GET", f"/{form_id}/submissions", f"form {form_id}", params=params)
        return parsed(Submissions, data, "the submissions")

    async def submission(self, form_id: int, submission_id: int) -> Submission:
        subject = f"submission {submission_id} of form {form_id}"
        return parsed(Submission, await self._call("GET", f"/{form_id}/submissions/{submission_id}", subject), subject)

    async def delete_submission(self, form_id: int, submission_id: int) -> None:
        await self._call(
            "DELETE", f"/{form_id}/submissions/{submission_id}", f"submission {submission_id} of form {form_id}"
        )

    async def delete_submissions(self, form_id: int) -> None:
        await self._call("DELETE", f"/{form_id}/submissions", f"form {form_id}")

    async def export(self, form_id: int, path: str, file_format: str) -> str:
        """Write the submissions to `path` (a folder, or a file to overwrite); the file's name."""
        data = await self._call(
            "POST", f"/{form_id}/submissions/export", f"form {form_id} or folder '{path or '/'}'",
            json={"path": path, "fileFormat": file_format},
        )  # fmt: skip
        if not isinstance(data, str):
            raise BadResponse("the export did not answer a file name")
        return data
