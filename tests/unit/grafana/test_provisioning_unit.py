"""Names and payloads of the per-user Grafana objects (no Grafana needed)."""

from __future__ import annotations

import pytest

from core.grafana.client import DatasourceHealth
from core.grafana.provisioning import (
    GrafanaSetup,
    datasource_payload,
    datasource_uid,
    folder_uid,
    postgres_version,
)


@pytest.mark.parametrize(
    ("num", "version"), [(150020, 1500), (180000, 1800), (100005, 1000), (90624, 906), (90300, 903), (160004, 1600)]
)
def test_postgres_version(num: int, version: int) -> None:
    assert postgres_version(num) == version


def test_names_follow_the_spec() -> None:
    assert folder_uid("alice") == "edabot-alice"
    assert datasource_uid("alice", "timing") == "edabot-alice-timing"


def test_long_usernames_still_give_valid_distinct_uids() -> None:
    name = "a" * 31
    uids = {datasource_uid(name, kind) for kind in ("timing", "qor", "drc")}
    assert len(uids) == 3 and all(len(uid) <= 40 for uid in uids)
    assert datasource_uid(name, "qor") == datasource_uid(name, "qor")
    assert datasource_uid(name, "qor") != datasource_uid("a" * 30 + "b", "qor")
    assert len(folder_uid(name)) <= 40


def test_payload() -> None:
    payload = datasource_payload(
        username="alice", kind="qor", db_host="db.lan", db_port=5433, server_version_num=150004
    )
    assert payload["uid"] == payload["name"] == "edabot-alice-qor"
    assert payload["type"] == "grafana-postgresql-datasource"
    assert payload["url"] == "db.lan:5433"
    assert payload["user"] == "alice_grafana"
    assert "database" not in payload  # top-level database breaks Grafana's frontend (grafana#132582)
    assert payload["jsonData"]["database"] == "alice_qor"
    assert payload["jsonData"]["sslmode"] == "prefer", "GRAFANA_DB_SSLMODE's default (SPEC)"
    assert payload["jsonData"]["postgresVersion"] == 1500
    assert "secureJsonData" not in payload
    ipv6 = datasource_payload(username="alice", kind="qor", db_host="::1", db_port=5432, server_version_num=150004)
    assert ipv6["url"] == "[::1]:5432"


def test_payload_carries_the_configured_sslmode() -> None:
    for mode in ("disable", "allow", "require", "verify-ca", "verify-full"):
        payload = datasource_payload(
            username="alice", kind="drc", db_host="db.lan", db_port=5432, server_version_num=150004, sslmode=mode
        )
        assert payload["jsonData"]["sslmode"] == mode


def test_setup_health_summary() -> None:
    ok, bad = DatasourceHealth(True, "Database Connection OK"), DatasourceHealth(False, "refused")
    assert GrafanaSetup("f", {}, health={"timing": ok}).healthy
    assert not GrafanaSetup("f", {}, health={"timing": ok, "qor": bad}).healthy
    assert not GrafanaSetup("f", {}).changed
