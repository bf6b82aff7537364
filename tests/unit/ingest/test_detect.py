"""Format detection: every sample is recognised from its content alone."""

from __future__ import annotations

import io

import pytest

from core.ingest.errors import ReportFormatError, ReportParseError
from core.ingest.format_ids import ReportFormat, ReportKind, kind_for
from core.ingest.formats import detect_format
from core.ingest.formats.reports import parse_report

from .samples import all_samples, sample

F = ReportFormat
EXPECTED: dict[str, ReportFormat] = {
    "klayout_lyrdb/ihp_sg13g2_TOP.lyrdb": F.KLAYOUT_RDB,
    "klayout_lyrdb/klayout_testdata_drcSimpleTests_au110.lyrdb": F.KLAYOUT_RDB,
    "klayout_lyrdb/klayout_testdata_drcSimpleTests_au14b.lyrdb": F.KLAYOUT_RDB,
    "magic_drc/caravel_user_sram_user_project_wrapper_magic_drc.rpt": F.MAGIC_DRC,
    "openlane_drc/ol2_CF_SRAM_1024x32_wb_wrapper_antenna_summary.rpt": F.OPENLANE2_ANTENNA,
    "openlane_drc/user_proj_example_43-antenna_violators.rpt": F.OPENLANE1_ANTENNA,
    "openlane_drc/user_proj_example_drc.klayout_clean.xml": F.KLAYOUT_RDB,
    "openlane_drc/user_proj_example_magic_drc_clean.rpt": F.MAGIC_DRC,
    "openlane_drc/user_proj_example_manufacturability.rpt": F.OPENLANE_MANUFACTURABILITY,
    "openlane_metrics/user_proj_example_metrics_openlane1_wide.csv": F.OPENLANE1_METRICS,
    "openlane_metrics/user_proj_example_metrics_openlane2_long.csv": F.OPENLANE2_METRICS,
    "openlane_metrics/user_project_wrapper_metrics_openlane1_wide.csv": F.OPENLANE1_METRICS,
    "openlane_sta/ol2_CF_SRAM_1024x32_wb_wrapper_timing_summary.rpt": F.OPENLANE2_TIMING_SUMMARY,
    "openlane_sta/ol2_max_ss_100C_1v60_power.rpt": F.OPENLANE2_STA,
    "openlane_sta/ol2_max_ss_100C_1v60_skew.max.rpt": F.OPENLANE2_STA,
    "openlane_sta/ol2_max_ss_100C_1v60_tns.max.rpt": F.OPENLANE2_STA,
    "openlane_sta/ol2_max_ss_100C_1v60_violator_list.rpt": F.OPENLANE2_STA,
    "openlane_sta/ol2_max_ss_100C_1v60_wns.min.rpt": F.OPENLANE2_STA,
    "openlane_sta/ol2_max_ss_100C_1v60_ws.max.rpt": F.OPENLANE2_STA,
    "openlane_sta/user_proj_example_33-rcx_sta.checks.rpt": F.OPENLANE1_STA,
    "openlane_sta/user_proj_example_33-rcx_sta.power.rpt": F.OPENLANE1_STA,
    "openlane_sta/user_proj_example_33-rcx_sta.skew.rpt": F.OPENLANE1_STA,
    "openlane_sta/user_proj_example_33-rcx_sta.summary.rpt": F.OPENLANE1_STA,
    "openroad_drc/openroad_ant_report.rptok": F.OPENROAD_ANTENNA,
    "openroad_drc/openroad_drt_drc_test.drcok": F.OPENROAD_DRC,
    "openroad_drc/openroad_grt_congestion7.rptok": F.OPENROAD_CONGESTION,
    "opensta_report_checks/openroad_rmp_gcd_asap7.ok": F.OPENSTA_CHECKS,
    "opensta_report_checks/opensta_mcmm3.ok": F.OPENSTA_CHECKS,
    "opensta_report_checks/opensta_min_max_delays.ok": F.OPENSTA_CHECKS,
    "opensta_report_checks/opensta_multi_corner.ok": F.OPENSTA_CHECKS,
    "opensta_report_checks/opensta_report_checks_src_attr.ok": F.OPENSTA_CHECKS,
    "opensta_report_checks/opensta_report_json1.ok": F.OPENSTA_JSON,
    "opensta_report_checks/opensta_set_path_margin1.ok": F.OPENSTA_CHECKS,
    "orfs_metrics/asap7_aes_metadata-base-ok.json": F.ORFS_METRICS,
    "orfs_metrics/asap7_riscv32i_metadata-base-ok.json": F.ORFS_METRICS,
    "orfs_metrics/nangate45_aes_metadata-base-ok.json": F.ORFS_METRICS,
    "orfs_metrics/nangate45_gcd_metadata-base-ok_2021-05_legacy.json": F.ORFS_METRICS,
    "orfs_metrics/nangate45_gcd_metadata-base-ok_2025-02.json": F.ORFS_METRICS,
    "orfs_metrics/nangate45_ibex_metadata-base-ok.json": F.ORFS_METRICS,
    "orfs_metrics/nangate45_jpeg_metadata-base-ok.json": F.ORFS_METRICS,
    "orfs_metrics/openroad_test_aes_nangate45.metrics.json": F.ORFS_METRICS,
    "orfs_metrics/openroad_test_aes_nangate45.metrics_limits.json": F.ORFS_METRICS,
    "orfs_metrics/serv_asap7_4_1_cts.json": F.ORFS_METRICS,
    "orfs_metrics/serv_asap7_5_2_route.json": F.ORFS_METRICS,
    "orfs_metrics/serv_asap7_6_report.json": F.ORFS_METRICS,
    "orfs_metrics/sky130hd_aes_metadata-base-ok.json": F.ORFS_METRICS,
    "orfs_metrics/sky130hd_gcd_metadata-base-ok.json": F.ORFS_METRICS,
    "orfs_rpt/serv_asap7_4_cts_final.rpt": F.ORFS_STAGE_REPORT,
    "orfs_rpt/serv_asap7_6_finish.rpt": F.ORFS_STAGE_REPORT,
    "orfs_rules/asap7_gcd_rules-base.json": F.ORFS_RULES,
    "orfs_rules/asap7_ibex_rules-base.json": F.ORFS_RULES,
    "orfs_rules/nangate45_gcd_rules-base.json": F.ORFS_RULES,
    "orfs_rules/sky130hd_aes_rules-base.json": F.ORFS_RULES,
    "orfs_rules/sky130hd_gcd_rules-base.json": F.ORFS_RULES,
    "yosys_stat/serv_asap7_synth_stat.txt": F.YOSYS_STAT,
    "yosys_stat/vlsiffra_asap7_synth_stat.txt": F.YOSYS_STAT,
}


@pytest.mark.samples
@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_each_sample_is_detected_from_its_content(relative: str) -> None:
    head = sample(relative).read_bytes()[:8192]
    assert detect_format(head, relative) is EXPECTED[relative]


@pytest.mark.samples
def test_every_file_in_the_samples_folder_has_an_expected_format() -> None:
    files = all_samples()
    if not files:
        pytest.skip("EDA samples folder is absent")
    unknown = [f for f in files if f not in EXPECTED]
    assert not unknown, f"new sample files need an expected format here: {unknown}"


@pytest.mark.samples
def test_detection_ignores_a_misleading_file_name() -> None:
    data = sample("orfs_rules/asap7_gcd_rules-base.json").read_bytes()
    parsed = parse_report(io.BytesIO(data), source_name="timing_report.rpt")
    assert parsed.format is ReportFormat.ORFS_RULES


def test_unknown_content_is_a_format_error_naming_the_file() -> None:
    with pytest.raises(ReportFormatError) as err:
        detect_format(b"hello world\nthis is a shopping list\n", "notes.txt")
    assert "notes.txt" in str(err.value)
    assert "hello world" in str(err.value)
    assert isinstance(err.value, ReportParseError)


def test_a_log_line_in_brackets_is_not_taken_for_json() -> None:
    head = b"[WARNING STA-1212] lib line 1\nStartpoint: a (input port)\nEndpoint: b (output port)\n"
    assert detect_format(head) is ReportFormat.OPENSTA_CHECKS


@pytest.mark.parametrize(
    ("fmt", "kind"),
    [
        (ReportFormat.ORFS_STAGE_REPORT, ReportKind.TIMING),
        (ReportFormat.OPENSTA_JSON, ReportKind.TIMING),
        (ReportFormat.SYNOPSYS_QOR, ReportKind.QOR),
        (ReportFormat.YOSYS_STAT, ReportKind.QOR),
        (ReportFormat.ORFS_RULES, ReportKind.QOR),
        (ReportFormat.KLAYOUT_RDB, ReportKind.DRC),
        (ReportFormat.OPENLANE1_ANTENNA, ReportKind.DRC),
    ],
)
def test_kind_for_maps_formats_to_the_users_databases(fmt: ReportFormat, kind: ReportKind) -> None:
    assert kind_for(fmt) is kind


def test_every_format_has_a_kind() -> None:
    assert {kind_for(f) for f in ReportFormat} == set(ReportKind)
