"""APScheduler jobs in the `edabot run` process: scan user databases, then advance the pipeline."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from bot.logs import tagged
from bot.metrics import Metrics
from core.context import CoreContext
from core.pipeline import scanner, states
from core.pipeline.ports import Ports
from core.pipeline.runs import run_pipeline

log = logging.getLogger(__name__)
PIPELINE_TICK_S = 2


def _host() -> str:
    return socket.gethostname()[:30].replace(":", "-")


def worker_id() -> str:
    """Identifies this process in row leases (host, pid and a random part, for restarts with the same pid)."""
    return f"{_host()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


class PipelineScheduler:
    def __init__(
        self,
        core: CoreContext,
        ports: Ports,
        *,
        scan_interval_s: int,
        full_every_s: int = 600,
        new_per_hour: int | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._core = core
        self._metrics = metrics
        self.last_tick_at: datetime | None = None
        self._ports = ports
        self._scheduler = BackgroundScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}
        )
        self._scan_interval_s = scan_interval_s
        self._full_every_s = full_every_s
        self._new_per_hour = new_per_hour
        self._stopping = threading.Event()
        self.last_scan: scanner.ScanReport | None = None
        self.last_scan_at: datetime | None = None

    def _scan(self) -> None:
        with tagged("scan"):
            self._scan_tagged()

    def _scan_tagged(self) -> None:
        try:
            self.last_scan = scanner.scan(self._core, full_every_s=self._full_every_s, new_per_hour=self._new_per_hour)
            self.last_scan_at = datetime.now(UTC)
            if self._metrics is not None and self.last_scan.ran:
                self._metrics.observe_scan(self.last_scan)
        except Exception:
            log.exception("scan failed")  # the next interval tries again
        self._process()

    def _process(self) -> None:
        self.last_tick_at = datetime.now(UTC)
        with tagged("tick"):
            self._process_tagged()

    def _process_tagged(self) -> None:
        try:
            run_pipeline(self._core, self._ports, self._stopping)
        except Exception:
            log.exception("pipeline tick failed")

    def start(self) -> None:
        with self._core.db.session() as session:
            released = states.release_dead_local(session, _host(), pid_alive)
        if released:
            log.info("took over %d dashboard(s) from edabot processes on this host that died", released)
        now = datetime.now(UTC)
        self._scheduler.add_job(self._scan, "interval", seconds=self._scan_interval_s, next_run_time=now, id="scan")
        self._scheduler.add_job(self._process, "interval", seconds=PIPELINE_TICK_S, id="pipeline")
        self._scheduler.start()

    def shutdown(self) -> None:
        """Stop scheduling; rows this process holds are released so another process takes them at once."""
        self._stopping.set()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def release_claims(self) -> None:
        with self._core.db.session() as session:
            released = states.release_owned(session, self._ports.owner)
        if released:
            log.info("released %d claimed dashboard(s) for other processes", released)
