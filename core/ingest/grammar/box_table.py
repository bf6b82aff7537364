"""Rows of the Unicode box tables OpenLane-2 prints with rich (┏━┳━┓ / ┃ … ┃ / │ … │)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from core.ingest.grammar.lines import Line, Lines

_HEADER_BAR = "┃"
_BODY_BAR = "│"
_RULE_CHARS = set("┏┓┗┛┡┩┢┪━─┳┻╇╈┴┬└┘┌┐├┤┼═║╔╗╚╝ ")


@dataclass(slots=True)
class BoxTable:
    headers: list[str]  # header cells, multi-line headers joined with spaces
    rows: Iterator[tuple[Line, list[str]]]


def _cells(text: str, bar: str) -> list[str] | None:
    stripped = text.strip()
    if not (stripped.startswith(bar) and stripped.endswith(bar)):
        return None
    return [c.strip() for c in stripped[1:-1].split(bar)]


def read_box_table(lines: Lines) -> BoxTable:
    # Each column's header lines, joined at the end: joining row by row would copy the growing
    # headers once per row, quadratic in the number of header rows.
    headers: list[list[str]] | None = None
    for line in lines:
        text = line.text
        if not text.strip() or set(text.strip()) <= _RULE_CHARS:
            if headers is not None and text.strip().startswith("┡"):
                break  # the rule between header and body
            continue
        cells = _cells(text, _HEADER_BAR)
        if cells is None:
            raise lines.error("a box-table header row ('┃ … ┃')", line)
        if headers is None:
            headers = [[c] for c in cells]
        elif len(cells) != len(headers):
            raise lines.error(f"{len(headers)} header cells", f"{len(cells)} cells", line.no)
        else:
            for column, cell in zip(headers, cells, strict=True):
                column.append(cell)
    if headers is None:
        raise lines.error("a box-table header row ('┃ … ┃')")
    joined = [" ".join(c for c in column if c) for column in headers]
    return BoxTable(joined, _rows(lines, len(joined)))


def _rows(lines: Lines, width: int) -> Iterator[tuple[Line, list[str]]]:
    for line in lines:
        text = line.text
        if not text.strip() or set(text.strip()) <= _RULE_CHARS:
            continue
        cells = _cells(text, _BODY_BAR)
        if cells is None:
            raise lines.error("a box-table row ('│ … │')", line)
        if len(cells) != width:
            raise lines.error(f"{width} cells in a row", f"{len(cells)} cells", line.no)
        yield line, cells
