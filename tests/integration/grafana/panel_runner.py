"""Runs every panel query of a dashboard as Grafana would: macros expanded, as the read-only role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from tests.fakes.grafana.macros import TimeRange, expand_macros
from tests.fakes.grafana.sqlrun import lenient_datetimes


def wide_range() -> TimeRange:
    """From 1970 to tomorrow: every row the tests insert falls inside."""
    return TimeRange(datetime.fromtimestamp(0, UTC), datetime.now(UTC) + timedelta(days=1))


@dataclass
class PanelResult:
    title: str
    panel_type: str
    sql: str
    columns: list[str]
    rows: list[tuple[Any, ...]]
    error: str | None

    def value(self) -> Any:
        """The single value a stat panel shows (first column of the last row)."""
        assert self.error is None, self.error
        assert len(self.rows) <= 1, f"{self.title} returned {len(self.rows)} rows"
        return self.rows[-1][0] if self.rows else None

    def column(self, name: str) -> list[Any]:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]


def run_panels(
    conn: psycopg.Connection, dashboard: dict[str, Any], time_range: TimeRange | None = None
) -> dict[str, PanelResult]:
    time_range = time_range or wide_range()
    lenient_datetimes(conn)
    results: dict[str, PanelResult] = {}
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            continue
        (target,) = panel["targets"]
        sql = expand_macros(target["rawSql"], time_range)
        try:
            cursor = conn.execute(sql)
            columns = [c.name for c in cursor.description or []]
            rows = cursor.fetchall()
            result = PanelResult(panel["title"], panel["type"], sql, columns, rows, None)
        except psycopg.Error as exc:
            result = PanelResult(panel["title"], panel["type"], sql, [], [], str(exc))
        assert panel["title"] not in results, f"duplicate panel title {panel['title']!r}"
        results[panel["title"]] = result
    return results


def errors(results: dict[str, PanelResult]) -> dict[str, str]:
    return {title: f"{r.error}\n{r.sql}" for title, r in results.items() if r.error is not None}
