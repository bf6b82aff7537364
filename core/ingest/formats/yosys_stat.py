"""Yosys ``stat`` (ORFS synth_stat.txt): per module, the wire/port/cell counts, one row per cell type
with its count and area, and the chip area. Handles the current layout ('<count> <area> <cell>')
and the older one ('Number of cells: N', '<cell> <count>')."""

from __future__ import annotations

import re
from collections.abc import Iterator

from core.ingest.format_ids import ReportFormat, ReportKind
from core.ingest.formats.registry import FormatSpec
from core.ingest.grammar.context import ParseContext
from core.ingest.grammar.head import Head
from core.ingest.grammar.lines import Lines
from core.ingest.grammar.numbers import UniqueKeys, slug, to_float, to_int
from core.ingest.records import CellUsage, Fact, QorMetric

# Every pattern here runs in time linear in the line: no two adjacent quantifiers can share a
# character, or the split between them is fixed by a literal (possessive '++'/'*+' where it helps
# to say so); rows whose grammar has optional middle parts are split with str methods instead.
_NUMBER_TOKEN_RE = re.compile(r"\d++(?:\.\d++)?(?:[eE][-+]?\d++)?")
_DIGITS_RE = re.compile(r"\d++")
_OLD_COUNT_RE = re.compile(r"^\s++Number of ([a-z ]++):\s++(\d++)\s*+$")
_OLD_CELL_RE = re.compile(r"^\s++(\S++)\s++(\d++)\s*+$")
_CHIP_AREA_PREFIX_RE = re.compile(r"Chip area for (?:top )?module '")
_SEQ_AREA_RE = re.compile(r"^\s*+of which used for sequential elements:\s*+(\S++)")
_COUNT_NAMES = {
    "wires",
    "wire bits",
    "public wires",
    "public wire bits",
    "ports",
    "port bits",
    "memories",
    "memory bits",
    "processes",
    "cells",
}
# Yosys names -> METRICS2.1 names, so synthesis figures line up with ORFS metadata.
_CANONICAL = {
    "cells": "design__instance__count__stdcell",
    "chip_area": "design__instance__area__stdcell",
    "sequential_area": "design__instance__area__sequential",
}


def _module_name(text: str) -> str | None:
    """'=== <name> ===' -> the name (surrounding blanks dropped), else None."""
    stripped = text.strip()
    if len(stripped) < 7 or not (stripped.startswith("===") and stripped.endswith("===")):
        return None
    return stripped[3:-3].strip() or None


def _new_row(text: str) -> tuple[str, str | None, str] | None:
    """'<count> [<area>] [- ]<name>' on an indented line -> (count, area, name), else None."""
    if not text[:1].isspace():
        return None
    parts = text.split(None, 1)
    if len(parts) < 2 or _DIGITS_RE.fullmatch(parts[0]) is None:
        return None
    count, rest = parts[0], parts[1].rstrip()
    area = None
    head = rest.split(None, 1)
    if len(head) == 2 and _NUMBER_TOKEN_RE.fullmatch(head[0]) is not None:
        area, rest = head
    if rest[:1] == "-" and rest[1:2].isspace():
        rest = rest[1:].lstrip()
    return count, area, rest


def _chip_area(text: str) -> tuple[str, str] | None:
    """A 'Chip area for [top ]module <quoted name>: <value>' line -> (name, value), else None."""
    stripped = text.strip()
    m = _CHIP_AREA_PREFIX_RE.match(stripped)
    if m is None:
        return None
    head, _, value = stripped.rpartition("':")
    value = value.strip()
    start = m.end()
    if len(head) > start + 1 and stripped[start] == "\\":
        start += 1
    name = head[start:]
    if len(head) < m.end() or not name or not value or len(value.split()) != 1:
        return None
    return name, value


def parse(lines: Lines, ctx: ParseContext) -> Iterator[Fact]:
    module: str | None = None
    in_cells = False
    keys = UniqueKeys()
    modules = 0

    def metric(name: str, value: float | None, unit: str | None) -> QorMetric:
        mod = module or ""
        raw = keys.take(f"{mod}/{name}")
        return QorMetric("synth", _CANONICAL.get(name, f"stat__{name}"), {"module": mod}, value, None, unit, raw)

    for line in lines:
        text = line.text
        if (name := _module_name(text)) is not None:
            module = name
            in_cells = False
            modules += 1
            continue
        if module is None or module == "design hierarchy":
            # The hierarchy block lists submodule instance counts, not library cells.
            if module is not None and (chip := _chip_area(text)) is not None:
                yield metric("chip_area", to_float(chip[1]), "um^2")
            continue
        if (chip := _chip_area(text)) is not None:
            in_cells = False
            if ctx.run.design is None:
                ctx.run.design = chip[0]
            yield metric("chip_area", to_float(chip[1]), "um^2")
            continue
        if (m := _SEQ_AREA_RE.match(text)) is not None:
            yield metric("sequential_area", to_float(m.group(1)), "um^2")
            continue
        if (m := _OLD_COUNT_RE.match(text)) is not None:
            name = m.group(1)
            if name in _COUNT_NAMES:
                yield metric(slug(name), to_float(m.group(2)), None)
                in_cells = name == "cells"
            continue
        if (row := _new_row(text)) is not None:
            count = to_int(row[0])
            area = to_float(row[1]) if row[1] else None
            name = row[2]
            if name in _COUNT_NAMES:
                yield metric(slug(name), float(count) if count is not None else None, None)
                if name == "cells":
                    in_cells = True
                    if area is not None:
                        yield metric("cells_area", area, "um^2")
                continue
            if in_cells and count is not None and " " not in name:
                yield CellUsage("synth", module, name, count, area)
                continue
        if in_cells and (m := _OLD_CELL_RE.match(text)) is not None:
            count = to_int(m.group(2))
            if count is not None:
                yield CellUsage("synth", module, m.group(1), count, None)
    if modules == 0:
        raise lines.error("a Yosys stat module header '=== <module> ==='")
    ctx.run.stage = "synth"


_HEADER_RE = re.compile(r"^=== .+ ===$", re.MULTILINE)
_AREA_RE = re.compile(r"Chip area for module")
_COUNT_RE = re.compile(r"- wires$|Number of wires:|Number of cells:", re.MULTILINE)


def _is_stat(head: Head) -> bool:
    """'Chip area for module', or a '=== <module> ===' line followed (anywhere later) by a count line."""
    if _AREA_RE.search(head.text):
        return True
    header = _HEADER_RE.search(head.text)
    # Only the first header needs looking past: a count after a later header is also after the first.
    return header is not None and _COUNT_RE.search(head.text, header.end()) is not None


FORMATS = (FormatSpec(ReportFormat.YOSYS_STAT, ReportKind.QOR, "yosys", "text", 130, _is_stat, parse),)
