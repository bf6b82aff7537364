"""Timing samples: every path parses, its slack obeys the report's own arithmetic, and counts match
independent greps of the file."""

from __future__ import annotations

import json
import re

import pytest

from core.ingest.formats.reports import open_report
from core.ingest.records import ReportFacts

from .samples import sample, text_of

pytestmark = pytest.mark.samples

TEXT_PATH_SAMPLES = [
    "opensta_report_checks/openroad_rmp_gcd_asap7.ok",
    "opensta_report_checks/opensta_mcmm3.ok",
    "opensta_report_checks/opensta_min_max_delays.ok",
    "opensta_report_checks/opensta_multi_corner.ok",
    "opensta_report_checks/opensta_report_checks_src_attr.ok",
    "opensta_report_checks/opensta_set_path_margin1.ok",
    "orfs_rpt/serv_asap7_4_cts_final.rpt",
    "orfs_rpt/serv_asap7_6_finish.rpt",
    "openlane_sta/user_proj_example_33-rcx_sta.checks.rpt",
]
# Slack lines as printed: the number is on either side of the label.
_SLACK_LINE = re.compile(r"^\s*(-?\d+\.\d+)\s+slack \((MET|VIOLATED)\)\s*$", re.MULTILINE)


def _facts(relative: str, **kw: str) -> tuple[ReportFacts, str | None]:
    with open_report(sample(relative), **kw) as parsed:  # type: ignore[arg-type]
        facts = parsed.collect()
        return facts, parsed.run.time_unit


def _scale(unit: str | None) -> float:
    return {"ps": 1e-3, "ns": 1.0, "s": 1e9}[unit or "ns"]


@pytest.mark.parametrize("relative", TEXT_PATH_SAMPLES)
def test_text_paths_match_grep_counts_and_slack_lines(relative: str) -> None:
    text = text_of(relative)
    facts, unit = _facts(relative)
    assert len(facts.timing_paths) == len(re.findall(r"^\s*Startpoint:", text, re.MULTILINE))
    printed = _SLACK_LINE.findall(text)
    assert len(printed) == len(facts.timing_paths)
    scale = _scale(unit)
    for path, (value, word) in zip(facts.timing_paths, printed, strict=True):
        assert path.status == word
        assert path.slack == pytest.approx(float(value) * scale, abs=1e-9)


@pytest.mark.parametrize("relative", [*TEXT_PATH_SAMPLES, "opensta_report_checks/opensta_report_json1.ok"])
def test_every_slack_equals_required_minus_arrival(relative: str) -> None:
    facts, unit = _facts(relative)
    tolerance = 0.0101 * _scale(unit if unit != "s" else "ns")
    assert facts.timing_paths
    for p in facts.timing_paths:
        assert p.arrival is not None and p.required is not None and p.slack is not None
        expected = p.required - p.arrival if p.path_type == "max" else p.arrival - p.required
        assert p.slack == pytest.approx(expected, abs=tolerance), (relative, p.path_index)
        # The word, not the sign, is the status: OpenSTA prints "0.00 slack (VIOLATED)" for -0.004.
        if p.status == "VIOLATED":
            assert p.slack <= 0
        else:
            assert p.slack >= 0


def test_json_report_is_streamed_in_si_units() -> None:
    relative = "opensta_report_checks/opensta_report_json1.ok"
    doc = json.loads(text_of(relative))
    facts, unit = _facts(relative)
    assert unit == "s"
    assert len(facts.timing_paths) == len(doc["checks"])
    path = facts.timing_paths[0]
    assert path.slack == pytest.approx(9.550)  # 9.550e-09 s in ns
    assert path.setup_hold_time == pytest.approx(0.1207)
    assert path.status == "MET"
    assert [p.point for p in path.points] == [
        e["pin"] for key in ("source_clock_path", "source_path", "target_clock_path") for e in doc["checks"][0][key]
    ]
    assert path.points[2].src_attr == "synthesis/tests/counter.v:22.3-28.6"


def test_wrapped_startpoint_and_special_names_survive() -> None:
    facts, _ = _facts("opensta_report_checks/openroad_rmp_gcd_asap7.ok")
    path = facts.timing_paths[0]
    assert path.startpoint == "dpath/a_lt_b$in1[0]$_DFFE_PP_"
    assert path.startpoint_kind == "rising edge-triggered flip-flop clocked by core_clock"
    assert path.corner == "slow"
    assert path.launch_clock == path.capture_clock == "core_clock"
    assert path.clock_period == pytest.approx(0.5)  # 500 ps
    # rmp prints the summary after each run: three runs, three summary rows, nothing overwritten.
    assert [s.setup_wns for s in facts.timing_summary] == pytest.approx([-0.43088, -0.70824, -0.74823])


def test_mcmm_paths_carry_mode_and_corner() -> None:
    text = text_of("opensta_report_checks/opensta_mcmm3.ok")
    facts, unit = _facts("opensta_report_checks/opensta_mcmm3.ok")
    assert unit == "ps"  # ASAP7 cells
    assert [p.mode for p in facts.timing_paths] == re.findall(r"^Mode: (\S+)$", text, re.MULTILINE)
    assert [p.corner for p in facts.timing_paths] == re.findall(r"^Corner: (\S+)$", text, re.MULTILINE)


def test_min_max_report_marks_path_types_and_negative_zero() -> None:
    facts, _ = _facts("opensta_report_checks/opensta_min_max_delays.ok")
    assert [p.path_type for p in facts.timing_paths] == ["min", "max"]
    assert facts.timing_paths[0].status == "VIOLATED"
    assert facts.timing_paths[0].slack == 0.0


def test_path_margin_and_points_are_kept() -> None:
    facts, _ = _facts("opensta_report_checks/opensta_set_path_margin1.ok")
    margins = [pt.incr for p in facts.timing_paths for pt in p.points if pt.point == "path margin"]
    assert margins == pytest.approx([-0.5, 0.5, 67.0, -0.5])
    first = facts.timing_paths[0]
    assert [pt.edge for pt in first.points if pt.point_kind == "pin"] == ["r", "f", "f", "f", "f", "r"]


def test_src_attr_column_is_split_from_the_description() -> None:
    facts, _ = _facts("opensta_report_checks/opensta_report_checks_src_attr.ok")
    points = facts.timing_paths[0].points
    q = next(p for p in points if p.point == "_1415_/Q")
    assert q.cell == "sky130_fd_sc_hd__dfrtp_1"
    assert q.src_attr == "synthesis/tests/counter.v:22.3-28.6"
    assert q.cap == 0.0 and q.slew == pytest.approx(0.04) and q.incr == pytest.approx(0.33)
    net = next(p for p in points if p.point_kind == "net")
    assert net.point == "mid" and net.src_attr == "synthesis/tests/counter.v:22.3-28.6"


def _banner_sections(text: str) -> list[tuple[str, list[str]]]:
    """Split an ORFS report by hand: (title, body lines) per '====' section."""
    chunks = re.split(r"^=+\n", text, flags=re.MULTILINE)[1:]
    out = []
    for chunk in chunks:
        lines = chunk.splitlines()
        out.append((lines[0].strip(), [ln for ln in lines[2:] if ln.strip()]))
    return out


@pytest.mark.parametrize("relative", ["orfs_rpt/serv_asap7_4_cts_final.rpt", "orfs_rpt/serv_asap7_6_finish.rpt"])
def test_orfs_stage_report_sections(relative: str) -> None:
    text = text_of(relative)
    facts, unit = _facts(relative)
    assert unit == "ps"
    sections = _banner_sections(text)
    stage = sections[0][0].split(" report_")[0].replace(" final", "")
    assert {p.stage for p in facts.timing_paths} == {stage}
    # One summary row for the stage, with the figures the tns/wns/period/count sections print.
    (summary,) = facts.timing_summary
    tns = float(re.search(r"^tns max (\S+)$", text, re.MULTILINE).group(1))  # type: ignore[union-attr]
    period, fmax = re.search(r"period_min = (\S+) fmax = (\S+)", text).groups()  # type: ignore[union-attr]
    setup_count = int(re.search(r"^setup violation count (\d+)$", text, re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert summary.setup_tns == pytest.approx(tns / 1000)
    assert summary.clock_period == pytest.approx(float(period) / 1000)
    assert summary.fmax_mhz == pytest.approx(float(fmax))
    assert summary.setup_vio_count == setup_count
    # Every section whose body is one bare number becomes a metric.
    scalars = [t for t, body in sections if len(body) == 1 and re.fullmatch(r"-?[\d.e+]+", body[0].strip())]
    assert len(facts.qor_metrics) == len(scalars)
    # report_power: five groups and the total, whose parts add up.
    groups = [r.grp for r in facts.power_summary]
    assert groups == ["Sequential", "Combinational", "Clock", "Macro", "Pad", "Total"]
    total = facts.power_summary[-1]
    assert sum(r.total_w or 0 for r in facts.power_summary[:-1]) == pytest.approx(total.total_w, rel=0.01)
    sections_paths = {p.report_section for p in facts.timing_paths}
    assert "report_checks -path_delay max reg to reg" in sections_paths


def test_openlane1_summary_skew_power_and_checks() -> None:
    summary, _ = _facts("openlane_sta/user_proj_example_33-rcx_sta.summary.rpt")
    (row,) = summary.timing_summary
    assert (row.setup_tns, row.setup_wns, row.setup_ws, row.hold_ws) == (0.0, 0.0, 7.79, 0.50)
    skew, _ = _facts("openlane_sta/user_proj_example_33-rcx_sta.skew.rpt")
    assert skew.timing_summary[0].clock_skew_setup == pytest.approx(3.45)
    power, _ = _facts("openlane_sta/user_proj_example_33-rcx_sta.power.rpt")
    assert [r.corner for r in power.power_summary] == ["Typical"] * 5
    text = text_of("openlane_sta/user_proj_example_33-rcx_sta.checks.rpt")
    checks, _ = _facts("openlane_sta/user_proj_example_33-rcx_sta.checks.rpt")
    fanout_rows = len(re.findall(r"^\S+\s+16\s+\d+\s+-\d+ \(VIOLATED\)$", text, re.MULTILINE))
    (row,) = checks.timing_summary
    assert row.max_fanout_vio == fanout_rows == 23
    assert row.corner == "Typical"


def test_openlane2_one_figure_files() -> None:
    expected = {
        "ol2_max_ss_100C_1v60_tns.max.rpt": ("setup_tns", 0.0),
        "ol2_max_ss_100C_1v60_ws.max.rpt": ("setup_ws", 5.046576),
        "ol2_max_ss_100C_1v60_wns.min.rpt": ("hold_wns", 0.0),
        "ol2_max_ss_100C_1v60_skew.max.rpt": ("clock_skew_setup", 2.201482),
    }
    for name, (field, value) in expected.items():
        facts, _ = _facts(f"openlane_sta/{name}")
        (row,) = facts.timing_summary
        assert getattr(row, field) == pytest.approx(value), name
        assert row.corner == "max_ss_100C_1v60"
    empty, _ = _facts("openlane_sta/ol2_max_ss_100C_1v60_violator_list.rpt")
    assert empty == ReportFacts()
    power, _ = _facts("openlane_sta/ol2_max_ss_100C_1v60_power.rpt")
    assert power.power_summary[-1].grp == "Total"
    assert power.power_summary[-1].total_w == pytest.approx(4.531077e-04)


def test_openlane2_timing_summary_table() -> None:
    text = text_of("openlane_sta/ol2_CF_SRAM_1024x32_wb_wrapper_timing_summary.rpt")
    rows = [[c.strip() for c in ln.strip().strip("│").split("│")] for ln in text.splitlines() if ln.startswith("│")]
    facts, _ = _facts("openlane_sta/ol2_CF_SRAM_1024x32_wb_wrapper_timing_summary.rpt")
    design_rows = [s for s in facts.timing_summary if s.path_group == "*"]
    assert [s.corner for s in design_rows] == [r[0] for r in rows]
    for s, r in zip(design_rows, rows, strict=True):
        assert s.hold_ws == pytest.approx(float(r[1]))
        assert s.setup_ws == pytest.approx(float(r[6]))
        assert s.setup_vio_count == int(r[9])
        assert s.max_slew_vio == int(r[12])
