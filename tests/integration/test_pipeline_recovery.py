"""Recovery: Slack 429/5xx, Grafana 5xx/down and a PostgreSQL restart; everything is posted once."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from core.authz import Actor
from core.capture.capture import CaptureService
from core.capture.capture_types import CaptureSettings
from core.capture.preview import CapturePreviewer
from core.context import CoreContext
from core.crypto import CredentialCipher
from core.db.embedded import EmbeddedPostgres
from core.db.engine import Database
from core.db.migrate import upgrade_to_head
from core.db.provisioning import DbServer
from core.grafana.client import GrafanaClient
from core.grafana.steps import GrafanaProvisioner
from core.pipeline import scanner, worker
from core.pipeline.ports import Ports
from core.registration import register
from core.secret import Secret
from tests.conftest import owner_login, server_data_dir
from tests.fakes.grafana import GrafanaFake
from tests.fakes.slack import SlackSimulator
from tests.integration.pipeline_rig import simulator_notifier

pytestmark = pytest.mark.db
CHROMIUM = shutil.which("chromium")
CHANNEL = "C0RECOVER"


@dataclass
class Rig:
    server: EmbeddedPostgres
    ctx: CoreContext
    ports: Ports
    sim: SlackSimulator
    grafana: GrafanaFake
    username: str

    def table(self, name: str) -> None:
        with owner_login(self.ctx, self.username, "timing") as conn:
            conn.execute(f'CREATE TABLE "{name}" (startpoint text, endpoint text, slack double precision)')
            conn.execute(f"INSERT INTO \"{name}\" VALUES ('a', 'b', -0.5), ('c', 'd', 0.25)")

    def run(self, rounds: int = 6) -> None:
        """Scan, then let the pipeline retry at once instead of after its backoff. The scan lists every database:
        a CREATE TABLE reaches pg_stat_database only when its session's statistics are flushed, a moment after
        it returns, and these tests are about recovery, not about noticing changes (test_scan_changes.py)."""
        scanner.scan(self.ctx, full=True)
        for _ in range(rounds):
            with self.ctx.db.session() as session:
                from sqlalchemy import text

                session.execute(text("UPDATE dashboards SET next_attempt_at = now() WHERE state = 'failed'"))
            worker.process_due(self.ctx, self.ports, limit=10)

    def state(self, table: str) -> tuple[str, str | None]:
        with self.ctx.db.session() as session:
            from sqlalchemy import text

            row = session.execute(
                text("SELECT state, last_error FROM dashboards WHERE table_name = :t"), {"t": table}
            ).one()
            return str(row[0]), row[1]

    def messages(self, table: str) -> int:
        return sum(
            1
            for m in self.sim.messages_in(CHANNEL)
            if (m.get("metadata") or {}).get("event_payload", {}).get("table") == table
        )


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    if CHROMIUM is None:
        pytest.skip("no Chromium executable (apt-get install chromium): capture needs a real browser")
    data = server_data_dir("edabot-recovery-")
    server = EmbeddedPostgres(data, fast_unsafe=True)
    url = server.start().url()
    upgrade_to_head(url)
    with SlackSimulator() as sim, GrafanaFake(render_delay_ms=5) as grafana:
        sim.add_channel(CHANNEL, name="recovery", is_member=True)
        client = GrafanaClient(grafana.base_url, grafana.token, max_attempts=2, backoff_seconds=0.05)
        db = Database(url, pool_size=4)
        dbs = DbServer.from_admin_url(url, grafana_host=None, grafana_port=None)
        ctx = CoreContext(
            db=db,
            cipher=CredentialCipher([Secret(Fernet.generate_key().decode())]),
            server=dbs,
            grafana=GrafanaProvisioner(client, dbs),
            grafana_client=client,
        )
        capture = CaptureService(
            CaptureSettings(
                width=640,
                height=480,
                frames=3,
                frame_delay_ms=100,
                timeout_ms=30000,
                gif_width=320,
                chromium_path=CHROMIUM,
                output_dir=Path(data) / "gifs",
            )
        )
        previewer = CapturePreviewer(
            capture, grafana_url=grafana.base_url, org_id=None, timeout_s=30, default_token=Secret(grafana.token)
        )
        ports = Ports(
            previewer,
            simulator_notifier(sim, SLACK_CHANNEL_ID=CHANNEL),
            owner="test:1:recovery",
            lease_s=120,
        )
        register(ctx, username="rec_user", slack_user_id="U0REC0001", actor=Actor.cli())
        try:
            yield Rig(server, ctx, ports, sim, grafana, "rec_user")
        finally:
            capture.close()
            db.dispose()
            server.stop()
            shutil.rmtree(data, ignore_errors=True)


def test_slack_rate_limit_is_waited_out(rig: Rig) -> None:
    rig.sim.inject("chat.postMessage", status=429, retry_after=1, times=1)
    rig.table("rec_429")
    rig.run()
    assert rig.state("rec_429") == ("posted", None) and rig.messages("rec_429") == 1


def test_slack_server_errors_are_retried_without_doubling(rig: Rig) -> None:
    rig.sim.inject("chat.postMessage", status=500, times=2)
    rig.table("rec_500")
    rig.run()
    assert rig.state("rec_500")[0] == "posted" and rig.messages("rec_500") == 1


def test_grafana_errors_and_outage_then_recovery(rig: Rig) -> None:
    rig.grafana.inject("/api/dashboards/db", status=503, times=50)
    rig.table("rec_grafana")
    rig.run(rounds=2)
    state, error = rig.state("rec_grafana")
    assert state == "failed" and error is not None and "Grafana" in error and rig.grafana.token not in error
    with rig.ctx.db.session() as session:
        from sqlalchemy import text

        wait = session.execute(
            text("SELECT next_attempt_at - now(), attempts FROM dashboards WHERE table_name = 'rec_grafana'")
        ).one()
    assert wait[0].total_seconds() > 0 and wait[1] >= 1, "a failed row waits for its backoff before retrying"
    rig.grafana.clear_faults()
    rig.grafana.down = True
    rig.run(rounds=1)
    assert rig.state("rec_grafana")[0] == "failed"
    rig.grafana.down = False
    rig.run()
    assert rig.state("rec_grafana")[0] == "posted" and rig.messages("rec_grafana") == 1


def test_postgresql_restart_between_scan_and_pipeline(rig: Rig) -> None:
    rig.table("rec_restart")
    scanner.scan(rig.ctx)
    rig.server.stop(force=True)
    rig.server.start()
    rig.run()
    assert rig.state("rec_restart")[0] == "posted" and rig.messages("rec_restart") == 1


def test_no_table_is_posted_twice_across_all_of_the_above(rig: Rig) -> None:
    rig.run()
    for table in ("rec_429", "rec_500", "rec_grafana", "rec_restart"):
        assert rig.messages(table) == 1
    rig.sim.assert_no_violations()
