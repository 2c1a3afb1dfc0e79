"""The token and webhook store: SQLAlchemy 2 (async) over SQLite or PostgreSQL, Alembic
migrations, secrets encrypted at rest with TOKEN_ENCRYPTION_KEY.

    async with Store(settings) as store:              # migrates to head, fails fast naming the DB
        await store.tokens.save(user, audience, refresh_token, scopes=[...])
        await store.inbox.add(dedupe_key, event_class, payload)

Repositories: `clients` (registered OAuth clients), `sessions` (single-use OAuth state),
`tokens` (refresh tokens per user and audience), `webhooks` (registrations), `inbox` (received
events), `audit`. `purge()` / `purge_periodically()` clean up; `rotate_key()` re-encrypts.

Importing this package is cheap: the SQLAlchemy engine, Alembic and cryptography load only when
a name below is first used (`db history` and `--version` must not pay for them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nextcloud_mcp_server.store.errors import (
    DatabaseUnavailable,
    EncryptionKeyError,
    EncryptionKeyInvalid,
    EncryptionKeyMissing,
    SessionExpired,
    StoreConfigError,
    StoreError,
)

if TYPE_CHECKING:
    from nextcloud_mcp_server.store.core import PurgeResult, RotationResult, Store

__all__ = [
    "DatabaseUnavailable",
    "EncryptionKeyError",
    "EncryptionKeyInvalid",
    "EncryptionKeyMissing",
    "PurgeResult",
    "RotationResult",
    "SessionExpired",
    "Store",
    "StoreConfigError",
    "StoreError",
]

_LAZY = {
    "Store": "core",
    "PurgeResult": "core",
    "RotationResult": "core",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f"nextcloud_mcp_server.store.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
