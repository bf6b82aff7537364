"""KLayout report databases (.lyrdb, OpenLane drc.klayout.xml), read incrementally with a pull parser.

Items are turned into violations as soon as they close and are then dropped from the tree, so memory
stays flat however many markers a DRC run produced (notes §3.2). The elements still in the tree are
counted, and a document that keeps more of them open than the JSON reports' memory budget allows
(json_input.json_memory_budget of what was read so far) is refused.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import BinaryIO, cast

from core.ingest.errors import shorten
from core.ingest.format_ids import ReportFormat, ReportKind
from core.ingest.formats.registry import FormatSpec
from core.ingest.grammar.context import ParseContext
from core.ingest.grammar.drc_rules import category_for, layer_from_rule
from core.ingest.grammar.head import Head
from core.ingest.grammar.json_input import (
    JSON_MEMORY_CEILING,
    JSON_MEMORY_FACTOR,
    JSON_MEMORY_FLOOR,
    json_memory_budget,
)
from core.ingest.records import DrcSummary, DrcViolation, Fact

_CHUNK = 1 << 16
# 'x,y' coordinate pairs. A search tries every start, so a match may not start inside a run of digits
# (a start there fails exactly where the run's own start failed): without that, a long digit run with
# no comma after it would be rescanned from each of its digits, which is quadratic.
_COORD = r"(-?\d++(?:\.\d++)?(?:[eE][-+]?\d++)?)"
_PAIR_RE = re.compile(rf"(?<!\d){_COORD}\s*+,\s*+{_COORD}")
# What one element in the tree takes, an upper bound (a million empty elements take about 90 MB).
_ELEMENT_BYTES = 120
# A DTD can declare entities that expand without bound; report databases never carry one.
_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY")


def unquote_category(path: str) -> str:
    """Decode an item's category reference: "'l2 space < 1\\302\\265m'" -> 'l2 space < 1µm'.

    Components are separated by '.' outside quotes and joined back with '.', so a nested category
    reads 'parent.child' like the names built from <categories>.
    """
    parts: list[str] = []
    buf = bytearray()
    quote: str | None = None
    quoted_any = False
    i = 0
    while i < len(path):
        ch = path[i]
        if quote is not None and ch == "\\" and i + 1 < len(path):
            nxt = path[i + 1]
            octal = path[i + 1 : i + 4]
            if len(octal) == 3 and all(c in "01234567" for c in octal):
                buf.append(int(octal, 8) & 0xFF)
                i += 4
                continue
            buf += {"n": "\n", "t": "\t", "r": "\r"}.get(nxt, nxt).encode("utf-8")
            i += 2
            continue
        if quote is not None and ch == quote:
            quote = None
        elif quote is None and ch in ("'", '"'):
            quote = ch
            quoted_any = True
        elif quote is None and ch == ".":
            parts.append(buf.decode("utf-8", errors="replace"))
            buf = bytearray()
        else:
            buf += ch.encode("utf-8")
        i += 1
    parts.append(buf.decode("utf-8", errors="replace"))
    return ".".join(parts) if quoted_any or len(parts) > 1 else parts[0]


def _bbox(values: list[str]) -> tuple[float, float, float, float] | None:
    xs: list[float] = []
    ys: list[float] = []
    for value in values:
        if value.startswith(("text:", "float:", "string:")):
            continue
        for m in _PAIR_RE.finditer(value):
            xs.append(float(m.group(1)))
            ys.append(float(m.group(2)))
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def _text(elem: ET.Element | None) -> str | None:
    if elem is None or elem.text is None:
        return None
    value = elem.text.strip()
    return value or None


def parse(stream: BinaryIO, ctx: ParseContext) -> Iterator[Fact]:
    cursor = ctx.cursor
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    stack: list[ET.Element] = []
    category_names: list[str] = []
    descriptions: dict[str, str | None] = {}
    counts: dict[str, int] = {}
    root_seen = False
    tail = b""
    total = 0
    live = 0  # elements in the tree: started, not yet dropped with their item or cleared
    max_live = json_memory_budget(0) // _ELEMENT_BYTES

    def events() -> Iterator[tuple[str, ET.Element]]:
        try:
            # typeshed's union also covers namespace events, which are not requested here.
            for event, elem in cast(Iterator[tuple[str, object]], parser.read_events()):
                if isinstance(elem, ET.Element):  # start/end events only (no namespace events)
                    yield event, elem
        except ET.ParseError as exc:
            raise _xml_error(exc) from None

    def _xml_error(exc: ET.ParseError) -> Exception:
        line, col = exc.position
        return cursor.error("well-formed report-database XML", f"{exc.msg.split(':')[0]} at column {col + 1}", line)

    def handle(event: str, elem: ET.Element) -> Iterator[Fact]:
        nonlocal root_seen, live
        if event == "start":
            live += 1
            if live > max_live:
                raise cursor.error(
                    f"a report database with at most {max_live} elements open at once ({JSON_MEMORY_FACTOR}x the "
                    f"bytes read so far at {_ELEMENT_BYTES} bytes an element, at least {JSON_MEMORY_FLOOR >> 20} MiB "
                    f"and at most {JSON_MEMORY_CEILING // 10**6} MB)",
                    f"{live} elements open after {total} bytes (one item or section holding too many)",
                    0,
                )
            if not stack:
                if elem.tag != "report-database":
                    raise cursor.error("a <report-database> root element", shorten(f"<{elem.tag}>"), cursor.line_no)
                root_seen = True
            stack.append(elem)
            if elem.tag == "category" and _under(stack, "categories"):
                category_names.append("")
            return
        stack.pop()
        parent = stack[-1] if stack else None
        if parent is None:
            return
        tag = elem.tag
        if tag == "top-cell" and parent.tag == "report-database":
            ctx.run.design = ctx.run.design or _text(elem)
        elif tag == "name" and parent.tag == "category" and category_names:
            category_names[-1] = _text(elem) or ""
        elif tag == "category" and parent.tag == "categories" and category_names:
            full = ".".join(n for n in category_names if n)
            descriptions[full] = _text(elem.find("description"))
            category_names.pop()
            live -= _size(elem) - 1
            elem.clear()
        elif tag == "item" and parent.tag == "items":
            yield _violation(elem, descriptions, counts)
            live -= _size(elem)
            parent.remove(elem)  # drop the item so the tree does not grow with the report
        elif tag == "cells" and parent.tag == "report-database":
            live -= _size(elem) - 1
            elem.clear()

    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        total += len(chunk)
        max_live = json_memory_budget(total) // _ELEMENT_BYTES
        window = tail + chunk
        for bad in _FORBIDDEN:
            at = window.find(bad)
            if at >= 0:
                raise cursor.error(
                    "a report database without a DTD", f"{bad.decode()} (entity declarations are refused)", 0
                )
        tail = window[-16:]
        parser.feed(chunk)
        for event, elem in events():
            yield from handle(event, elem)
    if total == 0:
        raise cursor.error("a KLayout report database", "an empty file", 0)
    try:
        parser.close()
    except ET.ParseError as exc:
        raise _xml_error(exc) from None
    for event, elem in events():
        yield from handle(event, elem)
    if not root_seen:
        raise cursor.error("a <report-database> root element", "no XML element", 0)
    for rule, description in descriptions.items():
        yield DrcSummary(checker="klayout", rule=rule, count=counts.pop(rule, 0), description=description)
    for rule, count in counts.items():
        yield DrcSummary(checker="klayout", rule=rule, count=count)


def _size(elem: ET.Element) -> int:
    """The element and everything under it."""
    return sum(1 for _ in elem.iter())


def _under(stack: list[ET.Element], tag: str) -> bool:
    return len(stack) >= 2 and stack[-2].tag == tag


def _violation(item: ET.Element, descriptions: dict[str, str | None], counts: dict[str, int]) -> DrcViolation:
    rule = unquote_category(_text(item.find("category")) or "") or "UNKNOWN"
    counts[rule] = counts.get(rule, 0) + 1
    values = [v.text.strip() for v in item.iter("value") if v.text and v.text.strip()]
    box = _bbox(values)
    tags = _text(item.find("tags")) or ""
    multiplicity = _text(item.find("multiplicity"))
    description = descriptions.get(rule)
    return DrcViolation(
        checker="klayout",
        rule=rule,
        rule_description=description,
        category=category_for(rule, description),
        layer=layer_from_rule(rule),
        cell=_text(item.find("cell")),
        x_min=box[0] if box else None,
        y_min=box[1] if box else None,
        x_max=box[2] if box else None,
        y_max=box[3] if box else None,
        geometry="\n".join(values) or None,
        comment=_text(item.find("comment")),
        waived="waived" in {t.strip().lstrip("#") for t in tags.split(",")},
        multiplicity=int(multiplicity) if multiplicity and multiplicity.isdigit() else 1,
    )


def _is_rdb(head: Head) -> bool:
    return "<report-database" in head.text


FORMATS = (FormatSpec(ReportFormat.KLAYOUT_RDB, ReportKind.DRC, "klayout", "xml", 10, _is_rdb, stream=parse),)
