"""External OAuth clients in app mode, without servers: which requests the AppAPI check hands on
to the bearer gate, and how the admin's form and the environment configure the provider."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from ex_app.admin_settings import AdminPolicy, PolicySource
from ex_app.auth import CALLER_KEY, AppApiAuthMiddleware, NoAppApiHeaders, verify
from ex_app.oauth import ExternalClients
from nextcloud_mcp_server.config import Settings
from nextcloud_mcp_server.nextcloud.appapi_auth import AppApiIdentity
from nextcloud_mcp_server.registry import Registry

pytestmark = pytest.mark.anyio

IDENTITY = AppApiIdentity("nextcloud_mcp_server", "0.1.0", "the-app-secret", "5.0.2")
DISCOVERY = "https://idp.example.com/.well-known/openid-configuration"


def request(path: str, headers: dict[str, str]) -> dict[str, Any]:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return {"type": "http", "method": "POST", "path": path, "headers": raw}


def signed(user: str, secret: str = "the-app-secret") -> dict[str, str]:
    token = base64.b64encode(f"{user}:{secret}".encode()).decode()
    return {"EX-APP-ID": IDENTITY.app_id, "EX-APP-VERSION": "0.1.0", "AUTHORIZATION-APP-API": token}


async def through(scope: dict[str, Any]) -> tuple[int | None, dict[str, Any] | None]:
    """(status the middleware answered itself, or None; the scope it handed on, or None)."""
    handed: list[dict[str, Any]] = []
    sent: list[dict[str, Any]] = []

    async def inner(scope: dict[str, Any], receive: Any, send: Any) -> None:
        handed.append(scope)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    middleware = AppApiAuthMiddleware(inner, IDENTITY, user_required=("/mcp",), bearer_paths=("/mcp",))
    await middleware(scope, None, send)  # type: ignore[arg-type]
    return (sent[0]["status"] if sent else None), (handed[0] if handed else None)


def test_a_request_with_no_appapi_headers_at_all_is_told_apart_from_a_forged_one() -> None:
    with pytest.raises(NoAppApiHeaders):
        verify(request("/mcp", {"Authorization": "Bearer t"}), IDENTITY)


async def test_mcp_without_appapi_headers_or_with_an_empty_user_is_handed_on_without_a_user() -> None:
    for headers in ({"Authorization": "Bearer t"}, {**signed(""), "Authorization": "Bearer t"}):
        status, handed = await through(request("/mcp", headers))
        assert status is None
        assert handed is not None
        assert not handed.get("state", {}).get(CALLER_KEY)


async def test_mcp_with_a_forged_signature_is_refused_even_with_a_bearer_token() -> None:
    status, handed = await through(request("/mcp", {**signed("alice", "wrong"), "Authorization": "Bearer t"}))
    assert status == 401
    assert handed is None


async def test_mcp_with_a_nextcloud_user_carries_that_user() -> None:
    status, handed = await through(request("/mcp", signed("alice")))
    assert status is None
    assert handed is not None
    assert handed["state"][CALLER_KEY] == "alice"


def test_the_require_provisioning_setting_is_off_unless_the_admin_turns_it_on() -> None:
    assert AdminPolicy.from_config({}).require_provisioning is False
    assert AdminPolicy.from_config({"require_provisioning": "1"}).require_provisioning is True


def clients_with(config: dict[str, str], **settings: Any) -> ExternalClients:
    async def fetch() -> dict[str, str]:
        return config

    return ExternalClients(Settings(nextcloud_url="http://nc", **settings), PolicySource(fetch, ttl=0), Registry())


async def test_without_a_provider_or_public_url_external_clients_are_off() -> None:
    assert await clients_with({}).current() is None
    assert await clients_with({"oidc_discovery_url": DISCOVERY}).current() is None


async def test_the_environment_configures_the_provider_and_the_form_overrides_it_at_run_time() -> None:
    config: dict[str, str] = {}
    clients = clients_with(config, oidc_discovery_url=DISCOVERY, public_url="https://env.example.com/app")
    from_env = await clients.current()
    assert from_env is not None
    assert from_env.settings.mcp_resource == "https://env.example.com/app/mcp"
    assert await clients.current() is from_env  # cached while nothing changes
    config.update(public_url="https://form.example.com/app", allowed_mcp_clients="a, b")
    from_form = await clients.current()
    assert from_form is not None
    assert from_form is not from_env
    assert from_form.settings.mcp_resource == "https://form.example.com/app/mcp"
    assert from_form.settings.allowed_mcp_clients == ["a", "b"]
    await clients.aclose()


def flow2_clients(config: dict[str, str]) -> ExternalClients:
    async def fetch() -> dict[str, str]:
        return config

    settings = Settings(nextcloud_url="http://nc", nextcloud_username="admin", nextcloud_password="pw")
    return ExternalClients(settings, PolicySource(fetch, ttl=0), Registry(), store=lambda: None)


async def test_flow_2_follows_the_forms_public_url_and_serves_no_app_password_user() -> None:
    config = {"oidc_discovery_url": DISCOVERY, "public_url": "https://cloud.example.com/exapps/mcp"}
    clients = flow2_clients(config)
    server = await clients.current()
    assert server is not None
    assert server.provisioning is not None
    assert server.provisioning.callback_url == "https://cloud.example.com/exapps/mcp/oauth/callback"
    assert server.settings.nextcloud_username is None  # every token user provisions, even one named like it
    assert await clients.delegated() is not None
    config["public_url"] = "https://moved.example.com/app"
    moved = await clients.current()
    assert moved is not None
    assert moved.provisioning is not None
    assert moved.provisioning.callback_url == "https://moved.example.com/app/oauth/callback"
    await clients.aclose()


async def test_the_consent_routes_answer_404_while_no_identity_provider_is_configured() -> None:
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    clients = flow2_clients({})
    assert await clients.delegated() is None
    with TestClient(Starlette(routes=clients.routes())) as http:
        assert http.get("/oauth/authorize-nextcloud?ticket=x").status_code == 404
        assert http.get("/oauth/callback?state=x").status_code == 404
