"""OAuth state: registered clients, single-use authorization sessions, refresh tokens.

Client secrets and refresh tokens pass through the cipher here and nowhere else, so they
are never stored in plaintext and never leave as plain `str` (they come back as SecretStr).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import SecretStr
from sqlalchemy import delete, select

from nextcloud_mcp_server.store._base import Repository, page, rowcount
from nextcloud_mcp_server.store.errors import SessionExpired
from nextcloud_mcp_server.store.models import OAuthClient, OAuthSession, RefreshToken, table_of, utcnow


@dataclass(frozen=True)
class ClientRecord:
    client_id: str
    client_secret: SecretStr | None
    client_name: str | None
    redirect_uris: list[str]
    kind: str
    registration: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SessionRecord:
    state: str
    flow: str
    code_verifier: str = field(repr=False)
    redirect_uri: str
    scopes: list[str]
    user_id: str | None
    client_id: str | None
    extra: dict[str, Any]
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class TokenRecord:
    user_id: str
    audience: str
    token: SecretStr
    scopes: list[str]
    expires_at: datetime | None
    created_at: datetime
    updated_at: datetime
    rotated_at: datetime | None
    provisioning_client_id: str | None


class ClientRepository(Repository):
    """MCP clients registered with this server (DCR or configured statically)."""

    async def save(
        self,
        client_id: str,
        *,
        redirect_uris: list[str],
        client_secret: str | None = None,
        client_name: str | None = None,
        kind: str = "dcr",
        registration: dict[str, Any] | None = None,
    ) -> ClientRecord:
        """Register a client, or replace its registration (same client_id)."""
        now = utcnow()
        values = {
            "client_id": client_id,
            "client_secret_encrypted": self._cipher.encrypt(client_secret) if client_secret is not None else None,
            "client_name": client_name,
            "redirect_uris": list(redirect_uris),
            "kind": kind,
            "registration": dict(registration or {}),
            "created_at": now,
            "updated_at": now,
        }
        stmt = self._insert(table_of(OAuthClient)).values(**values)
        changed = {k: stmt.excluded[k] for k in values if k not in ("client_id", "created_at")}
        stmt = stmt.on_conflict_do_update(index_elements=["client_id"], set_=changed).returning(OAuthClient.created_at)
        async with self._sessions.begin() as session:
            created_at = (await session.execute(stmt)).scalar_one()
        return ClientRecord(
            client_id=client_id,
            client_secret=SecretStr(client_secret) if client_secret is not None else None,
            client_name=client_name,
            redirect_uris=list(redirect_uris),
            kind=kind,
            registration=dict(registration or {}),
            created_at=created_at,
            updated_at=now,
        )

    def _record(self, row: OAuthClient) -> ClientRecord:
        secret = row.client_secret_encrypted
        return ClientRecord(
            client_id=row.client_id,
            client_secret=SecretStr(self._cipher.decrypt(secret)) if secret is not None else None,
            client_name=row.client_name,
            redirect_uris=list(row.redirect_uris),
            kind=row.kind,
            registration=dict(row.registration),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    async def get(self, client_id: str) -> ClientRecord | None:
        async with self._sessions() as session:
            row = await session.get(OAuthClient, client_id)
            return self._record(row) if row is not None else None

    async def list(self, *, limit: int = 50, offset: int = 0) -> list[ClientRecord]:
        limit, offset = page(limit, offset)
        stmt = select(OAuthClient).order_by(OAuthClient.created_at, OAuthClient.client_id).limit(limit).offset(offset)
        async with self._sessions() as session:
            return [self._record(row) for row in (await session.scalars(stmt)).all()]

    async def verify_secret(self, client_id: str, secret: str) -> bool:
        """Constant-time check of a client's secret; False for unknown clients and public clients."""
        client = await self.get(client_id)
        if client is None or client.client_secret is None:
            return False
        return hmac.compare_digest(client.client_secret.get_secret_value().encode(), secret.encode())

    async def delete(self, client_id: str) -> bool:
        async with self._sessions.begin() as session:
            result = await session.execute(delete(OAuthClient).where(OAuthClient.client_id == client_id))
            return bool(rowcount(result))


class SessionRepository(Repository):
    """Authorization state between the redirect to the IdP and the callback. Single use."""

    async def create(
        self,
        state: str,
        *,
        flow: str,
        code_verifier: str,
        redirect_uri: str,
        ttl: timedelta = timedelta(minutes=10),
        scopes: list[str] | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> SessionRecord:
        now = utcnow()
        row = OAuthSession(
            state=state,
            flow=flow,
            code_verifier=code_verifier,
            redirect_uri=redirect_uri,
            scopes=list(scopes or []),
            user_id=user_id,
            client_id=client_id,
            extra=dict(extra or {}),
            created_at=now,
            expires_at=now + ttl,
        )
        async with self._sessions.begin() as session:
            session.add(row)
        return _session_record(row)

    async def consume(self, state: str, *, now: datetime | None = None) -> SessionRecord | None:
        """Delete the session and return it, atomically: of two callers with the same state, one wins.

        None when there is no such state (never created, or used already); SessionExpired when it
        existed but expired (it is deleted all the same).
        """
        table = table_of(OAuthSession)
        stmt = delete(table).where(table.c.state == state).returning(*table.c)
        async with self._engine.begin() as conn:
            row = (await conn.execute(stmt)).one_or_none()
        if row is None:
            return None
        record = SessionRecord(**row._asdict())
        if record.expires_at <= (now or utcnow()):
            raise SessionExpired()
        return record

    async def purge_expired(self, *, now: datetime | None = None) -> int:
        async with self._sessions.begin() as session:
            result = await session.execute(delete(OAuthSession).where(OAuthSession.expires_at <= (now or utcnow())))
            return rowcount(result)


def _session_record(row: OAuthSession) -> SessionRecord:
    return SessionRecord(
        state=row.state,
        flow=row.flow,
        code_verifier=row.code_verifier,
        redirect_uri=row.redirect_uri,
        scopes=list(row.scopes),
        user_id=row.user_id,
        client_id=row.client_id,
        extra=dict(row.extra),
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


class TokenRepository(Repository):
    """The server's refresh tokens for Nextcloud, one per user and audience, encrypted."""

    async def save(
        self,
        user_id: str,
        audience: str,
        token: str,
        *,
        scopes: list[str] | None = None,
        expires_at: datetime | None = None,
        provisioning_client_id: str | None = None,
    ) -> None:
        """Store the token, or replace it (a refresh rotated it): then `rotated_at` is set."""
        now = utcnow()
        stmt = self._insert(table_of(RefreshToken)).values(
            user_id=user_id,
            audience=audience,
            token_encrypted=self._cipher.encrypt(token),
            scopes=list(scopes or []),
            expires_at=expires_at,
            created_at=now,
            updated_at=now,
            rotated_at=None,
            provisioning_client_id=provisioning_client_id,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["user_id", "audience"],
            set_={
                "token_encrypted": stmt.excluded.token_encrypted,
                "scopes": stmt.excluded.scopes,
                "expires_at": stmt.excluded.expires_at,
                "updated_at": stmt.excluded.updated_at,
                "rotated_at": stmt.excluded.updated_at,
                "provisioning_client_id": stmt.excluded.provisioning_client_id,
            },
        )
        async with self._sessions.begin() as session:
            await session.execute(stmt)

    def _record(self, row: Any) -> TokenRecord:
        return TokenRecord(
            user_id=row.user_id,
            audience=row.audience,
            token=SecretStr(self._cipher.decrypt(row.token_encrypted)),
            scopes=list(row.scopes),
            expires_at=row.expires_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
            rotated_at=row.rotated_at,
            provisioning_client_id=row.provisioning_client_id,
        )

    async def get(self, user_id: str, audience: str) -> TokenRecord | None:
        table = table_of(RefreshToken)
        stmt = select(table).where(table.c.user_id == user_id, table.c.audience == audience)
        async with self._engine.connect() as conn:
            row = (await conn.execute(stmt)).one_or_none()
        return self._record(row) if row is not None else None

    async def audiences(self, user_id: str) -> list[str]:
        """The audiences a user has provisioned (no decryption, so no key needed)."""
        stmt = select(RefreshToken.audience).where(RefreshToken.user_id == user_id).order_by(RefreshToken.audience)
        async with self._sessions() as session:
            return list((await session.scalars(stmt)).all())

    async def delete(self, user_id: str, audience: str | None = None) -> int:
        """Forget one token, or every token of the user (audience None)."""
        stmt = delete(RefreshToken).where(RefreshToken.user_id == user_id)
        if audience is not None:
            stmt = stmt.where(RefreshToken.audience == audience)
        async with self._sessions.begin() as session:
            return rowcount(await session.execute(stmt))
