"""OpenROAD violation reports: TritonRoute DRC (5_route_drc.rpt, check_drc) and global-route congestion.

Each violation is 'violation type: …', 'srcs: …', optional 'comment: …', then 'bbox = (…) - (…) on
Layer …', which closes it. An empty file is a clean run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from core.ingest.format_ids import ReportFormat, ReportKind
from core.ingest.formats.registry import FormatSpec
from core.ingest.grammar.context import ParseContext
from core.ingest.grammar.drc_rules import category_for
from core.ingest.grammar.head import Head
from core.ingest.grammar.lines import Lines
from core.ingest.grammar.numbers import to_float
from core.ingest.records import DrcSummary, DrcViolation, Fact

# Possessive throughout: each part ends where the next one's first character cannot belong to it,
# so nothing is ever given back and a line is read in linear time.
_NUM = r"(-?\d++(?:\.\d++)?(?:[eE][-+]?\d++)?)"
# Older OpenLane output pads the parentheses: "bbox = ( 1, 2 ) - ( 3, 4 ) on Layer met1".
_BBOX_RE = re.compile(
    rf"^\s*+bbox\s*+=\s*+\(\s*+{_NUM}\s*+,\s*+{_NUM}\s*+\)\s*+-\s*+\(\s*+{_NUM}\s*+,\s*+{_NUM}\s*+\)"
    r"\s*+on\s++Layer\s++(\S++)\s*+$"
)


def _field(stripped: str, label: str) -> str | None:
    """The value after '<label>:' on a stripped line (blanks dropped), or None for another line.

    str methods rather than '^\\s*label:\\s*(.*?)\\s*$', whose lazy group and trailing blanks make a long
    blank run inside the value quadratic.
    """
    if not stripped.startswith(label) or stripped[len(label) : len(label) + 1] != ":":
        return None
    return stripped[len(label) + 1 :].strip()


@dataclass(slots=True)
class _Pending:
    rule: str
    line_no: int
    sources: list[str] = field(default_factory=list)
    comment: str | None = None


def parse(lines: Lines, ctx: ParseContext) -> Iterator[Fact]:
    checker = "grt_congestion" if ctx.run.format is ReportFormat.OPENROAD_CONGESTION else "tritonroute"
    pending: _Pending | None = None
    counts: dict[str, int] = {}
    for line in lines:
        text = line.text
        stripped = text.strip()
        if not stripped:
            continue
        rule = _field(stripped, "violation type")
        if rule is not None:
            if pending is not None:
                raise lines.error(f"the 'bbox = …' line of the violation at line {pending.line_no}", line)
            if not rule:
                raise lines.error("a violation type name", line)
            pending = _Pending(rule, line.no)
            continue
        if pending is None:
            raise lines.error("'violation type: <type>'", line)
        sources = _field(stripped, "srcs")
        if sources is not None:
            pending.sources = [s for s in sources.split() if s != "N/A"]
            continue
        comment = _field(stripped, "comment")
        if comment is not None:
            pending.comment = comment or None
            continue
        m = _BBOX_RE.match(text)
        if m is None:
            raise lines.error("'srcs:', 'comment:' or 'bbox = (x, y) - (x, y) on Layer <layer>'", line)
        x_min, y_min, x_max, y_max = (to_float(m.group(i)) for i in range(1, 5))
        layer = m.group(5)
        counts[pending.rule] = counts.get(pending.rule, 0) + 1
        yield DrcViolation(
            checker=checker,
            rule=pending.rule,
            rule_description=None,
            category=category_for(pending.rule),
            layer=None if layer == "-" else layer,
            cell=None,
            x_min=x_min,
            y_min=y_min,
            x_max=x_max,
            y_max=y_max,
            geometry=f"box: ({m.group(1)},{m.group(2)};{m.group(3)},{m.group(4)})",
            sources=tuple(pending.sources),
            comment=pending.comment,
        )
        pending = None
    if pending is not None:
        raise lines.error(f"the 'bbox = …' line of the violation at line {pending.line_no}")
    for rule, count in counts.items():
        yield DrcSummary(checker=checker, rule=rule, count=count)


_VIOLATION_TYPE_RE = re.compile(r"^violation type:\s*(.*)$", re.MULTILINE)


def _violation_type(head: Head) -> str | None:
    """The first 'violation type:' of the head, lower-cased (None without one)."""
    m = _VIOLATION_TYPE_RE.search(head.text)
    return None if m is None else m.group(1).lower()


def _is_congestion(head: Head) -> bool:
    kind = _violation_type(head)
    return kind is not None and "congestion" in kind


def _is_drc(head: Head) -> bool:
    kind = _violation_type(head)
    return kind is not None and "congestion" not in kind


FORMATS = (
    FormatSpec(
        ReportFormat.OPENROAD_CONGESTION, ReportKind.DRC, "openroad", "text", 50, _is_congestion, parse, empty_ok=True
    ),
    FormatSpec(ReportFormat.OPENROAD_DRC, ReportKind.DRC, "openroad", "text", 51, _is_drc, parse, empty_ok=True),
)
