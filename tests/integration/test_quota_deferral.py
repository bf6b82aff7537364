"""The hourly quota of new dashboards, on a real PostgreSQL and against the Slack simulator: tables beyond it are
deferred (never claimed), released oldest first as the quota allows or all at once by the button on the one
summary message per user database, which is posted exactly once (two processes, a crash after the send) and
edited in place as the count changes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text

from bot.app import build_app, build_web_client
from bot.config import Settings
from bot.slack.notifier import SlackNotifier
from bot.work import BackgroundWork
from core.authz import Actor
from core.context import CoreContext
from core.db.models import DeferralNotice
from core.errors import NotAllowed
from core.pipeline import notices, scanner, states
from core.pipeline.ports import DeferralJob, Ports, PreviewResult
from core.registration import register
from core.secret import Secret
from core.usecases import deferrals
from listeners.ids import ActionId, MessageMetadata
from listeners.services import Services
from tests.conftest import owner_login
from tests.fakes.slack import SlackSimulator
from tests.integration.pipeline_rig import simulator_settings

pytestmark = pytest.mark.db
CHANNEL = "C0QUOTA01"
OWNER = "U0QUOTA01"
OTHER = "U0QUOTA02"


def _tables(ctx: CoreContext, username: str, kind: str, names: list[str]) -> None:
    with owner_login(ctx, username, kind) as conn:
        for name in names:
            conn.execute(f'CREATE TABLE "{name}" (startpoint text, slack double precision)')


def _states(ctx: CoreContext, username: str) -> dict[str, str]:
    with ctx.db.session() as session:
        rows = session.execute(
            text(
                "SELECT d.table_name, d.state FROM dashboards d JOIN users u ON u.id = d.user_id "
                "WHERE u.username = :u ORDER BY d.id"
            ),
            {"u": username},
        ).all()
    return {str(r[0]): str(r[1]) for r in rows}


def _an_hour_passes(ctx: CoreContext) -> None:
    with ctx.db.session() as session:
        session.execute(text("UPDATE dashboards SET admitted_at = admitted_at - interval '61 minutes'"))


def _deferred(states_: dict[str, str]) -> list[str]:
    return [t for t, s in states_.items() if s == "deferred"]


def test_tables_beyond_the_quota_wait_and_are_released_oldest_first_as_the_hour_passes(
    core_ctx: CoreContext, unique_username: Any
) -> None:
    name = unique_username("quota")
    register(core_ctx, username=name, slack_user_id=None, actor=Actor.cli())
    _tables(core_ctx, name, "timing", [f"run_{i}" for i in range(1, 6)])

    first = scanner.scan(core_ctx, new_per_hour=2)
    assert len(first.new) == 5
    assert (first.released, first.waiting) == (2, 3)
    assert _states(core_ctx, name) == {
        "run_1": "detected",
        "run_2": "detected",
        "run_3": "deferred",
        "run_4": "deferred",
        "run_5": "deferred",
    }
    # Deferred rows are never claimed, however long they wait.
    with core_ctx.db.session() as session:
        session.execute(text("UPDATE dashboards SET next_attempt_at = now() - interval '1 day'"))
    with core_ctx.db.session() as session:
        claimed = states.claim_due(session, owner="w", lease_s=60, limit=10)
    assert len(claimed) == 2
    with core_ctx.db.session() as session:
        session.execute(text("UPDATE dashboards SET lease_owner = NULL, lease_expires_at = NULL"))

    # Within the hour, later passes let nothing more in.
    again = scanner.scan(core_ctx, new_per_hour=2)
    assert (again.released, again.waiting) == (0, 3)

    _an_hour_passes(core_ctx)
    later = scanner.scan(core_ctx, new_per_hour=2)
    assert (later.released, later.waiting) == (2, 1)
    assert _deferred(_states(core_ctx, name)) == ["run_5"]  # the oldest went first

    # One summary row for the database, whatever the number of deferred tables.
    with core_ctx.db.session() as session:
        assert session.query(DeferralNotice).count() == 1


def test_quotas_are_per_user_and_no_quota_admits_everything(core_ctx: CoreContext, unique_username: Any) -> None:
    busy, quiet = unique_username("busy"), unique_username("quiet")
    for name in (busy, quiet):
        register(core_ctx, username=name, slack_user_id=None, actor=Actor.cli())
    _tables(core_ctx, busy, "qor", [f"q_{i}" for i in range(4)])
    _tables(core_ctx, quiet, "qor", ["only_one"])
    scanner.scan(core_ctx, new_per_hour=1)
    assert list(_states(core_ctx, quiet).values()) == ["detected"]  # another user's flood costs them nothing
    assert len(_deferred(_states(core_ctx, busy))) == 3

    _tables(core_ctx, quiet, "drc", ["drc_a", "drc_b"])
    scanner.scan(core_ctx, only_username=quiet)  # no quota given: everything enters at once
    assert set(_states(core_ctx, quiet).values()) == {"detected"}


def test_the_owner_or_an_admin_may_release_a_database_others_may_not(
    core_ctx: CoreContext, unique_username: Any
) -> None:
    owner, other = unique_username("owner"), unique_username("other")
    for name in (owner, other):
        register(core_ctx, username=name, slack_user_id=None, actor=Actor.cli())
    _tables(core_ctx, owner, "timing", ["a1", "a2", "a3"])
    _tables(core_ctx, owner, "qor", ["b1"])
    scanner.scan(core_ctx, new_per_hour=1)
    with core_ctx.db.session() as session:
        timing_notice = session.execute(
            text("SELECT id FROM deferral_notices WHERE database_name = :d"), {"d": f"{owner}_timing"}
        ).scalar_one()
    with pytest.raises(NotAllowed):
        deferrals.process_deferred(
            ctx=core_ctx, actor=Actor(label="U0X", is_admin=False, username=other), notice_id=timing_notice
        )
    assert len(_deferred(_states(core_ctx, owner))) == 3  # a1 admitted by the quota, a2, a3 and b1 wait

    admitted = deferrals.process_deferred(
        ctx=core_ctx, actor=Actor(label="U0O", is_admin=False, username=owner), notice_id=timing_notice
    )
    assert (admitted.database, admitted.count) == (f"{owner}_timing", 2)
    assert _deferred(_states(core_ctx, owner)) == ["b1"]  # only that database's tables
    # Pressed twice (or by two people at once): nothing is admitted twice.
    again = deferrals.process_deferred(ctx=core_ctx, actor=Actor.cli(), notice_id=timing_notice)
    assert again.count == 0


# --- the summary message, against the Slack simulator -----------------------------------------------


class _NoPreview:
    def preview(self, *, uid: str, token: Secret | None) -> PreviewResult:
        raise AssertionError("deferred tables are never captured")


@dataclass
class Rig:
    ctx: CoreContext
    sim: SlackSimulator
    settings: Settings
    notifier: SlackNotifier
    services: Services
    username: str

    def ports(self, owner: str) -> Ports:
        return Ports(_NoPreview(), self.notifier, owner=owner, deferrals=self.notifier, new_per_hour=2)

    def summaries(self) -> list[dict[str, Any]]:
        return [
            m
            for m in self.sim.messages_in(CHANNEL)
            if (m.get("metadata") or {}).get("event_type") == MessageMetadata.DEFERRED_EVENT
        ]

    def notice_id(self, kind: str) -> int:
        with self.ctx.db.session() as session:
            return int(
                session.execute(
                    text("SELECT id FROM deferral_notices WHERE database_name = :d"),
                    {"d": f"{self.username}_{kind}"},
                ).scalar_one()
            )


@pytest.fixture
def rig(core_ctx: CoreContext, unique_username: Any) -> Iterator[Rig]:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    with SlackSimulator() as sim:
        sim.add_user(OWNER, name="owner")
        sim.add_user(OTHER, name="someone")
        sim.add_channel(CHANNEL, name="eda-quota", is_member=True, members={OWNER, OTHER})
        settings = simulator_settings(sim, SLACK_APP_TOKEN=sim.app_token, SLACK_CHANNEL_ID=CHANNEL)
        name = unique_username("flood")
        register(core_ctx, username=name, slack_user_id=OWNER, actor=Actor.cli())
        notifier = SlackNotifier(settings, build_web_client(settings, sim.bot_token))
        services = Services(settings=settings, core=core_ctx, work=BackgroundWork(max_workers=2))
        handler = SocketModeHandler(build_app(settings, services), sim.app_token)
        handler.connect()
        sim.wait_connected(timeout=10)
        try:
            yield Rig(core_ctx, sim, settings, notifier, services, name)
        finally:
            handler.close()
            services.work.shutdown(wait=True)
        sim.assert_no_violations()


def test_one_summary_message_per_database_edited_in_place_and_its_button_releases_them(rig: Rig) -> None:
    ctx, ports = rig.ctx, rig.ports("test:one")
    _tables(ctx, rig.username, "timing", [f"sta_{i:02d}" for i in range(6)])
    scanner.scan(ctx, new_per_hour=2)
    notices.process_due_notices(ctx, ports)
    [summary] = rig.summaries()
    assert summary["text"] == f"4 more tables in `{rig.username}_timing`; `/eda dashboards` lists them"
    assert summary["metadata"]["event_payload"]["notice_id"] == rig.notice_id("timing")
    assert ActionId.PROCESS_DEFERRED in json.dumps(summary["blocks"])

    notices.process_due_notices(ctx, ports)  # nothing changed: nothing sent
    assert len(rig.sim.calls("chat.postMessage")) == 1 and rig.sim.calls("chat.update") == []

    # More deferred later: the same message says so, not a second one.
    _tables(ctx, rig.username, "timing", ["sta_late_1", "sta_late_2", "sta_late_3"])
    # Listed whatever the statistics say yet (they reach pg_stat_database a moment after the commit).
    scanner.scan(ctx, new_per_hour=2, full=True)
    notices.process_due_notices(ctx, ports)
    [summary] = rig.summaries()
    assert summary["text"].startswith(f"7 more tables in `{rig.username}_timing`")
    assert len(rig.sim.calls("chat.postMessage")) == 1 and len(rig.sim.calls("chat.update")) == 1

    # Someone else's click changes nothing; the owner's click lets every deferred table in.
    rig.sim.click_button(OTHER, ActionId.PROCESS_DEFERRED, message=summary, channel_id=CHANNEL).wait_ack(timeout=3)
    assert rig.services.work.wait_idle(10)
    assert len(_deferred(_states(ctx, rig.username))) == 7
    rig.sim.click_button(OWNER, ActionId.PROCESS_DEFERRED, message=summary, channel_id=CHANNEL).wait_ack(timeout=3)
    assert rig.services.work.wait_idle(10)
    assert _deferred(_states(ctx, rig.username)) == []
    answers = [e.get("text", "") for e in rig.sim.ephemerals_for(OWNER)]
    assert any(f"Processing 7 tables from `{rig.username}_timing`" in a for a in answers), answers

    # The next tick edits the summary: nothing waits any more, and the button is gone.
    notices.process_due_notices(ctx, ports)
    [summary] = rig.summaries()
    assert "being processed" in summary["text"]
    assert ActionId.PROCESS_DEFERRED not in json.dumps(summary["blocks"])
    assert len(rig.sim.calls("chat.postMessage")) == 1


def test_a_summary_sent_just_before_a_crash_is_found_not_posted_again(rig: Rig) -> None:
    ctx = rig.ctx
    _tables(ctx, rig.username, "qor", ["q1", "q2", "q3", "q4"])
    scanner.scan(ctx, new_per_hour=2)
    notice_id = rig.notice_id("qor")
    # A process recorded its intent, posted, and died before recording the message.
    with ctx.db.session() as session:
        session.execute(
            text("UPDATE deferral_notices SET send_started_at = now(), lease_owner = NULL WHERE id = :id"),
            {"id": notice_id},
        )
    rig.notifier.post_deferral(
        DeferralJob(notice_id, rig.username, OWNER, f"{rig.username}_qor", 2, None, None, since=None)
    )
    notices.process_due_notices(ctx, rig.ports("test:after-crash"))
    [summary] = rig.summaries()
    assert summary["text"].startswith(f"2 more tables in `{rig.username}_qor`")
    assert len(rig.sim.calls("chat.postMessage")) == 1  # the one the dead process sent
    with ctx.db.session() as session:
        row = session.get(DeferralNotice, notice_id)
        assert row is not None and row.message_ts == summary["ts"] and row.shown_count == 2


def test_two_processes_post_one_summary_per_database(rig: Rig) -> None:
    ctx = rig.ctx
    for kind in ("timing", "qor", "drc"):
        _tables(ctx, rig.username, kind, [f"{kind}_{i}" for i in range(4)])
    scanner.scan(ctx, new_per_hour=2)  # 2 of 12 admitted, at least 2 deferred in each database
    start = threading.Barrier(2)

    def worker(owner: str) -> None:
        start.wait()
        for _ in range(3):
            notices.process_due_notices(ctx, rig.ports(owner))

    threads = [threading.Thread(target=worker, args=(f"test:p{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    databases = sorted(m["metadata"]["event_payload"]["database"] for m in rig.summaries())
    assert databases == sorted(f"{rig.username}_{k}" for k in ("timing", "qor", "drc"))
    assert len(rig.sim.calls("chat.postMessage")) == 3


def test_the_scheduler_scans_with_the_configured_quota_and_counts_listed_and_skipped_databases(
    core_ctx: CoreContext, unique_username: Any
) -> None:
    from prometheus_client import generate_latest

    from bot.metrics import Metrics
    from bot.scheduler import PipelineScheduler

    name = unique_username("sched")
    register(core_ctx, username=name, slack_user_id=None, actor=Actor.cli())
    _tables(core_ctx, name, "drc", ["d1", "d2", "d3"])
    metrics = Metrics()
    ports = Ports(_NoPreview(), _Unused(), owner="test:sched")
    scheduler = PipelineScheduler(
        core_ctx, ports, scan_interval_s=5, full_every_s=3600, new_per_hour=1, metrics=metrics
    )
    scheduler._scan_tagged()  # one scheduled pass: scan, then a pipeline tick
    assert scheduler.last_scan is not None and scheduler.last_scan.waiting == 2
    assert len(_deferred(_states(core_ctx, name))) == 2
    scheduler._scan_tagged()  # nothing written since: every database skipped
    exposed = generate_latest(metrics.registry).decode()
    assert "edabot_scan_databases_listed_total 3.0" in exposed
    assert "edabot_scan_databases_skipped_total 3.0" in exposed


class _Unused:
    """The scheduler's tick may try the admitted table; without Grafana it fails before any Slack call."""

    def find_posted(self, job: Any) -> None:
        raise AssertionError("no message is sent in this test")

    def post(self, job: Any) -> Any:
        raise AssertionError("no message is sent in this test")

    def replace(self, job: Any, posted: Any) -> Any:
        raise AssertionError("no message is sent in this test")


def test_a_summary_held_by_a_dead_local_process_is_free_at_once(core_ctx: CoreContext, unique_username: Any) -> None:
    name = unique_username("dead")
    register(core_ctx, username=name, slack_user_id=None, actor=Actor.cli())
    _tables(core_ctx, name, "timing", ["t1", "t2"])
    scanner.scan(core_ctx, new_per_hour=1)
    with core_ctx.db.session() as session:
        session.execute(
            text(
                "UPDATE deferral_notices SET lease_owner = 'bothost:999999:abcdef', "
                "lease_expires_at = now() + interval '1 hour'"
            )
        )
    with core_ctx.db.session() as session:
        states.release_dead_local(session, "bothost", lambda pid: False)
    with core_ctx.db.session() as session:
        assert session.execute(text("SELECT lease_owner FROM deferral_notices")).scalars().all() == [None]
        claimed = notices.claim_notices(session, owner="w", lease_s=60, limit=5)
    assert len(claimed) == 1  # taken over by the next tick, not after the lease expires
