"""DDL of the canonical tables (notes §4) in the shared schema of a per-user database.

Every fact of every run lands here (for cross-run queries); each run also gets its own table in
``public`` holding its primary facts, which is what the scanner sees as a new report.
"""

from __future__ import annotations

from psycopg import sql

SHARED_SCHEMA = "eda"

# Column lists in table order; the loader builds rows from the records' fields with the same names.
_TABLES: dict[str, str] = {
    "eda_runs": """
        run_id bigserial PRIMARY KEY,
        source_tool text, design text, platform text, flow_variant text DEFAULT 'base', run_tag text,
        started_at timestamptz, tool_version text, scripts_commit text, run_uuid text,
        time_unit text, power_unit text DEFAULT 'W', source_path text, ingested_at timestamptz DEFAULT now(),
        format text, kind text, stage text, corner text, schema_version text, run_table text""",
    "timing_paths": """
        run_id bigint NOT NULL REFERENCES {schema}.eda_runs ON DELETE CASCADE,
        stage text, report_section text, corner text, mode text, scenario text,
        path_index int, path_group text, path_type text CHECK (path_type IN ('max','min')),
        startpoint text, startpoint_kind text, endpoint text, endpoint_kind text,
        launch_clock text, launch_edge text, capture_clock text, capture_edge text,
        arrival double precision, required double precision, slack double precision,
        status text CHECK (status IN ('MET','VIOLATED')), clock_period double precision,
        setup_hold_time double precision, clock_uncertainty double precision, crpr double precision,
        logic_depth int, time_unit text""",
    # No foreign key here: a report has a million points, and checking each against eda_runs made the
    # server the slowest part of an ingest. The loader writes points only in the transaction that
    # inserts their run, and the triggers below delete them with it (see _POINTS_CASCADE).
    "timing_path_points": """
        run_id bigint NOT NULL,
        path_index int, seq int, point text, cell text, point_kind text, edge char(1),
        fanout int, cap double precision, slew double precision, incr double precision,
        path_time double precision, is_capture boolean, src_attr text""",
    "timing_summary": """
        run_id bigint NOT NULL REFERENCES {schema}.eda_runs ON DELETE CASCADE,
        stage text, corner text, path_group text,
        setup_wns double precision, setup_tns double precision, setup_ws double precision,
        hold_wns double precision, hold_tns double precision, hold_ws double precision,
        setup_vio_count int, hold_vio_count int, fmax_mhz double precision, clock_period double precision,
        clock_skew_setup double precision, clock_skew_hold double precision,
        max_slew_vio int, max_cap_vio int, max_fanout_vio int""",
    "qor_metrics": """
        run_id bigint NOT NULL REFERENCES {schema}.eda_runs ON DELETE CASCADE,
        stage text, metric text, qualifiers jsonb DEFAULT '{{}}',
        value_num double precision, value_text text, unit text, raw_key text,
        PRIMARY KEY (run_id, raw_key)""",
    "qor_rules": """
        run_id bigint NOT NULL REFERENCES {schema}.eda_runs ON DELETE CASCADE,
        design text, platform text, flow_variant text, metric_key text,
        threshold double precision, threshold_text text, compare text, level text, source_commit text""",
    "cell_usage": """
        run_id bigint NOT NULL REFERENCES {schema}.eda_runs ON DELETE CASCADE,
        stage text, module text, cell_type text, count int, area double precision""",
    "power_summary": """
        run_id bigint NOT NULL REFERENCES {schema}.eda_runs ON DELETE CASCADE,
        stage text, corner text, grp text,
        internal_w double precision, switching_w double precision, leakage_w double precision,
        total_w double precision, pct double precision""",
    "drc_violations": """
        run_id bigint NOT NULL REFERENCES {schema}.eda_runs ON DELETE CASCADE,
        checker text, rule text, rule_description text, category text,
        layer text, cell text, x_min double precision, y_min double precision, x_max double precision,
        y_max double precision, geometry text, sources text[], comment text,
        waived boolean DEFAULT false, multiplicity int DEFAULT 1""",
    "drc_summary": """
        run_id bigint NOT NULL REFERENCES {schema}.eda_runs ON DELETE CASCADE,
        checker text, rule text, count int, count_flat int, description text""",
    "antenna_violations": """
        run_id bigint NOT NULL REFERENCES {schema}.eda_runs ON DELETE CASCADE,
        net text, pin text, layer text, partial_ratio double precision, required_ratio double precision,
        ratio double precision, check_kind text""",
}

_INDEXES = (
    ("timing_paths", "run_id, path_index"),
    ("timing_summary", "run_id, stage"),
    ("qor_metrics", "metric, qualifiers"),
    ("qor_metrics", "run_id, stage"),
    ("drc_violations", "run_id, rule"),
)

FACT_TABLES: tuple[str, ...] = tuple(name for name in _TABLES if name != "eda_runs")

# What ON DELETE CASCADE does for the other fact tables, for the points: a run's points go with it,
# by a DELETE or a TRUNCATE of eda_runs. Statement-level, so deleting many runs is one join.
POINTS_CASCADE_TRIGGER = "eda_runs_points_cascade"
_POINTS_CASCADE = (
    """CREATE OR REPLACE FUNCTION {schema}.delete_run_points() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            TRUNCATE {schema}.timing_path_points;
        ELSE
            DELETE FROM {schema}.timing_path_points p USING gone g WHERE p.run_id = g.run_id;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE TRIGGER {trigger} AFTER DELETE ON {schema}.eda_runs
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION {schema}.delete_run_points()""",
    """CREATE OR REPLACE TRIGGER {truncate_trigger} AFTER TRUNCATE ON {schema}.eda_runs
    FOR EACH STATEMENT EXECUTE FUNCTION {schema}.delete_run_points()""",
    # Databases made before the trigger had a foreign key on the points: drop it (the trigger replaces it).
    "ALTER TABLE {schema}.timing_path_points DROP CONSTRAINT IF EXISTS timing_path_points_run_id_fkey",
    # Points arrive in run order and are only ever appended, so a block-range index finds a run's or a
    # path's points for a fraction of the upkeep of a B-tree entry per point (it replaces that one).
    "DROP INDEX IF EXISTS {schema}.timing_path_points_run_id_path_index_idx",
    "CREATE INDEX IF NOT EXISTS timing_path_points_run_brin ON {schema}.timing_path_points "
    "USING brin (run_id, path_index)",
)


def ddl_statements(schema: str = SHARED_SCHEMA) -> list[sql.Composed]:
    """CREATE statements for the shared schema and its tables, safe to run when they already exist."""
    ident = sql.Identifier(schema)
    out = [sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(ident)]
    for name, columns in _TABLES.items():
        body = columns.format(schema=ident.as_string(None))
        out.append(
            sql.SQL("CREATE TABLE IF NOT EXISTS {}.{} (").format(ident, sql.Identifier(name))
            + sql.SQL(body)
            + sql.SQL(")")
        )
    for table, cols in _INDEXES:
        index = f"{table}_{'_'.join(c.strip() for c in cols.split(','))}_idx"
        out.append(
            sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {}.{} (").format(
                sql.Identifier(index), ident, sql.Identifier(table)
            )
            + sql.SQL(", ").join(sql.Identifier(c.strip()) for c in cols.split(","))
            + sql.SQL(")")
        )
    trigger = sql.Identifier(POINTS_CASCADE_TRIGGER)
    truncate_trigger = sql.Identifier(f"{POINTS_CASCADE_TRIGGER}_truncate")
    for stmt in _POINTS_CASCADE:
        out.append(sql.SQL(stmt).format(schema=ident, trigger=trigger, truncate_trigger=truncate_trigger))
    return out
