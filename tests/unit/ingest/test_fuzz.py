"""Fuzzing: whatever bytes a parser is fed, the only exception that escapes is ReportParseError
(and never the safety net's 'internal' kind, which would mean a parser bug)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.ingest.errors import ReportParseError
from core.ingest.format_ids import ReportFormat
from core.ingest.formats import detect_format
from core.ingest.formats.reports import parse_bytes
from core.ingest.records import ReportFacts

from .test_bad_inputs import GOOD_PATH
from .test_inline_formats import DC_QOR, DC_TIMING

F = ReportFormat
BANNER, RULE = "=" * 74, "-" * 74
OL_BANNER = "=" * 75
BOX_TOP = "┏━━━━━━━┳━━━━━━━━━┳━━━━━━━━━━┳━━━━━━┳━━━━━━┳━━━━━━━┓"
SEEDS: dict[ReportFormat, str] = {
    F.OPENSTA_CHECKS: GOOD_PATH + "\nwns max -1.0\ntns max -2.0\n",
    F.OPENSTA_SUMMARY: "tns max -1.5\nwns max -1.0\nworst slack min 0.1\nclk period_min = 5.0 fmax = 200.0\n"
    "   0.10 setup skew\nGroup Internal Switching Leakage Total\nSequential 1e-3 1e-4 1e-7 1e-3 50.0%\n"
    "Total 2e-3 2e-4 2e-7 2e-3 100.0%\nmax fanout\ninput37/X 16 35 -19 (VIOLATED)\n",
    F.OPENSTA_JSON: json.dumps(
        {
            "checks": [
                {
                    "path_group": "clk",
                    "path_type": "max",
                    "startpoint": "a/Q",
                    "endpoint": "b/D",
                    "source_clock": "clk",
                    "source_path": [{"instance": "a", "cell": "DFF", "pin": "a/Q", "arrival": 1e-10, "slew": 1e-11}],
                    "target_clock_path": [{"instance": "", "cell": "top", "pin": "clk", "arrival": 0.0}],
                    "data_arrival_time": 1e-10,
                    "required_time": 1e-9,
                    "slack": 9e-10,
                    "margin": 1e-11,
                }
            ]
        },
        indent=1,
    ),
    F.ORFS_STAGE_REPORT: f"{BANNER}\nfinish report_tns\n{RULE}\ntns max -1.0\n\n{BANNER}\nfinish report_checks -path_delay max\n"
    f"{RULE}\n{GOOD_PATH}\n{BANNER}\nfinish critical path delay\n{RULE}\n246.6\n",
    F.OPENLANE1_STA: f"\n{OL_BANNER}\nreport_worst_slack -max (Setup)\n{OL_BANNER}\n{'=' * 23} Typical Corner {'=' * 35}\n"
    f"worst slack 7.79\n\n{OL_BANNER}\nreport_clock_skew\n{OL_BANNER}\nClock clk\nLatency      CRPR       Skew\n"
    "_280_/CLK ^\n   9.54\n_296_/CLK ^\n   6.09      0.00       3.45\n",
    F.OPENLANE2_STA: f"\n{OL_BANNER}\nTotal Negative Slack (Setup)\n{OL_BANNER}\nmax_ss_100C_1v60: 0.000000\n",
    F.OPENLANE2_TIMING_SUMMARY: "┏━━━━━━━━━┳━━━━━━━━━┳━━━━━━━━┓\n┃ Corner/ ┃ Hold    ┃ Setup  ┃\n┃ Group   ┃ Worst S ┃ TNS    ┃\n"
    "┡━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━┩\n│ Overall │ 0.1883  │ 0.0000 │\n│ tt      │ N/A     │ -1.5   │\n└─────────┴─────────┴────────┘\n",
    F.SYNOPSYS_TIMING: DC_TIMING,
    F.SYNOPSYS_QOR: DC_QOR,
    F.ORFS_METRICS: json.dumps(
        {
            "run__flow__design": "gcd",
            "run__flow__platform__time_units": "1ps",
            "cts__timing__setup__ws": -5.2,
            "cts__timing__fmax__clock:clk": 1e9,
            "synth__cpu__total": "96%",
            "cts__runtime__total": "0:08.05",
            "constraints__clocks__details": ["clk: 0.8"],
        },
        indent=1,
    ),
    F.ORFS_RULES: json.dumps(
        {"cts__timing__setup__ws": {"value": -58.6, "compare": ">="}, "x__y": {"value": "N/A", "compare": "=="}},
        indent=1,
    ),
    F.OPENLANE1_METRICS: "design,design_name,config,flow_status,wns,power_typical_internal_uW\n/p,top,23_07_19_18_14,done,-1,0.1\n",
    F.OPENLANE2_METRICS: "Metric,Value\ntiming__setup__ws__corner:tt,1.5\ndesign__die__bbox,0 0 10 10\n",
    F.YOSYS_STAT: "=== top ===\n\n     7897        - wires\n     8035  973.754 cells\n      272   23.795   AND2x2_ASAP7_75t_R\n"
    "   Chip area for module '\\top': 973.754460\n     of which used for sequential elements: 389.5 (40.01%)\n",
    F.OPENROAD_DRC: "violation type: Short\n\tsrcs: net:a net:b\n\tbbox = (1.0, 2.0) - (3.0, 4.0) on Layer metal1\n",
    F.OPENROAD_CONGESTION: "violation type: Horizontal congestion\n\tsrcs: net:a\n\tcomment: capacity:2 usage:4 congestion:2\n"
    "\tbbox = (1.0, 2.0) - (3.0, 4.0) on Layer -\n",
    F.OPENROAD_ANTENNA: "Net: net50\n  Pin:   output50/A (buf_1)\n    Layer: met1\n      Partial area ratio:   55.12\n"
    "      Required ratio:   10.00 (Side area) (VIOLATED)\n",
    F.KLAYOUT_RDB: '<?xml version="1.0"?>\n<report-database>\n <top-cell>TOP</top-cell>\n <categories>\n  <category>'
    "<name>M1.a</name><description>w</description></category>\n </categories>\n <items>\n  <item><tags>waived</tags>"
    "<category>'M1.a'</category><cell>TOP</cell><multiplicity>1</multiplicity>\n   <values><value>polygon: (0,0;0,1;1,1)"
    "</value></values>\n  </item>\n </items>\n</report-database>\n",
    F.MAGIC_DRC: "top\n"
    + "-" * 40
    + "\nMetal width < 0.14um (met1.1)\n"
    + "-" * 40
    + "\n 1.0um 2.0um 3.0um 4.0um\n"
    + "-" * 40
    + "\n[INFO] COUNT: 1\n[INFO] Should be divided by 3 or 4\n",
    F.OPENLANE1_ANTENNA: "Partial/Required: 11.64, Required:    400.0, Partial:  4655.11, Net: net82, Pin: hold211/A, Layer: met1\n",
    F.OPENLANE2_ANTENNA: f"{BOX_TOP}\n┃ P / R ┃ Partial ┃ Required ┃ Net  ┃ Pin  ┃ Layer ┃\n┡━━━━━━━╇━━━━━━━━━╇━━━━━━━━━━╇━━━━━━╇━━━━━━╇━━━━━━━┩\n"
    "│ 10.17 │ 4067.17 │ 400.00   │ n1   │ a/D  │ met4  │\n└───────┴─────────┴──────────┴──────┴──────┴───────┘\n",
    F.OPENLANE_MANUFACTURABILITY: "Design Name: top\nTotal Magic DRC violations is 0\nDesign is LVS clean.\nPin violations: 4\n",
}
_JUNK = [
    "",
    "-",
    "12.5",
    "abc",
    "(",
    ")",
    "nan",
    "INF",
    "1e999",
    "(VIOLATED)",
    ":",
    "µ",
    "====",
    "\t",
    '"',
    "{",
    "]",
    "<",
    ">",
]


@st.composite
def mutated(draw: st.DrawFn, seed: str) -> bytes:
    """The seed cut short, with lines dropped, repeated or altered, and stray text inserted."""
    lines = seed.splitlines()
    ops = draw(st.lists(st.integers(0, 4), max_size=6))
    for op in ops:
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        if op == 0:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[i])
        elif op == 2:
            tokens = lines[i].split(" ")
            j = draw(st.integers(0, len(tokens) - 1))
            tokens[j] = draw(st.sampled_from(_JUNK) | st.text(max_size=8))
            lines[i] = " ".join(tokens)
        elif op == 3:
            lines.insert(i, draw(st.text(max_size=30)))
        else:
            lines = lines[:i]
    text = "\n".join(lines)
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]
    return text.encode("utf-8", errors="replace")


def _parse_all(data: bytes, fmt: ReportFormat | None) -> None:
    try:
        parse_bytes(data, source_name="fuzz.rpt", fmt=fmt).collect()
    except ReportParseError as err:
        assert not err.internal, str(err)


def test_every_format_has_a_fuzz_seed() -> None:
    assert set(SEEDS) == set(ReportFormat)


@pytest.mark.parametrize("fmt", list(ReportFormat), ids=lambda f: f.value)
def test_seeds_are_detected_and_yield_facts(fmt: ReportFormat) -> None:
    # Mutations start from a valid report, so the fuzzing reaches deep into each grammar.
    assert detect_format(SEEDS[fmt].encode(), "seed") is fmt
    facts = parse_bytes(SEEDS[fmt].encode(), source_name="seed").collect()
    assert facts != ReportFacts()


@pytest.mark.parametrize("fmt", list(ReportFormat), ids=lambda f: f.value)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fuzzed_input_raises_only_report_parse_errors(fmt: ReportFormat, data: st.DataObject) -> None:
    _parse_all(data.draw(mutated(SEEDS[fmt])), fmt)


@settings(max_examples=100, deadline=None)
@given(raw=st.binary(max_size=300))
def test_random_bytes_through_detection(raw: bytes) -> None:
    _parse_all(raw, None)


@settings(max_examples=100, deadline=None)
@given(seed=st.sampled_from(sorted(SEEDS, key=str)), data=st.data())
def test_mutated_reports_through_detection(seed: ReportFormat, data: st.DataObject) -> None:
    _parse_all(data.draw(mutated(SEEDS[seed])), None)
