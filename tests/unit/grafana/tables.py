"""TableInfo examples for template tests: canonical tables and the inputs that try to break them."""

from __future__ import annotations

from core.grafana.introspect import ColumnInfo, TableInfo

D, INT, N, T, TS = "double precision", "integer", "numeric", "text", "timestamp with time zone"


def table(name: str, *columns: tuple[str, str], related: tuple[TableInfo, ...] = ()) -> TableInfo:
    return TableInfo("public", name, tuple(ColumnInfo(n, t) for n, t in columns), row_count=10, related=related)


TIMING_PATHS = table(
    "timing_paths",
    ("run_id", "bigint"),
    ("stage", T),
    ("corner", T),
    ("path_group", T),
    ("path_type", T),
    ("startpoint", T),
    ("endpoint", T),
    ("arrival", D),
    ("required", D),
    ("slack", N),
    ("status", T),
    ("clock_period", D),
    ("time_unit", T),
)
TIMING_SUMMARY = table(
    "timing_summary",
    ("stage", T),
    ("corner", T),
    ("path_group", T),
    ("setup_wns", D),
    ("setup_tns", D),
    ("hold_wns", D),
    ("hold_tns", D),
    ("setup_vio_count", INT),
    ("hold_vio_count", INT),
    ("fmax_mhz", D),
    ("clock_period", D),
)
QOR_RULES = table("qor_rules", ("metric_key", T), ("threshold", D), ("compare", T), ("level", T))
QOR_METRICS = table(
    "qor_metrics",
    ("run_id", "bigint"),
    ("stage", T),
    ("metric", T),
    ("qualifiers", "jsonb"),
    ("value_num", D),
    ("value_text", T),
    ("unit", T),
    ("raw_key", T),
    related=(QOR_RULES,),
)
DRC_VIOLATIONS = table(
    "drc_violations",
    ("checker", T),
    ("rule", T),
    ("layer", T),
    ("x_min", D),
    ("y_min", D),
    ("x_max", D),
    ("y_max", D),
    ("waived", "boolean"),
    ("multiplicity", INT),
)
DRC_SUMMARY = table("drc_summary", ("checker", T), ("rule", T), ("count", INT), ("description", T))

CANONICAL = {
    "timing": [TIMING_PATHS, TIMING_SUMMARY, table("minimal_paths", ("endpoint", T), ("slack", D))],
    "qor": [QOR_METRICS, table("bare_metrics", ("metric", T), ("value_num", N))],
    "drc": [DRC_VIOLATIONS, DRC_SUMMARY, table("rules_only", ("rule", T), ("layer", T))],
}

HOSTILE_NAMES = ["select", "My Table", "50% done", "it's", "Ünïcødé 表", "$__timeFilter(x)", "[[var]]", 'a"b', "x" * 63]
HOSTILE = [
    table("wide", ("ts", TS), *[(f"c{i}", (D, INT, N, T, "boolean")[i % 5]) for i in range(1, 500)]),
    table("one", ("v", D)),
    table("none"),
    table("all_text", ("a", T), ("b", "character varying")),
    table("odd_types", ("j", "jsonb"), ("arr", "int4[]"), ("e", "mood"), ("b", "bytea"), ("d", "date")),
    *[
        table(name, ("select", INT), ("$__time(ts)", TS), ("${x}", D), ("My Col", N), ("'q'", T), ("time", D))
        for name in HOSTILE_NAMES
    ],
]
