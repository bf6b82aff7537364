"""Comparison of a run with the earlier runs of its series (core/comparison.py): units, arrows, better or
worse in the right sense for each metric, best so far and first regression."""

from __future__ import annotations

import pytest

from core.comparison import (
    FigureChange,
    Metric,
    Sense,
    Verdict,
    compare,
    compare_rules,
    message_figures,
    sense_of,
    show,
)


def _run(wns: float, tns: float, vio: int) -> list[Metric]:
    return [
        Metric("Setup WNS", wns, "ns", 3),
        Metric("Setup TNS", tns, "ns", 3),
        Metric("Setup violating paths", vio, None, 0),
    ]


def _by_title(changes: list[FigureChange]) -> dict[str, FigureChange]:
    return {c.title: c for c in changes}


@pytest.mark.parametrize(
    ("title", "sense"),
    [
        ("Setup WNS", Sense.HIGHER_IS_BETTER),
        ("Hold TNS", Sense.HIGHER_IS_BETTER),
        ("Worst setup slack", Sense.HIGHER_IS_BETTER),
        ("Fmax", Sense.HIGHER_IS_BETTER),
        ("Hold violating paths", Sense.LOWER_IS_BETTER),
        ("Total violations", Sense.LOWER_IS_BETTER),
        ("Route DRC errors", Sense.LOWER_IS_BETTER),
        ("Area", Sense.LOWER_IS_BETTER),
        ("Power", Sense.LOWER_IS_BETTER),
        ("Utilisation", Sense.NEUTRAL),
        ("Paths", Sense.NEUTRAL),
    ],
)
def test_each_metric_has_its_better_direction(title: str, sense: Sense) -> None:
    assert sense_of(title) is sense


@pytest.mark.parametrize(
    ("metric", "shown"),
    [
        (Metric("Setup WNS", -0.08821, "ns", 3), "-0.088 ns"),
        (Metric("Area", 1234.5, "suffix:µm²", 2), "1,234.50 µm²"),
        (Metric("Power", 0.0123, "watt", 4), "12.3 mW"),
        (Metric("Utilisation", 0.456, "percentunit", 1), "45.6 %"),
        (Metric("Setup violating paths", 10, None, 0), "10 count"),
        (Metric("Worst setup slack", 0.25, None, 3), "0.250 ns"),
        (Metric("Fmax", 512.0, "MHz", 1), "512.0 MHz"),
        (Metric("Fmax", 2565150000.0, "hertz", 0), "2,565.2 MHz"),
        (Metric("Hold WNS", None, "ns", 3), "–"),
        (Metric("Setup WNS", -0.0001, "ns", 3), "0.000 ns"),
    ],
)
def test_values_are_shown_with_their_units(metric: Metric, shown: str) -> None:
    assert show(metric) == shown


def test_less_negative_slack_is_better_and_more_violations_worse() -> None:
    earlier = [_run(-0.100, -1.5, 10)]
    changes = _by_title(compare(_run(-0.088, -2.0, 12), earlier))
    wns, tns, vio = changes["Setup WNS"], changes["Setup TNS"], changes["Setup violating paths"]
    # WNS rose by 12 ps (-0.100 -> -0.088): better, shown in ps.
    assert (wns.verdict, wns.change) == (Verdict.BETTER, "▲ 12.0 ps")
    # TNS fell by 0.5 ns: worse.
    assert (tns.verdict, tns.change) == (Verdict.WORSE, "▼ 500.0 ps")
    assert (vio.verdict, vio.change) == (Verdict.WORSE, "▲ 2")
    assert wns.best_so_far and not tns.best_so_far
    assert tns.first_regression and vio.first_regression and not wns.first_regression


def test_more_area_and_power_are_worse_utilisation_has_no_verdict() -> None:
    before = [
        Metric("Area", 1000.0, "suffix:µm²", 2),
        Metric("Power", 0.010, "watt", 4),
        Metric("Utilisation", 0.4, "percentunit", 1),
    ]
    now = [
        Metric("Area", 1100.0, "suffix:µm²", 2),
        Metric("Power", 0.008, "watt", 4),
        Metric("Utilisation", 0.5, "percentunit", 1),
    ]
    changes = _by_title(compare(now, [before]))
    assert (changes["Area"].verdict, changes["Area"].change) == (Verdict.WORSE, "▲ 100.00 µm²")
    assert (changes["Power"].verdict, changes["Power"].change) == (Verdict.BETTER, "▼ 2 mW")
    assert changes["Utilisation"].verdict is Verdict.CHANGED
    assert not changes["Utilisation"].best_so_far and not changes["Utilisation"].first_regression


def test_first_regression_only_when_the_previous_run_had_not_regressed() -> None:
    runs = [_run(-0.05, -1.0, 5), _run(-0.06, -1.0, 5), _run(-0.07, -1.0, 5)]
    second = _by_title(compare(runs[1], runs[:1]))["Setup WNS"]
    third = _by_title(compare(runs[2], runs[:2]))["Setup WNS"]
    assert second.verdict is Verdict.WORSE and second.first_regression
    assert third.verdict is Verdict.WORSE and not third.first_regression, "the regression started a run earlier"


def test_best_so_far_is_against_every_earlier_run_not_only_the_previous() -> None:
    runs = [_run(-0.01, 0, 0), _run(-0.20, -3, 9)]
    recovered = _by_title(compare(_run(-0.05, -0.5, 1), runs))["Setup WNS"]
    assert recovered.verdict is Verdict.BETTER and not recovered.best_so_far
    assert _by_title(compare(_run(0.01, 0, 0), runs))["Setup WNS"].best_so_far


def test_the_first_run_and_missing_figures_have_no_change() -> None:
    first = compare(_run(-0.1, -1, 3), [])
    assert all(c.change is None and c.verdict is Verdict.NEW for c in first)
    hold_appears = _by_title(compare([Metric("Hold WNS", -0.01, "ns", 3)], [_run(-0.1, -1, 3)]))["Hold WNS"]
    assert hold_appears.change is None
    same = _by_title(compare(_run(-0.1, -1, 3), [_run(-0.1, -1, 3)]))["Setup WNS"]
    assert (same.verdict, same.change) == (Verdict.SAME, "no change")


def test_drc_rules_change_against_the_previous_runs_list() -> None:
    previous = [["M1.S.1", "9"], ["V1.EN", "4"]]
    changes = compare_rules([["M1.S.1", "7"], ["M2.W", "2"], ["V1.EN", "4"]], previous, complete=True)
    assert [(c.rule, c.change, c.verdict) for c in changes] == [
        ("M1.S.1", "▼ 2", Verdict.BETTER),
        ("M2.W", "new rule", Verdict.WORSE),
        ("V1.EN", "no change", Verdict.SAME),
    ]
    partial = compare_rules([["M2.W", "2"]], previous, complete=False)
    assert partial[0].change is None, "absent from a cut-off list: its earlier count is unknown"
    assert compare_rules([["M2.W", "2"]], None, complete=False)[0].verdict is Verdict.NEW


def test_stored_figures_are_compared_and_old_rows_still_show_their_text() -> None:
    earlier = [{"metrics": [m.as_json() for m in _run(-0.1, -1, 3)], "top": [], "top_complete": True}]
    current = {"metrics": [m.as_json() for m in _run(-0.2, -1, 3)], "top": []}
    figures, _ = message_figures(current, earlier)
    assert _by_title(figures)["Setup WNS"].change == "▼ 100.0 ps"
    old, _ = message_figures({"figures": [["WNS", "-0.1"]], "top": [["M1", "3"]]}, [])
    assert old == [FigureChange("WNS", "-0.1", None, Verdict.NEW)]


def test_sparkline_scales_between_the_lowest_and_highest_run() -> None:
    from core.comparison import sparkline

    assert sparkline([]) == ""
    assert sparkline([-0.1, -0.1]) == "▅▅", "a flat trend sits mid-height"
    assert sparkline([-0.2, -0.15, -0.1, 0.0]) == "▁▃▅█"  # 0, 1.75, 3.5, 7 of 7 steps, rounded


def test_a_regression_is_broadcast_only_beyond_its_threshold() -> None:
    from core.comparison import DEFAULT_THRESHOLDS, regressions

    previous = [[*_run(-0.1, -1.0, 3), Metric("Area", 1000.0, "suffix:µm²", 2)]]
    small = compare([*_run(-0.105, -1.05, 3), Metric("Area", 1040.0, "suffix:µm²", 2)], previous)
    assert regressions(small, DEFAULT_THRESHOLDS) == [], "5 ps, 50 ps of TNS and 4 % of area are under the defaults"
    large = compare([*_run(-0.12, -1.2, 4), Metric("Area", 1060.0, "suffix:µm²", 2)], previous)
    assert regressions(large, DEFAULT_THRESHOLDS) == ["Setup WNS", "Setup TNS", "Setup violating paths", "Area"]
    assert regressions(large, {**DEFAULT_THRESHOLDS, "wns": 0.05, "tns": 1, "violations": 5, "area": 10}) == []
    better = compare(_run(-0.05, -0.5, 1), previous)
    assert regressions(better, DEFAULT_THRESHOLDS) == []


def test_a_wns_loss_is_judged_against_the_clock_period_when_the_run_gives_one() -> None:
    from core.comparison import DEFAULT_THRESHOLDS, regressions

    def wns_loss(period_ns: float | None, loss_ps: float) -> list[str]:
        clock = [Metric("Clock period", period_ns, "ns", 3)] if period_ns is not None else []
        previous = [[Metric("Setup WNS", -0.100, "ns", 3), *clock]]
        now = compare([Metric("Setup WNS", -0.100 - loss_ps / 1000, "ns", 3), *clock], previous)
        return regressions(now, DEFAULT_THRESHOLDS)

    # 5 % of a 0.5 ns clock is 25 ps; of a 10 ns clock, 500 ps; without a period, the 10 ps rule.
    assert wns_loss(0.5, 20) == [] and wns_loss(0.5, 30) == ["Setup WNS"]
    assert wns_loss(10.0, 105) == [] and wns_loss(10.0, 510) == ["Setup WNS"]
    assert wns_loss(None, 9) == [] and wns_loss(None, 11) == ["Setup WNS"]
    # wns_period=0 turns the clock rule off: the absolute one applies whatever the period.
    off = {**DEFAULT_THRESHOLDS, "wns_period": 0}
    clock = [Metric("Clock period", 10.0, "ns", 3)]
    now = compare([Metric("Setup WNS", -0.120, "ns", 3), *clock], [[Metric("Setup WNS", -0.100, "ns", 3), *clock]])
    assert regressions(now, off) == ["Setup WNS"]
