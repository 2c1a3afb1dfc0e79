"""Nextcloud Forms over OCS, API v3 (ApiController and ShareApiController of the forms app).

As Forms behaves (contract apps/forms.openapi.json and apps/forms-API_v3.md):
- Ids are one counter per kind (forms, questions, options, shares, submissions, answers). A new
  form has an empty title, a random 16-character hash, `expires` 0 (never) and `state` 0 (active;
  1 closed, 2 archived). `POST forms` with `fromId` clones a form one may edit (" - Copy" title,
  its questions and options, no shares or submissions).
- Who may do what: the owner everything; a share grants its `permissions` (`submit`, `edit`,
  `results`, `results_delete`, `embed`); `access.permitAllUsers` grants every user `submit`.
  Reading a form needs any access; editing questions, options and form properties needs `edit`;
  deleting a form and managing its shares only the owner; reading submissions (and exporting
  them) `results`; deleting them `results_delete`. Missing permission: 403.
- A missing form is 404 on every route but `GET forms/{formId}`, which answers 400 ("Could not
  find form"), as the contract says. A question or option of another form or question: 400.
- `order` is 1-based and dense: new questions and options are appended (or inserted at
  `position`), deletions close the gap, reorders take every id exactly once (400 otherwise).
- `PATCH` takes `keyValuePairs`; `id`, `hash`, `ownerId`, `created` of a form, `id`, `formId`,
  `order` of a question, `id`, `questionId` of an option are 403; an archived form refuses every
  change but of its `state` (403).
- Submitting needs `submit`, an active (not closed or archived) form that has not expired, and,
  unless `submitMultiple`, no earlier submission of the caller (403 each). Answers map question
  ids to lists of values: option ids for choice questions (stored as the option's text, as Forms
  does), `YYYY-MM-DD` for dates, `HH:mm` for times; required questions must be answered; every
  violation is 400 with Forms' message. The answer is 201 with no data.
- Submissions list newest first with the questions and `filteredSubmissionsCount`; `query`
  filters on answer text; `limit`/`offset` page. One's own submission may be read without
  `results`, and replaced (PUT) where the form has `allowEditSubmissions` (400 otherwise, and for
  a missing one, as the contract has no 404 there; 403 for another's). `fileFormat=csv` on the
  list downloads the CSV; `submissions/export` writes "<title> (responses).<format>" into the
  caller's folder `path` (a file path is overwritten) and answers its name; a missing folder is
  404. ods/xlsx are written as a zip holding the CSV (the stand-in has no spreadsheet writer;
  only the name and the existence are real).
- Not shared with the caller: the form's `shares` are empty and its file link null in what a
  non-editor reads (Forms strips them; the contract still requires the keys).
Capabilities: `{"forms": {"version", "apiVersions"}}`.
"""

from __future__ import annotations

import csv
import io
import secrets
import string
import threading
import time
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from tests.standin.core import User
from tests.standin.kit import EmulatedApp, Failure, Reply, Request, Sample, route

CONTRACT = "apps/forms.openapi.json"
BASE = "/ocs/v2.php/apps/forms/api/v3"
FORMS = BASE + "/forms"
FORM = FORMS + "/{formId}"
QUESTIONS = FORM + "/questions"
QUESTION = QUESTIONS + "/{questionId}"
OPTIONS = QUESTION + "/options"
OPTION = OPTIONS + "/{optionId}"
SHARES = FORM + "/shares"
SHARE = SHARES + "/{shareId}"
SUBMISSIONS = FORM + "/submissions"
SUBMISSION = SUBMISSIONS + "/{submissionId}"
EXPORT = SUBMISSIONS + "/export"

ALL_PERMISSIONS = ["edit", "results", "results_delete", "submit", "embed"]
QUESTION_TYPES = {"dropdown", "multiple", "multiple_unique", "date", "time", "short", "long", "file", "datetime",
                  "grid", "linearscale", "color"}  # fmt: skip
CHOICE = {"dropdown", "multiple", "multiple_unique", "linearscale"}
SHARE_TYPES = {0: "user", 1: "group", 3: "link", 7: "team"}
EXTRA_SETTINGS = {"allowOtherAnswer", "allowedFileExtensions", "allowedFileTypes", "dateMax", "dateMin", "dateRange",
                  "maxAllowedFilesCount", "maxFileSize", "optionsHighest", "optionsLabelHighest", "optionsLabelLowest",
                  "optionsLimitMax", "optionsLimitMin", "optionsLowest", "shuffleOptions", "timeMax", "timeMin",
                  "timeRange", "validationRegex", "validationType", "questionType"}  # fmt: skip
FORM_KEYS = {"title", "description", "access", "expires", "isAnonymous", "submitMultiple", "allowEditSubmissions",
             "showExpiration", "state", "maxSubmissions", "submissionMessage", "fileFormat", "fileId", "path",
             "confirmationEmailEnabled", "confirmationEmailSubject", "confirmationEmailBody",
             "confirmationEmailQuestionId", "allowComments", "lockedBy", "lockedUntil"}  # fmt: skip
OTHER_ANSWER = "system-other-answer:"


@dataclass
class Option:
    id: int
    question_id: int
    text: str
    order: int
    option_type: str = "choice"

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "questionId": self.question_id, "text": self.text, "order": self.order,
                "optionType": self.option_type}  # fmt: skip


@dataclass
class Question:
    id: int
    form_id: int
    order: int
    type: str
    text: str
    is_required: bool = False
    name: str = ""
    description: str = ""
    extra_settings: dict[str, Any] = field(default_factory=dict)
    options: list[Option] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id, "formId": self.form_id, "order": self.order, "type": self.type,
            "isRequired": self.is_required, "text": self.text, "name": self.name, "description": self.description,
            "extraSettings": dict(self.extra_settings),
            "options": [o.json() for o in sorted(self.options, key=lambda o: (o.order, o.id))], "accept": [],
        }  # fmt: skip


@dataclass
class Share:
    id: int
    form_id: int
    share_type: int
    share_with: str
    permissions: list[str]
    display_name: str

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "formId": self.form_id, "shareType": self.share_type, "shareWith": self.share_with,
                "permissions": list(self.permissions), "displayName": self.display_name}  # fmt: skip


@dataclass
class Answer:
    id: int
    submission_id: int
    question_id: int
    text: str

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "submissionId": self.submission_id, "fileId": None, "questionId": self.question_id,
                "text": self.text}  # fmt: skip


@dataclass
class Submission:
    id: int
    form_id: int
    user_id: str
    timestamp: int
    answers: list[Answer] = field(default_factory=list)


@dataclass
class Form:
    id: int
    hash: str
    owner: str
    created: int
    title: str = ""
    description: str = ""
    permit_all_users: bool = False
    show_to_all_users: bool = False
    expires: int = 0
    is_anonymous: bool = False
    submit_multiple: bool = False
    allow_edit_submissions: bool = False
    show_expiration: bool = False
    state: int = 0
    max_submissions: int | None = None
    submission_message: str | None = None
    file_format: str | None = None
    file_id: int | None = None
    file_path: str | None = None
    last_updated: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    questions: list[Question] = field(default_factory=list)
    shares: list[Share] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)

    def ordered(self) -> list[Question]:
        return sorted(self.questions, key=lambda q: (q.order, q.id))

    def expired(self) -> bool:
        return self.expires != 0 and self.expires < time.time()


class FormsApp(EmulatedApp):
    """The Forms app (see the module docstring)."""

    app_id = "forms"
    prefixes = ("/ocs/v2.php/apps/forms/",)

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self._lock = threading.RLock()
        self.forms: dict[int, Form] = {}
        self._ids: dict[str, int] = {}

    def capabilities(self, user: User) -> dict[str, Any]:
        return {"forms": {"version": "5.1.2", "apiVersions": ["v2", "v2.1", "v2.2", "v2.3", "v2.4", "v2.5", "v3"]}}

    def _next(self, kind: str) -> int:
        self._ids[kind] = self._ids.get(kind, 0) + 1
        return self._ids[kind]

    # -- for tests ------------------------------------------------------------------------
    def create_form(self, owner: str, title: str, *questions: tuple[str, str, list[str]]) -> Form:
        """A form of `owner` with (type, text, option texts) questions, as if made in the Forms UI."""
        with self._lock:
            form = self._new_form(owner)
            form.title = title
            for kind, text, options in questions:
                question = self._add_question(form, kind, text, None)
                self._add_options(question, options, "choice")
            return form

    def forms_of(self, owner: str) -> list[Form]:
        with self._lock:
            return [f for f in self.forms.values() if f.owner == owner]

    # -- rules ----------------------------------------------------------------------------
    def _groups_of(self, user_id: str) -> set[str]:
        groups = getattr(self.standin.services.get("files_sharing"), "groups", {}) or {}
        return {gid for gid, group in groups.items() if user_id in getattr(group, "members", set())}

    def permissions(self, form: Form, user_id: str) -> list[str]:
        if form.owner == user_id:
            return list(ALL_PERMISSIONS)
        found: set[str] = set()
        groups = self._groups_of(user_id)
        for share in form.shares:
            if (share.share_type == 0 and share.share_with == user_id) or (
                share.share_type == 1 and share.share_with in groups
            ):
                found.update(share.permissions)
        if form.permit_all_users:
            found.add("submit")
        if "results_delete" in found:
            found.add("results")
        return [p for p in ALL_PERMISSIONS if p in found]

    def _form(self, request: Request, need: str | None, *, missing: int = 404) -> Form:
        raw = request.params["formId"]
        form = self.forms.get(int(raw)) if raw.isdigit() else None
        if form is None:
            raise Failure(missing, "Could not find form")
        have = self.permissions(form, request.user.id)
        if need is None and form.owner != request.user.id:
            raise Failure(403, "This form is not owned by the current user")
        if need == "access" and not have:
            raise Failure(403, "User has no permissions to get this form")
        if need in ("edit", "results", "results_delete", "submit") and need not in have:
            raise Failure(403, f"This form is not owned by the current user and user has no `{need}` permission")
        return form

    def _editable(self, request: Request) -> Form:
        form = self._form(request, "edit")
        if form.state == 2:
            raise Failure(403, "This form is archived and can not be modified")
        return form

    @staticmethod
    def _question(form: Form, request: Request) -> Question:
        raw = request.params["questionId"]
        question_id = int(raw) if raw.isdigit() else -1
        for candidate in form.questions:
            if candidate.id == question_id:
                return candidate
        raise Failure(404, "Could not find question")

    def _question_anywhere(self, form: Form, request: Request) -> Question:
        raw = request.params["questionId"]
        question_id = int(raw) if raw.isdigit() else -1
        for other in self.forms.values():
            for candidate in other.questions:
                if candidate.id == question_id:
                    if other.id != form.id:
                        raise Failure(400, "This question is not part of the given form")
                    return candidate
        raise Failure(404, "Could not find question")

    @staticmethod
    def _option(question: Question, request: Request, forms: dict[int, Form]) -> Option:
        raw = request.params["optionId"]
        option_id = int(raw) if raw.isdigit() else -1
        for form in forms.values():
            for candidate_question in form.questions:
                for candidate in candidate_question.options:
                    if candidate.id == option_id:
                        if candidate_question.id != question.id:
                            raise Failure(400, "The given option id doesn't match the question or form")
                        return candidate
        raise Failure(404, "Could not find option or question")

    def _display(self, user_id: str) -> str:
        user = self.standin.users.get(user_id)
        return user.display_name if user is not None else user_id

    # -- shaping --------------------------------------------------------------------------
    def partial(self, form: Form, user_id: str) -> dict[str, Any]:
        return {"id": form.id, "hash": form.hash, "title": form.title, "expires": form.expires,
                "permissions": self.permissions(form, user_id), "partial": True, "state": form.state,
                "lockedBy": None, "lockedUntil": None, "maxSubmissions": form.max_submissions}  # fmt: skip

    def full(self, form: Form, user_id: str) -> dict[str, Any]:
        permissions = self.permissions(form, user_id)
        editor = "edit" in permissions
        mine = [s for s in form.submissions if s.user_id == user_id]
        count = len(form.submissions)
        data: dict[str, Any] = {
            "id": form.id, "hash": form.hash, "title": form.title, "description": form.description,
            "ownerId": form.owner, "created": form.created,
            "access": {"permitAllUsers": form.permit_all_users, "showToAllUsers": form.show_to_all_users},
            "expires": form.expires, "fileFormat": form.file_format if editor else None,
            "fileId": form.file_id if editor else None, "filePath": form.file_path if editor else None,
            "isAnonymous": form.is_anonymous,
            "isMaxSubmissionsReached": form.max_submissions is not None and count >= form.max_submissions,
            "lastUpdated": form.last_updated, "submitMultiple": form.submit_multiple,
            "allowEditSubmissions": form.allow_edit_submissions, "showExpiration": form.show_expiration,
            "canSubmit": "submit" in permissions and (form.submit_multiple or not mine),
            "permissions": permissions, "questions": [q.json() for q in form.ordered()], "state": form.state,
            "lockedBy": None, "lockedUntil": None, "maxSubmissions": form.max_submissions,
            "shares": [s.json() for s in form.shares] if editor else [],
            "submissionMessage": form.submission_message, "confirmationEmailEnabled": False,
            "confirmationEmailSubject": None, "confirmationEmailBody": None, "confirmationEmailQuestionId": None,
            "allowComments": False,
        }  # fmt: skip
        if "results" in permissions:
            data["submissionCount"] = count
        return data

    def submission_json(self, submission: Submission) -> dict[str, Any]:
        return {"id": submission.id, "formId": submission.form_id, "userId": submission.user_id,
                "timestamp": submission.timestamp, "answers": [a.json() for a in submission.answers],
                "userDisplayName": self._display(submission.user_id)}  # fmt: skip

    # -- forms ----------------------------------------------------------------------------
    def _new_form(self, owner: str) -> Form:
        now = int(time.time())
        alphabet = string.ascii_letters + string.digits
        form = Form(self._next("form"), "".join(secrets.choice(alphabet) for _ in range(16)), owner, now,
                    last_updated=now)  # fmt: skip
        self.forms[form.id] = form
        return form

    def _add_question(self, form: Form, kind: str, text: str, position: int | None) -> Question:
        ordered = form.ordered()
        at = len(ordered) + 1 if position is None or not 1 <= position <= len(ordered) else position
        for other in ordered:
            if other.order >= at:
                other.order += 1
        question = Question(self._next("question"), form.id, at, kind, text)
        form.questions.append(question)
        return question

    def _add_options(self, question: Question, texts: list[str], option_type: str) -> list[Option]:
        made = []
        for text in texts:
            order = max((o.order for o in question.options), default=0) + 1
            option = Option(self._next("option"), question.id, str(text), order, option_type)
            question.options.append(option)
            made.append(option)
        return made

    @route("GET", FORMS, contract=CONTRACT)
    async def list_forms(self, request: Request) -> Reply:
        kind = request.query.get("type", "owned")
        user = request.user.id
        with self._lock:
            if kind == "owned":
                found = [f for f in self.forms.values() if f.owner == user]
            elif kind == "shared":
                found = [f for f in self.forms.values() if f.owner != user and not f.expired() and f.state != 2
                         and (self.permissions(f, user) and (f.show_to_all_users or any(
                             s.share_with in ({user} | self._groups_of(user)) for s in f.shares)))]  # fmt: skip
            else:
                raise Failure(400, "wrong form type supplied")
            return Reply(200, [self.partial(f, user) for f in sorted(found, key=lambda f: -f.id)])

    @route("POST", FORMS, contract=CONTRACT)
    async def new_form(self, request: Request) -> Reply:
        from_id = request.args().get("fromId")
        with self._lock:
            if from_id in (None, ""):
                form = self._new_form(request.user.id)
                return Reply(201, self.full(form, request.user.id))
            source = self.forms.get(int(from_id)) if str(from_id).isdigit() else None
            if source is None:
                raise Failure(404, "Could not find form")
            if "edit" not in self.permissions(source, request.user.id):
                raise Failure(403, "You are not allowed to clone this form")
            form = self._new_form(request.user.id)
            form.title, form.description = f"{source.title} - Copy", source.description
            for question in source.ordered():
                copy = self._add_question(form, question.type, question.text, None)
                copy.is_required, copy.description = question.is_required, question.description
                copy.extra_settings = dict(question.extra_settings)
                self._add_options(copy, [o.text for o in sorted(question.options, key=lambda o: o.order)], "choice")
            return Reply(201, self.full(form, request.user.id))

    @route("GET", FORM, contract=CONTRACT)
    async def get_form(self, request: Request) -> Reply:
        with self._lock:
            form = self._form(request, "access", missing=400)
            return Reply(200, self.full(form, request.user.id))

    @route("PATCH", FORM, contract=CONTRACT)
    async def update_form(self, request: Request) -> Reply:
        pairs = request.args().get("keyValuePairs")
        with self._lock:
            form = self._form(request, "edit")
            if not isinstance(pairs, dict) or not pairs:
                raise Failure(400, "This form can not be updated without any key-value pairs")
            if set(pairs) & {"id", "hash", "created", "lastUpdated"}:
                raise Failure(403, "Not allowed to update id, hash, created or lastUpdated")
            if "ownerId" in pairs:
                if len(pairs) != 1 or form.owner != request.user.id:
                    raise Failure(403, "Only the form owner can transfer the form, and only on its own")
                if pairs["ownerId"] not in self.standin.users:
                    raise Failure(400, "Could not find new form owner")
                form.owner = str(pairs["ownerId"])
                return Reply(200, form.owner)
            if form.state == 2 and set(pairs) != {"state"}:
                raise Failure(403, "This form is archived and can not be modified")
            unknown = set(pairs) - FORM_KEYS
            if unknown:  # Forms calls a setter per key: an unknown one is an uncaught BadFunctionCallException
                raise Failure(500, "Internal Server Error")
            if "state" in pairs and pairs["state"] not in (0, 1, 2):
                raise Failure(400, "Invalid state")
            if "access" in pairs:
                access = pairs["access"]
                if not isinstance(access, dict):
                    raise Failure(400, "Invalid access")
                form.permit_all_users = bool(access.get("permitAllUsers", False))
                form.show_to_all_users = bool(access.get("showToAllUsers", False)) and form.permit_all_users
            simple = {"title": "title", "description": "description", "expires": "expires",
                      "isAnonymous": "is_anonymous", "submitMultiple": "submit_multiple",
                      "allowEditSubmissions": "allow_edit_submissions", "showExpiration": "show_expiration",
                      "state": "state", "maxSubmissions": "max_submissions",
                      "submissionMessage": "submission_message"}  # fmt: skip
            for key, value in pairs.items():
                if key in simple:
                    setattr(form, simple[key], value)
                elif key != "access":
                    form.extra[key] = value
            if form.is_anonymous:
                form.submit_multiple = bool(pairs.get("submitMultiple", False)) and form.submit_multiple
            form.last_updated = int(time.time())
            return Reply(200, form.id)

    @route("DELETE", FORM, contract=CONTRACT)
    async def delete_form(self, request: Request) -> Reply:
        with self._lock:
            form = self._form(request, None)
            del self.forms[form.id]
            return Reply(200, form.id)

    # -- questions ------------------------------------------------------------------------
    @route("GET", QUESTIONS, contract=CONTRACT)
    async def list_questions(self, request: Request) -> Reply:
        with self._lock:
            form = self._form(request, "access")
            return Reply(200, [q.json() for q in form.ordered()])

    @route("POST", QUESTIONS, contract=CONTRACT)
    async def new_question(self, request: Request) -> Reply:
        args = request.args()
        with self._lock:
            form = self._editable(request)
            kind = args.get("type")
            if kind == "datetime":
                raise Failure(400, "Datetime question type no longer supported")
            if kind not in QUESTION_TYPES:
                raise Failure(400, "Invalid type")
            subtype = args.get("subtype")
            if kind == "grid" and subtype not in ("checkbox", "number", "radio"):
                raise Failure(400, "Invalid subtype")
            position = args.get("position")
            if position is not None and not isinstance(position, int):
                position = int(position) if str(position).isdigit() else None
            question = self._add_question(form, str(kind), str(args.get("text") or ""), position)
            if kind == "grid":
                question.extra_settings["questionType"] = subtype
            form.last_updated = int(time.time())
            return Reply(201, question.json())

    @route("PATCH", QUESTIONS, contract=CONTRACT)
    async def reorder_questions(self, request: Request) -> Reply:
        new_order = request.args().get("newOrder")
        with self._lock:
            form = self._editable(request)
            if not isinstance(new_order, list):
                raise Failure(400, "The given new order is not an array")
            ids = [int(x) for x in new_order if str(x).isdigit()]
            if len(ids) != len(new_order) or len(set(ids)) != len(ids):
                raise Failure(400, "The given array contains duplicates")
            if len(ids) != len(form.questions):
                raise Failure(400, "The length of the given array does not match the number of stored questions")
            by_id = {q.id: q for q in form.questions}
            if any(i not in by_id for i in ids):
                raise Failure(400, "This question is not part of the given form")
            for position, question_id in enumerate(ids, start=1):
                by_id[question_id].order = position
            return Reply(200, {str(i): {"order": by_id[i].order} for i in ids})

    @route("GET", QUESTION, contract=CONTRACT)
    async def get_question(self, request: Request) -> Reply:
        with self._lock:
            form = self._form(request, "access")
            question = self._question_anywhere(form, request)
            return Reply(200, question.json())

    @route("PATCH", QUESTION, contract=CONTRACT)
    async def update_question(self, request: Request) -> Reply:
        pairs = request.args().get("keyValuePairs")
        with self._lock:
            form = self._editable(request)
            question = self._question_anywhere(form, request)
            if not isinstance(pairs, dict) or not pairs:
                raise Failure(400, "This question can not be updated without any key-value pairs")
            if set(pairs) & {"id", "formId", "order"}:
                raise Failure(403, "Please use reorderQuestions() to change order")
            settings = pairs.get("extraSettings")
            if "extraSettings" in pairs and (not isinstance(settings, dict) or set(settings) - EXTRA_SETTINGS):
                raise Failure(400, "Invalid extraSettings, will not update.")
            for key, attribute in (("text", "text"), ("name", "name"), ("description", "description"),
                                   ("isRequired", "is_required")):  # fmt: skip
                if key in pairs:
                    setattr(question, attribute, pairs[key])
            if isinstance(settings, dict):
                question.extra_settings = dict(settings)
            if "type" in pairs:
                raise Failure(400, "Changing the question type is not allowed")
            form.last_updated = int(time.time())
            return Reply(200, question.id)

    @route("DELETE", QUESTION, contract=CONTRACT)
    async def delete_question(self, request: Request) -> Reply:
        with self._lock:
            form = self._editable(request)
            question = self._question_anywhere(form, request)
            form.questions.remove(question)
            for other in form.questions:
                if other.order > question.order:
                    other.order -= 1
            return Reply(200, question.id)

    # -- options --------------------------------------------------------------------------
    @route("POST", OPTIONS, contract=CONTRACT)
    async def new_options(self, request: Request) -> Reply:
        args = request.args()
        with self._lock:
            form = self._editable(request)
            question = self._question_anywhere(form, request)
            texts = args.get("optionTexts")
            if not isinstance(texts, list):
                raise Failure(400, "optionTexts must be an array")
            option_type = args.get("optionType") or "choice"
            if option_type not in ("choice", "row", "column"):
                raise Failure(400, "Invalid option type")
            made = self._add_options(question, [str(t) for t in texts], option_type)
            return Reply(201, [o.json() for o in made])

    @route("PATCH", OPTIONS, contract=CONTRACT)
    async def reorder_options(self, request: Request) -> Reply:
        new_order = request.args().get("newOrder")
        with self._lock:
            form = self._editable(request)
            question = self._question_anywhere(form, request)
            if not isinstance(new_order, list):
                raise Failure(400, "The given new order is not an array")
            ids = [int(x) for x in new_order if str(x).isdigit()]
            if len(ids) != len(new_order) or len(set(ids)) != len(ids):
                raise Failure(400, "The given array contains duplicates")
            by_id = {o.id: o for o in question.options}
            if any(i not in by_id for i in ids):
                raise Failure(400, "This option is not part of the given question")
            if len(ids) != len(by_id):
                raise Failure(400, "The length of the given array does not match the number of stored options")
            for position, option_id in enumerate(ids, start=1):
                by_id[option_id].order = position
            return Reply(200, {str(i): {"order": by_id[i].order} for i in ids})

    @route("PATCH", OPTION, contract=CONTRACT)
    async def update_option(self, request: Request) -> Reply:
        pairs = request.args().get("keyValuePairs")
        with self._lock:
            form = self._editable(request)
            question = self._question_anywhere(form, request)
            option = self._option(question, request, self.forms)
            if not isinstance(pairs, dict) or not pairs:
                raise Failure(400, "This option can not be updated without any key-value pairs")
            if set(pairs) & {"id", "questionId", "order"}:
                raise Failure(403, "Not allowed to update id or questionId")
            if "text" in pairs:
                option.text = str(pairs["text"])
            return Reply(200, option.id)

    @route("DELETE", OPTION, contract=CONTRACT)
    async def delete_option(self, request: Request) -> Reply:
        with self._lock:
            form = self._editable(request)
            question = self._question_anywhere(form, request)
            option = self._option(question, request, self.forms)
            question.options.remove(option)
            for other in question.options:
                if other.order > option.order:
                    other.order -= 1
            return Reply(200, option.id)

    # -- shares ---------------------------------------------------------------------------
    @route("POST", SHARES, contract=CONTRACT)
    async def new_share(self, request: Request) -> Reply:
        args = request.args()
        with self._lock:
            form = self._form(request, None)
            try:
                share_type = int(args.get("shareType"))  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise Failure(400, "Unknown shareType") from None
            if share_type not in SHARE_TYPES:
                raise Failure(400, "Unknown shareType")
            permissions = args.get("permissions") or ["submit"]
            if not isinstance(permissions, list) or any(p not in ALL_PERMISSIONS for p in permissions):
                raise Failure(400, "Invalid permission given")
            if "embed" in permissions and share_type != 3:
                raise Failure(400, "Embed permission is only allowed on link shares")
            share_with = str(args.get("shareWith") or "")
            if share_type == 0:
                if share_with not in self.standin.users:
                    raise Failure(400, "Invalid user to share with.")
                display = self._display(share_with)
            elif share_type == 1:
                groups = getattr(self.standin.services.get("files_sharing"), "groups", {}) or {}
                if share_with not in groups:
                    raise Failure(400, "Invalid group to share with.")
                display = getattr(groups[share_with], "display_name", share_with) or share_with
            elif share_type == 3:
                share_with = share_with or "".join(secrets.choice(string.ascii_letters + string.digits)
                                                   for _ in range(24))  # fmt: skip
                display = ""
            else:
                raise Failure(400, "Teams app is disabled")
            share = Share(self._next("share"), form.id, share_type, share_with, list(permissions), display)
            form.shares.append(share)
            return Reply(201, share.json())

    def _share(self, form: Form, request: Request) -> Share:
        raw = request.params["shareId"]
        share_id = int(raw) if raw.isdigit() else -1
        for other in self.forms.values():
            for candidate in other.shares:
                if candidate.id == share_id:
                    if other.id != form.id:
                        raise Failure(400, "Share doesn't belong to given Form")
                    return candidate
        raise Failure(404, "Could not find share")

    @route("PATCH", SHARE, contract=CONTRACT)
    async def update_share(self, request: Request) -> Reply:
        pairs = request.args().get("keyValuePairs")
        with self._lock:
            form = self._form(request, None)
            share = self._share(form, request)
            if not isinstance(pairs, dict) or not pairs or set(pairs) - {"permissions", "token"}:
                raise Failure(403, "Not allowed to update other properties than permissions")
            if "token" in pairs:
                raise Failure(403, "Custom public share tokens are not allowed.")
            permissions = pairs["permissions"]
            if not isinstance(permissions, list) or any(p not in ALL_PERMISSIONS for p in permissions):
                raise Failure(400, "Invalid permission given")
            if "embed" in permissions and share.share_type != 3:
                raise Failure(400, "Embed permission is only allowed on link shares")
            share.permissions = list(permissions)
            return Reply(200, share.id)

    @route("DELETE", SHARE, contract=CONTRACT)
    async def delete_share(self, request: Request) -> Reply:
        with self._lock:
            form = self._form(request, None)
            share = self._share(form, request)
            form.shares.remove(share)
            return Reply(200, share.id)

    # -- submissions ----------------------------------------------------------------------
    @route("POST", SUBMISSIONS, contract=CONTRACT)
    async def new_submission(self, request: Request) -> Reply:
        answers = request.args().get("answers")
        user = request.user.id
        with self._lock:
            form = self._form(request, "submit")
            if form.expired():
                raise Failure(403, "This form is no longer taking answers")
            if form.state != 0:
                raise Failure(403, "This form is closed and does not take answers")
            if not form.submit_multiple and any(s.user_id == user for s in form.submissions):
                raise Failure(403, "Already submitted")
            if form.max_submissions is not None and len(form.submissions) >= form.max_submissions:
                raise Failure(403, "This form has reached the maximum number of answers")
            if not isinstance(answers, dict):
                raise Failure(400, "At least one submitted answer is not valid")
            stored = self._validated(form, answers)
            submitter = f"anon-user-{secrets.token_hex(8)}" if form.is_anonymous else user
            submission = Submission(self._next("submission"), form.id, submitter, int(time.time()))
            for question_id, texts in stored:
                for text in texts:
                    submission.answers.append(Answer(self._next("answer"), submission.id, question_id, text))
            form.submissions.append(submission)
            return Reply(201, None)

    @staticmethod
    def _validated(form: Form, answers: dict[str, Any]) -> list[tuple[int, list[str]]]:
        by_id = {str(q.id): q for q in form.questions}
        for key in answers:
            if key not in by_id:
                raise Failure(400, f"Answer for non-existent question (id {key})")
        stored: list[tuple[int, list[str]]] = []
        for question in form.ordered():
            values = answers.get(str(question.id), [])
            if not isinstance(values, list):
                raise Failure(400, f'Invalid input for question "{question.text}".')
            values = [v for v in values if str(v) != ""]
            if not values:
                if question.is_required:
                    raise Failure(400, f'Question "{question.text}" is required.')
                continue
            texts: list[str] = []
            if question.type in CHOICE:
                if question.type in ("dropdown", "multiple_unique", "linearscale") and len(values) > 1:
                    raise Failure(400, f'Question "{question.text}" can only have one answer.')
                options = {str(o.id): o for o in question.options}
                for value in values:
                    text = str(value)
                    if text.startswith(OTHER_ANSWER) and question.extra_settings.get("allowOtherAnswer"):
                        texts.append(text[len(OTHER_ANSWER) :])
                    elif text in options:
                        texts.append(options[text].text)
                    else:
                        raise Failure(400, f'Answer "{text}" for question "{question.text}" is not a valid option.')
            else:
                if len(values) > 1 and question.type != "date":
                    raise Failure(400, f'Question "{question.text}" can only have one answer.')
                for value in values:
                    text = str(value)
                    pattern = {"date": "%Y-%m-%d", "time": "%H:%M"}.get(question.type)
                    if pattern is not None:
                        try:
                            datetime.strptime(text, pattern)
                        except ValueError:
                            raise Failure(400, f'Invalid date/time format for question "{question.text}".') from None
                    texts.append(text)
            stored.append((question.id, texts))
        return stored

    def _filtered(self, form: Form, query: str) -> list[Submission]:
        found = sorted(form.submissions, key=lambda s: (-s.timestamp, -s.id))
        if query:
            found = [s for s in found if any(query.lower() in a.text.lower() for a in s.answers)]
        return found

    def csv_of(self, form: Form) -> str:
        """The CSV Forms writes: user id, display name, timestamp, then one column per question."""
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
        questions = form.ordered()
        writer.writerow(["User ID", "User display name", "Timestamp", *[q.text for q in questions]])
        for submission in self._filtered(form, ""):
            anonymous = submission.user_id.startswith("anon-user-")
            when = datetime.fromtimestamp(submission.timestamp, UTC)
            row = ["" if anonymous else submission.user_id,
                   "Anonymous user" if anonymous else self._display(submission.user_id),
                   when.strftime("%A, %B %-d, %Y at %-I:%M:%S %p GMT+0:00")]  # fmt: skip
            for question in questions:
                row.append("; ".join(a.text for a in submission.answers if a.question_id == question.id))
            writer.writerow(row)
        return out.getvalue()

    def _file_bytes(self, form: Form, file_format: str) -> bytes:
        text = self.csv_of(form)
        if file_format == "csv":
            return text.encode()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("responses.csv", text)
        return buffer.getvalue()

    @route("GET", SUBMISSIONS, contract=CONTRACT)
    async def list_submissions(self, request: Request) -> Reply:
        with self._lock:
            form = self._form(request, "results")
            file_format = request.query.get("fileFormat")
            if file_format:
                if file_format not in ("csv", "ods", "xlsx"):
                    raise Failure(400, "Invalid file format")
                name = f"{form.title} (responses).{file_format}"
                return Reply(200, raw=self._file_bytes(form, file_format),
                             headers=[("Content-Type", "text/csv;charset=UTF-8"),
                                      ("Content-Disposition", f'attachment; filename="{name}"')])  # fmt: skip
            found = self._filtered(form, request.query.get("query", ""))
            offset = int(request.query.get("offset") or 0)
            limit = request.query.get("limit")
            page = found[offset : offset + int(limit)] if limit else found[offset:]
            return Reply(200, {"submissions": [self.submission_json(s) for s in page],
                               "questions": [q.json() for q in form.ordered()],
                               "filteredSubmissionsCount": len(found)})  # fmt: skip

    @route("DELETE", SUBMISSIONS, contract=CONTRACT)
    async def delete_all_submissions(self, request: Request) -> Reply:
        with self._lock:
            form = self._form(request, "results_delete")
            form.submissions.clear()
            return Reply(200, form.id)

    def _submission(self, form: Form, request: Request) -> Submission:
        raw = request.params["submissionId"]
        submission_id = int(raw) if raw.isdigit() else -1
        for other in self.forms.values():
            for candidate in other.submissions:
                if candidate.id == submission_id:
                    if other.id != form.id:
                        raise Failure(400, "Submission doesn't belong to given form")
                    return candidate
        raise Failure(404, "Submission doesn't exist")

    @route("GET", SUBMISSION, contract=CONTRACT)
    async def get_submission(self, request: Request) -> Reply:
        with self._lock:
            form = self._form(request, "access")
            submission = self._submission(form, request)
            if submission.user_id != request.user.id and "results" not in self.permissions(form, request.user.id):
                raise Failure(403, "The current user has no permission to get this submission")
            return Reply(200, self.submission_json(submission))

    @route("PUT", SUBMISSION, contract=CONTRACT)
    async def update_submission(self, request: Request) -> Reply:
        answers = request.args().get("answers")
        with self._lock:
            form = self._form(request, "submit")
            if not form.allow_edit_submissions:
                raise Failure(400, "Can only update submission if allowEditSubmissions is set")
            raw = request.params["submissionId"]
            submission = next((s for s in form.submissions if str(s.id) == raw), None)
            if submission is None:
                raise Failure(400, "Submission doesn't exist")
            if submission.user_id != request.user.id:
                raise Failure(403, "Can only update your own submission")
            if form.expired() or form.state != 0:
                raise Failure(403, "This form is no longer taking answers")
            if not isinstance(answers, dict):
                raise Failure(400, "At least one submitted answer is not valid")
            stored = self._validated(form, answers)
            submission.answers = [Answer(self._next("answer"), submission.id, question_id, text)
                                  for question_id, texts in stored for text in texts]  # fmt: skip
            submission.timestamp = int(time.time())
            return Reply(200, submission.id)

    @route("DELETE", SUBMISSION, contract=CONTRACT)
    async def delete_submission(self, request: Request) -> Reply:
        with self._lock:
            form = self._form(request, "results_delete")
            submission = self._submission(form, request)
            form.submissions.remove(submission)
            return Reply(200, submission.id)

    @route("POST", EXPORT, contract=CONTRACT)
    async def export(self, request: Request) -> Reply:
        args = request.args()
        with self._lock:
            form = self._form(request, "results")
            file_format = str(args.get("fileFormat") or "csv")
            if file_format not in ("csv", "ods", "xlsx"):
                raise Failure(400, "Invalid file format")
            root = self.standin.files_root(request.user)
            relative = PurePosixPath("/" + str(args.get("path") or "")).as_posix().strip("/")
            if ".." in relative.split("/"):
                raise Failure(404, "Not found")
            target = root / relative if relative else root
            if target.is_dir():
                name = f"{form.title} (responses).{file_format}".replace("/", "-")
                target = target / name
            elif not target.is_file():
                raise Failure(404, "Not found")
            target.write_bytes(self._file_bytes(form, file_format))
            return Reply(200, target.name)


# -- contract samples --------------------------------------------------------------------------


def _survey(context: Any) -> dict[str, str]:
    """Alice's form with a dropdown (two options) and a short question, shared with bob to submit,
    bob's submission, and a second form of alice's shared with nobody."""
    app: FormsApp = context.app
    alice, bob = context.users["alice"].id, context.users["bob"].id
    form = app.create_form(alice, "Lunch", ("dropdown", "Where?", ["Pizza", "Sushi"]), ("short", "Why?", []))
    other = app.create_form(alice, "Private")
    with app._lock:
        first, second = form.ordered()
        share = Share(app._next("share"), form.id, 0, bob, ["submit"], bob)
        form.shares.append(share)
        submission = Submission(app._next("submission"), form.id, bob, int(time.time()))
        submission.answers.append(Answer(app._next("answer"), submission.id, first.id, "Pizza"))
        form.submissions.append(submission)
    return {"form": str(form.id), "other": str(other.id), "q1": str(first.id), "q2": str(second.id),
            "o1": str(first.options[0].id), "o2": str(first.options[1].id), "share": str(share.id),
            "submission": str(submission.id), "oq": "999999"}  # fmt: skip


def _editable_survey(context: Any) -> dict[str, str]:
    """_survey, on a form that allows editing one's submission."""
    names = _survey(context)
    context.app.forms[int(names["form"])].allow_edit_submissions = True
    return names


F = "/ocs/v2.php/apps/forms/api/v3/forms"
JSON = {"Content-Type": "application/json"}  # answers are keyed by question id: `json=` fills no keys, `content=` does
FF = F + "/{form}"
# fmt: off
SAMPLES = [
    Sample("GET", F, 200, setup=_survey),
    Sample("GET", F, 200, user="bob", query={"type": "shared"}, setup=_survey),
    Sample("GET", F, 400, query={"type": "everything"}),
    Sample("POST", F, 201),
    Sample("POST", F, 201, json={"fromId": "{form}"}, setup=_survey, note="clone"),
    Sample("GET", FF, 200, setup=_survey),
    Sample("GET", FF, 200, user="bob", setup=_survey, note="shared to submit"),
    Sample("GET", F + "/{other}", 403, user="bob", setup=_survey, note="not shared with bob"),
    Sample("GET", F + "/999999", 400),
    Sample("PATCH", FF, 200, json={"keyValuePairs": {"title": "Lunch poll"}}, setup=_survey),
    Sample("PATCH", FF, 403, user="bob", json={"keyValuePairs": {"title": "x"}}, setup=_survey),
    Sample("PATCH", FF, 400, json={"keyValuePairs": {"ownerId": "nobody-here"}}, setup=_survey),
    Sample("PATCH", F + "/999999", 404, json={"keyValuePairs": {"title": "x"}}),
    Sample("DELETE", FF, 200, setup=_survey),
    Sample("DELETE", FF, 403, user="bob", setup=_survey),
    Sample("DELETE", F + "/999999", 404),
    Sample("GET", FF + "/questions", 200, setup=_survey),
    Sample("GET", F + "/{other}/questions", 403, user="bob", setup=_survey),
    Sample("GET", F + "/999999/questions", 404),
    Sample("POST", FF + "/questions", 201, json={"type": "long", "text": "Comments", "position": 1}, setup=_survey),
    Sample("POST", FF + "/questions", 400, json={"type": "datetime"}, setup=_survey),
    Sample("POST", FF + "/questions", 403, user="bob", json={"type": "short"}, setup=_survey),
    Sample("POST", F + "/999999/questions", 404, json={"type": "short"}),
    Sample("PATCH", FF + "/questions", 200, json={"newOrder": ["{q2}", "{q1}"]}, setup=_survey),
    Sample("PATCH", FF + "/questions", 400, json={"newOrder": ["{q2}", "{q2}"]}, setup=_survey),
    Sample("PATCH", FF + "/questions", 403, user="bob", json={"newOrder": ["{q2}", "{q1}"]}, setup=_survey),
    Sample("PATCH", F + "/999999/questions", 404, json={"newOrder": []}),
    Sample("GET", FF + "/questions/{q1}", 200, setup=_survey),
    Sample("GET", F + "/{other}/questions/{q1}", 400, setup=_survey, note="of another form"),
    Sample("GET", F + "/{other}/questions/{q1}", 403, user="bob", setup=_survey),
    Sample("GET", FF + "/questions/999999", 404, setup=_survey),
    Sample("PATCH", FF + "/questions/{q1}", 200, json={"keyValuePairs": {"isRequired": True}}, setup=_survey),
    Sample(
        "PATCH", FF + "/questions/{q1}", 400, json={"keyValuePairs": {"extraSettings": {"bogus": 1}}}, setup=_survey
    ),
    Sample("PATCH", FF + "/questions/{q1}", 403, json={"keyValuePairs": {"order": 3}}, setup=_survey),
    Sample("PATCH", FF + "/questions/999999", 404, json={"keyValuePairs": {"text": "x"}}, setup=_survey),
    Sample("DELETE", FF + "/questions/{q2}", 200, setup=_survey),
    Sample("DELETE", F + "/{other}/questions/{q2}", 400, setup=_survey),
    Sample("DELETE", FF + "/questions/{q2}", 403, user="bob", setup=_survey),
    Sample("DELETE", FF + "/questions/999999", 404, setup=_survey),
    Sample("POST", FF + "/questions/{q1}/options", 201, json={"optionTexts": ["Tacos", "Salad"]}, setup=_survey),
    Sample("POST", F + "/{other}/questions/{q1}/options", 400, json={"optionTexts": ["x"]}, setup=_survey),
    Sample("POST", FF + "/questions/{q1}/options", 403, user="bob", json={"optionTexts": ["x"]}, setup=_survey),
    Sample("POST", FF + "/questions/999999/options", 404, json={"optionTexts": ["x"]}, setup=_survey),
    Sample("PATCH", FF + "/questions/{q1}/options", 200, json={"newOrder": ["{o2}", "{o1}"]}, setup=_survey),
    Sample("PATCH", FF + "/questions/{q1}/options", 400, json={"newOrder": ["{o2}"]}, setup=_survey),
    Sample(
        "PATCH", FF + "/questions/{q1}/options", 403, user="bob", json={"newOrder": ["{o2}", "{o1}"]}, setup=_survey
    ),
    Sample("PATCH", FF + "/questions/999999/options", 404, json={"newOrder": []}, setup=_survey),
    Sample(
        "PATCH", FF + "/questions/{q1}/options/{o1}", 200, json={"keyValuePairs": {"text": "Pasta"}}, setup=_survey
    ),
    Sample(
        "PATCH", FF + "/questions/{q2}/options/{o1}", 400, json={"keyValuePairs": {"text": "x"}}, setup=_survey
    ),
    Sample(
        "PATCH", FF + "/questions/{q1}/options/{o1}", 403, json={"keyValuePairs": {"questionId": 1}}, setup=_survey
    ),
    Sample(
        "PATCH", FF + "/questions/{q1}/options/999999", 404, json={"keyValuePairs": {"text": "x"}}, setup=_survey
    ),
    Sample("DELETE", FF + "/questions/{q1}/options/{o1}", 200, setup=_survey),
    Sample("DELETE", FF + "/questions/{q2}/options/{o1}", 400, setup=_survey),
    Sample("DELETE", FF + "/questions/{q1}/options/{o1}", 403, user="bob", setup=_survey),
    Sample("DELETE", FF + "/questions/{q1}/options/999999", 404, setup=_survey),
    Sample(
        "POST",
        FF + "/shares",
        201,
        json={"shareType": 0, "shareWith": "{admin}", "permissions": ["results"]},
        setup=_survey,
    ),
    Sample("POST", FF + "/shares", 201, json={"shareType": 3}, setup=_survey, note="a link"),
    Sample("POST", FF + "/shares", 400, json={"shareType": 0, "shareWith": "nobody-here"}, setup=_survey),
    Sample("POST", FF + "/shares", 403, user="bob", json={"shareType": 3}, setup=_survey),
    Sample("POST", F + "/999999/shares", 404, json={"shareType": 3}),
    Sample(
        "PATCH",
        FF + "/shares/{share}",
        200,
        json={"keyValuePairs": {"permissions": ["submit", "results"]}},
        setup=_survey,
    ),
    Sample("PATCH", FF + "/shares/{share}", 400, json={"keyValuePairs": {"permissions": ["own"]}}, setup=_survey),
    Sample("PATCH", FF + "/shares/{share}", 403, json={"keyValuePairs": {"shareWith": "x"}}, setup=_survey),
    Sample("PATCH", FF + "/shares/999999", 404, json={"keyValuePairs": {"permissions": []}}, setup=_survey),
    Sample("DELETE", FF + "/shares/{share}", 200, setup=_survey),
    Sample("DELETE", F + "/{other}/shares/{share}", 400, setup=_survey),
    Sample("DELETE", FF + "/shares/{share}", 403, user="bob", setup=_survey),
    Sample("DELETE", FF + "/shares/999999", 404, setup=_survey),
    Sample(
        "POST",
        FF + "/submissions",
        201,
        headers=JSON,
        content='{{"answers": {{"{q1}": ["{o2}"], "{q2}": ["fast"]}}}}',
        setup=_survey,
    ),
    Sample(
        "POST", FF + "/submissions", 400, headers=JSON, content='{{"answers": {{"{q1}": ["999999"]}}}}', setup=_survey
    ),
    Sample("POST", FF + "/submissions", 403, user="bob", json={"answers": {}}, setup=_survey, note="already"),
    Sample("POST", F + "/999999/submissions", 404, json={"answers": {}}),
    Sample("GET", FF + "/submissions", 200, setup=_survey),
    Sample("GET", FF + "/submissions", 200, query={"query": "pizza", "limit": "1"}, setup=_survey),
    Sample("GET", FF + "/submissions", 403, user="bob", setup=_survey),
    Sample("GET", F + "/999999/submissions", 404),
    Sample("DELETE", FF + "/submissions", 200, setup=_survey),
    Sample("DELETE", FF + "/submissions", 403, user="bob", setup=_survey),
    Sample("DELETE", F + "/999999/submissions", 404),
    Sample("GET", FF + "/submissions/{submission}", 200, setup=_survey),
    Sample("GET", FF + "/submissions/{submission}", 200, user="bob", setup=_survey, note="his own"),
    Sample("GET", F + "/{other}/submissions/{submission}", 400, setup=_survey),
    Sample("GET", FF + "/submissions/{submission}", 403, user="admin", setup=_survey),
    Sample("GET", FF + "/submissions/999999", 404, setup=_survey),
    Sample("PUT", FF + "/submissions/{submission}", 200, user="bob", headers=JSON,
           content='{{"answers": {{"{q1}": ["{o2}"]}}}}', setup=_editable_survey),
    Sample("PUT", FF + "/submissions/{submission}", 400, user="bob", json={"answers": {}}, setup=_survey,
           note="the form does not allow editing"),
    Sample("PUT", FF + "/submissions/{submission}", 403, headers=JSON,
           content='{{"answers": {{"{q1}": ["{o2}"]}}}}', setup=_editable_survey, note="not alice's"),
    Sample("DELETE", FF + "/submissions/{submission}", 200, setup=_survey),
    Sample("DELETE", F + "/{other}/submissions/{submission}", 400, setup=_survey),
    Sample("DELETE", FF + "/submissions/{submission}", 403, user="bob", setup=_survey),
    Sample("DELETE", FF + "/submissions/999999", 404, setup=_survey),
    Sample("POST", FF + "/submissions/export", 200, json={"path": "", "fileFormat": "csv"}, setup=_survey),
    Sample("POST", FF + "/submissions/export", 403, user="bob", json={"path": ""}, setup=_survey),
    Sample("POST", F + "/999999/submissions/export", 404, json={"path": ""}),
]
# fmt: on
