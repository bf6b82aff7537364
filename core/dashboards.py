"""Reading a user's dashboards for display (the pipeline owns their state changes)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import users
from core.db.models import Dashboard


@dataclass(frozen=True)
class DashboardLine:
    table: str
    kind: str
    state: str
    url: str | None
    last_error: str | None


def latest(session: Session, username: str, limit: int = 50) -> list[DashboardLine]:
    user = users.require(session, username)
    rows = session.scalars(
        select(Dashboard).where(Dashboard.user_id == user.id).order_by(Dashboard.created_at.desc()).limit(limit)
    )
    return [DashboardLine(r.table_name, r.kind, r.state, r.grafana_url, r.last_error) for r in rows]
