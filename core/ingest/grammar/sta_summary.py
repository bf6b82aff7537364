"""OpenSTA summary statements (report_tns/wns/worst_slack, clock period, skew, violation counts, power).

Each command prints one figure; they are gathered into one timing_summary row per (stage, corner,
group) so a dashboard finds WNS, TNS and fmax side by side. When a figure is printed again for the
same key (a log with "before" and "after" runs) the row so far is emitted and a new one started,
so nothing is silently overwritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.ingest.grammar.numbers import is_number, to_float, to_int
from core.ingest.records import PowerRow, TimingSummary

# Every pattern is matched from the line start and is linear in the line: numbers are '\d+(?:\.\d*)?'
# (not the ambiguous '\d+\.?\d*'), and tokens and blank runs alternate with nothing optional between
# two blank runs. The power row, whose group name may hold blanks, is split with str methods.
_NUM = r"(-?(?:\d++(?:\.\d*+)?|\.\d++)(?:[eE][-+]?\d++)?|-?INF|-?inf)"
_NUM_TOKEN_RE = re.compile(_NUM)
_TNS_RE = re.compile(rf"^\s*+tns(?:\s++(max|min))?\s++{_NUM}\s*+$")
_WNS_RE = re.compile(rf"^\s*+wns(?:\s++(max|min))?\s++{_NUM}\s*+$")
_WS_RE = re.compile(rf"^\s*+worst slack(?:\s++(max|min))?\s++{_NUM}\s*+$")
_PERIOD_RE = re.compile(rf"^\s*+(\S++)\s++period_min\s*+=\s*+{_NUM}\s++fmax\s*+=\s*+{_NUM}\s*+$")
_COUNT_RE = re.compile(r"^\s*+(max slew|max fanout|max cap|max capacitance|setup|hold) violation count\s++(\d++)\s*+$")
_SKEW_RE = re.compile(rf"^\s*+{_NUM}\s++(setup|hold) skew\s*+$")
_POWER_HEADER_RE = re.compile(r"^\s*+Group\s++Internal\s++Switching\s++Leakage\s++Total")
_POWER_GROUP_RE = re.compile(r"\w[\w/ ]*+")
_CHECK_KIND_RE = re.compile(r"^\s*+(max slew|max fanout|max capacitance|max cap)\s*+$")
_VIOLATOR_RE = re.compile(r"^\s*+\S++\s++\S++\s++\S++\s++\S++\s++\(VIOLATED\)\s*+$")

_COUNT_FIELD = {
    "max slew": "max_slew_vio",
    "max fanout": "max_fanout_vio",
    "max cap": "max_cap_vio",
    "max capacitance": "max_cap_vio",
    "setup": "setup_vio_count",
    "hold": "hold_vio_count",
}

Key = tuple[str | None, str | None, str]


class SummaryAccumulator:
    """Collects single figures into timing_summary rows keyed by (stage, corner, path group)."""

    def __init__(self) -> None:
        self._rows: dict[Key, dict[str, float | int]] = {}

    def set(self, key: Key, name: str, value: float | int | None, *, replace: bool = False) -> TimingSummary | None:
        """Record one figure; returns the finished row if this figure was already set for the key."""
        if value is None:
            return None
        row = self._rows.setdefault(key, {})
        flushed = None
        if name in row and not replace:
            flushed = _make(key, row)
            row = {}
            self._rows[key] = row
        row[name] = value
        return flushed

    def set_default(self, key: Key, name: str, value: int) -> None:
        self._rows.setdefault(key, {}).setdefault(name, value)

    def has(self, key: Key, name: str) -> bool:
        return name in self._rows.get(key, {})

    def flush(self) -> list[TimingSummary]:
        out = [_make(key, row) for key, row in self._rows.items() if row]
        self._rows.clear()
        return out


def _make(key: Key, row: dict[str, float | int]) -> TimingSummary:
    stage, corner, group = key
    return TimingSummary(stage=stage, corner=corner, path_group=group, **row)  # type: ignore[arg-type]


@dataclass(slots=True)
class Statement:
    """One recognised summary figure: the TimingSummary field, its value, and whether it is a time."""

    field: str
    value: float | int | None
    is_time: bool
    clock: str | None = None


def parse_statement(text: str, hold_default: bool) -> list[Statement] | None:
    """Recognise a one-line summary figure; ``hold_default`` applies when the line omits max/min."""
    for regex, stem in ((_TNS_RE, "tns"), (_WNS_RE, "wns"), (_WS_RE, "ws")):
        m = regex.match(text)
        if m is not None:
            hold = m.group(1) == "min" if m.group(1) else hold_default
            return [Statement(f"{'hold' if hold else 'setup'}_{stem}", to_float(m.group(2)), True)]
    m = _PERIOD_RE.match(text)
    if m is not None:
        return [
            Statement("clock_period", to_float(m.group(2)), True, m.group(1)),
            Statement("fmax_mhz", to_float(m.group(3)), False, m.group(1)),
        ]
    m = _COUNT_RE.match(text)
    if m is not None:
        return [Statement(_COUNT_FIELD[m.group(1)], to_int(m.group(2)), False)]
    m = _SKEW_RE.match(text)
    if m is not None:
        return [Statement(f"clock_skew_{m.group(2)}", to_float(m.group(1)), True)]
    return None


class PowerTable:
    """report_power's table: rows between the 'Group Internal …' header and the 'Total' row."""

    def __init__(self) -> None:
        self.active = False

    def feed(self, text: str, stage: str | None, corner: str | None) -> tuple[bool, PowerRow | None]:
        if _POWER_HEADER_RE.match(text):
            self.active = True
            return True, None
        if not self.active:
            return False, None
        row = _power_row(text)
        if row is None:
            return text.strip() == "" or text.strip().startswith(("Power", "-")), None
        grp, numbers = row
        values = [to_float(n) for n in numbers]
        if grp == "Total":
            self.active = False
        return True, PowerRow(stage, corner, grp, values[0], values[1], values[2], values[3], values[4])


def _power_row(text: str) -> tuple[str, list[str]] | None:
    """'<group> <internal> <switching> <leakage> <total> <percent>%' -> (group, the five numbers).

    The group name is everything before the last five tokens (it may hold single words and blanks).
    """
    parts = text.rsplit(None, 5)
    if len(parts) != 6 or not parts[5].endswith("%"):
        return None
    group = parts[0].lstrip()
    numbers = [*parts[1:5], parts[5][:-1]]
    if _POWER_GROUP_RE.fullmatch(group) is None or any(_NUM_TOKEN_RE.fullmatch(n) is None for n in numbers):
        return None
    return group, numbers


class CheckTypesTable:
    """report_check_types -violators: counts the VIOLATED rows under each 'max slew/fanout/cap' title."""

    def __init__(self) -> None:
        self.current: str | None = None
        self.counts: dict[str, int] = {}

    def feed(self, text: str) -> bool:
        m = _CHECK_KIND_RE.match(text)
        if m is not None:
            self.current = _COUNT_FIELD[m.group(1)]
            self.counts.setdefault(self.current, 0)
            return True
        if self.current is not None and _VIOLATOR_RE.match(text):
            self.counts[self.current] += 1
            return True
        return False

    def take(self) -> dict[str, int]:
        counts, self.counts, self.current = self.counts, {}, None
        return counts


_SKEW_TABLE_HEADER_RE = re.compile(r"^\s*+Latency\s++CRPR\s++Skew\s*+$")


class SkewTable:
    """OpenLane's report_clock_skew layout: a 'Latency CRPR Skew' header, the skew on the last row."""

    def __init__(self) -> None:
        self.active = False

    def feed(self, text: str) -> tuple[bool, float | None]:
        if _SKEW_TABLE_HEADER_RE.match(text):
            self.active = True
            return True, None
        if not self.active:
            return False, None
        tokens = text.split()
        if len(tokens) == 3 and all(is_number(t) for t in tokens):
            self.active = False
            return True, to_float(tokens[2])
        return True, None
