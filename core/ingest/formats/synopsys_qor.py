"""Synopsys Design Compiler report_qor: titled blocks of 'Label: value' lines and the closing
'Design WNS/TNS' lines (notes §1.5). Every figure becomes a qor_metrics row; the timing figures of each
path group also become a timing_summary row."""

from __future__ import annotations

import re
from collections.abc import Iterator

from core.ingest.format_ids import ReportFormat, ReportKind
from core.ingest.formats.registry import FormatSpec
from core.ingest.grammar.context import ParseContext
from core.ingest.grammar.head import Head
from core.ingest.grammar.lines import Lines
from core.ingest.grammar.numbers import UniqueKeys, slug, to_float, to_int
from core.ingest.grammar.synopsys_header import apply_header_line
from core.ingest.grammar.units import TimeUnit
from core.ingest.records import Fact, QorMetric, TimingSummary

# Linear in the line: the label stops at the first ':' it cannot cross, tokens alternate with blank
# runs, and the optional '(Hold)' carries its own leading blanks so that two blank runs never touch
# ('Design\s*(\(Hold\))?\s+WNS' split a long blank run in quadratically many ways).
_GROUP_RE = re.compile(r"^\s*+Timing Path Group '(.*)'\s*+$")
_PAIR_RE = re.compile(r"^\s*+([A-Za-z][^:]*+):\s++(\S++)\s*+$")
_DESIGN_RE = re.compile(
    r"^\s*+Design(?:\s*+(\(Hold\)))?\s++WNS:\s*+(\S++)\s++TNS:\s*+(\S++)\s++Number of Violating Paths:"
    r"\s*+(\S++)\s*+$"
)
_DASHES_RE = re.compile(r"^\s*+-{5,}+\s*+$")

# DC labels that have a METRICS2.1 counterpart, so QoR dashboards chart DC and ORFS runs alike.
_CANONICAL = {
    "critical_path_slack": "timing__setup__ws",
    "total_negative_slack": "timing__setup__tns",
    "no_of_violating_paths": "timing__drv__setup_violation_count",
    "cell_area": "design__instance__area",
    "leaf_cell_count": "design__instance__count",
    "sequential_cell_count": "design__instance__count__class__sequential_cell",
    "nets_with_violations": "design__nets_with_violations__count",
}
_TIME_LABELS = {
    "critical_path_length",
    "critical_path_slack",
    "critical_path_clk_period",
    "total_negative_slack",
    "worst_hold_violation",
    "total_hold_violation",
}


def parse(lines: Lines, ctx: ParseContext) -> Iterator[Fact]:
    unit = ctx.unit
    block: str | None = None
    group: str | None = None
    seen_report = False
    keys = UniqueKeys()
    summaries: dict[str, dict[str, float | int]] = {}
    prev_text = ""
    for line in lines:
        text = line.text
        if apply_header_line(text, ctx.run):
            seen_report = seen_report or text.strip().startswith("Report")
            continue
        if _DASHES_RE.match(text):
            if prev_text.strip() and ":" not in prev_text and not _GROUP_RE.match(prev_text):
                block = slug(prev_text)  # a block title is the line right above its dashes
            prev_text = text
            continue
        prev_text = text
        m = _GROUP_RE.match(text)
        if m is not None:
            group = m.group(1)
            block = "timing_path_group"
            continue
        m = _DESIGN_RE.match(text)
        if m is not None:
            hold = m.group(1) is not None
            wns, tns, count = to_float(m.group(2)), to_float(m.group(3)), to_int(m.group(4))
            row = summaries.setdefault("*", {})
            if hold:
                # report_qor prints hold WNS/TNS as positive magnitudes.
                _put(row, "hold_wns", None if wns is None else -abs(unit.ns(wns) or 0.0))
                _put(row, "hold_tns", None if tns is None else -abs(unit.ns(tns) or 0.0))
                _put(row, "hold_vio_count", count)
            else:
                _put(row, "setup_wns", unit.ns(wns))
                _put(row, "setup_tns", unit.ns(tns))
                _put(row, "setup_vio_count", count)
            prefix = "design_hold" if hold else "design"
            for name, value in (("wns", wns), ("tns", tns), ("violating_paths", count)):
                is_time = name != "violating_paths"
                yield _metric(keys, f"{prefix}__{name}", {}, value, unit if is_time else None)
            continue
        m = _PAIR_RE.match(text)
        if m is None or block is None:
            continue
        label = slug(m.group(1))
        raw_value = m.group(2)
        value = to_float(raw_value)
        is_time = label in _TIME_LABELS
        quals = {"path_group": group} if block == "timing_path_group" and group is not None else {}
        metric = _CANONICAL.get(label, f"{block}__{label}")
        yield _metric(keys, metric, quals, value if value is not None else raw_value, unit if is_time else None)
        if block == "timing_path_group" and group is not None and value is not None:
            _group_summary(summaries.setdefault(group, {}), label, value, unit.ns(value) or 0.0)
    if not seen_report:
        raise lines.error("a 'Report : qor' header")
    for grp, row in summaries.items():
        if row:
            yield TimingSummary(stage=None, corner=None, path_group=grp, **row)  # type: ignore[arg-type]


def _put(row: dict[str, float | int], name: str, value: float | int | None) -> None:
    if value is not None:
        row[name] = value


def _group_summary(row: dict[str, float | int], label: str, value: float, ns: float) -> None:
    if label == "critical_path_slack":
        row["setup_ws"] = ns
    elif label == "total_negative_slack":
        row["setup_tns"] = -abs(ns)
    elif label == "no_of_violating_paths":
        row["setup_vio_count"] = int(value)
    elif label == "worst_hold_violation":
        row["hold_wns"] = -abs(ns)
    elif label == "total_hold_violation":
        row["hold_tns"] = -abs(ns)
    elif label == "no_of_hold_violations":
        row["hold_vio_count"] = int(value)
    elif label == "critical_path_clk_period":
        row["clock_period"] = ns


def _metric(
    keys: UniqueKeys,
    metric: str,
    quals: dict[str, str],
    value: float | int | str | None,
    time_unit: TimeUnit | None,
) -> QorMetric:
    raw = keys.take(metric + "".join(f"__{k}:{v}" for k, v in quals.items()))
    if isinstance(value, str):
        return QorMetric(None, metric, quals, None, value, None, raw)
    num = None if value is None else float(value)
    if num is not None and time_unit is not None:
        return QorMetric(None, metric, quals, time_unit.ns(num), None, "ns", raw)
    return QorMetric(None, metric, quals, num, None, None, raw)


_REPORT_RE = re.compile(r"^Report\s*:\s*qor", re.MULTILINE)


def _is_report_qor(head: Head) -> bool:
    return _REPORT_RE.search(head.text) is not None


FORMATS = (FormatSpec(ReportFormat.SYNOPSYS_QOR, ReportKind.QOR, "dc", "text", 40, _is_report_qor, parse),)
