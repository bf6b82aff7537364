"""OpenLane manufacturability.rpt: the Magic DRC, LVS and antenna totals of a signoff run."""

from __future__ import annotations

import re
from collections.abc import Iterator

from core.ingest.format_ids import ReportFormat, ReportKind
from core.ingest.formats.registry import FormatSpec
from core.ingest.grammar.context import ParseContext
from core.ingest.grammar.head import Head
from core.ingest.grammar.lines import Lines
from core.ingest.records import DrcSummary, Fact

# Linear in the line: fixed words, then tokens and blank runs that cannot overlap (possessive).
_DESIGN_RE = re.compile(r"^\s*+Design Name:\s*+(\S++)\s*+$")
_MAGIC_RE = re.compile(r"^\s*+Total Magic DRC violations is\s++(\d++)\s*+$")
_KLAYOUT_RE = re.compile(r"^\s*+Total (?:KLayout|Klayout) DRC violations is\s++(\d++)\s*+$")
_LVS_CLEAN_RE = re.compile(r"^\s*+Design is LVS clean\.?\s*+$")
_LVS_ERRORS_RE = re.compile(r"^\s*+(?:LVS reports|Total LVS errors)[^\d]*+(\d+)")
_ANTENNA_RE = re.compile(r"^\s*+(Pin|Net) violations:\s*+(\d++)\s*+$")


# A count is a bigint in the database; Python also refuses to convert digit strings over 4,300 digits.
MAX_COUNT_DIGITS = 18


def _count(lines: Lines, digits: str) -> int:
    if len(digits) > MAX_COUNT_DIGITS:
        raise lines.error(f"a count of at most {MAX_COUNT_DIGITS} digits", f"a {len(digits)}-digit number")
    return int(digits)


def parse(lines: Lines, ctx: ParseContext) -> Iterator[Fact]:
    seen = False
    for line in lines:
        text = line.text
        if (m := _DESIGN_RE.match(text)) is not None:
            ctx.run.design = ctx.run.design or m.group(1)
            seen = True
        elif (m := _MAGIC_RE.match(text)) is not None:
            seen = True
            yield DrcSummary("magic", "total", _count(lines, m.group(1)), description="Total Magic DRC violations")
        elif (m := _KLAYOUT_RE.match(text)) is not None:
            seen = True
            yield DrcSummary("klayout", "total", _count(lines, m.group(1)), description="Total KLayout DRC violations")
        elif _LVS_CLEAN_RE.match(text):
            seen = True
            yield DrcSummary("lvs", "total", 0, description="Design is LVS clean")
        elif (m := _LVS_ERRORS_RE.match(text)) is not None:
            seen = True
            yield DrcSummary("lvs", "total", _count(lines, m.group(1)), description="LVS errors")
        elif (m := _ANTENNA_RE.match(text)) is not None:
            seen = True
            kind = m.group(1).lower()
            yield DrcSummary(
                "antenna", f"{kind}_violations", _count(lines, m.group(2)), description=f"{m.group(1)} violations"
            )
    if not seen:
        raise lines.error("'Design Name:' and DRC/LVS/antenna totals")
    ctx.run.stage = ctx.run.stage or "signoff"


_SIGNOFF_RE = re.compile(r"LVS Summary|LVS clean|Total Magic DRC violations|Pin violations:")


def _is_manufacturability(head: Head) -> bool:
    text = head.text
    return "Magic DRC Summary:" in text or ("Design Name:" in text and _SIGNOFF_RE.search(text) is not None)


FORMATS = (
    FormatSpec(
        ReportFormat.OPENLANE_MANUFACTURABILITY, ReportKind.DRC, "openlane1", "text", 90, _is_manufacturability, parse
    ),
)
