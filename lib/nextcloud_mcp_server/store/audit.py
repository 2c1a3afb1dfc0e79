"""The audit log: who did what, when. Never a secret.

Why redaction here: callers pass details as dicts; a key that names a secret (token,
secret, password, key, verifier, authorization) has its value replaced before it is stored,
so a careless caller cannot write a credential into the log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from nextcloud_mcp_server.store._base import Repository, page
from nextcloud_mcp_server.store.models import AuditEntry, utcnow

REDACTED = "[redacted]"
_SECRET_KEY = re.compile(r"token|secret|password|passwd|key|verifier|authorization|cookie|credential", re.I)


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    actor: str
    action: str
    subject: str | None
    detail: dict[str, Any] | None


def redact(value: Any) -> Any:
    """A copy of `value` with every secret-named entry replaced by REDACTED."""
    if isinstance(value, dict):
        return {k: REDACTED if _SECRET_KEY.search(str(k)) else redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


class AuditRepository(Repository):
    async def record(
        self, actor: str, action: str, *, subject: str | None = None, detail: dict[str, Any] | None = None
    ) -> AuditRecord:
        row = AuditEntry(
            at=utcnow(), actor=actor, action=action, subject=subject, detail=redact(detail) if detail else None
        )
        async with self._sessions.begin() as session:
            session.add(row)
            await session.flush()
            return _record(row)

    async def recent(
        self, *, actor: str | None = None, action: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[AuditRecord]:
        """Newest first."""
        limit, offset = page(limit, offset)
        stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset)
        if actor is not None:
            stmt = stmt.where(AuditEntry.actor == actor)
        if action is not None:
            stmt = stmt.where(AuditEntry.action == action)
        async with self._sessions() as session:
            return [_record(row) for row in (await session.scalars(stmt)).all()]


def _record(row: AuditEntry) -> AuditRecord:
    return AuditRecord(id=row.id, at=row.at, actor=row.actor, action=row.action, subject=row.subject, detail=row.detail)
