"""Pure pieces of `/eda compare`: figures side by side, the paths that moved, and the comparison dashboard."""

from __future__ import annotations

from typing import Any

import pytest

from core.comparison import Verdict
from core.grafana.templates.compare import build_series_comparison, comparison_uid, runs_sql
from core.grafana.templates.uid import MAX_UID_LENGTH
from core.run_compare import path_changes, side_by_side


def _figures(**values: float | None) -> dict[str, Any]:
    titles = {"wns": ("Setup WNS", "ns", 3), "area": ("Area", "suffix:µm²", 1), "paths": ("Paths", None, 0)}
    metrics = [
        {"title": titles[k][0], "value": v, "unit": titles[k][1], "decimals": titles[k][2]} for k, v in values.items()
    ]
    return {"template": "qor", "metrics": metrics, "figures": [[m["title"], str(m["value"])] for m in metrics]}


def test_each_figure_of_either_run_is_listed_with_its_change() -> None:
    rows, rules = side_by_side(_figures(wns=-0.1, area=200.0), _figures(wns=-0.05, paths=12))
    by_title = {r.title: r for r in rows}
    assert list(by_title) == ["Setup WNS", "Paths", "Area"]
    wns = by_title["Setup WNS"]
    assert (wns.before, wns.after, wns.change, wns.verdict) == ("-0.100 ns", "-0.050 ns", "▲ 50.0 ps", Verdict.BETTER)
    # A figure only one run has: shown, without a change.
    assert (by_title["Paths"].before, by_title["Paths"].after, by_title["Paths"].change) == ("–", "12 count", None)
    assert (by_title["Area"].before, by_title["Area"].after, by_title["Area"].change) == ("200.0 µm²", "–", None)
    assert rules == []


def test_drc_rules_change_against_the_first_run() -> None:
    before = {"metrics": [], "top": [["M1.S", "4"], ["V1", "2"]], "top_complete": True}
    after = {"metrics": [], "top": [["M1.S", "1"], ["M2.W", "3"]], "top_complete": True}
    _, rules = side_by_side(before, after)
    assert [(r.rule, r.change, r.verdict) for r in rules] == [
        ("M1.S", "▼ 3", Verdict.BETTER),
        ("M2.W", "new rule", Verdict.WORSE),
    ]


@pytest.mark.parametrize(
    ("complete", "new_note"),
    [(True, "new path"), (False, None)],  # an incomplete first list cannot tell a new path from a better one
)
def test_the_worst_paths_that_moved_come_first(complete: bool, new_note: str | None) -> None:
    before = [("a → z", -0.2), ("b → z", -0.1), ("c → z", 0.3)]
    after = [("c → z", 0.3), ("b → z", -0.25), ("d → y", -0.05), ("a → z", -0.2)]
    found = path_changes(before, after, before_complete=complete)
    assert [(p.path, p.before, p.after) for p in found] == [
        ("b → z", "-0.100 ns", "-0.250 ns"),
        ("d → y", "–", "-0.050 ns"),
    ]
    assert (found[0].change, found[0].verdict) == ("▼ 150.0 ps", Verdict.WORSE)
    assert found[1].change == new_note and found[1].verdict is Verdict.NEW
    assert len(path_changes([], [(f"p{i}", -float(i)) for i in range(20)], before_complete=True, limit=3)) == 3


def test_the_dashboard_sql_has_one_row_per_run_and_quotes_hostile_names() -> None:
    runs = [("it's_1", _figures(wns=-0.1)), ("$__timeFilter(x)_2", _figures(wns=-0.3, area=5.0))]
    sql, titles = runs_sql(runs)
    assert titles == ["Setup WNS", "Area"]
    assert "'it''s_1'" in sql and "$" not in sql  # Grafana rewrites `$…` anywhere in the SQL it sends
    assert sql.count("), (") == 1  # two rows
    assert "-0.2::double precision" in sql  # -0.3 - -0.1, rounded


def test_the_dashboard_has_a_stable_uid_within_grafanas_limit() -> None:
    long_series = "x" * 120
    uid = comparison_uid("someone_with_a_long_name", "timing", long_series)
    assert len(uid) <= MAX_UID_LENGTH and uid == comparison_uid("someone_with_a_long_name", "timing", long_series)
    assert uid != comparison_uid("someone_with_a_long_name", "drc", long_series)
    board = build_series_comparison(
        username="u", kind="timing", series="s$x", runs=[("t_1", _figures(wns=1.0))], datasource_uid="ds"
    )
    assert [p["type"] for p in board["panels"]] == ["row", "table"] and "$" not in board["title"]
