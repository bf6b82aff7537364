"""OpenSTA text output without section banners: report_checks paths and summary commands, in any order.

Covers the OpenSTA/OpenROAD regression logs (min/max, multi-corner, MCMM, margins, src attributes)
and a file holding only summary commands (report_tns, report_wns, report_power, …). Lines that are
neither (warnings, histograms, cell-type tables) are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

from core.ingest.grammar.context import ParseContext
from core.ingest.grammar.lines import Lines
from core.ingest.grammar.sta_text import StaTextHandler
from core.ingest.records import Fact


def parse(lines: Lines, ctx: ParseContext) -> Iterator[Fact]:
    handler = StaTextHandler(lines, ctx)
    for line in lines:
        yield from handler.feed(line)
    yield from handler.finish()
