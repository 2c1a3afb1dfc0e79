"""Nextcloud Flow (the workflowengine app): the user's own flows over OCS `api/v1/workflows/user`.

As nextcloud/server behaves (apps/workflowengine/appinfo/routes.php: the `user_workflows` OCS
resource; lib/Controller/AWorkflowController.php, UserWorkflowsController.php, lib/Manager.php):
- `GET workflows/user`: the caller's flows grouped by operation class, `{class: [rule, ...]}`, or
  `[]` (PHP's empty array) when there are none. A rule is `{id, class, name, checks, operation,
  entity, events}` (and the listing adds `scope_type` 1 and `scope_actor_id`); `checks` are
  `{class, operator, value}`, deduplicated and in the order of their ids (identical checks are one
  row in `flow_checks`). `GET workflows/user/{id}` takes an operation class and answers its rules
  (`[]` for none).
- `POST workflows/user` (class, name, checks, operation, entity, events) and `PUT
  workflows/user/{id}` (the same without class) validate as `Manager::validateOperation` does, in
  its order; every violation is OCS 400 with its message ("At least one check needs to be
  provided", "No events are chosen.", "Entity %s has no event %s", "Operation %s is invalid", "The
  given operator is invalid", ...). A class that does not exist (operation, entity or check) is not
  caught by Nextcloud (ReflectionException): 500. Both answer the rule (without the scope keys).
- `PUT`/`DELETE` of a flow outside the caller's scope (another user's, or none with that id) is
  OCS 403 "Target operation not within scope"; `DELETE` answers `true`.
- Operations known here: the PDF converter and Talk's "write to conversation" (user scope), and
  automated tagging and access control (admin only: "Operation %s is invalid" for a user flow).
  The one entity is File, with its seven events. The app shows no capabilities.
Contract: none under ../shared/contracts (the app's OpenAPI file is newer than Nextcloud 31, with a
`description` field Nextcloud 31 does not have); SOURCES.md names where the rest is written down.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from tests.standin.kit import EmulatedApp, Failure, Reply, Request, Sample, route

CONTRACT = "SOURCES.md"
USER = "/ocs/v2.php/apps/workflowengine/api/v1/workflows/user"
ONE = USER + "/{id}"

FILE = "OCA\\WorkflowEngine\\Entity\\File"
PDF = "OCA\\WorkflowPDFConverter\\Operation"
TALK = "OCA\\Talk\\Flow\\Operation"
TAGGING = "OCA\\FilesAutomatedTagging\\Operation"
ACCESS_CONTROL = "OCA\\FilesAccessControl\\Operation"
MAX_OPERATION_VALUE_BYTES = 4096
MAX_CHECK_VALUE_BYTES = 2048
SCOPE_USER = 1

OPERATIONS = {PDF: {"user": True, "complex": False}, TALK: {"user": True, "complex": False},
              TAGGING: {"user": False, "complex": False}, ACCESS_CONTROL: {"user": False, "complex": True}}  # fmt: skip
ENTITIES = {
    FILE: ["\\OCP\\Files::postCreate", "\\OCP\\Files::postWrite", "\\OCP\\Files::postRename",
           "\\OCP\\Files::postDelete", "\\OCP\\Files::postTouch", "\\OCP\\Files::postCopy",
           "OCP\\SystemTag\\ISystemTagObjectMapper::assignTags"],
}  # fmt: skip
STRING_OPERATORS = ("is", "!is", "matches", "!matches")
CHECKS: dict[str, dict[str, Any]] = {
    "OCA\\WorkflowEngine\\Check\\FileName": {"kind": "string", "entities": [FILE]},
    "OCA\\WorkflowEngine\\Check\\FileMimeType": {"kind": "string", "entities": [FILE]},
    "OCA\\WorkflowEngine\\Check\\RequestURL": {"kind": "string", "entities": []},
    "OCA\\WorkflowEngine\\Check\\RequestUserAgent": {"kind": "string", "entities": []},
    "OCA\\WorkflowEngine\\Check\\FileSize": {"kind": "size", "entities": [FILE]},
    "OCA\\WorkflowEngine\\Check\\FileSystemTags": {"kind": "tag", "entities": [FILE]},
    "OCA\\WorkflowEngine\\Check\\UserGroupMembership": {"kind": "group", "entities": []},
}
OTHER_CLASSES = {"OCA\\WorkflowEngine\\Manager": ["OCP\\WorkflowEngine\\IManager"]}
"""Classes that exist but are neither operations, entities nor checks (with their interfaces)."""
SIZE = re.compile(r"^\s*\d+(\.\d+)?\s*([kmgtp]i?b?|b)?\s*$", re.I)


def _exists(name: str) -> bool:
    return name in OPERATIONS or name in ENTITIES or name in CHECKS or name in OTHER_CLASSES


def _interfaces(name: str) -> list[str]:
    if name in ENTITIES:
        return ["OCP\\WorkflowEngine\\IEntity"]
    if name in CHECKS:
        return ["OCP\\WorkflowEngine\\ICheck"]
    return OTHER_CLASSES.get(name, [])


def _regex_ok(value: str) -> bool:
    """PHP's preg_match on a delimited pattern such as `/\\.pdf$/i`."""
    if len(value) < 2 or value[0].isalnum() or value[0] in "\\ ":
        return False
    end = value.rfind(value[0])
    if end <= 0 or not set(value[end + 1 :]) <= set("imsxuUXJD"):
        return False
    try:
        re.compile(value[1:end])
    except re.error:
        return False
    return True


def _validate_check(kind: str, operator: str, value: str) -> None:
    if kind == "string":
        if operator not in STRING_OPERATORS:
            raise Failure(400, "The given operator is invalid")
        if operator in ("matches", "!matches") and not _regex_ok(value):
            raise Failure(400, "The given regular expression is invalid")
    elif kind == "size":
        if operator not in ("less", "!less", "greater", "!greater"):
            raise Failure(400, "The given operator is invalid")
        if not SIZE.match(value):
            raise Failure(400, "The given file size is invalid")
    elif kind in ("tag", "group"):
        if operator not in ("is", "!is"):
            raise Failure(400, "The given operator is invalid")
        if kind == "tag" and not value.isdigit():
            raise Failure(400, "The given tag id is invalid")


@dataclass
class Rule:
    id: int
    owner: str
    cls: str
    name: str
    check_ids: list[int]
    operation: str
    entity: str
    events: list[str] = field(default_factory=list)


class WorkflowEngineApp(EmulatedApp):
    """The workflowengine app's user flows (see the module docstring)."""

    app_id = "workflowengine"
    prefixes = ("/ocs/v2.php/apps/workflowengine/",)

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self._lock = threading.Lock()
        self.rules: dict[int, Rule] = {}
        self.checks: dict[int, dict[str, str]] = {}
        self._by_hash: dict[str, int] = {}
        self._next = 1

    def of(self, user_id: str) -> list[Rule]:
        with self._lock:
            return sorted((r for r in self.rules.values() if r.owner == user_id), key=lambda r: r.id)

    def forget_user(self, user_id: str) -> None:
        with self._lock:
            for key in [k for k, r in self.rules.items() if r.owner == user_id]:
                del self.rules[key]

    def rule_json(self, rule: Rule, *, listed: bool = False) -> dict[str, Any]:
        found: dict[str, Any] = {
            "id": rule.id, "class": rule.cls, "name": rule.name,
            "checks": [dict(self.checks[c]) for c in sorted(set(rule.check_ids))],
            "operation": rule.operation, "entity": rule.entity, "events": list(rule.events),
        }  # fmt: skip
        if listed:
            found.update({"scope_type": SCOPE_USER, "scope_actor_id": rule.owner})
        return found

    def _add_check(self, check: dict[str, str]) -> int:
        key = hashlib.md5(f"{check['class']}::{check['operator']}::{check['value']}".encode()).hexdigest()  # noqa: S324
        if key not in self._by_hash:
            self._by_hash[key] = len(self.checks) + 1
            self.checks[self._by_hash[key]] = dict(check)
        return self._by_hash[key]

    @staticmethod
    def _validate(cls: str, checks: list[dict[str, str]], operation: str, entity: str, events: list[str]) -> None:
        """Manager::validateOperation, in its order."""
        if len(operation.encode()) > MAX_OPERATION_VALUE_BYTES:
            raise Failure(400, "The provided operation data is too long")
        if not _exists(cls):
            raise Failure(500, "")  # new ReflectionClass() of a missing class: uncaught
        if cls not in OPERATIONS:
            raise Failure(400, f"Operation {cls} is invalid" + ", ".join(_interfaces(cls)))
        if not OPERATIONS[cls]["user"]:
            raise Failure(400, f"Operation {cls} is invalid")
        if not _exists(entity):
            raise Failure(500, "")
        if entity not in ENTITIES:
            raise Failure(400, f"Entity {entity} is invalid")
        if not events and not OPERATIONS[cls]["complex"]:
            raise Failure(400, "No events are chosen.")
        unknown = [e for e in events if e not in ENTITIES[entity]]
        if unknown:
            raise Failure(400, f"Entity {entity} has no event {unknown[0]}")
        if not checks:
            raise Failure(400, "At least one check needs to be provided")
        for check in checks:
            if len(check["value"].encode()) > MAX_CHECK_VALUE_BYTES:
                raise Failure(400, "The provided check value is too long")
            if not _exists(check["class"]):
                raise Failure(500, "")
            if check["class"] not in CHECKS:
                raise Failure(400, f"Check {cls} is invalid")  # sic: Nextcloud names the operation class
            spec = CHECKS[check["class"]]
            if spec["entities"] and entity not in spec["entities"]:
                raise Failure(400, f"Check {cls} is not allowed with this entity")
            _validate_check(spec["kind"], check["operator"], check["value"])

    @staticmethod
    def _arguments(request: Request, *, with_class: bool) -> tuple[str, str, list[dict[str, str]], str, str, list[str]]:
        args = request.args()
        strings = ["name", "operation", "entity", *(["class"] if with_class else [])]
        if any(not isinstance(args.get(key), str) for key in strings):
            raise Failure(400, "")  # a required string parameter missing or not a string
        checks, events = args.get("checks"), args.get("events")
        if isinstance(checks, dict):  # a form's checks[0][class]=... arrive as a map
            checks = list(checks.values())
        if not isinstance(checks, list) or not isinstance(events, list):
            raise Failure(400, "")
        if not all(isinstance(c, dict) and all(isinstance(c.get(k), str) for k in ("class", "operator", "value"))
                   for c in checks):  # fmt: skip
            raise Failure(500, "")  # $check['class'] of a malformed check: a PHP error
        given = [{k: c[k] for k in ("class", "operator", "value")} for c in checks]
        return args.get("class", ""), args["name"], given, args["operation"], args["entity"], [str(e) for e in events]

    @route("GET", USER, contract=CONTRACT)
    async def index(self, request: Request) -> Reply:
        grouped: dict[str, list[dict[str, Any]]] = {}
        for rule in self.of(request.user.id):
            grouped.setdefault(rule.cls, []).append(self.rule_json(rule, listed=True))
        return Reply(200, grouped or [])

    @route("GET", ONE, contract=CONTRACT)
    async def show(self, request: Request) -> Reply:
        wanted = request.params["id"]
        return Reply(200, [self.rule_json(r, listed=True) for r in self.of(request.user.id) if r.cls == wanted])

    @route("POST", USER, contract=CONTRACT)
    async def create(self, request: Request) -> Reply:
        cls, name, checks, operation, entity, events = self._arguments(request, with_class=True)
        self._validate(cls, checks, operation, entity, events)
        with self._lock:
            rule = Rule(self._next, request.user.id, cls, name, [self._add_check(c) for c in checks], operation,
                        entity, events)  # fmt: skip
            self._next += 1
            self.rules[rule.id] = rule
            return Reply(200, self.rule_json(rule))

    def _mine(self, request: Request) -> Rule:
        raw = request.params["id"]
        rule = self.rules.get(int(raw)) if raw.lstrip("-").isdigit() else None
        if rule is None or rule.owner != request.user.id:
            raise Failure(403, "Target operation not within scope")
        return rule

    @route("PUT", ONE, contract=CONTRACT)
    async def update(self, request: Request) -> Reply:
        with self._lock:
            rule = self._mine(request)
        _, name, checks, operation, entity, events = self._arguments(request, with_class=False)
        self._validate(rule.cls, checks, operation, entity, events)
        with self._lock:
            rule.name, rule.operation, rule.entity, rule.events = name, operation, entity, events
            rule.check_ids = [self._add_check(c) for c in checks]
            return Reply(200, self.rule_json(rule))

    @route("DELETE", ONE, contract=CONTRACT)
    async def destroy(self, request: Request) -> Reply:
        with self._lock:
            rule = self._mine(request)
            del self.rules[rule.id]
        return Reply(200, True)


PDF_CHECK = {"class": "OCA\\WorkflowEngine\\Check\\FileMimeType", "operator": "is", "value": "application/msword"}
NEW = {"class": PDF, "name": "To PDF", "checks": [PDF_CHECK], "operation": "keep;preserve", "entity": FILE,
       "events": ["\\OCP\\Files::postCreate"]}  # fmt: skip


def _alices_flow(context: Any) -> dict[str, str]:
    app: WorkflowEngineApp = context.app
    with app._lock:
        rule = Rule(app._next, context.users["alice"].id, PDF, "Docs to PDF", [app._add_check(PDF_CHECK)],
                    "keep;preserve", FILE, ["\\OCP\\Files::postWrite"])  # fmt: skip
        app._next += 1
        app.rules[rule.id] = rule
    return {"flow": str(rule.id)}


SAMPLES = [
    Sample("GET", USER, 200, setup=_alices_flow),
    Sample("GET", USER, 200, user="admin", note="none: PHP's empty array"),
    Sample("GET", USER + "/OCA%5CWorkflowPDFConverter%5COperation", 200, setup=_alices_flow),
    Sample("POST", USER, 200, json=NEW),
    Sample("POST", USER, 400, json={**NEW, "checks": []}, note="At least one check needs to be provided"),
    Sample("POST", USER, 400, json={**NEW, "class": TAGGING}, note="an admin-only operation"),
    Sample("POST", USER, 400, json={**NEW, "events": ["nope"]}, note="Entity ... has no event nope"),
    Sample("POST", USER, 500, json={**NEW, "class": "OCA\\Nope\\Operation"}, note="ReflectionException"),
    Sample("PUT", USER + "/{flow}", 200, setup=_alices_flow, json={**NEW, "name": "Renamed"}),
    Sample(
        "PUT",
        USER + "/{flow}",
        400,
        setup=_alices_flow,
        json={**NEW, "checks": [{**PDF_CHECK, "operator": "less"}]},
        note="The given operator is invalid",
    ),
    Sample("PUT", USER + "/{flow}", 403, user="bob", setup=_alices_flow, json=NEW, note="another user's"),
    Sample("DELETE", USER + "/{flow}", 200, setup=_alices_flow),
    Sample("DELETE", USER + "/{flow}", 403, user="bob", setup=_alices_flow),
]
