"""Report format ids, which producer wrote each one, and which per-user database (kind) it belongs in."""

from __future__ import annotations

from enum import StrEnum


class ReportKind(StrEnum):
    TIMING = "timing"
    QOR = "qor"
    DRC = "drc"


class ReportFormat(StrEnum):
    OPENSTA_CHECKS = "opensta_checks"  # report_checks text, possibly with summary lines in between
    OPENSTA_SUMMARY = "opensta_summary"  # report_tns / report_wns / worst slack / skew / power text only
    OPENSTA_JSON = "opensta_json"  # report_checks -format json
    ORFS_STAGE_REPORT = "orfs_stage_report"  # reports/.../<n>_<stage>.rpt with ==== sections
    OPENLANE1_STA = "openlane1_sta"  # NN-rcx_sta.*.rpt
    OPENLANE2_STA = "openlane2_sta"  # timing-reports/<corner>/*.rpt
    OPENLANE2_TIMING_SUMMARY = "openlane2_timing_summary"  # box-drawn multi-corner summary.rpt
    SYNOPSYS_TIMING = "synopsys_timing"  # DC / PrimeTime / ICC2 report_timing
    SYNOPSYS_QOR = "synopsys_qor"  # DC report_qor
    ORFS_METRICS = "orfs_metrics"  # METRICS2.1 JSON (metadata.json, per-stage logs, openroad -metrics)
    ORFS_RULES = "orfs_rules"  # rules-base.json regression gates
    OPENLANE1_METRICS = "openlane1_metrics"  # wide metrics.csv
    OPENLANE2_METRICS = "openlane2_metrics"  # long Metric,Value metrics.csv
    YOSYS_STAT = "yosys_stat"  # Yosys stat (synth_stat.txt)
    OPENROAD_DRC = "openroad_drc"  # TritonRoute 5_route_drc.rpt / check_drc
    OPENROAD_CONGESTION = "openroad_congestion"  # global-route congestion report (same grammar)
    OPENROAD_ANTENNA = "openroad_antenna"  # check_antennas -report_file
    KLAYOUT_RDB = "klayout_rdb"  # .lyrdb / drc.klayout.xml
    MAGIC_DRC = "magic_drc"  # Magic drc.rpt
    OPENLANE1_ANTENNA = "openlane1_antenna"  # NN-antenna_violators.rpt
    OPENLANE2_ANTENNA = "openlane2_antenna"  # box-drawn antenna_summary.rpt
    OPENLANE_MANUFACTURABILITY = "openlane_manufacturability"  # manufacturability.rpt


_KIND: dict[ReportFormat, ReportKind] = {
    ReportFormat.OPENSTA_CHECKS: ReportKind.TIMING,
    ReportFormat.OPENSTA_SUMMARY: ReportKind.TIMING,
    ReportFormat.OPENSTA_JSON: ReportKind.TIMING,
    ReportFormat.ORFS_STAGE_REPORT: ReportKind.TIMING,
    ReportFormat.OPENLANE1_STA: ReportKind.TIMING,
    ReportFormat.OPENLANE2_STA: ReportKind.TIMING,
    ReportFormat.OPENLANE2_TIMING_SUMMARY: ReportKind.TIMING,
    ReportFormat.SYNOPSYS_TIMING: ReportKind.TIMING,
    ReportFormat.SYNOPSYS_QOR: ReportKind.QOR,
    ReportFormat.ORFS_METRICS: ReportKind.QOR,
    ReportFormat.ORFS_RULES: ReportKind.QOR,
    ReportFormat.OPENLANE1_METRICS: ReportKind.QOR,
    ReportFormat.OPENLANE2_METRICS: ReportKind.QOR,
    ReportFormat.YOSYS_STAT: ReportKind.QOR,
    ReportFormat.OPENROAD_DRC: ReportKind.DRC,
    ReportFormat.OPENROAD_CONGESTION: ReportKind.DRC,
    ReportFormat.OPENROAD_ANTENNA: ReportKind.DRC,
    ReportFormat.KLAYOUT_RDB: ReportKind.DRC,
    ReportFormat.MAGIC_DRC: ReportKind.DRC,
    ReportFormat.OPENLANE1_ANTENNA: ReportKind.DRC,
    ReportFormat.OPENLANE2_ANTENNA: ReportKind.DRC,
    ReportFormat.OPENLANE_MANUFACTURABILITY: ReportKind.DRC,
}

# The producer recorded in eda_runs.source_tool (notes §4 vocabulary where it has a word for it).
_TOOL: dict[ReportFormat, str] = {
    ReportFormat.OPENSTA_CHECKS: "opensta",
    ReportFormat.OPENSTA_SUMMARY: "opensta",
    ReportFormat.OPENSTA_JSON: "opensta",
    ReportFormat.ORFS_STAGE_REPORT: "orfs",
    ReportFormat.OPENLANE1_STA: "openlane1",
    ReportFormat.OPENLANE2_STA: "openlane2",
    ReportFormat.OPENLANE2_TIMING_SUMMARY: "openlane2",
    ReportFormat.SYNOPSYS_TIMING: "synopsys",
    ReportFormat.SYNOPSYS_QOR: "dc",
    ReportFormat.ORFS_METRICS: "orfs",
    ReportFormat.ORFS_RULES: "orfs",
    ReportFormat.OPENLANE1_METRICS: "openlane1",
    ReportFormat.OPENLANE2_METRICS: "openlane2",
    ReportFormat.YOSYS_STAT: "yosys",
    ReportFormat.OPENROAD_DRC: "openroad",
    ReportFormat.OPENROAD_CONGESTION: "openroad",
    ReportFormat.OPENROAD_ANTENNA: "openroad",
    ReportFormat.KLAYOUT_RDB: "klayout",
    ReportFormat.MAGIC_DRC: "magic",
    ReportFormat.OPENLANE1_ANTENNA: "openlane1",
    ReportFormat.OPENLANE2_ANTENNA: "openlane2",
    ReportFormat.OPENLANE_MANUFACTURABILITY: "openlane1",
}


def kind_for(fmt: ReportFormat) -> ReportKind:
    """Which of the user's three databases (timing|qor|drc) a report of this format is loaded into."""
    return _KIND[fmt]


def tool_for(fmt: ReportFormat) -> str:
    return _TOOL[fmt]
