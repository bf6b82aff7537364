"""QoR dashboards for `qor_metrics`-like long tables (stage, metric, value_num; eda-formats.md §4).

Headline figures come from the latest run (highest run_id) and, within it, the latest flow stage
that reports the metric, so a table holding several runs or every stage still shows the final QoR.
Rule checks appear when a `qor_rules` table (rules-base.json gates) sits next to the metrics.
"""

# Panel SQL is text that Grafana sends, so it cannot be parameterised: every name and literal in it
# goes through sql.quote_ident / sql.quote_literal.

from __future__ import annotations

from core.grafana.introspect import ColumnInfo, TableInfo
from core.grafana.templates import panels as p
from core.grafana.templates.sql import alias, as_float, col, quote_literal, table_ref

# ORFS flow order (METRICS2.1 stage names), then OpenLane's signoff; unknown stages rank lowest.
STAGE_ORDER = (
    "synth",
    "floorplan",
    "globalplace_skip_io",
    "globalplace_io",
    "globalplace",
    "placeopt",
    "detailedplace",
    "cts",
    "globalroute",
    "detailedroute",
    "finish_merge",
    "finish",
    "signoff",
)
HEADLINES = (
    # title, metric names, unit, decimals, thresholds, worst-of-rows (slack: min over corners/clocks)
    ("Area", ("design__instance__area",), "suffix:µm²", 2, None, False),
    ("Power", ("power__total", "power__total__total"), "watt", 4, None, False),
    ("Utilisation", ("design__instance__utilization",), "percentunit", 1, None, False),
    ("Worst setup slack", ("timing__setup__ws",), None, 3, p.RED_BELOW_ZERO, True),
    ("Worst hold slack", ("timing__hold__ws",), None, 3, p.RED_BELOW_ZERO, True),
    ("Route DRC errors", ("route__drc_errors",), None, 0, p.RED_FROM_ONE, False),
    # In Hz once loaded; the slowest clock's fmax is the design's.
    ("Fmax", ("timing__fmax",), "hertz", 0, None, True),
)
RUNTIME_METRICS = ("elapsed_seconds", "runtime__total")
COMPARISONS = ("<=", ">=", "==", "<", ">")


def stage_rank(expr: str) -> str:
    cases = " ".join(f"WHEN {quote_literal(stage)} THEN {rank}" for rank, stage in enumerate(STAGE_ORDER, 1))
    return f"(CASE {expr}::text {cases} ELSE 0 END)"


def _in(names: tuple[str, ...]) -> str:
    return ", ".join(quote_literal(name) for name in names)


def _latest_run(table: TableInfo, prefix: str = "") -> str | None:
    if not table.has("run_id"):
        return None
    return f"{prefix}{col('run_id')} = (SELECT max({col('run_id')}) FROM {table_ref(table)})"


def _value(table: TableInfo) -> ColumnInfo:
    value = table.column("value_num")
    assert value is not None
    return value


def _headline(table: TableInfo, title: str, metrics: tuple[str, ...], worst: bool) -> str:
    value = _value(table)
    v = col("value_num")
    order = []
    if table.has("run_id"):
        order.append(f"{col('run_id')} DESC NULLS LAST")
    if table.has("stage"):
        order.append(f"{stage_rank(col('stage'))} DESC")
    if table.has("qualifiers") and not worst:
        # The design-wide figure has no qualifiers; per-class/per-net breakdowns do.
        order.append(f"(COALESCE({col('qualifiers')}::text, '{{}}') IN ('{{}}', '')) DESC")
    order.append(f"{v} ASC")
    return (
        f"SELECT {as_float(value)} AS {alias(title)} FROM {table_ref(table)} "
        f"WHERE {col('metric')} IN ({_in(metrics)}) AND {v} IS NOT NULL "
        f"ORDER BY {', '.join(order)} LIMIT 1"
    )


def build_panels(table: TableInfo, datasource_uid: str) -> list[p.JsonObject]:
    ds = datasource_uid
    grid = p.PanelGrid()
    grid.row("Latest run" if table.has("run_id") else "QoR")
    grid.add_row_of(
        [
            p.stat(
                title,
                _headline(table, title, metrics, worst),
                ds,
                unit=unit,
                decimals=decimals,
                thresholds=thresholds,
            )
            for title, metrics, unit, decimals, thresholds, worst in HEADLINES
        ],
        h=4,
    )
    rules = table.related_table("qor_rules")
    if rules is not None and rules.has_numeric("threshold") and rules.has("metric_key") and rules.has("compare"):
        grid.row("Rule checks (rules-base.json)")
        checks = _rule_checks_sql(table, rules)
        grid.add(
            p.stat(
                "Failing rules",
                f"SELECT count(*) AS {alias('Failing rules')} FROM ({checks}) AS checks WHERE {col('status')} = 'FAIL'",
                ds,
                decimals=0,
                thresholds=p.RED_FROM_ONE,
            ),
            w=6,
            h=8,
        )
        grid.add(p.table("Rule checks", f"{checks} ORDER BY 1, 2", ds), w=18, h=8)

    grid.row("Flow")
    if table.has("stage"):
        grid.add(p.barchart("Runtime per stage", _runtime_sql(table), ds, x_field="stage", unit="s"), w=12, h=8)
    grid.add(p.table("Metrics", _metrics_sql(table), ds), w=12 if table.has("stage") else 24, h=8)
    return grid.panels


def _runtime_sql(table: TableInfo) -> str:
    value = _value(table)
    v, metric, stage = col("value_num"), col("metric"), col("stage")
    seconds = (
        f"COALESCE(max({v}) FILTER (WHERE {metric} = 'elapsed_seconds'), "
        f"max({v}) FILTER (WHERE {metric} = 'runtime__total'))"
    )
    latest = _latest_run(table)
    return (
        f"SELECT {stage}::text AS {alias('stage')}, {as_float(value, seconds)} AS {alias('seconds')} "
        f"FROM {table_ref(table)} WHERE {metric} IN ({_in(RUNTIME_METRICS)}) AND {v} IS NOT NULL"
        + (f" AND {latest}" if latest else "")
        + f" GROUP BY {stage} ORDER BY min({stage_rank(stage)}), 1"
    )


def _metrics_sql(table: TableInfo) -> str:
    outputs = [col(name) for name in ("stage", "metric") if table.has(name)]
    if table.has("qualifiers"):
        outputs.append(f"{col('qualifiers')}::text AS {alias('qualifiers')}")
    outputs.append(f"{as_float(_value(table))} AS {alias('value')}")
    outputs += [col(name) for name in ("value_text", "unit") if table.has(name)]
    order = ([stage_rank(col("stage"))] if table.has("stage") else []) + [col("metric")]
    latest = _latest_run(table)
    return (
        f"SELECT {', '.join(outputs)} FROM {table_ref(table)}"
        + (f" WHERE {latest}" if latest else "")
        + f" ORDER BY {', '.join(order)} LIMIT 1000"
    )


def _rules_of_this_design(table: TableInfo, rules: TableInfo) -> tuple[str, str | None]:
    """(extra join, condition) keeping only the newest rules file of the metrics run's design.

    Ingested rules live in the shared schema next to `eda_runs`, for every design the user has; without
    this, a metric would be checked against other designs' (and superseded) thresholds.
    """
    runs = table.related_table("eda_runs")
    usable = (
        runs is not None
        and runs.schema == rules.schema
        and table.has("run_id")
        and rules.has("run_id")
        and rules.has("design")
        and runs.has("run_id")
        and runs.has("design")
    )
    if not usable or runs is None:
        return "", None
    join = f" JOIN {table_ref(runs)} AS mr ON mr.{col('run_id')} = m.{col('run_id')}"
    newest = (
        f"r.{col('run_id')} = (SELECT max(r2.{col('run_id')}) FROM {table_ref(rules)} AS r2 "
        f"WHERE r2.{col('design')} IS NOT DISTINCT FROM mr.{col('design')})"
    )
    return join, newest


def _rule_checks_sql(table: TableInfo, rules: TableInfo) -> str:
    value = _value(table)
    m_value = f"m.{col('value_num')}"
    threshold, compare = f"r.{col('threshold')}", f"r.{col('compare')}::text"
    keys = [f"m.{col('metric')}::text"]
    if table.has("stage"):
        keys.append(f"m.{col('stage')}::text || '__' || m.{col('metric')}::text")
    if table.has("raw_key"):
        keys.append(f"m.{col('raw_key')}::text")
    passes = " ".join(
        f"WHEN {compare} = {quote_literal(op)} AND {m_value} {'=' if op == '==' else op} {threshold} THEN 'pass'"
        for op in COMPARISONS
    )
    status = (
        f"CASE WHEN {m_value} IS NULL OR {threshold} IS NULL OR {compare} NOT IN ({_in(COMPARISONS)}) "
        f"THEN 'n/a' {passes} ELSE 'FAIL' END"
    )
    outputs = [
        f"r.{col('metric_key')}::text AS {alias('rule')}",
        f"{compare} AS {alias('compare')}",
        f"{as_float(rules.column('threshold') or value, threshold)} AS {alias('threshold')}",
        f"{as_float(value, m_value)} AS {alias('value')}",
    ]
    if rules.has("level"):
        outputs.append(f"r.{col('level')}::text AS {alias('level')}")
    outputs.append(f"{status} AS {alias('status')}")
    latest = _latest_run(table, prefix="m.")
    runs_join, same_design = _rules_of_this_design(table, rules)
    conditions = [c for c in (latest, same_design) if c]
    return (
        f"SELECT {', '.join(outputs)} FROM {table_ref(rules)} AS r "
        f"JOIN {table_ref(table)} AS m ON r.{col('metric_key')}::text IN ({', '.join(keys)})"
        + runs_join
        + (f" WHERE {' AND '.join(conditions)}" if conditions else "")
    )
