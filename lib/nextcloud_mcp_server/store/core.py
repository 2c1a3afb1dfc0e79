"""The Store: one engine per process, the repositories over it, migrations on open, the purge.

Why one object: the standalone server, the ExApp and the `db` commands all open the store
the same way (`async with Store(settings) as store`), so start-up behaviour — migrate to head
under a lock, fail fast naming the database — is the same everywhere.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import anyio
from pydantic import SecretStr
from sqlalchemy import select, text, update

from nextcloud_mcp_server.store.audit import AuditRepository
from nextcloud_mcp_server.store.crypto import TokenCipher
from nextcloud_mcp_server.store.errors import StoreError
from nextcloud_mcp_server.store.inbox_writer import inbox_writer
from nextcloud_mcp_server.store.migrate import UpgradeOutcome, fail_fast, upgrade
from nextcloud_mcp_server.store.models import OAuthClient, RefreshToken, utcnow
from nextcloud_mcp_server.store.oauth import ClientRepository, SessionRepository, TokenRepository
from nextcloud_mcp_server.store.urls import masked
from nextcloud_mcp_server.store.webhooks import InboxRepository, WebhookRepository

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from nextcloud_mcp_server.config import Settings

log = logging.getLogger(__name__)

DEFAULT_RETENTION = timedelta(days=7)
DEFAULT_PURGE_INTERVAL_S = 3600.0


@dataclass(frozen=True)
class PurgeResult:
    sessions: int
    events: int


@dataclass(frozen=True)
class RotationResult:
    tokens: int
    client_secrets: int


class Store:
    """The token and webhook store. Open it once per process; share it."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        database_url: str | None = None,
        token_encryption_key: SecretStr | str | None = None,
        migrate: bool = True,
        **engine_options: Any,
    ) -> None:
        if settings is None:
            from nextcloud_mcp_server.config import load_settings

            settings = load_settings()
        self.database_url = database_url or settings.resolved_database_url()
        key = token_encryption_key if token_encryption_key is not None else settings.token_encryption_key
        self.cipher = TokenCipher(key)
        self._migrate = migrate
        self._engine_options = engine_options
        self.strict_durability = settings.strict_durability
        self._engine: AsyncEngine | None = None
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self.migration: UpgradeOutcome | None = None

    @property
    def database(self) -> str:
        """The database URL with its password masked, for messages."""
        return masked(self.database_url)

    async def open(self) -> Store:
        """Migrate to head (under the lock), then connect. Raises DatabaseUnavailable naming the database."""
        from sqlalchemy.ext.asyncio import async_sessionmaker

        from nextcloud_mcp_server.store.engine import make_async_engine

        if self._engine is not None:
            return self
        if self._migrate:
            self.migration = await anyio.to_thread.run_sync(upgrade, self.database_url)
            if self.migration.stamped:
                log.info("Stamped the pre-Alembic schema of %s at revision 0001", self.database)
            if self.migration.before != self.migration.after:
                log.info("Migrated %s to %s", self.database, ", ".join(self.migration.after))
        with fail_fast(self.database_url):
            engine = make_async_engine(
                self.database_url, strict_durability=self.strict_durability, **self._engine_options
            )
            try:
                async with engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
            except BaseException:
                await engine.dispose()
                raise
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        dialect = engine.dialect.name
        self.clients = ClientRepository(engine, self._sessions, dialect, self.cipher)
        self.sessions = SessionRepository(engine, self._sessions, dialect, self.cipher)
        self.tokens = TokenRepository(engine, self._sessions, dialect, self.cipher)
        self.webhooks = WebhookRepository(engine, self._sessions, dialect, self.cipher)
        self.inbox = InboxRepository(engine, self._sessions, dialect, self.cipher)
        self.inbox.writer = inbox_writer(self.database_url, strict_durability=self.strict_durability)
        self.audit = AuditRepository(engine, self._sessions, dialect, self.cipher)
        return self

    async def aclose(self) -> None:
        if self._engine is not None:
            if self.inbox.writer is not None:
                await self.inbox.writer.aclose()
            await self._engine.dispose()
            self._engine = None
            self._sessions = None

    async def __aenter__(self) -> Store:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @property
    def dialect(self) -> str:
        return self._opened()[0].dialect.name

    def _opened(self) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
        if self._engine is None or self._sessions is None:
            raise StoreError("The store is not open; call `await store.open()` first.")
        return self._engine, self._sessions

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One transaction for several writes: committed on exit, rolled back on error."""
        _, sessions = self._opened()
        async with sessions.begin() as session:
            yield session

    async def purge(
        self, *, processed_retention: timedelta = DEFAULT_RETENTION, now: datetime | None = None
    ) -> PurgeResult:
        """Delete expired OAuth sessions and events processed longer ago than the retention.

        Unprocessed events (pending or dead letters) are never purged.
        """
        now = now or utcnow()
        sessions = await self.sessions.purge_expired(now=now)
        events = await self.inbox.purge_processed(older_than=processed_retention, now=now)
        return PurgeResult(sessions=sessions, events=events)

    async def purge_periodically(
        self,
        *,
        interval_s: float = DEFAULT_PURGE_INTERVAL_S,
        processed_retention: timedelta = DEFAULT_RETENTION,
        delay_first: bool = False,
    ) -> None:
        """Purge now (or after one interval) and then every `interval_s` seconds until cancelled."""
        if delay_first:
            await anyio.sleep(interval_s)
        while True:
            try:
                result = await self.purge(processed_retention=processed_retention)
                if result.sessions or result.events:
                    log.info("Purged %d expired sessions and %d processed events", result.sessions, result.events)
            except StoreError as exc:
                log.warning("Purge of %s failed: %s", self.database, exc)
            await anyio.sleep(interval_s)

    async def rotate_key(self, *, batch: int = 500) -> RotationResult:
        """Re-encrypt every refresh token and client secret with the newest key of TOKEN_ENCRYPTION_KEY."""
        self.cipher.check()
        _, sessions = self._opened()
        tokens = secrets = 0
        for model, column, key_column in (
            (RefreshToken, RefreshToken.token_encrypted, RefreshToken.id),
            (OAuthClient, OAuthClient.client_secret_encrypted, OAuthClient.client_id),
        ):
            last: Any = None
            while True:
                async with sessions.begin() as session:
                    stmt = select(key_column, column).where(column.is_not(None)).order_by(key_column).limit(batch)
                    if last is not None:
                        stmt = stmt.where(key_column > last)
                    rows = (await session.execute(stmt)).all()
                    for key, ciphertext in rows:
                        if ciphertext is None:  # a client without a secret: nothing to re-encrypt
                            continue
                        fresh = self.cipher.rotate(ciphertext)
                        await session.execute(update(model).where(key_column == key).values({column.key: fresh}))
                if not rows:
                    break
                last = rows[-1][0]
                if model is RefreshToken:
                    tokens += len(rows)
                else:
                    secrets += len(rows)
        return RotationResult(tokens=tokens, client_secrets=secrets)

    async def check_encryption_key(self) -> None:
        """Raise EncryptionKeyMissing/EncryptionKeyInvalid if stored secrets cannot be read with the key.

        For start-up checks of the OAuth features: parses the key and decrypts one stored token,
        so a changed key is reported at once rather than at a user's first tool call.
        """
        self.cipher.check()
        _, sessions = self._opened()
        async with sessions() as session:
            sample = await session.scalar(select(RefreshToken.token_encrypted).limit(1))
            if sample is None:
                sample = await session.scalar(
                    select(OAuthClient.client_secret_encrypted)
                    .where(OAuthClient.client_secret_encrypted.is_not(None))
                    .limit(1)
                )
        if sample is not None:
            self.cipher.decrypt(sample)
