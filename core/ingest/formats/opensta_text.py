"""OpenSTA text output without section banners: report_checks paths and summary commands, in any order.

Covers the OpenSTA/OpenROAD regression logs (min/max, multi-corner, MCMM, margins, src attributes)
and a file holding only summary commands (report_tns, report_wns, report_power, …). Lines that are
neither (warnings, histograms, cell-type tables) are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from core.ingest.format_ids import ReportFormat, ReportKind
from core.ingest.formats.registry import FormatSpec
from core.ingest.grammar.context import ParseContext
from core.ingest.grammar.head import Head
from core.ingest.grammar.lines import Lines
from core.ingest.grammar.sta_text import StaTextHandler
from core.ingest.records import Fact


def parse(lines: Lines, ctx: ParseContext) -> Iterator[Fact]:
    handler = StaTextHandler(lines, ctx)
    for line in lines:
        yield from handler.feed(line)
    yield from handler.finish()


_STARTPOINT_RE = re.compile(r"^[^\S\n]*+Startpoint:", re.MULTILINE)
_ENDPOINT_RE = re.compile(r"^[^\S\n]*+(?:Endpoint|Path Group):", re.MULTILINE)
_SUMMARY_LINE_RE = re.compile(
    r"^(?:tns|wns)(?: max| min)? -?[\d.]|^worst slack(?: max| min)? |\bperiod_min = |"
    r"^[^\S\n]*+Group\s++Internal\s++Switching\s++Leakage\s++Total|^[^\S\n]*+-?[\d.]++ (?:setup|hold) skew$",
    re.MULTILINE,
)


def _is_checks(head: Head) -> bool:
    return bool(_STARTPOINT_RE.search(head.text) and _ENDPOINT_RE.search(head.text))


def _is_summary(head: Head) -> bool:
    return _SUMMARY_LINE_RE.search(head.text) is not None


# Path reports are tried before Yosys stat (130), summary-only text after it, as detection always has.
FORMATS = (
    FormatSpec(ReportFormat.OPENSTA_CHECKS, ReportKind.TIMING, "opensta", "text", 120, _is_checks, parse),
    FormatSpec(ReportFormat.OPENSTA_SUMMARY, ReportKind.TIMING, "opensta", "text", 140, _is_summary, parse),
)
