"""Report use cases: load a report file into a user's databases, then rescan them so its dashboard follows."""

from __future__ import annotations

from pathlib import Path

from core import users
from core.authz import Actor, require_target
from core.context import CoreContext
from core.ingest.load.for_user import ingest_for_user
from core.ingest.load.isolated import Progress
from core.ingest.load.loader import LoadResult
from core.pipeline.ports import Ports
from core.pipeline.runs import scan_and_process
from core.pipeline.scanner import ScanReport

WHAT = "upload reports"


def authorize_upload(*, ctx: CoreContext, actor: Actor, username: str | None = None) -> str:
    """Whose databases an upload goes to; refused before a byte of the file is read."""
    target = require_target(actor, username, WHAT)
    with ctx.db.session() as session:
        users.require(session, target)
    return target


def ingest(
    *,
    ctx: CoreContext,
    actor: Actor,
    path: Path,
    username: str | None = None,
    kind: str | None = None,
    table: str | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    """Load one file (format detected from its content) into the user's timing, QoR or DRC database;
    `progress(bytes_read, size)` follows the load."""
    target = require_target(actor, username, WHAT)
    return ingest_for_user(ctx, target, path, kind=kind, table=table, progress=progress)


def rescan(*, ctx: CoreContext, ports: Ports | None, actor: Actor, username: str | None = None) -> ScanReport | None:
    """After a load: the dashboard and message follow at once instead of at the next scheduled scan.
    None when this process runs no pipeline (the scheduled scan finds the table instead)."""
    target = require_target(actor, username, WHAT)
    if ports is None:
        return None
    return scan_and_process(ctx, ports, only_username=target)
