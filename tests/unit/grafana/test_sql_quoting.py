"""Quoting for panel SQL: valid PostgreSQL, and nothing Grafana would rewrite (no `$`, no `[[`).
That PostgreSQL reads the quoted text back as the same name is checked against a real server in
tests/integration/grafana/test_hostile_tables.py."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.grafana.introspect import ColumnInfo
from core.grafana.templates.sql import as_float, quote_ident, quote_literal, safe_sum

NAMES = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), min_size=1)


@pytest.mark.parametrize(
    ("name", "quoted"),
    [
        ("select", '"select"'),
        ("My Table", '"My Table"'),
        ('a"b', '"a""b"'),
        ("50%", '"50%"'),
        ("it's", '"it\'s"'),
        ("表", '"表"'),
        ("$__time(x)", 'U&"\\0024__time(x)"'),
        ("[[v]]", 'U&"\\005B\\005Bv\\005D\\005D"'),
        ('$a\\"', 'U&"\\0024a\\\\"""'),
    ],
)
def test_quote_ident(name: str, quoted: str) -> None:
    assert quote_ident(name) == quoted


@pytest.mark.parametrize(
    ("value", "quoted"),
    [("(none)", "'(none)'"), ("it's", "'it''s'"), ("${x}", "U&'\\0024{x}'"), ("\\n", "'\\n'")],
)
def test_quote_literal(value: str, quoted: str) -> None:
    assert quote_literal(value) == quoted


@given(NAMES)
def test_nothing_for_grafana_to_interpolate(name: str) -> None:
    for quoted in (quote_ident(name), quote_literal(name)):
        assert "$" not in quoted and "[[" not in quoted and "]]" not in quoted


def test_nul_is_refused() -> None:
    with pytest.raises(ValueError):
        quote_ident("a\x00b")
    with pytest.raises(ValueError):
        quote_literal("a\x00b")


def test_numeric_guards() -> None:
    assert as_float(ColumnInfo("x", "integer")) == '("x")::double precision'
    assert "1e308" in as_float(ColumnInfo("x", "numeric"))  # huge numerics become NULL, not an error
    assert "::numeric" in safe_sum('"slack"')  # float8 sums raise on overflow; numeric ones do not
    assert "COALESCE" in safe_sum('"s"', zero_if_none=True) and "COALESCE" not in safe_sum('"s"')
