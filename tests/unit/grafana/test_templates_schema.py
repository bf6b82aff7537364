"""Every template, on canonical and hostile tables, yields a dashboard Grafana accepts as is."""

from __future__ import annotations

import json
import re
from itertools import combinations
from typing import Any

import jsonschema
import pytest

from core.grafana.introspect import TableInfo, classify
from core.grafana.templates import build_dashboard, dashboard_uid
from core.grafana.templates.panels import POSTGRES_TYPE
from core.pipeline.publish import MAX_FIGURES
from tests.fakes.grafana.contract import DASHBOARD_SCHEMA, GrafanaContract, default_spec_dir, strict_panel_validators
from tests.unit.grafana.conftest import needs_specs
from tests.unit.grafana.tables import CANONICAL, HOSTILE, TIMING_PATHS, TIMING_SUMMARY, table

CASES: list[tuple[str, TableInfo]] = [(kind, t) for kind, tables in CANONICAL.items() for t in tables]
CASES += [("generic", t) for t in HOSTILE]
CASES += [("generic", t) for tables in CANONICAL.values() for t in tables]
IDS = [f"{kind}-{t.name[:20]}-{len(t.columns)}cols" for kind, t in CASES]


def build(kind: str, info: TableInfo) -> dict[str, Any]:
    database_kind = "qor" if kind == "generic" else kind
    return build_dashboard(kind, info, username="alice", datasource_uid="edabot-alice-x", database_kind=database_kind)


@pytest.fixture(scope="module")
def contract() -> GrafanaContract:
    return GrafanaContract(default_spec_dir())


@needs_specs
@pytest.mark.parametrize(("kind", "info"), CASES, ids=IDS)
def test_dashboard_validates_against_grafana_schemas(kind: str, info: TableInfo, contract: GrafanaContract) -> None:
    dashboard = build(kind, info)
    schema = json.loads((default_spec_dir() / DASHBOARD_SCHEMA).read_text())
    jsonschema.Draft7Validator(schema).validate(dashboard)
    assert contract.check_dashboard(dashboard) == []
    strict = strict_panel_validators(default_spec_dir())
    for panel in dashboard["panels"]:
        if panel["type"] in strict:
            strict[panel["type"]].validate(panel["options"])  # every option spelled out, nothing unknown


@pytest.mark.parametrize(("kind", "info"), CASES, ids=IDS)
def test_dashboard_shape(kind: str, info: TableInfo) -> None:
    dashboard = build(kind, info)
    json.dumps(dashboard, allow_nan=False)
    database_kind = "qor" if kind == "generic" else kind
    assert dashboard["uid"] == dashboard_uid("alice", database_kind, info)
    assert dashboard["preload"] is True
    assert dashboard["schemaVersion"] == 41
    assert dashboard["tags"][:3] == ["edabot", kind, "alice"]
    assert dashboard["templating"] == {"list": []}
    assert info.display_name in dashboard["title"]

    panels = dashboard["panels"]
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids))
    titles = [p["title"] for p in panels if p["type"] != "row"]
    assert len(titles) == len(set(titles)), "panel titles identify panels in captures and tests"
    boxes = []
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24 and grid["h"] > 0
        boxes.append((grid["x"], grid["y"], grid["x"] + grid["w"], grid["y"] + grid["h"]))
    for a, b in combinations(boxes, 2):
        assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], f"panels overlap: {a} {b}"

    data_panels = [p for p in panels if p["type"] != "row"]
    assert data_panels, "a dashboard without panels shows nothing"
    for panel in data_panels:
        assert panel["datasource"] == {"type": POSTGRES_TYPE, "uid": "edabot-alice-x"}
        (target,) = panel["targets"]
        assert target["datasource"] == panel["datasource"]
        assert target["rawQuery"] is True and target["editorMode"] == "code"
        assert target["format"] == ("time_series" if panel["type"] == "timeseries" else "table")
        leftover = re.sub(r"\$__time(From|To)\(\)", "", target["rawSql"])
        assert "$" not in leftover and "[[" not in leftover, "Grafana would interpolate this"
        assert "$" not in panel["title"]


def test_title_and_uid_keep_same_named_tables_of_two_databases_apart() -> None:
    info = table("results", ("a", "integer"))
    timing = build_dashboard("generic", info, username="alice", datasource_uid="d1", database_kind="timing")
    qor = build_dashboard("generic", info, username="alice", datasource_uid="d2", database_kind="qor")
    assert timing["uid"] != qor["uid"]
    assert timing["title"] != qor["title"]
    assert "timing" in timing["tags"] and "qor" in qor["tags"]


def test_template_that_does_not_fit_is_refused() -> None:
    with pytest.raises(ValueError, match="lacks the columns of a qor table"):
        build_dashboard("qor", table("t", ("a", "integer")), username="alice", datasource_uid="d")
    with pytest.raises(ValueError, match="database_kind"):
        build_dashboard("generic", table("t", ("a", "integer")), username="alice", datasource_uid="d")
    with pytest.raises(ValueError, match="unknown dashboard kind"):
        build_dashboard("power", table("t", ("a", "integer")), username="alice", datasource_uid="d")


def test_rule_checks_only_with_a_usable_rules_table() -> None:
    from tests.unit.grafana.tables import QOR_METRICS

    with_rules = [p["title"] for p in build("qor", QOR_METRICS)["panels"]]
    assert "Rule checks" in with_rules and "Failing rules" in with_rules
    text_threshold = table("qor_rules", ("metric_key", "text"), ("threshold", "text"), ("compare", "text"))
    odd = TableInfo(QOR_METRICS.schema, QOR_METRICS.name, QOR_METRICS.columns, related=(text_threshold,))
    assert classify(odd) == "qor"
    assert "Rule checks" not in [p["title"] for p in build("qor", odd)["panels"]]


@pytest.mark.parametrize("info", [TIMING_PATHS, TIMING_SUMMARY], ids=["paths", "summary"])
def test_a_timing_table_with_a_clock_period_shows_it_next_to_the_slack(info: TableInfo) -> None:
    # The figure REGRESSION_THRESHOLDS' wns_period is a share of (core.comparison.regressions).
    stats = {p["title"]: p for p in build("timing", info)["panels"] if p["type"] == "stat"}
    period = stats["Clock period"]
    assert period["fieldConfig"]["defaults"]["unit"] == "ns"
    assert "min(" in period["targets"][0]["rawSql"] and '"clock_period"' in period["targets"][0]["rawSql"]
    assert len(stats) <= MAX_FIGURES, "every stat reaches the message"
    without = table(info.name, *((c.name, c.pg_type) for c in info.columns if c.name != "clock_period"))
    assert "Clock period" not in {p["title"] for p in build("timing", without)["panels"]}
