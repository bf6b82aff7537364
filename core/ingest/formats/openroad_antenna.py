"""OpenROAD check_antennas report: Net / Pin / Layer blocks of area ratios, where a 'Required ratio'
line marked (VIOLATED) is one violation of the ratio printed just above it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from core.ingest.format_ids import ReportFormat, ReportKind
from core.ingest.formats.registry import FormatSpec
from core.ingest.grammar.context import ParseContext
from core.ingest.grammar.head import Head
from core.ingest.grammar.lines import Lines
from core.ingest.grammar.numbers import to_float, to_int
from core.ingest.records import AntennaViolation, DrcSummary, Fact

# Linear in the line: tokens and blank runs alternate (possessive), the total's label starts after
# all the blanks, and the 'Required ratio' line (three optional parts, each with blanks around it:
# cubic as one pattern) is split with str methods.
_NET_RE = re.compile(r"^\s*+Net:\s*+(\S++)\s*+$")
_PIN_RE = re.compile(r"^\s*+Pin:\s*+(\S++)(?:\s++\(.*\))?\s*+$")
_LAYER_RE = re.compile(r"^\s*+Layer:\s*+(\S++)\s*+$")
_RATIO_RE = re.compile(r"^\s*+(Partial|Cumulative) area ratio:\s*+(\S++)\s*+$")
_REQUIRED_LABEL = "Required ratio:"
_TOTAL_RE = re.compile(r"^\s*+(?:Number of|Total number of)\s++(.+?):\s*+(\d++)\s*+$")


def _required_ratio(text: str) -> tuple[str, str | None, bool] | None:
    """'Required ratio: <r> [(<check kind>)] [(VIOLATED)]' -> (r, check kind, violated), else None.

    A lone '(VIOLATED)' reads as the check kind, as the single pattern this replaces read it.
    """
    stripped = text.strip()
    if not stripped.startswith(_REQUIRED_LABEL):
        return None
    parts = stripped[len(_REQUIRED_LABEL) :].split(None, 1)
    if not parts:
        return None
    value, rest = parts[0], parts[1] if len(parts) == 2 else ""
    brackets = _brackets(rest)
    if brackets is None and (cut := value.find("(", 1)) > 0:
        value, rest = value[:cut], f"{value[cut:]} {rest}"  # '10.00(Side area)': no blank before the bracket
        brackets = _brackets(rest)
    if brackets is None:
        return None
    return value, brackets[0], brackets[1]


def _brackets(rest: str) -> tuple[str | None, bool] | None:
    """'[(<check kind>)] [(VIOLATED)]' -> (check kind, violated), else None."""
    kind = None
    if rest.startswith("(") and (close := rest.find(")")) > 0:
        kind, rest = rest[1:close], rest[close + 1 :].lstrip()
    if rest not in ("", "(VIOLATED)"):
        return None
    return kind, rest == "(VIOLATED)"


def parse(lines: Lines, ctx: ParseContext) -> Iterator[Fact]:
    net: str | None = None
    pin: str | None = None
    layer: str | None = None
    ratio: float | None = None
    for line in lines:
        text = line.text
        if not text.strip():
            continue
        if (m := _NET_RE.match(text)) is not None:
            net, pin, layer, ratio = m.group(1), None, None, None
        elif (m := _PIN_RE.match(text)) is not None:
            pin, layer, ratio = m.group(1), None, None
        elif (m := _LAYER_RE.match(text)) is not None:
            layer, ratio = m.group(1), None
        elif (m := _RATIO_RE.match(text)) is not None:
            ratio = to_float(m.group(2))
            if ratio is None:
                raise lines.error("a number after 'area ratio:'", line)
        elif (req := _required_ratio(text)) is not None:
            required = to_float(req[0])
            if required is None:
                raise lines.error("a number after 'Required ratio:'", line)
            if not req[2]:
                continue
            if net is None or ratio is None:
                raise lines.error("'Net:' and an area ratio before a violated 'Required ratio'", line)
            yield AntennaViolation(
                net=net,
                pin=pin,
                layer=layer,
                partial_ratio=ratio,
                required_ratio=required,
                ratio=ratio / required if required else None,
                check_kind=req[1],
            )
        elif (m := _TOTAL_RE.match(text)) is not None:
            count = to_int(m.group(2))
            if count is not None:
                yield DrcSummary(checker="openroad_antenna", rule=m.group(1).strip(), count=count)
        else:
            raise lines.error("'Net:', 'Pin:', 'Layer:' or an area-ratio line", line)


_HEAD_NET_RE = re.compile(r"^Net: \S+", re.MULTILINE)


def _is_check_antennas(head: Head) -> bool:
    return _HEAD_NET_RE.search(head.text) is not None and "area ratio" in head.text


FORMATS = (
    FormatSpec(
        ReportFormat.OPENROAD_ANTENNA, ReportKind.DRC, "openroad", "text", 100, _is_check_antennas, parse, empty_ok=True
    ),
)
