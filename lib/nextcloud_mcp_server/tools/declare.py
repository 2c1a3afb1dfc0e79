"""The template for a tool or resource: a plain module-level async function, declared with its toolset.

Why: some 250 tools are still to come, and each should be the obvious three lines: what it is
(toolset, read or write, annotations, title, gates), what it takes, what it does with the
caller's Nextcloud. The declaration records a spec on the function and returns the function
unchanged, so a tool stays importable and testable on its own (call it with any
NextcloudClient). Registration (`register_declared`) derives the rest:

- the name is the function's name (the PyPI package's name where it has the tool);
- the scope is `<toolset scope>.read` for a reading tool and `.write` otherwise, or
  `<toolset scope>.<verb>` for a writing tool declared with its own `scope="<verb>"` (sending
  mail needs `mail.send`, which `mail.write` does not grant);
- a first parameter annotated `Nextcloud` receives the caller's client (resolved by the caller
  middleware) and is not part of the input schema;
- a parameter annotated `Config` receives the server's `Settings` (limits an administrator sets,
  such as `max_read_bytes`), one annotated `Inbox` the store of the webhook inbox, one annotated
  `User` the caller's user id; none of them is part of the input schema;
- a parameter annotated with the SDK's `Context` (tools/_base.py) is still injected by the SDK
  and hidden from the schema: take it where a tool reports progress;
- failures are mapped once, in `ToolDeps.tool` / `ToolDeps.resource`.

    @tool(TOOLSET, READ, title="Get note")
    async def nc_notes_get_note(nc: Nextcloud, note_id: NoteId) -> NoteResult:
        \"\"\"Read one note with its content and etag.\"\"\"
        note = await nc.notes.get(note_id)
        return NoteResult.of(note, content=note.content)
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from mcp_types import ToolAnnotations

from nextcloud_mcp_server.registry import Requirement, Toolset

if TYPE_CHECKING:
    from nextcloud_mcp_server.config import Settings
    from nextcloud_mcp_server.nextcloud.client import NextcloudClient
    from nextcloud_mcp_server.store import Store
    from nextcloud_mcp_server.tools._base import ToolDeps

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
SPEC = "__nextcloud_mcp_spec__"


class _Inject:
    """Marks a parameter that registration fills at each call (and hides from the input schema)."""

    def __init__(self, what: str) -> None:
        self.what = what


if TYPE_CHECKING:
    Nextcloud = Annotated[NextcloudClient, _Inject("nextcloud")]
    Config = Annotated[Settings, _Inject("config")]
    Inbox = Annotated[Store, _Inject("inbox")]
    User = Annotated[str, _Inject("user")]
else:  # the client and store modules load when a tool first runs, not at start-up
    Nextcloud = Annotated[object, _Inject("nextcloud")]
    Config = Annotated[object, _Inject("config")]
    Inbox = Annotated[object, _Inject("inbox")]
    User = Annotated[str, _Inject("user")]
"""`Nextcloud`: the caller's Nextcloud client. `Config`: the server's settings (`ToolDeps.settings`).
`Inbox`: the store holding the webhook inbox (`NotAvailable` when the server keeps none). `User`:
the caller's Nextcloud user id, for what the server itself keeps per user."""


async def _provide(what: str, deps: ToolDeps) -> Any:
    from nextcloud_mcp_server.auth.caller import current_caller

    if what == "nextcloud":
        return await deps.nextcloud()
    if what == "config":
        return deps.settings
    if what == "user":
        return current_caller().user
    return deps.inbox()


@dataclass(frozen=True)
class ToolSpec:
    toolset: Toolset
    annotations: ToolAnnotations
    title: str
    requires: Requirement | None = None
    structured_output: bool | None = None
    scope: str | None = None


@dataclass(frozen=True)
class ResourceSpec:
    toolset: Toolset | None
    uri: str
    name: str
    title: str
    description: str
    mime_type: str | None = None


def tool(
    toolset: Toolset,
    annotations: ToolAnnotations,
    *,
    title: str,
    requires: Requirement | None = None,
    structured_output: bool | None = None,
    scope: str | None = None,
) -> Callable[[F], F]:
    """Declare a module-level function a tool of `toolset` (registered by `register_declared`).

    `scope` names a verb of its own for a writing tool whose effect reaches beyond the user's data
    (e.g. `"send"`), so that a client can be granted `<toolset>.write` without it."""
    if scope is not None and (annotations.read_only_hint or scope in ("read", "write") or not scope.isidentifier()):
        raise ValueError(f"scope verb {scope!r}: only a writing tool takes a verb of its own, not read/write")

    def declare(fn: F) -> F:
        setattr(fn, SPEC, ToolSpec(toolset, annotations, title, requires, structured_output, scope))
        return fn

    return declare


def resource(
    toolset: Toolset | None, uri: str, *, name: str, title: str, description: str, mime_type: str | None = None
) -> Callable[[F], F]:
    """Declare a module-level function the reader of a resource (template) of `toolset`."""

    def declare(fn: F) -> F:
        setattr(fn, SPEC, ResourceSpec(toolset, uri, name, title, description, mime_type))
        return fn

    return declare


def _injected(parameter: inspect.Parameter) -> str | None:
    return next((m.what for m in getattr(parameter.annotation, "__metadata__", ()) if isinstance(m, _Inject)), None)


def with_injected(fn: F, deps: ToolDeps) -> F:
    """`fn` without its injected parameters (`Nextcloud`, `Config`, `Inbox`, `User`), filled at each call."""
    signature = inspect.signature(fn, eval_str=True)
    injected = {name: what for name, p in signature.parameters.items() if (what := _injected(p)) is not None}
    if not injected:
        return fn
    if len(set(injected.values())) < len(injected):
        raise TypeError(f"{fn.__name__} declares an injected parameter twice")

    @functools.wraps(fn)
    async def call(*args: Any, **kwargs: Any) -> Any:
        values = {name: await _provide(what, deps) for name, what in injected.items()}
        return await fn(*args, **values, **kwargs)

    params = [parameter for name, parameter in signature.parameters.items() if name not in injected]
    call.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    return call  # type: ignore[return-value]


def scope_of(spec: ToolSpec) -> str:
    """`<toolset scope>.read` for a tool that only reads, `.<verb>` for one with its own, `.write` for any other."""
    verb = "read" if spec.annotations.read_only_hint else spec.scope or "write"
    return f"{spec.toolset.scope_prefix}.{verb}"


def register_declared(module: ModuleType, deps: ToolDeps) -> None:
    """Register every tool and resource `module` declares, with their toolsets, in definition order."""
    for value in list(vars(module).values()):
        if getattr(value, "__module__", None) != module.__name__:
            continue  # imported from another module, which registers it
        spec = getattr(value, SPEC, None)
        if isinstance(spec, ToolSpec):
            deps.registry.declare(spec.toolset)
            deps.tool(
                value.__name__,
                title=spec.title,
                annotations=spec.annotations,
                scope=scope_of(spec),
                structured_output=spec.structured_output,
                requires=spec.requires,
                prepare=functools.partial(with_injected, deps=deps),
            )(value)
        elif isinstance(spec, ResourceSpec):
            if spec.toolset is not None:
                deps.registry.declare(spec.toolset)
            deps.resource(
                spec.uri,
                toolset=spec.toolset.name if spec.toolset is not None else None,
                name=spec.name,
                title=spec.title,
                description=spec.description,
                mime_type=spec.mime_type,
            )(with_injected(value, deps))
