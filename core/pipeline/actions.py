"""What the buttons on a dashboard message do: refresh its preview in place, mute or unmute its series, and
who owns it (for the permission check)."""

from __future__ import annotations

from core import series_mutes
from core.context import CoreContext
from core.db.models import Dashboard, User
from core.errors import NotFound
from core.pipeline import states
from core.pipeline.machine import DashboardState
from core.pipeline.ports import Ports, Posted
from core.pipeline.worker import Snapshot, snapshot_of
from core.series import series_from_table_name


def _job_for(ctx: CoreContext, dashboard_id: int) -> tuple[Snapshot, str, str]:
    with ctx.db.session() as session:
        row = session.get(Dashboard, dashboard_id)
        if row is None or row.message_ts is None or row.slack_channel is None or row.grafana_uid is None:
            raise NotFound("this dashboard has no message to refresh yet")
        return snapshot_of(ctx, session, row), row.slack_channel, row.message_ts


def refresh_preview(ctx: CoreContext, ports: Ports, dashboard_id: int) -> Posted:
    """Re-capture and replace the preview in the same message (the Refresh preview button)."""
    snap, channel, ts = _job_for(ctx, dashboard_id)
    assert snap.grafana_uid is not None
    result = ports.previewer.preview(uid=snap.grafana_uid, token=snap.grafana_token)
    job = snap.job(result, channel=channel, since=None)
    posted = ports.notifier.replace(job, Posted(channel=channel, ts=ts, file_id=None))
    with ctx.db.session() as session:
        row = session.get(Dashboard, dashboard_id)
        if row is not None:
            row.gif_path = str(result.path) if result.ok and result.path else row.gif_path
            row.slack_file_id = posted.file_id
            figures = dict(row.key_figures or {})
            figures["preview_problems"] = [] if result.ok else result.problems
            row.key_figures = figures
    return posted


def set_muted(ctx: CoreContext, dashboard_id: int, muted: bool) -> tuple[str, str]:
    """Mute stops notifications for the dashboard's series (its later runs are not posted) and marks this
    run muted; unmute resumes the series and puts the run back where it was. Returns (table, series)."""
    with ctx.db.session() as session:
        row = session.get(Dashboard, dashboard_id, with_for_update=True)
        if row is None:
            raise NotFound("that dashboard no longer exists")
        if row.series is None:
            # Built before series existed: its name decides, as it would at its next build.
            row.series = series_from_table_name(row.table_name)
        if muted:
            row.state = DashboardState.MUTED
            series_mutes.mute(session, user_id=row.user_id, kind=row.kind, series=row.series)
        else:
            if row.state == DashboardState.MUTED:
                row.state = DashboardState.POSTED if row.message_ts else DashboardState.DETECTED
            series_mutes.unmute(session, user_id=row.user_id, kind=row.kind, series=row.series)
        states.release(row)
        return row.table_name, row.series


def owner_of(ctx: CoreContext, dashboard_id: int) -> str | None:
    with ctx.db.session() as session:
        row = session.get(Dashboard, dashboard_id)
        if row is None:
            return None
        user = session.get(User, row.user_id)
        return user.username if user else None
