"""AppAPI's deploy-time environment is read and checked in one place."""

from __future__ import annotations

from pathlib import Path

import pytest

from ex_app.env import DEFAULT_HARP_SOCKET, ExAppEnv
from nextcloud_mcp_server.config import ConfigError

BASE = {"APP_ID": "nextcloud_mcp_server", "APP_SECRET": "s", "APP_VERSION": "0.1.0", "NEXTCLOUD_URL": "http://nc/"}


def test_every_missing_variable_is_named_at_once() -> None:
    with pytest.raises(ConfigError) as err:
        ExAppEnv.from_environ({"APP_PORT": "eight"})
    names = [problem.split(":")[0] for problem in err.value.problems]
    assert names == ["APP_ID", "APP_SECRET", "APP_VERSION", "NEXTCLOUD_URL", "APP_PORT"]


def test_defaults_apply_and_the_nextcloud_url_loses_index_php_and_slash() -> None:
    env = ExAppEnv.from_environ({**BASE, "NEXTCLOUD_URL": "http://nc/index.php"})
    assert (env.nextcloud_url, env.app_host, env.app_port, env.aa_version) == ("http://nc", "127.0.0.1", 23000, "2.2.0")
    assert env.harp_socket is None
    assert env.persistent_storage is None


def test_harp_mode_listens_on_the_unix_socket() -> None:
    assert ExAppEnv.from_environ({**BASE, "HP_SHARED_KEY": "k"}).harp_socket == DEFAULT_HARP_SOCKET
    env = ExAppEnv.from_environ({**BASE, "HP_SHARED_KEY": "k", "HP_EXAPP_SOCK": "/run/x.sock"})
    assert env.harp_socket == "/run/x.sock"


def test_the_store_defaults_to_a_sqlite_file_under_the_persistent_storage(tmp_path: Path) -> None:
    from ex_app.app import exapp_settings

    env = ExAppEnv.from_environ({**BASE, "APP_PERSISTENT_STORAGE": str(tmp_path)})
    url = exapp_settings(env).resolved_database_url()
    assert url == f"sqlite:///{tmp_path / 'nextcloud-mcp-server.db'}"


def test_the_secret_is_not_in_the_repr() -> None:
    assert "s3cr3t" not in repr(ExAppEnv.from_environ({**BASE, "APP_SECRET": "s3cr3t"}))


def test_the_exapp_command_without_appapi_environment_names_what_to_set(capsys: pytest.CaptureFixture[str]) -> None:
    from nextcloud_mcp_server.cli import main

    assert main(["exapp"]) == 2
    assert "APP_ID: not set" in capsys.readouterr().err


def test_app_mode_keeps_the_oidc_discovery_url_for_external_clients_but_not_in_the_engines_gate() -> None:
    from ex_app.app import build_exapp, exapp_settings

    env = ExAppEnv.from_environ(BASE)
    discovery = "https://idp.example.com/.well-known/openid-configuration"
    settings = exapp_settings(env, oidc_discovery_url=discovery, public_url="https://cloud.example.com/exapps/x")
    assert settings.oidc_discovery_url == discovery
    app = build_exapp(env, settings)
    engine = next(route.app for route in app.routes if getattr(route, "path", None) == "")
    assert not engine.state.deps.settings.oauth_enabled  # Nextcloud users are not locked out by a bearer gate
