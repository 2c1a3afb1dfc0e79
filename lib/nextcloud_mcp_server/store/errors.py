"""The store's error tree: each failure an operator can fix says what to set or check.

    StoreError
    ├─ StoreConfigError        DATABASE_URL is not a database the store supports
    ├─ DatabaseUnavailable     the database cannot be opened or migrated (names it, password masked)
    ├─ EncryptionKeyError      TOKEN_ENCRYPTION_KEY cannot protect or reveal a stored secret
    │  ├─ EncryptionKeyMissing   not set, but a token or client secret is being stored or read
    │  └─ EncryptionKeyInvalid   not a Fernet key, or none of its keys decrypts the stored secret
    └─ SessionExpired          an OAuth session (state) was found but had expired; it is gone now

No message ever contains a key, a token, a client secret or a database password.
"""

from __future__ import annotations

KEY_VARIABLE = "TOKEN_ENCRYPTION_KEY"
GENERATE_KEY_COMMAND = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


class StoreError(Exception):
    """Anything the store cannot do, with a message meant for the operator."""


class StoreConfigError(StoreError):
    """The store's configuration (DATABASE_URL) cannot work."""


class DatabaseUnavailable(StoreError):
    """The database cannot be opened or migrated; `database` is its URL with the password masked."""

    def __init__(self, database: str, reason: str) -> None:
        self.database = database
        self.reason = reason
        super().__init__(f"Cannot open or migrate the database {database}: {reason}")


class EncryptionKeyError(StoreError):
    """TOKEN_ENCRYPTION_KEY cannot protect or reveal a stored secret."""


class EncryptionKeyMissing(EncryptionKeyError):
    def __init__(self) -> None:
        super().__init__(
            f"{KEY_VARIABLE} is not set, but storing or reading OAuth tokens and client secrets needs it. "
            f"Set {KEY_VARIABLE} to a Fernet key; generate one with: {GENERATE_KEY_COMMAND}"
        )


class EncryptionKeyInvalid(EncryptionKeyError):
    """The key is malformed, or does not decrypt what is stored (changed without keeping the old key)."""


class SessionExpired(StoreError):
    """The OAuth session existed but expired before it was used; it has been removed."""

    def __init__(self) -> None:
        super().__init__("The sign-in session has expired; start the authorization again.")
