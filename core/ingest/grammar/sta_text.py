"""The line handler shared by every OpenSTA-based text report (plain, ORFS sections, OpenLane sections).

It recognises path blocks, summary figures, power tables and check-type violators wherever they
appear; the enclosing parser only says which section (stage, corner, command) the lines belong to.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from core.ingest.grammar.context import ParseContext
from core.ingest.grammar.lines import Line, Lines
from core.ingest.grammar.numbers import UniqueKeys, is_number, slug, to_float
from core.ingest.grammar.sta_paths import STARTPOINT_RE, PathReader, PathScope
from core.ingest.grammar.sta_summary import (
    CheckTypesTable,
    PowerTable,
    SkewTable,
    SummaryAccumulator,
    parse_statement,
)
from core.ingest.records import Fact, QorMetric

# Linear: a token (\S) is always followed by blanks or a literal it cannot contain, except the
# corner name, whose ':' is found by backtracking over that one token only.
_CORNER_LINE_RE = re.compile(r"^\s*+Corner:\s*+(\S++)\s*+$")
_CORNER_VALUE_RE = re.compile(r"^\s*+([A-Za-z]\S*):\s++(\S++)\s*+$")
# OpenLane-2 one-figure files: the banner title names the figure, each line is "<corner>: <value>".
_OL2_FIGURES = {
    "total negative slack": "tns",
    "worst slack": "ws",
    "worst negative slack": "wns",
}
# ORFS scalar sections whose single number is a time (the rest are counts, caps or ratios).
_TIME_SCALAR_RE = re.compile(r"slew_check_(slack|limit)$|latency|critical path (delay|slack)$")


@dataclass(slots=True)
class SectionScope:
    title: str | None = None
    command: str | None = None
    stage: str | None = None
    corner: str | None = None
    hold: bool = False  # figures printed without max/min belong to hold (title says -min / (Hold))


class StaTextHandler:
    def __init__(self, lines: Lines, ctx: ParseContext) -> None:
        self.ctx = ctx
        self.unit = ctx.unit
        self.paths = PathReader(lines, ctx.unit)
        self.acc = SummaryAccumulator()
        self.scope = SectionScope()
        self._metric_keys = UniqueKeys()
        self._reset()

    def _reset(self) -> None:
        self.power = PowerTable()
        self.checks = CheckTypesTable()
        self.skew = SkewTable()
        # A section's content lines: only a lone number matters (a scalar section), so the first line and
        # the count are kept rather than every line, which would grow with a long section.
        self._first_content: str | None = None
        self._content_lines = 0
        self._used = False
        self._power_corner: str | None = None

    @property
    def path_count(self) -> int:
        return self.paths.count

    def begin(self, scope: SectionScope) -> Iterator[Fact]:
        yield from self.end()
        self.scope = scope

    def end(self) -> Iterator[Fact]:
        """Close the current section: apply violator counts, turn a lone number into a metric."""
        key = (self.scope.stage, self.scope.corner, "*")
        for name, count in self.checks.take().items():
            self.acc.set_default(key, name, count)
        first = self._first_content
        if (
            not self._used
            and self._content_lines == 1
            and first is not None
            and is_number(first)
            and self.scope.command
        ):
            yield self._scalar_metric(self.scope.command, first)
        self._reset()

    def finish(self) -> Iterator[Fact]:
        yield from self.end()
        yield from self.acc.flush()

    def _scalar_metric(self, command: str, token: str) -> QorMetric:
        value = to_float(token)
        unit = None
        if value is not None and _TIME_SCALAR_RE.search(command):
            value = self.unit.ns(value)
            unit = "ns"
        metric = slug(command)
        raw = self._metric_keys.take(f"{self.scope.stage}__{metric}" if self.scope.stage else metric)
        return QorMetric(self.scope.stage, metric, {}, value, None if value is not None else token, unit, raw)

    def feed(self, line: Line) -> Iterator[Fact]:
        text = line.text
        stripped = text.strip()
        if not stripped:
            return
        scope = self.scope
        if STARTPOINT_RE.match(text):
            self._used = True
            yield self.paths.read(line, PathScope(scope.stage, scope.title, scope.corner))
            return
        if self._content_lines == 0:
            self._first_content = stripped
        self._content_lines += 1
        key = (scope.stage, scope.corner, "*")
        handled, power = self.power.feed(text, scope.stage, self._power_corner or scope.corner)
        if handled:
            self._used = True
            if power is not None:
                yield power
            return
        statements = parse_statement(text, scope.hold)
        if statements is not None:
            self._used = True
            for st in statements:
                value = self.unit.ns(st.value) if st.is_time and st.value is not None else st.value
                skey = key
                if st.clock is not None and self.acc.has(key, st.field):
                    skey = (scope.stage, scope.corner, st.clock)  # a second clock gets its own row
                replace = st.field.endswith("_vio") or st.field.endswith("vio_count")
                flushed = self.acc.set(skey, st.field, value, replace=replace)
                if flushed is not None:
                    yield flushed
            return
        handled, skew = self.skew.feed(text)
        if handled:
            self._used = True
            if skew is not None:
                name = "clock_skew_hold" if scope.hold else "clock_skew_setup"
                flushed = self.acc.set(key, name, self.unit.ns(skew))
                if flushed is not None:
                    yield flushed
            return
        if self.checks.feed(text):
            self._used = True
            return
        m = _CORNER_LINE_RE.match(text)
        if m is not None:
            self._power_corner = m.group(1)
            return
        figure = _OL2_FIGURES.get((scope.command or "").split("(")[0].strip().lower())
        m = _CORNER_VALUE_RE.match(text)
        if figure is not None and m is not None:
            self._used = True
            value = to_float(m.group(2))
            name = f"{'hold' if scope.hold else 'setup'}_{figure}"
            flushed = self.acc.set((scope.stage, m.group(1), "*"), name, self.unit.ns(value))
            if flushed is not None:
                yield flushed
