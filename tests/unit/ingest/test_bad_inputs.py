"""Bad files: every one is a ReportParseError naming the file, the line and what was expected."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from core.ingest.errors import ReportParseError
from core.ingest.format_ids import ReportFormat
from core.ingest.formats.reports import open_report, parse_bytes

GOOD_PATH = textwrap.dedent(
    """\
    Startpoint: r2 (rising edge-triggered flip-flop clocked by clk)
    Endpoint: r3 (rising edge-triggered flip-flop clocked by clk)
    Path Group: clk
    Path Type: max

      Delay    Time   Description
    ---------------------------------------------------------
       0.00    0.00   clock clk (rise edge)
       0.00    0.00 ^ r2/CK (DFF_X1)
       0.23    0.23 v r2/Q (DFF_X1)
       0.00    0.23 v r3/D (DFF_X1)
               0.23   data arrival time

      10.00   10.00   clock clk (rise edge)
              10.00 ^ r3/CK (DFF_X1)
      -0.16    9.84   library setup time
               9.84   data required time
    ---------------------------------------------------------
               9.84   data required time
              -0.23   data arrival time
    ---------------------------------------------------------
               9.61   slack (MET)
    """
)


def parse_error(data: bytes, name: str = "bad.rpt", fmt: ReportFormat | None = None) -> ReportParseError:
    with pytest.raises(ReportParseError) as err:
        parse_bytes(data, source_name=name, fmt=fmt).collect()
    assert not err.value.internal, f"a parser crashed instead of rejecting the input: {err.value}"
    assert name in str(err.value)
    return err.value


def test_the_good_fixture_parses() -> None:
    facts = parse_bytes(GOOD_PATH.encode(), source_name="good.rpt").collect()
    assert len(facts.timing_paths) == 1 and facts.timing_paths[0].slack == 9.61


def test_empty_file() -> None:
    err = parse_error(b"", "empty.rpt")
    assert "empty file" in err.found and "report content" in err.expected


def test_empty_file_of_a_named_format() -> None:
    err = parse_error(b"\n\n", "empty.json", fmt=ReportFormat.ORFS_METRICS)
    assert "empty file" in str(err)


def test_truncated_mid_path() -> None:
    cut = "\n".join(GOOD_PATH.splitlines()[:12]) + "\n"
    err = parse_error(cut.encode(), "cut.rpt")
    assert err.line_no == 12
    assert "slack (MET)" in err.expected and "line 1" in err.expected
    assert err.found == "end of file"
    assert "cut.rpt, line 12" in str(err)


def test_binary_file() -> None:
    err = parse_error(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "picture.rpt")
    assert "binary" in err.found


def test_binary_data_after_a_valid_start() -> None:
    start = GOOD_PATH.encode()[:200]
    err = parse_error(start + b"\x00\x01\x02garbage\n", "mixed.rpt", fmt=ReportFormat.OPENSTA_CHECKS)
    assert "binary" in err.found and err.line_no == start.count(b"\n") + 1


def test_wrong_encoding() -> None:
    latin1 = GOOD_PATH.replace("Path Group: clk", "Path Group: clk_µ").encode("latin-1")
    err = parse_error(latin1, "latin1.rpt")
    assert err.line_no == 3 and "UTF-8" in err.expected and "0xb5" in err.found


def test_wrong_encoding_in_json() -> None:
    data = '{"finish__timing__setup__ws": 1.0, "run__flow__design": "g\xe9cd"}'.encode("latin-1")
    err = parse_error(data, "latin1.json")
    assert "UTF-8" in err.expected and err.line_no == 1


def test_number_where_a_name_goes() -> None:
    data = GOOD_PATH.replace("Startpoint: r2 (", "Startpoint: 12.5 (").encode()
    err = parse_error(data, "number.rpt", fmt=ReportFormat.OPENSTA_CHECKS)
    assert err.line_no == 1 and "name" in err.expected and "12.5" in err.found


def test_missing_slack_line() -> None:
    without = "\n".join(ln for ln in GOOD_PATH.splitlines() if "slack (MET)" not in ln) + "\n"
    err = parse_error((without + GOOD_PATH).encode(), "noslack.rpt")
    assert "slack" in err.expected and "Startpoint" in err.found
    assert err.line_no == len(without.splitlines()) + 1


def test_slack_without_arrival() -> None:
    lines = [ln for ln in GOOD_PATH.splitlines() if "data arrival time" not in ln]
    err = parse_error(("\n".join(lines) + "\n").encode(), "noarrival.rpt")
    assert "data arrival time" in err.expected


def test_bad_path_type() -> None:
    err = parse_error(GOOD_PATH.replace("Path Type: max", "Path Type: 42").encode(), "type.rpt")
    assert err.line_no == 4 and "Path Type" in err.expected


def test_duplicate_key_in_rules_file() -> None:
    data = b'{\n  "a__b__c": {"value": 1, "compare": "<="},\n  "a__b__c": {"value": 2, "compare": "<="}\n}\n'
    err = parse_error(data, "rules-base.json")
    assert err.line_no == 3 and "a__b__c" in err.found and "once" in err.expected


def test_duplicate_key_in_merged_metadata() -> None:
    data = (
        b'{\n "run__flow__design": "gcd",\n "finish__timing__setup__ws": 0.1,\n "finish__timing__setup__ws": 0.2\n}\n'
    )
    err = parse_error(data, "metadata.json")
    assert err.line_no == 4 and "finish__timing__setup__ws" in err.found


def test_duplicate_key_in_a_json_timing_path() -> None:
    data = (
        b'{"checks": [\n{\n "path_type": "max",\n "startpoint": "a/Q",\n "endpoint": "b/D",\n'
        b' "data_arrival_time": 1e-10,\n "slack": 1e-9,\n "slack": 2e-9\n}\n]\n}\n'
    )
    err = parse_error(data, "paths.json")
    assert err.line_no == 8 and "slack" in err.found


def test_truncated_json() -> None:
    err = parse_error(b'{\n "finish__timing__setup__ws": 0.1,\n "finish__power', "cut.json")
    assert err.line_no == 3 and "JSON" in err.expected


def test_truncated_json_timing_report() -> None:
    err = parse_error(b'{"checks": [\n{\n "path_type": "max",\n "startpoint": "a/Q"', "cut_paths.json")
    assert "JSON" in err.expected


def test_json_path_with_a_text_slack() -> None:
    data = b'{"checks": [{"path_type": "min", "startpoint": "a", "endpoint": "b", "data_arrival_time": "soon"}]}'
    err = parse_error(data, "text_slack.json", fmt=ReportFormat.OPENSTA_JSON)
    assert "number" in err.expected and "soon" in err.found


def test_rule_without_compare() -> None:
    err = parse_error(b'{\n "a__b__c": {"value": 1, "level": "warning"}\n}\n', "rules.json", ReportFormat.ORFS_RULES)
    assert err.line_no == 2 and "compare" in err.expected


def test_truncated_klayout_database() -> None:
    data = b'<?xml version="1.0"?>\n<report-database>\n <items>\n  <item><category>a</category>\n'
    err = parse_error(data, "cut.lyrdb")
    assert "XML" in err.expected and err.line_no >= 4


def test_klayout_database_with_entities_is_refused() -> None:
    data = b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaa">]>\n<report-database></report-database>\n'
    err = parse_error(data, "bomb.lyrdb", fmt=ReportFormat.KLAYOUT_RDB)
    assert "DTD" in err.expected


def test_xml_that_is_not_a_report_database() -> None:
    err = parse_error(b"<html><body/></html>", "page.xml", fmt=ReportFormat.KLAYOUT_RDB)
    assert "report-database" in err.expected


MAGIC = "top\n" + "-" * 40 + "\nMetal width < 0.14um (met1.1)\n" + "-" * 40 + "\n 1.0um 2.0um 3.0um 4.0um\n"


def test_magic_count_disagrees_with_boxes() -> None:
    data = MAGIC + "-" * 40 + "\n[INFO] COUNT: 2\n"
    err = parse_error(data.encode(), "magic.rpt")
    assert err.line_no == 7 and "COUNT: 1" in err.expected and "COUNT: 2" in err.found


def test_magic_report_cut_before_count() -> None:
    err = parse_error(MAGIC.encode(), "magic_cut.rpt")
    assert "COUNT" in err.expected and err.found == "end of file"


def test_magic_box_with_a_word() -> None:
    data = MAGIC.replace("3.0um", "three") + "-" * 40 + "\n[INFO] COUNT: 1\n"
    err = parse_error(data.encode(), "magic_word.rpt")
    assert err.line_no == 5 and "box" in err.expected


def test_tritonroute_violation_without_bbox() -> None:
    data = b"violation type: Short\n\tsrcs: net:a net:b\nviolation type: Short\n\tsrcs: net:c\n"
    err = parse_error(data, "5_route_drc.rpt")
    assert err.line_no == 3 and "bbox" in err.expected


def test_tritonroute_bbox_with_a_name_for_a_number() -> None:
    data = b"violation type: Short\n\tbbox = (a, 1) - (2, 3) on Layer m1\n"
    err = parse_error(data, "drc.rpt", fmt=ReportFormat.OPENROAD_DRC)
    assert err.line_no == 2 and "bbox" in err.expected


def test_openlane1_csv_row_shorter_than_header() -> None:
    data = b"design,design_name,config,flow_status\n/p,top,cfg\n"
    err = parse_error(data, "metrics.csv")
    assert err.line_no == 2 and "4 values" in err.expected


def test_openlane2_csv_metric_repeated_with_another_value() -> None:
    data = b"Metric,Value\ntiming__setup__ws,1.0\ntiming__setup__ws,2.0\n"
    err = parse_error(data, "metrics.csv")
    assert err.line_no == 3 and "timing__setup__ws" in err.expected


def test_openlane2_csv_number_where_a_metric_name_goes() -> None:
    err = parse_error(b"Metric,Value\n12.5,1.0\n", "metrics.csv")
    assert err.line_no == 2 and "metric name" in err.expected


def test_orfs_section_cut_mid_path() -> None:
    banner, rule = "=" * 74, "-" * 74
    head = "\n".join(GOOD_PATH.splitlines()[:10])
    data = f"{banner}\nfinish report_checks -path_delay max\n{rule}\n{head}\n\n{banner}\nfinish report_tns\n{rule}\ntns max 0\n"
    err = parse_error(data.encode(), "6_finish.rpt")
    assert "slack" in err.expected and err.line_no == 15 and "===" in err.found


def test_unknown_time_unit_argument() -> None:
    with pytest.raises(ReportParseError) as err:
        parse_bytes(GOOD_PATH.encode(), source_name="x.rpt", time_unit="fortnights")
    assert "time unit" in err.value.expected


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReportParseError) as err, open_report(tmp_path / "nope.rpt"):
        pass
    assert "nope.rpt" in str(err.value) and "readable" in err.value.expected
