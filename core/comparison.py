"""A run's key figures against the earlier runs of its series: units, the change, better or worse.

Pure functions. A figure is what a dashboard's stat panel shows (its title, number, Grafana unit and
decimals); whether a rise is good depends on the metric, found from the title: slack and fmax are better
higher (a less negative WNS is better), area, power, violations and errors better lower, and counts such
as paths or utilisation carry no verdict.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


class Sense(enum.Enum):
    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"
    NEUTRAL = "neutral"


class Verdict(enum.StrEnum):
    BETTER = "better"
    WORSE = "worse"
    SAME = "same"
    CHANGED = "changed"  # moved, but the metric has no better direction
    NEW = "new"  # no earlier run of the series to compare with


@dataclass(frozen=True)
class Metric:
    """One stat panel's figure: `unit` is the panel's Grafana unit id (None: a plain number)."""

    title: str
    value: float | None
    unit: str | None = None
    decimals: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"title": self.title, "value": self.value, "unit": self.unit, "decimals": self.decimals}

    @classmethod
    def from_json(cls, data: Any) -> Metric | None:
        if not isinstance(data, dict) or not isinstance(data.get("title"), str):
            return None
        value = data.get("value")
        decimals = data.get("decimals")
        unit = data.get("unit")
        return cls(
            data["title"],
            float(value) if isinstance(value, int | float) and math.isfinite(value) else None,
            unit if isinstance(unit, str) else None,
            decimals if isinstance(decimals, int) else None,
        )


@dataclass(frozen=True)
class FigureChange:
    """What a message shows for one figure: its value with unit, and its change against the previous run."""

    title: str
    shown: str  # e.g. "-0.088 ns"
    change: str | None  # e.g. "▼ 12.0 ps"; None when there is nothing to compare with
    verdict: Verdict
    best_so_far: bool = False
    first_regression: bool = False
    value: float | None = None
    previous: float | None = None


@dataclass(frozen=True)
class RuleChange:
    """One DRC rule of the top list, with its count and its change (None: the previous count is unknown)."""

    rule: str
    count: str
    change: str | None
    verdict: Verdict


# (words in the title, lower case) -> sense; the first match wins, so "violating paths" is a violation count.
_SENSES: tuple[tuple[tuple[str, ...], Sense], ...] = (
    (("violat", "error", "failing", "drc", "antenna"), Sense.LOWER_IS_BETTER),
    (("wns", "tns", "slack", "fmax", "frequency"), Sense.HIGHER_IS_BETTER),
    (("area", "power", "runtime", "wirelength", "layers affected"), Sense.LOWER_IS_BETTER),
)
# Grafana unit id -> (unit shown, factor from the stored value).
_UNITS: dict[str, tuple[str, float]] = {
    "ns": ("ns", 1.0),
    "ps": ("ps", 1.0),
    "watt": ("mW", 1000.0),
    "mwatt": ("mW", 1.0),
    "percentunit": ("%", 100.0),
    "percent": ("%", 1.0),
    "suffix:µm²": ("µm²", 1.0),
    "MHz": ("MHz", 1.0),
    "hertz": ("MHz", 1e-6),
    "s": ("s", 1.0),
}


def sense_of(title: str) -> Sense:
    lowered = title.lower()
    for words, sense in _SENSES:
        if any(word in lowered for word in words):
            return sense
    return Sense.NEUTRAL


def unit_of(metric: Metric) -> tuple[str, float]:
    """The unit a message shows and the factor to it. Slack without a panel unit is in ns (edabot's
    canonical time unit); a whole number without a unit is a count."""
    if metric.unit in _UNITS:
        return _UNITS[metric.unit]
    if metric.unit and metric.unit.startswith("suffix:"):
        return metric.unit.removeprefix("suffix:").strip(), 1.0
    lowered = metric.title.lower()
    if any(word in lowered for word in ("wns", "tns", "slack")):
        return "ns", 1.0
    if metric.decimals == 0:
        return "count", 1.0
    return "", 1.0


def _number(value: float, decimals: int | None) -> str:
    if decimals is not None:
        text = f"{value:,.{max(0, min(decimals, 6))}f}"
    else:
        text = f"{value:,.4g}"
    # A tiny negative number rounds to "-0.000": show it as the zero it rounds to.
    return text[1:] if text.startswith("-") and text.strip("-0.,") == "" else text


def show(metric: Metric) -> str:
    """The value with its unit ("–" when the table gave none)."""
    if metric.value is None:
        return "–"
    label, factor = unit_of(metric)
    decimals = metric.decimals
    if label == "mW" and factor == 1000.0 and decimals is not None:
        decimals = max(0, decimals - 3)
    if label == "MHz" and factor != 1.0:
        decimals = 1
    if label == "%" and factor == 100.0 and decimals is not None:
        decimals = max(0, decimals - 1) if decimals > 1 else decimals
    return f"{_number(metric.value * factor, decimals)} {label}".strip()


def _delta_text(metric: Metric, delta: float) -> str:
    label, factor = unit_of(metric)
    arrow = "▲" if delta > 0 else "▼"
    size = abs(delta) * factor
    if label == "ns" and size < 1:
        return f"{arrow} {size * 1000:,.1f} ps"  # a slack change is easier read in ps
    if label == "count":
        return f"{arrow} {size:,.0f}"
    decimals = 1 if label == "MHz" else None if label in ("mW", "%") else metric.decimals
    return f"{arrow} {_number(size, decimals)} {label}".strip()


def _verdict(sense: Sense, delta: float) -> Verdict:
    if delta == 0:
        return Verdict.SAME
    if sense is Sense.NEUTRAL:
        return Verdict.CHANGED
    better = delta > 0 if sense is Sense.HIGHER_IS_BETTER else delta < 0
    return Verdict.BETTER if better else Verdict.WORSE


def _value_in(run: Sequence[Metric], title: str) -> float | None:
    return next((m.value for m in run if m.title == title), None)


def compare(current: Sequence[Metric], earlier: Sequence[Sequence[Metric]]) -> list[FigureChange]:
    """Each current figure against the same figure (by title) of the earlier runs, oldest first; the last
    of them is the previous run."""
    changes = []
    for metric in current:
        sense = sense_of(metric.title)
        past = [v for v in (_value_in(run, metric.title) for run in earlier) if v is not None]
        previous = _value_in(earlier[-1], metric.title) if earlier else None
        if metric.value is None or previous is None:
            changes.append(FigureChange(metric.title, show(metric), None, Verdict.NEW))
            continue
        delta = metric.value - previous
        verdict = _verdict(sense, delta)
        best = False
        if sense is not Sense.NEUTRAL and past:
            best = metric.value > max(past) if sense is Sense.HIGHER_IS_BETTER else metric.value < min(past)
        # A regression is "first" when the previous run had not already regressed against its own predecessor.
        before = _value_in(earlier[-2], metric.title) if len(earlier) >= 2 else None
        first = verdict is Verdict.WORSE and (before is None or _verdict(sense, previous - before) is not Verdict.WORSE)
        change = None if delta == 0 else _delta_text(metric, delta)
        changes.append(
            FigureChange(
                metric.title, show(metric), change or "no change", verdict, best, first, metric.value, previous
            )
        )
    return changes


def _count(text: str) -> float | None:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def compare_rules(
    current: Sequence[Sequence[str]], previous: Sequence[Sequence[str]] | None, *, complete: bool
) -> list[RuleChange]:
    """The top rules with their change in violations. A rule missing from the previous run's list counts as 0
    there only when that list was `complete` (it held every rule); otherwise its change is unknown."""
    before = {str(r[0]): _count(str(r[1])) for r in previous or [] if len(r) >= 2}
    changes = []
    for row in current:
        if len(row) < 2:
            continue
        rule, count = str(row[0]), str(row[1])
        now = _count(count)
        if previous is None or now is None:
            changes.append(RuleChange(rule, count, None, Verdict.NEW))
            continue
        was = before.get(rule, 0.0 if complete else None)
        if was is None:
            changes.append(RuleChange(rule, count, None, Verdict.NEW))
            continue
        delta = now - was
        text = (
            "new rule"
            if rule not in before
            else ("no change" if delta == 0 else f"{'▲' if delta > 0 else '▼'} {abs(delta):,.0f}")
        )
        changes.append(RuleChange(rule, count, text, _verdict(Sense.LOWER_IS_BETTER, delta)))
    return changes


def _metrics(figures: dict[str, Any]) -> list[Metric]:
    return [m for m in (Metric.from_json(d) for d in figures.get("metrics") or []) if m is not None]


def message_figures(
    figures: dict[str, Any], earlier: Sequence[dict[str, Any]]
) -> tuple[list[FigureChange], list[RuleChange]]:
    """A dashboard's stored key figures (publish.Published.as_json) against those of the earlier posted runs
    of its series, oldest first. Rows stored before figures carried numbers show their text, unchanged."""
    current = _metrics(figures)
    if current:
        changes = compare(current, [_metrics(run) for run in earlier])
    else:
        changes = [
            FigureChange(str(row[0]), str(row[1]), None, Verdict.NEW)
            for row in figures.get("figures") or []
            if isinstance(row, list | tuple) and len(row) >= 2
        ]
    top = [list(map(str, r)) for r in figures.get("top") or [] if isinstance(r, list | tuple) and len(r) >= 2]
    previous = earlier[-1] if earlier else None
    previous_top = (
        [list(map(str, r)) for r in previous.get("top") or [] if isinstance(r, list | tuple)] if previous else None
    )
    complete = bool(previous.get("top_complete")) if previous else False
    return changes, compare_rules(top, previous_top, complete=complete)


# REGRESSION_THRESHOLDS keys: how much worse than the previous run a figure must get for a thread reply to be
# broadcast to the channel. wns/tns in ns, violations and drc in counts, area and power in percent; wns_period
# in percent of the clock period, which replaces `wns` for a run whose table gives its clock period.
DEFAULT_THRESHOLDS: dict[str, float] = {
    "wns_period": 5,
    "wns": 0.01,
    "tns": 0.1,
    "violations": 1,
    "drc": 1,
    "area": 5,
    "power": 5,
}


def _threshold_key(title: str) -> str | None:
    lowered = title.lower()
    if "total violations" in lowered or "drc" in lowered:
        return "drc"
    if "violat" in lowered:
        return "violations"
    if "tns" in lowered:
        return "tns"
    if "wns" in lowered or "slack" in lowered:
        return "wns"
    if "area" in lowered:
        return "area"
    if "power" in lowered:
        return "power"
    return None


def regressions(changes: Sequence[FigureChange], thresholds: dict[str, float]) -> list[str]:
    """The titles of the figures that got worse than the previous run by at least their threshold. A WNS is
    judged against `wns_period` percent of the run's clock period when the run has a "Clock period" figure
    (a 50 ps loss matters at 500 ps, hardly at 10 ns), else against `wns` in ns."""
    period = next((c.value for c in changes if c.title.lower() == "clock period" and c.value), None)
    share = thresholds.get("wns_period", DEFAULT_THRESHOLDS["wns_period"])
    found = []
    for change in changes:
        key = _threshold_key(change.title)
        if change.verdict is not Verdict.WORSE or key is None or change.value is None or change.previous is None:
            continue
        limit = thresholds.get(key, DEFAULT_THRESHOLDS[key])
        if key == "wns" and period is not None and period > 0 and share > 0:
            limit = abs(period) * share / 100
        size = abs(change.value - change.previous)
        if key in ("area", "power"):
            size = size / abs(change.previous) * 100 if change.previous else math.inf
        if size >= limit:
            found.append(change.title)
    return found


SPARK_BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float]) -> str:
    """Unicode blocks, one per value, oldest first, scaled between the lowest and highest."""
    if not values:
        return ""
    low, high = min(values), max(values)
    if high == low:
        return SPARK_BLOCKS[len(SPARK_BLOCKS) // 2] * len(values)
    top = len(SPARK_BLOCKS) - 1
    return "".join(SPARK_BLOCKS[round((v - low) / (high - low) * top)] for v in values)


def wns_trend(runs: Sequence[dict[str, Any]], *, last: int = 12) -> list[float]:
    """The WNS (setup WNS, or worst setup slack) of each stored run that has one, oldest first."""
    values = []
    for run in runs:
        for metric in _metrics(run):
            lowered = metric.title.lower()
            if metric.value is not None and ("setup wns" in lowered or lowered in ("wns", "worst setup slack")):
                values.append(metric.value)
                break
    return values[-last:]
