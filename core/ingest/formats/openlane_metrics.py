"""OpenLane metrics.csv: OpenLane-1's one wide row (~100 columns, -1 = not run) and OpenLane-2's long
'Metric,Value' list with METRICS2.1 names and '__corner:' qualifiers (notes §2.3)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import UTC, datetime

from core.ingest.errors import shorten
from core.ingest.format_ids import ReportFormat, ReportKind
from core.ingest.formats.registry import FormatSpec
from core.ingest.grammar.context import ParseContext
from core.ingest.grammar.head import Head
from core.ingest.grammar.lines import Lines
from core.ingest.grammar.metric_keys import is_time_metric, split_metric_key, unit_of
from core.ingest.grammar.numbers import to_float
from core.ingest.records import Fact, QorMetric

_OL1_UNITS = (("_uW", "uW"), ("_ns", "ns"), ("_MB", "MB"), ("mm^2", "mm^2"), ("um^2", "um^2"))
_OL1_TIME_COLUMNS = re.compile(r"(^|_)(wns|tns)$|^CLOCK_PERIOD$|^suggested_clock_period$")
_OL1_CONFIG_RE = re.compile(r"^(\d{2})_(\d{2})_(\d{2})_(\d{2})_(\d{2})$")


def _rows(lines: Lines) -> Iterator[tuple[int, list[str]]]:
    def texts() -> Iterator[str]:
        for line in lines:
            yield line.text

    try:
        for row in csv.reader(texts()):
            yield lines.last_no, row
    except csv.Error as exc:
        raise lines.error("valid CSV", str(exc), lines.last_no) from None


def parse_openlane1(lines: Lines, ctx: ParseContext) -> Iterator[Fact]:
    rows = _rows(lines)
    header = next(rows, None)
    if header is None or "design_name" not in header[1]:
        raise lines.error("an OpenLane-1 metrics header (design,design_name,config,…)", "something else", 1)
    columns = header[1]
    if len(set(columns)) != len(columns):
        seen: set[str] = set()
        dup = ""
        for column in columns:  # a set, not columns.count per column: that is quadratic in the columns
            if column in seen:
                dup = column
                break
            seen.add(column)
        raise lines.error("each column once", f"the column {shorten(dup)} twice", 1)
    data = [r for r in rows if any(c.strip() for c in r[1])]
    if len(data) != 1:
        raise lines.error("exactly one data row", f"{len(data)} rows", lines.last_no)
    line_no, values = data[0]
    if len(values) != len(columns):
        raise lines.error(f"{len(columns)} values, one per column", f"{len(values)} values", line_no)
    record = dict(zip(columns, values, strict=True))
    ctx.run.design = ctx.run.design or record.get("design_name") or None
    ctx.run.stage = "signoff"
    config = record.get("config", "")
    ctx.run.run_tag = config or None
    m = _OL1_CONFIG_RE.match(config)
    if m is not None:
        yy, mo, dd, hh, mi = (int(g) for g in m.groups())
        try:
            ctx.run.started_at = datetime(2000 + yy, mo, dd, hh, mi, tzinfo=UTC)
        except ValueError:
            pass
    for column, value in record.items():
        num = to_float(value.strip())
        unit = next((u for suffix, u in _OL1_UNITS if column.endswith(suffix)), None)
        if _OL1_TIME_COLUMNS.search(column):
            unit = "ns"
        if num == -1:
            # OpenLane-1 writes -1 for a step that did not run; keep the text, not a fake number.
            yield QorMetric("signoff", column, {}, None, value, unit, column)
        elif num is not None:
            yield QorMetric("signoff", column, {}, num, None, unit, column)
        else:
            yield QorMetric("signoff", column, {}, None, value or None, unit, column)


def parse_openlane2(lines: Lines, ctx: ParseContext) -> Iterator[Fact]:
    rows = _rows(lines)
    header = next(rows, None)
    if header is None or [c.strip() for c in header[1]] != ["Metric", "Value"]:
        raise lines.error("the header 'Metric,Value'", "something else", 1)
    seen: dict[str, str] = {}
    for line_no, row in rows:
        if not row or not any(c.strip() for c in row):
            continue
        if len(row) != 2:
            raise lines.error("two fields 'Metric,Value'", f"{len(row)} fields", line_no)
        key, value = row[0].strip(), row[1].strip()
        if not key or to_float(key) is not None:
            raise lines.error("a metric name in the first column", shorten(row[0]), line_no)
        if key in seen:
            if seen[key] == value:
                continue
            raise lines.error(f"the metric {shorten(key)} once", "it again with another value", line_no)
        seen[key] = value
        stage, metric, quals = split_metric_key(key)
        num = to_float(value)
        unit = unit_of(metric)
        if num is not None and is_time_metric(metric):
            num = ctx.unit.ns(num)
        yield QorMetric(stage, metric, quals, num, None if num is not None else value, unit, key)
    ctx.run.stage = ctx.run.stage or "signoff"


def _is_long_csv(head: Head) -> bool:
    return head.first.startswith("Metric,Value")


def _is_wide_csv(head: Head) -> bool:
    return head.first.startswith("design,") and "flow_status" in head.first


FORMATS = (
    FormatSpec(ReportFormat.OPENLANE2_METRICS, ReportKind.QOR, "openlane2", "text", 10, _is_long_csv, parse_openlane2),
    FormatSpec(ReportFormat.OPENLANE1_METRICS, ReportKind.QOR, "openlane1", "text", 20, _is_wide_csv, parse_openlane1),
)
