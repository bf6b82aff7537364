"""The one summary message per user database for its deferred tables: posted once, then edited in place.

A notice row is claimed like a dashboard (`FOR UPDATE SKIP LOCKED` plus a lease) whenever its message is
missing or shows a count that is no longer true. The post records its intent first (`send_started_at`), and a
notice whose send may have happened is looked up by its message metadata before anything is posted again,
so two processes, or one killed mid-send, still leave exactly one message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, text
from sqlalchemy.orm import Session

from core import credentials
from core.context import CoreContext
from core.db.models import DeferralNotice, User
from core.pipeline import quotas
from core.pipeline.machine import DashboardState
from core.pipeline.ports import DeferralJob, DeferralNotifier, NotifyError, Ports, Posted
from core.pipeline.states import backoff

log = logging.getLogger(__name__)
NOTICES_PER_TICK = 20

CLAIM = """
    WITH waiting AS (
        SELECT user_id, database_name, count(*) AS n FROM dashboards
        WHERE state = :deferred AND table_dropped_at IS NULL GROUP BY user_id, database_name
    ), picked AS (
        SELECT n.id FROM deferral_notices n
        LEFT JOIN waiting w ON w.user_id = n.user_id AND w.database_name = n.database_name
        WHERE n.next_attempt_at <= now() AND (n.lease_expires_at IS NULL OR n.lease_expires_at < now())
          AND ((n.message_ts IS NULL AND (coalesce(w.n, 0) > 0 OR n.send_started_at IS NOT NULL))
               OR (n.message_ts IS NOT NULL AND n.shown_count IS DISTINCT FROM coalesce(w.n, 0)))
        ORDER BY n.id
        LIMIT :limit
        FOR UPDATE OF n SKIP LOCKED
    )
    UPDATE deferral_notices SET lease_owner = :owner, lease_expires_at = now() + make_interval(secs => :lease)
    WHERE id IN (SELECT id FROM picked)
    RETURNING id
"""


def claim_notices(session: Session, *, owner: str, lease_s: int, limit: int) -> list[int]:
    rows = session.execute(
        text(CLAIM),
        {"deferred": DashboardState.DEFERRED.value, "owner": owner, "lease": lease_s, "limit": limit},
    )
    return [int(r[0]) for r in rows]


def process_due_notices(ctx: CoreContext, ports: Ports, *, limit: int = NOTICES_PER_TICK) -> int:
    """Post or edit the summary messages that are missing or out of date; returns how many were claimed."""
    if ports.deferrals is None:
        return 0
    with ctx.db.session() as session:
        claimed = claim_notices(session, owner=ports.owner, lease_s=ports.lease_s, limit=limit)
    for notice_id in claimed:
        try:
            process_notice(ctx, ports.deferrals, ports.owner, notice_id)
        except Exception:
            # One notice's surprise must not stop the others; its lease expiry retries it.
            log.exception("pipeline: deferral notice %s failed unexpectedly", notice_id)
    return len(claimed)


@dataclass(frozen=True)
class _Snapshot:
    job: DeferralJob
    posted: Posted | None  # the message as recorded (None: not yet, or not known to have been sent)
    shown: int | None


def _load(session: Session, notice_id: int, owner: str) -> DeferralNotice | None:
    """The notice, locked, if this process still holds its lease."""
    row = session.get(DeferralNotice, notice_id, with_for_update=True)
    return row if row is not None and row.lease_owner == owner else None


def _snapshot(ctx: CoreContext, session: Session, row: DeferralNotice) -> _Snapshot:
    user = session.get(User, row.user_id)
    assert user is not None  # the notice is deleted with its user
    channel = credentials.get(session, ctx.cipher, user, "SLACK_CHANNEL_ID")
    job = DeferralJob(
        notice_id=row.id,
        username=user.username,
        slack_user_id=user.slack_user_id,
        database=row.database_name,
        count=quotas.deferred_count(session, user_id=row.user_id, database=row.database_name),
        channel=channel.reveal() if channel else None,
        bot_token=credentials.get(session, ctx.cipher, user, "SLACK_BOT_TOKEN"),
        since=row.send_started_at,
    )
    posted = Posted(row.slack_channel, row.message_ts, None) if row.slack_channel and row.message_ts else None
    return _Snapshot(job, posted, row.shown_count)


def process_notice(ctx: CoreContext, notifier: DeferralNotifier, owner: str, notice_id: int) -> None:
    with ctx.db.session() as session:
        row = _load(session, notice_id, owner)
        if row is None:
            return
        snap = _snapshot(ctx, session, row)
    job = snap.job
    try:
        posted = snap.posted
        if posted is None and job.since is not None:
            posted = notifier.find_deferral(job)
            if posted is not None:
                # Found, but what it shows is unknown: edit it to the count now.
                posted = notifier.update_deferral(job, posted)
        elif posted is not None and snap.shown != job.count:
            posted = notifier.update_deferral(job, posted)
        if posted is None and job.count > 0:
            # Committed before the send: from here on, a retry looks for the message before posting again.
            with ctx.db.session() as session:
                row = _load(session, notice_id, owner)
                if row is None:
                    return
                row.send_started_at = func.now()
            posted = notifier.post_deferral(job)
    except NotifyError as exc:
        log.warning("pipeline: summary of deferred tables in %s failed: %s", job.database, exc)
        with ctx.db.session() as session:
            row = _load(session, notice_id, owner)
            if row is not None:
                row.attempts += 1
                row.last_error = str(exc)[:2000]
                row.next_attempt_at = func.now() + backoff(row.attempts)
                row.lease_owner, row.lease_expires_at = None, None
        return
    with ctx.db.session() as session:
        row = _load(session, notice_id, owner)
        if row is None:
            return  # lease lost meanwhile: the holder reconciles through the metadata
        if posted is None:
            # Nothing waits and nothing was sent: no message is needed.
            row.send_started_at = None
        else:
            row.slack_channel, row.message_ts, row.shown_count = posted.channel, posted.ts, job.count
        row.attempts, row.last_error = 0, None
        row.lease_owner, row.lease_expires_at = None, None


def owner_of(session: Session, notice_id: int) -> tuple[int, str, str] | None:
    """(user id, username, database) of a notice, for the button's permission check."""
    row = session.execute(
        text(
            "SELECT n.user_id, u.username, n.database_name FROM deferral_notices n JOIN users u ON u.id = n.user_id "
            "WHERE n.id = :id"
        ),
        {"id": notice_id},
    ).one_or_none()
    return (int(row[0]), str(row[1]), str(row[2])) if row is not None else None
