"""Hand-written fixtures for layouts the samples do not cover (Synopsys, older Yosys, summary-only
OpenSTA text, spaced TritonRoute boxes, unconstrained paths …)."""

from __future__ import annotations

import textwrap

import pytest

from core.ingest.format_ids import ReportFormat
from core.ingest.formats.klayout_rdb import unquote_category
from core.ingest.formats.reports import parse_text
from core.ingest.grammar.metric_keys import split_metric_key
from core.ingest.grammar.units import parse_time_unit
from core.ingest.records import ReportFacts


def facts_of(text: str, fmt: ReportFormat | None = None, **kw: str) -> ReportFacts:
    parsed = parse_text(textwrap.dedent(text).lstrip("\n"), source_name="fixture.rpt", fmt=fmt, **kw)  # type: ignore[arg-type]
    if fmt is not None:
        assert parsed.format is fmt
    return parsed.collect()


DC_TIMING = """
****************************************
Report : timing
        -path full
        -delay max
        -max_paths 1
Design : top
Version: W-2024.09-SP3
Date   : Thu Jul  3 16:02:52 2025
****************************************

Operating Conditions: ss0p72v125c   Library: saed14rvt_ss0p72v125c
Wire Load Model Mode: top

  Startpoint: a_reg_0_ (rising edge-triggered flip-flop clocked by clk)
  Endpoint: core/datapath/result_register_bank/out_reg_31_
            (rising edge-triggered flip-flop clocked by clk)
  Path Group: clk
  Path Type: max

  Des/Clust/Port     Wire Load Model       Library
  ------------------------------------------------
  top                ForQA                 saed14rvt_ss0p72v125c

  Point                                                   Incr       Path
  --------------------------------------------------------------------------
  clock clk (rise edge)                                   0.00       0.00
  clock network delay (ideal)                             0.00       0.00
  a_reg_0_/CLK (SAEDRVT14_FDPRBQ_V2_1)                    0.00       0.00 r
  a_reg_0_/Q (SAEDRVT14_FDPRBQ_V2_1)                      0.08       0.08 f
  U123/X (SAEDRVT14_ND2_1)                                0.03 *     0.11 r
  core/datapath/result_register_bank/out_reg_31_/D (SAEDRVT14_FDPRBQ_V2_1)
                                                          0.87       0.98 f
  data arrival time                                                  0.98

  clock clk (rise edge)                                  10.00      10.00
  clock network delay (ideal)                             0.00      10.00
  clock uncertainty                                      -0.10       9.90
  core/datapath/result_register_bank/out_reg_31_/CLK (SAEDRVT14_FDPRBQ_V2_1)
                                                          0.00       9.90 r
  library setup time                                     -0.11       9.79
  data required time                                                 9.79
  --------------------------------------------------------------------------
  data required time                                                 9.79
  data arrival time                                                 -0.98
  --------------------------------------------------------------------------
  slack (MET)                                                        8.81


1
"""


def test_synopsys_report_timing_path() -> None:
    parsed = parse_text(DC_TIMING.lstrip("\n"), source_name="dc_timing.rpt")
    facts = parsed.collect()
    assert parsed.format is ReportFormat.SYNOPSYS_TIMING
    assert parsed.run.design == "top" and parsed.run.tool_version == "W-2024.09-SP3"
    assert parsed.run.started_at is not None and parsed.run.started_at.year == 2025
    (path,) = facts.timing_paths
    assert path.endpoint == "core/datapath/result_register_bank/out_reg_31_"
    assert path.endpoint_kind == "rising edge-triggered flip-flop clocked by clk"
    assert (path.arrival, path.required, path.slack, path.status) == (0.98, 9.79, 8.81, "MET")
    assert path.clock_uncertainty == pytest.approx(-0.10) and path.setup_hold_time == pytest.approx(-0.11)
    assert path.clock_period == pytest.approx(10.0)
    pins = [(p.point, p.edge, p.incr, p.path_time) for p in path.points if p.point_kind == "pin"]
    assert pins[:3] == [
        ("a_reg_0_/CLK", "r", 0.0, 0.0),
        ("a_reg_0_/Q", "f", 0.08, 0.08),
        ("U123/X", "r", 0.03, 0.11),  # the '*' annotation between the numbers is not a value
    ]
    assert pins[3] == ("core/datapath/result_register_bank/out_reg_31_/D", "f", 0.87, 0.98)  # wrapped name
    assert path.logic_depth == 1


DC_QOR = """
****************************************
Report : qor
Design : top
Version: W-2024.09-SP3
Date   : Thu Jul  3 16:02:55 2025
****************************************


  Timing Path Group 'clk'
  -----------------------------------
  Levels of Logic:               5.00
  Critical Path Length:          0.98
  Critical Path Slack:          -0.25
  Critical Path Clk Period:     10.00
  Total Negative Slack:         -1.50
  No. of Violating Paths:       12.00
  Worst Hold Violation:          0.02
  Total Hold Violation:          0.05
  No. of Hold Violations:        3.00
  -----------------------------------


  Cell Count
  -----------------------------------
  Leaf Cell Count:                 45
  Sequential Cell Count:            8
  -----------------------------------


  Area
  -----------------------------------
  Combinational Area:       12.345600
  Net Area:                  3.210000
  -----------------------------------
  Cell Area:                32.345600
  Design Area:              35.555600


  Design Rules
  -----------------------------------
  Nets With Violations:             0
  Max Trans Violations:             0
  -----------------------------------

  --------------------------------------------------------------------

  Design  WNS: 0.25  TNS: 1.50  Number of Violating Paths: 12


  Design (Hold)  WNS: 0.02  TNS: 0.05  Number of Violating Paths: 3

  --------------------------------------------------------------------


1
"""


def test_synopsys_report_qor_metrics_and_summary() -> None:
    parsed = parse_text(DC_QOR.lstrip("\n"), source_name="dc_qor.rpt")
    facts = parsed.collect()
    assert parsed.format is ReportFormat.SYNOPSYS_QOR and parsed.run.design == "top"
    metrics = {(m.metric, tuple(m.qualifiers.items())): m for m in facts.qor_metrics}
    assert metrics[("timing__setup__ws", (("path_group", "clk"),))].value_num == -0.25
    assert metrics[("design__instance__area", ())].value_num == pytest.approx(32.3456)
    assert metrics[("design__instance__count", ())].value_num == 45
    assert metrics[("area__net_area", ())].value_num == pytest.approx(3.21)
    group = next(s for s in facts.timing_summary if s.path_group == "clk")
    assert (group.setup_ws, group.setup_tns, group.setup_vio_count) == (-0.25, -1.5, 12)
    assert (group.hold_wns, group.hold_tns, group.hold_vio_count) == (-0.02, -0.05, 3)
    design = next(s for s in facts.timing_summary if s.path_group == "*")
    assert design.hold_wns == -0.02  # printed as a positive magnitude
    assert len({m.raw_key for m in facts.qor_metrics}) == len(facts.qor_metrics)


def test_opensta_summary_commands_without_paths() -> None:
    facts = facts_of(
        """
        tns max -12.50
        wns max -3.25
        worst slack max -3.25
        worst slack min 0.04
        tns min 0.00
        clk period_min = 5.20 fmax = 192.31
        Clock clk
           0.50 source latency r1/CK ^
          -0.40 target latency r2/CK ^
           0.00 CRPR
        --------------
           0.10 setup skew
        max slew violation count 2
        hold violation count 0
        """
    )
    (row,) = facts.timing_summary
    assert (row.setup_tns, row.setup_wns, row.setup_ws, row.hold_ws, row.hold_tns) == (-12.5, -3.25, -3.25, 0.04, 0.0)
    assert (row.clock_period, row.fmax_mhz, row.clock_skew_setup) == (5.2, 192.31, 0.10)
    assert (row.max_slew_vio, row.hold_vio_count) == (2, 0)


def test_worst_slack_inf_is_not_stored_as_a_number() -> None:
    facts = facts_of("worst slack max INF\ntns max 0.00\n", fmt=ReportFormat.OPENSTA_SUMMARY)
    (row,) = facts.timing_summary
    assert row.setup_ws is None and row.setup_tns == 0.0


def test_unconstrained_path_has_no_slack() -> None:
    facts = facts_of(
        """
        Startpoint: in1 (input port)
        Endpoint: out1 (output port)
        Path Group: (none)
        Path Type: max

          Delay    Time   Description
        ---------------------------------------------------------
           0.00    0.00 ^ in1 (in)
           0.20    0.20 ^ u1/Z (BUF_X1)
           0.00    0.20 ^ out1 (out)
                   0.20   data arrival time
        ---------------------------------------------------------
        (Path is unconstrained)
        """
    )
    (path,) = facts.timing_paths
    assert path.arrival == 0.2 and path.slack is None and path.status is None
    assert [p.point_kind for p in path.points] == ["port", "pin", "port"]
    assert path.logic_depth == 1


def test_explicit_time_unit_overrides_the_guess() -> None:
    facts = facts_of("tns max -1500.00\n", fmt=ReportFormat.OPENSTA_SUMMARY, time_unit="ps")
    assert facts.timing_summary[0].setup_tns == pytest.approx(-1.5)


def test_orfs_power_per_corner_and_check_type_violators() -> None:
    banner = "=" * 74
    rule = "-" * 74
    facts = facts_of(
        f"""
        {banner}
        floorplan final report_check_types -max_slew -max_cap -max_fanout -violators
        {rule}
        max slew

        Pin                                        Limit        Slew       Slack
        ------------------------------------------------------------------------
        _123_/Y                                     0.75        0.90       -0.15 (VIOLATED)
        _124_/Y                                     0.75        0.80       -0.05 (VIOLATED)

        {banner}
        floorplan final report_power
        {rule}
        Corner: slow
        Group                  Internal  Switching    Leakage      Total
                                  Power      Power      Power      Power (Watts)
        ----------------------------------------------------------------
        Sequential             1.00e-03   1.00e-04   1.00e-07   1.10e-03  50.0%
        Total                  2.00e-03   2.00e-04   2.00e-07   2.20e-03 100.0%
                                  90.0%      10.0%       0.0%
        """,
        fmt=ReportFormat.ORFS_STAGE_REPORT,
    )
    (row,) = facts.timing_summary
    assert row.stage == "floorplan" and row.max_slew_vio == 2
    assert [(p.corner, p.grp, p.total_w) for p in facts.power_summary] == [
        ("slow", "Sequential", 1.1e-3),
        ("slow", "Total", 2.2e-3),
    ]


def test_older_yosys_stat_layout() -> None:
    facts = facts_of(
        """
        === top ===

           Number of wires:                 10
           Number of wire bits:             20
           Number of cells:                 12
             $_AND_                          3
             DFF_X1                          4
             INV_X1                          5

           Chip area for module '\\top': 12.5
        """
    )
    assert [(c.cell_type, c.count, c.area) for c in facts.cell_usage] == [
        ("$_AND_", 3, None),
        ("DFF_X1", 4, None),
        ("INV_X1", 5, None),
    ]
    area = next(m for m in facts.qor_metrics if m.metric == "design__instance__area__stdcell")
    assert area.value_num == 12.5 and area.qualifiers == {"module": "top"}


def test_tritonroute_bbox_with_padded_parentheses() -> None:
    facts = facts_of(
        """
        violation type: EOL
        \tsrcs: N/A
        \tbbox = ( 1.5, 2 ) - ( 3, 4.25 ) on Layer met2
        """
    )
    (v,) = facts.drc_violations
    assert (v.x_min, v.y_min, v.x_max, v.y_max, v.layer, v.sources) == (1.5, 2.0, 3.0, 4.25, "met2", ())


def test_empty_tritonroute_report_is_clean_when_named() -> None:
    facts = facts_of("", fmt=ReportFormat.OPENROAD_DRC)
    assert facts == ReportFacts()


def test_klayout_nested_category_and_waiver() -> None:
    xml = """<?xml version="1.0" encoding="utf-8"?>
<report-database>
 <top-cell>chip</top-cell>
 <categories>
  <category><name>M1</name><description>Metal 1</description>
   <categories><category><name>width</name><description>M1 width &lt; 0.1</description></category></categories>
  </category>
 </categories>
 <items>
  <item><tags>waived</tags><category>M1.width</category><cell>chip</cell><multiplicity>3</multiplicity>
   <values><value>box: (0,0;1,2)</value><value>float: 0.05</value></values></item>
 </items>
</report-database>
"""
    parsed = parse_text(xml, source_name="nested.lyrdb")
    facts = parsed.collect()
    (v,) = facts.drc_violations
    assert (v.rule, v.rule_description, v.waived, v.multiplicity) == ("M1.width", "M1 width < 0.1", True, 3)
    assert (v.x_min, v.y_min, v.x_max, v.y_max) == (0, 0, 1, 2)
    assert parsed.run.design == "chip"
    assert {s.rule: s.count for s in facts.drc_summary} == {"M1.width": 1, "M1": 0}


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("finish__timing__fmax__clock:clk", ("finish", "timing__fmax", {"clock": "clk"})),
        ("finish__timing__fmax__clock__clk", ("finish", "timing__fmax", {"clock": "clk"})),
        ("detailedroute__route__drc_errors__iter:3", ("detailedroute", "route__drc_errors", {"iter": "3"})),
        ("detailedroute__route__drc_errors__iter__3", ("detailedroute", "route__drc_errors", {"iter": "3"})),
        ("detailedroute__route__net__special", ("detailedroute", "route__net__special", {})),
        ("cts__flow__warnings__count:STA-1212", ("cts", "flow__warnings__count", {"count": "STA-1212"})),
        ("cts__flow__warnings__count__STA-1212", ("cts", "flow__warnings__count", {"count": "STA-1212"})),
        ("timing__setup__ws__corner:nom_tt_025C_1v80", (None, "timing__setup__ws", {"corner": "nom_tt_025C_1v80"})),
        ("RSZ::worst_slack_max", (None, "RSZ::worst_slack_max", {})),
        ("total_time", (None, "total_time", {})),
    ],
)
def test_metric_key_grammar(key: str, expected: tuple[object, ...]) -> None:
    assert split_metric_key(key) == expected


def test_klayout_category_unquoting() -> None:
    assert unquote_category("'l2 space < 1\\302\\265m'") == "l2 space < 1µm"
    assert unquote_category("'GFil.g'") == "GFil.g"
    assert unquote_category("parent.child") == "parent.child"


def test_time_unit_spellings() -> None:
    assert parse_time_unit("1ps") is not None and parse_time_unit("1ps").to_ns == pytest.approx(1e-3)  # type: ignore[union-attr]
    assert parse_time_unit("ns") is not None and parse_time_unit("ns").label == "ns"  # type: ignore[union-attr]
    assert parse_time_unit("furlong") is None
