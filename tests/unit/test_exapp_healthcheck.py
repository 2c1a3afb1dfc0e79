"""The container health check finds the FRP client without procps and fails when nothing answers."""

from __future__ import annotations

import socket
from pathlib import Path

from ex_app.healthcheck import healthy, process_running


def test_a_process_is_found_by_its_command_name_in_proc(tmp_path: Path) -> None:
    (tmp_path / "42").mkdir()
    (tmp_path / "42" / "comm").write_text("frpc\n")
    (tmp_path / "self").mkdir()
    assert process_running("frpc", tmp_path)
    assert not process_running("uvicorn", tmp_path)


def test_the_check_fails_when_nothing_listens_on_the_app_port() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free_port = sock.getsockname()[1]  # bound but not listening: connections are refused
        assert not healthy({"APP_ID": "nextcloud_mcp_server", "APP_PORT": str(free_port)}, timeout=1)


def test_harp_mode_is_unhealthy_without_the_frp_client(tmp_path: Path) -> None:
    assert not healthy({"HP_SHARED_KEY": "k", "HP_EXAPP_SOCK": str(tmp_path / "none.sock")}, timeout=1)
