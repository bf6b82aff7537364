"""Find new report tables in every user database and record them as `detected` dashboards.

One process scans at a time (a PostgreSQL advisory lock), databases are listed with bounded
concurrency, and a table seen once is recorded once (unique owner+kind+table), so a crash or a
second process can never skip or double a table.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg
from sqlalchemy import select, text

from core.context import CoreContext
from core.db.models import User
from core.db.provisioning import database_names, grafana_role
from core.logins import READER_PASSWORD, role_passwords
from core.secret import Secret

log = logging.getLogger(__name__)

SCAN_LOCK = 7_202_613
# Every table and view in `public` is a report; edabot's own shared tables live in other schemas.
# The owner controls this database: every name and operator is schema-qualified, the session's search_path
# is pinned to pg_catalog, and it runs as the owner's read-only role, so nothing the owner planted can
# change what this query means or run with more than that role's rights.
LIST_TABLES = """
    SELECT c.relname FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
    WHERE n.nspname OPERATOR(pg_catalog.=) 'public'
      AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p', 'v', 'm']::pg_catalog."char"[])
    ORDER BY c.relname
"""


@dataclass
class ScanReport:
    ran: bool = True
    users: int = 0
    databases: int = 0
    tables: int = 0
    new: list[tuple[str, str, str]] = field(default_factory=list)  # (username, kind, table)
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


def list_report_tables(ctx: CoreContext, database: str, *, username: str, reader_password: Secret) -> list[str]:
    with ctx.server.connect_as(
        database, user=grafana_role(username), password=reader_password, catalog_only=True
    ) as conn:
        return [row[0] for row in conn.execute(LIST_TABLES).fetchall()]


def scan(ctx: CoreContext, *, only_username: str | None = None, concurrency: int = 8) -> ScanReport:
    started = time.monotonic()
    report = ScanReport()
    with _scan_lock(ctx) as got:
        if not got:
            return ScanReport(ran=False)
        with ctx.db.session() as session:
            query = select(User.id, User.username).where(User.active.is_(True))
            if only_username is not None:
                query = query.where(User.username == only_username)
            owners = list(session.execute(query))
        report.users = len(owners)
        readers = role_passwords(ctx, READER_PASSWORD, [name for _, name in owners])
        targets = [(uid, name, kind, db) for uid, name in owners for kind, db in database_names(name).items()]
        report.databases = len(targets)

        def list_one(target: tuple[int, str, str, str]) -> tuple[tuple[int, str, str, str], list[str] | str]:
            password = readers.get(target[1])
            if password is None:
                return target, f"{target[3]}: no {READER_PASSWORD} credential; run `/eda register` again to repair"
            try:
                return target, list_report_tables(ctx, target[3], username=target[1], reader_password=password)
            except psycopg.Error as exc:
                # One broken database must not stop everyone else's notifications.
                return target, f"{target[3]}: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc}"

        with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="edabot-scan") as pool:
            results = list(pool.map(list_one, targets))
        rows = []
        for (uid, name, kind, db), found in results:
            if isinstance(found, str):
                report.errors.append(found)
                continue
            report.tables += len(found)
            rows += [{"user_id": uid, "kind": kind, "database_name": db, "table_name": t, "_user": name} for t in found]
        report.new = _record_new(ctx, rows)
    report.seconds = time.monotonic() - started
    if report.new or report.errors:
        log.info(
            "scan: %d new table(s) in %d database(s), %d error(s), %.2fs",
            len(report.new),
            report.databases,
            len(report.errors),
            report.seconds,
        )
    return report


def _record_new(ctx: CoreContext, rows: list[dict[str, object]]) -> list[tuple[str, str, str]]:
    """One INSERT … SELECT FROM unnest(arrays) for every table seen: the server skips the known ones. (Thirty
    1,000-row VALUES statements cost ~7 s of SQLAlchemy compiling per 30,000 tables; this costs ~0.5 s.)"""
    if not rows:
        return []
    owner_of = {(r["user_id"], r["kind"], r["table_name"]): r["_user"] for r in rows}
    statement = text(
        """
        INSERT INTO dashboards (user_id, kind, database_name, table_name)
        SELECT * FROM unnest(CAST(:user_ids AS integer[]), CAST(:kinds AS text[]), CAST(:dbs AS text[]),
                             CAST(:tables AS text[]))
        ON CONFLICT ON CONSTRAINT dashboards_owner_kind_table_unique DO NOTHING
        RETURNING user_id, kind, table_name
        """
    )
    with ctx.db.session() as session:
        inserted = session.execute(
            statement,
            {
                "user_ids": [r["user_id"] for r in rows],
                "kinds": [r["kind"] for r in rows],
                "dbs": [r["database_name"] for r in rows],
                "tables": [r["table_name"] for r in rows],
            },
        ).all()
    return [(str(owner_of[(u, k, t)]), k, t) for u, k, t in inserted]
