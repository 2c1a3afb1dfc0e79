"""Every emulated app's routes agree with the contract each route names, table-driven.

Each module of tests/standin/apps/ declares its routes on the kit (tests/standin/kit.py), each with
its contract file under ../shared/contracts, and a `SAMPLES` list: calls with the status each must
get. Here every sample is called over HTTP as its user; when the route's contract is an OpenAPI
document, the contract must describe that path, method and status, and the answer is validated
against it (`$ref`s resolved in the same document). An emulated route without a sample fails, so
no route goes unchecked; a contract file that is missing fails.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx
import pytest

from tests.integration.test_contracts import CONTRACTS, MISSING, NC31, corrected, validate
from tests.standin.core import StandIn, User, emulated_apps
from tests.standin.kit import EmulatedApp, Route, Sample, canonical

pytestmark = pytest.mark.skipif(not NC31.is_dir(), reason=MISSING)

USERS = {"alice": "ct-alice", "bob": "ct-bob", "admin": "admin"}
PASSWORD = "contract-password-1"
OCS = {"OCS-APIRequest": "true", "Accept": "application/json"}


@dataclass
class SampleContext:
    """What a sample's `setup` gets: the stand-in, its users by role, and the app being sampled."""

    standin: StandIn
    users: dict[str, User]
    app: EmulatedApp


def samples() -> list[tuple[type[EmulatedApp], Sample]]:
    import importlib

    return [
        (app, sample)
        for app in emulated_apps()
        for sample in getattr(importlib.import_module(app.__module__), "SAMPLES", [])
    ]


def route_of(app: type[EmulatedApp], sample: Sample) -> Route | None:
    """The route a sample calls (its `{name}` placeholders match a path segment each)."""
    path, _ = canonical(sample.path.split("?", 1)[0])
    return next((r for r in app.routes() if r.method == sample.method.upper() and r.pattern.fullmatch(path)), None)


@cache
def openapi(name: str) -> dict[str, Any]:
    return corrected(json.loads((CONTRACTS / name).read_text()))


def _schema(document: dict[str, Any], route: Route, status: int) -> dict[str, Any]:
    operation = document.get("paths", {}).get(route.template, {}).get(route.method.lower())
    assert operation is not None, f"{route.contract} does not describe {route.method} {route.template}"
    response = operation.get("responses", {}).get(str(status))
    assert response is not None, f"{route.contract} has no {status} answer for {route.method} {route.template}"
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return {**copy.deepcopy(schema), "components": document.get("components", {})}


@pytest.fixture(scope="module")
def context(standin: Any) -> dict[str, User]:
    return {role: standin.app.users[standin.add_user(user_id, PASSWORD).id] for role, user_id in USERS.items()}


def _fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**names) if "{" in value else value
    if isinstance(value, dict):
        return {key: _fill(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, names) for item in value]
    return value


def test_every_emulated_route_has_a_sample_and_names_a_contract_that_exists() -> None:
    called = {(app, route_of(app, sample)) for app, sample in samples()}
    unsampled = [f"{app.app_id}: {r.method} {r.template}" for app in emulated_apps() for r in app.routes()
                 if (app, r) not in called]  # fmt: skip
    astray = [f"{app.app_id}: {s.method} {s.path}" for app, s in samples() if route_of(app, s) is None]
    missing = [f"{app.app_id}: {r.contract}" for app in emulated_apps() for r in app.routes()
               if not (CONTRACTS / r.contract).is_file()]  # fmt: skip
    assert unsampled == [], "routes without a contract sample"
    assert astray == [], "samples that call no emulated route"
    assert missing == [], "contract files that do not exist"


@pytest.mark.parametrize(
    ("app", "sample"),
    samples(),
    ids=lambda value: value.app_id if isinstance(value, type) else f"{value.method} {value.path} {value.status}",
)
def test_each_sample_gets_its_status_and_an_answer_the_contract_describes(
    app: type[EmulatedApp], sample: Sample, standin: Any, context: dict[str, User]
) -> None:
    names = {role: user.id for role, user in context.items()}
    if sample.setup is not None:
        names.update(sample.setup(SampleContext(standin.app, context, standin.app.services[app.app_id])))
    path = _fill(sample.path, names)
    user = context[sample.user]
    with httpx.Client(base_url=standin.url, auth=(user.id, PASSWORD), timeout=30) as http:
        response = http.request(
            sample.method.upper(),
            path,
            headers={**OCS, **_fill(sample.headers or {}, names)},
            json=_fill(sample.json, names) if sample.json is not None else None,
            data=_fill(sample.form, names) if sample.form is not None else None,
            content=_fill(sample.content, names) if sample.content is not None else None,
            params=_fill(sample.query, names) if sample.query is not None else None,
            files=sample.files,
        )
    route = route_of(app, sample)
    assert route is not None, f"{sample.method} {sample.path} calls no route of {app.app_id}"
    v1 = path.startswith("/ocs/v1.php")
    status = response.json()["ocs"]["meta"]["statuscode"] if v1 else response.status_code
    assert status == sample.status, response.text[:500]
    json_answer = "json" in response.headers.get("content-type", "")  # DAV routes answer XML: nothing to validate
    if route.contract.endswith(".json") and not v1 and json_answer:  # OpenAPI: /ocs/v2.php and plain routes
        validate(response.json(), _schema(openapi(route.contract), route, response.status_code))
