"""Synopsys report_timing (Design Compiler, PrimeTime, ICC2): the same path grammar as OpenSTA,
indented by two, with 'Point Incr Path' columns and r/f edge markers after the numbers (notes §1.5)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from core.ingest.format_ids import ReportFormat, ReportKind
from core.ingest.formats.registry import FormatSpec
from core.ingest.grammar.context import ParseContext
from core.ingest.grammar.head import Head
from core.ingest.grammar.lines import Lines
from core.ingest.grammar.sta_paths import STARTPOINT_RE, PathReader, PathScope
from core.ingest.grammar.synopsys_header import apply_header_line
from core.ingest.records import Fact


def parse(lines: Lines, ctx: ParseContext) -> Iterator[Fact]:
    reader = PathReader(lines, ctx.unit)
    scope = PathScope(report_section="report_timing")
    seen_report = False
    for line in lines:
        text = line.text
        if STARTPOINT_RE.match(text):
            yield reader.read(line, scope)
            continue
        if apply_header_line(text, ctx.run):
            seen_report = seen_report or text.strip().startswith("Report")
    if not seen_report:
        raise lines.error("a 'Report : timing' header")


_REPORT_RE = re.compile(r"^Report\s*:\s*timing", re.MULTILINE)


def _is_report_timing(head: Head) -> bool:
    return _REPORT_RE.search(head.text) is not None


FORMATS = (
    FormatSpec(ReportFormat.SYNOPSYS_TIMING, ReportKind.TIMING, "synopsys", "text", 30, _is_report_timing, parse),
)
