"""The hourly quota of new dashboards per user: which new tables enter the pipeline, which wait as `deferred`,
and releasing them (oldest first when the quota allows, or all of a database when the owner asks).

A row counts against its owner's quota from the moment it enters the pipeline (`admitted_at`), whoever let it
in. Every change here is one UPDATE that re-checks `state = 'deferred'` on the locked row, so a scan pass and
a button press at the same moment admit each row once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.pipeline.machine import DashboardState


@dataclass(frozen=True)
class Released:
    dashboards: int
    users: int


def any_deferred(session: Session) -> bool:
    """Cheap (the state index) so an idle scan pass with nothing deferred costs one short query."""
    return bool(
        session.execute(
            text("SELECT EXISTS (SELECT 1 FROM dashboards WHERE state = :deferred)"),
            {"deferred": DashboardState.DEFERRED.value},
        ).scalar()
    )


def release_within_quota(session: Session, *, per_hour: int) -> Released:
    """Admit each user's oldest deferred rows while fewer than `per_hour` rows entered the pipeline in the last
    hour. Tables dropped while they waited stay deferred: there is nothing left to show."""
    rows = session.execute(
        text(
            """
            WITH waiting AS (
                SELECT id, user_id, row_number() OVER (PARTITION BY user_id ORDER BY id) AS place
                FROM dashboards WHERE state = :deferred AND table_dropped_at IS NULL
            ), used AS (
                SELECT d.user_id, count(*) AS n FROM dashboards d
                WHERE d.user_id IN (SELECT user_id FROM waiting) AND d.admitted_at > now() - interval '1 hour'
                GROUP BY d.user_id
            )
            UPDATE dashboards d SET state = :detected, admitted_at = now(), next_attempt_at = now()
            FROM waiting w LEFT JOIN used u ON u.user_id = w.user_id
            WHERE d.id = w.id AND d.state = :deferred AND w.place <= :per_hour - coalesce(u.n, 0)
            RETURNING d.user_id
            """
        ),
        {
            "deferred": DashboardState.DEFERRED.value,
            "detected": DashboardState.DETECTED.value,
            "per_hour": per_hour,
        },
    ).all()
    return Released(dashboards=len(rows), users=len({r[0] for r in rows}))


def admit_database(session: Session, *, user_id: int, database: str) -> int:
    """The owner asked (the button on the summary message): every deferred table of that database, now."""
    result = session.execute(
        text(
            """
            UPDATE dashboards SET state = :detected, admitted_at = now(), next_attempt_at = now()
            WHERE user_id = :user AND database_name = :db AND state = :deferred AND table_dropped_at IS NULL
            """
        ),
        {
            "detected": DashboardState.DETECTED.value,
            "deferred": DashboardState.DEFERRED.value,
            "user": user_id,
            "db": database,
        },
    )
    return int(getattr(result, "rowcount", 0) or 0)


def note_deferred(session: Session) -> None:
    """A summary row for every user database with deferred tables; the pipeline posts or edits its message."""
    session.execute(
        text(
            """
            INSERT INTO deferral_notices (user_id, database_name)
            SELECT DISTINCT user_id, database_name FROM dashboards WHERE state = :deferred
            ON CONFLICT ON CONSTRAINT deferral_notices_user_database_unique DO NOTHING
            """
        ),
        {"deferred": DashboardState.DEFERRED.value},
    )


def deferred_count(session: Session, *, user_id: int, database: str) -> int:
    return int(
        session.execute(
            text(
                "SELECT count(*) FROM dashboards WHERE user_id = :user AND database_name = :db "
                "AND state = :deferred AND table_dropped_at IS NULL"
            ),
            {"user": user_id, "db": database, "deferred": DashboardState.DEFERRED.value},
        ).scalar_one()
    )
