"""Slack accepts a write and the connection drops before its answer: the pipeline still posts exactly once.

The real pipeline (scan, dashboard against the Grafana fake, the real SlackNotifier and the client from
build_web_client) against the Slack simulator, which stores the message (or completes the upload) and then
closes the connection without answering, as Slack can before a RemoteDisconnected. The client must not
resend the write by itself; the pipeline must find the message by its metadata before posting again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select, text

from bot.slack.notifier import SlackNoAnswer
from core import registration
from core.authz import Actor
from core.context import CoreContext
from core.db.models import Dashboard
from core.pipeline import scanner, worker
from core.pipeline.ports import Job, Ports, PreviewResult
from core.secret import Secret
from tests.conftest import owner_login
from tests.fakes.grafana import GrafanaFake
from tests.fakes.slack import SlackSimulator
from tests.integration.pipeline_rig import simulator_notifier, with_grafana

pytestmark = pytest.mark.db
CHANNEL = "C0DROPPED"


class StillPreview:
    """A one-frame GIF instead of a browser capture, so the notification has a file to upload."""

    def __init__(self, folder: Path) -> None:
        self._path = folder / "preview.gif"
        Image.new("RGB", (32, 16), (30, 120, 200)).save(self._path, format="GIF")

    def preview(self, *, uid: str, token: Secret | None) -> PreviewResult:
        return PreviewResult(self._path, True, [])


def _run_until_settled(ctx: CoreContext, ports: Ports, rounds: int = 4) -> None:
    """The worker's rounds, with a failed row's backoff skipped so its retry comes at once."""
    for _ in range(rounds):
        with ctx.db.session() as session:
            session.execute(text("UPDATE dashboards SET next_attempt_at = now() WHERE state = 'failed'"))
        worker.process_due(ctx, ports, limit=10)


@pytest.mark.parametrize("dropped", ["chat.postMessage", "files.completeUploadExternal"])
def test_a_write_slack_accepted_but_never_answered_ends_as_one_message(
    core_ctx: CoreContext,
    unique_username: Callable[[str], str],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    dropped: str,
) -> None:
    with SlackSimulator() as sim, GrafanaFake(render_delay_ms=5) as grafana:
        sim.add_channel(CHANNEL, name="dropped", is_member=True)
        ctx, client = with_grafana(core_ctx, grafana)
        name = unique_username("dropper")
        registration.register(ctx, username=name, slack_user_id="U0DROPPER", actor=Actor.cli())
        with owner_login(ctx, name, "timing") as conn:
            conn.execute('CREATE TABLE "run_drop" (startpoint text, endpoint text, slack double precision)')
            conn.execute("INSERT INTO \"run_drop\" VALUES ('a', 'b', -0.5)")
        notifier = simulator_notifier(sim, SLACK_CHANNEL_ID=CHANNEL)
        ports = Ports(StillPreview(tmp_path), notifier, owner="test:dropped")
        sim.inject(dropped, drop_after_accept=True)
        try:
            scanner.scan(ctx, only_username=name)
            _run_until_settled(ctx, ports)
        finally:
            client.close()

        unanswered = [r for r in sim.requests if r.method == dropped and r.dropped]
        assert len(unanswered) == 1, "the simulator accepted the write and dropped the connection once"
        messages = sim.messages_in(CHANNEL)
        assert len(messages) == 1, f"exactly one notification after the dropped {dropped}"
        # The dropped write reached the pipeline as its own error (a failed attempt, retried), not a resend.
        failures = [r.getMessage() for r in caplog.records if r.name == "core.pipeline.worker"]
        call = "chat.postMessage" if dropped == "chat.postMessage" else "files_upload_v2"
        assert len(failures) == 1 and f"no answer from Slack to {call}" in failures[0], failures
        with ctx.db.session() as session:
            row = session.execute(select(Dashboard).where(Dashboard.table_name == "run_drop")).scalar_one()
            assert (row.state, row.message_ts) == ("posted", messages[0]["ts"])
        if dropped == "chat.postMessage":
            # Found through its metadata on the retry, not sent again (by the client or the pipeline).
            assert len(sim.calls("chat.postMessage")) == 1
        else:
            # Nothing was posted yet, so the retry uploads again and posts once, showing the new file.
            assert len(sim.calls("files.completeUploadExternal")) == 2
            assert len(sim.calls("chat.postMessage")) == 1
            assert row.slack_file_id is not None and row.slack_file_id in str(messages[0]["blocks"])
        sim.assert_no_violations()


def test_an_unanswered_history_read_is_retried_and_then_says_nothing_was_learnt() -> None:
    """Reads keep the client's connection retries; when all go unanswered the notifier must not conclude that
    the message is absent (and go on to post it again): it raises, and the pipeline tries later."""
    owner = "U0HISTORY"
    with SlackSimulator() as sim:
        sim.add_user(owner, "historian")
        sim.add_channel(CHANNEL, name="dropped", members={owner})
        notifier = simulator_notifier(sim)
        job = Job(
            dashboard_id=7,
            username="historian",
            slack_user_id=owner,
            kind="timing",
            database="historian_timing",
            table="sta_run_7",
            grafana_url="http://grafana.example/d/abc",
            figures={},
            preview=None,
            channel=CHANNEL,
            bot_token=None,
            since=datetime.now(UTC),
        )
        sim.inject("conversations.history", drop_after_accept=True, times=3)
        with pytest.raises(SlackNoAnswer, match=r"conversations\.history"):
            notifier.find_posted(job)
        assert len([r for r in sim.requests if r.method == "conversations.history"]) == 3, "1 try + 2 retries"
        sim.assert_no_violations()
