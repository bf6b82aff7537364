"""A big report dropped into a DM shows its load in the thread: one message, edited as the load moves on."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_ack_during_ingest import write_big_timing_report
from tests.listeners.conftest import Harness

USER = "U0PROGRES1"


def _register(harness: Harness, unique_username) -> None:  # type: ignore[no-untyped-def]
    answer = harness.command(USER, f"register {unique_username('dmbar')}")
    assert "Registered" in answer.get("text", ""), answer


def _bot_thread_messages(harness: Harness) -> list[dict]:
    im = harness.sim.im_channel(USER)
    return [m for m in harness.sim.messages_in(im) if m.get("thread_ts") and m.get("user") == harness.sim.bot_user_id]


def _loaded(harness: Harness, name: str) -> bool:
    return any(
        "timing table" in json.dumps(m.get("blocks", [])) and name in json.dumps(m.get("blocks", []))
        for m in _bot_thread_messages(harness)
    )


def test_a_big_file_gets_one_progress_message_edited_until_read(
    harness: Harness, unique_username, tmp_path: Path
) -> None:
    _register(harness, unique_username)
    report = tmp_path / "big_dm.rpt"
    write_big_timing_report(report, 12 * 1024 * 1024)
    harness.sim.send_dm_file(USER, "big_dm.rpt", report.read_bytes()).wait_ack(timeout=5)
    harness.sim.wait_for(lambda: _loaded(harness, "big_dm.rpt"), timeout=120, what="the load to finish")

    progress = [
        m for m in _bot_thread_messages(harness) if "big_dm.rpt" in m.get("text", "") and "MB" in m.get("text", "")
    ]
    assert len(progress) == 1, "one progress message, edited in place rather than one per step"
    updates = [c for c in harness.sim.calls("chat.update") if c.get("ts") == progress[0]["ts"]]
    assert updates, "the progress message was never edited"
    assert progress[0]["text"].startswith("Read all of"), progress[0]["text"]


def test_a_small_file_gets_no_progress_message(harness: Harness, unique_username, tmp_path: Path) -> None:
    _register(harness, unique_username)
    report = tmp_path / "small_dm.rpt"
    write_big_timing_report(report, 64 * 1024)
    harness.sim.send_dm_file(USER, "small_dm.rpt", report.read_bytes()).wait_ack(timeout=5)
    harness.sim.wait_for(lambda: _loaded(harness, "small_dm.rpt"), timeout=60, what="the load to finish")
    assert not [m for m in _bot_thread_messages(harness) if "Loading" in m.get("text", "")]
    assert not harness.sim.calls("chat.update")
