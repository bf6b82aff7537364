"""Ingest a report file into the right one of a user's three databases, owned by the user's own role.

The tables are created under the user's role (not the admin's) so that the default privileges set at
registration give the Grafana reader SELECT on them, exactly as for tables the engineer creates.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
from psycopg import sql

from core.context import CoreContext
from core.db.provisioning import database_names
from core.ingest.detect import detect_format
from core.ingest.formats import ReportKind, kind_for
from core.ingest.loader import LoadResult, ingest_file
from core.ingest.overview import refresh_runs_overview

HEAD_BYTES = 8192


def target_kind(path: Path, kind: str | None) -> str:
    if kind is not None:
        return ReportKind(kind).value
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    return kind_for(detect_format(head, path.name)).value


def ingest_for_user(
    ctx: CoreContext, username: str, path: Path, *, kind: str | None = None, table: str | None = None
) -> LoadResult:
    chosen = target_kind(path, kind)
    database = database_names(username)[chosen]
    with psycopg.connect(
        ctx.server.url_for(database), autocommit=True, connect_timeout=10, application_name="edabot"
    ) as conn:
        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(username)))
        result = ingest_file(conn, path, kind=chosen, table=table)
    refresh_runs_overview(ctx, username)
    return result
