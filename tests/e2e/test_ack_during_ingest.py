"""A 100 MB report uploaded through the REST API loads in a child process: while it does, `edabot run` still
acknowledges slash commands in well under Slack's 3 s, within 1 s every time."""

from __future__ import annotations

import textwrap
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import CHANNEL_ID, BotProcess
from tests.e2e.test_foundation_e2e import _register
from tests.unit.ingest.test_inline_formats import DC_TIMING

pytestmark = [pytest.mark.e2e, pytest.mark.db]

REPORT_BYTES = 100 * 1024 * 1024


def write_big_timing_report(path: Path, target_bytes: int) -> int:
    """The hand-written Synopsys path, repeated with a new startpoint each time, until the file holds
    target_bytes. Returns the number of paths."""
    text = textwrap.dedent(DC_TIMING).lstrip("\n")
    head, rest = text.split("  Startpoint:", 1)
    path_text, tail = rest.split("slack (MET)", 1)
    block = "  Startpoint:" + path_text + "slack (MET)" + tail.split("\n", 1)[0] + "\n\n"
    paths = 0
    with path.open("w") as fh:
        fh.write(head)
        written = len(head)
        chunk: list[str] = []
        while written < target_bytes:
            piece = block.replace("a_reg_0_", f"a_reg_{paths}_")
            chunk.append(piece)
            written += len(piece)
            paths += 1
            if len(chunk) == 1000:
                fh.write("".join(chunk))
                chunk = []
        fh.write("".join(chunk) + "\n1\n")
    return paths


def _ingesting(bot: BotProcess) -> bool:
    with bot.connect() as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'edabot-ingest' AND state = 'active'"
        ).fetchone()
    return bool(row and row[0])


def test_slash_commands_are_acked_within_a_second_while_100_mb_loads(bot: BotProcess) -> None:
    bot.start()
    key = _register(bot, "U0ALICE01", "alice_ack")
    report = bot.data_dir / "big_timing.rpt"
    paths = write_big_timing_report(report, REPORT_BYTES)

    outcome: dict[str, object] = {}

    def upload() -> None:
        with report.open("rb") as fh:
            response = httpx.post(
                f"{bot.api_url()}/api/v1/users/alice_ack/reports",
                headers={"Authorization": f"Bearer {key}"},
                files={"file": (report.name, fh, "text/plain")},
                timeout=600,
            )
        outcome["status"] = response.status_code
        outcome["body"] = response.json()

    uploader = threading.Thread(target=upload, name="upload")
    uploader.start()
    bot.sim.wait_for(lambda: _ingesting(bot) or not uploader.is_alive(), timeout=120, what="the ingest to start")

    latencies: list[float] = []
    while uploader.is_alive():
        latencies.append(bot.sim.send_slash_command("U0ALICE01", "help", channel_id=CHANNEL_ID).wait_ack(5).latency_s)
        time.sleep(0.2)
    uploader.join()

    assert outcome.get("status") == 201, outcome
    assert len(latencies) >= 5, f"the ingest was over before enough commands were sent: {latencies}"
    assert max(latencies) < 1.0, f"ack latencies while 100 MB loaded: {sorted(latencies)[-5:]}"
    with bot.connect("alice_ack_timing") as conn:
        stored = conn.execute("SELECT count(*) FROM eda.timing_paths").fetchone()
    assert stored == (paths,)
