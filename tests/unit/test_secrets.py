"""Secrets: masked everywhere they could leak by accident; API keys and encryption as SPEC says."""

from __future__ import annotations

import logging

import pytest
from cryptography.fernet import Fernet

from bot.logs import RedactingFormatter, redact
from core import apikeys
from core.crypto import CredentialCipher
from core.errors import CredentialsKeyError
from core.secret import Secret, mask


def test_secret_never_prints_itself() -> None:
    s = Secret("hunter2-value")
    assert "hunter2" not in repr(s) and "hunter2" not in str(s) and "hunter2" not in f"{s}"
    assert s.reveal() == "hunter2-value"


def test_mask_shows_last_four_only_for_long_values() -> None:
    assert mask("abcdefghijkl") == "••••ijkl"
    assert mask("short") == "••••"
    assert mask("elevenchars") == "••••"


def test_api_key_format_and_storage() -> None:
    key = apikeys.issue()
    plain = key.plain.reveal()
    assert plain.startswith("eda_") and len(plain) >= 4 + 43  # 32 bytes url-safe base64 = 43 chars
    assert key.digest == apikeys.digest(plain) and len(key.digest) == 64
    assert plain.startswith(key.display_prefix) and len(key.display_prefix) < len(plain)
    assert apikeys.matches(plain, key.digest) and not apikeys.matches(plain + "x", key.digest)


def test_rotation_keeps_old_values_readable_until_rotated() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = CredentialCipher([Secret(old)]).encrypt("v")
    both = CredentialCipher([Secret(new), Secret(old)])
    assert both.decrypt(token).reveal() == "v"
    rotated = both.rotate(token)
    assert CredentialCipher([Secret(new)]).decrypt(rotated).reveal() == "v"


def test_wrong_key_is_refused() -> None:
    token = CredentialCipher([Secret(Fernet.generate_key().decode())]).encrypt("v")
    with pytest.raises(CredentialsKeyError, match="cannot be decrypted"):
        CredentialCipher([Secret(Fernet.generate_key().decode())]).decrypt(token)


def test_log_redaction_of_tokens_and_url_passwords() -> None:
    text = (
        "token xoxb-123-456-abcdef app xapp-1-A1-2-ff key eda_"
        + "a" * 43
        + " url postgresql://bob:s3cret@db:5432/x fernet gAAAAABl"
        + "q" * 40
    )
    out = redact(text)
    for leaked in ("xoxb-123", "xapp-1", "a" * 43, "s3cret", "q" * 40):
        assert leaked not in out
    assert "postgresql://bob:••••@db:5432/x" in out


def test_formatter_redacts_exception_text() -> None:
    try:
        raise RuntimeError("failed with xoxb-999-888-secret")
    except RuntimeError:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "boom", None, exc_info=True)
        import sys

        record.exc_info = sys.exc_info()
    assert "xoxb-999" not in RedactingFormatter().format(record)
