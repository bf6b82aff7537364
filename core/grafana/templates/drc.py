"""DRC dashboards for `drc_violations`-like tables (one row per marker: rule, layer, bounding box)
and `drc_summary`-like tables (rule, count); eda-formats.md §4.

A marker counts `multiplicity` times when that column exists (KLayout items may stand for several
occurrences); rows with `waived` true are left out of the totals and shown apart.

The §4 DDL names the box `xmin/ymin/xmax/ymax`, but `xmin` and `xmax` are PostgreSQL system columns and
cannot be table columns; the box is therefore looked up under several spellings (BOX_COLUMNS).
"""

# Panel SQL is text that Grafana sends, so it cannot be parameterised: every name and literal in it
# goes through sql.quote_ident / sql.quote_literal.

from __future__ import annotations

from core.grafana.introspect import TableInfo
from core.grafana.templates import panels as p
from core.grafana.templates.sql import alias, as_float, col, quote_literal, safe_sum, table_ref

LOCATION_COLUMNS = ("rule", "layer", "cell", "checker")
BOX_COLUMNS = (
    ("x_min", "y_min", "x_max", "y_max"),
    ("llx", "lly", "urx", "ury"),
    ("bbox_xmin", "bbox_ymin", "bbox_xmax", "bbox_ymax"),
    ("xmin", "ymin", "xmax", "ymax"),  # possible in views only
    ("x", "y", "", ""),
)


def box_columns(table: TableInfo) -> tuple[str, str, str, str] | None:
    """(x low, y low, x high, y high) column names; the high pair may be "" for point locations."""
    for x_low, y_low, x_high, y_high in BOX_COLUMNS:
        if table.has_numeric(x_low) and table.has_numeric(y_low):
            if table.has_numeric(x_high) and table.has_numeric(y_high):
                return x_low, y_low, x_high, y_high
            return x_low, y_low, "", ""
    return None


def _not_waived(table: TableInfo) -> str | None:
    waived = table.column("waived")
    if waived is None or waived.pg_type != "boolean":
        return None
    return f"{col('waived')} IS NOT TRUE"


def _count_expr(table: TableInfo) -> str:
    """The number of violations a group of rows stands for."""
    if _is_summary(table):
        return safe_sum(col("count"), zero_if_none=True)
    if table.has_numeric("multiplicity"):
        return safe_sum(f"COALESCE({col('multiplicity')}, 1)", zero_if_none=True)
    return "count(*)"


def _is_summary(table: TableInfo) -> bool:
    """One row per rule with a count, rather than one row per marker."""
    return table.has_numeric("count") and box_columns(table) is None


def _where(*conditions: str | None) -> str:
    present = [c for c in conditions if c]
    return f" WHERE {' AND '.join(present)}" if present else ""


def build_panels(table: TableInfo, datasource_uid: str) -> list[p.JsonObject]:
    ds = datasource_uid
    grid = p.PanelGrid()
    src = table_ref(table)
    active = _not_waived(table)
    count = _count_expr(table)
    summary = _is_summary(table)
    box = box_columns(table)

    grid.row("DRC")
    rules_violated = (
        f"count(DISTINCT {col('rule')}) FILTER (WHERE {col('count')} > 0)"
        if summary
        else f"count(DISTINCT {col('rule')})"
    )
    stats = [
        p.stat(
            "Total violations",
            f"SELECT {count} AS {alias('Violations')} FROM {src}{_where(active)}",
            ds,
            decimals=0,
            thresholds=p.RED_FROM_ONE,
        ),
        p.stat(
            "Rules violated",
            f"SELECT {rules_violated} AS {alias('Rules')} FROM {src}{_where(active)}",
            ds,
            decimals=0,
            thresholds=p.RED_FROM_ONE,
        ),
    ]
    if table.has("layer"):
        stats.append(
            p.stat(
                "Layers affected",
                f"SELECT count(DISTINCT {col('layer')}) AS {alias('Layers')} FROM {src}{_where(active)}",
                ds,
                decimals=0,
            )
        )
    if active:
        stats.append(
            p.stat(
                "Waived",
                f"SELECT count(*) AS {alias('Waived')} FROM {src} WHERE {col('waived')} IS TRUE",
                ds,
                decimals=0,
            )
        )
    grid.add_row_of(stats, h=4)

    grid.row("Breakdown")
    breakdowns = [name for name in ("rule", "layer") if table.has(name)]
    for name in breakdowns:
        grid.add(
            p.barchart(
                f"Violations by {name}",
                f"SELECT COALESCE({col(name)}::text, {quote_literal('(none)')}) AS {alias(name)}, "
                f"{count} AS {alias('violations')} FROM {src}{_where(active)} "
                "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 25",
                ds,
                x_field=name,
                horizontal=True,
            ),
            w=24 // len(breakdowns),
            h=10,
        )

    if box is not None:
        grid.row("Locations")
        grid.add(p.table("Violation locations (first 500)", _locations_sql(table, box, active), ds), w=24, h=10)
    elif summary:
        outputs = [col(name) for name in ("checker", "rule", "description") if table.has(name)]
        count_col = table.column("count")
        assert count_col is not None
        outputs.append(f"{as_float(count_col)} AS {alias('count')}")
        grid.add(
            p.table(
                "Rules",
                f"SELECT {', '.join(outputs)} FROM {src} ORDER BY {col('count')} DESC NULLS LAST, 1 LIMIT 500",
                ds,
            ),
            w=24,
            h=10,
        )
    return grid.panels


def _centre(table: TableInfo, low: str, high: str) -> str:
    low_col = table.column(low)
    assert low_col is not None
    high_col = table.column(high) if high else None
    if high_col is None:
        return as_float(low_col)
    # Halve before adding: (low + high) / 2 overflows float8 for huge coordinates.
    return f"({as_float(low_col)} / 2 + {as_float(high_col)} / 2)"


def _locations_sql(table: TableInfo, box: tuple[str, str, str, str], active: str | None) -> str:
    x_low, y_low, x_high, y_high = box
    outputs = [f"{col(name)}::text AS {alias(name)}" for name in LOCATION_COLUMNS if table.has(name)]
    outputs += [f"{_centre(table, x_low, x_high)} AS {alias('x')}", f"{_centre(table, y_low, y_high)} AS {alias('y')}"]
    order = [col(name) for name in ("rule", "layer") if table.has(name)] + [col(x_low), col(y_low)]
    return f"SELECT {', '.join(outputs)} FROM {table_ref(table)}{_where(active)} ORDER BY {', '.join(order)} LIMIT 500"
