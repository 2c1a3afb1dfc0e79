"""What this server offers, in one object: its toolsets, their tools and resources, and the scope each needs.

Why one object, built with the server and passed in: the OAuth scope gate and list filter,
the protected-resource metadata's `scopes_supported`, the Flow 2 scope request, the toolset
selection (configuration, per connection, discovery) and the ExApp admin form and policy all
read the same registry, so a tool or resource can never be offered in one mode and silently
missing in another. It imports nothing of MCP or Nextcloud, so `auth/` and `ex_app/` can take
it without depending on the tools.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for piece in str(text).split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


@dataclass(frozen=True)
class Requirement:
    """What a toolset or tool needs of the caller's Nextcloud.

    `app` is the app's id (`notes`, `deck`, `spreed`), named in the reason. `capability` is where
    the app shows itself in the capabilities when that is not a block under its id: a dotted path
    to a block (`spreed`) or to a flag that is true (`files.comments` for comments,
    `files.undelete` for the trash bin). `min_version` is compared with the block's `version`;
    `feature` must appear in its `features` list (Talk's style).
    """

    app: str
    title: str = ""
    min_version: str | None = None
    feature: str | None = None
    capability: str | None = None

    def unmet(self, capabilities: dict[str, Any]) -> str | None:
        """Why `capabilities` do not satisfy this (naming the app), or None."""
        name = self.title or self.app
        entry: Any = capabilities
        for key in (self.capability or self.app).split("."):
            entry = entry.get(key) if isinstance(entry, dict) else None
        if entry is True and self.min_version is None and self.feature is None:
            return None
        if not isinstance(entry, dict):
            return f"needs the Nextcloud app '{name}' ({self.app}), which is not installed or not enabled for you"
        if self.min_version is not None:
            have = entry.get("version")
            if have is None or _version(str(have)) < _version(self.min_version):
                return f"needs {name} {self.min_version} or newer (this Nextcloud has {have or 'an unknown version'})"
        if self.feature is not None and self.feature not in (entry.get("features") or []):
            return f"needs the {name} feature '{self.feature}', which this Nextcloud's {name} does not have"
        return None


class RegistryError(ValueError):
    """A tool or resource was declared inconsistently (a programming error, found at start-up)."""


@dataclass(frozen=True)
class Toolset:
    """The tools of one Nextcloud app or area, chosen and gated together.

    `scope` is the OAuth scope prefix (`<scope>.read` / `<scope>.write`); it defaults to the name
    and differs only where the PyPI `nextcloud-mcp-server` named it otherwise (tasks: `todo`).
    """

    name: str
    title: str
    description: str
    default: bool = True
    """Offered when NEXTCLOUD_MCP_TOOLSETS is unset or says `default`."""
    scope: str = ""
    requires: Requirement | None = None
    """What the caller's Nextcloud must have for the toolset to be offered (gating.py); None: always there."""

    @property
    def scope_prefix(self) -> str:
        return self.scope or self.name


@dataclass(frozen=True)
class ToolInfo:
    name: str
    toolset: str | None
    """None for tools about the caller's own grant to this server or the toolsets themselves (always offered)."""
    scope: str | None
    read_only: bool
    requires: Requirement | None = None
    """A tool's own requirement beyond its toolset's (a newer app version, a feature)."""


@dataclass(frozen=True)
class ResourceInfo:
    uri: str
    """The URI, or the URI template (RFC 6570) for a resource template."""
    toolset: str | None
    """None for server-wide resources any caller may read."""
    scope: str | None

    @property
    def prefix(self) -> str:
        """The literal part before the first template variable (the whole URI for a static resource)."""
        return self.uri.split("{", 1)[0]

    @property
    def is_template(self) -> bool:
        return "{" in self.uri

    @property
    def read_only(self) -> bool:
        return True  # reading is all a resource does


@dataclass
class Registry:
    """The toolsets, tools and resources one MCP server offers; filled while the tool modules register."""

    toolsets: dict[str, Toolset] = field(default_factory=dict)
    tools: dict[str, ToolInfo] = field(default_factory=dict)
    resources: dict[str, ResourceInfo] = field(default_factory=dict)

    def declare(self, toolset: Toolset) -> Toolset:
        known = self.toolsets.setdefault(toolset.name, toolset)
        if known != toolset:
            raise RegistryError(f"toolset {toolset.name!r} is declared twice, differently")
        return known

    def _toolset_of(self, scope: str | None, what: str) -> str | None:
        if scope is None:
            return None
        prefix, _, verb = scope.partition(".")
        owner = next((t.name for t in self.toolsets.values() if t.scope_prefix == prefix), None)
        if owner is None or not (verb.isidentifier() and verb.islower()):
            raise RegistryError(f"{what}: scope {scope!r} is not '<declared toolset's scope>.<verb>'")
        return owner

    def add_tool(
        self, name: str, *, scope: str | None, read_only: bool, requires: Requirement | None = None
    ) -> ToolInfo:
        if name in self.tools:
            raise RegistryError(f"tool {name!r} is registered twice")
        toolset = self._toolset_of(scope, f"tool {name!r}")
        if scope is not None and scope.endswith(".read") != read_only:
            raise RegistryError(f"tool {name!r}: a '.read' scope goes with read-only tools and only with them")
        info = ToolInfo(name, toolset, scope, read_only, requires)
        self.tools[name] = info
        return info

    def add_resource(self, uri: str, *, toolset: str | None) -> ResourceInfo:
        if uri in self.resources:
            raise RegistryError(f"resource {uri!r} is registered twice")
        if toolset is not None and toolset not in self.toolsets:
            raise RegistryError(f"resource {uri!r}: toolset {toolset!r} is not declared")
        scope = f"{self.toolsets[toolset].scope_prefix}.read" if toolset is not None else None
        info = ResourceInfo(uri, toolset, scope)
        self.resources[uri] = info
        return info

    def scope_of_tool(self, name: str) -> str | None:
        info = self.tools.get(name)
        return info.scope if info is not None else None

    def resource_for(self, uri: str) -> ResourceInfo | None:
        """The registered resource a concrete URI reads: an exact static URI, else the longest template prefix."""
        exact = self.resources.get(uri)
        if exact is not None:
            return exact
        templates = [r for r in self.resources.values() if r.is_template and uri.startswith(r.prefix)]
        return max(templates, key=lambda r: len(r.prefix), default=None)

    def target(self, method: str, params: Any) -> tuple[str, str, ToolInfo | ResourceInfo | None] | None:
        """What a `tools/call` or `resources/read` is about: ("tool"|"resource", its name or URI, its entry
        here or None when unknown); None for any other method. The gate and the offer filter both ask this."""
        if not isinstance(params, dict):
            return None
        if method == "tools/call" and isinstance(name := params.get("name"), str):
            return "tool", name, self.tools.get(name)
        if method == "resources/read" and isinstance(uri := params.get("uri"), str):
            return "resource", uri, self.resource_for(uri)
        return None

    def scopes(self) -> list[str]:
        """Every scope a tool or resource needs, sorted (the PRM's `scopes_supported`)."""
        found = {info.scope for info in self.tools.values() if info.scope is not None}
        found |= {info.scope for info in self.resources.values() if info.scope is not None}
        return sorted(found)

    def default_toolsets(self) -> frozenset[str]:
        return frozenset(name for name, toolset in self.toolsets.items() if toolset.default)
