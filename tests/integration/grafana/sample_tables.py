"""Canonical EDA tables (notes/eda-formats.md §4) filled with seeded data; each loader returns the rows
it inserted so tests can compute the expected figures independently of the dashboard SQL."""

from __future__ import annotations

import json
import random
from typing import Any

import psycopg

TIMING_PATHS_DDL = """
CREATE TABLE timing_paths (run_id bigint, stage text, report_section text, corner text, mode text, scenario text,
  path_index int, path_group text, path_type text CHECK (path_type IN ('max','min')),
  startpoint text, startpoint_kind text, endpoint text, endpoint_kind text,
  launch_clock text, launch_edge text, capture_clock text, capture_edge text,
  arrival double precision, required double precision, slack double precision,
  status text CHECK (status IN ('MET','VIOLATED')), clock_period double precision,
  setup_hold_time double precision, clock_uncertainty double precision, crpr double precision,
  logic_depth int, time_unit text)
"""

TIMING_SUMMARY_DDL = """
CREATE TABLE timing_summary (run_id bigint, stage text, corner text, path_group text,
  setup_wns double precision, setup_tns double precision, setup_ws double precision,
  hold_wns double precision, hold_tns double precision, hold_ws double precision,
  setup_vio_count int, hold_vio_count int, fmax_mhz double precision, clock_period double precision,
  clock_skew_setup double precision, clock_skew_hold double precision,
  max_slew_vio int, max_cap_vio int, max_fanout_vio int)
"""

QOR_METRICS_DDL = """
CREATE TABLE qor_metrics (run_id bigint, stage text, metric text, qualifiers jsonb DEFAULT '{}',
  value_num double precision, value_text text, unit text, raw_key text, PRIMARY KEY (run_id, raw_key))
"""

QOR_RULES_DDL = """
CREATE TABLE qor_rules (design text, platform text, flow_variant text, metric_key text,
  threshold double precision, threshold_text text, compare text, level text, source_commit text)
"""

# §4 says xmin/ymin/xmax/ymax, but xmin and xmax are PostgreSQL system columns: CREATE TABLE refuses them.
DRC_VIOLATIONS_DDL = """
CREATE TABLE drc_violations (run_id bigint, checker text, rule text, rule_description text, category text,
  layer text, cell text, x_min double precision, y_min double precision, x_max double precision,
  y_max double precision,
  geometry text, sources text[], comment text, waived boolean DEFAULT false, multiplicity int DEFAULT 1)
"""

DRC_SUMMARY_DDL = """
CREATE TABLE drc_summary (run_id bigint, checker text, rule text, count int, count_flat int, description text)
"""


def load_timing_paths(conn: psycopg.Connection, table: str = "timing_paths") -> list[dict[str, Any]]:
    rng = random.Random(42)
    rows = []
    for i in range(300):
        slack = None if i % 41 == 0 else round(rng.uniform(-0.6, 1.2), 4)
        rows.append(
            {
                "run_id": 1,
                "stage": rng.choice(["cts", "finish"]),
                "corner": rng.choice(["ss_100C_1v60", "tt_025C_1v80", None]),
                "path_index": i,
                "path_group": rng.choice(["clk", "core_clock", None]),
                "path_type": "max" if i % 3 else "min",
                "startpoint": f"u{i}/CK",
                "endpoint": f"r{i}/D",
                "arrival": round(rng.uniform(0, 3), 4),
                "required": round(rng.uniform(0, 3), 4),
                "slack": slack,
                "status": None if slack is None else ("VIOLATED" if slack < 0 else "MET"),
                "time_unit": "ns",
            }
        )
    conn.execute(TIMING_PATHS_DDL.replace("timing_paths", _ident(table), 1))
    _insert(conn, table, rows)
    return rows


def load_timing_summary(conn: psycopg.Connection) -> list[dict[str, Any]]:
    rows = [
        {
            "run_id": 1,
            "stage": stage,
            "corner": corner,
            "path_group": "*",
            "setup_wns": wns,
            "setup_tns": tns,
            "hold_wns": hwns,
            "hold_tns": htns,
            "setup_vio_count": vio,
            "hold_vio_count": hvio,
            "fmax_mhz": fmax,
        }
        for stage, corner, wns, tns, hwns, htns, vio, hvio, fmax in [
            ("cts", "ss", -0.21, -3.5, 0.01, 0.0, 12, 0, 410.0),
            ("globalroute", "ss", -0.12, -1.25, -0.02, -0.04, 7, 2, 430.5),
            ("finish", "ss", -0.088, -0.9, 0.03, 0.0, 4, 0, 440.1),
            ("finish", "tt", 0.05, 0.0, 0.04, 0.0, 0, 0, 520.0),
        ]
    ]
    conn.execute(TIMING_SUMMARY_DDL)
    _insert(conn, "timing_summary", rows)
    return rows


QOR_STAGES = ("floorplan", "cts", "globalroute", "detailedroute", "finish")


def load_qor(conn: psycopg.Connection) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows: list[dict[str, Any]] = []

    def metric(
        run: int,
        stage: str,
        name: str,
        value: float | None,
        qualifiers: dict[str, str] | None = None,
        text: str | None = None,
    ) -> None:
        quals = qualifiers or {}
        suffix = "".join(f"__{k}:{v}" for k, v in quals.items())
        rows.append(
            {
                "run_id": run,
                "stage": stage,
                "metric": name,
                "qualifiers": json.dumps(quals),
                "value_num": value,
                "value_text": text,
                "unit": None,
                "raw_key": f"{stage}__{name}{suffix}",
            }
        )

    for run, scale in ((1, 1.0), (2, 1.1)):
        for n, stage in enumerate(QOR_STAGES):
            metric(run, stage, "design__instance__area", round(1000 * scale + 10 * n, 3))
            metric(run, stage, "elapsed_seconds", round(5.5 * (n + 1) * scale, 2))
            metric(run, stage, "runtime__total", None, text=f"0:{int(5.5 * (n + 1))}.00")
            metric(run, stage, "power__total", round(0.05 * scale + 0.001 * n, 5))
            metric(run, stage, "design__instance__utilization", round(0.6 + 0.01 * n, 4))
        metric(run, "finish", "design__instance__area", 154.9 * scale, {"class": "sequential_cell"})
        metric(run, "finish", "timing__setup__ws", round(-0.1 * scale, 4), {"corner": "ss"})
        metric(run, "finish", "timing__setup__ws", round(0.02 * scale, 4), {"corner": "tt"})
        metric(run, "cts", "timing__setup__ws", -0.5, {"corner": "ss"})
        metric(run, "finish", "timing__hold__ws", round(0.015 * scale, 4))
        metric(run, "detailedroute", "route__drc_errors", 3.0 if run == 2 else 0.0)
    rules = [
        {"design": "gcd", "metric_key": "finish__design__instance__area", "threshold": 1200.0, "compare": "<="},
        {
            "design": "gcd",
            "metric_key": "finish__timing__setup__ws",
            "threshold": -0.05,
            "compare": ">=",
            "level": "warning",
        },
        {"design": "gcd", "metric_key": "detailedroute__route__drc_errors", "threshold": 0.0, "compare": "=="},
        {
            "design": "gcd",
            "metric_key": "synth__netlist__hash",
            "threshold": None,
            "threshold_text": "N/A",
            "compare": "==",
        },
    ]
    conn.execute(QOR_METRICS_DDL)
    _insert(conn, "qor_metrics", rows)
    conn.execute(QOR_RULES_DDL)
    _insert(conn, "qor_rules", rules)
    return rows, rules


def load_drc_violations(conn: psycopg.Connection) -> list[dict[str, Any]]:
    rng = random.Random(7)
    rows = []
    for i in range(120):
        x, y = rng.uniform(0, 500), rng.uniform(0, 500)
        rows.append(
            {
                "run_id": 1,
                "checker": "tritonroute",
                "rule": rng.choice(["Short", "Metal Spacing", "Min Hole", None]),
                "layer": rng.choice(["met1", "met2", "via1"]),
                "cell": None,
                "x_min": x,
                "y_min": y,
                "x_max": x + 0.5,
                "y_max": y + 0.25,
                "waived": i % 10 == 0,
                "multiplicity": 2 if i % 7 == 0 else 1,
            }
        )
    conn.execute(DRC_VIOLATIONS_DDL)
    _insert(conn, "drc_violations", rows)
    return rows


def load_drc_summary(conn: psycopg.Connection) -> list[dict[str, Any]]:
    rows = [
        {"run_id": 1, "checker": "klayout", "rule": rule, "count": count, "description": f"rule {rule}"}
        for rule, count in [("M1.S.1", 14), ("M2.W.1", 0), ("V1.EN", 3), ("AN.1", 1)]
    ]
    conn.execute(DRC_SUMMARY_DDL)
    _insert(conn, "drc_summary", rows)
    return rows


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _insert(conn: psycopg.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    columns = sorted({key for row in rows for key in row})
    query = psycopg.sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        psycopg.sql.Identifier(table),
        psycopg.sql.SQL(", ").join(map(psycopg.sql.Identifier, columns)),
        psycopg.sql.SQL(", ").join(psycopg.sql.Placeholder() * len(columns)),
    )
    with conn.cursor() as cursor:
        cursor.executemany(query, [[row.get(c) for c in columns] for row in rows])
