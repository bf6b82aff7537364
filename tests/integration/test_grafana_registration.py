"""Registration and deletion with their Grafana steps, and the doctor checks, against the Grafana fake."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.config import load_settings
from bot.doctor import run_checks
from core import registration
from core.authz import Actor
from core.grafana.client import GrafanaClient
from core.grafana.steps import GrafanaProvisioner
from tests.conftest import REPO
from tests.fakes.grafana import GrafanaFake
from tests.fakes.slack import SlackSimulator

pytestmark = pytest.mark.db
WRITES = ("POST", "PUT", "DELETE", "PATCH")


@pytest.fixture
def fake() -> Iterator[GrafanaFake]:
    with GrafanaFake(render_delay_ms=5) as grafana:
        yield grafana
        assert grafana.violations == []


@pytest.fixture
def ctx(core_ctx, fake: GrafanaFake):  # type: ignore[no-untyped-def]
    client = GrafanaClient(fake.base_url, fake.token, max_attempts=1)
    yield dataclasses.replace(core_ctx, grafana=GrafanaProvisioner(client, core_ctx.server), grafana_client=client)
    client.close()


def test_registration_creates_folder_and_healthy_datasources_and_deletion_removes_them(
    ctx, fake: GrafanaFake, unique_username
) -> None:
    name = unique_username()
    notes: list[str] = []

    def on_progress(progress) -> None:  # type: ignore[no-untyped-def]
        notes[:] = [s.note for s in progress.steps if s.key == "grafana"]

    registration.register(ctx, username=name, slack_user_id=None, actor=Actor.cli(), on_progress=on_progress)
    assert "folder `edabot-" in notes[0] and "3 datasources" in notes[0] and "health" not in notes[0]
    for kind in ("timing", "qor", "drc"):
        stored = fake.datasource(f"edabot-{name}-{kind}")
        assert stored is not None and stored["user"] == f"{name}_grafana"
        assert ctx.grafana_client.datasource_health(f"edabot-{name}-{kind}").ok, "Grafana really connects"

    # Running the Grafana step again changes nothing.
    fake.clear_requests()
    from core.credentials import get
    from core.users import require

    with ctx.db.session() as s:
        password = get(s, ctx.cipher, require(s, name), "GRAFANA_DB_PASSWORD")
    assert password is not None
    assert "already in place" in ctx.grafana.ensure_user(username=name, grafana_db_password=password)
    assert [r for r in fake.requests if r.method in WRITES] == []

    registration.delete(ctx, username=name, drop_data=True, actor=Actor.cli())
    assert all(fake.datasource(f"edabot-{name}-{k}") is None for k in ("timing", "qor", "drc"))
    assert f"edabot-{name}" not in fake.state.folders


def test_a_deleted_datasource_is_recreated_by_registering_again(ctx, fake: GrafanaFake, unique_username) -> None:
    name = unique_username()
    registration.register(ctx, username=name, slack_user_id="U0DRIFT01", actor=Actor.cli())
    ctx.grafana_client.delete_datasource(f"edabot-{name}-qor")
    with ctx.db.session() as s:
        from core.credentials import get
        from core.users import require

        password = get(s, ctx.cipher, require(s, name), "GRAFANA_DB_PASSWORD")
    assert password is not None
    ctx.grafana.ensure_user(username=name, grafana_db_password=password)
    assert fake.datasource(f"edabot-{name}-qor") is not None


def test_grafana_failure_during_registration_is_reported_and_resumable(ctx, fake: GrafanaFake, unique_username) -> None:
    name = unique_username()
    fake.inject("/api/datasources", status=500, times=10)
    with pytest.raises(Exception, match="Grafana") as err:
        registration.register(ctx, username=name, slack_user_id="U0GFAIL01", actor=Actor.cli())
    assert fake.token not in str(err.value)
    fake.clear_faults()
    result = registration.register(ctx, username=None, slack_user_id="U0GFAIL01", actor=Actor.cli())
    assert result.resumed and fake.datasource(f"edabot-{name}-drc") is not None


def _settings(sim: SlackSimulator | None, fake: GrafanaFake, **extra: str):  # type: ignore[no-untyped-def]
    env = {
        "GRAFANA_BASE_URL": fake.base_url,
        "GRAFANA_API_KEY": fake.token,
        "CREDENTIALS_KEY": Fernet.generate_key().decode(),
        **extra,
    }
    if sim is not None:
        env.update(SLACK_BOT_TOKEN=sim.bot_token, SLACK_APP_TOKEN=sim.app_token, SLACK_API_URL=sim.api_url)
    return load_settings(env, env_file=None)


def _by_name(checks):  # type: ignore[no-untyped-def]
    return {c.name: c for c in checks}


def test_doctor_all_good(ctx, fake: GrafanaFake, unique_username) -> None:
    from bot.app import build_web_client

    registration.register(ctx, username=unique_username(), slack_user_id="U0DOC0001", actor=Actor.cli())
    with SlackSimulator() as sim:
        sim.grant_scopes_from_manifest(REPO / "manifest.json")
        sim.add_channel("C0NOTIFY1", name="eda-results", is_private=True, is_member=True)
        settings = _settings(sim, fake, SLACK_CHANNEL_ID="C0NOTIFY1")
        checks = run_checks(settings, ctx, build_web_client(settings, sim.bot_token))
    failed = [c for c in checks if not c.ok]
    assert failed == [], failed
    names = _by_name(checks)
    assert {"PostgreSQL reachable", "Grafana health", "Grafana token", "Slack auth.test", "Slack scopes"} <= set(names)
    assert sum(n.startswith("datasource edabot-") for n in names) == 3


def test_doctor_names_each_broken_part_and_its_fix(ctx, fake: GrafanaFake) -> None:
    from bot.app import build_web_client

    with SlackSimulator() as sim:
        sim.granted_scopes = {"commands", "chat:write"}
        sim.add_channel("C0PRIVATE", name="secret-eda", is_private=True, is_member=False)
        settings = _settings(sim, fake, SLACK_CHANNEL_ID="C0PRIVATE")
        bad_grafana = GrafanaClient(fake.base_url, "glsa_wrong_token_000", max_attempts=1)
        broken = dataclasses.replace(ctx, grafana_client=bad_grafana)
        checks = _by_name(run_checks(settings, broken, build_web_client(settings, sim.bot_token)))
        bad_slack = _by_name(run_checks(settings, ctx, build_web_client(settings, "xoxb-revoked-token")))
    assert not checks["Grafana token"].ok and "GRAFANA_API_KEY" in checks["Grafana token"].fix
    assert not checks["Slack scopes"].ok and "files:write" in checks["Slack scopes"].detail
    channel = checks["Slack channel C0PRIVATE (SLACK_CHANNEL_ID)"]
    assert not channel.ok and "invite @edabot" in channel.fix
    assert not bad_slack["Slack auth.test"].ok and bad_slack["Slack auth.test"].detail == "invalid_auth"
    assert "reinstall" in bad_slack["Slack auth.test"].fix


def test_doctor_cli_exits_1_when_the_database_is_down_and_grafana_is_gone(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(REPO),
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "GRAFANA_BASE_URL": "http://127.0.0.1:1",
        "GRAFANA_API_KEY": "glsa_x",
        "CREDENTIALS_KEY": Fernet.generate_key().decode(),
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "doctor", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    import json

    report = json.loads(result.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert not report["ok"]
    assert not checks["PostgreSQL reachable"]["ok"] and "DATABASE_URL" in checks["PostgreSQL reachable"]["fix"]
    assert not checks["Grafana health"]["ok"] and "GRAFANA_BASE_URL" in checks["Grafana health"]["fix"]
    assert not checks["Slack tokens"]["ok"]
