"""The answer to `/eda compare`: two runs' key figures side by side, the rules or paths that moved, and the
link to the series' comparison dashboard."""

from __future__ import annotations

from core.comparison import RuleChange, Verdict
from core.run_compare import FigureRow, PathChange, RunComparison
from listeners.blocks.common import Block, clip, code, context, esc, header, line_sections, link, section
from listeners.blocks.notification_builder import KIND_TITLES, SIGNS

MAX_FIGURE_LINES = 20
MAX_RULE_LINES = 10


def _change(change: str | None, verdict: Verdict) -> str:
    if change is None:
        return ""
    word = f"({verdict.value})" if verdict in (Verdict.BETTER, Verdict.WORSE) else ""
    return "  " + " ".join(part for part in (SIGNS.get(verdict, ""), esc(change), word) if part)


def figure_line(row: FigureRow) -> str:
    """`*Setup WNS*: -0.100 ns → -0.150 ns  :red_circle: ▼ 50.0 ps (worse)`; all of it from the user's tables."""
    return clip(f"*{esc(row.title)}*: {esc(row.before)} → {esc(row.after)}{_change(row.change, row.verdict)}", 500)


def rule_line(rule: RuleChange) -> str:
    return clip(f"{code(clip(rule.rule, 60))} {esc(rule.count)}{_change(rule.change, rule.verdict)}", 500)


def path_line(path: PathChange) -> str:
    return clip(
        f"{code(clip(path.path, 120))}: {esc(path.before)} → {esc(path.after)}{_change(path.change, path.verdict)}",
        500,
    )


def compare_text(result: RunComparison) -> str:
    worse = sum(1 for f in result.figures if f.verdict is Verdict.WORSE)
    better = sum(1 for f in result.figures if f.verdict is Verdict.BETTER)
    return (
        f"{code(result.before.table)} → {code(result.after.table)}: "
        f"{better} figure{'s' if better != 1 else ''} better, {worse} worse"
    )


def compare_blocks(result: RunComparison) -> list[Block]:
    before, after = result.before, result.after
    kind = KIND_TITLES.get(after.kind, after.kind)
    blocks: list[Block] = [header(f"Compare {kind}: {before.table} → {after.table}")]  # plain_text: literal
    series = (
        f"series {code(after.series)}"
        if after.series is not None and before.series == after.series
        else ", ".join(f"{code(r.table)} of series {code(r.series)}" for r in (before, after) if r.series is not None)
    )
    intro = f"From {link(before.url, before.table)} to {link(after.url, after.table)}"
    blocks.append(section(intro + (f" ({series})." if series else ".")))
    lines = [figure_line(f) for f in result.figures[:MAX_FIGURE_LINES]]
    blocks += line_sections(lines) if lines else [section("Neither run has key figures.")]
    if result.rules:
        blocks.append(section("*Top rules:*\n" + "\n".join(rule_line(r) for r in result.rules[:MAX_RULE_LINES])))
    if result.paths:
        blocks.append(section("*Worst setup paths that changed:*\n" + "\n".join(path_line(p) for p in result.paths)))
    elif result.paths_note is not None:
        blocks.append(context(f"Paths are not listed: {esc(result.paths_note)}."))
    elif result.paths_read:
        blocks.append(context("None of the worst setup paths changed."))
    if result.dashboard_url is not None:
        blocks.append(section(link(result.dashboard_url, "Every run of the series in Grafana") + ", with the changes."))
    else:
        blocks.append(context(f"The Grafana comparison is unavailable: {esc(result.dashboard_note or 'no link')}."))
    return blocks
