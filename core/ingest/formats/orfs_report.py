"""ORFS stage reports (reports/<platform>/<design>/<variant>/<n>_<stage>.rpt, from report_metrics.tcl).

Every section is a banner, a title "<stage words> <command>", a rule, then that command's output.
"""

from __future__ import annotations

from collections.abc import Iterator

from core.ingest.format_ids import ReportFormat, ReportKind
from core.ingest.formats.registry import FormatSpec
from core.ingest.grammar.context import ParseContext
from core.ingest.grammar.head import Head
from core.ingest.grammar.lines import Lines
from core.ingest.grammar.sta_sections import banner_style, split_sections
from core.ingest.grammar.sta_text import SectionScope, StaTextHandler
from core.ingest.records import Fact

# Words that can start a command in a title; everything before them names the stage.
_COMMAND_STARTS = ("critical", "slack")


def split_title(title: str) -> tuple[str | None, str]:
    """'cts final report_checks -path_delay min' -> ('cts', 'report_checks -path_delay min')."""
    words = title.split()
    for i, word in enumerate(words):
        if "_" in word or word in _COMMAND_STARTS:
            stage_words = [w for w in words[:i] if w != "final"]
            stage = "".join(stage_words) or None
            return stage, " ".join(words[i:])
    return None, title.strip()


def parse(lines: Lines, ctx: ParseContext) -> Iterator[Fact]:
    handler = StaTextHandler(lines, ctx)
    stages: set[str] = set()
    sections = 0
    for section in split_sections(lines):
        sections += 1
        stage, command = split_title(section.title)
        if stage:
            stages.add(stage)
        yield from handler.begin(SectionScope(command, command, stage, section.corner))
        for line in section.title_lines[1:]:
            yield from handler.feed(line)
        for line in section.body:
            yield from handler.feed(line)
    if sections == 0:
        raise lines.error("an ORFS report section (a line of '=' then '<stage> <command>')")
    if len(stages) == 1:
        ctx.run.stage = next(iter(stages))
    yield from handler.finish()


def _is_stage_report(head: Head) -> bool:
    return banner_style(head.nonblank) == "orfs"


FORMATS = (FormatSpec(ReportFormat.ORFS_STAGE_REPORT, ReportKind.TIMING, "orfs", "text", 60, _is_stage_report, parse),)
