"""Advance claimed dashboards one state at a time: dashboard → preview → Slack message, exactly once.

Slow I/O (Grafana, Chromium, Slack) happens outside any transaction; before each state change the row is
re-read under its lease, so a process that lost its lease (it was too slow and another took over) drops
the row instead of overwriting newer state. The Slack send records its intent first: a row whose send may
have happened is reconciled through the message metadata before anything is sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func

from core import credentials
from core.context import CoreContext
from core.db.models import Dashboard, User
from core.grafana.errors import GrafanaError
from core.pipeline import states
from core.pipeline.machine import STOP_STATES, DashboardState
from core.pipeline.publish import Published, TableGone, publish
from core.secret import Secret

log = logging.getLogger(__name__)

# After this many failed captures the message is posted anyway, saying what was wrong with the preview.
CAPTURE_ATTEMPTS_BEFORE_POSTING = 3


@dataclass(frozen=True)
class PreviewResult:
    path: Path | None
    ok: bool
    problems: list[str] = field(default_factory=list)


class Previewer(Protocol):
    def preview(self, *, uid: str, token: Secret | None) -> PreviewResult: ...


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str
    file_id: str | None


@dataclass(frozen=True)
class Job:
    """What the notifier needs about one dashboard; credentials decrypted only for this send."""

    dashboard_id: int
    username: str
    slack_user_id: str | None
    kind: str
    database: str
    table: str
    grafana_url: str
    figures: dict[str, Any]
    preview: PreviewResult | None
    channel: str | None
    bot_token: Secret | None
    since: datetime | None


class Notifier(Protocol):
    def find_posted(self, job: Job) -> Posted | None: ...

    def post(self, job: Job) -> Posted: ...

    def replace(self, job: Job, posted: Posted) -> Posted: ...


class NotifyError(Exception):
    """A send that Slack refused; the message is the fix shown to the user (e.g. invite the bot)."""


@dataclass
class Ports:
    previewer: Previewer
    notifier: Notifier
    owner: str
    lease_s: int = 300


def process_due(ctx: CoreContext, ports: Ports, *, limit: int = 10) -> int:
    """Claim due rows and take each as far as it goes; returns how many were claimed."""
    with ctx.db.session() as session:
        claims = states.claim_due(session, owner=ports.owner, lease_s=ports.lease_s, limit=limit)
    for claim in claims:
        try:
            process(ctx, ports, claim)
        except Exception:
            # One dashboard's surprise must not stop the others; the lease expiry retries it.
            log.exception("pipeline: dashboard %s failed unexpectedly", claim.dashboard_id)
    return len(claims)


def process(ctx: CoreContext, ports: Ports, claim: states.Claim) -> None:
    while take_one_step(ctx, ports, claim):
        pass


def take_one_step(ctx: CoreContext, ports: Ports, claim: states.Claim) -> bool:
    """Run the step for the claimed row's state and record where it led; False once the row stops here
    (posted, failed, muted) or is no longer this process's."""
    with ctx.db.session() as session:
        row = states.load_claimed(session, claim)
        if row is None:
            return False
        step = states.current_step(row)
        snapshot = _snapshot(ctx, session, row)
    try:
        outcome = _run_step(ctx, ports, claim, step, snapshot)
    except LeaseLost:
        return False
    except Exception as exc:
        message = (
            str(exc) if isinstance(exc, GrafanaError | NotifyError | TableGone) else f"{type(exc).__name__}: {exc}"
        )
        log.warning("pipeline: %s of dashboard %s failed: %s", step, claim.dashboard_id, message)
        with ctx.db.session() as session:
            row = states.load_claimed(session, claim)
            if row is not None:
                states.fail(row, step, message)
        return False
    with ctx.db.session() as session:
        row = states.load_claimed(session, claim)
        if row is None:
            return False  # lease lost meanwhile: whoever holds it now carries on
        outcome(row)
        if row.state in STOP_STATES:
            states.release(row)
            return False
    return True


@dataclass(frozen=True)
class _Snapshot:
    row_id: int
    username: str
    slack_user_id: str | None
    kind: str
    database: str
    table: str
    grafana_uid: str | None
    grafana_url: str | None
    gif_path: str | None
    figures: dict[str, Any]
    attempts: int
    send_started_at: datetime | None
    reader_password: Secret | None
    grafana_token: Secret | None
    channel: str | None
    bot_token: Secret | None
    last_error: str | None

    def job(self, preview: PreviewResult | None, *, channel: str | None, since: datetime | None) -> Job:
        return Job(
            dashboard_id=self.row_id,
            username=self.username,
            slack_user_id=self.slack_user_id,
            kind=self.kind,
            database=self.database,
            table=self.table,
            grafana_url=self.grafana_url or "",
            figures=self.figures,
            preview=preview,
            channel=channel,
            bot_token=self.bot_token,
            since=since,
        )


def _snapshot(ctx: CoreContext, session: Any, row: Dashboard) -> _Snapshot:
    user = session.get(User, row.user_id)
    secret = lambda key: credentials.get(session, ctx.cipher, user, key)  # noqa: E731
    channel = secret("SLACK_CHANNEL_ID")
    return _Snapshot(
        row_id=row.id,
        username=user.username,
        slack_user_id=user.slack_user_id,
        kind=row.kind,
        database=row.database_name,
        table=row.table_name,
        grafana_uid=row.grafana_uid,
        grafana_url=row.grafana_url,
        gif_path=row.gif_path,
        figures=dict(row.key_figures or {}),
        attempts=row.attempts,
        send_started_at=row.send_started_at,
        reader_password=secret("GRAFANA_DB_PASSWORD"),
        grafana_token=secret("GRAFANA_API_KEY"),
        channel=channel.reveal() if channel else None,
        bot_token=secret("SLACK_BOT_TOKEN"),
        last_error=row.last_error,
    )


class LeaseLost(Exception):
    """Another process holds this row now."""


# What a step returns: the changes to write to the row, under its lease, once the slow work has succeeded.
RowUpdate = Callable[[Dashboard], None]
StepFn = Callable[[CoreContext, Ports, states.Claim, _Snapshot], RowUpdate]


@dataclass(frozen=True)
class Transition:
    """The step that takes a row out of a state, and the state a successful step leaves the row in."""

    step: StepFn
    leads_to: DashboardState


def _run_step(ctx: CoreContext, ports: Ports, claim: states.Claim, step: DashboardState, snap: _Snapshot) -> RowUpdate:
    transition = TRANSITIONS.get(step)
    if transition is None:
        raise ValueError(f"no step for state {step}")
    update = transition.step(ctx, ports, claim, snap)

    def apply(row: Dashboard) -> None:
        update(row)
        states.advance(row, transition.leads_to)

    return apply


def _build_dashboard(ctx: CoreContext, ports: Ports, claim: states.Claim, snap: _Snapshot) -> RowUpdate:
    if ctx.grafana_client is None:
        raise NotifyError("GRAFANA_API_KEY is not set: dashboards cannot be created")
    if snap.reader_password is None:
        raise NotifyError(f"{snap.username} has no GRAFANA_DB_PASSWORD: run `/eda register` again to repair")
    published: Published = publish(
        ctx,
        ctx.grafana_client,
        username=snap.username,
        database_kind=snap.kind,
        database=snap.database,
        table=snap.table,
        reader_password=snap.reader_password,
        token=snap.grafana_token,
    )

    def apply(row: Dashboard) -> None:
        row.grafana_uid, row.grafana_url = published.uid, published.url
        row.key_figures = published.as_json()

    return apply


def _capture(ctx: CoreContext, ports: Ports, claim: states.Claim, snap: _Snapshot) -> RowUpdate:
    assert snap.grafana_uid is not None
    result = ports.previewer.preview(uid=snap.grafana_uid, token=snap.grafana_token)
    if not result.ok and snap.attempts + 1 < CAPTURE_ATTEMPTS_BEFORE_POSTING:
        raise NotifyError("preview not usable: " + "; ".join(result.problems))

    def apply(row: Dashboard) -> None:
        row.gif_path = str(result.path) if result.ok and result.path else None
        figures = dict(row.key_figures or {})
        figures["preview_problems"] = [] if result.ok else result.problems
        row.key_figures = figures

    return apply


def _send(ctx: CoreContext, ports: Ports, claim: states.Claim, snap: _Snapshot) -> RowUpdate:
    problems = list(snap.figures.get("preview_problems") or [])
    preview = PreviewResult(Path(snap.gif_path) if snap.gif_path else None, not problems, problems)
    job = snap.job(preview, channel=snap.channel, since=snap.send_started_at)
    posted = ports.notifier.find_posted(job) if snap.send_started_at is not None else None
    if posted is None:
        # Committed before the send: from here on, a retry looks for the message before sending again.
        with ctx.db.session() as session:
            row = states.load_claimed(session, claim)
            if row is None:
                raise LeaseLost
            row.send_started_at = func.now()
        posted = ports.notifier.post(job)

    def apply(row: Dashboard) -> None:
        row.slack_channel, row.message_ts, row.slack_file_id = posted.channel, posted.ts, posted.file_id
        row.slack_sent_at = func.now()

    return apply


# The pipeline: each working state's step and where it leads. A failed row resumes at the step it failed
# in (`retry_from`), so FAILED needs no entry of its own.
TRANSITIONS: dict[DashboardState, Transition] = {
    DashboardState.DETECTED: Transition(_build_dashboard, DashboardState.DASHBOARD_READY),
    DashboardState.DASHBOARD_READY: Transition(_capture, DashboardState.PREVIEW_READY),
    DashboardState.PREVIEW_READY: Transition(_send, DashboardState.POSTED),
}


def _job_for(ctx: CoreContext, dashboard_id: int) -> tuple[_Snapshot, str, str]:
    with ctx.db.session() as session:
        row = session.get(Dashboard, dashboard_id)
        if row is None or row.message_ts is None or row.slack_channel is None or row.grafana_uid is None:
            raise NotifyError("this dashboard has no message to refresh yet")
        return _snapshot(ctx, session, row), row.slack_channel, row.message_ts


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


def set_muted(ctx: CoreContext, dashboard_id: int, muted: bool) -> str:
    """Mute stops notifications for the table; unmute puts it back where it was. Returns the table name."""
    with ctx.db.session() as session:
        row = session.get(Dashboard, dashboard_id, with_for_update=True)
        if row is None:
            raise NotifyError("that dashboard no longer exists")
        if muted:
            row.state = DashboardState.MUTED
        elif row.state == DashboardState.MUTED:
            row.state = DashboardState.POSTED if row.message_ts else DashboardState.DETECTED
        states.release(row)
        return row.table_name


def owner_of(ctx: CoreContext, dashboard_id: int) -> str | None:
    with ctx.db.session() as session:
        row = session.get(Dashboard, dashboard_id)
        if row is None:
            return None
        user = session.get(User, row.user_id)
        return user.username if user else None
