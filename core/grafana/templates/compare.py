"""A series' comparison dashboard (`/eda compare` links to it): one table row per run, each key figure and
its change against the run before.

The figures come from what the pipeline stored for each run, not from the runs' tables (a series may span
tables that were dropped since), so the panel's SQL carries them as literal VALUES; it still runs on the
user's own datasource, the only one their dashboards may use.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from typing import Any

from core.comparison import Metric
from core.grafana.templates.dashboard import dashboard_model
from core.grafana.templates.panels import PanelGrid, display_text, table
from core.grafana.templates.sql import alias, quote_literal
from core.grafana.templates.uid import MAX_UID_LENGTH

# Figures per run in the table: what a message shows (publish.MAX_FIGURES).
MAX_COLUMNS = 8
# Runs in the table: the newest ones, as many as a notification compares with.
MAX_RUNS = 50
_UNSAFE = re.compile(r"[^a-z0-9_-]+")
_HASH_LENGTH = 10


def comparison_uid(username: str, kind: str, series: str) -> str:
    """Deterministic, so a later `/eda compare` updates the series' dashboard instead of adding another."""
    digest = hashlib.sha256("\x00".join(("compare", username, kind, series)).encode()).hexdigest()[:_HASH_LENGTH]
    readable = _UNSAFE.sub("-", f"cmp-{username}-{kind[:1]}-{series}".lower()).strip("-_")
    return f"{readable[: MAX_UID_LENGTH - _HASH_LENGTH - 1].rstrip('-_')}-{digest}"


def _metrics(figures: dict[str, Any]) -> list[Metric]:
    return [m for m in (Metric.from_json(d) for d in figures.get("metrics") or []) if m is not None]


def _float(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "NULL::double precision"
    return f"{value!r}::double precision"


def runs_sql(runs: Sequence[tuple[str, dict[str, Any]]]) -> tuple[str, list[str]]:
    """The panel's query (one row per run, oldest first) and the figure titles it has columns for."""
    tables = [(name, {m.title: m.value for m in _metrics(figures)}) for name, figures in runs[-MAX_RUNS:]]
    titles: list[str] = []
    for _, values in tables:
        titles += [t for t in values if t not in titles]
    titles = titles[:MAX_COLUMNS]
    rows = []
    previous: dict[str, float | None] = {}
    for number, (name, values) in enumerate(tables, start=1):
        cells = [str(number), quote_literal(name)]
        for title in titles:
            value, was = values.get(title), previous.get(title)
            # Rounded: a float difference such as 0.039999999999999994 should read as the 0.04 it is.
            delta = round(value - was, 12) if value is not None and was is not None else None
            cells += [_float(value), _float(delta)]
        rows.append(f"({', '.join(cells)})")
        previous = values
    columns = [alias("#"), alias("Run")]
    for title in titles:
        columns += [alias(title), alias(f"Δ {title}")]
    if not rows:
        rows = ["(" + ", ".join(["NULL::int", "NULL::text", *["NULL::double precision"] * (2 * len(titles))]) + ")"]
        return f"SELECT * FROM (VALUES {rows[0]}) AS runs({', '.join(columns)}) WHERE false", titles
    return f"SELECT * FROM (VALUES {', '.join(rows)}) AS runs({', '.join(columns)}) ORDER BY 1", titles


def build_series_comparison(
    *, username: str, kind: str, series: str, runs: Sequence[tuple[str, dict[str, Any]]], datasource_uid: str
) -> dict[str, Any]:
    """`runs`: (table name, stored key figures) of the series' runs, oldest first."""
    sql, _ = runs_sql(runs)
    grid = PanelGrid()
    grid.row(f"Runs of {series}")
    grid.add(
        table(
            "Runs and changes",
            sql,
            datasource_uid,
            description="One row per run, oldest first: each key figure and its change (Δ) against the run above.",
        ),
        w=24,
        h=max(6, min(len(runs), MAX_RUNS) + 3),
    )
    return dashboard_model(
        uid=comparison_uid(username, kind, series),
        title=display_text(f"Series {series} · {kind} · comparison"),
        tags=["edabot", "compare", username],
        description=f"edabot comparison of the runs of {username}'s {kind} series {series}",
        panels=grid.panels,
    )
