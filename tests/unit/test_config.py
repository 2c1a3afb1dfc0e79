"""Settings are read from the environment once, and every problem is reported together,
naming the variable and what to set (the CLI's exit with that list is in e2e/test_cli.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import trustme

from nextcloud_mcp_server.config import ConfigError, Settings, is_loopback, load_settings

GOOD = {
    "NEXTCLOUD_URL": "https://cloud.example.com/",
    "NEXTCLOUD_USERNAME": "alice",
    "NEXTCLOUD_PASSWORD": "app-pass-123",
}


def set_env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for key, value in values.items():
        monkeypatch.setenv(key, value)


def problems_of(monkeypatch: pytest.MonkeyPatch, **values: str) -> list[str]:
    set_env(monkeypatch, **values)
    with pytest.raises(ConfigError) as err:
        load_settings(serving=True)
    return err.value.problems


def test_a_complete_environment_gives_settings_with_the_url_trimmed(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, **GOOD)
    settings = load_settings(serving=True)
    assert settings.nextcloud_base == "https://cloud.example.com"
    assert settings.nextcloud_username == "alice"
    assert settings.nextcloud_verify_ssl is True


def test_nextcloud_host_is_accepted_as_an_alias_of_nextcloud_url(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, NEXTCLOUD_HOST="http://nc.internal:8080", NEXTCLOUD_USERNAME="bob", NEXTCLOUD_PASSWORD="x")
    assert load_settings(serving=True).nextcloud_base == "http://nc.internal:8080"


def test_an_empty_environment_lists_url_user_and_password_each_with_what_to_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    found = problems_of(monkeypatch)
    assert [p.split(":")[0] for p in found] == ["NEXTCLOUD_URL", "NEXTCLOUD_USERNAME", "NEXTCLOUD_PASSWORD"]
    assert "https://cloud.example.com" in found[0]
    assert "app password" in found[2]


def test_a_non_http_url_is_refused_with_an_example(monkeypatch: pytest.MonkeyPatch) -> None:
    found = problems_of(monkeypatch, **{**GOOD, "NEXTCLOUD_URL": "ftp://cloud.example.com"})
    assert len(found) == 1
    assert found[0].startswith("NEXTCLOUD_URL:")
    assert "http(s)" in found[0]


def test_a_missing_ca_bundle_file_is_named_with_its_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    missing = tmp_path / "nope.pem"
    found = problems_of(monkeypatch, **GOOD, NEXTCLOUD_CA_BUNDLE=str(missing))
    assert found == [f"NEXTCLOUD_CA_BUNDLE: no file at {missing}; point it at a PEM file."]


def test_a_ca_bundle_with_verification_off_is_a_contradiction(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(bundle))
    found = problems_of(monkeypatch, **GOOD, NEXTCLOUD_CA_BUNDLE=str(bundle), NEXTCLOUD_VERIFY_SSL="false")
    assert len(found) == 1
    assert "NEXTCLOUD_CA_BUNDLE" in found[0]
    assert "NEXTCLOUD_VERIFY_SSL=false" in found[0]


def test_a_ca_bundle_that_is_not_pem_is_refused_before_serving(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("this is not a certificate\n")
    found = problems_of(monkeypatch, **GOOD, NEXTCLOUD_CA_BUNDLE=str(bundle))
    assert len(found) == 1
    assert found[0].startswith(f"NEXTCLOUD_CA_BUNDLE: {bundle} holds no usable CA certificate")


def test_a_valid_ca_bundle_is_accepted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(bundle))
    set_env(monkeypatch, **GOOD, NEXTCLOUD_CA_BUNDLE=str(bundle))
    assert load_settings(serving=True).nextcloud_ca_bundle == bundle


def test_a_bad_log_level_lists_the_levels_to_choose_from(monkeypatch: pytest.MonkeyPatch) -> None:
    found = problems_of(monkeypatch, **GOOD, LOG_LEVEL="loud")
    assert found == ["LOG_LEVEL: use one of DEBUG, INFO, WARNING, ERROR, CRITICAL"]


def test_a_non_numeric_timeout_says_to_set_a_number_of_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    found = problems_of(monkeypatch, **GOOD, NEXTCLOUD_TIMEOUT="soon")
    assert len(found) == 1
    assert found[0].startswith("NEXTCLOUD_TIMEOUT:")
    assert "number of seconds" in found[0]


def test_malformed_and_missing_variables_are_all_reported_at_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    found = problems_of(
        monkeypatch,
        NEXTCLOUD_TIMEOUT="soon",
        LOG_LEVEL="loud",
        NEXTCLOUD_VERIFY_SSL="perhaps",
        NEXTCLOUD_URL="cloud.example.com",
        NEXTCLOUD_CA_BUNDLE=str(tmp_path / "missing.pem"),
    )
    named = {p.split(":")[0] for p in found}
    assert named == {
        "NEXTCLOUD_TIMEOUT",
        "LOG_LEVEL",
        "NEXTCLOUD_VERIFY_SSL",
        "NEXTCLOUD_URL",
        "NEXTCLOUD_USERNAME",
        "NEXTCLOUD_PASSWORD",
        "NEXTCLOUD_CA_BUNDLE",
    }


def test_a_problem_never_repeats_the_value_of_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    found = problems_of(monkeypatch, NEXTCLOUD_PASSWORD="s3cret-app-password", NEXTCLOUD_RETRIES="many")
    assert found
    assert not any("s3cret-app-password" in p for p in found)
    monkeypatch.delenv("NEXTCLOUD_RETRIES")
    assert "s3cret-app-password" not in repr(Settings())


def test_empty_variables_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, **GOOD, NEXTCLOUD_CA_BUNDLE="", NEXTCLOUD_MCP_SERVER_URL="")
    settings = load_settings(serving=True)
    assert settings.nextcloud_ca_bundle is None
    assert settings.public_url is None


def test_allowed_hosts_and_origins_are_comma_separated_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(
        monkeypatch, **GOOD, MCP_ALLOWED_HOSTS="a.example, b.example:8443,", MCP_ALLOWED_ORIGINS="https://c.example"
    )
    settings = load_settings()
    assert settings.allowed_hosts == ["a.example", "b.example:8443"]
    assert settings.allowed_origins == ["https://c.example"]


def test_a_public_url_that_is_not_http_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    found = problems_of(monkeypatch, **GOOD, NEXTCLOUD_MCP_SERVER_URL="mcp.example.org")
    assert len(found) == 1
    assert found[0].startswith("NEXTCLOUD_MCP_SERVER_URL:")


def test_loading_without_serving_accepts_an_incomplete_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert settings.nextcloud_url is None
    assert len(settings.problems()) == 3


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.8.9.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),  # noqa: S104 - a value under test, never bound
        ("::", False),
        ("10.0.0.5", False),
        ("mcp.example.org", False),
    ],
)
def test_loopback_is_recognised_for_ipv4_ipv6_and_localhost(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected
