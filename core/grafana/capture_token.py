"""The token the capture browser signs Grafana's requests with: Viewer role only, never the admin token.

GRAFANA_CAPTURE_TOKEN when the operator gives one. Otherwise edabot finds or creates its own Viewer
service account (`edabot-capture`) with the admin client and keeps one token of it.

Where that token lives: encrypted (the credentials' Fernet keys) in the master database, one row per
Grafana, created under a PostgreSQL advisory lock. Every process sharing the master database then
uses the same token across restarts, and Grafana does not collect a new token per process start
(per-process tokens could not be cleaned up safely either: one process cannot tell whether another
one's token is still in use). The row is only a cache of something edabot can recreate: a token that
no longer decrypts (CREDENTIALS_KEY changed) or that Grafana no longer accepts is replaced by a new
one and the old one deleted in Grafana.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from core.grafana.client import GrafanaClient, JsonObject
from core.grafana.errors import GrafanaAuthError, GrafanaConflict, GrafanaNotFound, GrafanaRejected
from core.grafana.token import GrafanaToken
from core.secret import Secret

log = logging.getLogger(__name__)

CAPTURE_ACCOUNT = "edabot-capture"
VIEWER = "Viewer"


@dataclass(frozen=True)
class StoredCaptureToken:
    service_account_id: int
    token_id: int
    # None when the stored value no longer decrypts (the credentials key changed): replace it.
    token: GrafanaToken | None


class CaptureTokenSlot:
    """What a store holds while locked: the current token, and the replacement to save, if any."""

    def __init__(self, current: StoredCaptureToken | None) -> None:
        self.current = current
        self.replacement: StoredCaptureToken | None = None


class CaptureTokenStore(Protocol):
    def locked(self) -> Any:
        """A context manager yielding a CaptureTokenSlot; holds out every other process until it exits,
        and saves `slot.replacement` when set and the block succeeded."""
        ...


class MemoryCaptureTokenStore:
    """One process only (tests, and a bot without a master database)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.stored: StoredCaptureToken | None = None

    @contextmanager
    def locked(self) -> Iterator[CaptureTokenSlot]:
        with self._lock:
            slot = CaptureTokenSlot(self.stored)
            yield slot
            if slot.replacement is not None:
                self.stored = slot.replacement


def _find_account(admin: GrafanaClient, name: str) -> JsonObject | None:
    # The search matches substrings ("edabot-capture-old" too): only the exact name is ours.
    return next((a for a in admin.search_service_accounts(name) if a.get("name") == name), None)


def ensure_capture_account(admin: GrafanaClient, name: str = CAPTURE_ACCOUNT) -> int:
    """The id of edabot's Viewer service account, created if missing and put back to Viewer if someone
    raised its role. Safe when several processes (or several edabots on one Grafana) race."""
    account = _find_account(admin, name)
    if account is None:
        try:
            account = admin.create_service_account(name, role=VIEWER)
            log.info("created Grafana service account %s (role Viewer) for dashboard captures", name)
        except (GrafanaConflict, GrafanaRejected):
            # Grafana answers a duplicate name with 400 or 409 depending on the version: another
            # process created it meanwhile, or the name is taken for good (then re-raise).
            account = _find_account(admin, name)
            if account is None:
                raise
    ident = account.get("id")
    if not isinstance(ident, int):
        raise GrafanaRejected(
            f"Grafana listed service account {name!r} without an id; this Grafana version is not supported",
            path="/api/serviceaccounts/search",
        )
    if account.get("role") != VIEWER:
        # The capture token must not be able to change anything, whoever edited the account.
        admin.update_service_account(ident, role=VIEWER)
        log.warning("Grafana service account %s had role %s; set it back to Viewer", name, account.get("role"))
    if account.get("isDisabled"):
        raise GrafanaAuthError(
            f"Grafana service account {name!r} is disabled, so dashboards cannot be captured; enable it in "
            "Grafana (Administration > Service accounts), delete it so edabot creates it again, or set "
            "GRAFANA_CAPTURE_TOKEN to another Viewer token",
            path=f"/api/serviceaccounts/{ident}",
        )
    return ident


class CaptureTokens:
    """Hands out the capture token (thread-safe, cached) and edabot's capture account id.

    `token()` returns None only when neither GRAFANA_CAPTURE_TOKEN nor GRAFANA_API_KEY is set (an
    anonymous Grafana): the browser then sends no token at all, and certainly not an admin one.
    """

    def __init__(
        self,
        *,
        configured: Secret | None,
        admin: GrafanaClient | None,
        store: CaptureTokenStore | None = None,
        account_name: str = CAPTURE_ACCOUNT,
    ) -> None:
        self._configured = (
            GrafanaToken(configured.reveal(), setting="GRAFANA_CAPTURE_TOKEN") if configured is not None else None
        )
        self._admin = admin
        self._store = store or MemoryCaptureTokenStore()
        self._account_name = account_name
        self._lock = threading.Lock()
        self._token: GrafanaToken | None = None
        self._account_id: int | None = None

    @property
    def configured(self) -> bool:
        return self._configured is not None

    def account_id(self) -> int | None:
        """edabot's capture service account (created if needed); None when the operator gave the token."""
        if self._configured is not None or self._admin is None:
            return None
        with self._lock:
            if self._account_id is None:
                self._account_id = ensure_capture_account(self._admin, self._account_name)
            return self._account_id

    def token(self) -> GrafanaToken | None:
        if self._configured is not None:
            return self._configured
        if self._admin is None:
            return None
        with self._lock:
            if self._token is None:
                self._token = self._resolve(self._admin)
            return self._token

    def invalidate(self, token: Secret | None) -> None:
        """The browser was refused with `token`: the next `token()` checks it with Grafana again."""
        with self._lock:
            if token is not None and self._token is not None and self._token.reveal() == token.reveal():
                self._token = None
                self._account_id = None

    def _resolve(self, admin: GrafanaClient) -> GrafanaToken:
        with self._store.locked() as slot:
            account = ensure_capture_account(admin, self._account_name)
            self._account_id = account
            current = slot.current
            if (
                current is not None
                and current.token is not None
                and current.service_account_id == account
                and self._accepted(admin, current.token)
            ):
                return current.token
            name = f"{self._account_name}-{datetime.now(UTC):%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
            # Never expires: a capture at 3 a.m. must not fail on an expiry nobody is around to renew;
            # edabot replaces the token itself whenever Grafana stops accepting it.
            created = admin.create_service_account_token(account, name, seconds_to_live=0)
            slot.replacement = StoredCaptureToken(account, created.id, created.key)
            log.info("created capture token %s of Grafana service account %s", name, self._account_name)
            if current is not None and current.service_account_id == account:
                self._delete_quietly(admin, account, current.token_id)
            return created.key

    @staticmethod
    def _accepted(admin: GrafanaClient, token: GrafanaToken) -> bool:
        try:
            admin.with_token(token).search(type_="dash-db", limit=1)
        except GrafanaAuthError as exc:
            log.warning("the stored capture token is no longer accepted by Grafana (HTTP %s); replacing it", exc.status)
            return False
        return True

    @staticmethod
    def _delete_quietly(admin: GrafanaClient, account: int, token_id: int) -> None:
        try:
            admin.delete_service_account_token(account, token_id)
        except GrafanaNotFound:
            pass  # deleted in Grafana already, which is why it was replaced
        except Exception as exc:  # the new token works; an old one left behind only clutters Grafana
            log.warning("could not delete the old capture token %s in Grafana: %s", token_id, exc)
