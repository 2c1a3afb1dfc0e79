"""Encryption at rest: the key is needed only when a secret is stored or read, and every key
problem is one error that names TOKEN_ENCRYPTION_KEY and never shows a key."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from nextcloud_mcp_server.commands.db import parse, run
from nextcloud_mcp_server.store import EncryptionKeyInvalid, EncryptionKeyMissing
from nextcloud_mcp_server.store.audit import REDACTED, redact
from nextcloud_mcp_server.store.crypto import TokenCipher


def key() -> str:
    return Fernet.generate_key().decode()


def test_a_secret_round_trips_and_is_not_stored_as_given() -> None:
    cipher = TokenCipher(SecretStr(key()))
    sealed = cipher.encrypt("refresh-token-ü")
    assert "refresh-token" not in sealed
    assert cipher.decrypt(sealed) == "refresh-token-ü"


def test_without_a_key_the_cipher_exists_and_only_using_it_asks_for_the_variable() -> None:
    cipher = TokenCipher(None)
    assert not cipher.configured
    with pytest.raises(EncryptionKeyMissing, match="TOKEN_ENCRYPTION_KEY is not set") as caught:
        cipher.encrypt("x")
    assert "Fernet.generate_key().decode()" in str(caught.value)
    assert not TokenCipher("  ").configured


def test_a_malformed_key_says_which_entry_is_wrong_without_showing_it() -> None:
    good = key()
    with pytest.raises(EncryptionKeyInvalid, match="TOKEN_ENCRYPTION_KEY: key 2 of 2 is not a Fernet key") as caught:
        TokenCipher(f"{good}, not-a-key-at-all").check()
    assert "not-a-key-at-all" not in str(caught.value)
    assert good not in str(caught.value)


def test_a_wrong_key_says_how_to_recover_without_showing_any_key() -> None:
    first, second = key(), key()
    sealed = TokenCipher(first).encrypt("secret")
    with pytest.raises(EncryptionKeyInvalid, match="NEW_KEY,OLD_KEY") as caught:
        TokenCipher(second).decrypt(sealed)
    assert first not in str(caught.value)
    assert second not in str(caught.value)


def test_rotation_re_encrypts_under_the_first_key_so_the_old_one_can_go() -> None:
    old, new = key(), key()
    sealed = TokenCipher(old).encrypt("secret")
    rotated = TokenCipher(f"{new},{old}").rotate(sealed)
    assert TokenCipher(new).decrypt(rotated) == "secret"
    with pytest.raises(EncryptionKeyInvalid):
        TokenCipher(old).decrypt(rotated)


def test_the_cipher_never_shows_its_key() -> None:
    secret = key()
    assert secret not in repr(TokenCipher(secret))


def test_audit_details_lose_every_secret_named_value() -> None:
    detail = {"user": "alice", "Authorization": "Bearer x", "nested": {"client_secret": "s", "ok": [{"password": "p"}]}}
    assert redact(detail) == {
        "user": "alice",
        "Authorization": REDACTED,
        "nested": {"client_secret": REDACTED, "ok": [{"password": REDACTED}]},
    }


def test_downgrade_refuses_before_touching_the_database_when_nobody_can_confirm(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    url = "postgresql+psycopg://u:pw@127.0.0.1:1/never-contacted"
    assert run(parse(["db", "downgrade", "base", "--database-url", url])) == 2
    err = capsys.readouterr().err
    assert "non-interactive" in err
    assert "--yes" in err
