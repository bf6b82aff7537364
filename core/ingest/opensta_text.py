"""OpenSTA text output without section banners: report_checks paths and summary commands, in any order.

Covers the OpenSTA/OpenROAD regression logs (min/max, multi-corner, MCMM, margins, src attributes)
and a file holding only summary commands (report_tns, report_wns, report_power, …). Lines that are
neither (warnings, histograms, cell-type tables) are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

from core.ingest.context import ParseContext
from core.ingest.lines import Lines
from core.ingest.records import Fact
from core.ingest.sta_text import StaTextHandler


def parse(lines: Lines, ctx: ParseContext) -> Iterator[Fact]:
    handler = StaTextHandler(lines, ctx)
    for line in lines:
        yield from handler.feed(line)
    yield from handler.finish()
