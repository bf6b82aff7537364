"""OpenLane-2 timing-reports/summary.rpt: a box table with one row per corner plus 'Overall'.

Header cells are truncated with '…', so columns are recognised by their leading words and by position:
each 'Reg to Reg Paths' / 'of which reg to reg' column refines the figure just before it.
"""

from __future__ import annotations

from collections.abc import Iterator

from core.ingest.format_ids import ReportFormat, ReportKind
from core.ingest.formats.registry import FormatSpec
from core.ingest.grammar.box_table import read_box_table
from core.ingest.grammar.context import ParseContext
from core.ingest.grammar.head import Head
from core.ingest.grammar.lines import Lines
from core.ingest.grammar.numbers import to_float, to_int
from core.ingest.records import Fact, TimingSummary

# (header prefix, field, is_time); the reg-to-reg refinements go to a 'reg2reg' group row.
_COLUMNS = (
    ("Hold Worst Slack", "hold_ws", True),
    ("Hold TNS", "hold_tns", True),
    ("Hold Vio Count", "hold_vio_count", False),
    ("Setup Worst Slack", "setup_ws", True),
    ("Setup TNS", "setup_tns", True),
    ("Setup Vio Count", "setup_vio_count", False),
    ("Max Cap", "max_cap_vio", False),
    ("Max Slew", "max_slew_vio", False),
    ("Max Fanout", "max_fanout_vio", False),
)


def parse(lines: Lines, ctx: ParseContext) -> Iterator[Fact]:
    table = read_box_table(lines)
    if not table.headers or not table.headers[0].startswith("Corner"):
        raise lines.error("a 'Corner/Group' first column", " | ".join(table.headers), 2)
    plan: list[tuple[int, str, bool, bool]] = []  # (column, field, is_time, reg2reg)
    last: tuple[str, bool] | None = None
    for i, header in enumerate(table.headers[1:], start=1):
        match = next(((f, t) for prefix, f, t in _COLUMNS if header.startswith(prefix)), None)
        if match is not None:
            plan.append((i, match[0], match[1], False))
            last = match
        elif header.lower().startswith(("reg to reg", "of which reg to reg")) and last is not None:
            plan.append((i, last[0], last[1], True))
    if not plan:
        raise lines.error("timing columns (Hold Worst Slack, Setup TNS, …)", " | ".join(table.headers), 2)
    ctx.run.stage = ctx.run.stage or "signoff"
    for _, cells in table.rows:
        corner = cells[0]
        full: dict[str, float | int] = {}
        r2r: dict[str, float | int] = {}
        for col, field, is_time, reg2reg in plan:
            cell = cells[col]
            value: float | int | None = ctx.unit.ns(to_float(cell)) if is_time else to_int(cell)
            if value is not None:
                (r2r if reg2reg else full)[field] = value
        yield TimingSummary(stage="signoff", corner=corner, path_group="*", **full)  # type: ignore[arg-type]
        if r2r:
            yield TimingSummary(stage="signoff", corner=corner, path_group="reg2reg", **r2r)  # type: ignore[arg-type]


def _is_timing_summary(head: Head) -> bool:
    header = " ".join(head.nonblank[1:4])
    return "Corner" in header and ("Slack" in header or "TNS" in header)


FORMATS = (
    FormatSpec(
        ReportFormat.OPENLANE2_TIMING_SUMMARY, ReportKind.TIMING, "openlane2", "box", 10, _is_timing_summary, parse
    ),
)
