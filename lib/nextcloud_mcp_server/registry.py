"""What this server offers, in one object: the apps, their tools and resources, and the scope each needs.

Why one object, built with the server and passed in: the OAuth scope gate and tools/list filter,
the protected-resource metadata's `scopes_supported`, the Flow 2 scope request, the ExApp admin
form's app list and its policy all read the same registry, so a tool or resource can never be
offered in one mode and silently missing in another. It imports nothing of MCP or Nextcloud,
so `auth/` and `ex_app/` can take it without depending on the tools.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class RegistryError(ValueError):
    """A tool or resource was declared inconsistently (a programming error, found at start-up)."""


@dataclass(frozen=True)
class App:
    """A Nextcloud app (or area) whose tools share an OAuth scope prefix, e.g. `files` → `files.read`."""

    key: str
    title: str


@dataclass(frozen=True)
class ToolInfo:
    name: str
    app: str | None
    """The app key; None for tools about the caller's own grant to this server (no scope, always offered)."""
    scope: str | None
    read_only: bool


@dataclass(frozen=True)
class ResourceInfo:
    uri: str
    """The URI, or the URI template (RFC 6570) for a resource template."""
    app: str | None
    """None for server-wide resources any caller may read."""
    scope: str | None

    @property
    def prefix(self) -> str:
        """The literal part before the first template variable (the whole URI for a static resource)."""
        return self.uri.split("{", 1)[0]

    @property
    def is_template(self) -> bool:
        return "{" in self.uri


@dataclass
class Registry:
    """The apps, tools and resources one MCP server offers; filled while the tool modules register."""

    apps: dict[str, App] = field(default_factory=dict)
    tools: dict[str, ToolInfo] = field(default_factory=dict)
    resources: dict[str, ResourceInfo] = field(default_factory=dict)

    def declare_app(self, key: str, title: str) -> App:
        app = self.apps.setdefault(key, App(key, title))
        if app.title != title:
            raise RegistryError(f"app {key!r} is declared twice with different titles")
        return app

    def _app_of(self, scope: str | None, what: str) -> str | None:
        if scope is None:
            return None
        app, _, verb = scope.partition(".")
        if app not in self.apps or verb not in ("read", "write"):
            raise RegistryError(f"{what}: scope {scope!r} is not '<declared app>.read|write'")
        return app

    def add_tool(self, name: str, *, scope: str | None, read_only: bool) -> ToolInfo:
        if name in self.tools:
            raise RegistryError(f"tool {name!r} is registered twice")
        app = self._app_of(scope, f"tool {name!r}")
        if scope is not None and scope.endswith(".read") != read_only:
            raise RegistryError(f"tool {name!r}: a '.read' scope goes with read-only tools and only with them")
        info = ToolInfo(name, app, scope, read_only)
        self.tools[name] = info
        return info

    def add_resource(self, uri: str, *, app: str | None) -> ResourceInfo:
        if uri in self.resources:
            raise RegistryError(f"resource {uri!r} is registered twice")
        scope = f"{app}.read" if app is not None else None
        self._app_of(scope, f"resource {uri!r}")
        info = ResourceInfo(uri, app, scope)
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

    def scopes(self) -> list[str]:
        """Every scope a tool or resource needs, sorted (the PRM's `scopes_supported`)."""
        found = {info.scope for info in self.tools.values() if info.scope is not None}
        found |= {info.scope for info in self.resources.values() if info.scope is not None}
        return sorted(found)
