"""Loading parsed reports into a real PostgreSQL database: canonical tables, one new table per run,
and all-or-nothing transactions."""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from core.ingest.errors import ReportParseError
from core.ingest.format_ids import ReportFormat, ReportKind
from core.ingest.formats.reports import open_report, parse_text
from core.ingest.load.loader import IngestError, ingest_file, load_report
from core.ingest.load.schema import POINTS_CASCADE_TRIGGER
from core.ingest.records import POINTS_TABLE, DrcViolation, ParsedReport, PathPoint, QorMetric, RunInfo, TimingPath

pytestmark = pytest.mark.db

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "eda-samples"


@pytest.fixture
def conn(fresh_database: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(fresh_database, autocommit=True) as c:
        yield c


# -----------------------------------------------------------------------------------------------------


def sample(relative: str) -> Path:
    path = SAMPLES / relative
    if not path.is_file():
        pytest.skip(f"EDA sample {relative} not found under {SAMPLES}")
    return path


def public_tables(conn: psycopg.Connection[Any]) -> set[str]:
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return {r[0] for r in rows}


def count(conn: psycopg.Connection[Any], query: str, *params: Any) -> int:
    row = conn.execute(query, params).fetchone()  # type: ignore[arg-type]
    assert row is not None
    return int(row[0])


def test_orfs_stage_report_lands_in_a_new_table_and_the_canonical_ones(conn: psycopg.Connection[Any]) -> None:
    path = sample("orfs_rpt/serv_asap7_6_finish.rpt")
    with open_report(path) as parsed:
        facts = parsed.collect()
    before = public_tables(conn)
    result = ingest_file(conn, path)
    assert public_tables(conn) - before == {result.table}
    assert re.fullmatch(r"[a-z][a-z0-9_]{0,62}", result.table)
    assert result.table.startswith("timing_finish_") and result.table.endswith(f"_r{result.run_id}")
    assert result.kind is ReportKind.TIMING and result.fact_table == "timing_paths"
    run_table = sql.Identifier(result.table)
    assert count(conn, sql.SQL("SELECT count(*) FROM public.{}").format(run_table).as_string(conn)) == len(
        facts.timing_paths
    )
    assert result.rows["timing_path_points"] == len(facts.timing_path_points)
    assert count(conn, "SELECT count(*) FROM eda.timing_path_points WHERE run_id = %s", result.run_id) == len(
        facts.timing_path_points
    )
    worst = conn.execute(sql.SQL("SELECT min(slack), max(arrival) FROM public.{}").format(run_table)).fetchone()
    assert worst is not None
    assert worst[0] == pytest.approx(min(p.slack for p in facts.timing_paths if p.slack is not None))
    run = conn.execute(
        "SELECT format, kind, stage, time_unit, run_table, source_path FROM eda.eda_runs WHERE run_id = %s",
        (result.run_id,),
    ).fetchone()
    assert run == ("orfs_stage_report", "timing", "finish", "ps", result.table, "serv_asap7_6_finish.rpt")
    summary = conn.execute(
        "SELECT setup_tns, setup_vio_count FROM eda.timing_summary WHERE run_id = %s", (result.run_id,)
    ).fetchone()
    assert summary is not None and summary[0] == pytest.approx(-1.44047) and summary[1] == 145
    comment = conn.execute("SELECT obj_description(%s::regclass)", (f"public.{result.table}",)).fetchone()
    assert comment is not None and json.loads(comment[0])["fact_table"] == "timing_paths"


@pytest.mark.parametrize(
    ("relative", "fact_table"),
    [
        ("orfs_metrics/asap7_aes_metadata-base-ok.json", "qor_metrics"),
        ("orfs_rules/sky130hd_gcd_rules-base.json", "qor_rules"),
        ("yosys_stat/serv_asap7_synth_stat.txt", "cell_usage"),
        ("openlane_metrics/user_proj_example_metrics_openlane2_long.csv", "qor_metrics"),
        ("magic_drc/caravel_user_sram_user_project_wrapper_magic_drc.rpt", "drc_violations"),
        ("klayout_lyrdb/klayout_testdata_drcSimpleTests_au110.lyrdb", "drc_violations"),
        ("openroad_drc/openroad_grt_congestion7.rptok", "drc_violations"),
        ("openlane_drc/ol2_CF_SRAM_1024x32_wb_wrapper_antenna_summary.rpt", "antenna_violations"),
        ("openlane_sta/ol2_CF_SRAM_1024x32_wb_wrapper_timing_summary.rpt", "timing_summary"),
        ("opensta_report_checks/opensta_report_json1.ok", "timing_paths"),
    ],
)
def test_each_kind_of_report_loads_its_facts(conn: psycopg.Connection[Any], relative: str, fact_table: str) -> None:
    path = sample(relative)
    with open_report(path) as parsed:
        facts = parsed.collect()
    result = ingest_file(conn, path)
    assert result.fact_table == fact_table
    expected = len(getattr(facts, fact_table))
    assert expected > 0
    got = count(conn, sql.SQL("SELECT count(*) FROM public.{}").format(sql.Identifier(result.table)).as_string(conn))
    assert got == expected == result.rows[fact_table]
    for table, n in result.rows.items():
        stored = sql.SQL("SELECT count(*) FROM eda.{} WHERE run_id = %s").format(sql.Identifier(table)).as_string(conn)
        assert count(conn, stored, result.run_id) == n, table


def test_metric_qualifiers_are_queryable_as_jsonb(conn: psycopg.Connection[Any]) -> None:
    result = ingest_file(conn, sample("orfs_metrics/serv_asap7_5_2_route.json"))
    rows = conn.execute(
        "SELECT qualifiers->>'iter', value_num FROM eda.qor_metrics WHERE run_id = %s "
        "AND metric = 'route__drc_errors' AND qualifiers ? 'iter' ORDER BY (qualifiers->>'iter')::int",
        (result.run_id,),
    ).fetchall()
    assert rows == [("0", 1986.0), ("1", 263.0), ("2", 188.0), ("3", 0.0)]


def test_drc_sources_are_a_text_array(conn: psycopg.Connection[Any]) -> None:
    result = ingest_file(conn, sample("openroad_drc/openroad_drt_drc_test.drcok"))
    row = conn.execute(
        "SELECT sources, x_min, layer FROM eda.drc_violations WHERE run_id = %s ORDER BY x_min LIMIT 1",
        (result.run_id,),
    ).fetchone()
    assert row is not None and isinstance(row[0], list) and all(s.startswith("net:") for s in row[0])


def test_a_file_that_fails_mid_way_leaves_nothing_behind(conn: psycopg.Connection[Any], tmp_path: Path) -> None:
    text = sample("orfs_rpt/serv_asap7_6_finish.rpt").read_text()
    cut = text[: text.index("slack (VIOLATED)", text.index("report_checks -path_delay max")) - 40]
    bad = tmp_path / "6_finish_cut.rpt"
    bad.write_text(cut)
    ingest_file(conn, sample("opensta_report_checks/opensta_min_max_delays.ok"))  # shared tables exist
    tables = public_tables(conn)
    runs = count(conn, "SELECT count(*) FROM eda.eda_runs")
    points = count(conn, "SELECT count(*) FROM eda.timing_path_points")
    with pytest.raises(ReportParseError) as err:
        ingest_file(conn, bad)
    assert "6_finish_cut.rpt" in str(err.value) and "slack" in err.value.expected
    assert public_tables(conn) == tables
    assert count(conn, "SELECT count(*) FROM eda.eda_runs") == runs
    assert count(conn, "SELECT count(*) FROM eda.timing_path_points") == points
    assert conn.execute("SELECT 1").fetchone() == (1,), "the connection is still usable"


def test_first_ingest_into_an_empty_database_rolls_back_its_schema_too(fresh_database: str) -> None:
    with psycopg.connect(fresh_database, autocommit=True) as c:
        with pytest.raises(ReportParseError):
            load_report(c, parse_text("tns max -1\nStartpoint: a (input port)\n", source_name="cut.rpt"))
        assert c.execute("SELECT to_regnamespace('eda')").fetchone() == (None,)


def test_each_ingest_makes_its_own_table(conn: psycopg.Connection[Any]) -> None:
    path = sample("openroad_drc/openroad_ant_report.rptok")
    first = ingest_file(conn, path)
    second = ingest_file(conn, path)
    assert first.table != second.table and first.run_id != second.run_id
    assert {first.table, second.table} <= public_tables(conn)


def test_explicit_table_name_and_refusal_to_overwrite(conn: psycopg.Connection[Any]) -> None:
    path = sample("openlane_drc/user_proj_example_43-antenna_violators.rpt")
    result = ingest_file(conn, path, table="my_antenna_check")
    assert result.table == "my_antenna_check"
    runs = count(conn, "SELECT count(*) FROM eda.eda_runs")
    with pytest.raises(IngestError, match="already exists"):
        ingest_file(conn, path, table="my_antenna_check")
    assert count(conn, "SELECT count(*) FROM eda.eda_runs") == runs
    with pytest.raises(IngestError, match="not usable"):
        ingest_file(conn, path, table='Robert"); DROP TABLE students;--')


def test_table_prefix_and_kind_override(conn: psycopg.Connection[Any]) -> None:
    with open_report(sample("yosys_stat/vlsiffra_asap7_synth_stat.txt")) as parsed:
        result = load_report(conn, parsed, table_prefix="Nightly Build #42")
    assert result.table.startswith("nightly_build_42_multiplier_synth_")
    assert len(result.table) <= 63


# ---- the binary COPY (live and spooled): every value lands as the record holds it ---------------------------------


def _expected_rows(parsed_facts: list[Any], table: str) -> list[dict[str, Any]]:
    """What the loader should store for ``table``: each record's row(), non-finite floats as NULL."""
    out: list[dict[str, Any]] = []
    for fact in parsed_facts:
        if table == fact.TABLE:
            out.append(fact.row())
        for point in getattr(fact, "points", ()):
            if table == POINTS_TABLE:
                out.append({"path_index": fact.path_index, **point.row()})
    for row in out:
        for key, value in row.items():
            if isinstance(value, float) and not math.isfinite(value):
                row[key] = None
            elif isinstance(value, tuple):
                row[key] = list(value)
            elif isinstance(value, dict):
                row[key] = dict(value)
    return out


def _stored_rows(conn: psycopg.Connection[Any], table: str, run_id: int, columns: list[str]) -> list[dict[str, Any]]:
    query = sql.SQL("SELECT {} FROM eda.{} WHERE run_id = %s").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(table)
    )
    return [dict(zip(columns, row, strict=True)) for row in conn.execute(query, (run_id,)).fetchall()]


def _canonical(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True, default=str) for r in rows)


@pytest.mark.parametrize(
    "relative",
    [
        "orfs_rpt/serv_asap7_6_finish.rpt",
        "opensta_report_checks/opensta_report_checks_src_attr.ok",
        "orfs_metrics/asap7_aes_metadata-base-ok.json",
        "klayout_lyrdb/klayout_testdata_drcSimpleTests_au110.lyrdb",
        "orfs_rules/sky130hd_gcd_rules-base.json",
        "openlane_drc/ol2_CF_SRAM_1024x32_wb_wrapper_antenna_summary.rpt",
    ],
)
def test_every_stored_value_is_the_parsed_one(conn: psycopg.Connection[Any], relative: str) -> None:
    path = sample(relative)
    with open_report(path) as parsed:
        facts = list(parsed.facts)
    result = ingest_file(conn, path)
    assert result.rows
    for table, n in result.rows.items():
        expected = _expected_rows(facts, table)
        assert len(expected) == n
        stored = _stored_rows(conn, table, result.run_id, list(expected[0]))
        assert _canonical(stored) == _canonical(expected), table


def _path(index: int, **changes: Any) -> TimingPath:
    base: dict[str, Any] = {
        "path_index": index,
        "stage": None,
        "report_section": "",
        "corner": "tt\t025C",
        "mode": "a\\b",
        "scenario": 'quote " and, comma',
        "path_group": "line\nbreak\r\n",
        "path_type": "max",
        "startpoint": "ünïcode/ß[0]",
        "startpoint_kind": None,
        "endpoint": "e",
        "endpoint_kind": "\\N",
        "launch_clock": "NaN",
        "launch_edge": "r",
        "capture_clock": "",
        "capture_edge": None,
        "arrival": math.inf,
        "required": -math.inf,
        "slack": math.nan,
        "status": "MET",
        "clock_period": 1e-300,
        "setup_hold_time": -0.0,
        "clock_uncertainty": 0.1 + 0.2,
        "crpr": 12345678901.5,
        "logic_depth": 0,
        "time_unit": "ns",
        "points": (
            PathPoint(0, "p\tq", None, "pin", "f", 3, math.nan, 0.5, None, math.inf, True, ""),
            PathPoint(1, "", "", "net", None, None, 1.5, None, -2.0, 3.0, False, "a\\b"),
        ),
    }
    base.update(changes)
    return TimingPath(**base)


def _report(facts: list[Any], name: str = "synthetic.rpt") -> ParsedReport:
    run = RunInfo(source_name=name, format=ReportFormat.OPENSTA_CHECKS, source_tool="opensta", design="d")
    return ParsedReport(run=run, facts=iter(facts))


def test_awkward_values_round_trip(conn: psycopg.Connection[Any], tmp_path: Path) -> None:
    """Empty strings stay '' (not NULL), control characters and quotes survive, non-finite floats are NULL,
    jsonb and text[] columns hold their structures."""
    facts: list[Any] = [
        _path(0),
        _path(1, points=()),
        # Plain floats between two non-finite batches must not be touched.
        *[_path(i, arrival=float(i), required=None, slack=-0.0, points=()) for i in range(2, 5000)],
        QorMetric("floorplan", "m", {"iter": "1", 'k\t"': "v\n\\"}, math.inf, "", None, "raw"),
        QorMetric(None, "m2", {}, 2.5, None, "ns", "raw2"),
        DrcViolation(
            "klayout", "r", None, "c", "met1", None, 0.0, 1.0, math.nan, None, "", ('a"b', "c\\d", "", "NULL", "x,y")
        ),
        DrcViolation("magic", "r2", "", "c", None, None, None, None, None, None, None, ()),
    ]
    result = load_report(conn, _report(facts), spool_dir=str(tmp_path))
    assert result.rows == {"timing_paths": 5000, "timing_path_points": 2, "qor_metrics": 2, "drc_violations": 2}
    for table in result.rows:
        expected = _expected_rows(facts, table)
        stored = _stored_rows(conn, table, result.run_id, list(expected[0]))
        assert _canonical(stored) == _canonical(expected), table
    row = conn.execute(
        "SELECT arrival, required, slack, report_section, stage, startpoint, setup_hold_time "
        "FROM eda.timing_paths WHERE run_id = %s AND path_index = 0",
        (result.run_id,),
    ).fetchone()
    assert row == (None, None, None, "", None, "ünïcode/ß[0]", -0.0)
    assert list(tmp_path.iterdir()) == [], "spool files are removed"


def test_a_load_failing_in_the_copy_leaves_nothing_behind(conn: psycopg.Connection[Any], tmp_path: Path) -> None:
    ingest_file(conn, sample("opensta_report_checks/opensta_min_max_delays.ok"))
    tables = public_tables(conn)
    runs = count(conn, "SELECT count(*) FROM eda.eda_runs")
    paths = count(conn, "SELECT count(*) FROM eda.timing_paths")
    facts = [_path(0), _path(1, path_type="sideways")]  # violates the CHECK on path_type
    with pytest.raises(psycopg.errors.CheckViolation):
        load_report(conn, _report(facts), spool_dir=str(tmp_path))
    assert public_tables(conn) == tables
    assert count(conn, "SELECT count(*) FROM eda.eda_runs") == runs
    assert count(conn, "SELECT count(*) FROM eda.timing_paths") == paths
    assert list(tmp_path.iterdir()) == [], "spool files are removed"
    assert conn.execute("SELECT 1").fetchone() == (1,), "the connection is still usable"


def test_a_parse_failure_removes_the_spool_files(conn: psycopg.Connection[Any], tmp_path: Path) -> None:
    def facts() -> Iterator[Any]:
        yield _path(0)
        raise ReportParseError("cut.rpt", 7, "more", "end of file")

    run = RunInfo(source_name="cut.rpt", format=ReportFormat.OPENSTA_CHECKS, source_tool="opensta")
    with pytest.raises(ReportParseError):
        load_report(conn, ParsedReport(run=run, facts=facts()), spool_dir=str(tmp_path))
    assert list(tmp_path.iterdir()) == []
    assert conn.execute("SELECT to_regnamespace('eda')").fetchone() == (None,), "rolled back, schema included"


# ---- path points: copied live, deleted with their run --------------------------------------------------

_POINT_BLOCK = """Startpoint: in{n} (input port clocked by clk)
Endpoint: r{n}/D (rising edge-triggered flip-flop clocked by clk)
Path Group: clk
Path Type: max

  Delay    Time   Description
---------------------------------------------------------
   0.00    0.00   clock clk (rise edge)
   0.00    0.00   clock network delay (ideal)
   1.00    1.00 ^ input external delay
   0.00    1.00 ^ in{n} (in)
   0.05    1.05 ^ u{n}/Z (BUF_X1)
   0.00    1.05 ^ r{n}/D (DFF_X1)
           1.05   data arrival time

  10.00   10.00   clock clk (rise edge)
   0.00   10.00   clock network delay (ideal)
   0.00   10.00   clock reconvergence pessimism
          10.00 ^ r{n}/CK (DFF_X1)
  -0.04    9.96   library setup time
           9.96   data required time
---------------------------------------------------------
           9.96   data required time
          -1.05   data arrival time
---------------------------------------------------------
           8.91   slack (MET)

"""


def _many_paths(n: int) -> str:
    return "".join(_POINT_BLOCK.format(n=i) for i in range(n))


def test_a_failure_after_megabytes_of_live_points_leaves_nothing(conn: psycopg.Connection[Any], tmp_path: Path) -> None:
    """Points reach the server while the file is still being read; a bad line near the end undoes them."""
    ingest_file(conn, sample("opensta_report_checks/opensta_min_max_delays.ok"))
    runs = count(conn, "SELECT count(*) FROM eda.eda_runs")
    points = count(conn, "SELECT count(*) FROM eda.timing_path_points")
    body = _many_paths(6000)
    bad = tmp_path / "late_error.rpt"
    bad.write_text(body + "Startpoint: x (input port)\nEndpoint: y (output port)\nPath Type: sideways\n")
    assert bad.stat().st_size > 4_000_000
    with pytest.raises(ReportParseError) as err:
        ingest_file(conn, bad)
    assert err.value.line_no == body.count("\n") + 3 and "Path Type" in err.value.expected
    assert count(conn, "SELECT count(*) FROM eda.eda_runs") == runs
    assert count(conn, "SELECT count(*) FROM eda.timing_path_points") == points
    assert conn.execute("SELECT 1").fetchone() == (1,), "the connection is still usable"


def test_a_runs_points_go_with_it(conn: psycopg.Connection[Any], tmp_path: Path) -> None:
    report = tmp_path / "paths.rpt"
    report.write_text(_many_paths(3))
    first = ingest_file(conn, report)
    second = ingest_file(conn, report)
    per_run = "SELECT count(*) FROM eda.timing_path_points WHERE run_id = %s"
    assert count(conn, per_run, first.run_id) == count(conn, per_run, second.run_id) == 3 * 11
    conn.execute("DELETE FROM eda.eda_runs WHERE run_id = %s", (first.run_id,))
    assert count(conn, per_run, first.run_id) == 0
    assert count(conn, "SELECT count(*) FROM eda.timing_paths WHERE run_id = %s", first.run_id) == 0
    assert count(conn, per_run, second.run_id) == 33, "another run's points stay"
    conn.execute("TRUNCATE eda.eda_runs CASCADE")
    assert count(conn, "SELECT count(*) FROM eda.timing_path_points") == 0


def test_a_shared_schema_from_before_the_points_trigger_is_brought_up_to_date(
    conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """Databases ingested into by an earlier edabot have a per-row foreign key and a B-tree index on the points,
    and no trigger."""
    report = tmp_path / "paths.rpt"
    report.write_text(_many_paths(2))
    old = ingest_file(conn, report)
    conn.execute(f"DROP TRIGGER {POINTS_CASCADE_TRIGGER} ON eda.eda_runs")
    conn.execute(
        "ALTER TABLE eda.timing_path_points ADD CONSTRAINT timing_path_points_run_id_fkey "
        "FOREIGN KEY (run_id) REFERENCES eda.eda_runs ON DELETE CASCADE"
    )
    conn.execute("DROP INDEX eda.timing_path_points_run_brin")
    conn.execute("CREATE INDEX timing_path_points_run_id_path_index_idx ON eda.timing_path_points (run_id, path_index)")
    new = ingest_file(conn, report)
    indexes = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'eda' AND tablename = 'timing_path_points'"
    ).fetchall()
    assert [name for name, _ in indexes] == ["timing_path_points_run_brin"]
    assert "USING brin (run_id, path_index)" in indexes[0][1]
    constraints = (
        "SELECT count(*) FROM pg_constraint WHERE conrelid = 'eda.timing_path_points'::regclass AND contype = 'f'"
    )
    assert count(conn, constraints) == 0
    assert count(conn, "SELECT count(*) FROM eda.timing_path_points") == 2 * 2 * 11, "the older run's points kept"
    conn.execute("DELETE FROM eda.eda_runs WHERE run_id = %s", (old.run_id,))
    assert count(conn, "SELECT count(*) FROM eda.timing_path_points WHERE run_id = %s", new.run_id) == 22
    assert count(conn, "SELECT count(*) FROM eda.timing_path_points") == 22


def test_points_reach_the_server_while_the_report_is_still_being_read(
    conn: psycopg.Connection[Any], fresh_database: str
) -> None:
    """The point of the live COPY: the server stores points while the parser is still reading."""
    pid = conn.info.backend_pid
    points = tuple(PathPoint(i, f"u{i}/Z", "BUF", "pin", "r", None, None, 0.01, 0.1, 0.1 * i, False) for i in range(20))
    stored_mid_parse: list[int] = []

    def facts() -> Iterator[Any]:
        for i in range(5000):
            yield _path(i, points=points)
        with psycopg.connect(fresh_database, autocommit=True) as watcher:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                row = watcher.execute(
                    "SELECT tuples_processed FROM pg_stat_progress_copy WHERE pid = %s", (pid,)
                ).fetchone()
                if row is not None and row[0] > 0:
                    stored_mid_parse.append(int(row[0]))
                    break
                time.sleep(0.05)
        yield _path(5000, points=points)

    run = RunInfo(source_name="live.rpt", format=ReportFormat.OPENSTA_CHECKS, source_tool="opensta")
    result = load_report(conn, ParsedReport(run=run, facts=facts()))
    assert stored_mid_parse, "no point reached the server before the last path was read"
    assert 0 < stored_mid_parse[0] <= 5000 * 20
    assert result.rows["timing_path_points"] == 5001 * 20
