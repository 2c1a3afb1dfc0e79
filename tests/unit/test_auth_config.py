"""The OAuth settings: read from the environment and validated together."""

from __future__ import annotations

import pytest

from nextcloud_mcp_server.config import Settings


def test_oauth_without_a_public_url_is_a_problem_that_names_the_variable() -> None:
    settings = Settings(
        nextcloud_url="https://cloud.example.com",
        nextcloud_username="u",
        nextcloud_password="p",
        oidc_discovery_url="https://idp.example.com/.well-known/openid-configuration",
    )
    assert any(p.startswith("NEXTCLOUD_MCP_SERVER_URL") for p in settings.problems())


def test_oauth_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OIDC_DISCOVERY_URL", "https://idp.example.com/.well-known/openid-configuration")
    monkeypatch.setenv("NEXTCLOUD_MCP_SERVER_URL", "https://mcp.example.com/")
    monkeypatch.setenv("ALLOWED_MCP_CLIENTS", "claude, cursor")
    monkeypatch.setenv("NEXTCLOUD_OIDC_CLIENT_ID", "mcp")
    monkeypatch.setenv("NEXTCLOUD_OIDC_CLIENT_SECRET", "s")
    settings = Settings()
    assert settings.oauth_enabled
    assert settings.mcp_resource == "https://mcp.example.com/mcp"
    assert settings.allowed_mcp_clients == ["claude", "cursor"]
    assert settings.enable_progressive_consent is True
    assert not [p for p in settings.problems() if "OIDC" in p or "MCP" in p]


def test_an_oidc_client_secret_without_its_id_is_a_problem() -> None:
    settings = Settings(nextcloud_oidc_client_secret="s")
    assert any("NEXTCLOUD_OIDC_CLIENT_SECRET" in p for p in settings.problems())
