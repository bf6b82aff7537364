"""Cost of one fair claim (core.pipeline.states.claim_due) as the queue grows, against the claim it replaced.

    python bench/bench_claims.py [--users 1000] [--repeat 50]

Starts an embedded PostgreSQL (fsync off), migrates a master database, inserts `--users` users and, per
scenario, dashboards rows straight into the table, then times `--repeat` claims of one row (ROWS_PER_CLAIM),
each in a transaction rolled back afterwards so every claim sees the same queue. Baseline, in the same run on
the same rows: the claim before migration 0011, which ranked every due row of every user on every claim
(kept here, and only here, as `RANK_WHOLE_QUEUE`).

Scenarios:
  steady      30 posted rows per user, 10 due rows in all (a quiet day)
  first scan  30 due rows per user (what a first scan of 1,000 users finds: 30,000)
  flood       one user's 5,000 due rows, and one due row for each other user
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from core.db.embedded import EmbeddedPostgres
from core.db.engine import Database
from core.db.migrate import upgrade_to_head
from core.pipeline import states
from core.pipeline.machine import WORKING_STATES

RANK_WHOLE_QUEUE = """
    WITH due AS (
        SELECT id, next_attempt_at,
               row_number() OVER (PARTITION BY user_id ORDER BY next_attempt_at, id) AS turn
        FROM dashboards
        WHERE state IN :states AND next_attempt_at <= now()
          AND (lease_expires_at IS NULL OR lease_expires_at < now())
    ), picked AS (
        SELECT d.id, d.user_id FROM dashboards d
        JOIN due ON due.id = d.id
        JOIN users u ON u.id = d.user_id
        WHERE d.state IN :states AND (d.lease_expires_at IS NULL OR d.lease_expires_at < now())
        ORDER BY due.turn, u.last_claimed_at NULLS FIRST, due.next_attempt_at, d.id
        LIMIT :limit
        FOR UPDATE OF d SKIP LOCKED
    ), served AS (
        UPDATE users SET last_claimed_at = clock_timestamp() WHERE id IN (SELECT user_id FROM picked)
    )
    UPDATE dashboards SET lease_owner = :owner, lease_expires_at = now() + make_interval(secs => :lease)
    WHERE id IN (SELECT id FROM picked)
    RETURNING id
"""


def claim_ranking_whole_queue(session: Session, *, owner: str, lease_s: int, limit: int) -> list[int]:
    query = text(RANK_WHOLE_QUEUE).bindparams(bindparam("states", expanding=True))
    params = {"owner": owner, "lease": lease_s, "limit": limit, "states": [s.value for s in WORKING_STATES]}
    return [int(r[0]) for r in session.execute(query, params)]


def claim_fair(session: Session, *, owner: str, lease_s: int, limit: int) -> list[int]:
    return [c.dashboard_id for c in states.claim_due(session, owner=owner, lease_s=lease_s, limit=limit)]


def _fill(db: Database, *, posted_per_user: int, due_per_user: int, flood: int, due_total: int | None) -> None:
    with db.session() as session:
        session.execute(text("TRUNCATE dashboards CASCADE"))
        session.execute(text("UPDATE users SET last_claimed_at = NULL"))
        for state, per_user in (("posted", posted_per_user), ("detected", due_per_user)):
            if per_user:
                session.execute(
                    text(
                        "INSERT INTO dashboards (user_id, kind, database_name, table_name, state, next_attempt_at) "
                        "SELECT u.id, 'timing', u.username || '_timing', :state || '_' || i, :state, "
                        "now() - make_interval(secs => i) FROM users u, generate_series(1, :n) AS i"
                    ),
                    {"state": state, "n": per_user},
                )
        if due_total:
            session.execute(
                text(
                    "INSERT INTO dashboards (user_id, kind, database_name, table_name, state) "
                    "SELECT id, 'timing', username || '_timing', 'new', 'detected' FROM users ORDER BY id LIMIT :n"
                ),
                {"n": due_total},
            )
        if flood:
            session.execute(
                text(
                    "INSERT INTO dashboards (user_id, kind, database_name, table_name, state, next_attempt_at) "
                    "SELECT (SELECT min(id) FROM users), 'timing', 'u0001_timing', 'flood_' || i, 'detected', "
                    "now() - interval '1 hour' + make_interval(secs => i) FROM generate_series(1, :n) AS i"
                ),
                {"n": flood},
            )
    with db.session() as session:
        session.execute(text("ANALYZE dashboards"))
        session.execute(text("ANALYZE users"))


def _time_claims(db: Database, claim: Callable[..., list[int]], repeat: int) -> tuple[float, int]:
    """Median milliseconds of one claim of one row; every claim is rolled back, so all see the same queue."""
    times = []
    claimed = 0
    for _ in range(repeat):
        with db.engine.connect() as conn:
            session = Session(bind=conn)
            transaction = conn.begin()
            started = time.perf_counter()
            claimed = len(claim(session, owner="bench", lease_s=60, limit=1))
            times.append((time.perf_counter() - started) * 1000)
            transaction.rollback()
            session.close()
    return statistics.median(times), claimed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="edabot-bench-claims-"))
    server = EmbeddedPostgres(data, fast_unsafe=True)
    url = server.start().url()
    try:
        upgrade_to_head(url)
        db = Database(url, pool_size=2)
        with db.session() as session:
            session.execute(
                text(
                    "INSERT INTO users (username, active, state) "
                    "SELECT 'u' || lpad(i::text, 4, '0'), true, 'active' FROM generate_series(1, :n) AS i"
                ),
                {"n": args.users},
            )
        scenarios = {
            "steady": {"posted_per_user": 30, "due_per_user": 0, "flood": 0, "due_total": 10},
            "first scan": {"posted_per_user": 0, "due_per_user": 30, "flood": 0, "due_total": None},
            "flood": {"posted_per_user": 30, "due_per_user": 0, "flood": 5000, "due_total": args.users},
        }
        print(f"one claim of one row, median of {args.repeat}, {args.users} users:")
        for name, shape in scenarios.items():
            _fill(db, **shape)  # type: ignore[arg-type]
            with db.session() as session:
                due = session.execute(text("SELECT count(*) FROM dashboards WHERE state = 'detected'")).scalar_one()
                rows = session.execute(text("SELECT count(*) FROM dashboards")).scalar_one()
            fair_ms, fair_n = _time_claims(db, claim_fair, args.repeat)
            old_ms, old_n = _time_claims(db, claim_ranking_whole_queue, args.repeat)
            assert fair_n == old_n == 1, (fair_n, old_n)
            print(
                f"  {name:10} ({rows:,} rows, {due:,} due): fair claim {fair_ms:.2f} ms, "
                f"ranking the whole queue (baseline) {old_ms:.2f} ms, baseline / fair = {old_ms / fair_ms:.1f}x"
            )
        db.dispose()
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
