"""DRC samples: violation counts per rule match independent counts of each file."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from core.ingest.formats.reports import open_report
from core.ingest.records import ReportFacts

from .samples import sample, text_of

pytestmark = pytest.mark.samples


def _parse(relative: str) -> ReportFacts:
    with open_report(sample(relative)) as parsed:
        return parsed.collect()


@pytest.mark.parametrize(
    ("relative", "checker"),
    [
        ("openroad_drc/openroad_drt_drc_test.drcok", "tritonroute"),
        ("openroad_drc/openroad_grt_congestion7.rptok", "grt_congestion"),
    ],
)
def test_openroad_violations_per_type(relative: str, checker: str) -> None:
    text = text_of(relative)
    expected = Counter(re.findall(r"^violation type: (.+)$", text, re.MULTILINE))
    facts = _parse(relative)
    assert Counter(v.rule for v in facts.drc_violations) == expected
    assert {s.rule: s.count for s in facts.drc_summary} == dict(expected)
    assert {v.checker for v in facts.drc_violations} == {checker}


def test_tritonroute_details() -> None:
    facts = _parse("openroad_drc/openroad_drt_drc_test.drcok")
    assert Counter(v.rule for v in facts.drc_violations) == {"Short": 26, "Metal Spacing": 7, "Cut Spacing": 1}
    first = facts.drc_violations[0]
    assert (first.x_min, first.y_min, first.x_max, first.y_max) == (58.65, 31.395, 58.685, 31.465)
    assert first.layer == "metal1" and first.sources == ("net:_126_", "net:_178_")
    assert first.category == "spacing"
    escaped = next(v for v in facts.drc_violations if "net:dpath.a_lt_b$in0\\[1\\]" in v.sources)
    assert escaped.rule == "Short"


def test_congestion_comment_and_no_layer() -> None:
    facts = _parse("openroad_drc/openroad_grt_congestion7.rptok")
    first = facts.drc_violations[0]
    assert first.comment == "capacity:2 usage:4 congestion:2"
    assert first.layer is None and first.category == "congestion"


def test_magic_boxes_per_rule() -> None:
    relative = "magic_drc/caravel_user_sram_user_project_wrapper_magic_drc.rpt"
    text = text_of(relative)
    blocks = re.split(r"^-{40}\n", text, flags=re.MULTILINE)
    expected: Counter[str] = Counter()
    for title, body in zip(blocks[1::2], blocks[2::2], strict=False):
        boxes = [ln for ln in body.splitlines() if ln.strip().endswith("um")]
        if title.strip() and boxes:
            expected[title.strip()] += len(boxes)
    facts = _parse(relative)
    assert Counter(v.rule_description for v in facts.drc_violations) == expected
    count = int(re.search(r"COUNT: (\d+)", text).group(1))  # type: ignore[union-attr]
    assert len(facts.drc_violations) == count == 144
    rules = {v.rule_description: (v.rule, v.layer) for v in facts.drc_violations}
    assert rules["Diffusion width < 0.15um (diff/tap.1)"] == ("diff/tap.1", "diff/tap")
    assert rules["Can't overlap those layers"] == ("UNKNOWN", None)
    assert rules["N-well overlap of Deep N-well < 0.4um outside, 1.03um inside (nwell.5a, 7)"][0] == "nwell.5a, 7"
    assert {v.cell for v in facts.drc_violations} == {"user_project_wrapper"}


@pytest.mark.parametrize(
    "relative",
    [
        "klayout_lyrdb/ihp_sg13g2_TOP.lyrdb",
        "klayout_lyrdb/klayout_testdata_drcSimpleTests_au110.lyrdb",
        "klayout_lyrdb/klayout_testdata_drcSimpleTests_au14b.lyrdb",
        "openlane_drc/user_proj_example_drc.klayout_clean.xml",
    ],
)
def test_klayout_items_per_category(relative: str) -> None:
    text = text_of(relative)
    items = re.findall(r"<item>.*?<category>(.*?)</category>", text, re.DOTALL)
    expected = Counter(c.strip("'").replace("&lt;", "<").replace("\\302\\265", "µ") for c in items)
    facts = _parse(relative)
    assert Counter(v.rule for v in facts.drc_violations) == expected
    assert len(facts.drc_violations) == text.count("<item>")
    declared = set(re.findall(r"<category>\s*<name>(.*?)</name>", text, re.DOTALL))
    assert {v.rule for v in facts.drc_violations} <= {d.replace("&lt;", "<") for d in declared}


def test_klayout_geometry_and_descriptions() -> None:
    facts = _parse("klayout_lyrdb/ihp_sg13g2_TOP.lyrdb")
    first = facts.drc_violations[0]
    assert first.rule == "GFil.g" and first.layer == "GFil" and first.cell == "TOP"
    assert (first.x_min, first.y_min, first.x_max, first.y_max) == (-3.072, -1.073, 1.435, 1.22)
    m1 = next(v for v in facts.drc_violations if v.rule == "M1.j")
    assert m1.rule_description is not None and "Metal1" in m1.rule_description
    pair = _parse("klayout_lyrdb/klayout_testdata_drcSimpleTests_au14b.lyrdb").drc_violations[0]
    assert pair.rule == "l2 space < 1µm" and pair.geometry is not None and pair.geometry.startswith("edge-pair:")
    assert (pair.x_min, pair.y_min, pair.x_max, pair.y_max) == (-0.2, 0.7, 1.0, 1.1)


def test_clean_reports_have_no_violations() -> None:
    assert _parse("openlane_drc/user_proj_example_magic_drc_clean.rpt").drc_violations == []
    assert _parse("openlane_drc/user_proj_example_drc.klayout_clean.xml").drc_violations == []


@pytest.mark.parametrize(
    ("relative", "count_re"),
    [
        ("openlane_drc/user_proj_example_43-antenna_violators.rpt", r"^Partial/Required:"),
        ("openlane_drc/ol2_CF_SRAM_1024x32_wb_wrapper_antenna_summary.rpt", r"^│ \d"),
        ("openroad_drc/openroad_ant_report.rptok", r"\(VIOLATED\)"),
    ],
)
def test_antenna_violations_counted(relative: str, count_re: str) -> None:
    text = text_of(relative)
    facts = _parse(relative)
    assert len(facts.antenna_violations) == len(re.findall(count_re, text, re.MULTILINE))
    for v in facts.antenna_violations:
        assert v.ratio == pytest.approx((v.partial_ratio or 0) / (v.required_ratio or 1), rel=0.01)


def test_openroad_antenna_violation_fields() -> None:
    facts = _parse("openroad_drc/openroad_ant_report.rptok")
    first = facts.antenna_violations[0]
    assert (first.net, first.pin, first.layer, first.partial_ratio, first.required_ratio) == (
        "net50",
        "output50/A",
        "met1",
        275.20,
        10.0,
    )
    assert first.check_kind == "Side area"


def test_manufacturability_totals() -> None:
    with open_report(sample("openlane_drc/user_proj_example_manufacturability.rpt")) as parsed:
        facts = parsed.collect()
        assert parsed.run.design == "user_proj_example"
    got = {(s.checker, s.rule): s.count for s in facts.drc_summary}
    assert got == {
        ("magic", "total"): 0,
        ("lvs", "total"): 0,
        ("antenna", "pin_violations"): 4,
        ("antenna", "net_violations"): 3,
    }
