"""Series rules: which tables are runs of the same thing (core/series.py)."""

from __future__ import annotations

import pytest

from core.series import series_from_run, series_from_table_name, valid_series_name

NAME_TO_SERIES = [
    ("run_harness_1", "run_harness"),
    ("run_harness_2", "run_harness"),
    ("aes_20261201_1200", "aes"),
    ("aes_20261202_0900", "aes"),
    ("aes_r3", "aes"),
    ("aes_R12", "aes"),
    ("gcd-2026-12-01", "gcd"),
    ("gcd_2026-12-01T09:30", "gcd"),
    ("gcd_20261201T093000Z", "gcd"),
    # what `edabot ingest` names a run's table, when its run has no design to group by
    ("timing_aes_finish_20261201_120000_r7", "timing_aes_finish"),
    ("drc_route_20261202_080000_r8", "drc_route"),
    # digits that are part of a name stay: aes128 is a design, not run 128 of aes
    ("aes128", "aes128"),
    ("aes128_3", "aes128"),
    ("sky130_aes_2", "sky130_aes"),
    ("riscv32i", "riscv32i"),
    # a name is never stripped to nothing
    ("20261201_1200", "20261201"),  # the first part is the name: it is kept whatever it looks like
    ("_1", "_1"),
    ("report", "report"),
]


@pytest.mark.parametrize(("table", "series"), NAME_TO_SERIES)
def test_table_names_group_into_series(table: str, series: str) -> None:
    assert series_from_table_name(table) == series


def test_two_runs_of_a_name_share_a_series_and_other_names_do_not() -> None:
    assert series_from_table_name("run_harness_1") == series_from_table_name("run_harness_2")
    assert series_from_table_name("aes_20261201_1200") == series_from_table_name("aes_20261202_0900")
    assert series_from_table_name("aes_1") != series_from_table_name("gcd_1")


def test_ingested_runs_group_by_design_platform_and_variant() -> None:
    assert series_from_run("gcd", "nangate45", "base") == "gcd/nangate45/base"
    assert series_from_run("gcd", "nangate45", "base") != series_from_run("gcd", "sky130hd", "base")
    assert series_from_run("gcd", "nangate45", "base") != series_from_run("gcd", "nangate45", "fast")
    assert series_from_run("aes", None, "base") == "aes/base"
    assert series_from_run(None, "nangate45", "base") is None, "no design: the table name decides"
    assert series_from_run("  ", "nangate45", None) is None


def test_chosen_series_names_are_one_printable_word() -> None:
    assert valid_series_name("aes/sky130")
    for bad in ("", "two words", "tab\tbed", "x" * 121, "bell\x07"):
        assert not valid_series_name(bad), bad
