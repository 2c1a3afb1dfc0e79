"""The AppAPI simulator's own OCS answers agree with AppAPI's published contract
(../shared/contracts/apps/app_api.openapi.json): every AppAPI route the simulator serves is
called as an ExApp would call it, and each answer is validated against the contract's response
for that route. A route the simulator serves that the contract does not describe fails here."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.appapi.harness import serve_simulator
from tests.appapi.state import ExApp
from tests.integration.test_contracts import MISSING, NC31, contract, response_schema, validate

pytestmark = pytest.mark.skipif(not NC31.is_dir(), reason=MISSING)

APP, SECRET = "contract_app", "contract-app-secret-0123456789"
PREFIX = "/ocs/v2.php/apps/app_api/"
FORM = {"id": "contract_form", "priority": 10, "section_type": "admin", "section_id": "ai", "title": "T", "fields": []}

CASES: list[tuple[str, str, dict[str, Any] | None, dict[str, str] | None]] = [
    ("put", "ex-app/status", {"progress": 50}, None),
    ("get", "ex-app/state", None, None),
    ("post", "api/v1/log", {"level": 2, "message": "hello"}, None),
    ("post", "api/v1/ui/settings", {"formScheme": FORM}, None),
    ("get", "api/v1/ui/settings", None, {"formId": "contract_form"}),
    ("delete", "api/v1/ui/settings", None, {"formId": "contract_form"}),
    ("post", "api/v1/ex-app/config", {"configKey": "k", "configValue": "v"}, None),
    ("post", "api/v1/ex-app/config/get-values", {"configKeys": ["k"]}, None),
    ("delete", "api/v1/ex-app/config", {"configKeys": ["k"]}, None),
]
"""Every route `tests/appapi/ocs.py` serves for an ExApp, in an order that makes each answer real."""


@pytest.fixture(scope="module")
def simulator(standin: Any) -> Iterator[str]:
    with serve_simulator(standin.app) as (sim, url):
        sim.registry.apps[APP] = ExApp(
            app_id=APP, version="1.0.0", secret=SECRET, url="http://127.0.0.1:9", routes=[], enabled=True
        )
        yield url


def as_the_app(url: str, method: str, endpoint: str, body: Any, params: Any) -> httpx.Response:
    signature = base64.b64encode(f":{SECRET}".encode()).decode()
    headers = {
        "EX-APP-ID": APP,
        "EX-APP-VERSION": "1.0.0",
        "AUTHORIZATION-APP-API": signature,
        "OCS-APIRequest": "true",
        "Accept": "application/json",
    }
    return httpx.request(method.upper(), f"{url}{PREFIX}{endpoint}", json=body, params=params, headers=headers)


def app_api() -> dict[str, Any]:
    """The contract, with one erratum: AppAPI's psalm type `array<string, mixed>` (a settings form, a
    config map) was rendered as "an object whose every value is an object"; it is any JSON value."""

    def relax(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("additionalProperties") == {"type": "object"}:
                node = {**node, "additionalProperties": {}}
            return {key: relax(value) for key, value in node.items()}
        if isinstance(node, list):
            return [relax(item) for item in node]
        return node

    return relax(contract("../apps/app_api.openapi.json"))  # type: ignore[no-any-return]


def test_every_route_the_simulator_serves_is_in_the_contract() -> None:
    paths = app_api()["paths"]
    missing = [f"{m.upper()} {e}" for m, e, _, _ in CASES if m not in paths.get(PREFIX + e, {})]
    assert missing == []


def test_each_answer_matches_the_contracts_response_for_its_route(simulator: str) -> None:
    document = app_api()
    for method, endpoint, body, params in CASES:
        response = as_the_app(simulator, method, endpoint, body, params)
        assert response.status_code == 200, f"{method.upper()} {endpoint}: {response.text}"
        validate(response.json(), response_schema(document, PREFIX + endpoint, method))
