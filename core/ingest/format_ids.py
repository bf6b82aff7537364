"""Report format ids and the per-user database (kind) each loads into.

``ReportFormat`` names the built-in formats; a format added later may name itself with ``FormatId``. Which
kind a format belongs to is declared with the format in ``core.ingest.formats`` (its registry fills the
table here), so the fact model and the loader can ask without importing the parsers."""

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


class FormatId(str):
    """The id of a format that is not a ``ReportFormat`` member: ``FormatId("my_tool_report")``.

    Like a ``ReportFormat`` member it is a str with a ``value``, so run records, the loader and table
    names treat both alike."""

    __slots__ = ()

    @property
    def value(self) -> str:
        return str(self)


AnyFormat = ReportFormat | FormatId

# Filled by core.ingest.formats.registry as formats are registered (see the module docstring).
_KINDS: dict[str, ReportKind] = {}


def kind_for(fmt: AnyFormat) -> ReportKind:
    """Which of the user's three databases (timing|qor|drc) a report of this format is loaded into."""
    return _KINDS[fmt]


def declare_kind(fmt: AnyFormat, kind: ReportKind) -> None:
    _KINDS[fmt] = kind


def forget_kind(fmt: AnyFormat) -> None:
    _KINDS.pop(fmt, None)
