"""Runs of one design as a series, through `edabot run` with real Chromium: the first run is a channel message,
later runs reply in its thread (a regression is also broadcast to the channel), the parent is edited to show the
latest run, and a SIGKILL between a reply and the parent's update leaves one reply and a current parent.

The tables are written the way an engineer's loader would: through their own login (DB_PASSWORD, revealed from
the creds modal). Every figure the messages must show is worked out here from the slacks inserted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from listeners.ids import ActionId, CallbackId
from tests.e2e.conftest import CHANNEL_ID, BotProcess, bot_process, fast_capture
from tests.e2e.test_pipeline_e2e import _dashboard_messages, _register
from tests.fakes.grafana import GrafanaFake
from tests.slack_views import select_overflow, wait_for_view

pytestmark = [pytest.mark.e2e, pytest.mark.db]
OWNER_ID = "U0SERIES2"
OWNER = "series_e2e"

# One run: (path_type, slack in ns) per path, as an STA loader writes them.
Paths = list[tuple[str, float]]


@dataclass
class Engineer:
    bot: BotProcess
    url: str  # their own login to their timing database

    def add_run(self, table: str, paths: Paths) -> None:
        with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(
                f'CREATE TABLE "{table}" (startpoint text, endpoint text, path_group text, '
                "path_type text, required double precision, arrival double precision, slack double precision)"
            )
            with conn.cursor().copy(f'COPY "{table}" FROM STDIN') as copy:
                for i, (path_type, slack) in enumerate(paths):
                    copy.write_row((f"r{i}/Q", f"r{i + 1}/D", "clk", path_type, 1.0, 1.0 - slack, slack))


@pytest.fixture(scope="module")
def engineer() -> Iterator[Engineer]:
    """One `edabot run` for the module (each start costs seconds): the tests use different series."""
    with GrafanaFake(render_delay_ms=20) as grafana, bot_process() as bot:
        fast_capture(bot, grafana)
        bot.start()
        _register(bot, OWNER_ID, OWNER)
        password = _reveal_db_password(bot)
        port = (bot.data_dir / ".edabot" / "pg-port").read_text().strip()
        yield Engineer(bot, f"postgresql://{OWNER}:{password}@127.0.0.1:{port}/{OWNER}_timing")
        assert bot.stop() == 0
        assert grafana.violations == []


def _reveal_db_password(bot: BotProcess) -> str:
    bot.sim.send_slash_command(OWNER_ID, "creds", channel_id=CHANNEL_ID).wait_ack(timeout=3)
    view = wait_for_view(bot.sim, OWNER_ID, CallbackId.CREDS_LIST, contains="DB_PASSWORD", timeout=15)
    select_overflow(bot.sim, OWNER_ID, ActionId.CREDS_ROW_MENU, "reveal:DB_PASSWORD", view=view).wait_ack(3)
    shown = bot.sim.wait_for(
        lambda: [e for e in bot.sim.ephemerals_for(OWNER_ID) if "DB_PASSWORD (only you" in e["text"]], 15
    )
    return str(shown[-1]["text"].rsplit(": ", 1)[1])


# ---- what the user sees -----------------------------------------------------------------------------------


def _run_messages(bot: BotProcess, prefix: str) -> list[dict[str, Any]]:
    """The messages (parent and replies) whose metadata names a table of this series, oldest first."""
    return [m for m in _dashboard_messages(bot) if m["metadata"]["event_payload"]["table"].startswith(prefix)]


def _message_of(bot: BotProcess, table: str) -> dict[str, Any] | None:
    return next((m for m in _dashboard_messages(bot) if m["metadata"]["event_payload"]["table"] == table), None)


def _header(message: dict[str, Any]) -> str:
    return str(message["blocks"][0]["text"]["text"])


def _fields(message: dict[str, Any]) -> dict[str, str]:
    """Figure title -> the value and change lines under it."""
    found = {}
    for block in message["blocks"]:
        for field in block.get("fields", []) if block["type"] == "section" else []:
            title, _, rest = field["text"].partition("\n")
            found[title.strip("*")] = rest
    return found


def _image(message: dict[str, Any]) -> str | None:
    return next((b["slack_file"]["id"] for b in message["blocks"] if b["type"] == "image"), None)


def _rows(bot: BotProcess, prefix: str) -> list[tuple[str, str, str | None, str | None, str | None]]:
    with bot.connect() as conn:
        return conn.execute(
            "SELECT table_name, state, series, message_ts, thread_ts FROM dashboards "
            "WHERE table_name LIKE %s ORDER BY id",
            (prefix + "%",),
        ).fetchall()


def _posted(bot: BotProcess, table: str) -> dict[str, Any]:
    """Wait for a run's message, and for its dashboards row to be marked posted."""

    def done() -> dict[str, Any] | None:
        with bot.connect() as conn:
            row = conn.execute("SELECT state FROM dashboards WHERE table_name = %s", (table,)).fetchone()
        return _message_of(bot, table) if row == ("posted",) else None

    found: dict[str, Any] = bot.sim.wait_for(done, 90, what=f"{table} posted")
    return found


def _parent_shows(bot: BotProcess, parent_ts: str, table: str) -> dict[str, Any]:
    def edited() -> dict[str, Any] | None:
        parent = next(m for m in bot.sim.messages_in(CHANNEL_ID) if m["ts"] == parent_ts)
        return parent if _header(parent) == f"Timing: {table}" else None

    found: dict[str, Any] = bot.sim.wait_for(edited, 60, what=f"the parent showing {table}")
    return found


# ---- the figures, worked out from the inserted slacks --------------------------------------------------------


def _figures(paths: Paths) -> dict[str, float]:
    figures = {}
    for label, kind in (("Setup", "max"), ("Hold", "min")):
        slacks = [s for t, s in paths if t == kind]
        figures[f"{label} WNS"] = min(slacks)
        figures[f"{label} TNS"] = sum(s for s in slacks if s < 0)
        figures[f"{label} violating paths"] = sum(1 for s in slacks if s < 0)
    figures["Paths"] = len(paths)
    return figures


def _expected(title: str, runs: list[Paths]) -> str:
    """The field for `title` of the last run: value with unit; against the run before, the arrow, the size in
    ps (slack) or paths (counts), green when better for that metric and red when worse; and the marks."""
    values = [_figures(run)[title] for run in runs]
    counted = "paths" in title.lower()
    text = f"{values[-1]:.0f} count" if counted else f"{values[-1]:.3f} ns"
    if len(values) < 2:
        return text
    delta = values[-1] - values[-2]
    if delta == 0:
        return text + "\n:white_circle: no change"
    arrow = "▲" if delta > 0 else "▼"
    size = f"{abs(delta):.0f}" if counted else f"{abs(delta) * 1000:.1f} ps"
    if title == "Paths":  # how many paths the report holds: neither better nor worse
        return text + f"\n:large_blue_circle: {arrow} {size}"

    def better(change: float) -> bool:
        # Slack: less negative is better. Violating paths: fewer is better.
        return change < 0 if counted else change > 0

    def worse(change: float) -> bool:
        return change != 0 and not better(change)

    text += f"\n{':large_green_circle:' if better(delta) else ':red_circle:'} {arrow} {size}"
    if all(better(values[-1] - earlier) for earlier in values[:-1]):
        text += " · _best so far_"
    elif worse(delta) and (len(values) < 3 or not worse(values[-2] - values[-3])):
        text += " · _first regression_"
    return text


# ---- the tests ----------------------------------------------------------------------------------------------

# Three runs of one design. Run 2 is better everywhere (a quiet reply); run 3 regresses: setup WNS 137 ps worse
# (the default threshold is 10 ps), setup TNS 229 ps worse (threshold 100 ps), two more violating setup paths,
# hold WNS 28 ps worse and one more violating hold path; hold TNS only 20 ps worse, under its threshold.
CPU_RUNS: list[Paths] = [
    [("max", -0.120), ("max", 0.210), ("max", 0.050), ("max", -0.030), ("min", 0.015), ("min", -0.004)],
    [("max", -0.114), ("max", 0.300), ("max", 0.020), ("max", 0.040), ("min", 0.012), ("min", 0.008)],
    [("max", -0.251), ("max", -0.090), ("max", 0.100), ("max", -0.002), ("min", 0.011), ("min", -0.020)],
]
REGRESSED_IN_RUN_3 = ["Setup WNS", "Setup TNS", "Setup violating paths", "Hold WNS", "Hold violating paths"]
TITLES = [
    "Setup WNS",
    "Setup TNS",
    "Setup violating paths",
    "Paths",
    "Hold WNS",
    "Hold TNS",
    "Hold violating paths",
]


def test_three_runs_give_one_parent_two_replies_a_broadcast_regression_and_a_current_parent(
    engineer: Engineer,
) -> None:
    bot = engineer.bot
    tables = [f"cpu_{n}" for n in (1, 2, 3)]
    engineer.add_run(tables[0], CPU_RUNS[0])
    first = _posted(bot, tables[0])
    assert not first.get("thread_ts") and _header(first) == "Timing: cpu_1"
    assert _fields(first) == {t: _expected(t, CPU_RUNS[:1]) for t in TITLES}, "units, hold next to setup"
    parent_ts = first["ts"]
    for n in (1, 2):
        engineer.add_run(tables[n], CPU_RUNS[n])
        _posted(bot, tables[n])
        _parent_shows(bot, parent_ts, tables[n])

    messages = _run_messages(bot, "cpu_")
    assert len(messages) == 3, [m["metadata"] for m in messages]
    parent, quiet, loud = messages
    assert parent["ts"] == parent_ts and parent.get("thread_ts") in (None, parent_ts)
    assert [m["metadata"]["event_payload"]["table"] for m in (quiet, loud)] == tables[1:]
    assert quiet["thread_ts"] == loud["thread_ts"] == parent_ts, "later runs reply in the first run's thread"
    assert quiet.get("subtype") != "thread_broadcast", "a run that got better stays in the thread"
    assert loud.get("subtype") == "thread_broadcast", "a regression beyond the threshold reaches the channel"
    posts = [json.loads(c["metadata"]) if isinstance(c["metadata"], str) else c["metadata"] for c in _posts(bot)]
    assert [p["event_payload"]["table"] for p in posts if p["event_payload"]["table"].startswith("cpu_")] == tables
    broadcast = [c for c in _posts(bot) if str(c.get("reply_broadcast")).lower() == "true"]
    assert len(broadcast) == 1 and broadcast[0]["thread_ts"] == parent_ts

    assert _fields(quiet) == {t: _expected(t, CPU_RUNS[:2]) for t in TITLES}
    assert _fields(loud) == {t: _expected(t, CPU_RUNS) for t in TITLES}
    loud_text = json.dumps(loud["blocks"], ensure_ascii=False)
    assert "*Regressed:* " + ", ".join(REGRESSED_IN_RUN_3) in loud_text
    assert "Regressed" not in json.dumps(quiet["blocks"])
    assert "compared with `cpu_2`" in loud_text and "compared with `cpu_1`" in json.dumps(quiet["blocks"])
    assert _image(quiet) and _image(loud) and _image(quiet) != _image(loud), "each run its own preview"

    # The parent, edited in place: the latest run's figures and preview, and the WNS of the three runs as a
    # sparkline (runs 1 and 2 within 6 ps of the top, run 3 at the bottom).
    parent = _parent_shows(bot, parent_ts, "cpu_3")
    shown = json.dumps(parent["blocks"], ensure_ascii=False)
    assert "Latest of 3 runs of series `cpu`" in shown and "WNS trend: ██▁" in shown
    assert _fields(parent) == _fields(loud)
    assert _image(parent) == _image(loud)
    assert parent["metadata"]["event_payload"]["table"] == "cpu_1", "the parent still names the first run"
    assert len(_run_messages(bot, "cpu_")) == 3

    # The master database agrees: one series, the first run is the parent, the others its replies.
    assert _rows(bot, "cpu_") == [
        ("cpu_1", "posted", "cpu", parent_ts, None),
        ("cpu_2", "posted", "cpu", quiet["ts"], parent_ts),
        ("cpu_3", "posted", "cpu", loud["ts"], parent_ts),
    ]
    bot.sim.assert_no_violations()


def _posts(bot: BotProcess) -> list[dict[str, Any]]:
    return [c for c in bot.sim.calls("chat.postMessage") if c.get("metadata")]


DSP_RUNS: list[Paths] = [
    [("max", -0.080), ("max", 0.100), ("min", 0.010)],
    [("max", -0.140), ("max", 0.090), ("min", 0.030)],
]


def test_sigkill_between_the_reply_and_the_parent_update_leaves_one_reply_and_a_current_parent(
    engineer: Engineer,
) -> None:
    bot = engineer.bot
    engineer.add_run("dsp_1", DSP_RUNS[0])
    parent_ts = _posted(bot, "dsp_1")["ts"]

    # The parent's update stalls in Slack, so the process is certainly between the reply and that update.
    bot.sim.inject("chat.update", delay=600, times=None)
    engineer.add_run("dsp_2", DSP_RUNS[1])
    reply = bot.sim.wait_for(lambda: _message_of(bot, "dsp_2"), 90, what="the reply")
    bot.sim.wait_for_call("chat.update", lambda c: c.get("ts") == parent_ts, timeout=30)
    bot.kill()
    bot.sim.clear_injections("chat.update")
    with bot.connect() as conn:
        sent = conn.execute(
            "SELECT state, message_ts, send_started_at IS NOT NULL FROM dashboards WHERE table_name = 'dsp_2'"
        ).fetchone()
    assert sent == ("preview_ready", None, True), "killed after the send, before it was recorded"
    assert _header(next(m for m in bot.sim.messages_in(CHANNEL_ID) if m["ts"] == parent_ts)) == "Timing: dsp_1"

    bot.start()
    _posted(bot, "dsp_2")
    parent = _parent_shows(bot, parent_ts, "dsp_2")

    replies = [m for m in _run_messages(bot, "dsp_") if m["ts"] != parent_ts]
    assert [m["ts"] for m in replies] == [reply["ts"]], "found again in the thread, not posted twice"
    assert len([c for c in _posts(bot) if "dsp_2" in json.dumps(c["metadata"])]) == 1
    assert reply["thread_ts"] == parent_ts
    shown = json.dumps(parent["blocks"], ensure_ascii=False)
    assert "Latest of 2 runs of series `dsp`" in shown
    assert _fields(parent) == {t: _expected(t, DSP_RUNS) for t in TITLES}
    assert _image(parent) is not None and _image(parent) == _image(reply), "the parent shows the latest preview"
    assert _rows(bot, "dsp_") == [
        ("dsp_1", "posted", "dsp", parent_ts, None),
        ("dsp_2", "posted", "dsp", reply["ts"], parent_ts),
    ]
    bot.sim.assert_no_violations()
