"""Magic DRC reports (OpenLane drc.rpt): the top cell, then per rule a description between dashed lines
and one 'llx lly urx ury' box per line (µm), closed by '[INFO] COUNT: N' (notes §3.3)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from core.ingest.format_ids import ReportFormat, ReportKind
from core.ingest.formats.registry import FormatSpec
from core.ingest.grammar.context import ParseContext
from core.ingest.grammar.drc_rules import category_for, layer_from_rule
from core.ingest.grammar.head import Head
from core.ingest.grammar.lines import Lines
from core.ingest.grammar.numbers import to_float
from core.ingest.records import DrcSummary, DrcViolation, Fact

# Linear on any line: adjacent parts cannot share a character (digits/'um' against blanks, a run of
# dashes against blanks), and the rule id is the bracket group that ends the (stripped) description.
_DASHES_RE = re.compile(r"^-{10,}+\s*+$")
_NUM = r"(-?\d++(?:\.\d++)?)(?:um)?"
_BOX_RE = re.compile(rf"^\s*+{_NUM}\s++{_NUM}\s++{_NUM}\s++{_NUM}\s*+$")
_COUNT_RE = re.compile(r"^\[INFO\]:?\s*+COUNT:\s*+(\S++)\s*+$")
_INFO_RE = re.compile(r"^\[INFO\]")
_RULE_ID_RE = re.compile(r"\(([^()]*+)\)\s*+$")


def parse(lines: Lines, ctx: ParseContext) -> Iterator[Fact]:
    cell: str | None = None
    state = "cell"  # cell -> title (after dashes) -> open (description read) -> boxes -> done
    rule = description = ""
    boxes = 0
    per_rule: dict[str, tuple[int, str]] = {}
    count: int | None = None
    count_line = 0
    for line in lines:
        text = line.text
        if not text.strip():
            continue
        if state == "cell":
            if _DASHES_RE.match(text) or _BOX_RE.match(text):
                raise lines.error("the top cell name on the first line", line)
            cell = text.strip()
            ctx.run.design = ctx.run.design or cell
            state = "after_cell"
            continue
        if state == "after_cell" and not _DASHES_RE.match(text):
            raise lines.error("a line of dashes after the cell name", line)
        if _DASHES_RE.match(text):
            state = "boxes" if state == "open" else "title"
            continue
        m = _COUNT_RE.match(text)
        if m is not None:
            if state != "title":
                raise lines.error("a line of dashes before '[INFO] COUNT'", line)
            value = to_float(m.group(1))
            if value is None or value != int(value) or value < 0:
                raise lines.error("a whole number after 'COUNT:'", line)
            count, count_line, state = int(value), line.no, "done"
            continue
        if state == "done":
            if _INFO_RE.match(text):
                continue
            raise lines.error("nothing after the '[INFO] COUNT' line", line)
        if state == "title":
            description = text.strip()
            m = _RULE_ID_RE.search(description)
            rule = m.group(1).strip() if m else "UNKNOWN"
            state = "open"
            continue
        if state == "open":
            raise lines.error("a line of dashes after the rule description", line)
        m = _BOX_RE.match(text)
        if m is None:
            raise lines.error("a box 'llx lly urx ury' in µm", line)
        x_min, y_min, x_max, y_max = (to_float(m.group(i)) for i in range(1, 5))
        boxes += 1
        seen, _ = per_rule.get(rule, (0, description))
        per_rule[rule] = (seen + 1, description)
        yield DrcViolation(
            checker="magic",
            rule=rule,
            rule_description=description,
            category=category_for(description),
            layer=layer_from_rule(rule),
            cell=cell,
            x_min=x_min,
            y_min=y_min,
            x_max=x_max,
            y_max=y_max,
            geometry=f"box: ({m.group(1)},{m.group(2)};{m.group(3)},{m.group(4)})",
        )
    if count is None:
        raise lines.error("an '[INFO] COUNT: N' line closing the Magic DRC report")
    if count != boxes:
        raise lines.error(f"'COUNT: {boxes}' (the number of boxes listed)", f"'COUNT: {count}'", count_line)
    for rule_id, (n, desc) in per_rule.items():
        yield DrcSummary(checker="magic", rule=rule_id, count=n, description=desc)


_HEAD_BOX_RE = re.compile(r"^[^\S\n]*+-?[\d.]++um\s++-?[\d.]++um\s++-?[\d.]++um\s++-?[\d.]++um[^\S\n]*+$", re.MULTILINE)
_HEAD_RULE_TITLE_RE = re.compile(r"\([^()]*\)\s*$", re.MULTILINE)


def _is_magic(head: Head) -> bool:
    """A single-word cell name, a 40-dash line, then boxes, rule titles or the COUNT line."""
    nonblank = head.nonblank
    if len(nonblank) < 2 or not re.fullmatch(r"-{40}", nonblank[1].strip()) or len(nonblank[0].split()) != 1:
        return False
    return bool(_HEAD_BOX_RE.search(head.text) or "COUNT:" in head.text or _HEAD_RULE_TITLE_RE.search(head.text))


FORMATS = (FormatSpec(ReportFormat.MAGIC_DRC, ReportKind.DRC, "magic", "text", 110, _is_magic, parse),)
