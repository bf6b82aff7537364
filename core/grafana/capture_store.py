"""The capture token kept in the master database, encrypted, one row per Grafana (see capture_token)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import BigInteger, Column, DateTime, MetaData, String, Table, Text, func, select
from sqlalchemy.dialects.postgresql import insert

from core.crypto import CredentialCipher
from core.db.engine import Database
from core.errors import CredentialsKeyError
from core.grafana.capture_token import CaptureTokenSlot, StoredCaptureToken
from core.grafana.token import GrafanaToken

# Fixed id for pg_advisory_xact_lock: processes starting together create one token, not one each.
CAPTURE_TOKEN_LOCK = 7_202_612

capture_tokens = Table(
    "grafana_capture_tokens",
    MetaData(),
    Column("grafana", String(600), primary_key=True),
    Column("service_account_id", BigInteger, nullable=False),
    Column("token_id", BigInteger, nullable=False),
    Column("encrypted_token", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


def grafana_key(base_url: str, org_id: int | None) -> str:
    """A token belongs to one Grafana and one organisation."""
    return f"{base_url.rstrip('/')}#org={org_id if org_id is not None else ''}"


class DbCaptureTokenStore:
    def __init__(self, db: Database, cipher: CredentialCipher, *, grafana: str) -> None:
        self._db = db
        self._cipher = cipher
        self._grafana = grafana

    @contextmanager
    def locked(self) -> Iterator[CaptureTokenSlot]:
        with self._db.session() as session:
            # Held until this transaction ends, so also released when the process dies mid-way.
            session.execute(select(func.pg_advisory_xact_lock(CAPTURE_TOKEN_LOCK)))
            row = session.execute(select(capture_tokens).where(capture_tokens.c.grafana == self._grafana)).first()
            current = None
            if row is not None:
                try:
                    token: GrafanaToken | None = GrafanaToken(self._cipher.decrypt(row.encrypted_token).reveal())
                except CredentialsKeyError:
                    token = None  # encrypted under a key no longer configured: a new token replaces it
                current = StoredCaptureToken(int(row.service_account_id), int(row.token_id), token)
            slot = CaptureTokenSlot(current)
            yield slot
            new = slot.replacement
            if new is not None and new.token is not None:
                values = {
                    "service_account_id": new.service_account_id,
                    "token_id": new.token_id,
                    "encrypted_token": self._cipher.encrypt(new.token.reveal()),
                    "updated_at": func.now(),
                }
                statement = insert(capture_tokens).values(grafana=self._grafana, **values)
                session.execute(statement.on_conflict_do_update(index_elements=["grafana"], set_=values))
