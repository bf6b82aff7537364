"""Find new report tables in the user databases that changed, and record them as `detected` dashboards.

PostgreSQL counts the rows each database writes (`pg_stat_database`): a CREATE TABLE adds catalogue rows
within a fraction of a second, while a read moves nothing. So a pass reads those counters for every user
database in one query on the master connection and lists tables only where they moved since the last listing
(counters kept in `scan_counters`, so a second process or a restart carries on). Every database is listed
anyway on the first pass, when the server restarted, when statistics were reset or went backwards, when
`track_counts` is off, and at least every `full_every_s` seconds (the safety net).

With a quota (`new_per_hour`), new tables are recorded as `deferred` and each user's oldest are let into the
pipeline while their quota allows, in this pass and every later one (core/pipeline/quotas.py).

One process scans at a time (a PostgreSQL advisory lock), databases are listed with bounded concurrency,
and a table seen once is recorded once (unique owner+kind+table), so a crash or a second process can never
skip or double a table. The counters are read before the listing and saved after it, so a change made while
listing shows up as moved counters in the next pass.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy import text

from core.context import CoreContext
from core.db.provisioning import KINDS, grafana_role
from core.logins import READER_PASSWORD, role_passwords
from core.pipeline import quotas
from core.pipeline.machine import DashboardState
from core.secret import Secret

log = logging.getLogger(__name__)

SCAN_LOCK = 7_202_613
# Every table and view in `public` is a report; edabot's own shared tables live in other schemas.
# The owner controls this database: every name and operator is schema-qualified, the session's search_path
# is pinned to pg_catalog, and it runs as the owner's read-only role, so nothing the owner planted can
# change what this query means or run with more than that role's rights.
LIST_TABLES = """
    SELECT c.relname, c.oid::pg_catalog.int8 FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
    WHERE n.nspname OPERATOR(pg_catalog.=) 'public'
      AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p', 'v', 'm']::pg_catalog."char"[])
    ORDER BY c.relname
"""
# Every active user's three databases with their counters now and when last listed; one round trip.
OBSERVE = """
    SELECT u.id, u.username, k.kind, u.username || '_' || k.kind AS datname,
           s.datid IS NOT NULL, s.tup_inserted, s.tup_updated, s.tup_deleted, s.stats_reset,
           c.database_name IS NOT NULL, c.tup_inserted, c.tup_updated, c.tup_deleted, c.stats_reset
    FROM users u
    CROSS JOIN unnest(CAST(:kinds AS text[])) AS k(kind)
    LEFT JOIN pg_catalog.pg_stat_database s ON s.datname = u.username || '_' || k.kind
    LEFT JOIN scan_counters c ON c.database_name = u.username || '_' || k.kind
    WHERE u.active AND (CAST(:only AS text) IS NULL OR u.username = CAST(:only AS text))
"""
GLOBAL_STATE = """
    SELECT pg_catalog.current_setting('track_counts')::boolean, pg_catalog.pg_postmaster_start_time(),
           pg_catalog.now(), st.last_full_at, st.server_started_at
    FROM (SELECT 1) AS one LEFT JOIN scan_state st ON st.id = 1
"""


@dataclass(frozen=True)
class Observed:
    """One user database as the statistics show it now and as it was when last listed."""

    user_id: int
    username: str
    kind: str
    database: str
    now: tuple[int, int, int, datetime | None] | None  # None: no statistics row (database missing)
    seen: tuple[int, int, int, datetime | None] | None  # None: never listed

    @property
    def moved(self) -> bool:
        return self.now is None or self.seen is None or self.now != self.seen

    @property
    def went_backwards(self) -> bool:
        """A statistics reset (or a crash, which resets them): changes may have been lost from the counters."""
        if self.now is None or self.seen is None:
            return False
        return self.now[3] != self.seen[3] or any(a < b for a, b in zip(self.now[:3], self.seen[:3], strict=True))


@dataclass
class ScanReport:
    ran: bool = True
    users: int = 0
    databases: int = 0
    listed: int = 0  # databases connected to and listed in this pass
    skipped: int = 0  # databases whose counters had not moved
    full_reason: str | None = None  # why every database was listed, when it was
    tables: int = 0
    new: list[tuple[str, str, str]] = field(default_factory=list)  # (username, kind, table)
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # (database, old name, new name)
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (database, table)
    released: int = 0  # deferred rows let into the pipeline by the quota in this pass
    waiting: int = 0  # rows still deferred after this pass (over their owner's quota)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


@contextmanager
def _scan_lock(ctx: CoreContext) -> Iterator[bool]:
    with ctx.db.engine.connect() as conn:
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": SCAN_LOCK}).scalar())
        conn.commit()
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SCAN_LOCK})
                conn.commit()


def list_report_tables(
    ctx: CoreContext, database: str, *, username: str, reader_password: Secret
) -> list[tuple[str, int]]:
    with ctx.server.connect_as(
        database, user=grafana_role(username), password=reader_password, catalog_only=True
    ) as conn:
        return [(str(row[0]), int(row[1])) for row in conn.execute(LIST_TABLES).fetchall()]


def scan(
    ctx: CoreContext,
    *,
    only_username: str | None = None,
    concurrency: int = 8,
    full_every_s: float = 600.0,
    full: bool = False,
    new_per_hour: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ScanReport:
    """One pass. `only_username` (an explicit `/eda scan` or `edabot scan --user`) lists that user's databases
    whatever their counters say; `full` lists every database. `new_per_hour` is each user's quota of new
    dashboards (MAX_NEW_DASHBOARDS_PER_HOUR); None admits every new table at once. `progress(listed, to_list)`
    follows the databases listed."""
    started = time.monotonic()
    report = ScanReport()
    with _scan_lock(ctx) as got:
        if not got:
            return ScanReport(ran=False)
        observed, reason = _observe(ctx, only_username=only_username, full=full, full_every_s=full_every_s)
        report.full_reason = reason
        report.users = len({o.user_id for o in observed})
        report.databases = len(observed)
        to_list = observed if reason is not None else [o for o in observed if o.moved]
        report.listed, report.skipped = len(to_list), len(observed) - len(to_list)
        found = _list_all(ctx, to_list, concurrency, progress)
        listed_ok: list[tuple[Observed, list[tuple[str, int]]]] = []
        for target, tables in found:
            if isinstance(tables, str):
                report.errors.append(tables)
            else:
                listed_ok.append((target, tables))
                report.tables += len(tables)
        _reconcile(ctx, listed_ok, report, deferred=new_per_hour is not None)
        if new_per_hour is not None:
            _apply_quota(ctx, new_per_hour, report)
        _remember(ctx, [t for t, _ in listed_ok], full_done=reason is not None and only_username is None)
        if len(report.new) >= ANALYZE_AFTER_NEW:
            _analyze_queue(ctx)
    report.seconds = time.monotonic() - started
    if report.new or report.errors or report.renamed or report.dropped or report.full_reason or report.released:
        log.info(
            "scan: %d new, %d renamed, %d dropped table(s), %d released, %d deferred; listed %d of %d "
            "database(s)%s, %d error(s), %.2fs",
            len(report.new),
            len(report.renamed),
            len(report.dropped),
            report.released,
            report.waiting,
            report.listed,
            report.databases,
            f" ({report.full_reason})" if report.full_reason else "",
            len(report.errors),
            report.seconds,
        )
    return report


# A pass that records this many new rows refreshes the planner's statistics of `dashboards` at once. The claim
# probes each user's rows through an index; planned with the statistics of a nearly empty table (a first scan of
# a large deployment, before autovacuum comes round), it would read the whole table once per user instead.
ANALYZE_AFTER_NEW = 500


def _analyze_queue(ctx: CoreContext) -> None:
    try:
        with ctx.db.session() as session:
            session.execute(text("ANALYZE dashboards"))
    except Exception:  # the statistics only speed the claims up; autovacuum will refresh them anyway
        log.warning("scan: could not refresh the statistics of dashboards", exc_info=True)


def _observe(
    ctx: CoreContext, *, only_username: str | None, full: bool, full_every_s: float
) -> tuple[list[Observed], str | None]:
    """Every database of the active users with its counters, and why all must be listed (None: only moved)."""
    with ctx.db.session() as session:
        track_counts, server_started, now, last_full, server_seen = session.execute(text(GLOBAL_STATE)).one()
        rows = session.execute(text(OBSERVE), {"only": only_username, "kinds": list(KINDS)}).all()
    observed = [
        Observed(
            user_id=int(r[0]),
            username=str(r[1]),
            kind=str(r[2]),
            database=str(r[3]),
            now=(int(r[5]), int(r[6]), int(r[7]), r[8]) if r[4] else None,
            seen=(int(r[10]), int(r[11]), int(r[12]), r[13]) if r[9] else None,
        )
        for r in rows
    ]
    if full:
        return observed, "asked for"
    if only_username is not None:
        return observed, f"asked for by {only_username}"
    if not track_counts:
        return observed, "track_counts is off"
    if last_full is None:
        return observed, "first scan"
    if server_seen != server_started:
        return observed, "the database server restarted"
    if now - last_full >= timedelta(seconds=full_every_s):
        return observed, "safety net"
    if any(o.went_backwards for o in observed):
        return observed, "statistics were reset"
    return observed, None


def _list_all(
    ctx: CoreContext, targets: list[Observed], concurrency: int, progress: Callable[[int, int], None] | None = None
) -> list[tuple[Observed, list[tuple[str, int]] | str]]:
    if not targets:
        return []
    readers = role_passwords(ctx, READER_PASSWORD, sorted({t.username for t in targets}))

    def list_one(target: Observed) -> tuple[Observed, list[tuple[str, int]] | str]:
        password = readers.get(target.username)
        if password is None:
            return target, f"{target.database}: no {READER_PASSWORD} credential; run `/eda register` again to repair"
        try:
            return target, list_report_tables(ctx, target.database, username=target.username, reader_password=password)
        except psycopg.Error as exc:
            # One broken database must not stop everyone else's notifications.
            return target, f"{target.database}: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc}"

    with ThreadPoolExecutor(
        max_workers=max(1, min(concurrency, len(targets))), thread_name_prefix="edabot-scan"
    ) as pool:
        if progress is None:
            return list(pool.map(list_one, targets))
        futures = [pool.submit(list_one, target) for target in targets]
        for done, _ in enumerate(as_completed(futures), start=1):
            progress(done, len(futures))  # from this thread, as the listings finish
        return [f.result() for f in futures]


def _apply_quota(ctx: CoreContext, per_hour: int, report: ScanReport) -> None:
    """Let each user's oldest deferred tables in while their quota allows, and make sure every user database
    with tables still waiting has its one summary message queued."""
    with ctx.db.session() as session:
        if not quotas.any_deferred(session):
            return
        released = quotas.release_within_quota(session, per_hour=per_hour)
        report.released = released.dashboards
        quotas.note_deferred(session)
        report.waiting = int(
            session.execute(
                text("SELECT count(*) FROM dashboards WHERE state = :s AND table_dropped_at IS NULL"),
                {"s": DashboardState.DEFERRED.value},
            ).scalar_one()
        )


def _reconcile(
    ctx: CoreContext, listed: list[tuple[Observed, list[tuple[str, int]]]], report: ScanReport, *, deferred: bool
) -> None:
    """Record new tables, follow renames (same oid, new name: the dashboard is kept, not re-posted) and mark
    tables that are gone, for the databases listed in this pass."""
    if not listed:
        return
    databases = [t.database for t, _ in listed]
    with ctx.db.session() as session:
        existing = session.execute(
            text(
                "SELECT id, database_name, table_name, table_oid, table_dropped_at IS NOT NULL FROM dashboards "
                "WHERE database_name = ANY(:dbs)"
            ),
            {"dbs": databases},
        ).all()
    known = {(str(r[1]), str(r[2])): r for r in existing}
    by_oid = {(str(r[1]), int(r[3])): r for r in existing if r[3] is not None}
    inserts: list[dict[str, Any]] = []
    oids: dict[int, int] = {}
    back: list[int] = []
    renames: list[tuple[int, str, str, str]] = []  # id, database, old, new
    present_ids: set[int] = set()
    for target, tables in listed:
        for name, oid in tables:
            row = known.get((target.database, name))
            if row is not None:
                present_ids.add(int(row[0]))
                if row[3] != oid:
                    oids[int(row[0])] = oid
                if row[4]:
                    back.append(int(row[0]))
                continue
            moved_from = by_oid.get((target.database, oid))
            if moved_from is not None and int(moved_from[0]) not in present_ids:
                present_ids.add(int(moved_from[0]))
                renames.append((int(moved_from[0]), target.database, str(moved_from[2]), name))
                continue
            inserts.append(
                {
                    "user_id": target.user_id,
                    "kind": target.kind,
                    "db": target.database,
                    "table": name,
                    "oid": oid,
                    "user": target.username,
                }
            )
    renamed_ids = {r[0] for r in renames}
    gone = [
        (int(r[0]), str(r[1]), str(r[2]))
        for r in existing
        if int(r[0]) not in present_ids and int(r[0]) not in renamed_ids and not r[4]
    ]
    with ctx.db.session() as session:
        for row_id, _db, _old, new_name in renames:
            session.execute(
                text("UPDATE dashboards SET table_name = :name, table_dropped_at = NULL WHERE id = :id"),
                {"name": new_name, "id": row_id},
            )
        if oids:
            session.execute(
                text(
                    "UPDATE dashboards d SET table_oid = v.oid FROM unnest(CAST(:ids AS integer[]), "
                    "CAST(:oids AS bigint[])) AS v(id, oid) WHERE d.id = v.id"
                ),
                {"ids": list(oids), "oids": list(oids.values())},
            )
        if back:
            session.execute(text("UPDATE dashboards SET table_dropped_at = NULL WHERE id = ANY(:ids)"), {"ids": back})
        if gone:
            session.execute(
                text("UPDATE dashboards SET table_dropped_at = now() WHERE id = ANY(:ids)"),
                {"ids": [g[0] for g in gone]},
            )
        report.new = _record_new(session, inserts, deferred=deferred)
    report.renamed = [(db, old, new) for _id, db, old, new in renames]
    report.dropped = [(db, name) for _id, db, name in gone]


def _record_new(session: Any, rows: list[dict[str, Any]], *, deferred: bool) -> list[tuple[str, str, str]]:
    """One INSERT … SELECT FROM unnest(arrays) for every new table: the server skips any a concurrent pass
    recorded meanwhile. (Thirty 1,000-row VALUES statements cost ~7 s of SQLAlchemy compiling per 30,000
    tables; this costs ~0.5 s.) Under a quota they start `deferred`, outside the pipeline, and the quota
    step lets in what fits."""
    if not rows:
        return []
    owner_of = {(r["user_id"], r["kind"], r["table"]): r["user"] for r in rows}
    inserted = session.execute(
        text(
            """
            INSERT INTO dashboards (user_id, kind, database_name, table_name, table_oid, state, admitted_at)
            SELECT v.*, CAST(:state AS text), CASE WHEN CAST(:deferred AS boolean) THEN NULL ELSE now() END
            FROM unnest(CAST(:user_ids AS integer[]), CAST(:kinds AS text[]), CAST(:dbs AS text[]),
                        CAST(:tables AS text[]), CAST(:oids AS bigint[])) AS v
            ON CONFLICT ON CONSTRAINT dashboards_owner_kind_table_unique DO NOTHING
            RETURNING user_id, kind, table_name
            """
        ),
        {
            "user_ids": [r["user_id"] for r in rows],
            "kinds": [r["kind"] for r in rows],
            "dbs": [r["db"] for r in rows],
            "tables": [r["table"] for r in rows],
            "oids": [r["oid"] for r in rows],
            "state": (DashboardState.DEFERRED if deferred else DashboardState.DETECTED).value,
            "deferred": deferred,
        },
    ).all()
    return [(str(owner_of[(u, k, t)]), k, t) for u, k, t in inserted]


def _remember(ctx: CoreContext, listed: list[Observed], *, full_done: bool) -> None:
    """Save the counters read before each successful listing; a failed listing keeps its old counters (or
    none), so the next pass lists it again."""
    with_stats = [o for o in listed if o.now is not None]
    with ctx.db.session() as session:
        if with_stats:
            session.execute(
                text(
                    """
                    INSERT INTO scan_counters (database_name, user_id, tup_inserted, tup_updated, tup_deleted,
                                               stats_reset, listed_at)
                    SELECT v.*, now() FROM unnest(CAST(:dbs AS text[]), CAST(:users AS integer[]),
                        CAST(:ins AS bigint[]), CAST(:upd AS bigint[]), CAST(:del AS bigint[]),
                        CAST(:reset AS timestamptz[])) AS v
                    ON CONFLICT (database_name) DO UPDATE SET user_id = excluded.user_id,
                        tup_inserted = excluded.tup_inserted, tup_updated = excluded.tup_updated,
                        tup_deleted = excluded.tup_deleted, stats_reset = excluded.stats_reset,
                        listed_at = excluded.listed_at
                    """
                ),
                {
                    "dbs": [o.database for o in with_stats],
                    "users": [o.user_id for o in with_stats],
                    "ins": [o.now[0] for o in with_stats if o.now],
                    "upd": [o.now[1] for o in with_stats if o.now],
                    "del": [o.now[2] for o in with_stats if o.now],
                    "reset": [o.now[3] for o in with_stats if o.now],
                },
            )
        if full_done:
            session.execute(
                text(
                    """
                    INSERT INTO scan_state (id, last_full_at, server_started_at)
                    VALUES (1, now(), pg_catalog.pg_postmaster_start_time())
                    ON CONFLICT (id) DO UPDATE SET last_full_at = excluded.last_full_at,
                        server_started_at = excluded.server_started_at
                    """
                )
            )
