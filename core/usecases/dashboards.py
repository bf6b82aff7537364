"""Dashboard use cases: list a user's dashboards, scan their databases now, and the message buttons
(refresh a preview, mute or unmute its series)."""

from __future__ import annotations

from core import dashboards
from core.authz import Actor, require_registered, require_self_or_admin, require_target
from core.context import CoreContext
from core.dashboards import DashboardLine
from core.errors import NotFound, Unavailable
from core.pipeline import actions
from core.pipeline.ports import Ports, Posted
from core.pipeline.runs import scan_and_process
from core.pipeline.scanner import ScanReport


class PipelineNotRunning(Unavailable):
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


def _require_owner_or_admin(ctx: CoreContext, actor: Actor, dashboard_id: int, what: str) -> None:
    owner = actions.owner_of(ctx, dashboard_id)
    if owner is None:
        raise NotFound("That dashboard no longer exists.")
    require_self_or_admin(actor, owner, what)


def refresh_preview(*, ctx: CoreContext, ports: Ports | None, actor: Actor, dashboard_id: int) -> Posted:
    """Re-capture the preview and replace it in the dashboard's message."""
    _require_owner_or_admin(ctx, actor, dashboard_id, "refresh previews")
    if ports is None:
        raise PipelineNotRunning("The dashboard pipeline is not running in this process.")
    return actions.refresh_preview(ctx, ports, dashboard_id)


def set_muted(*, ctx: CoreContext, actor: Actor, dashboard_id: int, muted: bool) -> tuple[str, str]:
    """Stop (or resume) notifications for the dashboard's series; returns (table, series)."""
    _require_owner_or_admin(ctx, actor, dashboard_id, "mute or unmute dashboards")
    return actions.set_muted(ctx, dashboard_id, muted)
