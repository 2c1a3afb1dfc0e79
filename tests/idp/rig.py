"""The identity provider rig: the npm `oidc-provider` started on a free loopback port.

A session-scoped fixture `idp` starts `node server.mjs` once, waits for its
`{"listening": issuer}` line (no sleeps) and stops it at the end. `IdP.token()` walks
the authorization-code flow with PKCE the way a user would (sign-in form, consent form)
with plain HTTP, so tests obtain real tokens without a browser.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx
import pytest

HERE = Path(__file__).resolve().parent

PUBLIC_CLIENT = "mcp-test-client"
OPAQUE_CLIENT = "mcp-opaque-client"
SERVER_CLIENT = "nextcloud-mcp-server"
SERVER_SECRET = "server-client-secret-for-tests"
REDIRECT_URI = "http://127.0.0.1/callback"  # never served: the rig stops at the redirect


def tool_scopes() -> list[str]:
    """Every scope the server's tools declare (a provider must know each one the server advertises)."""
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.server import offered

    return offered(Settings()).scopes()


@dataclass
class Tokens:
    """What the token endpoint answered."""

    access_token: str
    refresh_token: str | None
    id_token: str | None
    scope: str
    raw: dict[str, Any] = field(repr=False)


@dataclass
class IdP:
    """A running oidc-provider: its issuer and the clients registered at start."""

    issuer: str

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def metadata(self) -> dict[str, Any]:
        return httpx.get(self.discovery_url, timeout=10).json()

    def authorize(
        self,
        user: str,
        *,
        scopes: list[str],
        resource: str | None = None,
        client_id: str = PUBLIC_CLIENT,
        redirect_uri: str = REDIRECT_URI,
        extra: dict[str, str] | None = None,
    ) -> tuple[str, str]:
        """Sign in as `user` and consent; return (code, PKCE verifier)."""
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        params = {
            "client_id": client_id,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "scope": " ".join(scopes),
            "state": secrets.token_urlsafe(16),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            **({"resource": resource} if resource else {}),
            **({"prompt": "consent"} if "offline_access" in scopes else {}),
            **(extra or {}),
        }
        location = f"{self.issuer}/auth?{urlencode(params)}"
        return self.follow_consent(user, location, redirect_uri)["code"], verifier

    def follow_consent(self, user: str, location: str, redirect_uri: str = REDIRECT_URI) -> dict[str, str]:
        """Follow an authorization URL through sign-in and consent to the redirect's query (code, state)."""
        with httpx.Client(timeout=10) as http:
            response = http.get(location)
            for _ in range(20):
                if response.is_redirect:
                    location = urljoin(str(response.url), response.headers["location"])
                    if location.startswith(redirect_uri):
                        query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
                        if "code" not in query:
                            raise AssertionError(f"authorization failed: {query}")
                        return query
                    response = http.get(location)
                    continue
                prompt = re.search(r'name="prompt" value="(\w+)"', response.text)
                if response.status_code != 200 or prompt is None:
                    raise AssertionError(f"unexpected page {response.status_code}: {response.text[:300]}")
                form = {"prompt": prompt.group(1), "login": user, "password": "any"}
                response = http.post(str(response.url), data=form)
            raise AssertionError("too many steps in the authorization flow")

    def prune(self, client_id: str) -> None:
        """Delete a dynamically registered client, as a provider's cleanup of unused clients does."""
        response = httpx.delete(f"{self.issuer}/rig/clients/{client_id}", timeout=10)
        assert response.status_code == 204, response.text

    def exchange(
        self,
        code: str,
        verifier: str,
        *,
        client_id: str = PUBLIC_CLIENT,
        redirect_uri: str = REDIRECT_URI,
        resource: str | None = None,
    ) -> Tokens:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            **({"resource": resource} if resource else {}),
        }
        response = httpx.post(f"{self.issuer}/token", data=data, timeout=10)
        assert response.status_code == 200, response.text
        body = response.json()
        return Tokens(
            body["access_token"], body.get("refresh_token"), body.get("id_token"), body.get("scope", ""), body
        )

    def token(
        self, user: str, *, scopes: list[str], resource: str | None = None, client_id: str = PUBLIC_CLIENT
    ) -> Tokens:
        """A fresh token set for `user` with `scopes` (and `resource` as the audience)."""
        code, verifier = self.authorize(user, scopes=scopes, resource=resource, client_id=client_id)
        return self.exchange(code, verifier, client_id=client_id, resource=resource)


def _config(path: Path) -> Path:
    public = {"token_endpoint_auth_method": "none", "grant_types": ["authorization_code", "refresh_token"]}
    clients = [
        {"client_id": PUBLIC_CLIENT, "redirect_uris": [REDIRECT_URI], **public},
        {"client_id": OPAQUE_CLIENT, "redirect_uris": [REDIRECT_URI], **public},
        {
            "client_id": SERVER_CLIENT,
            "client_secret": SERVER_SECRET,
            "redirect_uris": [REDIRECT_URI],
            "grant_types": ["authorization_code", "refresh_token"],
        },
    ]
    path.write_text(json.dumps({"clients": clients, "scopes": tool_scopes(), "opaqueClients": [OPAQUE_CLIENT]}))
    return path


def _first_line(stream: Any, into: list[str]) -> None:
    into.append(stream.readline())


def _drain(stream: Any) -> None:
    for _ in iter(stream.readline, ""):
        pass


STARTUP_TIMEOUT_S = 60.0
"""How long the provider may take to listen; once (seen on a loaded machine) node hung before it."""


def start_idp(workdir: Path) -> tuple[IdP, subprocess.Popen[str]]:
    """Start the provider and return it once it listens (its output is drained in the background).

    A provider that has not said it listens within STARTUP_TIMEOUT_S is killed and started once
    more, so a stuck node process fails (or recovers) instead of hanging the whole test run."""
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError("the IdP rig is not installed: run `npm ci` in tests/idp (make test does)")
    config = _config(workdir / "idp.json")
    for attempt in (1, 2):
        process = subprocess.Popen(
            ["node", str(HERE / "server.mjs"), str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=HERE,
        )
        assert process.stdout is not None
        lines: list[str] = []
        reader = threading.Thread(target=_first_line, args=(process.stdout, lines), daemon=True)
        reader.start()
        reader.join(STARTUP_TIMEOUT_S)  # returns as soon as the provider prints its line (or exits)
        if lines and lines[0]:
            threading.Thread(target=_drain, args=(process.stdout,), daemon=True).start()
            return IdP(json.loads(lines[0])["listening"]), process
        process.kill()
        process.wait(timeout=10)
        if lines or attempt == 2:
            raise RuntimeError(f"the IdP rig exited with {process.returncode} before listening (attempt {attempt})")
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdP]:
    """The running identity provider, shared by the whole session."""
    provider, process = start_idp(tmp_path_factory.mktemp("idp"))
    try:
        yield provider
    finally:
        process.terminate()
        process.wait(timeout=10)
