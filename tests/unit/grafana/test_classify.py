"""Which template a table gets, from its columns alone."""

from __future__ import annotations

import pytest

from core.grafana.introspect import classify
from tests.unit.grafana.tables import CANONICAL, HOSTILE, table


@pytest.mark.parametrize(
    ("kind", "info"), [(k, t) for k, ts in CANONICAL.items() for t in ts], ids=lambda v: str(v)[:30]
)
def test_canonical_tables(kind: str, info: object) -> None:
    assert classify(info) == kind  # type: ignore[arg-type]


@pytest.mark.parametrize("info", HOSTILE, ids=lambda t: t.name[:20])
def test_everything_else_is_generic(info: object) -> None:
    assert classify(info) == "generic"  # type: ignore[arg-type]


def test_types_matter_not_just_names() -> None:
    assert classify(table("t", ("endpoint", "text"), ("slack", "text"))) == "generic"
    assert classify(table("t", ("slack", "double precision"))) == "generic"  # a lone number is no path report
    assert classify(table("t", ("metric", "text"), ("value_num", "text"))) == "generic"
    assert classify(table("t", ("rule", "text"))) == "generic"
    assert classify(table("t", ("rule", "text"), ("count", "bigint"))) == "drc"
    assert classify(table("t", ("setup_wns", "numeric"))) == "timing"
