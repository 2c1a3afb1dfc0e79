"""This server as an OAuth 2.1 resource server (Flow 1): metadata routes and the /mcp gate.

Why an ASGI gate in front of the MCP app rather than a check in each tool: the MCP
authorization spec answers with HTTP statuses — 401 with `WWW-Authenticate: Bearer
resource_metadata=...` so a client can discover the provider, 403 with
`error="insufficient_scope", scope=...` so it can step up — and those must be decided
before the MCP session sees the message. The verified `Caller` is put on the ASGI scope
(`CALLER_KEY`); the tools' access layer reads it from there, never a header.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from nextcloud_mcp_server.auth.errors import InsufficientScope, InvalidToken, ProviderUnavailable

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from nextcloud_mcp_server.auth.caller import Caller
    from nextcloud_mcp_server.auth.provider import IdentityProvider
    from nextcloud_mcp_server.auth.verifier import Caller as TokenCaller
    from nextcloud_mcp_server.auth.verifier import TokenVerifier
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.registry import Registry

log = logging.getLogger(__name__)

CALLER_KEY = "nextcloud_mcp.caller"
PRM_PATH = "/.well-known/oauth-protected-resource"


def prm_url(settings: Settings) -> str:
    """Where clients read this server's protected-resource metadata (RFC 9728, path-inserted form)."""
    assert settings.public_url is not None
    return settings.public_url.rstrip("/") + PRM_PATH + "/mcp"


def bearer_caller(http: Any) -> Caller | None:
    """The caller whose bearer token the gate verified for this HTTP request (None: none, or not HTTP)."""
    from nextcloud_mcp_server.auth.caller import Caller

    scope = getattr(http, "scope", None)
    token: TokenCaller | None = scope.get(CALLER_KEY) if isinstance(scope, Mapping) else None
    return Caller(token.user, "oauth", token.scopes) if token is not None else None


def routes(settings: Settings, provider: IdentityProvider, registry: Registry) -> list[Route]:
    """`/.well-known/oauth-protected-resource` and its `/mcp` variant, with the same document."""

    async def metadata(request: Request) -> Response:
        try:
            issuer = await provider.issuer()
        except ProviderUnavailable as exc:
            return JSONResponse({"error": "temporarily_unavailable", "error_description": str(exc)}, 503)
        document = {
            "resource": settings.mcp_resource,
            "authorization_servers": [issuer],
            "scopes_supported": registry.scopes(),
            "bearer_methods_supported": ["header"],
            "resource_name": "Nextcloud MCP Server",
        }
        return JSONResponse(document, headers={"Cache-Control": "public, max-age=300"})

    return [Route(PRM_PATH, metadata, methods=["GET"]), Route(PRM_PATH + "/mcp", metadata, methods=["GET"])]


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


class BearerGate:
    """ASGI middleware: every request to /mcp needs a valid bearer token with the tool's scope."""

    def __init__(self, app: ASGIApp, settings: Settings, verifier: TokenVerifier, registry: Registry) -> None:
        self.app = app
        self.verifier = verifier
        self.registry = registry
        self.metadata_url = prm_url(settings)
        self.max_body = settings.max_request_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == "/mcp" or path.startswith("/mcp/")) or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        token = _bearer(scope)
        if token is None:
            await self._challenge(send, 401, None, "this server needs an OAuth bearer token")
            return
        try:
            caller = await self.verifier.verify(token)
        except InvalidToken as exc:
            await self._challenge(send, 401, "invalid_token", str(exc))
            return
        except ProviderUnavailable as exc:
            log.warning("Cannot verify a bearer token: %s", exc)
            response = JSONResponse({"error": "temporarily_unavailable", "error_description": str(exc)}, 503)
            await response(scope, receive, send)
            return
        if scope["method"] == "POST":
            body = await _read_body(receive, self.max_body)
            if body is None:
                await JSONResponse({"error": "request body too large"}, 413)(scope, receive, send)
                return
            try:
                _check_scopes(body, caller, self.registry)
            except InsufficientScope as exc:
                await self._challenge(send, 403, "insufficient_scope", str(exc), scope_needed=exc.scope)
                return
            receive = _replay(body, receive)
        scope[CALLER_KEY] = caller
        await self.app(scope, receive, send)

    async def _challenge(
        self, send: Send, status: int, error: str | None, description: str, *, scope_needed: str | None = None
    ) -> None:
        parts = []
        if error:
            parts += [f'error="{error}"', f'error_description="{_quote(description)}"']
        if scope_needed:
            parts.append(f'scope="{_quote(scope_needed)}"')
        parts.append(f'resource_metadata="{_quote(self.metadata_url)}"')
        body = json.dumps({"error": error or "unauthorized", "error_description": description}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", ("Bearer " + ", ".join(parts)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            kind, _, token = value.decode("latin-1").partition(" ")
            token = token.strip()
            return token if kind.lower() == "bearer" and token else None
    return None


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _check_scopes(body: bytes, caller: TokenCaller, registry: Registry) -> None:
    """Raise InsufficientScope when a `tools/call` or `resources/read` in the body needs a scope the caller lacks."""
    try:
        parsed: Any = json.loads(body)
    except ValueError:
        return  # the MCP transport answers malformed JSON itself
    for message in parsed if isinstance(parsed, list) else [parsed]:
        if not isinstance(message, dict):
            continue
        needed, what = scope_needed(registry, message.get("method"), message.get("params"))
        if needed and not caller.may(needed):
            raise InsufficientScope(needed, f"{what} needs the OAuth scope '{needed}'")


def scope_needed(registry: Registry, method: Any, params: Any) -> tuple[str | None, str]:
    """The scope a `tools/call` or `resources/read` needs (None: none), and what to call it in a message."""
    target = registry.target(method, dict(params) if isinstance(params, Mapping) else None)
    if target is None:
        return None, ""
    what, key, item = target
    return (item.scope if item is not None else None), f"the {what} '{key}'"
