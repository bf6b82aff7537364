"""A user's series at a glance: each series' runs with their figures, the latest run against the one before
it, the WNS trend and whether the series is muted. Read by the REST API and the App Home tab."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from core import comparison, series_mutes, users
from core.authz import Actor, require_target
from core.comparison import Metric, Verdict
from core.context import CoreContext
from core.db.models import Dashboard

MAX_SERIES = 500
MAX_RUNS = 500


@dataclass(frozen=True)
class RunFigure:
    """One key figure of a run: `value` is in `unit` (the unit messages show; None for a plain number, or for a
    row stored before figures carried numbers, which then has only its text in `shown`)."""

    title: str
    value: float | None
    unit: str | None
    shown: str


@dataclass(frozen=True)
class SeriesRun:
    dashboard_id: int
    table: str
    state: str
    posted_at: datetime | None  # None while it waits, when it failed, or when its series was muted
    grafana_url: str | None
    figures: tuple[RunFigure, ...]


@dataclass(frozen=True)
class LatestFigure:
    """A figure of the latest run against the run before it; `value` and `previous` are in `unit`."""

    title: str
    value: float | None
    previous: float | None
    unit: str | None
    shown: str
    change: str | None  # e.g. "▼ 12.0 ps"; None without a previous run to compare with
    verdict: Verdict
    best_so_far: bool
    first_regression: bool


@dataclass(frozen=True)
class SeriesOverview:
    kind: str
    series: str
    muted: bool
    runs: tuple[SeriesRun, ...]  # oldest first: the last is the latest run
    run_count: int  # every run of the series, also those beyond the `runs` asked for
    latest: tuple[LatestFigure, ...]  # the latest run's figures against the run before it
    wns_trend: tuple[float, ...]  # setup WNS of the last runs that have one, oldest first (ns)
    sparkline: str

    @property
    def latest_run(self) -> SeriesRun:
        return self.runs[-1]


def _metrics(figures: dict[str, Any]) -> list[Metric]:
    return [m for m in (Metric.from_json(d) for d in figures.get("metrics") or []) if m is not None]


def _scaled(value: float | None, factor: float) -> float | None:
    return value * factor if value is not None else None


def _figure(metric: Metric) -> RunFigure:
    label, factor = comparison.unit_of(metric)
    return RunFigure(metric.title, _scaled(metric.value, factor), label or None, comparison.show(metric))


def run_figures(figures: dict[str, Any] | None) -> tuple[RunFigure, ...]:
    """A dashboard's stored key figures as numbers with units; rows from before figures carried numbers keep
    their text only."""
    if not figures:
        return ()
    metrics = _metrics(figures)
    if metrics:
        return tuple(_figure(m) for m in metrics)
    return tuple(
        RunFigure(str(row[0]), None, None, str(row[1]))
        for row in figures.get("figures") or []
        if isinstance(row, list | tuple) and len(row) >= 2
    )


def _latest(figures: dict[str, Any], earlier: Sequence[dict[str, Any]]) -> tuple[LatestFigure, ...]:
    changes = comparison.message_figures(figures, earlier)[0]
    metrics = _metrics(figures)
    if not metrics:  # a row stored before figures carried numbers: its text only
        return tuple(
            LatestFigure(c.title, None, None, None, c.shown, c.change, c.verdict, c.best_so_far, c.first_regression)
            for c in changes
        )
    latest = []
    # message_figures gives one change per metric, in the run's order.
    for change, metric in zip(changes, metrics, strict=True):
        unit, factor = comparison.unit_of(metric)
        latest.append(
            LatestFigure(
                change.title,
                _scaled(metric.value, factor),
                _scaled(change.previous, factor),
                unit or None,
                change.shown,
                change.change,
                change.verdict,
                change.best_so_far,
                change.first_regression,
            )
        )
    return tuple(latest)


def _overview(kind: str, series: str, muted: bool, rows: Sequence[Dashboard], run_count: int) -> SeriesOverview:
    runs = tuple(
        SeriesRun(r.id, r.table_name, r.state, r.slack_sent_at, r.grafana_url, run_figures(r.key_figures)) for r in rows
    )
    stored = [r.key_figures for r in rows if r.key_figures]
    newest = rows[-1].key_figures
    # Against every earlier run that has figures (posted or not): the overview shows the series as it is.
    latest = _latest(newest, stored[:-1]) if newest else ()
    trend = tuple(comparison.wns_trend(stored))
    return SeriesOverview(kind, series, muted, runs, run_count, latest, trend, comparison.sparkline(trend))


@dataclass(frozen=True)
class UserSeries:
    id: int
    username: str
    series: tuple[SeriesOverview, ...]


def list_series(
    *, ctx: CoreContext, actor: Actor, username: str | None = None, limit: int = 50, runs: int = 50
) -> UserSeries:
    """The user's series, the one with the newest run first; each with at most its last `runs` runs."""
    target = require_target(actor, username, "see series")
    limit, runs = max(1, min(limit, MAX_SERIES)), max(1, min(runs, MAX_RUNS))
    with ctx.db.session() as session:
        owner = users.require(session, target)
        mine = (Dashboard.user_id == owner.id, Dashboard.series.is_not(None))
        keys = session.execute(
            select(Dashboard.kind, Dashboard.series, func.max(Dashboard.id).label("newest"), func.count())
            .where(*mine)
            .group_by(Dashboard.kind, Dashboard.series)
            .order_by(func.max(Dashboard.id).desc())
            .limit(limit)
        ).all()
        if not keys:
            return UserSeries(owner.id, owner.username, ())
        # The last `runs` runs of each chosen series, in one query.
        place = (
            func.row_number()
            .over(partition_by=(Dashboard.kind, Dashboard.series), order_by=Dashboard.id.desc())
            .label("place")
        )
        chosen = {(k.kind, k.series) for k in keys}
        ranked = (
            select(Dashboard.id, place)
            .where(*mine, Dashboard.series.in_({s for _, s in chosen}), Dashboard.kind.in_({k for k, _ in chosen}))
            .subquery()
        )
        rows = session.scalars(
            select(Dashboard)
            .join(ranked, ranked.c.id == Dashboard.id)
            .where(ranked.c.place <= runs)
            .order_by(Dashboard.id)
        ).all()
        by_series: dict[tuple[str, str], list[Dashboard]] = {}
        for row in rows:
            assert row.series is not None  # selected above
            by_series.setdefault((row.kind, row.series), []).append(row)
        muted = {(m.kind, m.series) for m in series_mutes.muted(session, user_id=owner.id)}
        overviews = tuple(
            _overview(k.kind, k.series, (k.kind, k.series) in muted, by_series[(k.kind, k.series)], int(k[3]))
            for k in keys
        )
        return UserSeries(owner.id, owner.username, overviews)
