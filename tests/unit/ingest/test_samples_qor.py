"""QoR samples: METRICS2.1 JSON (both qualifier spellings, legacy schema, logs with repeated keys),
rules-base.json, OpenLane metrics CSV and Yosys stat, against counts made independently here."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from typing import Any

import pytest

from core.ingest.formats.reports import open_report
from core.ingest.records import QorMetric, ReportFacts

from .samples import sample, text_of

pytestmark = pytest.mark.samples

METRICS_FILES = [
    "orfs_metrics/asap7_aes_metadata-base-ok.json",
    "orfs_metrics/asap7_riscv32i_metadata-base-ok.json",
    "orfs_metrics/nangate45_aes_metadata-base-ok.json",
    "orfs_metrics/nangate45_gcd_metadata-base-ok_2021-05_legacy.json",
    "orfs_metrics/nangate45_gcd_metadata-base-ok_2025-02.json",
    "orfs_metrics/nangate45_ibex_metadata-base-ok.json",
    "orfs_metrics/nangate45_jpeg_metadata-base-ok.json",
    "orfs_metrics/openroad_test_aes_nangate45.metrics.json",
    "orfs_metrics/openroad_test_aes_nangate45.metrics_limits.json",
    "orfs_metrics/serv_asap7_4_1_cts.json",
    "orfs_metrics/serv_asap7_5_2_route.json",
    "orfs_metrics/serv_asap7_6_report.json",
    "orfs_metrics/sky130hd_aes_metadata-base-ok.json",
    "orfs_metrics/sky130hd_gcd_metadata-base-ok.json",
]
RULES_FILES = [
    "orfs_rules/asap7_gcd_rules-base.json",
    "orfs_rules/asap7_ibex_rules-base.json",
    "orfs_rules/nangate45_gcd_rules-base.json",
    "orfs_rules/sky130hd_aes_rules-base.json",
    "orfs_rules/sky130hd_gcd_rules-base.json",
]


def _parse(relative: str) -> tuple[ReportFacts, Any]:
    with open_report(sample(relative)) as parsed:
        return parsed.collect(), parsed.run


def _pairs(relative: str) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []

    def keep(items: list[tuple[str, Any]]) -> dict[str, Any]:
        pairs.extend(items)
        return dict(items)

    json.loads(text_of(relative), object_pairs_hook=keep)
    return pairs


@pytest.mark.parametrize("relative", METRICS_FILES)
def test_one_metric_row_per_distinct_key_value(relative: str) -> None:
    pairs = _pairs(relative)
    last: dict[str, Any] = {}
    expected = 0
    for key, value in pairs:
        if key not in last or last[key] != value:
            expected += 1
        last[key] = value
    facts, _ = _parse(relative)
    assert len(facts.qor_metrics) == expected
    raw_keys = [m.raw_key for m in facts.qor_metrics]
    assert len(set(raw_keys)) == len(raw_keys), "raw_key is the table's key within a run"
    assert {k.split("#")[0] for k in raw_keys} == set(last)


def _find(metrics: list[QorMetric], stage: str, metric: str, **quals: str) -> QorMetric:
    return next(m for m in metrics if m.stage == stage and m.metric == metric and dict(m.qualifiers) == quals)


def test_both_qualifier_spellings_normalise_alike() -> None:
    colon, _ = _parse("orfs_metrics/nangate45_gcd_metadata-base-ok_2025-02.json")
    underscore, _ = _parse("orfs_metrics/nangate45_aes_metadata-base-ok.json")
    site = "FreePDK45_38x28_10R_NP_162NW_34O"
    assert "cts__design__rows:" + site in {m.raw_key for m in colon.qor_metrics}
    assert "cts__design__rows__" + site in {m.raw_key for m in underscore.qor_metrics}
    assert _find(colon.qor_metrics, "cts", "design__rows", rows=site).value_num == 23
    assert _find(underscore.qor_metrics, "cts", "design__rows", rows=site).value_num == 164
    assert _find(underscore.qor_metrics, "cts", "timing__fmax", clock="clk").unit == "Hz"


def test_stage_log_qualifiers_and_repeated_keys() -> None:
    route, _ = _parse("orfs_metrics/serv_asap7_5_2_route.json")
    iters = sorted(
        (int(m.qualifiers["iter"]), m.value_num)
        for m in route.qor_metrics
        if m.metric == "route__drc_errors" and m.qualifiers
    )
    assert iters == [(0, 1986), (1, 263), (2, 188), (3, 0)]
    warnings = _find(route.qor_metrics, "detailedroute", "flow__warnings__count", count="STA-1212")
    assert warnings.value_num == 1001
    report, _ = _parse("orfs_metrics/serv_asap7_6_report.json")
    drop = _find(report.qor_metrics, "finish", "design_powergrid__drop__worst", net="VDD", corner="default")
    assert drop.value_num == pytest.approx(0.00218984)


def test_openroad_metrics_log_keeps_every_occurrence() -> None:
    facts, _ = _parse("orfs_metrics/openroad_test_aes_nangate45.metrics.json")
    util = [m for m in facts.qor_metrics if m.metric == "utilization__before__dpl"]
    assert [m.value_num for m in util] == pytest.approx([2.44659, 2.46814, 2.95279][: len(util)])
    assert [m.qualifiers.get("occurrence") for m in util][:2] == [None, "2"]
    rsz = next(m for m in facts.qor_metrics if m.raw_key == "RSZ::worst_slack_max")
    assert rsz.value_num == pytest.approx(-0.20410851364558505) and rsz.unit == "ns"


def test_asap7_times_are_converted_from_ps() -> None:
    facts, run = _parse("orfs_metrics/asap7_aes_metadata-base-ok.json")
    raw = dict(_pairs("orfs_metrics/asap7_aes_metadata-base-ok.json"))
    assert run.time_unit == "ps" and run.design == "aes" and run.platform == "asap7"
    ws = _find(facts.qor_metrics, "finish", "timing__setup__ws")
    assert ws.value_num == pytest.approx(raw["finish__timing__setup__ws"] / 1000) and ws.unit == "ns"
    power = _find(facts.qor_metrics, "finish", "power__total")
    assert power.value_num == raw["finish__power__total"] and power.unit == "W"
    runtime = _find(facts.qor_metrics, "cts", "runtime__total")
    assert runtime.value_text == raw["cts__runtime__total"] and runtime.unit == "s"


def test_legacy_2021_schema_is_aliased() -> None:
    facts, run = _parse("orfs_metrics/nangate45_gcd_metadata-base-ok_2021-05_legacy.json")
    assert run.schema_version == "2021-legacy"
    assert run.tool_version == "1" and run.design == "gcd"
    ws = next(m for m in facts.qor_metrics if m.raw_key == "floorplan__timing__ws__worst")
    assert (ws.stage, ws.metric, ws.value_num) == ("floorplan", "timing__setup__ws", 1.54)
    cpu = next(m for m in facts.qor_metrics if m.raw_key == "synth__cpu__total")
    assert (cpu.value_num, cpu.unit, cpu.value_text) == (96.0, "%", "96%")
    na = next(m for m in facts.qor_metrics if m.raw_key == "finish__power__total")
    assert na.value_num is None and na.value_text == "N/A"


def test_rules_files_count_and_comparisons() -> None:
    compares: Counter[str] = Counter()
    parsed: Counter[str] = Counter()
    for relative in RULES_FILES:
        text = text_of(relative)
        compares.update(re.findall(r'"compare":\s*"([<>=]+)"', text))
        facts, _ = _parse(relative)
        assert len(facts.qor_rules) == len(re.findall(r'^    "[^"]+": \{$', text, re.MULTILINE))
        parsed.update(r.compare for r in facts.qor_rules)
    assert parsed == compares
    assert parsed == Counter({">=": 60, "<=": 55, "==": 20})


def test_rule_thresholds_follow_the_time_unit() -> None:
    with open_report(sample("orfs_rules/asap7_gcd_rules-base.json"), time_unit="ps") as parsed:
        rules = {r.metric_key: r for r in parsed.collect().qor_rules}
    assert rules["cts__timing__setup__ws"].threshold == pytest.approx(-0.0586)
    assert rules["detailedroute__route__wirelength"].threshold == 919
    assert rules["synth__netlist__hash"].threshold_text == "N/A" and rules["synth__netlist__hash"].level == "warning"


@pytest.mark.parametrize(
    "relative",
    [
        "openlane_metrics/user_proj_example_metrics_openlane1_wide.csv",
        "openlane_metrics/user_project_wrapper_metrics_openlane1_wide.csv",
    ],
)
def test_openlane1_wide_csv_unpivots_every_column(relative: str) -> None:
    header, values = list(csv.reader(io.StringIO(text_of(relative))))[:2]
    facts, run = _parse(relative)
    assert [m.raw_key for m in facts.qor_metrics] == header
    assert run.design == values[header.index("design_name")]
    by_key = {m.raw_key: m for m in facts.qor_metrics}
    not_run = [h for h, v in zip(header, values, strict=True) if v == "-1"]
    assert not_run and all(by_key[h].value_num is None and by_key[h].value_text == "-1" for h in not_run)
    assert by_key["power_typical_internal_uW"].unit == "uW"


def test_openlane2_long_csv_with_corner_qualifiers() -> None:
    text = text_of("openlane_metrics/user_proj_example_metrics_openlane2_long.csv")
    facts, _ = _parse("openlane_metrics/user_proj_example_metrics_openlane2_long.csv")
    data_lines = [ln for ln in text.splitlines()[1:] if ln.strip()]
    assert len(facts.qor_metrics) == len(data_lines)
    with_corner = [m for m in facts.qor_metrics if "corner" in m.qualifiers]
    assert len(with_corner) == sum("__corner:" in ln for ln in data_lines)
    ws = next(
        m
        for m in facts.qor_metrics
        if m.metric == "timing__setup__ws" and m.qualifiers == {"corner": "nom_tt_025C_1v80"}
    )
    assert ws.value_num == pytest.approx(8.15484)
    bbox = next(m for m in facts.qor_metrics if m.raw_key == "design__die__bbox")
    assert bbox.value_text == "0.0 0.0 2800.0 1760.0"


@pytest.mark.parametrize(
    "relative", ["yosys_stat/serv_asap7_synth_stat.txt", "yosys_stat/vlsiffra_asap7_synth_stat.txt"]
)
def test_yosys_stat_cells_add_up(relative: str) -> None:
    text = text_of(relative)
    cell_rows = re.findall(r"^\s+(\d+)\s+([\d.]+)\s+([A-Za-z]\w*_ASAP7_\w+)$", text, re.MULTILINE)
    total = re.search(r"^\s+(\d+)\s+([\d.]+) cells$", text, re.MULTILINE)
    chip = re.search(r"Chip area for module '\\(\S+)': (\S+)", text)
    assert total is not None and chip is not None
    facts, run = _parse(relative)
    assert [(c.cell_type, c.count) for c in facts.cell_usage] == [(n, int(c)) for c, _, n in cell_rows]
    assert sum(c.count for c in facts.cell_usage) == int(total.group(1))
    assert sum(c.area or 0 for c in facts.cell_usage) == pytest.approx(float(chip.group(2)), rel=1e-3)
    assert run.design == chip.group(1)
    area = next(m for m in facts.qor_metrics if m.metric == "design__instance__area__stdcell")
    assert area.value_num == pytest.approx(float(chip.group(2)))
