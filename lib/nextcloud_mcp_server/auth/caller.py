"""Who is calling: resolved once per MCP request, and the only way anything reaches a caller's Nextcloud.

Why a request-scoped value set by MCP middleware: tools, resources (static ones get no
`Context` from the SDK), resource templates, prompts, completions and subscriptions all run
inside the server's middleware chain, so one middleware at its head resolves the caller for
every one of them the same way: the OAuth token's user, the AppAPI user, or the single
app-password user when OAuth is off. Code that needs Nextcloud asks `current_caller()`; with
no resolved caller it gets `NoCaller`, never a client "for nobody" or for a configured user.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
    from mcp.server.mcpserver import Context

Via = Literal["app_password", "oauth", "appapi"]


@dataclass(frozen=True)
class Caller:
    """The Nextcloud user behind a request and how they were authenticated (the credential is never kept)."""

    user: str
    via: Via
    scopes: frozenset[str] | None = None
    """The OAuth token's scopes; None where no token limits the caller (app password, AppAPI user)."""

    def may(self, scope: str | None) -> bool:
        return scope is None or self.scopes is None or scope in self.scopes


class NoCaller(Exception):
    """Nothing that touches Nextcloud may run without a caller; the message is safe to show."""

    def __init__(self, message: str = "no Nextcloud user is known for this request") -> None:
        super().__init__(message)


@dataclass(frozen=True)
class _Current:
    caller: Caller | None
    request: ServerRequestContext[Any, Any]


_current: ContextVar[_Current | None] = ContextVar("nextcloud_mcp_caller", default=None)

Identify = Callable[[Any], "Caller | None"]
"""How a deployment mode names the caller of an HTTP request (a Starlette `Request`; None over stdio),
or None when it cannot. The MCP middleware and the HTTP session limits ask the same function."""


class CallerMiddleware:
    """MCP server middleware, first in the chain: resolve the caller and keep it for the request."""

    def __init__(self, identify: Identify) -> None:
        self.identify = identify

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        token = _current.set(_Current(self.identify(ctx.request), ctx))
        try:
            return await call_next(ctx)
        finally:
            _current.reset(token)


def current_caller() -> Caller:
    """The caller of the MCP request being served; NoCaller outside a request or without one."""
    current = _current.get()
    if current is None:
        raise NoCaller("no MCP request is being served")
    if current.caller is None:
        raise NoCaller()
    return current.caller


def caller_or_none() -> Caller | None:
    """The caller, or None (for filters that show a caller-less request nothing user-specific)."""
    current = _current.get()
    return current.caller if current is not None else None


def current_request() -> ServerRequestContext[Any, Any]:
    """The MCP request being served (its session, protocol version, params); NoCaller outside one."""
    current = _current.get()
    if current is None:
        raise NoCaller("no MCP request is being served")
    return current.request


def current_context() -> Context[Any, Any] | None:
    """An SDK `Context` for the request being served (consent elicitations need one), or None.

    Static resources and middleware get no Context from the SDK; this one carries the request's
    input responses too, so a retried call on the 2026-07-28 protocol is recognised as a retry.
    """
    current = _current.get()
    if current is None:
        return None
    from mcp.server.mcpserver import Context
    from mcp_types import InputResponseRequestParams
    from pydantic import ValidationError

    try:
        params = InputResponseRequestParams.model_validate(dict(current.request.params or {}))
    except ValidationError:
        params = None
    return Context(request_context=current.request, input_params=params)
