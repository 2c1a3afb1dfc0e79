"""One Settings object, read from the environment once and validated at start-up.

Why here: every problem in the configuration is reported together, naming the
variable and what to set, before anything is served. Nothing else in the engine reads
`os.environ`; the CLI builds `Settings` and passes it down.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIB = 1024 * 1024
DB_FILENAME = "nextcloud-mcp-server.db"


class ConfigError(Exception):
    """The configuration cannot work; `problems` holds one line per variable to fix."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("Invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


def _split_list(value: Any) -> Any:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    """The server's whole configuration (environment variable names in the aliases)."""

    model_config = SettingsConfigDict(
        env_file=None, extra="ignore", populate_by_name=True, case_sensitive=False, env_ignore_empty=True
    )

    nextcloud_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("NEXTCLOUD_URL", "NEXTCLOUD_HOST", "nextcloud_url"),
        description="Base URL of the Nextcloud, e.g. https://cloud.example.com",
    )
    nextcloud_username: str | None = Field(
        default=None, validation_alias=AliasChoices("NEXTCLOUD_USERNAME", "nextcloud_username")
    )
    nextcloud_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("NEXTCLOUD_PASSWORD", "nextcloud_password")
    )
    nextcloud_verify_ssl: bool = Field(
        default=True, validation_alias=AliasChoices("NEXTCLOUD_VERIFY_SSL", "nextcloud_verify_ssl")
    )
    nextcloud_ca_bundle: Path | None = Field(
        default=None, validation_alias=AliasChoices("NEXTCLOUD_CA_BUNDLE", "nextcloud_ca_bundle")
    )
    nextcloud_timeout: float = Field(
        default=30.0, gt=0, validation_alias=AliasChoices("NEXTCLOUD_TIMEOUT", "nextcloud_timeout")
    )
    nextcloud_retries: int = Field(
        default=3, ge=0, le=10, validation_alias=AliasChoices("NEXTCLOUD_RETRIES", "nextcloud_retries")
    )
    nextcloud_retry_backoff: float = Field(
        default=0.25,
        ge=0,
        le=10,
        validation_alias=AliasChoices("NEXTCLOUD_RETRY_BACKOFF", "nextcloud_retry_backoff"),
        description="Seconds before the first retry; doubled (with jitter) for each further one",
    )
    public_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("NEXTCLOUD_MCP_SERVER_URL", "public_url"),
        description="Public base URL of this server; the MCP resource is <it>/mcp",
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias=AliasChoices("MCP_ALLOWED_HOSTS", "allowed_hosts")
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias=AliasChoices("MCP_ALLOWED_ORIGINS", "allowed_origins")
    )
    max_read_bytes: int = Field(
        default=10 * MIB, gt=0, validation_alias=AliasChoices("MAX_FILE_READ_BYTES", "max_read_bytes")
    )
    max_request_bytes: int = Field(
        default=64 * MIB, gt=0, validation_alias=AliasChoices("MAX_REQUEST_BODY_BYTES", "max_request_bytes")
    )
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("LOG_LEVEL", "log_level"))
    session_idle_timeout: float = Field(
        default=1800.0,
        gt=0,
        validation_alias=AliasChoices("MCP_SESSION_IDLE_TIMEOUT", "session_idle_timeout"),
        description="Seconds without a request after which an MCP session (Streamable HTTP) ends",
    )
    max_sessions: int = Field(
        default=1000,
        ge=1,
        validation_alias=AliasChoices("MCP_MAX_SESSIONS", "max_sessions"),
        description="Most live MCP sessions per process; a new one beyond it is answered 503",
    )
    max_sessions_per_user: int = Field(
        default=50,
        ge=1,
        validation_alias=AliasChoices("MCP_MAX_SESSIONS_PER_USER", "max_sessions_per_user"),
        description="Most live MCP sessions per user; a new one beyond it is answered 429",
    )
    capabilities_ttl: float = Field(
        default=60.0,
        ge=0,
        validation_alias=AliasChoices("NEXTCLOUD_CAPABILITIES_TTL", "capabilities_ttl"),
        description="Seconds a user's Nextcloud capabilities (which apps they have) are cached for gating",
    )
    dynamic_toolsets: bool = Field(
        default=True,
        validation_alias=AliasChoices("NEXTCLOUD_MCP_DYNAMIC_TOOLSETS", "dynamic_toolsets"),
        description="Offer the toolset discovery tools, with which a model enables further toolsets for its session",
    )
    toolsets: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["default"],
        validation_alias=AliasChoices("NEXTCLOUD_MCP_TOOLSETS", "toolsets"),
        description="Comma-separated toolsets the server offers: names, 'default' and 'all'",
    )
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "database_url"),
        repr=False,  # may hold a password
        description="SQLAlchemy URL of the store; default a SQLite file under APP_PERSISTENT_STORAGE or ./data",
    )
    token_encryption_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("TOKEN_ENCRYPTION_KEY", "token_encryption_key"),
        description="One or more comma-separated Fernet keys, newest first",
    )
    app_persistent_storage: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("APP_PERSISTENT_STORAGE", "app_persistent_storage"),
        description="AppAPI's persistent volume; the default SQLite file of the store goes there",
    )
    strict_durability: bool = Field(
        default=False,
        validation_alias=AliasChoices("STORE_STRICT_DURABILITY", "strict_durability"),
        description="Flush every store commit to disk before acknowledging it",
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("WEBHOOK_SECRET", "webhook_secret"),
        description="Shared secret Nextcloud sends in X-Webhook-Secret; unset: /webhooks/nextcloud is not mounted",
    )
    webhook_poll_interval: float = Field(
        default=0.5,
        gt=0,
        le=60,
        validation_alias=AliasChoices("WEBHOOK_POLL_INTERVAL", "webhook_poll_interval"),
        description="Seconds between looks at the shared inbox for events other replicas received",
    )
    webhook_max_attempts: int = Field(
        default=5,
        ge=1,
        le=100,
        validation_alias=AliasChoices("WEBHOOK_MAX_ATTEMPTS", "webhook_max_attempts"),
        description="Processing attempts before an event becomes a dead letter",
    )

    oidc_discovery_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OIDC_DISCOVERY_URL", "oidc_discovery_url"),
        description="OpenID discovery document of the identity provider; set it to require OAuth bearer tokens",
    )
    allowed_mcp_clients: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        validation_alias=AliasChoices("ALLOWED_MCP_CLIENTS", "allowed_mcp_clients"),
        description="Comma-separated OAuth client ids whose tokens are accepted (azp/client_id); empty: any",
    )
    oidc_user_claim: str = Field(
        default="sub",
        validation_alias=AliasChoices("OIDC_USER_CLAIM", "oidc_user_claim"),
        description="The token claim that holds the Nextcloud user id",
    )
    enable_progressive_consent: bool = Field(
        default=True, validation_alias=AliasChoices("ENABLE_PROGRESSIVE_CONSENT", "enable_progressive_consent")
    )
    nextcloud_oidc_client_id: str | None = Field(
        default=None, validation_alias=AliasChoices("NEXTCLOUD_OIDC_CLIENT_ID", "nextcloud_oidc_client_id")
    )
    nextcloud_oidc_client_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("NEXTCLOUD_OIDC_CLIENT_SECRET", "nextcloud_oidc_client_secret"),
    )
    nextcloud_oidc_resource: str | None = Field(
        default=None,
        validation_alias=AliasChoices("NEXTCLOUD_OIDC_RESOURCE", "nextcloud_oidc_resource"),
        description="Nextcloud's audience at the identity provider (Flow 2 `resource`); default NEXTCLOUD_URL",
    )
    oidc_userinfo_scopes: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        validation_alias=AliasChoices("OIDC_USERINFO_SCOPES", "oidc_userinfo_scopes"),
        description="Comma-separated scopes for opaque tokens verified via userinfo when introspection is not "
        "possible; set it only if the provider issues access tokens for this server alone. Empty: refused",
    )

    _split_hosts = field_validator(
        "allowed_hosts", "allowed_origins", "allowed_mcp_clients", "oidc_userinfo_scopes", "toolsets", mode="before"
    )(_split_list)

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("use one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    def resolved_database_url(self) -> str:
        """DATABASE_URL, or the store's default SQLite file (under APP_PERSISTENT_STORAGE, else ./data)."""
        if self.database_url:
            return self.database_url
        folder = self.app_persistent_storage or Path("data")
        return f"sqlite:///{(folder / DB_FILENAME).absolute()}"

    @property
    def nextcloud_base(self) -> str:
        """The Nextcloud URL without a trailing slash (only valid after `check_for_serving`)."""
        assert self.nextcloud_url is not None
        return self.nextcloud_url.rstrip("/")

    def problems(self) -> list[str]:
        """Every contradiction or gap that would stop the server from working."""
        found: list[str] = []
        if not self.nextcloud_url:
            found.append(
                "NEXTCLOUD_URL: not set. Set it to your Nextcloud's base URL, e.g. https://cloud.example.com "
                "(or run `make run` to try the bundled stand-in)."
            )
        else:
            found.extend(_url_problems("NEXTCLOUD_URL", self.nextcloud_url))
        # With OAuth, each user provisions their own access (Flow 2): the app-password user is optional.
        multi_user = self.oauth_enabled and not self.nextcloud_username and self.nextcloud_password is None
        if not self.nextcloud_username and not multi_user:
            found.append("NEXTCLOUD_USERNAME: not set. Set it to the Nextcloud user the server acts as.")
        if not multi_user and (self.nextcloud_password is None or not self.nextcloud_password.get_secret_value()):
            found.append(
                "NEXTCLOUD_PASSWORD: not set. Create an app password in Nextcloud "
                "(Personal settings > Security) and set it here."
            )
        if self.nextcloud_ca_bundle is not None:
            if not self.nextcloud_ca_bundle.is_file():
                found.append(f"NEXTCLOUD_CA_BUNDLE: no file at {self.nextcloud_ca_bundle}; point it at a PEM file.")
            elif (reason := _unreadable_ca_bundle(self.nextcloud_ca_bundle)) is not None:
                found.append(
                    f"NEXTCLOUD_CA_BUNDLE: {self.nextcloud_ca_bundle} holds no usable CA certificate ({reason}); "
                    "point it at the PEM file of the CA that signed Nextcloud's certificate."
                )
            if not self.nextcloud_verify_ssl:
                found.append(
                    "NEXTCLOUD_CA_BUNDLE is set but NEXTCLOUD_VERIFY_SSL=false ignores it: remove one of the two."
                )
        if self.public_url:
            found.extend(_url_problems("NEXTCLOUD_MCP_SERVER_URL", self.public_url))
        found.extend(self._oauth_problems())
        return found

    @property
    def store_needed(self) -> bool:
        """True when a feature keeps state in the store: OAuth, webhooks, or an explicit DATABASE_URL.

        Single-user app-password mode keeps none, so it creates no database file (and its process
        does not carry SQLAlchemy: about 20 MB less memory)."""
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret is not None else ""
        return bool(self.oauth_enabled or secret or self.database_url)

    @property
    def oauth_enabled(self) -> bool:
        """True when /mcp requires OAuth bearer tokens (OIDC_DISCOVERY_URL is set)."""
        return bool(self.oidc_discovery_url)

    @property
    def provisioning_enabled(self) -> bool:
        """True when users can grant this server delegated Nextcloud access (Flow 2).

        With NEXTCLOUD_OIDC_CLIENT_ID the server uses that client; without it, it registers one
        dynamically at the provider (auth/registration.py)."""
        return self.oauth_enabled and bool(self.public_url)

    @property
    def nextcloud_audience(self) -> str:
        """Nextcloud's resource identifier at the identity provider (NEXTCLOUD_OIDC_RESOURCE or NEXTCLOUD_URL)."""
        return (self.nextcloud_oidc_resource or self.nextcloud_base).rstrip("/")

    @property
    def mcp_resource(self) -> str:
        """This server's resource identifier (RFC 8707): <NEXTCLOUD_MCP_SERVER_URL>/mcp."""
        assert self.public_url is not None
        return self.public_url.rstrip("/") + "/mcp"

    def _oauth_problems(self) -> list[str]:
        found: list[str] = []
        if self.oidc_discovery_url:
            found.extend(_url_problems("OIDC_DISCOVERY_URL", self.oidc_discovery_url))
            if not self.public_url:
                found.append(
                    "NEXTCLOUD_MCP_SERVER_URL: not set, but OIDC_DISCOVERY_URL is. Set it to the public base URL "
                    "clients use to reach this server (the OAuth resource is <it>/mcp)."
                )
        elif self.allowed_mcp_clients:
            found.append("ALLOWED_MCP_CLIENTS is set but OIDC_DISCOVERY_URL is not: set OIDC_DISCOVERY_URL too.")
        has_secret = self.nextcloud_oidc_client_secret is not None
        if has_secret and not self.nextcloud_oidc_client_id:
            found.append("NEXTCLOUD_OIDC_CLIENT_SECRET is set without NEXTCLOUD_OIDC_CLIENT_ID: set both.")
        if self.nextcloud_oidc_client_id and not self.oidc_discovery_url:
            found.append("NEXTCLOUD_OIDC_CLIENT_ID is set but OIDC_DISCOVERY_URL is not: set OIDC_DISCOVERY_URL too.")
        return found

    def check_for_serving(self) -> Settings:
        """Raise ConfigError listing every problem, or return self."""
        found = self.problems()
        if found:
            raise ConfigError(found)
        return self


def _unreadable_ca_bundle(path: Path) -> str | None:
    """Why `path` cannot serve as a CA bundle, or None when it loads."""
    import ssl

    try:
        ssl.create_default_context().load_verify_locations(cafile=str(path))
    except (ssl.SSLError, OSError, ValueError) as exc:
        return str(getattr(exc, "reason", None) or type(exc).__name__)
    return None


def _url_problems(name: str, url: str) -> list[str]:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return [f"{name}: {url!r} is not an http(s) URL; use e.g. https://cloud.example.com"]
    if parts.query or parts.fragment:
        return [f"{name}: remove the query or fragment from {url!r}"]
    return []


def load_settings(*, serving: bool = False, **overrides: Any) -> Settings:
    """Read Settings from the environment, turning pydantic's errors into ConfigError.

    With `serving=True` the checks of `check_for_serving` run too, and every problem
    (malformed values and missing or contradictory ones) is reported in one ConfigError.
    """
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        problems: list[str] = []
        failed: set[str] = set()
        for err in exc.errors():
            field = _field_of(str(err["loc"][0])) if err["loc"] else "?"
            failed.add(field)
            problems.append(f"{_env_name(field)}: {_message(field, err)}")
        if serving:
            problems.extend(_remaining_problems(failed, overrides))
        raise ConfigError(problems) from None
    return settings.check_for_serving() if serving else settings


def _remaining_problems(failed: set[str], overrides: dict[str, Any]) -> list[str]:
    """The serving problems of the variables that did parse (the failed ones set to their defaults)."""
    fields = Settings.model_fields
    defaults = {name: fields[name].get_default(call_default_factory=True) for name in failed if name in fields}
    try:
        rest = Settings(**{**overrides, **defaults})
    except ValidationError:
        return []
    failed_vars = {_env_name(name) for name in failed}
    return [p for p in rest.problems() if p.split(":", 1)[0].split(" ", 1)[0] not in failed_vars]


_HINTS = {
    "nextcloud_verify_ssl": "set true or false",
    "nextcloud_timeout": "set a number of seconds greater than 0, e.g. 30",
    "nextcloud_retries": "set a whole number from 0 to 10",
    "nextcloud_retry_backoff": "set a number of seconds from 0 to 10, e.g. 0.25",
    "max_read_bytes": "set a whole number of bytes greater than 0, e.g. 10485760",
    "max_request_bytes": "set a whole number of bytes greater than 0, e.g. 67108864",
    "webhook_poll_interval": "set a number of seconds greater than 0 and at most 60, e.g. 0.5",
    "webhook_max_attempts": "set a whole number from 1 to 100, e.g. 5",
}


def _message(field: str, err: Any) -> str:
    """Pydantic's complaint (never the value: it may be a secret) and what to set instead."""
    msg = str(err["msg"]).removeprefix("Value error, ")
    hint = _HINTS.get(field)
    return f"{msg}; {hint}." if hint else msg


def _field_of(loc: str) -> str:
    """The field name for an error location, which pydantic-settings reports as the alias used."""
    for name, info in Settings.model_fields.items():
        alias = info.validation_alias
        choices = alias.choices if isinstance(alias, AliasChoices) else []
        if loc == name or any(isinstance(c, str) and c.lower() == loc.lower() for c in choices):
            return name
    return loc


def _env_name(field: str) -> str:
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info else None
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return field.upper()


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: where DNS rebinding is the threat."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
