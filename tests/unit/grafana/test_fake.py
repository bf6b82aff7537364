"""The Grafana fake itself: Grafana's status codes and bodies, contract checks that fail bad requests,
conflict modes, fault injection, and thread-safe recording."""

from __future__ import annotations

import copy
import threading
from typing import Any

import httpx
import pytest

from tests.fakes.grafana import GrafanaFake
from tests.unit.grafana.conftest import needs_specs

DASHBOARD = {"uid": "d1", "title": "D1", "schemaVersion": 41, "templating": {"list": []}, "annotations": {"list": []}}


def call(
    fake: GrafanaFake, method: str, path: str, body: Any = None, *, token: str | None = None, anonymous: bool = False
) -> httpx.Response:
    headers = {} if anonymous else {"Authorization": f"Bearer {token or fake.token}"}
    return httpx.request(method, fake.base_url + path, json=body, headers=headers, timeout=5)


def test_auth(fake: GrafanaFake) -> None:
    assert call(fake, "GET", "/api/health", anonymous=True).json()["database"] == "ok"
    missing = call(fake, "GET", "/api/search", anonymous=True)
    assert missing.status_code == 401 and missing.json() == {"message": "Unauthorized"}
    wrong = call(fake, "GET", "/api/search", token="glsa_nope")
    assert wrong.status_code == 401 and wrong.json() == {"message": "Invalid API key"}
    assert call(fake, "GET", "/api/search").status_code == 200
    assert all(r.headers.get("Authorization") in (None, "Bearer ***") for r in fake.requests)


def test_roles(fake: GrafanaFake) -> None:
    viewer, editor = fake.add_token(role="Viewer"), fake.add_token(role="Editor")
    assert call(fake, "POST", "/api/folders", {"uid": "f", "title": "F"}, token=viewer).status_code == 403
    assert call(fake, "POST", "/api/folders", {"uid": "f", "title": "F"}, token=editor).status_code == 200
    assert call(fake, "GET", "/api/folders/f", token=viewer).status_code == 200
    datasource = {"name": "x", "type": "grafana-postgresql-datasource"}
    assert call(fake, "POST", "/api/datasources", datasource, token=editor).status_code == 403
    assert call(fake, "POST", "/api/datasources", datasource).status_code == 200


def test_service_account_tokens_work(fake: GrafanaFake) -> None:
    account = call(fake, "POST", "/api/serviceaccounts", {"name": "alice", "role": "Editor"})
    assert account.status_code == 201
    token = call(fake, "POST", f"/api/serviceaccounts/{account.json()['id']}/tokens", {"name": "t1"}).json()
    assert token["key"].startswith("glsa_")
    assert call(fake, "POST", "/api/folders", {"title": "A"}, token=token["key"]).status_code == 200
    call(fake, "DELETE", f"/api/serviceaccounts/{account.json()['id']}/tokens/{token['id']}")
    assert call(fake, "GET", "/api/search", token=token["key"]).status_code == 401
    assert call(fake, "POST", "/api/auth/keys", {"name": "k", "role": "Admin"}).status_code == 410


def test_dashboard_conflict_modes(fake: GrafanaFake) -> None:
    assert call(fake, "POST", "/api/folders", {"uid": "f", "title": "F"}).status_code == 200
    save = {"dashboard": DASHBOARD, "folderUid": "f", "overwrite": False}
    first = call(fake, "POST", "/api/dashboards/db", save)
    assert first.status_code == 200
    assert first.json() == {
        "id": first.json()["id"],
        "uid": "d1",
        "url": "/d/d1/d1",
        "status": "success",
        "version": 1,
        "slug": "d1",
        "folderUid": "f",
    }
    stale = call(fake, "POST", "/api/dashboards/db", {**save, "dashboard": {**DASHBOARD, "version": 0}})
    assert stale.status_code == 412 and stale.json()["status"] == "version-mismatch"
    current = call(fake, "POST", "/api/dashboards/db", {**save, "dashboard": {**DASHBOARD, "version": 1}})
    assert current.status_code == 200 and current.json()["version"] == 2
    twin = {**save, "dashboard": {**DASHBOARD, "uid": "d2"}}
    named = call(fake, "POST", "/api/dashboards/db", twin)
    assert named.status_code == 412 and named.json()["status"] == "name-exists"
    fake.conflict_mode = "newest"
    newest = call(fake, "POST", "/api/dashboards/db", {**save, "dashboard": {**DASHBOARD, "version": 0}})
    assert newest.status_code == 409
    assert newest.json()["message"] == "Dashboard already exists. Use overwrite flag to update."
    assert call(fake, "POST", "/api/dashboards/db", twin).status_code == 200  # titles need not be unique
    missing_folder = call(fake, "POST", "/api/dashboards/db", {**save, "folderUid": "nope", "overwrite": True})
    assert missing_folder.status_code == 400
    fake.conflict_mode = "legacy"
    assert call(fake, "POST", "/api/dashboards/db", {**save, "folderUid": "nope"}).status_code == 404
    assert fake.violations == []


def test_dashboard_validation_by_grafana_rules(fake: GrafanaFake) -> None:
    untitled = call(fake, "POST", "/api/dashboards/db", {"dashboard": {**DASHBOARD, "title": ""}, "overwrite": True})
    assert untitled.status_code == 400 and "title" in untitled.json()["message"]
    long_uid = call(fake, "POST", "/api/dashboards/db", {"dashboard": {**DASHBOARD, "uid": "u" * 41}})
    assert long_uid.status_code == 400 and "40" in long_uid.json()["message"]


@needs_specs
@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        ("/api/folders", {"uid": "f", "title": 5}, "request POST /folders"),
        (
            "/api/dashboards/db",
            {"dashboard": {"title": "no schemaVersion", "templating": {}, "annotations": {}}},
            "'schemaVersion' is a required property",
        ),
        (
            "/api/dashboards/db",
            {"dashboard": {**DASHBOARD, "panels": [{"type": "stat", "options": {"colorMode": "rainbow"}}]}},
            "'rainbow' is not one of",
        ),
        ("/api/dashboards/db", {"dashboard": {**DASHBOARD, "schemaVersion": 99}}, "newer than this Grafana"),
        (
            "/api/dashboards/db",
            {"dashboard": {**DASHBOARD, "panels": [{"type": "table", "gridPos": {"x": 0, "y": 0, "w": 30, "h": 2}}]}},
            "30 is greater than the maximum",
        ),
        (
            "/api/datasources",
            {"name": "x", "type": "grafana-postgresql-datasource", "database": "db"},
            "jsonData.database",
        ),
        ("/api/search?type=folders", None, "query type='folders'"),
    ],
)
def test_contract_violations_fail_the_request(fake: GrafanaFake, path: str, body: Any, expected: str) -> None:
    response = call(fake, "POST" if body is not None else "GET", path, body)
    assert response.status_code == 400
    assert expected in response.json()["message"]
    assert any(expected in violation for violation in fake.violations)
    fake.violations.clear()


@needs_specs
def test_responses_are_checked_too(fake: GrafanaFake) -> None:
    original = fake.state.get_folder
    fake.state.get_folder = lambda uid: (200, {"uid": 5})  # type: ignore[method-assign]
    try:
        assert call(fake, "GET", "/api/folders/x").status_code == 400
    finally:
        fake.state.get_folder = original  # type: ignore[method-assign]
    assert fake.violations and "response 200 GET /folders/{folder_uid}" in fake.violations[0]
    fake.violations.clear()


def test_datasources(fake: GrafanaFake) -> None:
    datasource = {
        "name": "pg",
        "uid": "pg",
        "type": "grafana-postgresql-datasource",
        "url": "h:5432",
        "jsonData": {"database": "db"},
        "secureJsonData": {"password": "pw"},
    }
    created = call(fake, "POST", "/api/datasources", datasource)
    assert created.json()["message"] == "Datasource added"
    assert created.json()["datasource"]["secureJsonFields"] == {"password": True}
    assert "pw" not in created.text
    assert call(fake, "POST", "/api/datasources", {**datasource, "uid": "other"}).status_code == 409
    assert call(fake, "POST", "/api/datasources", {**datasource, "name": "other"}).status_code == 409
    stale = call(fake, "PUT", "/api/datasources/uid/pg", {**datasource, "version": 7})
    assert stale.status_code == 409
    updated = call(fake, "PUT", "/api/datasources/uid/pg", {**datasource, "version": 1})
    assert updated.json()["datasource"]["version"] == 2
    assert call(fake, "GET", "/api/datasources/name/pg").json()["uid"] == "pg"
    health = call(fake, "GET", "/api/datasources/uid/pg/health")
    assert health.status_code == 400 and health.json()["status"] == "ERROR"
    assert call(fake, "DELETE", "/api/datasources/uid/pg").json()["message"] == "Data source deleted"
    assert call(fake, "GET", "/api/datasources/uid/pg").status_code == 404


def test_folder_delete_takes_its_dashboards(fake: GrafanaFake) -> None:
    call(fake, "POST", "/api/folders", {"uid": "f", "title": "F"})
    call(fake, "POST", "/api/dashboards/db", {"dashboard": DASHBOARD, "folderUid": "f"})
    hits = call(fake, "GET", "/api/search?folderUIDs=f&type=dash-db").json()
    assert [hit["uid"] for hit in hits] == ["d1"] and hits[0]["folderTitle"] == "F"
    deleted = call(fake, "DELETE", "/api/folders/f")
    assert deleted.json()["message"] == "Folder F deleted"
    assert call(fake, "GET", "/api/dashboards/uid/d1").status_code == 404


def test_fault_injection(fake: GrafanaFake) -> None:
    fault = fake.inject("/api/search", status=503, body={"message": "boom"}, times=2, method="GET")
    assert [call(fake, "GET", "/api/search").status_code for _ in range(3)] == [503, 503, 200]
    assert fault.hits == 2
    fake.inject("/api/search", status=200, body=b"\x00garbage")
    assert call(fake, "GET", "/api/search").content == b"\x00garbage"
    fake.state.database_failing = True
    health = call(fake, "GET", "/api/health", anonymous=True)
    assert health.status_code == 503 and health.json()["database"] == "failing"
    fake.down = True
    with pytest.raises(httpx.TransportError):
        call(fake, "GET", "/api/health", anonymous=True)
    fake.down = False
    fake.inject("/api/health", delay=0.3)
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(fake.base_url + "/api/health", timeout=0.1)


def test_recording_is_thread_safe(fake: GrafanaFake) -> None:
    def work() -> None:
        with httpx.Client(base_url=fake.base_url, headers={"Authorization": f"Bearer {fake.token}"}) as http:
            for _ in range(10):
                assert http.get("/api/search").status_code == 200

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recorded = fake.requests
    assert len(recorded) == 80 and all(r.status == 200 for r in recorded)
    snapshot = copy.copy(recorded)
    fake.clear_requests()
    assert len(snapshot) == 80 and fake.requests == []


def test_ds_query_runs_sql(fake: GrafanaFake) -> None:
    body = {
        "from": "now-1h",
        "to": "now",
        "queries": [{"refId": "A", "datasource": {"uid": "missing"}, "rawSql": "SELECT 1"}],
    }
    assert call(fake, "POST", "/api/ds/query", body).status_code == 404
