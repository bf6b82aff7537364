"""Yosys ``stat`` (ORFS synth_stat.txt): per module, the wire/port/cell counts, one row per cell type
with its count and area, and the chip area. Handles the current layout ('<count> <area> <cell>')
and the older one ('Number of cells: N', '<cell> <count>')."""

from __future__ import annotations

import re
from collections.abc import Iterator

from core.ingest.context import ParseContext
from core.ingest.lines import Lines
from core.ingest.numbers import slug, to_float, to_int
from core.ingest.records import CellUsage, Fact, QorMetric

_MODULE_RE = re.compile(r"^\s*===\s*(.+?)\s*===\s*$")
_NEW_ROW_RE = re.compile(r"^\s+(\d+)\s+(?:(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s+)?(?:-\s+)?(\S.*?)\s*$")
_OLD_COUNT_RE = re.compile(r"^\s+Number of ([a-z ]+?):\s+(\d+)\s*$")
_OLD_CELL_RE = re.compile(r"^\s+(\S+)\s+(\d+)\s*$")
_CHIP_AREA_RE = re.compile(r"^\s*Chip area for (?:top )?module '\\?(.+?)':\s*(\S+)\s*$")
_SEQ_AREA_RE = re.compile(r"^\s*of which used for sequential elements:\s*(\S+)")
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


def parse(lines: Lines, ctx: ParseContext) -> Iterator[Fact]:
    module: str | None = None
    in_cells = False
    keys: set[str] = set()
    modules = 0

    def metric(name: str, value: float | None, unit: str | None) -> QorMetric:
        mod = module or ""
        raw = f"{mod}/{name}"
        n = 1
        while raw in keys:
            n += 1
            raw = f"{mod}/{name}#{n}"
        keys.add(raw)
        return QorMetric("synth", _CANONICAL.get(name, f"stat__{name}"), {"module": mod}, value, None, unit, raw)

    for line in lines:
        text = line.text
        if (m := _MODULE_RE.match(text)) is not None:
            module = m.group(1)
            in_cells = False
            modules += 1
            continue
        if module is None or module == "design hierarchy":
            # The hierarchy block lists submodule instance counts, not library cells.
            if module is not None and (m := _CHIP_AREA_RE.match(text)) is not None:
                yield metric("chip_area", to_float(m.group(2)), "um^2")
            continue
        if (m := _CHIP_AREA_RE.match(text)) is not None:
            in_cells = False
            if ctx.run.design is None:
                ctx.run.design = m.group(1)
            yield metric("chip_area", to_float(m.group(2)), "um^2")
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
        if (m := _NEW_ROW_RE.match(text)) is not None:
            count = to_int(m.group(1))
            area = to_float(m.group(2)) if m.group(2) else None
            name = m.group(3)
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
