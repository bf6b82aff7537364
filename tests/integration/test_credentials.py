"""Credentials in the master database: encrypted, validated, audited, rotatable; bad input writes nothing."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from core import credentials, users
from core.authz import Actor
from core.crypto import CredentialCipher
from core.db.models import AuditEntry, Credential
from core.errors import CredentialsKeyError, InvalidInput, NotFound
from core.registration import register
from core.secret import Secret

pytestmark = pytest.mark.db


@pytest.fixture
def registered(core_ctx, unique_username) -> str:
    name = unique_username()
    register(core_ctx, username=name, slack_user_id=None, actor=Actor.cli())
    return name


def _count(core_ctx) -> int:
    with core_ctx.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Credential)) or 0)


def test_store_encrypts_and_audits_without_the_value(core_ctx, registered) -> None:
    with core_ctx.db.session() as s:
        user = users.require(s, registered)
        assert credentials.store(s, core_ctx.cipher, user, "API_TOKEN", "tok-1234567890-abcd", actor="U1")
    with core_ctx.db.session() as s:
        row = s.scalars(select(Credential).where(Credential.key_name == "API_TOKEN")).one()
        assert "tok-1234567890" not in row.encrypted_value
        audit = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "credential.created", AuditEntry.actor == "U1")
        ).one()
        assert audit.details == {"key_name": "API_TOKEN"} and audit.actor == "U1"
        masked = {
            c.key_name: c.masked for c in credentials.list_masked(s, core_ctx.cipher, users.require(s, registered))
        }
    assert masked["API_TOKEN"] == "••••abcd"


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("HUGE", "v" * 10_241, "the limit is 10240"),
        ("BINARY", "\x00\x01\x02", "binary or control characters"),
        ("EMPTY", "", "empty"),
        ("bad name", "v", "not allowed"),
        ("", "v", "name is required"),
        ("DB_PASSWORD", "v", "managed by edabot"),
    ],
    ids=["huge-value", "binary-value", "empty-value", "bad-key", "empty-key", "managed-key"],
)
def test_bad_credentials_write_nothing(core_ctx, registered, key: str, value: str, expected: str) -> None:
    before = _count(core_ctx)
    with pytest.raises(InvalidInput, match=expected), core_ctx.db.session() as s:
        credentials.store(s, core_ctx.cipher, users.require(s, registered), key, value, actor="U1")
    assert _count(core_ctx) == before


def test_delete_and_reveal(core_ctx, registered) -> None:
    with core_ctx.db.session() as s:
        user = users.require(s, registered)
        credentials.store(s, core_ctx.cipher, user, "GONE", "value-1", actor="U1")
    with core_ctx.db.session() as s:
        user = users.require(s, registered)
        assert credentials.reveal(s, core_ctx.cipher, user, "GONE", actor="U1").reveal() == "value-1"
        credentials.delete(s, user, "GONE", actor="U1")
    with pytest.raises(NotFound), core_ctx.db.session() as s:
        credentials.reveal(s, core_ctx.cipher, users.require(s, registered), "GONE", actor="U1")


def test_rotate_all_then_only_the_new_key_is_needed(core_ctx, registered, credentials_key) -> None:
    new_key = Secret(Fernet.generate_key().decode())
    with core_ctx.db.session() as s:
        stored = len(list(s.scalars(select(Credential.encrypted_value))))
    assert stored >= 2  # the managed database passwords
    with core_ctx.db.session() as s:
        assert credentials.rotate_all(s, CredentialCipher([new_key, credentials_key]), actor="cli") == stored
    with core_ctx.db.session() as s:
        assert credentials.undecryptable_count(s, CredentialCipher([new_key])) == 0
        assert credentials.undecryptable_count(s, CredentialCipher([credentials_key])) == stored
    with pytest.raises(CredentialsKeyError), core_ctx.db.session() as s:
        credentials.list_masked(s, CredentialCipher([credentials_key]), users.require(s, registered))
