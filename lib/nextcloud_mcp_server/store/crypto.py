"""Encryption at rest for refresh tokens and client secrets (Fernet, several keys).

Why MultiFernet: TOKEN_ENCRYPTION_KEY holds one or more keys, newest first. New secrets are
encrypted with the first; any of them decrypts; `rotate` re-encrypts with the first, so an
operator can add a key in front, run `db rotate-key`, then drop the old one.
The key is parsed only when a secret is stored or read: without it the rest of the server
(webhooks, basic mode) works.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr

from nextcloud_mcp_server.store.errors import (
    GENERATE_KEY_COMMAND,
    KEY_VARIABLE,
    EncryptionKeyInvalid,
    EncryptionKeyMissing,
)

WRONG_KEY = (
    f"{KEY_VARIABLE} does not decrypt the stored tokens: the key was changed or mistyped. "
    f"Set {KEY_VARIABLE} to NEW_KEY,OLD_KEY (newest first, comma-separated) and run "
    "`nextcloud-mcp-server db rotate-key`; if the old key is lost, delete the stored tokens "
    "and let users sign in again."
)


class TokenCipher:
    """Encrypts and decrypts secrets with the keys of TOKEN_ENCRYPTION_KEY."""

    def __init__(self, key: SecretStr | str | None) -> None:
        raw = key.get_secret_value() if isinstance(key, SecretStr) else key
        self._raw = raw.strip() if raw and raw.strip() else None
        self._fernet: MultiFernet | None = None

    @property
    def configured(self) -> bool:
        return self._raw is not None

    def check(self) -> None:
        """Raise EncryptionKeyMissing/EncryptionKeyInvalid now rather than at first use."""
        self._multi()

    def _multi(self) -> MultiFernet:
        if self._fernet is None:
            if self._raw is None:
                raise EncryptionKeyMissing()
            parts = [part.strip() for part in self._raw.split(",") if part.strip()]
            keys = []
            for number, part in enumerate(parts, start=1):
                try:
                    keys.append(Fernet(part))
                except (ValueError, TypeError):
                    raise EncryptionKeyInvalid(
                        f"{KEY_VARIABLE}: key {number} of {len(parts)} is not a Fernet key "
                        f"(32 url-safe base64-encoded bytes). Generate one with: {GENERATE_KEY_COMMAND}"
                    ) from None
            self._fernet = MultiFernet(keys)
        return self._fernet

    def encrypt(self, plaintext: str) -> str:
        return self._multi().encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._multi().decrypt(token.encode("ascii")).decode()
        except InvalidToken:
            raise EncryptionKeyInvalid(WRONG_KEY) from None

    def rotate(self, token: str) -> str:
        """The same secret, encrypted with the newest key."""
        try:
            return self._multi().rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise EncryptionKeyInvalid(WRONG_KEY) from None

    def __repr__(self) -> str:  # never show the key
        return f"TokenCipher(configured={self.configured})"
