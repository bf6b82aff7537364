"""OpenLane STA reports: OpenLane-1 ``NN-rcx_sta.*.rpt`` and OpenLane-2 ``timing-reports/<corner>/*.rpt``.

Both wrap OpenSTA output in '=' banners; the corner comes from a '=== <corner> Corner ===' line
(OpenLane-1 says 'Typical') or, in the OpenLane-2 one-figure files, from each '<corner>: <value>' line.
"""

from __future__ import annotations

from collections.abc import Iterator

from core.ingest.format_ids import ReportFormat, ReportKind
from core.ingest.formats.registry import FormatSpec
from core.ingest.grammar.context import ParseContext
from core.ingest.grammar.head import Head
from core.ingest.grammar.lines import Lines
from core.ingest.grammar.sta_sections import banner_style, corner_of_banner, split_sections
from core.ingest.grammar.sta_text import SectionScope, StaTextHandler
from core.ingest.records import Fact


def _is_hold(title: str) -> bool:
    lowered = title.lower()
    return "(hold)" in lowered or " -min" in lowered or "path_delay min" in lowered


def parse(lines: Lines, ctx: ParseContext) -> Iterator[Fact]:
    handler = StaTextHandler(lines, ctx)
    corners: set[str] = set()
    corner: str | None = None
    sections = 0
    for section in split_sections(lines):
        sections += 1
        title = section.title
        if section.corner:
            # A section without its own corner banner (OpenLane-1's count block) belongs to the last one.
            corner = section.corner
            corners.add(corner)
        stage = "signoff"
        yield from handler.begin(SectionScope(title, title, stage, corner, _is_hold(title)))
        # OpenLane-1 prints the violation counts between two banners, where a title would be.
        for i, line in enumerate(section.title_lines):
            if i > 0 or " violation count " in line.text:
                yield from handler.feed(line)
        for line in section.body:
            yield from handler.feed(line)
    if sections == 0:
        raise lines.error("an OpenLane report section (a line of '=' then the command)")
    ctx.run.stage = "signoff"
    if len(corners) == 1:
        ctx.run.corner = next(iter(corners))
    yield from handler.finish()


_OL2_FIGURE_TITLES = ("Total Negative Slack", "Worst Slack", "Worst Negative Slack", "Clock Skew", "Violator List")


def _is_openlane2(head: Head) -> bool:
    """OpenLane 2 titles its figures, and names corners other than OpenLane 1's only 'Typical'."""
    if banner_style(head.nonblank) != "openlane":
        return False
    if any(ln.strip().startswith(_OL2_FIGURE_TITLES) for ln in head.nonblank[:3]):
        return True
    corners = (corner_of_banner(ln.rstrip("\r")) for ln in head.text.split("\n"))
    return any(c is not None and c != "Typical" for c in corners)


def _is_openlane1(head: Head) -> bool:
    return banner_style(head.nonblank) == "openlane" and not _is_openlane2(head)


FORMATS = (
    FormatSpec(ReportFormat.OPENLANE2_STA, ReportKind.TIMING, "openlane2", "text", 70, _is_openlane2, parse),
    FormatSpec(ReportFormat.OPENLANE1_STA, ReportKind.TIMING, "openlane1", "text", 71, _is_openlane1, parse),
)
