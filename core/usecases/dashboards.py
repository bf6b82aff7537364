"""Dashboard use cases: list a user's dashboards, and scan their databases now."""

from __future__ import annotations

from core import dashboards
from core.authz import Actor, require_registered, require_target
from core.context import CoreContext
from core.dashboards import DashboardLine
from core.errors import EdabotError
from core.pipeline.ports import Ports
from core.pipeline.runs import scan_and_process
from core.pipeline.scanner import ScanReport


class PipelineNotRunning(EdabotError):
    """This process has no pipeline (capture and notifier) to run a scan with."""


def list_latest(*, ctx: CoreContext, actor: Actor, username: str | None = None, limit: int = 50) -> list[DashboardLine]:
    """Newest first, with state and Grafana link."""
    target = require_target(actor, username, "list dashboards")
    with ctx.db.session() as session:
        return dashboards.latest(session, target, limit)


def scan_now(*, ctx: CoreContext, ports: Ports | None, actor: Actor) -> ScanReport:
    """One pipeline pass over the actor's own databases."""
    username = require_registered(actor)
    if ports is None:
        raise PipelineNotRunning("The dashboard pipeline is not running in this process.")
    return scan_and_process(ctx, ports, only_username=username)
