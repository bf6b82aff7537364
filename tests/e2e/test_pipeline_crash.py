"""Exactly once, whatever happens: SIGKILL at random moments, and two processes sharing one master DB with fair
claims and an hourly quota (deferred tables released by the quota and by the summary message's button)."""

from __future__ import annotations

import collections
import json
import os
import random
import time

import pytest

from tests.e2e.conftest import CHANNEL_ID, BotProcess, fast_capture
from tests.e2e.test_pipeline_e2e import _create_timing_table, _dashboard_messages, _register, grafana
from tests.fakes.grafana import GrafanaFake

pytestmark = [pytest.mark.e2e, pytest.mark.db]
__all__ = ["grafana"]  # the fixture, shared with the pipeline e2e tests
KILLS = int(os.environ.get("EDABOT_CRASH_KILLS", "20"))


def _posted_counts(bot: BotProcess) -> collections.Counter[int]:
    return collections.Counter(int(m["metadata"]["event_payload"]["dashboard_id"]) for m in _dashboard_messages(bot))


def _states(bot: BotProcess) -> dict[str, str]:
    with bot.connect() as conn:
        return dict(conn.execute("SELECT table_name, state FROM dashboards").fetchall())


def test_sigkill_at_random_moments_never_loses_or_doubles_a_message(bot: BotProcess, grafana: GrafanaFake) -> None:
    fast_capture(bot, grafana)
    seed = int(os.environ.get("EDABOT_CRASH_SEED", str(random.SystemRandom().randrange(1_000_000))))
    rng = random.Random(seed)
    print(f"crash test seed {seed} (EDABOT_CRASH_SEED to replay), {KILLS} kills")
    bot.start()
    _register(bot, "U0CRASH01", "crash_user")
    tables = []
    for run in range(KILLS):
        table = f"sta_crash_{run:02d}"
        _create_timing_table(bot, "crash_user", table, [rng.uniform(-0.5, 0.5) for _ in range(12)])
        tables.append(table)
        # Kill somewhere in dashboard save, capture, upload, post or mark: the whole pass takes ~2-4 s.
        time.sleep(rng.uniform(0.2, 4.0))
        bot.kill()
        bot.start()
    bot.sim.wait_for(
        lambda: set(_states(bot).values()) == {"posted"} and len(_states(bot)) == len(tables),
        240,
        what="every table posted after the last restart",
    )
    counts = _posted_counts(bot)
    assert len(counts) == len(tables)
    assert set(counts.values()) == {1}, f"posted more than once: {[d for d, c in counts.items() if c > 1]}"
    assert bot.stop() == 0


def _summaries(bot: BotProcess) -> list[dict]:
    return [
        m for m in bot.sim.messages_in(CHANNEL_ID) if (m.get("metadata") or {}).get("event_type") == "edabot_deferred"
    ]


def test_two_processes_share_the_work_and_post_each_table_once(bot: BotProcess, grafana: GrafanaFake) -> None:
    """Two processes, fair claims, and a quota of 10 an hour for 30 tables: 10 are posted at once, 20 deferred
    under one summary; an hour later 10 more are released, and the button releases the rest. Every table is
    posted once, and the summary is one message edited in place."""
    fast_capture(bot, grafana)
    bot.env["MAX_NEW_DASHBOARDS_PER_HOUR"] = "10"
    bot.start()
    _register(bot, "U0TWIN001", "twin_user")
    second = BotProcess(bot.sim, bot.data_dir, bot.log_file.with_name("second.log"), dict(bot.env))
    second.outputs = []
    second.start()
    try:
        bot.sim.wait_connected(timeout=20, count=2)
        for i in range(30):
            _create_timing_table(bot, "twin_user", f"sta_twin_{i:02d}", [0.1 * (i % 5) - 0.2, 0.3])
        bot.sim.wait_for(lambda: list(_states(bot).values()).count("posted") == 10, 300, what="10 tables posted")
        bot.sim.wait_for(
            lambda: [m for m in _summaries(bot) if m["text"].startswith("20 more tables")], 60, what="the summary"
        )
        assert list(_states(bot).values()).count("deferred") == 20

        # An hour passes: the next scan pass (either process) lets the 10 oldest deferred tables in.
        with bot.connect() as conn:
            conn.execute("UPDATE dashboards SET admitted_at = admitted_at - interval '61 minutes'")
        bot.sim.wait_for(lambda: list(_states(bot).values()).count("posted") == 20, 300, what="20 tables posted")
        [summary] = bot.sim.wait_for(
            lambda: [m for m in _summaries(bot) if m["text"].startswith("10 more tables")], 60, what="10 left"
        )
        assert "edabot_process_deferred" in json.dumps(summary["blocks"])

        # The owner presses the button: whichever process gets the click, the rest go now.
        bot.sim.click_button("U0TWIN001", "edabot_process_deferred", message=summary, channel_id=CHANNEL_ID)
        bot.sim.wait_for(lambda: list(_states(bot).values()).count("posted") == 30, 300, what="30 tables posted")
        bot.sim.wait_for(lambda: all("being processed" in m["text"] for m in _summaries(bot)), 60, what="summary")
        counts = _posted_counts(bot)
        assert len(counts) == 30 and set(counts.values()) == {1}
        owners = collections.Counter(
            m["ts"] for m in bot.sim.messages_in(CHANNEL_ID) if (m.get("metadata") or {}).get("event_type")
        )
        assert len(owners) == 31  # 30 dashboards and one summary, each posted once
        assert len(_summaries(bot)) == 1
        posts = [c for c in bot.sim.calls("chat.postMessage") if "edabot_deferred" in json.dumps(c)]
        assert len(posts) == 1, "the summary was edited in place, never posted again"
    finally:
        assert second.stop() == 0
    assert bot.stop() == 0
