"""Encryption at rest on SQLite and PostgreSQL: no plaintext in the database, key rotation,
and one clear error for a wrong or malformed TOKEN_ENCRYPTION_KEY."""

from __future__ import annotations

import uuid
from pathlib import Path

import anyio
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from nextcloud_mcp_server.commands.db import parse, run
from nextcloud_mcp_server.store import EncryptionKeyInvalid, Store
from nextcloud_mcp_server.store.engine import make_sync_engine
from nextcloud_mcp_server.store.models import INITIAL_TABLES
from nextcloud_mcp_server.store.urls import sqlite_path

pytestmark = pytest.mark.anyio


def new_key() -> str:
    return Fernet.generate_key().decode()


def raw_rows(url: str, table: str, column: str) -> list[str]:
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            return [str(v) for v in conn.execute(text(f"SELECT {column} FROM {table}")).scalars()]  # noqa: S608
    finally:
        engine.dispose()


def everything_stored(url: str) -> bytes:
    """Every byte the database holds: the SQLite files, or every row of every PostgreSQL table as text."""
    path = sqlite_path(url)
    if path is not None:
        return b"".join(p.read_bytes() for p in Path(path.parent).glob(f"{path.name}*") if p.is_file())
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            dumps = [
                str(row)
                for table in sorted(INITIAL_TABLES)
                for row in conn.execute(text(f"SELECT row_to_json(t)::text FROM {table} t")).scalars()  # noqa: S608
            ]
        return "\n".join(dumps).encode()
    finally:
        engine.dispose()


async def test_tokens_and_client_secrets_never_reach_the_database_in_plaintext(empty_db_url: str) -> None:
    token = f"refresh-{uuid.uuid4().hex}"
    secret = f"client-secret-{uuid.uuid4().hex}"
    async with Store(database_url=empty_db_url, token_encryption_key=new_key()) as store:
        await store.tokens.save("alice", "https://cloud.example", token)
        await store.clients.save("c1", redirect_uris=["https://x/cb"], client_secret=secret)
        await store.inbox.add("marker-event", "E", {"visible": "plain-marker"})
        got = await store.tokens.get("alice", "https://cloud.example")
        assert got is not None
        assert got.token.get_secret_value() == token
    stored = everything_stored(empty_db_url)
    assert b"plain-marker" in stored  # the check does see what is stored
    assert token.encode() not in stored
    assert secret.encode() not in stored
    assert raw_rows(empty_db_url, "refresh_tokens", "token_encrypted")[0].startswith("gAAAAA")


async def test_rotation_keeps_old_rows_readable_and_re_encrypts_them_with_the_new_key(empty_db_url: str) -> None:
    old, new = new_key(), new_key()
    async with Store(database_url=empty_db_url, token_encryption_key=old) as store:
        await store.tokens.save("alice", "aud", "token-under-old-key")
        await store.clients.save("c1", redirect_uris=["https://x/cb"], client_secret="secret-under-old-key")
    before = raw_rows(empty_db_url, "refresh_tokens", "token_encrypted")
    async with Store(database_url=empty_db_url, token_encryption_key=f"{new},{old}") as store:
        got = await store.tokens.get("alice", "aud")
        assert got is not None
        assert got.token.get_secret_value() == "token-under-old-key"
        result = await store.rotate_key()
        assert (result.tokens, result.client_secrets) == (1, 1)
    assert raw_rows(empty_db_url, "refresh_tokens", "token_encrypted") != before
    async with Store(database_url=empty_db_url, token_encryption_key=new) as store:
        got = await store.tokens.get("alice", "aud")
        client = await store.clients.get("c1")
        assert got is not None
        assert client is not None
        assert client.client_secret is not None
        assert got.token.get_secret_value() == "token-under-old-key"
        assert client.client_secret.get_secret_value() == "secret-under-old-key"
        await store.check_encryption_key()


async def test_a_wrong_key_gives_one_clear_error_naming_the_variable(empty_db_url: str) -> None:
    right, wrong = new_key(), new_key()
    async with Store(database_url=empty_db_url, token_encryption_key=right) as store:
        await store.tokens.save("alice", "aud", "the-token")
    async with Store(database_url=empty_db_url, token_encryption_key=wrong) as store:
        with pytest.raises(EncryptionKeyInvalid) as caught:
            await store.tokens.get("alice", "aud")
        with pytest.raises(EncryptionKeyInvalid):
            await store.check_encryption_key()
        assert await store.tokens.audiences("alice") == ["aud"]  # what needs no decryption still works
    message = str(caught.value)
    assert "TOKEN_ENCRYPTION_KEY" in message
    assert "rotate-key" in message
    assert right not in message
    assert wrong not in message
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_the_rotate_key_command_re_encrypts_with_the_key_from_the_environment(
    empty_db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = new_key(), new_key()

    async def store_a_token() -> None:
        async with Store(database_url=empty_db_url, token_encryption_key=old) as store:
            await store.tokens.save("bob", "aud", "bobs-token")

    async def read_it_with_the_new_key_alone() -> str:
        async with Store(database_url=empty_db_url, token_encryption_key=new) as store:
            got = await store.tokens.get("bob", "aud")
            assert got is not None
            return got.token.get_secret_value()

    anyio.run(store_a_token)
    monkeypatch.setenv("TOKEN_ENCRYPTION_KEY", f"{new},{old}")
    assert run(parse(["db", "rotate-key", "--database-url", empty_db_url])) == 0
    assert "Re-encrypted 1 refresh token(s)" in capsys.readouterr().out
    assert anyio.run(read_it_with_the_new_key_alone) == "bobs-token"


def test_the_rotate_key_command_without_a_key_says_what_to_set(
    empty_db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(parse(["db", "rotate-key", "--database-url", empty_db_url])) == 1
    err = capsys.readouterr().err
    assert "TOKEN_ENCRYPTION_KEY is not set" in err
    assert "Traceback" not in err
