"""Generic dashboards for any table: row count, a summary of every numeric column, a time series
when a timestamp column exists, the most frequent values of the first text column, the first rows.

Nothing is assumed about names or sizes: 500 columns, NULL-only or huge values and empty tables all
give queries that run.
"""

# Panel SQL is text that Grafana sends, so it cannot be parameterised: every name and literal in it
# goes through sql.quote_ident / sql.quote_literal.

from __future__ import annotations

from core.grafana.introspect import ColumnInfo, TableInfo
from core.grafana.templates import panels as p
from core.grafana.templates.sql import alias, as_float, col, finite_float, quote_literal, table_ref

MAX_SERIES = 8
TIME_SERIES_ROWS = 10000
FIRST_ROWS = 100


def build_panels(table: TableInfo, datasource_uid: str) -> list[p.JsonObject]:
    ds = datasource_uid
    grid = p.PanelGrid()
    src = table_ref(table)
    numeric = [c for c in table.columns if c.is_numeric]
    temporal = next((c for c in table.columns if c.is_temporal), None)
    textual = next((c for c in table.columns if c.is_textual), None)

    grid.row("Overview")
    grid.add(p.stat("Rows", f"SELECT count(*) AS {alias('Rows')} FROM {src}", ds, decimals=0), w=6, h=8)
    if numeric:
        grid.add(p.table("Numeric columns", _summary_sql(table, numeric), ds), w=18, h=8)
    if temporal is not None:
        grid.add(
            p.timeseries(f"Over time ({temporal.name})", _time_series_sql(table, temporal, numeric), ds), w=24, h=9
        )
    if textual is not None:
        grid.add(
            p.barchart(
                f"Most frequent {textual.name}",
                f"SELECT COALESCE({col(textual.name)}::text, {quote_literal('(null)')}) AS {alias('value')}, "
                f"count(*) AS {alias('rows')} FROM {src} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20",
                ds,
                x_field="value",
                horizontal=True,
            ),
            w=24,
            h=9,
        )
    grid.row("Data")
    grid.add(p.table(f"First {FIRST_ROWS} rows", _first_rows_sql(table), ds), w=24, h=12)
    return grid.panels


def _summary_sql(table: TableInfo, numeric: list[ColumnInfo]) -> str:
    """One scan, unpivoted: a wide one-row aggregate would hit PostgreSQL's 1664-column limit."""
    names = ", ".join(f"({i}, {quote_literal(c.name)})" for i, c in enumerate(numeric, 1))
    values = ", ".join(f"({i}, t.{col(c.name)}::numeric)" for i, c in enumerate(numeric, 1))
    v = "u.val"
    return (
        f"SELECT c.name AS {alias('column')}, count({v}) AS {alias('values')}, "
        f"count(u.ord) - count({v}) AS {alias('nulls')}, "
        f"{finite_float(f'min({v})')} AS {alias('min')}, {finite_float(f'max({v})')} AS {alias('max')}, "
        f"{finite_float(f'avg({v})')} AS {alias('mean')} "
        f"FROM (VALUES {names}) AS c(ord, name) "
        f"LEFT JOIN (SELECT v.ord, v.val FROM {table_ref(table)} AS t "
        f"CROSS JOIN LATERAL (VALUES {values}) AS v(ord, val)) AS u ON u.ord = c.ord "
        "GROUP BY c.ord, c.name ORDER BY c.ord"
    )


def _time_series_sql(table: TableInfo, time: ColumnInfo, numeric: list[ColumnInfo]) -> str:
    t = col(time.name)
    # Grafana reads the column named "time"; date has no time zone to speak of, so make it a timestamp.
    time_expr = f"{t}::timestamp" if time.pg_type == "date" else t
    # Macros without arguments only: an argument holding ')' or ',' would confuse Grafana's parser.
    window = f"{t} BETWEEN $__timeFrom() AND $__timeTo()"
    series = [c for c in numeric if c.name != "time"][:MAX_SERIES]
    if not series:
        return (
            f"SELECT date_trunc('day', {time_expr}) AS {alias('time')}, count(*) AS {alias('rows')} "
            f"FROM {table_ref(table)} WHERE {window} GROUP BY 1 ORDER BY 1"
        )
    outputs = ", ".join(f"{as_float(c)} AS {alias(c.name)}" for c in series)
    # Newest rows win when there are too many; the outer query restores time order for Grafana.
    return (
        f"SELECT * FROM (SELECT {time_expr} AS {alias('time')}, {outputs} FROM {table_ref(table)} "
        f"WHERE {window} ORDER BY {t} DESC LIMIT {TIME_SERIES_ROWS}) AS recent ORDER BY 1"
    )


def _first_rows_sql(table: TableInfo) -> str:
    # numeric may exceed what Grafana's float64 can show: send it as text, exact.
    outputs = [
        f"{col(c.name)}::text AS {alias(c.name)}" if c.pg_type == "numeric" else col(c.name) for c in table.columns
    ]
    return f"SELECT {', '.join(outputs) or '*'} FROM {table_ref(table)} LIMIT {FIRST_ROWS}"
