"""OpenLane antenna violator lists: OpenLane-1 'Partial/Required: …, Net: …' lines and the
OpenLane-2 box table 'P / R | Partial | Required | Net | Pin | Layer'."""

from __future__ import annotations

import re
from collections.abc import Iterator

from core.ingest.format_ids import ReportFormat, ReportKind
from core.ingest.formats.registry import FormatSpec
from core.ingest.grammar.box_table import read_box_table
from core.ingest.grammar.context import ParseContext
from core.ingest.grammar.head import Head
from core.ingest.grammar.lines import Lines
from core.ingest.grammar.numbers import to_float
from core.ingest.records import AntennaViolation, Fact

# Each value is the shortest token run up to ', <next label>:', committed in an atomic group: with
# greedy '(\S+),' a token full of commas and labels could be split in polynomially many ways.
_OL1_RE = re.compile(
    r"^\s*+Partial/Required:\s*+(?>(\S+?),\s*+Required:)\s*+(?>(\S+?),\s*+Partial:)\s*+(?>(\S+?),\s*+Net:)"
    r"\s*+(?>(\S+?),\s*+Pin:)\s*+(?>(\S+?),\s*+Layer:)\s*+(\S++)\s*+$"
)
_OL2_COLUMNS = ("P / R", "Partial", "Required", "Net", "Pin", "Layer")


def parse_openlane1(lines: Lines, ctx: ParseContext) -> Iterator[Fact]:
    for line in lines:
        if not line.text.strip():
            continue
        m = _OL1_RE.match(line.text)
        if m is None:
            raise lines.error("'Partial/Required: <r>, Required: <r>, Partial: <r>, Net: …, Pin: …, Layer: …'", line)
        ratio, required, partial = (to_float(m.group(i)) for i in (1, 2, 3))
        if ratio is None or required is None or partial is None:
            raise lines.error("numbers for Partial/Required, Required and Partial", line)
        yield AntennaViolation(m.group(4), m.group(5), m.group(6), partial, required, ratio)


def parse_openlane2(lines: Lines, ctx: ParseContext) -> Iterator[Fact]:
    table = read_box_table(lines)
    if tuple(table.headers) != _OL2_COLUMNS:
        raise lines.error(" | ".join(_OL2_COLUMNS) + " columns", " | ".join(table.headers), 2)
    for line, cells in table.rows:
        ratio, partial, required = (to_float(c) for c in cells[:3])
        if ratio is None or partial is None or required is None:
            raise lines.error("numbers in the P / R, Partial and Required columns", line)
        yield AntennaViolation(cells[3], cells[4] or None, cells[5] or None, partial, required, ratio)


def _is_antenna_summary(head: Head) -> bool:
    header = " ".join(head.nonblank[1:4])
    return "P / R" in header and "Partial" in header


def _is_antenna_violators(head: Head) -> bool:
    return "Partial/Required:" in head.text


FORMATS = (
    FormatSpec(
        ReportFormat.OPENLANE2_ANTENNA, ReportKind.DRC, "openlane2", "box", 20, _is_antenna_summary, parse_openlane2
    ),
    FormatSpec(
        ReportFormat.OPENLANE1_ANTENNA,
        ReportKind.DRC,
        "openlane1",
        "text",
        80,
        _is_antenna_violators,
        parse_openlane1,
        empty_ok=True,
    ),
)
