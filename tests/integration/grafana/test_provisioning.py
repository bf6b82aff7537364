"""Per-user Grafana setup against the fake, whose datasource health really connects to PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.grafana.client import GrafanaClient
from core.grafana.provisioning import (
    datasource_payload,
    ensure_user_grafana,
    postgres_version,
    remove_user_grafana,
)
from core.grafana.templates.panels import POSTGRES_TYPE
from tests.fakes.grafana import GrafanaFake
from tests.integration.grafana.conftest import KINDS, ScratchUser

pytestmark = pytest.mark.db

WRITES = ("POST", "PUT", "DELETE", "PATCH")


@pytest.fixture
def client(grafana_fake: GrafanaFake) -> Iterator[GrafanaClient]:
    with GrafanaClient(grafana_fake.base_url, grafana_fake.token, max_attempts=1) as grafana:
        yield grafana


def _ensure(client: GrafanaClient, user: ScratchUser, **overrides: object):  # type: ignore[no-untyped-def]
    arguments = {
        "username": user.username,
        "db_host": user.host,
        "db_port": user.port,
        "grafana_db_password": user.reader_password,
        "server_version_num": user.server_version_num,
        **overrides,
    }
    return ensure_user_grafana(client, **arguments)  # type: ignore[arg-type]


def test_creates_folder_and_three_healthy_datasources(
    grafana_fake: GrafanaFake, client: GrafanaClient, scratch_user: ScratchUser
) -> None:
    setup = _ensure(client, scratch_user)
    name = scratch_user.username
    assert setup.folder_uid == f"edabot-{name}"
    assert client.get_folder(setup.folder_uid)["title"] == f"edabot-{name}"
    assert set(setup.datasource_uids) == set(KINDS)
    for kind in KINDS:
        uid = f"edabot-{name}-{kind}"
        assert setup.datasource_uids[kind] == uid
        stored = client.get_datasource(uid)
        assert stored["name"] == uid
        assert stored["type"] == POSTGRES_TYPE
        assert stored["url"] == f"{scratch_user.host}:{scratch_user.port}"
        assert stored["user"] == f"{name}_grafana"
        assert stored["jsonData"]["database"] == f"{name}_{kind}"
        assert stored["jsonData"]["sslmode"] == "prefer"  # GRAFANA_DB_SSLMODE's default
        assert stored["jsonData"]["postgresVersion"] == postgres_version(scratch_user.server_version_num)
        assert stored["secureJsonFields"] == {"password": True}
        assert "password" not in str(stored["jsonData"])
        assert grafana_fake.datasource_password(uid) == scratch_user.reader_password
    assert setup.healthy, setup.health
    assert {check.message for check in setup.health.values()} == {"Database Connection OK"}


def test_second_run_changes_nothing(
    grafana_fake: GrafanaFake, client: GrafanaClient, scratch_user: ScratchUser
) -> None:
    _ensure(client, scratch_user)
    grafana_fake.clear_requests()
    again = _ensure(client, scratch_user)
    assert again.changes == ()
    assert [r for r in grafana_fake.requests if r.method in WRITES] == []


def test_deleted_datasource_is_recreated(
    grafana_fake: GrafanaFake, client: GrafanaClient, scratch_user: ScratchUser
) -> None:
    setup = _ensure(client, scratch_user)
    client.delete_datasource(setup.datasource_uids["qor"])
    repaired = _ensure(client, scratch_user)
    assert repaired.changes == (f"created datasource {setup.datasource_uids['qor']}",)
    assert client.datasource_health(setup.datasource_uids["qor"]).ok


def test_drifted_datasource_is_updated_keeping_human_settings(
    grafana_fake: GrafanaFake, client: GrafanaClient, scratch_user: ScratchUser
) -> None:
    setup = _ensure(client, scratch_user)
    uid = setup.datasource_uids["drc"]
    drifted = datasource_payload(
        username=scratch_user.username, kind="drc", db_host="10.0.0.9", db_port=6543, server_version_num=90624
    )
    drifted["jsonData"]["timeInterval"] = "5m"  # a setting a human added in the UI
    client.update_datasource(uid, drifted)
    repaired = _ensure(client, scratch_user)
    assert len(repaired.changes) == 1 and repaired.changes[0].startswith(f"updated datasource {uid} (url")
    stored = client.get_datasource(uid)
    assert stored["url"] == f"{scratch_user.host}:{scratch_user.port}"
    assert stored["jsonData"]["postgresVersion"] == postgres_version(scratch_user.server_version_num)
    assert stored["jsonData"]["timeInterval"] == "5m"
    assert repaired.healthy


def test_removal_removes_everything_and_tolerates_absence(
    grafana_fake: GrafanaFake, client: GrafanaClient, scratch_user: ScratchUser
) -> None:
    setup = _ensure(client, scratch_user)
    dashboard = {
        "uid": "doomed",
        "title": "doomed",
        "schemaVersion": 41,
        "templating": {"list": []},
        "annotations": {"list": []},
        "panels": [],
    }
    client.save_dashboard(dashboard, folder_uid=setup.folder_uid)
    removed = remove_user_grafana(client, scratch_user.username)
    assert "deleted dashboard doomed" in removed
    assert f"deleted folder {setup.folder_uid}" in removed
    assert grafana_fake.state.datasources == {}
    assert grafana_fake.state.folders == {}
    assert grafana_fake.state.dashboards == {}
    assert remove_user_grafana(client, scratch_user.username) == ()


def test_health_really_connects_with_the_datasource_credentials(
    grafana_fake: GrafanaFake, client: GrafanaClient, scratch_user: ScratchUser
) -> None:
    good = datasource_payload(
        username=scratch_user.username,
        kind="timing",
        db_host=scratch_user.host,
        db_port=scratch_user.port,
        server_version_num=scratch_user.server_version_num,
    )
    secure = {"secureJsonData": {"password": scratch_user.reader_password}}
    client.create_datasource({**good, **secure})
    assert client.datasource_health(good["uid"]).ok

    wrong_role = {**good, **secure, "uid": "wrong-role", "name": "wrong-role", "user": "no_such_role_here"}
    client.create_datasource(wrong_role)
    check = client.datasource_health("wrong-role")
    assert not check.ok and "no_such_role_here" in check.message

    nobody_listens = {**good, **secure, "uid": "wrong-port", "name": "wrong-port", "url": f"{scratch_user.host}:1"}
    client.create_datasource(nobody_listens)
    check = client.datasource_health("wrong-port")
    assert not check.ok and "refused" in check.message.lower()
