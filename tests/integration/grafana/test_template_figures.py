"""Dashboards built from real canonical tables: every panel query runs as the SELECT-only reader role,
and the figures equal values computed here from the inserted rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from pytest import approx

from core.grafana.introspect import classify, describe_table
from core.grafana.templates import build_dashboard
from tests.integration.grafana import sample_tables
from tests.integration.grafana.conftest import ScratchUser
from tests.integration.grafana.panel_runner import PanelResult, errors, run_panels

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def loaded(scratch_user: ScratchUser) -> Iterator[dict[str, Any]]:
    data: dict[str, Any] = {}
    with scratch_user.owner_conn("timing") as conn:
        data["timing_paths"] = sample_tables.load_timing_paths(conn)
        data["timing_summary"] = sample_tables.load_timing_summary(conn)
    with scratch_user.owner_conn("qor") as conn:
        data["qor_metrics"], data["qor_rules"] = sample_tables.load_qor(conn)
    with scratch_user.owner_conn("drc") as conn:
        data["drc_violations"] = sample_tables.load_drc_violations(conn)
        data["drc_summary"] = sample_tables.load_drc_summary(conn)
    yield data
    for kind, tables in (
        ("timing", ("timing_paths", "timing_summary")),
        ("qor", ("qor_metrics", "qor_rules")),
        ("drc", ("drc_violations", "drc_summary")),
    ):
        with scratch_user.owner_conn(kind) as conn:
            for table in tables:
                conn.execute(f'DROP TABLE IF EXISTS "{table}"')


def _panels(user: ScratchUser, kind: str, table: str, expect_kind: str) -> dict[str, PanelResult]:
    with user.reader_conn(kind) as conn:
        info = describe_table(conn, table)
        assert classify(info) == expect_kind
        dashboard = build_dashboard(
            expect_kind, info, username=user.username, datasource_uid=f"ds-{kind}", database_kind=kind
        )
        results = run_panels(conn, dashboard)
    assert errors(results) == {}
    return results


def test_reader_role_is_read_only(scratch_user: ScratchUser, loaded: dict[str, Any]) -> None:
    with scratch_user.reader_conn("timing") as conn, pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        conn.execute("CREATE TEMP TABLE sneaky (x int)")
    with scratch_user.reader_conn("timing") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SET default_transaction_read_only = off")
        conn.execute("DELETE FROM timing_paths")


def test_timing_paths_figures(scratch_user: ScratchUser, loaded: dict[str, Any]) -> None:
    rows = loaded["timing_paths"]
    panels = _panels(scratch_user, "timing", "timing_paths", "timing")
    setup = [r["slack"] for r in rows if r["path_type"] == "max" and r["slack"] is not None]
    hold = [r["slack"] for r in rows if r["path_type"] == "min" and r["slack"] is not None]

    assert panels["Setup WNS"].value() == approx(min(setup))
    assert panels["Setup TNS"].value() == approx(sum(s for s in setup if s < 0))
    assert panels["Setup violating paths"].value() == sum(1 for s in setup if s < 0)
    assert panels["Hold WNS"].value() == approx(min(hold))
    assert panels["Hold TNS"].value() == approx(sum(s for s in hold if s < 0))
    assert panels["Hold violating paths"].value() == sum(1 for s in hold if s < 0)
    assert panels["Paths"].value() == len(rows)

    worst = panels["Worst 20 paths (setup)"]
    assert worst.column("slack") == approx(sorted(setup)[:20])
    assert (
        worst.column("endpoint")[0]
        == min((r for r in rows if r["path_type"] == "max" and r["slack"] is not None), key=lambda r: r["slack"])[
            "endpoint"
        ]
    )
    assert sorted(panels["Slack distribution (setup)"].column("slack")) == approx(sorted(setup))

    for group in ("path_group", "corner", "stage"):
        by: dict[str, list[float]] = defaultdict(list)
        for r in rows:
            if r["path_type"] == "max":
                by[r[group] or "(none)"].append(r["slack"])
        chart = panels[f"WNS and TNS by {group.replace('_', ' ')}"]
        got = {label: (wns, tns) for label, wns, tns in chart.rows}
        expected = {
            label: (min(s for s in slacks if s is not None), sum(s for s in slacks if s is not None and s < 0))
            for label, slacks in by.items()
        }
        assert got.keys() == expected.keys()
        for label, (wns, tns) in expected.items():
            assert got[label] == approx((wns, tns)), label


def test_timing_summary_figures(scratch_user: ScratchUser, loaded: dict[str, Any]) -> None:
    rows = loaded["timing_summary"]
    panels = _panels(scratch_user, "timing", "timing_summary", "timing")
    assert panels["Setup WNS"].value() == approx(min(r["setup_wns"] for r in rows))
    assert panels["Setup TNS"].value() == approx(min(r["setup_tns"] for r in rows))
    assert panels["Setup violations"].value() == max(r["setup_vio_count"] for r in rows)
    assert panels["Hold WNS"].value() == approx(min(r["hold_wns"] for r in rows))
    assert panels["Fmax"].value() == approx(min(r["fmax_mhz"] for r in rows))
    assert len(panels["All rows"].rows) == len(rows)
    by_stage = dict(panels["Setup WNS by stage"].rows)
    assert by_stage["finish"] == approx(-0.088)


def _latest(rows: list[dict[str, Any]], metric: str, *, worst: bool = False) -> float:
    stage_rank = {stage: n for n, stage in enumerate(sample_tables.QOR_STAGES)}
    candidates = [r for r in rows if r["metric"] == metric and r["value_num"] is not None]
    run = max(r["run_id"] for r in candidates)
    in_run = [r for r in candidates if r["run_id"] == run]
    stage = max((r["stage"] for r in in_run), key=stage_rank.__getitem__)
    at_stage = [r for r in in_run if r["stage"] == stage]
    if worst:
        return min(r["value_num"] for r in at_stage)
    plain = [r for r in at_stage if r["qualifiers"] == "{}"]
    return min(r["value_num"] for r in plain or at_stage)


def test_qor_figures(scratch_user: ScratchUser, loaded: dict[str, Any]) -> None:
    rows, rules = loaded["qor_metrics"], loaded["qor_rules"]
    panels = _panels(scratch_user, "qor", "qor_metrics", "qor")
    assert panels["Area"].value() == approx(_latest(rows, "design__instance__area"))
    assert panels["Power"].value() == approx(_latest(rows, "power__total"))
    assert panels["Utilisation"].value() == approx(_latest(rows, "design__instance__utilization"))
    assert panels["Worst setup slack"].value() == approx(_latest(rows, "timing__setup__ws", worst=True))
    assert panels["Worst hold slack"].value() == approx(_latest(rows, "timing__hold__ws", worst=True))
    assert panels["Route DRC errors"].value() == 3.0
    fmax = [r for r in rows if r["metric"] == "timing__fmax" and r["value_num"] is not None]
    if fmax:
        assert panels["Fmax"].value() == approx(_latest(rows, "timing__fmax", worst=True))
    else:
        assert panels["Fmax"].value() is None

    runtime = panels["Runtime per stage"]
    expected_runtime = [
        (r["stage"], r["value_num"]) for r in rows if r["run_id"] == 2 and r["metric"] == "elapsed_seconds"
    ]
    assert runtime.column("stage") == [stage for stage, _ in expected_runtime]  # flow order
    assert runtime.column("seconds") == approx([seconds for _, seconds in expected_runtime])
    assert len(panels["Metrics"].rows) == sum(1 for r in rows if r["run_id"] == 2)

    # Rule checks: each rule against every metric row of the latest run whose stage__metric matches.
    expected = []
    for rule in rules:
        for r in rows:
            if r["run_id"] == 2 and f"{r['stage']}__{r['metric']}" == rule["metric_key"]:
                value, threshold = r["value_num"], rule["threshold"]
                if value is None or threshold is None:
                    status = "n/a"
                else:
                    ok = {"<=": value <= threshold, ">=": value >= threshold, "==": value == threshold}
                    status = "pass" if ok[rule["compare"]] else "FAIL"
                expected.append((rule["metric_key"], value, status))
    checks = panels["Rule checks"]
    got = sorted(
        zip(checks.column("rule"), checks.column("value"), checks.column("status"), strict=True),
        key=lambda t: (t[0], t[1] if t[1] is not None else 0),
    )
    assert got == sorted(expected, key=lambda t: (t[0], t[1] if t[1] is not None else 0))
    assert panels["Failing rules"].value() == sum(1 for _, _, status in expected if status == "FAIL")
    assert panels["Failing rules"].value() == 2  # setup ws -0.11 < -0.05 and 3 DRC errors != 0


def test_qor_rules_from_the_shared_schema_follow_the_design(scratch_user: ScratchUser) -> None:
    """How `edabot ingest` stores rules: eda.qor_rules for every design, one run per rules file."""
    with scratch_user.owner_conn("timing") as conn:
        conn.execute("CREATE SCHEMA eda")
        conn.execute("CREATE TABLE eda.eda_runs (run_id bigint PRIMARY KEY, design text)")
        conn.execute("INSERT INTO eda.eda_runs VALUES (1, 'gcd'), (2, 'gcd'), (3, 'gcd'), (4, 'aes')")
        conn.execute(sample_tables.QOR_RULES_DDL.replace("qor_rules (", "eda.qor_rules (run_id bigint, "))
        conn.execute(
            "INSERT INTO eda.qor_rules (run_id, design, metric_key, threshold, compare) VALUES"
            " (2, 'gcd', 'finish__design__instance__area', 10, '<='),"  # superseded by run 3
            " (3, 'gcd', 'finish__design__instance__area', 2000, '<='),"
            " (4, 'aes', 'finish__design__instance__area', 10, '<=')"  # another design
        )
        conn.execute(sample_tables.QOR_METRICS_DDL.replace("qor_metrics", "qor_run_gcd"))
        conn.execute(
            "INSERT INTO qor_run_gcd (run_id, stage, metric, value_num, raw_key) VALUES"
            " (1, 'finish', 'design__instance__area', 1500, 'finish__design__instance__area')"
        )
    try:
        panels = _panels(scratch_user, "timing", "qor_run_gcd", "qor")
        checks = panels["Rule checks"]
        assert list(zip(checks.column("threshold"), checks.column("status"), strict=True)) == [(2000.0, "pass")]
        assert panels["Failing rules"].value() == 0
    finally:
        with scratch_user.owner_conn("timing") as conn:
            conn.execute("DROP TABLE qor_run_gcd")
            conn.execute("DROP SCHEMA eda CASCADE")


def test_drc_violation_figures(scratch_user: ScratchUser, loaded: dict[str, Any]) -> None:
    rows = loaded["drc_violations"]
    panels = _panels(scratch_user, "drc", "drc_violations", "drc")
    active = [r for r in rows if not r["waived"]]
    assert panels["Total violations"].value() == sum(r["multiplicity"] for r in active)
    assert panels["Rules violated"].value() == len({r["rule"] for r in active if r["rule"] is not None})
    assert panels["Layers affected"].value() == len({r["layer"] for r in active})
    assert panels["Waived"].value() == sum(1 for r in rows if r["waived"])

    by_rule: dict[str, int] = defaultdict(int)
    for r in active:
        by_rule[r["rule"] or "(none)"] += r["multiplicity"]
    assert dict(panels["Violations by rule"].rows) == by_rule
    locations = panels["Violation locations (first 500)"]
    assert len(locations.rows) == len(active)
    expected_x = sorted((r["x_min"] + r["x_max"]) / 2 for r in active)
    assert sorted(locations.column("x")) == approx(expected_x)


def test_drc_summary_figures(scratch_user: ScratchUser, loaded: dict[str, Any]) -> None:
    rows = loaded["drc_summary"]
    panels = _panels(scratch_user, "drc", "drc_summary", "drc")
    assert panels["Total violations"].value() == sum(r["count"] for r in rows)
    assert panels["Rules violated"].value() == sum(1 for r in rows if r["count"] > 0)
    assert dict(panels["Violations by rule"].rows) == {r["rule"]: r["count"] for r in rows}
    assert panels["Rules"].column("rule")[0] == "M1.S.1"  # most violations first
