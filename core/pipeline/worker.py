"""Advance claimed dashboards one state at a time: dashboard → preview → Slack message, exactly once.

Slow I/O (Grafana, Chromium, Slack) happens outside any transaction; before each state change the row is
re-read under its lease, so a process that lost its lease (it was too slow and another took over) drops
the row instead of overwriting newer state. The Slack send records its intent first: a row whose send may
have happened is reconciled through the message metadata before anything is sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from core import credentials, series_mutes
from core.context import CoreContext
from core.db.models import Dashboard, User
from core.errors import Unavailable
from core.grafana.errors import GrafanaError
from core.pipeline import states
from core.pipeline.machine import STOP_STATES, DashboardState
from core.pipeline.ports import Job, NotifyError, Ports, Posted, PreviewResult
from core.pipeline.publish import Published, TableGone, publish
from core.secret import Secret
from core.series import series_from_table_name

log = logging.getLogger(__name__)

# After this many failed captures the message is posted anyway, saying what was wrong with the preview.
CAPTURE_ATTEMPTS_BEFORE_POSTING = 3


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
        if _series_muted(session, row, step):
            row.state = DashboardState.MUTED
            states.release(row)
            return False
        if step is DashboardState.PREVIEW_READY and _earlier_run_in_flight(session, row):
            # Sent now, this run would start a second top-level message for its series, or reply before the
            # run it follows: it waits for the earlier one (another worker or process has it, or it is due).
            row.next_attempt_at = func.now() + SERIES_ORDER_WAIT
            states.release(row)
            return False
        snapshot = snapshot_of(ctx, session, row)
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


# How long a run waits for an earlier run of its series still being built, captured or sent.
SERIES_ORDER_WAIT = timedelta(seconds=2)
# An earlier run in one of these states is on its way to being posted; a failed, muted or deferred one is not
# waited for (it may take hours), and when it is posted later it replies in the series' thread instead.
_IN_FLIGHT = (DashboardState.DETECTED, DashboardState.DASHBOARD_READY, DashboardState.PREVIEW_READY)


def _earlier_run_in_flight(session: Any, row: Dashboard) -> bool:
    """Whether an earlier run of the row's series is still on its way to Slack. Runs of one series are posted
    in order, so the first is the thread's parent and every later one replies to it, whichever of several
    workers or processes reaches its send first. Not once this row's send has started: it is reconciled."""
    if row.series is None or row.send_started_at is not None:
        return False
    earlier = (Dashboard.user_id == row.user_id, Dashboard.kind == row.kind, Dashboard.id < row.id)
    known = session.scalar(
        select(Dashboard.id)
        .where(*earlier, Dashboard.series == row.series, Dashboard.state.in_(_IN_FLIGHT))
        .where(Dashboard.message_ts.is_(None))
        .limit(1)
    )
    if known is not None:
        return True
    # Not built yet, so its series is not recorded: one whose name puts it in this row's series may be its
    # first run. (An ingested run's series comes from its eda_runs row, read when it is built; its name decides
    # here, so two ingested runs found in one scan may still be posted out of order.)
    stem = series_from_table_name(row.table_name)
    unbuilt = session.scalars(
        select(Dashboard.table_name)
        .where(*earlier, Dashboard.series.is_(None), Dashboard.state == DashboardState.DETECTED)
        .limit(_UNBUILT_CHECKED)
    )
    return any(series_from_table_name(table) in (stem, row.series) for table in unbuilt)


# Earlier unbuilt rows looked at: more than a scan usually finds of one user's at once.
_UNBUILT_CHECKED = 1000


def _series_muted(session: Any, row: Dashboard, step: DashboardState) -> bool:
    """A built dashboard whose series its owner muted is not captured or posted: it stops in `muted`. Not
    once a send has started, though: that one may have been posted and is reconciled first."""
    if step is DashboardState.DETECTED or row.send_started_at is not None:
        return False  # the series is known once the dashboard is built
    return series_mutes.is_muted(session, user_id=row.user_id, kind=row.kind, series=row.series)


@dataclass(frozen=True)
class Snapshot:
    """What a step (or a button action) needs about one row, read under the lease so the slow work that
    follows runs outside any transaction."""

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
    earlier: tuple[dict[str, Any], ...] = ()
    series: str | None = None
    thread: Posted | None = None
    parent_id: int | None = None
    parent_table: str | None = None
    newest: bool = True

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
            earlier=list(self.earlier),
            series=self.series,
            thread=self.thread,
            parent_id=self.parent_id,
            parent_table=self.parent_table,
            update_parent=self.thread is not None and self.newest,
        )


def snapshot_of(ctx: CoreContext, session: Any, row: Dashboard) -> Snapshot:
    user = session.get(User, row.user_id)
    secret = lambda key: credentials.get(session, ctx.cipher, user, key)  # noqa: E731
    channel = secret("SLACK_CHANNEL_ID")
    return Snapshot(
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
        earlier=earlier_runs(session, row),
        series=row.series,
        **thread_of(session, row),
    )


def thread_of(session: Any, row: Dashboard) -> dict[str, Any]:
    """Where a run of a series goes: the thread of the series' first posted top-level message, if any
    earlier run has one; and whether this is the newest run posted there (it then updates the parent)."""
    if row.series is None:
        return {}
    same_series = (
        Dashboard.user_id == row.user_id,
        Dashboard.kind == row.kind,
        Dashboard.series == row.series,
        Dashboard.message_ts.is_not(None),
    )
    if row.thread_ts is not None and row.slack_channel is not None:
        parent = session.execute(
            select(Dashboard.id, Dashboard.slack_channel, Dashboard.message_ts, Dashboard.table_name).where(
                *same_series, Dashboard.message_ts == row.thread_ts
            )
        ).first()
    else:
        parent = session.execute(
            select(Dashboard.id, Dashboard.slack_channel, Dashboard.message_ts, Dashboard.table_name)
            # Any posted top-level run but this one: an earlier run posted late (it failed for a while)
            # replies in the thread a later run started.
            .where(*same_series, Dashboard.id != row.id, Dashboard.thread_ts.is_(None))
            .order_by(Dashboard.id)
            .limit(1)
        ).first()
    if parent is None or parent.slack_channel is None or parent.message_ts is None:
        return {}
    newer = session.scalar(select(Dashboard.id).where(*same_series, Dashboard.id > row.id).limit(1))
    return {
        "thread": Posted(channel=parent.slack_channel, ts=parent.message_ts, file_id=None),
        "parent_id": parent.id,
        "parent_table": parent.table_name,
        "newest": newer is None,
    }


# How many earlier runs a message compares with (the previous one, and the best and trend before it).
SERIES_HISTORY = 50


def earlier_runs(session: Any, row: Dashboard) -> tuple[dict[str, Any], ...]:
    """Key figures of the series' runs found before this one and already posted, oldest first."""
    if row.series is None:
        return ()
    found = session.execute(
        select(Dashboard.table_name, Dashboard.key_figures)
        .where(
            Dashboard.user_id == row.user_id,
            Dashboard.kind == row.kind,
            Dashboard.series == row.series,
            Dashboard.id < row.id,
            Dashboard.message_ts.is_not(None),
            Dashboard.key_figures.is_not(None),
        )
        .order_by(Dashboard.id.desc())
        .limit(SERIES_HISTORY)
    ).all()
    # The table name rides along so the message can name the run it is compared with.
    return tuple({**figures, "table": table} for table, figures in reversed(found))


class LeaseLost(Unavailable):
    """Another process holds this row now (Unavailable to this one; the holder carries on)."""


# What a step returns: the changes to write to the row, under its lease, once the slow work has succeeded.
RowUpdate = Callable[[Dashboard], None]
StepFn = Callable[[CoreContext, Ports, states.Claim, Snapshot], RowUpdate]


@dataclass(frozen=True)
class Transition:
    """The step that takes a row out of a state, and the state a successful step leaves the row in."""

    step: StepFn
    leads_to: DashboardState


def _run_step(ctx: CoreContext, ports: Ports, claim: states.Claim, step: DashboardState, snap: Snapshot) -> RowUpdate:
    transition = TRANSITIONS.get(step)
    if transition is None:
        raise ValueError(f"no step for state {step}")
    update = transition.step(ctx, ports, claim, snap)

    def apply(row: Dashboard) -> None:
        update(row)
        states.advance(row, transition.leads_to)

    return apply


def _build_dashboard(ctx: CoreContext, ports: Ports, claim: states.Claim, snap: Snapshot) -> RowUpdate:
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
        if not row.series_chosen:
            row.series = published.series

    return apply


def _capture(ctx: CoreContext, ports: Ports, claim: states.Claim, snap: Snapshot) -> RowUpdate:
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


def _send(ctx: CoreContext, ports: Ports, claim: states.Claim, snap: Snapshot) -> RowUpdate:
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
    if job.update_parent:
        # After the reply, found or sent: a crash before this line finds the reply and updates the parent then.
        ports.notifier.update_parent(job, posted)

    def apply(row: Dashboard) -> None:
        row.slack_channel, row.message_ts, row.slack_file_id = posted.channel, posted.ts, posted.file_id
        row.thread_ts = job.thread.ts if job.thread is not None else None
        row.slack_sent_at = func.now()

    return apply


# The pipeline: each working state's step and where it leads. A failed row resumes at the step it failed
# in (`retry_from`), so FAILED needs no entry of its own.
TRANSITIONS: dict[DashboardState, Transition] = {
    DashboardState.DETECTED: Transition(_build_dashboard, DashboardState.DASHBOARD_READY),
    DashboardState.DASHBOARD_READY: Transition(_capture, DashboardState.PREVIEW_READY),
    DashboardState.PREVIEW_READY: Transition(_send, DashboardState.POSTED),
}
