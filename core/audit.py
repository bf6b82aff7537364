"""Audit log: who changed what, when. Callers pass names and outcomes, never secret values."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.db.models import AuditEntry


def record(session: Session, *, actor: str, action: str, target_username: str | None, **details: Any) -> None:
    session.add(AuditEntry(actor=actor, action=action, target_username=target_username, details=details))
