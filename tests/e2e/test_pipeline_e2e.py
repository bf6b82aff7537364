"""A new table becomes a dashboard, a GIF preview and exactly one Slack message, through `edabot run`."""

from __future__ import annotations

import io
import json
import shutil
import time
from collections.abc import Iterator

import pytest
from PIL import Image

from tests.e2e.conftest import CHANNEL_ID, BotProcess
from tests.fakes.grafana import GrafanaFake

pytestmark = [pytest.mark.e2e, pytest.mark.db]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def grafana() -> Iterator[GrafanaFake]:
    with GrafanaFake(render_delay_ms=20) as fake:
        yield fake


def _configure(bot: BotProcess, grafana: GrafanaFake) -> None:
    if CHROMIUM is None:
        pytest.skip("no Chromium executable (apt-get install chromium): capture needs a real browser")
    bot.env.update(
        GRAFANA_BASE_URL=grafana.base_url,
        GRAFANA_API_KEY=grafana.token,
        SLACK_CHANNEL_ID=CHANNEL_ID,
        SCAN_INTERVAL_SECONDS="2",
        CAPTURE_FRAMES="4",
        CAPTURE_FRAME_DELAY="200",
        CAPTURE_WIDTH="900",
        CAPTURE_HEIGHT="700",
        GIF_WIDTH="450",
        CHROMIUM_PATH=CHROMIUM,
        CAPTURE_TIMEOUT="60000",
    )


def _register(bot: BotProcess, user: str, name: str) -> None:
    delivery = bot.sim.send_slash_command(user, f"register {name}", channel_id=CHANNEL_ID)
    delivery.wait_ack(timeout=3)
    bot.sim.wait_for(lambda: any("Welcome" in json.dumps(m) for m in bot.sim.response_messages(delivery)), 60)


def _create_timing_table(bot: BotProcess, owner: str, table: str, slacks: list[float]) -> None:
    """As the engineer's own role would: their loader writes a table of canonical timing columns."""
    with bot.connect(f"{owner}_timing") as conn:
        conn.execute(f'SET ROLE "{owner}"')
        conn.execute(
            f'CREATE TABLE "{table}" (startpoint text, endpoint text, path_group text, '
            "path_type text, required double precision, arrival double precision, slack double precision)"
        )
        with conn.cursor().copy(f'COPY "{table}" FROM STDIN') as copy:
            for i, slack in enumerate(slacks):
                copy.write_row((f"r{i}/Q", f"r{i + 1}/D", "clk" if i % 2 else "io", "max", 1.0, 1.0 - slack, slack))


def _dashboard_messages(bot: BotProcess) -> list[dict]:
    return [
        m for m in bot.sim.messages_in(CHANNEL_ID) if (m.get("metadata") or {}).get("event_type") == "edabot_dashboard"
    ]


def test_new_table_is_posted_once_with_figures_and_an_animated_preview(bot: BotProcess, grafana: GrafanaFake) -> None:
    _configure(bot, grafana)
    bot.start()
    _register(bot, "U0ALICE01", "alice_pipe")
    slacks = [0.42, -0.125, 0.05, -0.3, 0.9, 0.2, -0.01, 0.33] * 4
    started = time.monotonic()
    _create_timing_table(bot, "alice_pipe", "sta_run_42", slacks)

    bot.sim.wait_for(lambda: _dashboard_messages(bot), 120, what="the dashboard message")
    latency = time.monotonic() - started
    message = _dashboard_messages(bot)[0]
    text = json.dumps(message["blocks"], ensure_ascii=False)
    assert "sta_run_42" in text and "<@U0ALICE01>" in text
    assert f"{min(slacks):.4g}" in text, "WNS is the minimum slack"
    tns = sum(s for s in slacks if s < 0)
    assert f"{tns:.4g}" in text, "TNS is the sum of the negative slacks"
    assert str(sum(1 for s in slacks if s < 0)) in text
    assert message["metadata"]["event_payload"]["table"] == "sta_run_42"
    buttons = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == ["Open in Grafana", "Refresh preview", "Mute"]
    assert buttons[0]["url"].startswith(grafana.base_url + "/d/")

    image = next(b for b in message["blocks"] if b["type"] == "image")
    gif = bot.sim.file_content(image["slack_file"]["id"])
    assert gif is not None and gif[:6] in (b"GIF87a", b"GIF89a")
    frames = _frames(gif)
    assert Image.open(io.BytesIO(gif)).size[0] == 450
    distinct = {f.tobytes() for f in frames}
    assert len(frames) >= 3 and len(distinct) >= 3, "the preview tours the dashboard"
    print(f"CREATE TABLE to Slack message: {latency:.1f}s")

    # More scans come and go: still exactly one message for that table.
    time.sleep(5)
    assert len(_dashboard_messages(bot)) == 1
    with bot.connect() as conn:
        row = conn.execute(
            "SELECT state, message_ts, grafana_uid FROM dashboards WHERE table_name = 'sta_run_42'"
        ).fetchone()
    assert row is not None and row[0] == "posted" and row[1] == message["ts"]
    assert grafana.dashboard(row[2]) is not None

    # Operators see it too: health and Prometheus metrics from the same process.
    import httpx

    health = httpx.get(bot.api_url() + "/healthz", timeout=10)
    assert health.status_code == 200 and health.json()["status"] == "ok", health.text
    metrics = httpx.get(bot.api_url() + "/metrics", timeout=10).text
    assert 'edabot_dashboards{state="posted"} 1.0' in metrics
    assert (
        "edabot_capture_seconds_count 1.0" in metrics
        and 'edabot_slack_calls_total{method="chat.postMessage"}' in metrics
    )
    assert "edabot_ack_seconds_count" in metrics and 'edabot_grafana_calls_total{method="POST"}' in metrics

    # Refresh preview replaces the picture in the same message.
    old_file = image["slack_file"]["id"]
    bot.sim.click_button("U0ALICE01", "edabot_refresh_preview", message=message, channel_id=CHANNEL_ID).wait_ack(3)

    def refreshed() -> dict | None:
        current = _dashboard_messages(bot)[0]
        new = next((b for b in current["blocks"] if b["type"] == "image"), None)
        return current if new and new["slack_file"]["id"] != old_file else None

    current = bot.sim.wait_for(refreshed, 60, what="the refreshed preview")
    assert current["ts"] == message["ts"] and len(_dashboard_messages(bot)) == 1

    # Only the owner (or an admin) may mute; the refusal says why; the owner's mute says how to undo it.
    bot.sim.click_button("U0MALLORY", "edabot_mute_dashboard", message=current, channel_id=CHANNEL_ID).wait_ack(3)
    refusal = bot.sim.wait_for(lambda: bot.sim.ephemerals_for("U0MALLORY"), 20)
    assert "only for your own account" in refusal[-1]["text"]
    bot.sim.click_button("U0ALICE01", "edabot_mute_dashboard", message=current, channel_id=CHANNEL_ID).wait_ack(3)
    muted = bot.sim.wait_for(lambda: [e for e in bot.sim.ephemerals_for("U0ALICE01") if "Muted" in e["text"]], 20)
    assert "Unmute" in json.dumps(muted[-1]["blocks"])
    with bot.connect() as conn:
        assert conn.execute("SELECT state FROM dashboards WHERE table_name = 'sta_run_42'").fetchone() == ("muted",)

    assert bot.stop() == 0
    bot.sim.assert_no_violations()
    assert grafana.violations == []


def _frames(gif: bytes) -> list[Image.Image]:
    image = Image.open(io.BytesIO(gif))
    frames = []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        frames.append(image.convert("RGB"))
    return frames


def test_bot_not_in_channel_is_a_visible_failure_with_the_fix(bot: BotProcess, grafana: GrafanaFake) -> None:
    _configure(bot, grafana)
    bot.sim.add_channel("C0PRIV001", name="secret-eda", is_private=True, is_member=False)
    bot.env["SLACK_CHANNEL_ID"] = "C0PRIV001"
    bot.start()
    _register(bot, "U0BOB0001", "bob_pipe")
    _create_timing_table(bot, "bob_pipe", "sta_hidden", [0.1, -0.2])

    def failed() -> tuple | None:
        with bot.connect() as conn:
            return conn.execute(
                "SELECT state, last_error FROM dashboards WHERE table_name = 'sta_hidden' AND state = 'failed'"
            ).fetchone()

    row = bot.sim.wait_for(failed, 120, what="a visible failure")
    assert "invite @edabot" in row[1]
    bot.sim.add_channel("C0PRIV001", name="secret-eda", is_private=True, is_member=True)
    with bot.connect() as conn:
        conn.execute("UPDATE dashboards SET next_attempt_at = now() WHERE table_name = 'sta_hidden'")
    bot.sim.wait_for(lambda: [m for m in bot.sim.messages_in("C0PRIV001") if m.get("metadata")], 60)
    assert bot.stop() == 0


def test_report_dropped_in_a_dm_becomes_a_table_a_dashboard_and_a_message(
    bot: BotProcess, grafana: GrafanaFake
) -> None:
    from tests.conftest import shared_path

    sample = shared_path("eda-samples", "opensta_report_checks", "opensta_min_max_delays.ok")
    _configure(bot, grafana)
    bot.start()
    _register(bot, "U0DAVE001", "dave_pipe")
    bot.sim.send_dm_file("U0DAVE001", "min_max.rpt", sample.read_bytes()).wait_ack(timeout=5)
    im = bot.sim.im_channel("U0DAVE001")
    reply = bot.sim.wait_for(
        lambda: [m for m in bot.sim.messages_in(im) if "Loaded" in m.get("text", "")], 60, what="the thread reply"
    )[-1]
    assert reply.get("thread_ts"), "the answer is in the file's thread"
    table = json.dumps(reply["blocks"]).split("timing table `")[1].split("`")[0]
    bot.sim.wait_for(
        lambda: [m for m in _dashboard_messages(bot) if m["metadata"]["event_payload"]["table"] == table],
        120,
        what="the dashboard message",
    )

    bad = sample.read_bytes()[:700]
    bot.sim.send_dm_file("U0DAVE001", "cut_short.rpt", bad).wait_ack(timeout=5)
    refused = bot.sim.wait_for(
        lambda: [
            m for m in bot.sim.messages_in(im) if "cut_short.rpt" in json.dumps(m) and "refused" in m.get("text", "")
        ],
        60,
        what="the refusal",
    )[-1]
    text = json.dumps(refused["blocks"])
    assert "line" in text and "nothing was kept" in text and "Traceback" not in text
    assert bot.stop() == 0
