"""The runs overview dashboard: saved after each ingest, every panel's SQL runs as the Grafana reader,
and its figures match what the report files say."""

from __future__ import annotations

import dataclasses
import re

import psycopg
import pytest

from core import credentials, users
from core.authz import Actor
from core.db.provisioning import grafana_role
from core.grafana.client import GrafanaClient
from core.grafana.steps import GrafanaProvisioner
from core.grafana.templates.runs_overview import runs_overview_uid
from core.ingest.load.for_user import ingest_for_user
from core.registration import register
from tests.conftest import shared_path
from tests.fakes.grafana import GrafanaFake

pytestmark = [pytest.mark.db, pytest.mark.samples]


def _setup_max_slacks(text: str) -> list[float]:
    """Independent of the parser: the slack line of every `Path Type: max` block."""
    slacks, path_type = [], None
    for line in text.splitlines():
        if line.startswith("Path Type:"):
            path_type = line.split(":", 1)[1].strip()
        match = re.match(r"\s*(-?\d+\.\d+)\s+slack \((MET|VIOLATED)\)", line)
        if match and path_type == "max":
            slacks.append(float(match.group(1)))
    return slacks


def test_overview_follows_ingested_runs(core_ctx, unique_username) -> None:
    timing = shared_path("eda-samples", "opensta_report_checks", "opensta_min_max_delays.ok")
    metrics = shared_path("eda-samples", "orfs_metrics", "nangate45_gcd_metadata-base-ok_2025-02.json")
    with GrafanaFake(render_delay_ms=5) as fake:
        client = GrafanaClient(fake.base_url, fake.token, max_attempts=1)
        ctx = dataclasses.replace(core_ctx, grafana=GrafanaProvisioner(client, core_ctx.server), grafana_client=client)
        name = unique_username()
        register(ctx, username=name, slack_user_id=None, actor=Actor.cli())

        ingest_for_user(ctx, name, timing)
        first = fake.dashboard(runs_overview_uid(name))
        assert first is not None
        titles = [p["title"] for p in first["panels"] if p["type"] != "row"]
        assert titles == ["WNS per run", "TNS per run"], "only kinds with runs get panels"

        ingest_for_user(ctx, name, metrics)
        board = fake.dashboard(runs_overview_uid(name))
        assert board is not None
        panels = [p for p in board["panels"] if p["type"] != "row"]
        assert [p["title"] for p in panels] == ["WNS per run", "TNS per run", "Area per run", "Power per run"]
        assert fake.violations == []

        with ctx.db.session() as s:
            password = credentials.get(s, ctx.cipher, users.require(s, name), "GRAFANA_DB_PASSWORD")
        assert password is not None
        results = {}
        for panel in panels:
            kind = panel["datasource"]["uid"].rsplit("-", 1)[1]
            url = ctx.server.url_for(f"{name}_{kind}", user=grafana_role(name), password=password)
            with psycopg.connect(url) as conn:
                results[panel["title"]] = conn.execute(panel["targets"][0]["rawSql"]).fetchall()
        client.close()
    wns = [row[2] for row in results["WNS per run"]]
    assert wns == [pytest.approx(min(_setup_max_slacks(timing.read_text())))]
    assert len(results["Area per run"]) >= 1 and results["Area per run"][0][2] is not None
