"""Exactly once, whatever happens: SIGKILL at random moments, and two processes sharing one master DB."""

from __future__ import annotations

import collections
import os
import random
import time

import pytest

from tests.e2e.conftest import CHANNEL_ID, BotProcess
from tests.e2e.test_pipeline_e2e import _configure, _create_timing_table, _dashboard_messages, _register, grafana
from tests.fakes.grafana import GrafanaFake

pytestmark = [pytest.mark.e2e, pytest.mark.db]
__all__ = ["grafana"]  # the fixture, shared with the pipeline e2e tests
KILLS = int(os.environ.get("EDABOT_CRASH_KILLS", "20"))


def _fast_capture(bot: BotProcess, grafana: GrafanaFake) -> None:
    _configure(bot, grafana)
    bot.env.update(
        SCAN_INTERVAL_SECONDS="1",
        CAPTURE_FRAMES="3",
        CAPTURE_FRAME_DELAY="100",
        CAPTURE_WIDTH="640",
        CAPTURE_HEIGHT="480",
        GIF_WIDTH="320",
    )


def _posted_counts(bot: BotProcess) -> collections.Counter[int]:
    return collections.Counter(int(m["metadata"]["event_payload"]["dashboard_id"]) for m in _dashboard_messages(bot))


def _states(bot: BotProcess) -> dict[str, str]:
    with bot.connect() as conn:
        return dict(conn.execute("SELECT table_name, state FROM dashboards").fetchall())


def test_sigkill_at_random_moments_never_loses_or_doubles_a_message(bot: BotProcess, grafana: GrafanaFake) -> None:
    _fast_capture(bot, grafana)
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


def test_two_processes_share_the_work_and_post_each_table_once(bot: BotProcess, grafana: GrafanaFake) -> None:
    _fast_capture(bot, grafana)
    bot.start()
    _register(bot, "U0TWIN001", "twin_user")
    second = BotProcess(bot.sim, bot.data_dir, bot.log_file.with_name("second.log"), dict(bot.env))
    second.outputs = []
    second.start()
    try:
        bot.sim.wait_connected(timeout=20, count=2)
        for i in range(30):
            _create_timing_table(bot, "twin_user", f"sta_twin_{i:02d}", [0.1 * (i % 5) - 0.2, 0.3])
        bot.sim.wait_for(lambda: list(_states(bot).values()).count("posted") == 30, 300, what="30 tables posted")
        counts = _posted_counts(bot)
        assert len(counts) == 30 and set(counts.values()) == {1}
        owners = collections.Counter(m["ts"] for m in bot.sim.messages_in(CHANNEL_ID) if m.get("metadata"))
        assert len(owners) == 30
    finally:
        assert second.stop() == 0
    assert bot.stop() == 0
