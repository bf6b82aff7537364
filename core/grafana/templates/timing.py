"""Timing dashboards: `timing_paths`-like tables (one row per path, slack in ns) and
`timing_summary`-like tables (WNS/TNS per stage, corner and path group); eda-formats.md §4.

Setup paths are `path_type` 'max' (or 'setup'), hold paths 'min' (or 'hold'). WNS is the minimum
slack, TNS the sum of negative slacks, a violating path one with negative slack.
"""

# Panel SQL is text that Grafana sends, so it cannot be parameterised: every name and literal in it
# goes through sql.quote_ident / sql.quote_literal.

from __future__ import annotations

from core.grafana.introspect import TableInfo
from core.grafana.templates import panels as p
from core.grafana.templates.sql import alias, as_float, col, quote_literal, safe_sum, table_ref

SETUP_TYPES = ("max", "setup")
HOLD_TYPES = ("min", "hold")
GROUPINGS = ("path_group", "corner", "stage")
PATH_COLUMNS = (
    "startpoint",
    "endpoint",
    "path_group",
    "corner",
    "stage",
    "launch_clock",
    "capture_clock",
    "arrival",
    "required",
)
SUMMARY_METRICS = (
    ("setup_wns", "Setup WNS", "min", p.RED_BELOW_ZERO, "ns"),
    ("setup_tns", "Setup TNS", "min", p.RED_BELOW_ZERO, "ns"),
    ("setup_vio_count", "Setup violations", "max", p.RED_FROM_ONE, None),
    ("hold_wns", "Hold WNS", "min", p.RED_BELOW_ZERO, "ns"),
    ("hold_tns", "Hold TNS", "min", p.RED_BELOW_ZERO, "ns"),
    ("hold_vio_count", "Hold violations", "max", p.RED_FROM_ONE, None),
    ("fmax_mhz", "Fmax", "min", None, "MHz"),
    # The fastest clock's period: a WNS change is judged against it (core.comparison.regressions).
    ("clock_period", "Clock period", "min", None, "ns"),
)
SUMMARY_ORDER = ("stage", "corner", "path_group", "mode")


def build_panels(table: TableInfo, datasource_uid: str) -> list[p.JsonObject]:
    if table.has_numeric("slack"):
        return _paths_panels(table, datasource_uid)
    return _summary_panels(table, datasource_uid)


def _where(*conditions: str | None) -> str:
    present = [c for c in conditions if c]
    return f" WHERE {' AND '.join(present)}" if present else ""


def _path_type_filter(table: TableInfo, names: tuple[str, ...]) -> str | None:
    if not table.has("path_type"):
        return None
    wanted = ", ".join(quote_literal(name) for name in names)
    # ::text so enum-typed or varchar columns compare the same way.
    return f"lower({col('path_type')}::text) IN ({wanted})"


def _slack_stats(table: TableInfo, ds: str, label: str, path_filter: str | None) -> list[p.JsonObject]:
    slack = table.column("slack")
    assert slack is not None
    src, s = table_ref(table), col("slack")
    prefix = f"{label} " if label else ""
    return [
        p.stat(
            f"{prefix}WNS",
            f"SELECT {as_float(slack, f'min({s})')} AS {alias('WNS')} FROM {src}{_where(path_filter)}",
            ds,
            unit="ns",
            decimals=3,
            thresholds=p.RED_BELOW_ZERO,
            description="Worst slack: the minimum slack over these paths.",
        ),
        p.stat(
            f"{prefix}TNS",
            f"SELECT {safe_sum(s, where=f'{s} < 0', zero_if_none=True)} AS {alias('TNS')} "
            f"FROM {src}{_where(path_filter)}",
            ds,
            unit="ns",
            decimals=3,
            thresholds=p.RED_BELOW_ZERO,
            description="Total negative slack: the sum of the negative slacks.",
        ),
        p.stat(
            f"{prefix}violating paths",
            f"SELECT count(*) AS {alias('Violating paths')} FROM {src}{_where(path_filter, f'{s} < 0')}",
            ds,
            decimals=0,
            thresholds=p.RED_FROM_ONE,
        ),
    ]


def _paths_panels(table: TableInfo, ds: str) -> list[p.JsonObject]:
    grid = p.PanelGrid()
    src = table_ref(table)
    slack = table.column("slack")
    assert slack is not None
    s = col("slack")
    setup = _path_type_filter(table, SETUP_TYPES)
    hold = _path_type_filter(table, HOLD_TYPES)

    grid.row("Setup (max paths)" if setup else "Slack")
    stats = _slack_stats(table, ds, "Setup" if setup else "", setup)
    stats.append(p.stat("Paths", f"SELECT count(*) AS {alias('Paths')} FROM {src}", ds, decimals=0))
    period = table.column("clock_period")
    if period is not None and period.is_numeric:
        # The fastest clock's period: a WNS change is judged against it (core.comparison.regressions).
        stats.append(
            p.stat(
                "Clock period",
                f"SELECT {as_float(period, f'min({col(period.name)})')} AS {alias('Clock period')} FROM {src}",
                ds,
                unit="ns",
                decimals=3,
            )
        )
    grid.add_row_of(stats, h=4)
    if hold:
        grid.row("Hold (min paths)")
        grid.add_row_of(_slack_stats(table, ds, "Hold", hold), h=4)

    grid.row("Paths")
    grid.add(
        p.histogram(
            "Slack distribution" + (" (setup)" if setup else ""),
            f"SELECT {as_float(slack)} AS {alias('slack')} FROM {src}{_where(setup, f'{s} IS NOT NULL')} LIMIT 100000",
            ds,
            unit="ns",
        ),
        w=12,
        h=9,
    )
    shown = [name for name in PATH_COLUMNS if table.has(name)]
    outputs = []
    for name in shown:
        column = table.column(name)
        assert column is not None
        outputs.append(f"{as_float(column)} AS {alias(name)}" if column.is_numeric else col(name))
    outputs.append(f"{as_float(slack)} AS {alias('slack')}")
    grid.add(
        p.table(
            "Worst 20 paths" + (" (setup)" if setup else ""),
            f"SELECT {', '.join(outputs)} FROM {src}{_where(setup, f'{s} IS NOT NULL')} ORDER BY {s} ASC LIMIT 20",
            ds,
        ),
        w=12,
        h=9,
    )

    groupings = [name for name in GROUPINGS if table.has(name)]
    if groupings:
        grid.row("Slack by group")
        width = max(8, 24 // len(groupings))
        for name in groupings:
            grid.add(_by_group(table, ds, name, setup), w=width, h=8)
    return grid.panels


def _by_group(table: TableInfo, ds: str, name: str, setup: str | None) -> p.JsonObject:
    slack = table.column("slack")
    assert slack is not None
    s = col("slack")
    label = name.replace("_", " ")
    sql = (
        f"SELECT COALESCE({col(name)}::text, {quote_literal('(none)')}) AS {alias(name)}, "
        f"{as_float(slack, f'min({s})')} AS {alias('WNS')}, "
        f"{safe_sum(s, where=f'{s} < 0', zero_if_none=True)} AS {alias('TNS')} "
        f"FROM {table_ref(table)}{_where(setup)} GROUP BY 1 ORDER BY 2 ASC NULLS LAST, 1 LIMIT 50"
    )
    return p.barchart(f"WNS and TNS by {label}", sql, ds, x_field=name, unit="ns")


def _summary_panels(table: TableInfo, ds: str) -> list[p.JsonObject]:
    grid = p.PanelGrid()
    src = table_ref(table)
    grid.row("Timing summary (worst over all rows)")
    stats = []
    for name, title, func, thresholds, unit in SUMMARY_METRICS:
        column = table.column(name)
        if column is None or not column.is_numeric:
            continue
        stats.append(
            p.stat(
                title,
                f"SELECT {as_float(column, f'{func}({col(name)})')} AS {alias(title)} FROM {src}",
                ds,
                unit=unit,
                decimals=0 if unit is None else 3,
                thresholds=thresholds,
            )
        )
    grid.add_row_of(stats, h=4)

    wns = table.column("setup_wns")
    by = next((name for name in ("stage", "corner") if table.has(name)), None)
    if wns is not None and wns.is_numeric and by is not None:
        grid.add(
            p.barchart(
                f"Setup WNS by {by}",
                f"SELECT COALESCE({col(by)}::text, {quote_literal('(none)')}) AS {alias(by)}, "
                f"{as_float(wns, f'min({col(wns.name)})')} AS {alias('Setup WNS')} "
                f"FROM {src} GROUP BY 1 ORDER BY 1 LIMIT 50",
                ds,
                x_field=by,
                unit="ns",
            ),
            w=24,
            h=8,
        )
    order = [col(name) for name in SUMMARY_ORDER if table.has(name)]
    outputs = [
        f"{as_float(column)} AS {alias(column.name)}" if column.is_numeric else col(column.name)
        for column in table.columns
    ]
    grid.add(
        p.table(
            "All rows",
            f"SELECT {', '.join(outputs) or '*'} FROM {src}"
            + (f" ORDER BY {', '.join(order)}" if order else "")
            + " LIMIT 500",
            ds,
        ),
        w=24,
        h=10,
    )
    return grid.panels
