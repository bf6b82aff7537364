"""One pipeline pass: scan user databases for new tables, then advance due dashboards.

Shared by the scheduler's ticks, `edabot scan`, `/eda scan` and the rescan after a report is loaded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from core.context import CoreContext
from core.pipeline import notices, scanner, worker
from core.pipeline.ports import Ports

MAX_ROWS_PER_TICK = 50
# One row per claim: with fair claims, a worker then goes back to the queue after every row, so one user's
# flood delays another user's first table by at most one capture per worker. A claim is one cheap query.
ROWS_PER_CLAIM = 1


def run_pipeline(core: CoreContext, ports: Ports, stopping: threading.Event | None = None) -> int:
    """Post or edit the summaries of deferred tables, then advance due dashboards until none is left,
    MAX_ROWS_PER_TICK are done, or `stopping` is set."""
    notices.process_due_notices(core, ports)
    done = 0
    while done < MAX_ROWS_PER_TICK and not (stopping is not None and stopping.is_set()):
        claimed = worker.process_due(core, ports, limit=ROWS_PER_CLAIM)
        if not claimed:
            break
        done += claimed
    return done


def scan_and_process(
    core: CoreContext,
    ports: Ports,
    *,
    only_username: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> scanner.ScanReport:
    """`progress(listed, to_list)` follows the databases the scan lists."""
    report = scanner.scan(core, only_username=only_username, new_per_hour=ports.new_per_hour, progress=progress)
    run_pipeline(core, ports)
    return report
