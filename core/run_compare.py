"""Two runs side by side (`/eda compare`): each key figure of both, its change, and the rules or paths that
moved.

Pure functions over what the pipeline stored (publish.Published.as_json) and the worst paths read from the
user's tables. The change is always from the first run to the second, so "▲" means the second is higher.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from core.comparison import FigureChange, Metric, RuleChange, Verdict, compare, message_figures, show

# Paths the message lists: the second run's worst ones whose slack moved.
SHOWN_PATHS = 5


@dataclass(frozen=True)
class RunRef:
    """One side of a comparison: the caller's table, the database kind it lives in, its series."""

    table: str
    kind: str
    series: str | None = None
    url: str | None = None  # the run's own dashboard


@dataclass(frozen=True)
class FigureRow:
    """One key figure in both runs (values with units, "–" where a run lacks it) and its change."""

    title: str
    before: str
    after: str
    change: str | None  # e.g. "▲ 12.0 ps"; None when one of the runs has no value
    verdict: Verdict


@dataclass(frozen=True)
class PathChange:
    """One timing path of the second run among its worst, with its slack in both runs."""

    path: str
    before: str  # "–" when the path was not among the first run's worst
    after: str
    change: str | None
    verdict: Verdict


@dataclass(frozen=True)
class RunComparison:
    before: RunRef
    after: RunRef
    figures: list[FigureRow]
    rules: list[RuleChange] = field(default_factory=list)
    paths: list[PathChange] = field(default_factory=list)
    paths_read: bool = False  # both runs' worst paths were read (so an empty `paths` means none changed)
    # Why no paths are listed (timing runs only), e.g. a summary table has no paths; None when they were read.
    paths_note: str | None = None
    dashboard_url: str | None = None  # the series' comparison dashboard in Grafana
    dashboard_note: str | None = None  # why there is no link, when there is none


def _metrics(figures: dict[str, Any]) -> list[Metric]:
    return [m for m in (Metric.from_json(d) for d in figures.get("metrics") or []) if m is not None]


def _shown_before(figures: dict[str, Any]) -> dict[str, str]:
    metrics = _metrics(figures)
    if metrics:
        return {m.title: show(m) for m in metrics}
    # Rows stored before figures carried numbers: their text is all there is.
    return {
        str(row[0]): str(row[1])
        for row in figures.get("figures") or []
        if isinstance(row, list | tuple) and len(row) >= 2
    }


def side_by_side(before: dict[str, Any], after: dict[str, Any]) -> tuple[list[FigureRow], list[RuleChange]]:
    """Every key figure of either run, the second run's order first, with the change from the first; and the
    second run's top DRC rules with their change."""
    changes, rules = message_figures(after, [before])
    shown_before = _shown_before(before)
    rows = []
    for change in changes:
        known = change.title in shown_before
        rows.append(
            FigureRow(
                change.title,
                shown_before.get(change.title, "–"),
                change.shown,
                change.change if known else None,
                change.verdict if known else Verdict.NEW,
            )
        )
    listed = {c.title for c in changes}
    rows += [
        FigureRow(title, text, "–", None, Verdict.NEW) for title, text in shown_before.items() if title not in listed
    ]
    return rows, rules


def _slack(value: float) -> Metric:
    return Metric("slack", value, "ns", 3)


def path_changes(
    before: Sequence[tuple[str, float]],
    after: Sequence[tuple[str, float]],
    *,
    before_complete: bool,
    limit: int = SHOWN_PATHS,
) -> list[PathChange]:
    """The second run's worst paths (worst first) whose slack differs from the first run's. `before` holds the
    first run's worst paths; a path missing from it was better there than all of them unless the list was
    `before_complete` (every path of the run), when it is a new path."""
    earlier = dict(before)
    found = []
    for path, slack in sorted(after, key=lambda p: p[1]):
        was = earlier.get(path)
        if was is None:
            note = "new path" if before_complete else None
            found.append(PathChange(path, "–", show(_slack(slack)), note, Verdict.NEW))
        elif was != slack:
            change: FigureChange = compare([_slack(slack)], [[_slack(was)]])[0]
            found.append(PathChange(path, show(_slack(was)), change.shown, change.change, change.verdict))
        if len(found) >= limit:
            break
    return found
