"""The fake's `/d/<uid>` page: real numbers from the reader role, Grafana's render signals and test ids."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.grafana.client import GrafanaClient
from core.grafana.introspect import describe_table
from core.grafana.provisioning import ensure_user_grafana
from core.grafana.templates import build_dashboard
from tests.fakes.grafana import GrafanaFake
from tests.integration.grafana import sample_tables
from tests.integration.grafana.conftest import ScratchUser

pytestmark = pytest.mark.db

TABLE = "page_paths"
NODE_HARNESS = Path(__file__).with_name("page_harness.js")


@pytest.fixture(scope="module")
def paths(scratch_user: ScratchUser) -> Iterator[list[dict[str, Any]]]:
    with scratch_user.owner_conn("timing") as conn:
        rows = sample_tables.load_timing_paths(conn, TABLE)
    yield rows
    with scratch_user.owner_conn("timing") as conn:
        conn.execute(f'DROP TABLE IF EXISTS "{TABLE}"')


@pytest.fixture
def saved(grafana_fake: GrafanaFake, scratch_user: ScratchUser, paths: list[dict[str, Any]]) -> dict[str, Any]:
    with GrafanaClient(grafana_fake.base_url, grafana_fake.token, max_attempts=1) as client:
        setup = ensure_user_grafana(
            client,
            username=scratch_user.username,
            db_host=scratch_user.host,
            db_port=scratch_user.port,
            grafana_db_password=scratch_user.reader_password,
            server_version_num=scratch_user.server_version_num,
        )
        with scratch_user.reader_conn("timing") as conn:
            info = describe_table(conn, TABLE)
        dashboard = build_dashboard(
            "timing", info, username=scratch_user.username, datasource_uid=setup.datasource_uids["timing"]
        )
        result = client.save_dashboard(dashboard, folder_uid=setup.folder_uid)
    return {"dashboard": dashboard, "url": result.url, "setup": setup}


def _get(fake: GrafanaFake, path: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(fake.base_url + path, headers=headers, follow_redirects=False, timeout=10)


def _template(page: str, panel_id: int) -> str:
    match = re.search(rf'<template data-panel="body-panel-{panel_id}">(.*?)</template>', page, re.S)
    assert match, f"panel {panel_id} missing"
    return match.group(1)


def _panel_id(dashboard: dict[str, Any], title: str) -> int:
    return next(p["id"] for p in dashboard["panels"] if p["title"] == title)


def test_page_draws_real_figures_without_errors(
    grafana_fake: GrafanaFake, saved: dict[str, Any], paths: list[dict[str, Any]]
) -> None:
    response = _get(grafana_fake, saved["url"] + "?kiosk&theme=light", grafana_fake.token)
    assert response.status_code == 200
    page = response.text
    panels = [p for p in saved["dashboard"]["panels"] if p["type"] != "row"]
    assert "window.__grafanaSceneContext = {" in page
    assert f"window.__grafanaRunningQueryCount = {len(panels)};" in page
    assert "Panel status error" not in page
    assert 'class="sidemenu"' not in page  # kiosk hides the navigation
    setup_slacks = [r["slack"] for r in paths if r["path_type"] == "max" and r["slack"] is not None]
    wns = _template(page, _panel_id(saved["dashboard"], "Setup WNS"))
    assert float(re.search(r'data-value="([^"]+)"', wns).group(1)) == pytest.approx(min(setup_slacks))  # type: ignore[union-attr]
    worst = _template(page, _panel_id(saved["dashboard"], "Worst 20 paths (setup)"))
    assert worst.count("<tr>") == 21  # header + 20 paths
    for panel in panels:
        assert f'data-testid="data-testid Panel header {panel["title"]}"' in page


def test_page_marks_a_failing_panel(grafana_fake: GrafanaFake, saved: dict[str, Any]) -> None:
    dashboard = json.loads(json.dumps(saved["dashboard"]))
    dashboard["uid"] = "broken-panel"
    dashboard["title"] = "broken"
    dashboard["panels"][1]["targets"][0]["rawSql"] = "SELECT count(*) FROM table_that_is_not_there"
    with GrafanaClient(grafana_fake.base_url, grafana_fake.token, max_attempts=1) as client:
        client.save_dashboard(dashboard, folder_uid=saved["setup"].folder_uid)
    page = _get(grafana_fake, "/d/broken-panel", grafana_fake.token).text
    assert page.count('data-testid="data-testid Panel status error"') == 1
    assert "table_that_is_not_there" in _template(page, dashboard["panels"][1]["id"])
    assert 'class="sidemenu"' in page


def test_page_needs_the_token(grafana_fake: GrafanaFake, saved: dict[str, Any]) -> None:
    for token in (None, "glsa_not_a_real_token"):
        response = _get(grafana_fake, saved["url"], token)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    assert _get(grafana_fake, "/d/no-such-dashboard", grafana_fake.token).status_code == 404


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed; it runs the page script")
def test_running_query_count_falls_to_zero(grafana_fake: GrafanaFake, saved: dict[str, Any]) -> None:
    page = _get(grafana_fake, saved["url"], grafana_fake.token).text
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)  # type: ignore[union-attr]
    bodies = re.findall(r'<template data-panel="([^"]+)">', page)
    run = subprocess.run(
        ["node", str(NODE_HARNESS), json.dumps({"script": script, "bodies": bodies})],
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    )
    report = json.loads(run.stdout)
    assert report["scene"] is True
    assert report["initial"] == len(bodies) > 0
    assert report["midway"] > 0  # still counting while panels appear one by one
    assert report["final"] == 0
    assert report["filled"] == len(bodies)


def test_ds_query_runs_panel_sql_as_the_datasource(grafana_fake: GrafanaFake, saved: dict[str, Any]) -> None:
    uid = saved["setup"].datasource_uids["timing"]
    wns = next(p for p in saved["dashboard"]["panels"] if p["title"] == "Setup WNS")
    query = {"refId": "A", "datasource": {"uid": uid, "type": "grafana-postgresql-datasource"}, "format": "table"}
    body = {"from": "now-7d", "to": "now", "queries": [{**query, "rawSql": wns["targets"][0]["rawSql"]}]}
    answer = httpx.post(
        grafana_fake.base_url + "/api/ds/query", json=body, headers={"Authorization": f"Bearer {grafana_fake.token}"}
    )
    assert answer.status_code == 200
    frame = answer.json()["results"]["A"]["frames"][0]
    assert frame["schema"]["fields"] == [{"name": "WNS"}]
    assert isinstance(frame["data"]["values"][0][0], float)

    body["queries"] = [{**query, "rawSql": "SELECT * FROM missing_table WHERE $__timeFilter(x)"}]
    failed = httpx.post(
        grafana_fake.base_url + "/api/ds/query", json=body, headers={"Authorization": f"Bearer {grafana_fake.token}"}
    )
    assert failed.status_code == 400
    assert "missing_table" in failed.json()["results"]["A"]["error"]
