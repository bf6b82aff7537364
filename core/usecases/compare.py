"""`/eda compare [A] [B]`: two of the caller's runs side by side, and the series' comparison dashboard.

A and B each name one of the caller's tables or series; only the caller's own dashboards are searched, so
naming someone else's table reads exactly like naming one that does not exist.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import credentials, users
from core.authz import Actor, require_registered
from core.context import CoreContext
from core.db.models import Dashboard
from core.db.provisioning import grafana_role
from core.errors import InvalidInput, NotFound
from core.grafana.errors import GrafanaError
from core.grafana.introspect import TableInfo, describe_table
from core.grafana.provisioning import datasource_uid, folder_uid
from core.grafana.templates.compare import MAX_RUNS, build_series_comparison
from core.logins import READER_PASSWORD
from core.run_compare import RunComparison, RunRef, path_changes, side_by_side
from core.secret import Secret

log = logging.getLogger(__name__)

# Worst paths read from each timing table: enough that a path among the second run's worst few is almost
# always found in the first run's list too.
WORST_PATHS = 200
PATH_READ_TIMEOUT_MS = 5000
HINT = "`/eda dashboards` lists your tables; a series is named in each run's notification."


@dataclass(frozen=True)
class _Run:
    id: int
    kind: str
    database: str
    table: str
    series: str | None
    figures: dict[str, Any]
    url: str | None

    @property
    def ref(self) -> RunRef:
        return RunRef(self.table, self.kind, self.series, self.url)


def _select() -> Any:
    return select(
        Dashboard.id,
        Dashboard.kind,
        Dashboard.database_name,
        Dashboard.table_name,
        Dashboard.series,
        Dashboard.key_figures,
        Dashboard.grafana_url,
    )


def _runs(session: Session, query: Any) -> list[_Run]:
    return [_Run(r[0], r[1], r[2], r[3], r[4], dict(r[5] or {}), r[6]) for r in session.execute(query).all()]


def _tables(session: Session, user_id: int, name: str) -> list[_Run]:
    """The caller's built dashboards of that table name, one per database kind, newest first."""
    return _runs(
        session,
        _select()
        .where(Dashboard.user_id == user_id, Dashboard.table_name == name, Dashboard.key_figures.is_not(None))
        .order_by(Dashboard.id.desc()),
    )


def _posted_series_runs(session: Session, user_id: int, kind: str, series: str, limit: int) -> list[_Run]:
    """The series' posted runs, newest first (the runs its notifications compared)."""
    return _runs(
        session,
        _select()
        .where(
            Dashboard.user_id == user_id,
            Dashboard.kind == kind,
            Dashboard.series == series,
            Dashboard.message_ts.is_not(None),
            Dashboard.key_figures.is_not(None),
        )
        .order_by(Dashboard.id.desc())
        .limit(limit),
    )


def _series_kinds(session: Session, user_id: int, series: str) -> list[str]:
    """The kinds in which the caller has a posted series of that name, the most recently posted first."""
    rows = session.execute(
        select(Dashboard.kind, Dashboard.id)
        .where(
            Dashboard.user_id == user_id,
            Dashboard.series == series,
            Dashboard.message_ts.is_not(None),
            Dashboard.key_figures.is_not(None),
        )
        .order_by(Dashboard.id.desc())
    ).all()
    return list(dict.fromkeys(kind for kind, _ in rows))


def _latest_two(session: Session, user_id: int, kind: str, series: str) -> tuple[_Run, _Run]:
    runs = _posted_series_runs(session, user_id, kind, series, 2)
    if len(runs) < 2:
        raise InvalidInput(
            f"Series `{series}` ({kind}) has one run so far: nothing to compare it with yet. "
            "Name two tables to compare those: `/eda compare <A> <B>`."
        )
    return runs[1], runs[0]


def _default_pair(session: Session, user_id: int) -> tuple[_Run, _Run]:
    latest = session.execute(
        select(Dashboard.kind, Dashboard.series)
        .where(
            Dashboard.user_id == user_id,
            Dashboard.series.is_not(None),
            Dashboard.message_ts.is_not(None),
            Dashboard.key_figures.is_not(None),
        )
        .order_by(Dashboard.slack_sent_at.desc().nulls_last(), Dashboard.id.desc())
        .limit(1)
    ).first()
    if latest is None:
        raise NotFound("You have no posted runs to compare yet: new tables in your databases are posted first.")
    return _latest_two(session, user_id, latest.kind, latest.series)


def _one_name(session: Session, user_id: int, name: str) -> tuple[_Run, _Run]:
    """A series: its latest two runs. Otherwise a table: the run before it in its series, then it."""
    kinds = _series_kinds(session, user_id, name)
    if kinds:
        return _latest_two(session, user_id, kinds[0], name)
    tables = _tables(session, user_id, name)
    if not tables:
        raise NotFound(f"You have no table or series named `{name}`. {HINT}")
    table = tables[0]
    earlier = (
        _runs(
            session,
            _select()
            .where(
                Dashboard.user_id == user_id,
                Dashboard.kind == table.kind,
                Dashboard.series == table.series,
                Dashboard.id < table.id,
                Dashboard.message_ts.is_not(None),
                Dashboard.key_figures.is_not(None),
            )
            .order_by(Dashboard.id.desc())
            .limit(1),
        )
        if table.series is not None
        else []
    )
    previous = earlier[0] if earlier else None
    if previous is None:
        raise InvalidInput(
            f"`{name}` is the first run of its series: nothing earlier to compare it with. "
            "Name two tables to compare those: `/eda compare <A> <B>`."
        )
    return previous, table


def _candidates(session: Session, user_id: int, name: str) -> list[_Run]:
    """What one of two names stands for: the table of that name (one per kind), else the series' latest run."""
    tables = _tables(session, user_id, name)
    if tables:
        return tables
    return [
        run
        for kind in _series_kinds(session, user_id, name)
        for run in _posted_series_runs(session, user_id, kind, name, 1)
    ]


def _two_names(session: Session, user_id: int, a: str, b: str) -> tuple[_Run, _Run]:
    first, second = _candidates(session, user_id, a), _candidates(session, user_id, b)
    missing = [n for n, found in ((a, first), (b, second)) if not found]
    if missing:
        names = " or ".join(f"`{n}`" for n in dict.fromkeys(missing))
        raise NotFound(f"You have no table or series named {names}. {HINT}")
    for run in first:
        match = next((other for other in second if other.kind == run.kind), None)
        if match is not None:
            if match.id == run.id:
                raise InvalidInput(f"`{a}` and `{b}` are the same run: name two different runs.")
            return run, match
    raise InvalidInput(
        f"`{a}` is a {first[0].kind} run and `{b}` a {second[0].kind} run: only runs of the same kind "
        "(timing, QoR or DRC) can be compared."
    )


# Read as the owner's read-only role with search_path pinned to pg_catalog and every name qualified: the owner
# controls this database and could otherwise plant a function or table that shadows ours.
def _worst_paths(conn: psycopg.Connection, info: TableInfo) -> list[tuple[str, float]]:
    ends = [sql.Identifier(c) for c in ("startpoint", "endpoint") if info.has(c)]
    slack = sql.Identifier("slack")
    where = [sql.SQL("{} IS NOT NULL").format(slack)]
    if info.has("path_type"):
        where.append(sql.SQL("lower({}::text) IN ('max', 'setup')").format(sql.Identifier("path_type")))
    query = sql.SQL(
        "SELECT concat_ws(' → ', {ends}) AS path, min({slack})::double precision FROM {schema}.{table} "
        "WHERE {where} GROUP BY 1 ORDER BY 2, 1 LIMIT {limit}"
    ).format(
        ends=sql.SQL(", ").join(sql.SQL("{}::text").format(e) for e in ends),
        slack=slack,
        schema=sql.Identifier(info.schema),
        table=sql.Identifier(info.name),
        where=sql.SQL(" AND ").join(where),
        limit=sql.Literal(WORST_PATHS),
    )
    return [(str(path), float(value)) for path, value in conn.execute(query).fetchall() if value is not None]


def _paths(
    ctx: CoreContext, username: str, reader: Secret, before: _Run, after: _Run
) -> tuple[list[tuple[str, float]], list[tuple[str, float]]] | str:
    """Both runs' worst setup paths, or why they cannot be listed."""
    if before.database != after.database:
        return "the two tables are in different databases"
    try:
        with ctx.server.connect_as(
            after.database, user=grafana_role(username), password=reader, autocommit=False, catalog_only=True
        ) as conn:
            conn.execute(f"SET statement_timeout = {PATH_READ_TIMEOUT_MS}")
            infos = []
            for run in (before, after):
                try:
                    info = describe_table(conn, run.table, count_rows=False)
                except NotFound:
                    return f"table `{run.table}` no longer exists"
                if not info.has_numeric("slack") or not (info.has("startpoint") or info.has("endpoint")):
                    return "the tables hold no per-path slack"
                infos.append(info)
            return _worst_paths(conn, infos[0]), _worst_paths(conn, infos[1])
    except psycopg.Error as exc:
        log.warning("worst paths of %s vs %s for %s not read: %s", before.table, after.table, username, exc)
        return "the paths could not be read just now"


def _series_rows(session: Session, user_id: int, run: _Run) -> list[_Run]:
    """The runs the series' comparison dashboard shows, oldest first."""
    if run.series is None:
        return []
    runs = _posted_series_runs(session, user_id, run.kind, run.series, MAX_RUNS)
    if run.id not in {r.id for r in runs}:
        runs = [run, *runs]  # a named table that was not posted (e.g. muted) still shows, as the newest row
    return sorted(runs, key=lambda r: r.id)


def _comparison_dashboard(
    ctx: CoreContext, username: str, token: Secret | None, run: _Run, runs: list[_Run]
) -> tuple[str | None, str | None]:
    """Save the series' comparison dashboard; its URL, or why there is none."""
    client = ctx.grafana_client
    if client is None:
        return None, "Grafana is not configured"
    if run.series is None:
        return None, "this run belongs to no series"
    dashboard = build_series_comparison(
        username=username,
        kind=run.kind,
        series=run.series,
        runs=[(r.table, r.figures) for r in runs],
        datasource_uid=datasource_uid(username, run.kind),
    )
    try:
        saved = client.save_dashboard(
            dashboard, folder_uid=folder_uid(username), overwrite=True, message="edabot: series comparison", token=token
        )
    except GrafanaError as exc:
        log.warning("comparison dashboard of %s's series %s not saved: %s", username, run.series, exc)
        return None, "Grafana could not be reached"
    return (saved.url if saved.url.startswith("http") else client.base_url + saved.url), None


def compare_runs(ctx: CoreContext, actor: Actor, a: str | None = None, b: str | None = None) -> RunComparison:
    """No names: the latest two posted runs of the caller's most recent series. One: a series' latest two
    runs, or a table against the run before it in its series. Two: those two tables, or the latest run of
    each of two series. The change is from the first run to the second."""
    username = require_registered(actor)
    with ctx.db.session() as session:
        owner = users.require(session, username)
        if a is None:
            before, after = _default_pair(session, owner.id)
        elif b is None:
            before, after = _one_name(session, owner.id, a)
        else:
            before, after = _two_names(session, owner.id, a, b)
        reader = credentials.get(session, ctx.cipher, owner, READER_PASSWORD)
        token = credentials.get(session, ctx.cipher, owner, "GRAFANA_API_KEY")
        series_runs = _series_rows(session, owner.id, after)
    # Grafana and the user's database are reached with no master-database transaction open.
    url, note = _comparison_dashboard(ctx, username, token, after, series_runs)
    figures, rules = side_by_side(before.figures, after.figures)
    result = RunComparison(before.ref, after.ref, figures, rules, dashboard_url=url, dashboard_note=note)
    if before.figures.get("template") != "timing" or after.figures.get("template") != "timing":
        return result
    if reader is None:
        return replace(result, paths_note="no reader login is stored (run `/eda register` again to repair it)")
    read = _paths(ctx, username, reader, before, after)
    if isinstance(read, str):
        return replace(result, paths_note=read)
    worst_before, worst_after = read
    paths = path_changes(worst_before, worst_after, before_complete=len(worst_before) < WORST_PATHS)
    return replace(result, paths=paths, paths_read=True)
