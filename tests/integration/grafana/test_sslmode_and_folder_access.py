"""GRAFANA_DB_SSLMODE reaches the datasources Grafana uses, and the capture account can view each folder."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from core.grafana.client import GrafanaClient
from core.grafana.provisioning import ensure_user_grafana
from tests.fakes.grafana import GrafanaFake
from tests.integration.grafana.conftest import KINDS, ScratchUser

pytestmark = pytest.mark.db
EMPTY_DASHBOARD = {
    "uid": "iso-dash",
    "title": "Isolation",
    "schemaVersion": 41,
    "panels": [],
    "templating": {"list": []},
    "annotations": {"list": []},
}


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


def test_created_datasources_carry_the_configured_sslmode_and_still_connect(
    grafana_fake: GrafanaFake, client: GrafanaClient, scratch_user: ScratchUser
) -> None:
    # `allow` against the test server (no TLS): the fake connects as Grafana would, with that sslmode.
    setup = _ensure(client, scratch_user, sslmode="allow")

    for kind in KINDS:
        stored = grafana_fake.datasource(f"edabot-{scratch_user.username}-{kind}")
        assert stored is not None and stored["jsonData"]["sslmode"] == "allow"
    assert setup.healthy, setup.health


def test_a_changed_sslmode_is_applied_to_existing_datasources(
    grafana_fake: GrafanaFake, client: GrafanaClient, scratch_user: ScratchUser
) -> None:
    _ensure(client, scratch_user, sslmode="prefer")

    setup = _ensure(client, scratch_user, sslmode="verify-full", verify=False)

    assert any("jsonData.sslmode" in change for change in setup.changes), setup.changes
    for kind in KINDS:
        stored = grafana_fake.datasource(f"edabot-{scratch_user.username}-{kind}")
        assert stored is not None and stored["jsonData"]["sslmode"] == "verify-full"


def _page(fake: GrafanaFake, uid: str, token: str) -> int:
    return httpx.get(f"{fake.base_url}/d/{uid}?kiosk", headers={"Authorization": f"Bearer {token}"}).status_code


def test_capture_account_gets_view_on_a_folder_hidden_from_viewers(
    grafana_fake: GrafanaFake, client: GrafanaClient, scratch_user: ScratchUser
) -> None:
    account = client.create_service_account("edabot-capture", role="Viewer")
    viewer = client.create_service_account_token(account["id"], "capture").key.reveal()
    setup = _ensure(client, scratch_user, verify=False)
    folder = setup.folder_uid
    client.save_dashboard(EMPTY_DASHBOARD, folder_uid=folder)
    assert _page(grafana_fake, "iso-dash", viewer) == 200, "Grafana's default: the Viewer role views new folders"

    # An administrator hides the folder from viewers, keeping the editors' entry.
    client.set_folder_permissions(folder, [{"role": "Editor", "permission": 2}])
    assert _page(grafana_fake, "iso-dash", viewer) == 403

    repaired = _ensure(client, scratch_user, verify=False, capture_account_id=account["id"])

    assert any("capture service account" in change for change in repaired.changes)
    assert _page(grafana_fake, "iso-dash", viewer) == 200
    entries = client.get_folder_permissions(folder)
    assert {(e.get("role") or None, e.get("userId") or None, e["permission"]) for e in entries} == {
        ("Editor", None, 2),
        (None, account["id"], 1),
    }, "the editors' entry is kept; the capture account alone gets View"
    assert not any(
        "capture" in change
        for change in _ensure(client, scratch_user, verify=False, capture_account_id=account["id"]).changes
    )
