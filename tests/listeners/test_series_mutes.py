"""Mute a series, not a table, through a real Bolt app over Socket Mode against the Slack simulator: the
Mute button, `/eda mute` and `/eda unmute <series>`, checked in what Slack received and in PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import build_web_client
from bot.slack.notifier import SlackNotifier
from core import users
from core.db.models import Credential, Dashboard, SeriesMute
from core.pipeline import states, worker
from core.pipeline.machine import DashboardState
from core.pipeline.ports import Ports, PreviewResult
from core.secret import Secret
from listeners.blocks.notification_builder import notification_blocks, notification_metadata
from tests.listeners.conftest import Harness

pytestmark = pytest.mark.db
OWNER = "U0MUTE001"
CHANNEL = "C0MUTES01"


class NoCapture:
    def preview(self, *, uid: str, token: Secret | None) -> PreviewResult:
        return PreviewResult(None, True, [])


def _text(message: dict) -> str:
    return message.get("text", "") + json.dumps(message.get("blocks", []), ensure_ascii=False)


def _add_run(harness: Harness, username: str, table: str, state: DashboardState) -> int:
    with harness.services.core.db.session() as session:
        owner = users.require(session, username)
        row = Dashboard(
            user_id=owner.id,
            kind="timing",
            database_name=f"{username}_timing",
            table_name=table,
            state=state,
            series="cpu",
            grafana_url="https://grafana.test/d/x",
            key_figures={},
        )
        session.add(row)
        session.flush()
        return row.id


def _post_message(harness: Harness, username: str, dashboard_id: int, table: str) -> dict[str, Any]:
    client = build_web_client(harness.settings, harness.sim.bot_token)
    blocks = notification_blocks(
        dashboard_id=dashboard_id,
        kind="timing",
        table=table,
        username=username,
        slack_user_id=OWNER,
        database=f"{username}_timing",
        grafana_url="https://grafana.test/d/x",
        figures=[],
        top=[],
        file_id=None,
        problems=[],
        series="cpu",
    )
    client.chat_postMessage(
        channel=CHANNEL, blocks=blocks, text=table, metadata=notification_metadata(dashboard_id, username, table)
    )
    return harness.sim.messages_in(CHANNEL)[-1]


def _advance(harness: Harness, ports: Ports) -> None:
    with harness.services.core.db.session() as session:
        claims = states.claim_due(session, owner=ports.owner, lease_s=60, limit=10)
    for claim in claims:
        worker.process(harness.services.core, ports, claim)


def _state(harness: Harness, table: str) -> str:
    with harness.services.core.db.session() as session:
        return session.scalars(select(Dashboard.state).where(Dashboard.table_name == table)).one()


def test_mute_button_mutes_the_series_and_unmute_resumes_it(harness: Harness, unique_username) -> None:  # type: ignore[no-untyped-def]
    ctx = harness.services.core
    harness.sim.add_user(OWNER, name="muter")
    harness.sim.add_channel(CHANNEL, name="mutes", is_member=True, members=[OWNER])
    name = unique_username("muter")
    harness.command(OWNER, f"register {name}")
    with ctx.db.session() as session:
        user = users.require(session, name)
        session.add(
            Credential(user_id=user.id, key_name="SLACK_CHANNEL_ID", encrypted_value=ctx.cipher.encrypt(CHANNEL))
        )
    first = _add_run(harness, name, "cpu_1", DashboardState.POSTED)
    message = _post_message(harness, name, first, "cpu_1")
    ports = Ports(
        NoCapture(),
        SlackNotifier(harness.settings, build_web_client(harness.settings, harness.sim.bot_token)),
        owner="test:mutes",
    )

    # Someone else's click is refused and mutes nothing.
    harness.sim.click_button("U0OTHER01", "edabot_mute_dashboard", message=message, channel_id=CHANNEL).wait_ack(3)
    assert harness.services.work.wait_idle(10)
    with ctx.db.session() as session:
        assert session.scalars(select(SeriesMute)).all() == []
    assert _state(harness, "cpu_1") == DashboardState.POSTED
    harness.sim.click_button(OWNER, "edabot_mute_dashboard", message=message, channel_id=CHANNEL).wait_ack(3)
    assert harness.services.work.wait_idle(10)
    said = harness.sim.wait_for(
        lambda: [e for e in harness.sim.ephemerals_for(OWNER) if "Muted series" in e["text"]], 10
    )
    assert "`cpu`" in said[-1]["text"] and "Unmute" in json.dumps(said[-1]["blocks"])
    with ctx.db.session() as session:
        mutes = session.execute(select(SeriesMute.kind, SeriesMute.series)).all()
    assert [tuple(m) for m in mutes] == [("timing", "cpu")]

    # A later run of the series, ready to post, stops in `muted`: Slack gets nothing.
    _add_run(harness, name, "cpu_2", DashboardState.PREVIEW_READY)
    _advance(harness, ports)
    assert _state(harness, "cpu_2") == DashboardState.MUTED
    assert len(harness.sim.messages_in(CHANNEL)) == 1

    listed = _text(harness.command(OWNER, "mute"))
    assert "`cpu` (timing)" in listed and "unmute &lt;series&gt;" in listed
    assert "Unmuted series `cpu` (timing)" in _text(harness.command(OWNER, "unmute cpu"))
    with ctx.db.session() as session:
        assert session.scalars(select(SeriesMute)).all() == []
    assert "no muted series" in _text(harness.command(OWNER, "mute"))

    _add_run(harness, name, "cpu_3", DashboardState.PREVIEW_READY)
    _advance(harness, ports)
    assert _state(harness, "cpu_3") == DashboardState.POSTED
    posted = harness.sim.messages_in(CHANNEL)
    assert [m["metadata"]["event_payload"]["table"] for m in posted] == ["cpu_1", "cpu_3"]


def test_unmute_of_a_series_that_is_not_muted_says_so(harness: Harness, unique_username) -> None:  # type: ignore[no-untyped-def]
    name = unique_username("muter")
    harness.command("U0MUTE002", f"register {name}")
    assert "no muted series named `gcd`" in _text(harness.command("U0MUTE002", "unmute gcd"))
