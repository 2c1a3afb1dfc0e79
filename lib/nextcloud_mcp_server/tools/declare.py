"""The template for a tool or resource: a plain module-level async function, declared with its toolset.

Why: some 250 tools are still to come, and each should be the obvious three lines: what it is
(toolset, read or write, annotations, title, gates), what it takes, what it does with the
caller's Nextcloud. The declaration records a spec on the function and returns the function
unchanged, so a tool stays importable and testable on its own (call it with any
NextcloudClient). Registration (`register_declared`) derives the rest:

- the name is the function's name (the PyPI package's name where it has the tool);
- the scope is `<toolset scope>.read` for a reading tool and `.write` otherwise;
- a first parameter annotated `Nextcloud` receives the caller's client (resolved by the caller
  middleware) and is not part of the input schema;
- a parameter annotated `Config` receives the server's `Settings` (limits an administrator sets,
  such as `max_read_bytes`) and is not part of the input schema either;
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
    from nextcloud_mcp_server.tools._base import ToolDeps

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
SPEC = "__nextcloud_mcp_spec__"


class _Injected:
    """Marks the parameter that receives the caller's NextcloudClient."""


class _Config:
    """Marks the parameter that receives the server's Settings."""


if TYPE_CHECKING:
    Nextcloud = Annotated[NextcloudClient, _Injected()]
    Config = Annotated[Settings, _Config()]
else:  # the client modules load when a tool first runs, not at start-up
    Nextcloud = Annotated[object, _Injected()]
    Config = Annotated[object, _Config()]
"""`Nextcloud`: annotate a tool's first parameter with it to receive the caller's Nextcloud client.
`Config`: annotate a parameter with it to receive the server's settings (`ToolDeps.settings`)."""


@dataclass(frozen=True)
class ToolSpec:
    toolset: Toolset
    annotations: ToolAnnotations
    title: str
    requires: Requirement | None = None
    structured_output: bool | None = None


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
) -> Callable[[F], F]:
    """Declare a module-level function a tool of `toolset` (registered by `register_declared`)."""

    def declare(fn: F) -> F:
        setattr(fn, SPEC, ToolSpec(toolset, annotations, title, requires, structured_output))
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


def _marked(parameter: inspect.Parameter, marker: type) -> bool:
    return any(isinstance(meta, marker) for meta in getattr(parameter.annotation, "__metadata__", ()))


def with_client(fn: F, deps: ToolDeps) -> F:
    """`fn` without its `Nextcloud` and `Config` parameters, filled at each call with the caller's
    client and the server's settings."""
    signature = inspect.signature(fn, eval_str=True)
    client = [name for name, parameter in signature.parameters.items() if _marked(parameter, _Injected)]
    config = [name for name, parameter in signature.parameters.items() if _marked(parameter, _Config)]
    if not client and not config:
        return fn
    if len(client) > 1:
        raise TypeError(f"{fn.__name__} declares more than one Nextcloud parameter")
    if len(config) > 1:
        raise TypeError(f"{fn.__name__} declares more than one Config parameter")

    @functools.wraps(fn)
    async def call(*args: Any, **kwargs: Any) -> Any:
        injected: dict[str, Any] = dict.fromkeys(config, deps.settings)
        if client:
            injected[client[0]] = await deps.nextcloud()
        return await fn(*args, **injected, **kwargs)

    params = [parameter for name, parameter in signature.parameters.items() if name not in (*client, *config)]
    call.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    return call  # type: ignore[return-value]


def scope_of(spec: ToolSpec) -> str:
    """`<toolset scope>.read` for a tool that only reads, `.write` for any other."""
    return f"{spec.toolset.scope_prefix}.{'read' if spec.annotations.read_only_hint else 'write'}"


def register_declared(module: ModuleType, deps: ToolDeps) -> None:
    """Register every tool and resource `module` declares, with their toolsets, in definition order."""
    for value in list(vars(module).values()):
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
            )(with_client(value, deps))
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
            )(with_client(value, deps))
