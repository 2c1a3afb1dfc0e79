"""What every tool module shares: the registration decorators, annotation presets,
pagination arguments and the one mapping from failures to messages.

Why: tools and resources contain no try/except. `ToolDeps.tool` wraps each tool and
`ToolDeps.resource` each resource so that a `NextcloudError`, an unsafe path, a missing caller
or a missing Flow 2 grant becomes a `ToolError` (a `ResourceError` for resources) whose message
says what happened and what to do, with the same consent request where the client can take
one; anything else is a crash the SDK logs and hides from the model. Both record what they
register in the server's `Registry`, from which scopes and the admin's app list are derived.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Generic, Protocol, Self, TypeVar

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

from nextcloud_mcp_server.auth.caller import NoCaller, current_caller, current_context
from nextcloud_mcp_server.auth.errors import AuthError, NeedsProvisioning
from nextcloud_mcp_server.nextcloud import errors as nc
from nextcloud_mcp_server.nextcloud.paths import UnsafePath
from nextcloud_mcp_server.registry import Registry, Requirement
from nextcloud_mcp_server.tools.lean import lean_schema, output_schema

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from nextcloud_mcp_server.auth.caller import Caller
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient
    from nextcloud_mcp_server.offer import OfferFilter
    from nextcloud_mcp_server.session_log import SessionLog
    from nextcloud_mcp_server.store import Store
    from nextcloud_mcp_server.toolsets import ToolsetRule
    from nextcloud_mcp_server.webhooks.subscriptions import ResourceSubscriptions

__all__ = [
    "CREATE",
    "DELETE",
    "READ",
    "UPDATE",
    "Context",
    "Limit",
    "NotAvailable",
    "Offset",
    "Page",
    "Paged",
    "ToolDeps",
    "ToolError",
    "decode_base64",
    "invalid",
    "paginate",
]

T = TypeVar("T")
ItemT = TypeVar("ItemT", bound=BaseModel)
F = TypeVar("F", bound=Callable[..., Awaitable[Any]])

READ = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=True)
CREATE = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=True)
UPDATE = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=True)
DELETE = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=True)

Limit = Annotated[int, Field(ge=1, le=500)]
Offset = Annotated[int, Field(ge=0, description="From page.next_offset.")]


class NextcloudAccess(Protocol):
    """How a deployment mode names the caller of a request and which credential reaches Nextcloud for them."""

    def identify(self, http: Any) -> Caller | None:
        """The caller of an HTTP request (a Starlette `Request`; None over stdio), or None."""
        ...

    async def client_for(self, caller: Caller) -> NextcloudClient: ...


@dataclass
class ToolDeps:
    """What tools need from the running server, handed to each module's `register`."""

    settings: Settings
    access: NextcloudAccess
    server: MCPServer[Any]
    registry: Registry
    store: Callable[[], Store | None] | None = None
    """The open Store, when the server runs one (HTTP mode); tools that need it say so otherwise."""
    offer: OfferFilter | None = None
    """What each request is offered (the discovery tools explain it)."""
    toolsets: ToolsetRule | None = None
    """Each session's toolsets (the discovery tools change them)."""
    subscriptions: ResourceSubscriptions | None = None
    """Listen streams and legacy subscriptions, to tell a session its tool list changed."""
    log: SessionLog | None = None
    """Log notifications to the calling session, at the level it chose."""
    built: dict[str | None, list[Callable[[], None]]] = field(default_factory=dict)
    """Per toolset, what is still to be built with the SDK (`materialize`)."""

    def materialize(self, toolsets: Iterable[str | None]) -> None:
        """Build the SDK's tools and resources of `toolsets` (None: the server's own), once.

        Why not all at start-up: the SDK derives each tool's argument model and its input and output
        schemas, some 5 ms a tool, so a server of 300 tools would spend seconds before its first
        answer. Every tool is in the `Registry` at once (scopes, the admin form, discovery read it
        there); the SDK builds a toolset's tools when a session can have them: the start set at
        start-up, another when a session enables it (`nc_toolsets_enable`, `nc_toolsets_describe`).
        """
        for name in toolsets:
            for build in self.built.pop(name, []):
                build()

    async def nextcloud(self) -> NextcloudClient:
        """The NextcloudClient of the caller of this request: the only way a tool or resource reaches Nextcloud."""
        return await self.access.client_for(current_caller())

    def inbox(self) -> Store:
        """The open store of the webhook inbox, or NotAvailable: only the HTTP server keeps one."""
        store = self.store() if self.store is not None else None
        if store is None:
            raise NotAvailable(
                "Recent changes are not available: they come from the webhook inbox, which only the HTTP server "
                "(`nextcloud-mcp-server run`) keeps. Use the files, notes or calendar tools to look instead."
            )
        return store

    def tool(
        self,
        name: str,
        *,
        title: str,
        annotations: ToolAnnotations,
        scope: str | None,
        structured_output: bool | None = None,
        requires: Requirement | None = None,
        prepare: Callable[[Any], Any] | None = None,
    ) -> Callable[[F], F]:
        """Register a tool whose failures become actionable ToolErrors (see `failure_message`).

        `requires`: what the caller's Nextcloud must have beyond the toolset's requirement (gating.py).
        `prepare`: what turns the function into the one the SDK calls, applied when the tool is built
        (`materialize`), not at start-up (reading 400 signatures costs more than listing the tools).
        """

        def decorate(declared: F) -> F:
            info = self.registry.add_tool(
                name, scope=scope, read_only=bool(annotations.read_only_hint), requires=requires
            )

            def build() -> None:
                fn = prepare(declared) if prepare is not None else declared
                self.server.add_tool(
                    self._guarded(fn, name, title),
                    name=name,
                    title=title,
                    description=inspect.cleandoc(fn.__doc__) if fn.__doc__ else None,
                    annotations=annotations,
                    structured_output=structured_output,
                )
                # What clients list is the model-facing schema; arguments are still validated by the
                # function's own model. MCPServer offers no public hook for the listed schema.
                registered = self.server._tool_manager.get_tool(name)
                assert registered is not None
                registered.parameters = lean_schema(registered.parameters)
                if registered.fn_metadata.output_schema is not None:  # before the SDK first reads it
                    registered.fn_metadata.output_schema = output_schema(registered.fn_metadata.output_schema)

            self.built.setdefault(info.toolset, []).append(build)
            return declared

        return decorate

    def _guarded(self, fn: F, name: str, title: str) -> F:
        """`fn` with its failures mapped to actionable ToolErrors, and its duration logged to the session."""

        @functools.wraps(fn)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                result = compact(await fn(*args, **kwargs))
            except NeedsProvisioning as exc:  # Flow 2 not granted yet: ask for consent, or say where to grant it
                from nextcloud_mcp_server.auth.consent import consent_request

                request = consent_request(current_context(), exc)
                if request is not None:
                    return request
                raise ToolError(f"{title} failed: {exc}") from None
            except MAPPED as exc:
                message = failure_message(exc, title)
                if self.log is not None:
                    await self.log.log("warning", f"{name}: {message}")
                raise ToolError(message) from None
            if self.log is not None:
                await self.log.log("debug", f"{name}: done in {(time.perf_counter() - began) * 1000:.0f} ms")
            return result

        return wrapper  # type: ignore[return-value]

    def resource(
        self, uri: str, *, toolset: str | None, name: str, title: str, description: str, mime_type: str | None = None
    ) -> Callable[[F], F]:
        """Register a resource (or template) of `toolset`, read as its caller, with the tools' error mapping.

        A template may answer a missing Flow 2 grant with the consent request (2026-07-28); a
        static resource cannot (the SDK reads it as content only), so it says where to grant access.
        """

        def decorate(fn: F) -> F:
            @functools.wraps(fn)
            async def wrapper(*args: Any, **kwargs: Any) -> Any:
                try:
                    return await fn(*args, **kwargs)
                except NeedsProvisioning as exc:
                    from nextcloud_mcp_server.auth.consent import consent_request

                    request = consent_request(current_context(), exc) if info.is_template else None
                    if request is not None:
                        return request
                    raise ResourceError(f"Reading {uri} failed: {exc}") from None
                except MAPPED as exc:
                    raise ResourceError(failure_message(exc, f"Reading {title.lower()}")) from None
                except ToolError as exc:  # an argument refused with `invalid`
                    raise ResourceError(str(exc)) from None

            info = self.registry.add_resource(uri, toolset=toolset)

            def build() -> None:
                self.server.resource(uri, name=name, title=title, description=description, mime_type=mime_type)(wrapper)

            self.built.setdefault(toolset, []).append(build)
            return fn

        return decorate


class Page(BaseModel):
    """Pagination facts shared by every list result."""

    total: int = Field(description="Number of items matching, across all pages.")
    offset: int = Field(description="Offset of the first item in this page.")
    next_offset: int | None = Field(description="Pass as `offset` to get the next page; null on the last page.")


class Paged(BaseModel, Generic[ItemT]):
    """The one shape of a list result: one page of items and the facts to fetch the next.

    `Paged[ShareItem].of(shares, offset, limit)` pages a list the tool holds whole; a list that
    Nextcloud pages itself builds the `Page` from its answer. (Lists from before this type keep
    their own item key, such as `notes` or `files`, beside the same `page`.)"""

    items: list[ItemT]
    page: Page

    @classmethod
    def of(cls, items: Sequence[ItemT], offset: int, limit: int) -> Self:
        chunk, page = paginate(items, offset, limit)
        return cls(items=chunk, page=page)


def paginate(items: Sequence[T], offset: int, limit: int) -> tuple[list[T], Page]:
    """One page of `items` and the facts a caller needs to fetch the next."""
    chunk = list(items[offset : offset + limit])
    end = offset + len(chunk)
    return chunk, Page(total=len(items), offset=offset, next_offset=end if end < len(items) else None)


def decode_base64(argument: str, value: str) -> bytes:
    """Standard base64 from a tool argument; InvalidInput (mapped to "Invalid argument") when it is not."""
    import base64
    import binascii

    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise nc.InvalidInput(argument, "is not valid base64; encode binary data with standard base64") from None


def invalid(argument: str, problem: str) -> ToolError:
    """A ToolError for a bad argument, raised before any request is sent."""
    return ToolError(f"Invalid argument '{argument}': {problem}")


_HINTS: dict[type[nc.NextcloudError], str] = {
    nc.BadRequest: "Nextcloud rejected the request as malformed; check the arguments",
    nc.Unauthorized: "Nextcloud refused the credentials; check the app password or sign in again",
    nc.Forbidden: "you lack permission for this in Nextcloud; ask the owner to share it with write access",
    nc.NotFound: "it does not exist (it may have been deleted, moved or renamed); "
    "use the matching list or search tool to find valid names and ids",
    nc.MethodNotAllowed: "Nextcloud does not allow this here (for example, the target already exists)",
    nc.Conflict: "it conflicts with the current state (for example, the parent folder does not exist); "
    "create the parent first",
    nc.Locked: "it is locked by another client or user; wait a moment and retry",
    nc.RateLimited: "Nextcloud is rate-limiting requests; wait a little and retry",
    nc.InsufficientStorage: "the user's storage quota is exhausted; free space or ask an admin for more quota",
    nc.ServerError: "Nextcloud failed internally; retry later, and ask an admin to check nextcloud.log if it persists",
    nc.Unreachable: "check that Nextcloud is running and NEXTCLOUD_URL is right",
    nc.BadResponse: "Nextcloud's answer was not in the documented shape; check the Nextcloud app versions",
    nc.Refused: "Nextcloud refused it for the reason it gives (a rule, an admin's setting, or a path or "
    "recipient it cannot find); change the request accordingly",
    nc.NotAdmin: "you are not a Nextcloud administrator (nor a group admin of the groups concerned), and only they "
    "may manage accounts, see other accounts' details or a group's members; ask an administrator",
}


def tool_error(exc: nc.NextcloudError, title: str) -> ToolError:
    """The actionable message for a Nextcloud failure, without credentials or internal URLs."""
    if isinstance(exc, nc.DestinationExists):
        return ToolError(
            f"{title} failed: '{exc.destination}' already exists. "
            "Choose another destination, or pass overwrite=true to replace it."
        )
    if isinstance(exc, nc.FileTooLarge):
        return ToolError(
            f"{title} failed: '{exc.path}' is {exc.size} bytes, over the server's read limit of {exc.limit} bytes. "
            "An administrator can raise the limit with the MAX_FILE_READ_BYTES environment variable (in bytes) "
            "and restart the server; or download the file in Nextcloud instead."
        )
    if isinstance(exc, nc.PreconditionFailed):
        current = f" Its current etag is {exc.current_etag}." if exc.current_etag else ""
        return ToolError(
            f"{title} failed: the object was changed by someone else since you read it (HTTP 412).{current} "
            "Read it again, merge your change, and retry with the current etag."
        )
    if isinstance(exc, nc.AppUnavailable):
        return ToolError(
            f"{title} failed: this tool {Requirement(exc.app, exc.title).unmet({})}; ask an administrator."
        )
    if isinstance(exc, nc.UntrustedCertificate):  # its detail already says what to set
        return ToolError(f"{title} failed: {exc.detail}.")
    if isinstance(exc, nc.Unreachable):
        return ToolError(f"{title} failed: {exc.detail}. {_HINTS[nc.Unreachable]}.")
    hint = next((text for cls, text in _HINTS.items() if isinstance(exc, cls)), "retry or check the arguments")
    said = f" Nextcloud said: {exc.detail}" if exc.detail else ""
    status = f" (HTTP {exc.status})" if exc.status else ""
    about = f" for {exc.subject}" if exc.subject else ""
    return ToolError(f"{title} failed{status}{about}: {hint}.{said}")


class NotAvailable(Exception):
    """This server cannot answer this at all as it is run (its message says why and what to use instead)."""


def compact(result: Any) -> Any:
    """A model result as compact JSON text beside its structured content (the SDK would indent the text).

    The text is what a client without structured output hands its model: indentation costs tokens
    and says nothing. Other results (already a CallToolResult, text, a consent request) pass as they are.
    """
    if not isinstance(result, BaseModel) or isinstance(result, CallToolResult):
        return result
    text = TextContent(type="text", text=result.model_dump_json(by_alias=True))
    return CallToolResult(content=[text], structured_content=result.model_dump(mode="json", by_alias=True))


MAPPED = (nc.NextcloudError, nc.InvalidInput, UnsafePath, NoCaller, AuthError, NotAvailable)
"""Failures with a message for the model; NeedsProvisioning is answered with a consent request first."""


def failure_message(exc: Exception, title: str) -> str:
    """What `title` failing with `exc` means and what to do, for tools and resources alike."""
    if isinstance(exc, nc.NextcloudError):
        return str(tool_error(exc, title))
    if isinstance(exc, nc.InvalidInput):
        return str(invalid(exc.argument, exc.problem))
    if isinstance(exc, UnsafePath):
        return str(invalid(exc.argument, str(exc))) if exc.argument else f"{title} failed: {exc}."
    if isinstance(exc, NotAvailable):
        return str(exc)
    if isinstance(exc, NoCaller):
        return f"{title} failed: {exc}; connect as a Nextcloud user (sign in, or use an app password)."
    return f"{title} failed: {exc}. Retry later."  # the identity provider failed while getting Nextcloud access
