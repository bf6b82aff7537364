"""Build the dashboard a table deserves, save it to Grafana, and read its key figures."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql

from core.comparison import Metric
from core.context import CoreContext
from core.db.provisioning import grafana_role
from core.errors import NotFound
from core.grafana.client import GrafanaClient
from core.grafana.introspect import SHARED_SCHEMA, classify, describe_table
from core.grafana.provisioning import datasource_uid, folder_uid
from core.grafana.templates import build_dashboard
from core.secret import Secret
from core.series import series_from_run, series_from_table_name

# Enough for setup and hold side by side (WNS, TNS, violating paths each, and the path count).
MAX_FIGURES = 8
# Rules kept per DRC run: the message shows the first few; the rest tell the next run which rules are new.
TOP_RULES = 10
MACRO = re.compile(r"\$__\w+")


@dataclass(frozen=True)
class Figure:
    title: str
    value: str
    number: float | None = None
    unit: str | None = None  # the panel's Grafana unit id
    decimals: int | None = None

    def metric(self) -> Metric:
        return Metric(self.title, self.number, self.unit, self.decimals)


@dataclass(frozen=True)
class Published:
    uid: str
    url: str
    template: str
    figures: list[Figure] = field(default_factory=list)
    top: list[tuple[str, str]] = field(default_factory=list)  # e.g. DRC: the rules with most violations
    series: str = ""  # core/series.py: from the ingested run when there is one, else from the table name

    def as_json(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "figures": [[f.title, f.value] for f in self.figures],
            "top": [list(t) for t in self.top],
            # What the comparison with the series' next run reads (core/comparison.py).
            "metrics": [f.metric().as_json() for f in self.figures],
            "top_complete": len(self.top) < TOP_RULES,
        }


class TableGone(NotFound):
    """The table was dropped after it was detected: nothing to show any more."""


def _format(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _run_scalar(conn: psycopg.Connection, sql: str) -> Any:
    row = conn.execute(sql).fetchone()  # panel SQL is built by our templates
    return row[0] if row else None


def key_figures(conn: psycopg.Connection, dashboard: dict[str, Any]) -> tuple[list[Figure], list[tuple[str, str]]]:
    """The same numbers the dashboard shows: its first stat panels (with their units), and a DRC by-rule
    chart's top rules."""
    figures: list[Figure] = []
    top: list[tuple[str, str]] = []
    for panel in dashboard.get("panels", []):
        sql = ((panel.get("targets") or [{}])[0]).get("rawSql") or ""
        if not sql or MACRO.search(sql):
            continue  # time-range macros only mean something inside Grafana
        try:
            if panel.get("type") == "stat" and len(figures) < MAX_FIGURES:
                value = _run_scalar(conn, sql)
                defaults = (panel.get("fieldConfig") or {}).get("defaults") or {}
                unit, decimals = defaults.get("unit"), defaults.get("decimals")
                figures.append(
                    Figure(
                        str(panel.get("title")),
                        _format(value),
                        _number(value),
                        unit if isinstance(unit, str) else None,
                        decimals if isinstance(decimals, int) else None,
                    )
                )
            elif panel.get("type") == "barchart" and "by rule" in str(panel.get("title", "")).lower() and not top:
                top = [(str(r[0]), _format(r[1])) for r in conn.execute(sql).fetchmany(TOP_RULES)]
        except psycopg.Error:
            conn.rollback()
    return _without_empty_hold(figures), top


def _without_empty_hold(figures: list[Figure]) -> list[Figure]:
    """Figures the table has: a metric it lacks (e.g. a QoR run without fmax) reads as NULL and is left out.
    The timing template gives every table with a path_type column its hold panels; a table without min
    paths has no hold WNS, and its message should not list hold figures that say nothing."""
    hold_wns = next((f for f in figures if f.title == "Hold WNS"), None)
    no_hold = hold_wns is not None and hold_wns.number is None
    return [f for f in figures if f.number is not None and not (no_hold and f.title.startswith("Hold "))]


# The ingested run whose own table this is. Run with search_path pinned to pg_catalog and every name
# qualified: the owner controls this database and could otherwise plant a `=` or a table that shadows ours.
_RUN_OF_TABLE = """
    SELECT r.design, r.platform, r.flow_variant FROM {schema}.eda_runs r
    WHERE r.run_table OPERATOR(pg_catalog.=) %s ORDER BY r.run_id DESC LIMIT 1
"""
_HAS_RUNS = """
    SELECT 1 FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
    WHERE n.nspname OPERATOR(pg_catalog.=) %s AND c.relname OPERATOR(pg_catalog.=) 'eda_runs'
"""


def series_of(conn: psycopg.Connection, table: str) -> str:
    """The table's series: design/platform/variant of the ingested run it holds, else its name's stem."""
    try:
        if conn.execute(_HAS_RUNS, (SHARED_SCHEMA,)).fetchone() is not None:
            query = sql.SQL(_RUN_OF_TABLE).format(schema=sql.Identifier(SHARED_SCHEMA))
            row = conn.execute(query, (table,)).fetchone()
            if row is not None:
                from_run = series_from_run(*(None if v is None else str(v) for v in row))
                if from_run is not None:
                    return from_run
    except psycopg.Error:
        conn.rollback()  # an eda_runs the owner reshaped: the table name still names the series
    return series_from_table_name(table)


def publish(
    ctx: CoreContext,
    client: GrafanaClient,
    *,
    username: str,
    database_kind: str,
    database: str,
    table: str,
    reader_password: Secret,
    token: Secret | None = None,
) -> Published:
    """Introspect and read figures as the Grafana reader role: panels then never use a table Grafana
    cannot read, and the figures are exactly what the dashboard will show."""
    # The owner controls this database: read as their read-only role, with search_path pinned at start-up.
    with ctx.server.connect_as(
        database, user=grafana_role(username), password=reader_password, autocommit=False
    ) as conn:
        try:
            info = describe_table(conn, table)
        except NotFound as exc:
            raise TableGone(f"table {table} no longer exists in {database}") from exc
        template = classify(info)
        dashboard = build_dashboard(
            template,
            info,
            username=username,
            datasource_uid=datasource_uid(username, database_kind),
            database_kind=database_kind,
        )
        conn.rollback()
        figures, top = key_figures(conn, dashboard)
    with ctx.server.connect_as(
        database, user=grafana_role(username), password=reader_password, catalog_only=True
    ) as conn:
        series = series_of(conn, table)
    saved = client.save_dashboard(
        dashboard, folder_uid=folder_uid(username), overwrite=True, message="edabot: new results table", token=token
    )
    url = saved.url if saved.url.startswith("http") else client.base_url + saved.url
    return Published(uid=saved.uid, url=url, template=template, figures=figures, top=top, series=series)
