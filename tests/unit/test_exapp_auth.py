"""AppAPI request authentication, both ways: the inbound check of AppAPI's headers and the
outbound httpx.Auth that signs the ExApp's calls to Nextcloud as a user."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from ex_app.auth import AppApiAuthError, verify
from nextcloud_mcp_server.nextcloud.appapi_auth import AppApiAuth, AppApiIdentity

IDENTITY = AppApiIdentity("nextcloud_mcp_server", "0.1.0", "the-app-secret", "5.0.2")


def scope_with(headers: dict[str, str]) -> dict[str, Any]:
    return {"type": "http", "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}


def signed(user: str, secret: str = "the-app-secret", app_id: str = "nextcloud_mcp_server") -> dict[str, str]:
    token = base64.b64encode(f"{user}:{secret}".encode()).decode()
    return {"EX-APP-ID": app_id, "EX-APP-VERSION": "0.1.0", "AUTHORIZATION-APP-API": token}


def test_a_valid_signature_yields_the_appapi_user() -> None:
    assert verify(scope_with(signed("alice")), IDENTITY) == "alice"


def test_a_valid_signature_with_an_empty_user_yields_the_app_itself() -> None:
    assert verify(scope_with(signed("")), IDENTITY) == ""


def test_a_user_name_with_a_colon_in_the_secret_part_is_refused() -> None:
    with pytest.raises(AppApiAuthError):
        verify(scope_with(signed("alice", secret="the-app-secret:extra")), IDENTITY)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        (signed("alice", secret="wrong"), "secret"),
        (signed("alice", app_id="another_app"), "another app"),
        ({}, "missing AppAPI headers: EX-APP-ID, EX-APP-VERSION, AUTHORIZATION-APP-API"),
        ({**signed("alice"), "AUTHORIZATION-APP-API": "not base64!"}, "not base64"),
        ({k: v for k, v in signed("alice").items() if k != "EX-APP-VERSION"}, "EX-APP-VERSION"),
    ],
)
def test_an_invalid_signature_is_refused_with_a_reason_that_never_holds_the_secret(
    headers: dict[str, str], reason: str
) -> None:
    with pytest.raises(AppApiAuthError, match=reason) as err:
        verify(scope_with(headers), IDENTITY)
    assert "the-app-secret" not in str(err.value)


async def _captured(url: str, user: str) -> httpx.Request:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler), auth=AppApiAuth(IDENTITY, user)) as client:
        await client.get(url)
    return seen[0]


@pytest.mark.anyio
async def test_outbound_requests_carry_the_four_appapi_headers_for_the_user() -> None:
    request = await _captured("https://cloud.example.com/remote.php/dav/files/alice/", "alice")
    assert request.headers["EX-APP-ID"] == "nextcloud_mcp_server"
    assert request.headers["EX-APP-VERSION"] == "0.1.0"
    assert request.headers["AA-VERSION"] == "5.0.2"
    assert base64.b64decode(request.headers["AUTHORIZATION-APP-API"]) == b"alice:the-app-secret"
    assert "OCS-APIRequest" not in request.headers


@pytest.mark.anyio
async def test_outbound_ocs_requests_also_carry_ocs_apirequest() -> None:
    request = await _captured("https://cloud.example.com/ocs/v2.php/cloud/user", "alice")
    assert request.headers["OCS-APIRequest"] == "true"


def test_the_secret_appears_in_no_repr() -> None:
    assert "the-app-secret" not in repr(IDENTITY)
    assert "the-app-secret" not in repr(AppApiAuth(IDENTITY, "alice"))
