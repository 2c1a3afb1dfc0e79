"""The store's tables (SQLAlchemy 2 declarative). The migrations in alembic/versions must match.

Why a UTC type: SQLite keeps no time zone, PostgreSQL does; `UTCDateTime` stores UTC on both
and always hands back aware datetimes, so expiry comparisons mean the same on both engines.
Columns ending in `_encrypted` hold Fernet tokens only (see `crypto.py`), never plaintext.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, cast

from sqlalchemy import JSON, DateTime, Index, Integer, MetaData, String, Table, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and read back as an aware datetime."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def table_of(model: type[Base]) -> Table:
    """A model's Table, typed as one (SQLAlchemy types `__table__` as any FROM clause)."""
    return cast(Table, model.__table__)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[str]: JSON}


class OAuthClient(Base):
    """An MCP client registered with this server (dynamic client registration or static)."""

    __tablename__ = "oauth_clients"
    client_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    client_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    client_name: Mapped[str | None] = mapped_column(String(255))
    redirect_uris: Mapped[list[str]]
    kind: Mapped[str] = mapped_column(String(16))  # "dcr" or "static"
    registration: Mapped[dict[str, Any]]  # the rest of the client metadata (grant types, auth method, ...)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class OAuthSession(Base):
    """Authorization state between /authorize and /callback; single use, short-lived."""

    __tablename__ = "oauth_sessions"
    state: Mapped[str] = mapped_column(String(255), primary_key=True)
    flow: Mapped[str] = mapped_column(String(32))
    code_verifier: Mapped[str] = mapped_column(Text)
    redirect_uri: Mapped[str] = mapped_column(Text)
    scopes: Mapped[list[str]]
    user_id: Mapped[str | None] = mapped_column(String(255))
    client_id: Mapped[str | None] = mapped_column(String(255))
    extra: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class RefreshToken(Base):
    """The server's own delegated access to Nextcloud for one user and audience (Flow 2)."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (UniqueConstraint("user_id", "audience"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(255))
    audience: Mapped[str] = mapped_column(String(512))
    token_encrypted: Mapped[str] = mapped_column(Text)
    scopes: Mapped[list[str]]
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    rotated_at: Mapped[datetime | None]
    provisioning_client_id: Mapped[str | None] = mapped_column(String(255))


class WebhookRegistration(Base):
    """A webhook this server registered with Nextcloud's webhook_listeners."""

    __tablename__ = "webhook_registrations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nextcloud_id: Mapped[int] = mapped_column(Integer, unique=True)
    event: Mapped[str] = mapped_column(String(255), index=True)
    event_filter: Mapped[dict[str, Any] | None]
    uri: Mapped[str] = mapped_column(Text)
    owner_mode: Mapped[str] = mapped_column(String(16))  # "app" or "user"
    user_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]


class WebhookEvent(Base):
    """The durable inbox: an event is stored before it is acknowledged, then processed."""

    __tablename__ = "webhook_events"
    __table_args__ = (
        Index("ix_webhook_events_pending", "processed_at", "dead_at", "id"),
        Index("ix_webhook_events_owner_id_id", "owner_id", "id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    event_class: Mapped[str] = mapped_column(String(255))
    payload: Mapped[dict[str, Any]]
    owner_id: Mapped[str | None] = mapped_column(String(255))  # the user the event concerns (webhooks/events.py)
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    dead_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Who did what, when. Never a secret (see `audit.py`)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(512))
    detail: Mapped[dict[str, Any] | None]


INITIAL_TABLES = frozenset(
    {"oauth_clients", "oauth_sessions", "refresh_tokens", "webhook_registrations", "webhook_events", "audit_log"}
)
