"""Muted series: which of a user's series get no more notifications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.db.models import SeriesMute


@dataclass(frozen=True)
class MutedSeries:
    kind: str
    series: str
    muted_at: datetime


def is_muted(session: Session, *, user_id: int, kind: str, series: str | None) -> bool:
    if series is None:
        return False
    found = session.scalar(
        select(SeriesMute.id).where(SeriesMute.user_id == user_id, SeriesMute.kind == kind, SeriesMute.series == series)
    )
    return found is not None


def mute(session: Session, *, user_id: int, kind: str, series: str) -> None:
    # Two clicks (or two processes) muting the same series leave one row.
    session.execute(
        insert(SeriesMute)
        .values(user_id=user_id, kind=kind, series=series)
        .on_conflict_do_nothing(constraint="series_mutes_user_kind_series_unique")
    )


def unmute(session: Session, *, user_id: int, series: str, kind: str | None = None) -> list[str]:
    """Resume the series (of one kind, or of every kind with that name); returns the kinds unmuted."""
    statement = delete(SeriesMute).where(SeriesMute.user_id == user_id, SeriesMute.series == series)
    if kind is not None:
        statement = statement.where(SeriesMute.kind == kind)
    return sorted(session.scalars(statement.returning(SeriesMute.kind)).all())


def muted(session: Session, *, user_id: int) -> list[MutedSeries]:
    rows = session.scalars(
        select(SeriesMute).where(SeriesMute.user_id == user_id).order_by(SeriesMute.series, SeriesMute.kind)
    )
    return [MutedSeries(r.kind, r.series, r.muted_at) for r in rows]
