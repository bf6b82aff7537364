"""A format added from outside the package: declared here, registered through the public API, detected from
its content, parsed and loaded into the kind it declares, then unregistered. No other file is edited."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import pytest

from core.ingest import ReportFormat, ReportFormatError, ReportKind, kind_for, parse_text
from core.ingest.formats import FormatId, FormatSpec, register_format, registered_formats, unregister_format
from core.ingest.grammar.context import ParseContext
from core.ingest.grammar.head import Head
from core.ingest.grammar.lines import Lines
from core.ingest.grammar.numbers import to_float
from core.ingest.records import Fact, QorMetric

TOY = FormatId("toy_area")
TOY_REPORT = "TOYTOOL area report\ndesign: gcd\narea 1234.5\nleakage 0.25\n"


def _is_toy(head: Head) -> bool:
    return head.first.startswith("TOYTOOL area report")


def _parse_toy(lines: Lines, ctx: ParseContext) -> Iterator[Fact]:
    for line in lines:
        text = line.text
        if text.startswith("design:"):
            ctx.run.design = text.split(":", 1)[1].strip()
        elif (m := re.fullmatch(r"(\w+) (\S+)", text)) is not None:
            yield QorMetric(None, m.group(1), {}, to_float(m.group(2)), None, None, m.group(1))


@pytest.fixture
def toy_format() -> Iterator[FormatSpec]:
    spec = FormatSpec(TOY, ReportKind.QOR, "toytool", "text", 5, _is_toy, _parse_toy)
    register_format(spec)
    try:
        yield spec
    finally:
        unregister_format(TOY)


def _metrics(facts: Sequence[Fact]) -> dict[str, float | None]:
    return {f.metric: f.value_num for f in facts if isinstance(f, QorMetric)}


def test_a_format_registered_from_outside_is_detected_parsed_and_routed(toy_format: FormatSpec) -> None:
    parsed = parse_text(TOY_REPORT, source_name="toy.rpt")
    facts = list(parsed.facts)

    assert parsed.format == "toy_area" and parsed.format.value == "toy_area"
    assert parsed.kind is ReportKind.QOR and kind_for(TOY) is ReportKind.QOR
    assert parsed.run.source_tool == "toytool" and parsed.run.design == "gcd"
    assert _metrics(facts) == {"area": 1234.5, "leakage": 0.25}


def test_once_unregistered_the_toy_report_is_unknown_content_again(toy_format: FormatSpec) -> None:
    unregister_format(TOY)
    with pytest.raises(ReportFormatError, match="unrecognised content starting 'TOYTOOL area report'"):
        parse_text(TOY_REPORT, source_name="toy.rpt")


def test_an_id_cannot_be_registered_twice(toy_format: FormatSpec) -> None:
    with pytest.raises(ValueError, match="already registered"):
        register_format(toy_format)


def test_every_built_in_format_is_registered_from_its_module() -> None:
    assert {spec.id for spec in registered_formats()} >= set(ReportFormat)
