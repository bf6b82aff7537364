"""State changes of dashboards rows: claims with leases, advancing one step, backoff on failure.

    detected → dashboard_ready → preview_ready → posted   (the states: core/pipeline/machine.py)
    (any step) → failed (attempts, last_error, next_attempt_at; resumes at `retry_from`)
    muted: never processed again until unmuted

Claims use `FOR UPDATE SKIP LOCKED` plus a lease, so several processes share the work and a row whose
owner died (lease expired) is taken over by anyone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, text
from sqlalchemy.orm import Session

from core.db.models import Dashboard
from core.pipeline.machine import WORKING_STATES, DashboardState

BACKOFF_BASE_S = 15
BACKOFF_MAX_S = 3600


def backoff(attempts: int) -> timedelta:
    """15 s, 30 s, 60 s … capped at an hour: a row is retried for ever, visibly failed meanwhile."""
    return timedelta(seconds=min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class Claim:
    dashboard_id: int
    owner: str


# The claimable states as SQL literals (enum values, never user input): written into the claim rather than
# bound, so the planner can use the partial index `dashboards_user_due`, whose predicate lists the same states,
# in every plan, generic ones included.
_CLAIMABLE = "(" + ", ".join(f"'{state.value}'" for state in WORKING_STATES) + ")"

# Users take turns: for each user, their oldest due rows (a probe of dashboards_user_due); then each user's
# first row before anyone's second, the user served longest ago first. So one user's flood of tables delays
# another user's first table by at most one row per worker, and a claim costs one index probe per user
# however long the queue is (the whole queue was ranked on every claim before: 0.27 s at 30,000 rows).
_CLAIM_DUE = f"""
    WITH due AS (
        SELECT c.id, c.next_attempt_at, c.turn, u.last_claimed_at
        FROM users u
        CROSS JOIN LATERAL (
            SELECT d.id, d.next_attempt_at, row_number() OVER (ORDER BY d.next_attempt_at, d.id) AS turn
            FROM dashboards d
            WHERE d.user_id = u.id AND d.state IN {_CLAIMABLE} AND d.next_attempt_at <= now()
              AND (d.lease_expires_at IS NULL OR d.lease_expires_at < now())
            ORDER BY d.next_attempt_at, d.id
            LIMIT :limit
        ) c
    ), picked AS (
        SELECT d.id, d.user_id FROM dashboards d
        JOIN due ON due.id = d.id
        -- Re-checked on the row as locked: another process may have claimed it, or failed it into a backoff,
        -- since this statement's snapshot was taken.
        WHERE d.state IN {_CLAIMABLE} AND d.next_attempt_at <= now()
          AND (d.lease_expires_at IS NULL OR d.lease_expires_at < now())
        ORDER BY due.turn, due.last_claimed_at NULLS FIRST, due.next_attempt_at, d.id
        LIMIT :limit
        FOR UPDATE OF d SKIP LOCKED
    ), served AS (
        UPDATE users SET last_claimed_at = clock_timestamp() WHERE id IN (SELECT user_id FROM picked)
    )
    UPDATE dashboards SET lease_owner = :owner, lease_expires_at = now() + make_interval(secs => :lease)
    WHERE id IN (SELECT id FROM picked)
    RETURNING id
"""  # noqa: S608 (the only value formatted in is _CLAIMABLE, built from the enum above)


def claim_due(session: Session, *, owner: str, lease_s: int, limit: int) -> list[Claim]:
    rows = session.execute(text(_CLAIM_DUE), {"owner": owner, "lease": lease_s, "limit": limit})
    return [Claim(int(r[0]), owner) for r in rows]


def load_claimed(session: Session, claim: Claim) -> Dashboard | None:
    """The row, locked, if this process still holds its lease (another may have taken it over)."""
    row = session.get(Dashboard, claim.dashboard_id, with_for_update=True)
    if row is None or row.lease_owner != claim.owner or row.state not in WORKING_STATES:
        return None
    return row


def current_step(row: Dashboard) -> DashboardState:
    """The state whose step runs next: a failed row resumes where it failed."""
    if row.state == DashboardState.FAILED:
        return DashboardState(row.retry_from or DashboardState.DETECTED)
    return DashboardState(row.state)


def advance(row: Dashboard, new_state: DashboardState) -> None:
    row.state = new_state
    row.retry_from = None
    row.last_error = None
    row.attempts = 0


def fail(row: Dashboard, step: DashboardState, error: str) -> None:
    row.retry_from = step
    row.state = DashboardState.FAILED
    row.attempts += 1
    row.last_error = error[:2000]
    # The database's clock, like the claim query's: processes on other hosts may disagree about the time.
    row.next_attempt_at = func.now() + backoff(row.attempts)
    release(row)


def release(row: Dashboard) -> None:
    row.lease_owner = None
    row.lease_expires_at = None


def release_owned(session: Session, owner: str) -> int:
    """Graceful shutdown: give up every lease this process holds (the rows stay in their state), the summary
    messages of deferred tables included."""
    result = session.execute(
        text("UPDATE dashboards SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = :owner"),
        {"owner": owner},
    )
    session.execute(
        text("UPDATE deferral_notices SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = :owner"),
        {"owner": owner},
    )
    return int(getattr(result, "rowcount", 0) or 0)


def release_dead_local(session: Session, host: str, is_alive: Callable[[int], bool]) -> int:
    """Leases of processes on this host that no longer run (killed, crashed) are released at start-up,
    instead of waiting for them to expire. Owners look like `<host>:<pid>:<random>`."""
    owners = session.execute(
        text(
            "SELECT lease_owner FROM dashboards WHERE lease_owner LIKE :prefix "
            "UNION SELECT lease_owner FROM deferral_notices WHERE lease_owner LIKE :prefix"
        ),
        {"prefix": host.replace("%", "").replace("_", "\\_") + ":%"},
    ).scalars()
    dead = []
    for owner in owners:
        parts = str(owner).split(":")
        if len(parts) == 3 and parts[0] == host and parts[1].isdigit() and not is_alive(int(parts[1])):
            dead.append(owner)
    if not dead:
        return 0
    result = session.execute(
        text("UPDATE dashboards SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = ANY(:dead)"),
        {"dead": dead},
    )
    # A summary message a dead process was sending: reconciled through its metadata by whoever takes it.
    session.execute(
        text("UPDATE deferral_notices SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = ANY(:dead)"),
        {"dead": dead},
    )
    return int(getattr(result, "rowcount", 0) or 0)
