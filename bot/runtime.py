"""Start and stop everything `edabot run` needs: database, migrations, Slack, background work."""

from __future__ import annotations

import logging
import os
import signal
import threading
from dataclasses import dataclass
from types import FrameType

from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.metrics import CountingTransport, MeasuredPreviewer, Metrics
from bot.work import BackgroundWork
from core import credentials
from core.capture.capture import CaptureService
from core.capture.capture_types import CaptureSettings
from core.context import CoreContext, NoGrafana
from core.crypto import CredentialCipher
from core.db.embedded import EmbeddedPostgres
from core.db.engine import Database, libpq_url
from core.db.migrate import upgrade_to_head
from core.db.provisioning import DbServer, harden_server
from core.doctor import queue_depth
from core.errors import CredentialsKeyError
from core.grafana.capture_store import DbCaptureTokenStore, grafana_key
from core.grafana.capture_token import CaptureTokens
from core.grafana.client import GrafanaClient
from core.grafana.steps import GrafanaProvisioner
from core.pipeline.ports import Ports
from listeners.services import Services

log = logging.getLogger(__name__)
SHUTDOWN_GRACE_S = 10


@dataclass
class MasterDatabase:
    url: str
    embedded: EmbeddedPostgres | None

    def stop(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()


def open_master_database(settings: Settings) -> MasterDatabase:
    """The configured server, or the embedded one under EDABOT_DATA_DIR/pg (started if needed)."""
    if settings.master_db.url is not None:
        return MasterDatabase(libpq_url(settings.master_db.url.reveal()), None)
    embedded = EmbeddedPostgres(settings.data_dir)
    info = embedded.start()
    log.info("embedded PostgreSQL on 127.0.0.1:%s (data in %s)", info.port, embedded.pgdata)
    return MasterDatabase(info.url("postgres"), embedded)


def build_grafana_client(settings: Settings, metrics: Metrics | None = None) -> GrafanaClient | None:
    if settings.grafana_api_key is None:
        return None
    transport = CountingTransport(metrics) if metrics is not None else None
    return GrafanaClient(
        settings.grafana_base_url, settings.grafana_api_key, org_id=settings.grafana_org_id, transport=transport
    )


def build_capture_tokens(
    settings: Settings, db: Database, cipher: CredentialCipher, grafana: GrafanaClient | None
) -> CaptureTokens:
    """The capture browser's Viewer token: GRAFANA_CAPTURE_TOKEN, else edabot's own service account's,
    shared through the master database by every process (core/grafana/capture_token.py)."""
    store = DbCaptureTokenStore(db, cipher, grafana=grafana_key(settings.grafana_base_url, settings.grafana_org_id))
    return CaptureTokens(configured=settings.grafana_capture_token, admin=grafana, store=store)


def build_core(settings: Settings, master_url: str, grafana: GrafanaClient | None) -> CoreContext:
    cipher = CredentialCipher(settings.credentials_keys)
    db = Database(master_url, pool_size=10)
    server = DbServer.from_admin_url(
        master_url, grafana_host=settings.grafana_db_host, grafana_port=settings.grafana_db_port
    )
    steps: GrafanaProvisioner | NoGrafana = NoGrafana()
    if grafana is not None:
        tokens = build_capture_tokens(settings, db, cipher, grafana)
        steps = GrafanaProvisioner(
            grafana, server, sslmode=settings.grafana_db_sslmode, capture_account=tokens.account_id
        )
    return CoreContext(db=db, cipher=cipher, server=server, grafana=steps, grafana_client=grafana)


def check_credentials_key(core: CoreContext) -> None:
    """SPEC: never run with a key that cannot decrypt what is stored."""
    with core.db.session() as session:
        bad = credentials.undecryptable_count(session, core.cipher)
    if bad:
        raise CredentialsKeyError(
            f"CREDENTIALS_KEY cannot decrypt {bad} stored credential(s): put the key they were encrypted with "
            "back into CREDENTIALS_KEY (comma-separated, newest first), or restore credentials.key"
        )


def prepare(settings: Settings, metrics: Metrics | None = None) -> tuple[MasterDatabase, CoreContext]:
    """Database up, migrated, and readable with our keys; shared by `run` and the offline commands."""
    master = open_master_database(settings)
    try:
        upgrade_to_head(master.url)
        core = build_core(settings, master.url, build_grafana_client(settings, metrics))
        check_credentials_key(core)
        # A user's login role must open nothing but its own databases (docs/security.md).
        for problem in harden_server(core.server, master_database=make_url(master.url).database or ""):
            log.warning("database server: %s", problem)
    except BaseException:
        master.stop()
        raise
    return master, core


def capture_settings(settings: Settings) -> CaptureSettings:
    return CaptureSettings(
        width=settings.capture_width,
        height=settings.capture_height,
        frames=settings.capture_frames,
        frame_delay_ms=settings.capture_frame_delay_ms,
        timeout_ms=settings.capture_timeout_ms,
        gif_width=settings.gif_width,
        chromium_path=settings.chromium_path,
        output_dir=settings.gif_capture_dir,
    )


def build_pipeline_ports(
    settings: Settings, metrics: Metrics | None = None, *, core: CoreContext | None = None
) -> tuple[Ports, CaptureService]:
    """Capture (one browser thread, started on first use) and the Slack notifier, as the pipeline's ports.

    The browser gets the Viewer capture token, never GRAFANA_API_KEY. Without `core` the created token
    is kept in this process only (a new one per run).
    """
    from bot.app import build_web_client
    from bot.scheduler import worker_id
    from bot.slack.notifier import SlackNotifier
    from core.capture.preview import CapturePreviewer

    capture = CaptureService(capture_settings(settings))
    admin = core.grafana_client if core is not None else build_grafana_client(settings, metrics)
    tokens = (
        build_capture_tokens(settings, core.db, core.cipher, admin)
        if core is not None
        else CaptureTokens(configured=settings.grafana_capture_token, admin=admin)
    )
    previewer = CapturePreviewer(
        capture,
        grafana_url=settings.grafana_base_url,
        org_id=settings.grafana_org_id,
        timeout_s=settings.capture_timeout_ms / 1000,
        tokens=tokens,
    )
    assert settings.slack_bot_token is not None, "checked by Settings.missing_for_run"
    notifier = SlackNotifier(settings, build_web_client(settings, settings.slack_bot_token.reveal(), metrics))
    measured = MeasuredPreviewer(previewer, metrics) if metrics is not None else previewer
    # A lease outlives the slowest step (a whole capture plus an upload) so a live worker never loses a row.
    lease_s = settings.capture_timeout_ms // 1000 + 120
    ports = Ports(
        previewer=measured,
        notifier=notifier,
        owner=worker_id(),
        lease_s=lease_s,
        deferrals=notifier,
        new_per_hour=settings.max_new_dashboards_per_hour,
    )
    return ports, capture


def run(settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.api.app import build_api
    from bot.api.health import HealthProbe, health_router
    from bot.api.server import ApiServer
    from bot.app import build_app
    from bot.scheduler import PipelineScheduler

    metrics = Metrics()
    master, core = prepare(settings, metrics)
    metrics.watch_rows(lambda: queue_depth(core))
    work = BackgroundWork(max_workers=8)
    ports, capture = build_pipeline_ports(settings, metrics, core=core)
    services = Services(settings=settings, core=core, work=work, pipeline=ports, metrics=metrics)
    scheduler = PipelineScheduler(
        core,
        ports,
        scan_interval_s=settings.scan_interval_seconds,
        full_every_s=settings.scan_full_every_seconds,
        new_per_hour=settings.max_new_dashboards_per_hour,
        metrics=metrics,
    )
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s, shutting down", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    handler = None
    api: ApiServer | None = None
    idle = True
    try:
        app = build_app(settings, services)
        probe = HealthProbe(
            core,
            last_tick=lambda: scheduler.last_tick_at,
            socket_connected=lambda: handler is not None and handler.client.is_connected(),
        )
        api = ApiServer(
            build_api(services, extra_routers=[health_router(probe, metrics)]), settings.host, settings.port
        ).start()
        log.info("REST API, /healthz and /metrics on http://%s:%s", settings.host, api.port)
        assert settings.slack_app_token is not None
        handler = SocketModeHandler(app, settings.slack_app_token.reveal(), concurrency=10)
        handler.connect()  # non-blocking: the main thread waits for a signal below
        scheduler.start()
        log.info("edabot is running: %s via Socket Mode (API %s)", settings.slack_command, settings.slack_api_url)
        stop.wait()
    finally:
        scheduler.shutdown()
        if api is not None:
            api.stop()
        if handler is not None:
            handler.close()
        capture.close()  # an in-flight capture fails now; its row is released just below
        try:
            scheduler.release_claims()
        except Exception:  # the database may be what is failing; leases then expire on their own
            log.warning("could not release claimed dashboards", exc_info=True)
        # Finish what is running, within a bound: a job stuck on a lock must not hold up shutdown,
        # and every job is resumable (registration re-runs, pipeline leases expire).
        idle = work.wait_idle(timeout=SHUTDOWN_GRACE_S)
        if not idle:
            log.warning("background work still running after %ss; stopping without it", SHUTDOWN_GRACE_S)
        work.shutdown(wait=False)
        core.db.dispose()
        master.stop()
        log.info("edabot stopped")
    if not idle:
        # Worker threads are joined at interpreter exit; one stuck on a lock would hang us for ever.
        logging.shutdown()
        os._exit(0)
    return 0
