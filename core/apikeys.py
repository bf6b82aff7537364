"""API keys: `eda_` + 32 random bytes (URL-safe). Stored as SHA-256 plus a display prefix only."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from core.secret import Secret

PREFIX = "eda_"
DISPLAY_PREFIX_LEN = 12


@dataclass(frozen=True)
class IssuedKey:
    plain: Secret
    digest: str
    display_prefix: str


def digest(plain: str) -> str:
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def issue() -> IssuedKey:
    plain = PREFIX + secrets.token_urlsafe(32)
    return IssuedKey(Secret(plain), digest(plain), plain[:DISPLAY_PREFIX_LEN])


def matches(plain: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(plain), stored_digest)
