"""The stand-in's OCS and Notes JSON agree with Nextcloud's own OpenAPI contracts.

The contracts (OpenAPI 3.1, generated from Nextcloud 31 by the neon project) live in
../shared/contracts/nextcloud-31/ (see SOURCES.md there). They describe `/ocs/v2.php` only;
the v1 envelope rules come from nextcloud/server V1Response.php and are checked directly.
Each response is validated with jsonschema against the schema of its path and status,
with `$ref`s resolved within the same file.
"""

from __future__ import annotations

import copy
import json
import os
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest

CONTRACTS = Path(
    os.environ.get("NEXTCLOUD_CONTRACTS_DIR", Path(__file__).resolve().parents[3] / "shared" / "contracts")
)
NC31 = CONTRACTS / "nextcloud-31"
OCS = {"OCS-APIRequest": "true", "Accept": "application/json"}
NOTES = "/index.php/apps/notes/api/v1"

MISSING = f"Nextcloud API contracts not found at {NC31}: contract tests need ../shared/contracts"
if not NC31.is_dir() and os.environ.get("CI") == "true":  # CI always has them beside the clone: a gap is a failure
    raise RuntimeError(MISSING)

pytestmark = pytest.mark.skipif(not NC31.is_dir(), reason=MISSING)

# Where neon's generated contract is wrong about what Nextcloud 31 really serves, the
# schema is corrected here, each with the reason; everything else is checked as published.
ERRATA: dict[tuple[str, str], Any] = {
    # files/lib/Capabilities.php returns the configured names (strings); psalm's `list<mixed>`
    # was rendered as an array of objects.
    ("FilesCapabilities", "/properties/files/properties/blacklisted_files/items"): {},
    # webhook_listeners' WebhookListener::jsonSerialize sends the stored filter: a Mongo-style filter
    # whose values are strings, "/regex/"s or nested objects (psalm's `array<string, mixed>` was
    # rendered as "every value an object"), and PHP's empty array, `[]`, when there is none.
    ("WebhookInfo", "/properties/eventFilter"): {"anyOf": [{"type": "object"}, {"type": "array", "maxItems": 0}]},
    # ... and `headers` as stored: null when the registration has none (the field is always sent).
    ("WebhookInfo", "/properties/headers"): {"type": ["object", "null"], "additionalProperties": {"type": "string"}},
    # spreed's Message::toArray sends rich object parameters, whose values are strings
    # (`{"type": "user", "id": "alice", "name": "Alice"}`); psalm's `array<string, array<string, mixed>>`
    # was rendered as objects of objects (spreed's current openapi.json refs RichObjectParameter).
    ("BaseMessage", "/properties/messageParameters"): {"type": "object", "additionalProperties": {"type": "object"}},
    # tables' Row::jsonSerialize sends `data` as the list of {columnId, value} (value: any stored
    # shape); psalm's `list<array{columnId, value: mixed}>` was rendered as one object of objects.
    ("Row", "/properties/data"): {
        "type": ["array", "null"],
        "items": {"type": "object", "required": ["columnId", "value"], "properties": {"columnId": {"type": "integer"}}},
    },
    # ... and a Column's unset number bounds, default, decimals and text length as null (nullable columns).
    **{
        ("Column", f"/properties/{key}"): {"type": ["number", "null"]}
        for key in ("numberDefault", "numberMin", "numberMax", "numberDecimals", "textMaxLength")
    },
    # cookbook's ApiVersion::getAppVersion returns `[0, 11, 10, '-alpha1']` (three numbers and a
    # suffix), as the contract's own example shows; its items were written as objects.
    ("AppVersion", "/items"): {"type": ["integer", "string"]},
}


@cache
def contract(name: str) -> dict[str, Any]:
    return corrected(json.loads((NC31 / name).read_text()))


def corrected(document: dict[str, Any]) -> dict[str, Any]:
    """A contract as checked: its ERRATA applied, `nullable` as JSON Schema's null type."""
    schemas = document.get("components", {}).get("schemas", {})
    for (schema_name, pointer), replacement in ERRATA.items():
        if schema_name in schemas:
            parent, _, key = pointer.rpartition("/")
            node = schemas[schema_name]
            for part in filter(None, parent.split("/")):
                node = node[part]
            node[key] = replacement
    return _nullable_to_31(document)


def _nullable_to_31(node: Any) -> Any:
    """OpenAPI 3.0's `nullable: true` (which neon still emits) as JSON Schema's null type."""
    if isinstance(node, dict):
        node = {key: _nullable_to_31(value) for key, value in node.items()}
        if node.pop("nullable", False):
            return {"anyOf": [node, {"type": "null"}]}
        return node
    if isinstance(node, list):
        return [_nullable_to_31(item) for item in node]
    return node


def response_schema(document: dict[str, Any], path: str, method: str = "get", status: str = "200") -> dict[str, Any]:
    schema = document["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    # Resolve `#/components/...` refs within this document.
    return {**copy.deepcopy(schema), "components": document.get("components", {})}


def validate(instance: Any, schema: dict[str, Any]) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors)


@pytest.fixture
def raw(nc_user) -> Iterator[httpx.Client]:
    with nc_user.raw() as client:
        yield client


def test_capabilities_v2_match_the_core_contract(raw) -> None:
    core = contract("core.openapi.json")
    response = raw.get("/ocs/v2.php/cloud/capabilities", headers=OCS)
    assert response.status_code == 200
    validate(response.json(), response_schema(core, "/ocs/v2.php/cloud/capabilities"))


def test_each_app_capability_matches_the_schemas_of_the_apps_it_claims(raw) -> None:
    """Apps merge into shared keys (files_versions adds to `files`): a key must satisfy its own
    app's schema, and every other app's schema whose fields it serves."""
    core = contract("core.openapi.json")
    capabilities = raw.get("/ocs/v2.php/cloud/capabilities", headers=OCS).json()["ocs"]["data"]["capabilities"]
    checked: set[str] = set()
    for name, schema in core["components"]["schemas"].items():
        required = schema.get("required", [])
        if not name.endswith("Capabilities") or len(required) != 1 or required[0] not in capabilities:
            continue
        key = required[0]
        served = capabilities[key]
        own = name.lower() == key.replace("_", "").replace("-", "") + "capabilities"
        declared = set(schema["properties"][key].get("properties", {}))
        if own or (isinstance(served, dict) and declared & set(served)):
            validate({key: served}, {"$ref": f"#/components/schemas/{name}", **core})
            checked.add(key)
    assert {"core", "dav", "files", "notes"} <= checked


def test_current_user_v2_matches_the_provisioning_contract(raw) -> None:
    provisioning = contract("provisioning_api.openapi.json")
    response = raw.get("/ocs/v2.php/cloud/user", headers=OCS)
    assert response.status_code == 200
    validate(response.json(), response_schema(provisioning, "/ocs/v2.php/cloud/user"))


def test_v2_success_meta_is_ok_with_statuscode_200(raw) -> None:
    meta = raw.get("/ocs/v2.php/cloud/user", headers=OCS).json()["ocs"]["meta"]
    assert (meta["status"], meta["statuscode"], meta["message"]) == ("ok", 200, "OK")


def test_v1_envelope_is_http_200_with_statuscode_100_and_string_counts(raw) -> None:
    core = contract("core.openapi.json")
    response = raw.get("/ocs/v1.php/cloud/capabilities", headers=OCS)
    assert response.status_code == 200
    body = response.json()
    meta = body["ocs"]["meta"]
    assert (meta["status"], meta["statuscode"], meta["message"]) == ("ok", 100, "OK")
    assert isinstance(meta["totalitems"], str)
    assert isinstance(meta["itemsperpage"], str)
    # The data is the same as on v2; only the envelope differs.
    v2 = response_schema(core, "/ocs/v2.php/cloud/capabilities")
    validate(body["ocs"]["data"], {**v2["properties"]["ocs"]["properties"]["data"], "components": v2["components"]})


def test_v1_errors_are_http_200_with_a_failure_meta_code(raw) -> None:
    response = raw.get("/ocs/v1.php/cloud/no-such-endpoint", headers=OCS)
    assert response.status_code == 200
    meta = response.json()["ocs"]["meta"]
    assert meta["status"] == "failure"
    assert meta["statuscode"] == 998
    assert isinstance(meta["totalitems"], str)


def test_v1_and_v2_refuse_bad_credentials_with_http_401(nc_user) -> None:
    with httpx.Client(base_url=nc_user.url, auth=(nc_user.id, "wrong")) as client:
        v1 = client.get("/ocs/v1.php/cloud/user", headers=OCS)
        v2 = client.get("/ocs/v2.php/cloud/user", headers=OCS)
    assert (v1.status_code, v1.json()["ocs"]["meta"]["statuscode"]) == (401, 997)
    assert v2.status_code == 401
    assert v2.json()["ocs"]["meta"]["status"] == "failure"


def test_v2_unknown_endpoint_is_http_404_in_a_failure_envelope(raw) -> None:
    response = raw.get("/ocs/v2.php/cloud/no-such-endpoint", headers=OCS)
    assert response.status_code == 404
    assert response.json()["ocs"]["meta"] == {
        "status": "failure",
        "statuscode": 404,
        "message": response.json()["ocs"]["meta"]["message"],
    }
    assert response.json()["ocs"]["meta"]["message"]


def _note(raw: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = raw.post(f"{NOTES}/notes", json=fields)
    assert response.status_code == 200, response.text
    return response.json()


def test_notes_create_get_update_and_list_match_the_notes_contract(raw) -> None:
    notes = contract("notes.openapi.json")
    base = "/index.php/apps/notes/api/v1"
    created = raw.post(f"{NOTES}/notes", json={"title": f"c-{uuid.uuid4().hex[:6]}", "content": "x", "category": "k"})
    validate(created.json(), response_schema(notes, f"{base}/notes", "post"))
    note_id = created.json()["id"]
    validate(raw.get(f"{NOTES}/notes/{note_id}").json(), response_schema(notes, f"{base}/notes/{{id}}"))
    updated = raw.put(
        f"{NOTES}/notes/{note_id}", json={"content": "y"}, headers={"If-Match": f'"{created.json()["etag"]}"'}
    )
    validate(updated.json(), response_schema(notes, f"{base}/notes/{{id}}", "put"))
    validate(raw.get(f"{NOTES}/notes").json(), response_schema(notes, f"{base}/notes"))


def test_notes_412_body_is_the_current_note_as_the_contract_describes_a_note(raw) -> None:
    notes = contract("notes.openapi.json")
    note = _note(raw, title=f"p-{uuid.uuid4().hex[:6]}", content="one")
    raw.put(f"{NOTES}/notes/{note['id']}", json={"content": "two"})
    stale = raw.put(f"{NOTES}/notes/{note['id']}", json={"content": "three"}, headers={"If-Match": f'"{note["etag"]}"'})
    assert stale.status_code == 412
    validate(stale.json(), {"$ref": "#/components/schemas/Note", "components": notes["components"]})


def test_notes_delete_and_settings_match_the_notes_contract(raw) -> None:
    notes = contract("notes.openapi.json")
    base = "/index.php/apps/notes/api/v1"
    note = _note(raw, title=f"d-{uuid.uuid4().hex[:6]}", content="gone")
    validate(raw.delete(f"{NOTES}/notes/{note['id']}").json(), response_schema(notes, f"{base}/notes/{{id}}", "delete"))
    validate(raw.get(f"{NOTES}/settings").json(), response_schema(notes, f"{base}/settings"))
    validate(raw.put(f"{NOTES}/settings", json={}).json(), response_schema(notes, f"{base}/settings", "put"))
