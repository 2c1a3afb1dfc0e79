"""The admin's settings: a declarative form in Nextcloud's admin settings, read back at run time.

Why read at run time with a short cache: Nextcloud stores what the admin saves in the app's
config (`appconfig_ex`), and the ExApp learns of a change only by asking; a few seconds of
cache keep tools/list cheap while a change still takes effect without a restart.

The policy is one rule of the offer filter (`AdminRule`): lists show only the toolsets the admin
enabled (and only read tools in read-only mode), and calls and reads refuse the rest. The form's
list is the server's `Registry` of toolsets, so every toolset the server has can be chosen here;
one the saved settings do not mention yet (added by an upgrade) is available, as the form shows
it. Available is not listed: a session starts with the default toolsets (as everywhere,
`NEXTCLOUD_MCP_TOOLSETS`), and the model enables an available one when a task needs it
(`nc_toolsets_enable`), so checking many toolsets costs no session any context. Saved choices
made under a toolset's scope name (`todo` for Tasks, before toolsets had names of their own)
still count.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio

if TYPE_CHECKING:
    from nextcloud_mcp_server.offer import Check, Item
    from nextcloud_mcp_server.registry import Registry, Toolset

log = logging.getLogger(__name__)

FORM_ID = "nextcloud_mcp_server_admin"
KEYS = (
    "enabled_apps",
    "read_only",
    "public_url",
    "oidc_discovery_url",
    "allowed_mcp_clients",
    "require_provisioning",
    "webhook_sync",
)


def form(registry: Registry) -> Any:
    """The declarative settings form registered with AppAPI on enable; its apps are the registry's."""
    from nc_py_api.ex_app.ui.settings import SettingsField, SettingsFieldType, SettingsForm

    return SettingsForm(
        id=FORM_ID,
        section_type="admin",
        section_id="ai",
        title="MCP Server",
        description="Which Nextcloud apps MCP clients may use, and how clients reach and authenticate to this server.",
        doc_url="https://github.com/nextcloud/nextcloud-mcp-server#install-as-a-nextcloud-app",
        fields=[
            SettingsField(
                id="enabled_apps",
                title="Toolsets available to MCP clients",
                type=SettingsFieldType.MULTI_CHECKBOX,
                default=dict.fromkeys(registry.toolsets, True),
                options={toolset.title: name for name, toolset in registry.toolsets.items()},
            ),
            SettingsField(
                id="read_only",
                title="Read-only mode",
                type=SettingsFieldType.CHECKBOX,
                default=False,
                label="Offer only tools that read; nothing can be changed through MCP",
            ),
            SettingsField(
                id="public_url",
                title="Public MCP URL",
                type=SettingsFieldType.URL,
                default="",
                placeholder="https://cloud.example.com/exapps/nextcloud_mcp_server",
                description="Shown to users as the address for their MCP client (the MCP endpoint is this + /mcp).",
            ),
            SettingsField(
                id="oidc_discovery_url",
                title="Identity provider (OIDC discovery URL)",
                type=SettingsFieldType.URL,
                default="",
                placeholder="https://cloud.example.com/.well-known/openid-configuration",
                description="For external MCP clients that sign in with OAuth; needs the public MCP URL above "
                "(or OIDC_DISCOVERY_URL and NEXTCLOUD_MCP_SERVER_URL in the app's environment).",
            ),
            SettingsField(
                id="allowed_mcp_clients",
                title="Allowed MCP clients",
                type=SettingsFieldType.TEXT,
                default="",
                placeholder="client-id-1, client-id-2",
                description="OAuth client ids allowed to call this server; empty allows any registered client.",
            ),
            SettingsField(
                id="require_provisioning",
                title="Require Flow 2 provisioning",
                type=SettingsFieldType.CHECKBOX,
                default=False,
                label="External OAuth clients must first grant this server its own Nextcloud access",
                description="When on, an external client's user is asked (once) to consent at the identity "
                "provider, and its tool calls then reach Nextcloud with this server's own token for that user "
                "instead of AppAPI. Needs a client at the provider with redirect URI <public MCP URL>/oauth/callback "
                "(NEXTCLOUD_OIDC_CLIENT_ID/SECRET, or dynamic registration) and TOKEN_ENCRYPTION_KEY. "
                "Nextcloud users are not affected.",
            ),
            SettingsField(
                id="webhook_sync",
                title="Live updates through webhooks",
                type=SettingsFieldType.CHECKBOX,
                default=True,
                label="Register webhooks so MCP clients hear of changes at once",
            ),
        ],
    )


def _truthy(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class AdminPolicy:
    """What the admin chose; the defaults are what an unconfigured app does."""

    choices: dict[str, bool] = field(default_factory=dict)
    """The toolsets the admin checked (True) or unchecked (False); the others are available."""
    read_only: bool = False
    public_url: str = ""
    oidc_discovery_url: str = ""
    allowed_mcp_clients: tuple[str, ...] = ()
    require_provisioning: bool = False
    webhook_sync: bool = True

    @classmethod
    def from_config(cls, values: dict[str, str]) -> AdminPolicy:
        """Parse appconfig_ex values as Nextcloud's declarative settings save them (strings; JSON for multi)."""
        choices: dict[str, bool] = {}
        if raw := values.get("enabled_apps"):
            try:
                chosen = json.loads(raw)
            except ValueError:
                log.warning("Ignoring the enabled_apps setting: it is not JSON")
            else:
                if isinstance(chosen, dict):
                    choices = {str(k): bool(v) for k, v in chosen.items()}
        clients = tuple(c.strip() for c in (values.get("allowed_mcp_clients") or "").split(",") if c.strip())
        return cls(
            choices=choices,
            read_only=_truthy(values.get("read_only"), False),
            public_url=(values.get("public_url") or "").strip(),
            oidc_discovery_url=(values.get("oidc_discovery_url") or "").strip(),
            allowed_mcp_clients=clients,
            require_provisioning=_truthy(values.get("require_provisioning"), False),
            webhook_sync=_truthy(values.get("webhook_sync"), True),
        )

    def enabled(self, toolset: Toolset) -> bool:
        choice = self.choices.get(toolset.name, self.choices.get(toolset.scope_prefix))
        return True if choice is None else choice

    def refusal(self, toolset: Toolset | None, read_only: bool) -> str | None:
        """Why something of `toolset` is turned off by the admin (None: it is on). Server-wide things are on."""
        if toolset is None:
            return None
        if not self.enabled(toolset):
            return "is turned off by the Nextcloud admin (its toolset is disabled)"
        if self.read_only and not read_only:
            return "is turned off by the Nextcloud admin (read-only mode)"
        return None

    def enabled_toolsets(self, registry: Registry) -> list[str]:
        return sorted(name for name, toolset in registry.toolsets.items() if self.enabled(toolset))


@dataclass
class PolicySource:
    """The current AdminPolicy, fetched from the app config at most every `ttl` seconds."""

    fetch: Callable[[], Awaitable[dict[str, str]]]
    ttl: float = 5.0
    _policy: AdminPolicy = field(default_factory=AdminPolicy)
    _fetched_at: float | None = None
    _lock: anyio.Lock = field(default_factory=anyio.Lock)

    async def current(self) -> AdminPolicy:
        now = time.monotonic()
        if self._fetched_at is not None and now - self._fetched_at < self.ttl:
            return self._policy
        async with self._lock:
            if self._fetched_at is not None and time.monotonic() - self._fetched_at < self.ttl:
                return self._policy
            try:
                self._policy = AdminPolicy.from_config(await self.fetch())
            except Exception as exc:  # keep serving with the last known settings
                log.warning("Could not read the admin settings (%s); keeping the previous ones", type(exc).__name__)
            self._fetched_at = time.monotonic()
            return self._policy


def appconfig_fetcher(nextcloud_app: Callable[[], Any]) -> Callable[[], Awaitable[dict[str, str]]]:
    """Read the form's keys from appconfig_ex with one nc_py_api client kept for the process."""
    holder: dict[str, Any] = {}

    async def fetch() -> dict[str, str]:
        nc = holder.get("nc") or holder.setdefault("nc", nextcloud_app())
        records = await nc.appconfig_ex.get_values(list(KEYS))
        return {record.key: record.value for record in records}

    return fetch


class AdminRule:
    """An `offer.Rule`: what the admin turned off (a toolset, or writing in read-only mode) is not offered."""

    def __init__(self, source: PolicySource, registry: Registry) -> None:
        self.source = source
        self.registry = registry

    async def check(self, request: Any, items: Any) -> Check:
        policy = await self.source.current()
        toolsets = self.registry.toolsets

        def check(item: Item) -> str | None:
            toolset = toolsets.get(item.toolset) if item.toolset is not None else None
            return policy.refusal(toolset, item.read_only)

        return check
