"""Encryption at rest for stored credentials: MultiFernet, newest key first, so keys can rotate."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from core.errors import CredentialsKeyError
from core.secret import Secret


class CredentialCipher:
    def __init__(self, keys: Sequence[Secret]) -> None:
        if not keys:
            raise CredentialsKeyError("no credentials key configured (CREDENTIALS_KEY)")
        self._fernet = MultiFernet([Fernet(k.reveal().encode()) for k in keys])

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> Secret:
        try:
            return Secret(self._fernet.decrypt(token.encode("ascii")).decode("utf-8"))
        except InvalidToken as exc:
            raise CredentialsKeyError(
                "a stored credential cannot be decrypted with CREDENTIALS_KEY: put the key it was encrypted "
                "with back in the list (comma-separated, newest first)"
            ) from exc

    def rotate(self, token: str) -> str:
        """Re-encrypt under the newest key (raises CredentialsKeyError if no key can read it)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise CredentialsKeyError("a stored credential cannot be decrypted with CREDENTIALS_KEY") from exc
