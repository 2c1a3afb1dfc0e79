"""The `nextcloud-mcp-server` command as a user runs it: `--version` at once and without
the MCP SDK, a bad configuration as a list and exit status 2, and `make run`'s demo
(`python -m tests.standin.demo`) serving a working /mcp against the stand-in."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import anyio
import httpx
import pytest
from anyio.streams.text import TextReceiveStream

from nextcloud_mcp_server import PRODUCT, __version__

pytestmark = pytest.mark.anyio

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).with_name(PRODUCT)


def clean_env(**values: str) -> dict[str, str]:
    """The process environment without any of the server's settings, plus `values`."""
    prefixes = ("NEXTCLOUD_", "MCP_", "STANDIN_", "LOG_LEVEL", "MAX_", "OIDC_", "APP_", "TOKEN_", "DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(values)
    return env


def command(*args: str) -> list[str]:
    """The installed console script when present, else `python -m nextcloud_mcp_server`."""
    if SCRIPT.is_file():
        return [str(SCRIPT), *args]
    return [sys.executable, "-m", "nextcloud_mcp_server", *args]


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(*args), env=clean_env(**env), cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )


def test_version_prints_the_product_and_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"{PRODUCT} {__version__}"


VERSION_PROBE = """
import json, sys
from nextcloud_mcp_server.cli import main
try:
    main(["--version"])
except SystemExit as exc:
    code = exc.code
heavy = ("mcp", "mcp_types", "starlette", "uvicorn", "httpx", "pydantic", "pydantic_settings", "anyio")
print(json.dumps({"code": code, "loaded": sorted(m for m in sys.modules if m.split(".")[0] in heavy)}))
"""


def test_version_does_not_import_the_mcp_sdk_or_any_server_library() -> None:
    result = subprocess.run(
        [sys.executable, "-c", VERSION_PROBE], cwd=REPO, capture_output=True, text=True, timeout=60, check=True
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"code": 0, "loaded": []}


def test_no_command_prints_usage_and_exits_2() -> None:
    result = run()
    assert result.returncode == 2
    assert "usage:" in result.stderr
    assert "run" in result.stderr


def test_run_with_a_bad_configuration_exits_2_listing_every_problem_without_a_traceback() -> None:
    result = run("run", NEXTCLOUD_HOST="ftp://nc.example", LOG_LEVEL="chatty", NEXTCLOUD_TIMEOUT="x")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    listed = [line.strip()[2:] for line in result.stderr.splitlines() if line.strip().startswith("- ")]
    assert {line.split(":")[0] for line in listed} == {
        "NEXTCLOUD_URL",
        "NEXTCLOUD_USERNAME",
        "NEXTCLOUD_PASSWORD",
        "LOG_LEVEL",
        "NEXTCLOUD_TIMEOUT",
    }


def test_run_over_stdio_with_a_missing_password_exits_2_before_speaking_mcp() -> None:
    result = run("run", "--transport", "stdio", NEXTCLOUD_URL="http://127.0.0.1:9", NEXTCLOUD_USERNAME="u")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "NEXTCLOUD_PASSWORD: not set" in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_the_demo_serves_the_stand_in_and_a_working_mcp_endpoint() -> None:
    from mcp import Client

    port = free_port()
    seen: list[str] = []
    process = await anyio.open_process(
        [sys.executable, "-m", "tests.standin.demo", "--port", str(port)],
        env=clean_env(LOG_LEVEL="INFO", PYTHONUNBUFFERED="1"),
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    try:
        assert process.stderr is not None
        lines = TextReceiveStream(process.stderr)
        buffer = ""
        with anyio.fail_after(30):
            async for chunk in lines:
                buffer += chunk
                *complete, buffer = buffer.split("\n")
                seen.extend(complete)
                if any("Uvicorn running on" in line for line in complete):
                    break
        assert any("serving the bundled Nextcloud stand-in at http://127.0.0.1:" in line for line in seen), seen
        assert any(f"http://127.0.0.1:{port}" in line for line in seen if "Uvicorn running on" in line)

        async with anyio.create_task_group() as tg:
            tg.start_soon(_drain, lines)
            with anyio.fail_after(30):
                async with Client(f"http://127.0.0.1:{port}/mcp") as client:
                    tools = {tool.name for tool in (await client.list_tools()).tools}
                    listing = await client.call_tool("nc_webdav_list_directory", {"path": ""})
            tg.cancel_scope.cancel()
        assert "nc_webdav_list_directory" in tools
        assert listing.is_error is False
    finally:
        if process.returncode is None:
            process.terminate()
        with anyio.fail_after(15):
            await process.wait()
        await process.aclose()


async def _drain(lines: TextReceiveStream) -> None:
    """Keep reading the server's log so a full pipe never blocks it."""
    async for _ in lines:
        pass


def test_run_with_a_database_it_cannot_open_exits_1_naming_it_without_its_password() -> None:
    result = run(
        "run",
        "--port",
        str(free_port()),
        NEXTCLOUD_URL="http://127.0.0.1:9",
        NEXTCLOUD_USERNAME="u",
        NEXTCLOUD_PASSWORD="p",
        DATABASE_URL="postgresql://mcp:s3cret-db-pw@127.0.0.1:1/mcp",
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Cannot open or migrate the database postgresql" in result.stderr
    assert "127.0.0.1:1/mcp" in result.stderr
    assert "s3cret-db-pw" not in result.stderr
    assert "Uvicorn running" not in result.stderr


def test_the_access_log_never_shows_an_authorization_code_or_a_consent_ticket(standin) -> None:
    user = standin.add_user("ulogredact", "pw-ulogredact")
    port = free_port()
    process = subprocess.Popen(
        command("run", "--port", str(port)),
        env=clean_env(LOG_LEVEL="INFO", PYTHONUNBUFFERED="1", **user.env()),
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,  # uvicorn's access log goes to stdout
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        for line in process.stderr:  # uvicorn says when it listens
            if "Uvicorn running on" in line:
                break
        base = f"http://127.0.0.1:{port}"
        httpx.get(f"{base}/oauth/callback?code=SECRET-CODE-1&state=SECRET-STATE-2", timeout=10)
        httpx.get(f"{base}/oauth/authorize-nextcloud?ticket=SECRET-TICKET-3", timeout=10)
    finally:
        process.terminate()
        out, err = process.communicate(timeout=15)
    rest = out + err
    assert "/oauth/callback?code=[redacted]&state=[redacted]" in rest
    assert "/oauth/authorize-nextcloud?ticket=[redacted]" in rest
    for secret in ("SECRET-CODE-1", "SECRET-STATE-2", "SECRET-TICKET-3"):
        assert secret not in rest
