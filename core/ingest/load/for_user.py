"""Ingest a report file into the right one of a user's three databases, as the user's own role.

The tables are created by the user's role (not the admin's) so that the default privileges set at
registration give the Grafana reader SELECT on them, exactly as for tables the engineer creates; and the
load runs in a child process logged in as that role (core/ingest/load/isolated.py), so neither a hostile report
nor a trigger the engineer planted on edabot's tables runs with more than the engineer's own rights.
"""

from __future__ import annotations

from pathlib import Path

from core.context import CoreContext
from core.db.provisioning import database_names
from core.ingest.format_ids import ReportKind, kind_for
from core.ingest.formats import detect_format
from core.ingest.load.isolated import Progress, load_in_child
from core.ingest.load.loader import LoadResult
from core.ingest.load.overview import refresh_runs_overview
from core.logins import OWNER_PASSWORD, require_password

HEAD_BYTES = 8192


def target_kind(path: Path, kind: str | None) -> str:
    if kind is not None:
        return ReportKind(kind).value
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    return kind_for(detect_format(head, path.name)).value


def ingest_for_user(
    ctx: CoreContext,
    username: str,
    path: Path,
    *,
    kind: str | None = None,
    table: str | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    """`progress(bytes_read, file_size)` is called every fraction of a second while the child loads."""
    chosen = target_kind(path, kind)
    database = database_names(username)[chosen]
    password = require_password(ctx, OWNER_PASSWORD, username)
    login = ctx.server.url_for(database, user=username, password=password)
    result = load_in_child(login, path, kind=chosen, table=table, progress=progress)
    refresh_runs_overview(ctx, username)
    return result
