"""One pipeline pass: scan user databases for new tables, then advance due dashboards.

Shared by the scheduler's ticks, `edabot scan`, `/eda scan` and the rescan after a report is loaded.
"""

from __future__ import annotations

import threading

from core.context import CoreContext
from core.pipeline import scanner, worker
from core.pipeline.ports import Ports

MAX_ROWS_PER_TICK = 50
ROWS_PER_CLAIM = 5


def run_pipeline(core: CoreContext, ports: Ports, stopping: threading.Event | None = None) -> int:
    """Advance due dashboards until none is left, MAX_ROWS_PER_TICK are done, or `stopping` is set."""
    done = 0
    while done < MAX_ROWS_PER_TICK and not (stopping is not None and stopping.is_set()):
        claimed = worker.process_due(core, ports, limit=ROWS_PER_CLAIM)
        if not claimed:
            break
        done += claimed
    return done


def scan_and_process(core: CoreContext, ports: Ports, *, only_username: str | None = None) -> scanner.ScanReport:
    report = scanner.scan(core, only_username=only_username)
    run_pipeline(core, ports)
    return report
