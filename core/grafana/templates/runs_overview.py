"""The per-user "runs overview": WNS, TNS, area, power and DRC count per ingested run over time, one
line per design, with rule thresholds drawn where a rules file was ingested.

Each figure lives in the database of its kind (timing, QoR, DRC), so each panel uses that database's
datasource; a panel is only added once its database has ingested runs (the `eda` schema exists).
"""

from __future__ import annotations

import hashlib
from typing import Any

from core.grafana.templates.dashboard import dashboard_model
from core.grafana.templates.panels import PanelGrid, timeseries

RUN_TIME = "COALESCE(r.started_at, r.ingested_at)"
DESIGN = "COALESCE(r.design, '(unnamed)')"


def runs_overview_uid(username: str) -> str:
    digest = hashlib.sha1(username.encode()).hexdigest()[:8]  # noqa: S324 - an identifier, not security
    return f"edabot-runs-{username[:18]}-{digest}"


def _series(value_sql: str, kind: str) -> str:
    return (
        f'SELECT {RUN_TIME} AS "time", {DESIGN} AS metric, ({value_sql}) AS value '
        f"FROM eda.eda_runs r WHERE r.kind = '{kind}' ORDER BY 1"
    )


def _with_rule(series_sql: str, metric_pattern: str) -> str:
    """The metric's series plus, where a rules file gave a threshold for it, the limit as a line."""
    limit = (
        f"SELECT {RUN_TIME} AS \"time\", 'limit' AS metric, "
        f"(SELECT q.threshold FROM eda.qor_rules q WHERE q.metric_key LIKE '{metric_pattern}' "
        "AND q.threshold IS NOT NULL ORDER BY q.run_id DESC LIMIT 1) AS value "
        "FROM eda.eda_runs r WHERE r.kind = 'qor'"
    )
    return (
        f"SELECT * FROM ({series_sql}) AS s UNION ALL SELECT * FROM ({limit}) AS l WHERE value IS NOT NULL ORDER BY 1"
    )


WNS = (
    "COALESCE((SELECT min(s.setup_wns) FROM eda.timing_summary s WHERE s.run_id = r.run_id), "
    "(SELECT min(p.slack) FROM eda.timing_paths p WHERE p.run_id = r.run_id AND p.path_type IS DISTINCT FROM 'min'))"
)
TNS = (
    "COALESCE((SELECT min(s.setup_tns) FROM eda.timing_summary s WHERE s.run_id = r.run_id), "
    "(SELECT sum(LEAST(p.slack, 0)) FROM eda.timing_paths p WHERE p.run_id = r.run_id "
    "AND p.path_type IS DISTINCT FROM 'min'))"
)
AREA = (
    "SELECT max(m.value_num) FROM eda.qor_metrics m WHERE m.run_id = r.run_id AND m.metric = 'design__instance__area'"
)
POWER = (
    "COALESCE((SELECT max(m.value_num) FROM eda.qor_metrics m WHERE m.run_id = r.run_id "
    "AND m.metric LIKE 'power__total%'), "
    "(SELECT max(w.total_w) FROM eda.power_summary w WHERE w.run_id = r.run_id AND lower(w.grp) = 'total'))"
)
DRC_COUNT = (
    "COALESCE((SELECT sum(d.count) FROM eda.drc_summary d WHERE d.run_id = r.run_id), "
    "(SELECT count(*) FROM eda.drc_violations v WHERE v.run_id = r.run_id))"
)


def build_runs_overview(username: str, datasources: dict[str, str]) -> dict[str, Any]:
    """`datasources`: kind -> datasource uid, only for the databases that hold ingested runs."""
    grid = PanelGrid()
    if "timing" in datasources:
        ds = datasources["timing"]
        grid.row("Timing")
        grid.add(timeseries("WNS per run", _series(WNS, "timing"), ds, unit="ns"), w=12, h=8)
        grid.add(timeseries("TNS per run", _series(TNS, "timing"), ds, unit="ns"), w=12, h=8)
    if "qor" in datasources:
        ds = datasources["qor"]
        grid.row("QoR")
        grid.add(timeseries("Area per run", _with_rule(_series(AREA, "qor"), "design__instance__area%"), ds), w=12, h=8)
        grid.add(
            timeseries("Power per run", _with_rule(_series(POWER, "qor"), "power__total%"), ds, unit="watt"), w=12, h=8
        )
    if "drc" in datasources:
        grid.row("DRC")
        grid.add(timeseries("DRC violations per run", _series(DRC_COUNT, "drc"), datasources["drc"]), w=24, h=8)
    return dashboard_model(
        uid=runs_overview_uid(username),
        title=f"Runs overview · {username}",
        tags=["edabot", "runs", username],
        description="Every ingested run: WNS, TNS, area, power and DRC count over time, one line per design.",
        panels=grid.panels,
    )
