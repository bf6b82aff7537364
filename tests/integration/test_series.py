"""Series on real PostgreSQL: the build step records each dashboard's series (ingested runs by design,
platform and variant from eda.eda_runs, other tables by their name's stem), and `/eda series` moves a table
to the series its owner chooses, which a rebuild keeps."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core import registration, users
from core.authz import Actor
from core.context import CoreContext
from core.db.models import AuditEntry, Credential, Dashboard
from core.errors import InvalidInput, NotAllowed, NotFound
from core.ingest import ingest_file
from core.pipeline import scanner, states, worker
from core.pipeline.machine import DashboardState
from core.pipeline.ports import Ports
from core.usecases import dashboards as dashboard_usecase
from core.usecases import series as series_usecase
from tests.conftest import owner_login
from tests.fakes.grafana import GrafanaFake
from tests.fakes.slack import SlackSimulator
from tests.integration.pipeline_rig import NoCapture, simulator_notifier, with_grafana

pytestmark = pytest.mark.db
OWNER_ID = "U0SERIES1"
CHANNEL = "C0SERIES1"


@dataclasses.dataclass
class World:
    ctx: CoreContext
    ports: Ports
    name: str
    sim: SlackSimulator


@pytest.fixture
def world(core_ctx: CoreContext, unique_username) -> Iterator[World]:  # type: ignore[no-untyped-def]
    with SlackSimulator() as sim, GrafanaFake(render_delay_ms=5) as grafana:
        sim.add_user(OWNER_ID, name="seriesowner")
        sim.add_channel(CHANNEL, name="series", is_member=True, members=[OWNER_ID])
        ctx, client = with_grafana(core_ctx, grafana)
        name = unique_username("series")
        registration.register(ctx, username=name, slack_user_id=OWNER_ID, actor=Actor.cli())
        with ctx.db.session() as session:
            owner = users.require(session, name)
            session.add(
                Credential(user_id=owner.id, key_name="SLACK_CHANNEL_ID", encrypted_value=ctx.cipher.encrypt(CHANNEL))
            )
        notifier = simulator_notifier(sim)
        try:
            yield World(ctx, Ports(NoCapture(), notifier, owner="test:series"), name, sim)
        finally:
            client.close()


def _run_pipeline(w: World) -> None:
    scanner.scan(w.ctx, only_username=w.name)
    while worker.process_due(w.ctx, w.ports, limit=10):
        pass


def _series(w: World) -> dict[str, tuple[str | None, str]]:
    with w.ctx.db.session() as session:
        rows = session.execute(select(Dashboard.table_name, Dashboard.series, Dashboard.state)).all()
    return {table: (series, state) for table, series, state in rows}


def _metrics_file(tmp_path: Path, name: str, *, platform: str, area: float) -> Path:
    doc = {
        "run__flow__design": "gcd",
        "run__flow__platform": platform,
        "run__flow__variant": "base",
        "finish__design__instance__area": area,
        "finish__timing__setup__ws": -0.05,
    }
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def test_the_build_step_records_each_tables_series(world: World, tmp_path: Path) -> None:
    with owner_login(world.ctx, world.name, "timing") as conn:
        for table in ("run_harness_1", "run_harness_2", "aes_20261201_1200", "aes_20261202_0900"):
            conn.execute(f'CREATE TABLE "{table}" (endpoint text, slack double precision)')
            conn.execute(f"INSERT INTO \"{table}\" VALUES ('a', -0.5)")
    ingested = []
    for file, platform in (("a.json", "nangate45"), ("b.json", "nangate45"), ("c.json", "sky130hd")):
        with owner_login(world.ctx, world.name, "qor", autocommit=False) as conn:
            ingested.append(ingest_file(conn, _metrics_file(tmp_path, file, platform=platform, area=90)).table)
            conn.commit()
    assert len(set(ingested)) == 3

    _run_pipeline(world)

    found = _series(world)
    assert found["run_harness_1"] == ("run_harness", DashboardState.POSTED)
    assert found["run_harness_2"][0] == "run_harness"
    assert found["aes_20261201_1200"][0] == found["aes_20261202_0900"][0] == "aes"
    assert [found[t][0] for t in ingested] == ["gcd/nangate45/base", "gcd/nangate45/base", "gcd/sky130hd/base"]


def test_a_planted_eda_runs_without_a_design_falls_back_to_the_table_name(world: World) -> None:
    # The owner controls their database: an eda.eda_runs of their own making names no design here.
    with owner_login(world.ctx, world.name, "qor") as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS eda")
        conn.execute(
            "CREATE TABLE eda.eda_runs (run_id int, design text, platform text, flow_variant text, run_table text)"
        )
        conn.execute("INSERT INTO eda.eda_runs VALUES (1, NULL, 'x', 'y', 'floor_3')")
        conn.execute('CREATE TABLE "floor_3" (area double precision)')
        conn.execute('INSERT INTO "floor_3" VALUES (1.5)')
    _run_pipeline(world)
    assert _series(world)["floor_3"] == ("floor", DashboardState.POSTED)


def test_the_owner_chooses_a_series_and_a_rebuild_keeps_it(world: World) -> None:
    with owner_login(world.ctx, world.name, "timing") as conn:
        conn.execute('CREATE TABLE "harness_a" (endpoint text, slack double precision)')
    with owner_login(world.ctx, world.name, "drc") as conn:
        conn.execute('CREATE TABLE "harness_a" (rule text, count int)')
    _run_pipeline(world)
    owner = Actor(label=OWNER_ID, is_admin=False, username=world.name)

    change = series_usecase.choose_series(ctx=world.ctx, actor=owner, table="harness_a", name="harness")
    assert change.kinds == ("drc", "timing") and change.before == ("harness_a", "harness_a")
    assert _series(world)["harness_a"][0] == "harness"

    # A rebuild (e.g. after a failure) recomputes the series from the name, except where the owner chose it.
    with world.ctx.db.session() as session:
        for row in session.scalars(select(Dashboard).where(Dashboard.table_name == "harness_a")):
            row.state, row.message_ts = DashboardState.DETECTED, None
            states.release(row)
    _run_pipeline(world)
    with world.ctx.db.session() as session:
        rows = session.execute(
            select(Dashboard.series, Dashboard.series_chosen).where(Dashboard.table_name == "harness_a")
        )
        assert sorted(rows) == [("harness", True), ("harness", True)]
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "series.choose")).one()
        assert audit.details == {"table": "harness_a", "series": "harness"}


def test_choosing_a_series_is_refused_clearly(world: World) -> None:
    owner = Actor(label=OWNER_ID, is_admin=False, username=world.name)
    with pytest.raises(NotFound, match="no dashboard for a table named"):
        series_usecase.choose_series(ctx=world.ctx, actor=owner, table="nope", name="x")
    with pytest.raises(InvalidInput, match="one word"):
        series_usecase.choose_series(ctx=world.ctx, actor=owner, table="nope", name="two words")
    with pytest.raises(NotAllowed, match="not registered"):
        series_usecase.choose_series(
            ctx=world.ctx, actor=Actor(label="U0NOBODY", is_admin=False, username=None), table="t", name="x"
        )


def _fields(message: dict) -> dict[str, str]:
    """A posted message's figure fields, title -> the rest of the field text."""
    found = {}
    for block in message.get("blocks", []):
        for field in block.get("fields", []) if block.get("type") == "section" else []:
            title, _, rest = field["text"].partition("\n")
            found[title.strip("*")] = rest
    return found


def _add_timing_run(w: World, table: str, paths: list[tuple[str, float]]) -> None:
    with owner_login(w.ctx, w.name, "timing") as conn:
        conn.execute(f'CREATE TABLE "{table}" (endpoint text, path_type text, slack double precision)')
        for index, (path_type, slack) in enumerate(paths):
            conn.execute(f'INSERT INTO "{table}" VALUES (%s, %s, %s)', (f"r{index}/D", path_type, slack))


def test_a_later_run_shows_hold_next_to_setup_with_units_and_its_change(world: World) -> None:
    _add_timing_run(world, "cpu_1", [("max", -0.100), ("max", 0.2), ("min", -0.010), ("min", 0.05)])
    _run_pipeline(world)
    (first,) = world.sim.messages_in(CHANNEL)  # as first posted: the parent is later edited to the latest run
    _add_timing_run(world, "cpu_2", [("max", -0.150), ("max", -0.05), ("min", 0.02)])
    _run_pipeline(world)

    _, second = world.sim.messages_in(CHANNEL)
    before, after = _fields(first), _fields(second)
    # The first run of the series: values with units, hold next to setup, nothing to compare with.
    assert before["Setup WNS"] == "-0.100 ns" and before["Hold WNS"] == "-0.010 ns"
    assert before["Setup violating paths"] == "1 count" and before["Hold violating paths"] == "1 count"
    assert "first run" in json.dumps(first["blocks"])
    # Worked out by hand from the rows above: setup got worse, hold got better.
    assert after["Setup WNS"] == "-0.150 ns\n:red_circle: ▼ 50.0 ps · _first regression_"
    assert after["Setup TNS"] == "-0.200 ns\n:red_circle: ▼ 100.0 ps · _first regression_"
    assert after["Setup violating paths"] == "2 count\n:red_circle: ▲ 1 · _first regression_"
    assert after["Hold WNS"] == "0.020 ns\n:large_green_circle: ▲ 30.0 ps · _best so far_"
    assert after["Hold violating paths"] == "0 count\n:large_green_circle: ▼ 1 · _best so far_"
    assert "compared with `cpu_1`" in json.dumps(second["blocks"], ensure_ascii=False)
    with world.ctx.db.session() as session:
        stored = session.scalars(select(Dashboard.key_figures).where(Dashboard.table_name == "cpu_2")).one()
    assert stored is not None
    assert {m["title"]: m["value"] for m in stored["metrics"]}["Hold WNS"] == pytest.approx(0.02)
    world.sim.assert_no_violations()


def test_a_table_without_hold_paths_shows_setup_only(world: World) -> None:
    _add_timing_run(world, "alu_1", [("max", -0.3), ("max", 0.1)])
    _run_pipeline(world)
    (message,) = world.sim.messages_in(CHANNEL)
    titles = set(_fields(message))
    assert {"Setup WNS", "Setup TNS", "Setup violating paths"} <= titles
    assert not any(t.startswith("Hold") for t in titles)


def _add_drc_run(w: World, table: str, rules: dict[str, int]) -> None:
    with owner_login(w.ctx, w.name, "drc") as conn:
        conn.execute(f'CREATE TABLE "{table}" (rule text, layer text, x_min double precision)')
        for rule, count in rules.items():
            for n in range(count):
                conn.execute(f'INSERT INTO "{table}" VALUES (%s, %s, %s)', (rule, "met1", float(n)))


def test_a_drc_run_shows_its_total_and_top_rules_with_their_change(world: World) -> None:
    _add_drc_run(world, "chip_drc_1", {"M1.S.1": 4, "V1.EN": 2})
    _run_pipeline(world)
    (first,) = world.sim.messages_in(CHANNEL)
    _add_drc_run(world, "chip_drc_2", {"M1.S.1": 1, "V1.EN": 2, "M2.W": 3})
    _run_pipeline(world)

    _, second = world.sim.messages_in(CHANNEL)
    assert _fields(first)["Total violations"] == "6 count"
    # 6 -> 6 in total, but the mix changed: M1.S.1 4 -> 1, V1.EN unchanged, M2.W new.
    assert _fields(second)["Total violations"] == "6 count\n:white_circle: no change"
    rules = next(b["text"]["text"] for b in second["blocks"] if "Top rules" in b.get("text", {}).get("text", ""))
    assert "`M2.W` 3 (:red_circle: new rule)" in rules
    assert "`M1.S.1` 1 (:large_green_circle: ▼ 3)" in rules
    assert "`V1.EN` 2 (:white_circle: no change)" in rules


def test_a_muted_series_posts_no_later_runs_until_it_is_unmuted(world: World) -> None:
    _add_timing_run(world, "soc_1", [("max", -0.1)])
    _run_pipeline(world)
    with world.ctx.db.session() as session:
        first_id = session.scalars(select(Dashboard.id).where(Dashboard.table_name == "soc_1")).one()
    owner = Actor(label=OWNER_ID, is_admin=False, username=world.name)
    assert dashboard_usecase.set_muted(ctx=world.ctx, actor=owner, dashboard_id=first_id, muted=True) == (
        "soc_1",
        "soc",
    )
    _add_timing_run(world, "soc_2", [("max", -0.2)])
    _add_timing_run(world, "gpu_1", [("max", -0.2)])  # another series is not affected
    _run_pipeline(world)
    found = _series(world)
    assert found["soc_2"] == ("soc", DashboardState.MUTED)
    assert found["gpu_1"] == ("gpu", DashboardState.POSTED)
    assert [m["metadata"]["event_payload"]["table"] for m in world.sim.messages_in(CHANNEL)] == ["soc_1", "gpu_1"]
    assert [(m.kind, m.series) for m in series_usecase.list_mutes(ctx=world.ctx, actor=owner)] == [("timing", "soc")]

    assert series_usecase.unmute(ctx=world.ctx, actor=owner, series="soc") == ["timing"]
    _add_timing_run(world, "soc_3", [("max", -0.05)])
    _run_pipeline(world)
    found = _series(world)
    assert found["soc_2"][1] == DashboardState.MUTED, "runs that arrived while muted stay muted"
    assert found["soc_3"] == ("soc", DashboardState.POSTED)
    tables = [m["metadata"]["event_payload"]["table"] for m in world.sim.messages_in(CHANNEL)]
    assert tables == ["soc_1", "gpu_1", "soc_3"]
    with pytest.raises(NotFound, match="no muted series"):
        series_usecase.unmute(ctx=world.ctx, actor=owner, series="soc")


def _thread_rows(w: World, prefix: str) -> list[tuple[str, str | None, str | None]]:
    with w.ctx.db.session() as session:
        rows = session.execute(
            select(Dashboard.table_name, Dashboard.message_ts, Dashboard.thread_ts)
            .where(Dashboard.table_name.startswith(prefix))
            .order_by(Dashboard.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_later_runs_reply_in_the_first_runs_thread_and_the_parent_shows_the_latest(world: World) -> None:
    _add_timing_run(world, "riscv_1", [("max", -0.100)])
    _run_pipeline(world)
    _add_timing_run(world, "riscv_2", [("max", -0.095)])  # 5 ps better: a quiet reply
    _run_pipeline(world)
    _add_timing_run(world, "riscv_3", [("max", -0.200)])  # 105 ps worse than run 2: broadcast
    _run_pipeline(world)

    rows = _thread_rows(world, "riscv_")
    parent_ts = rows[0][1]
    assert rows[0][2] is None and [r[2] for r in rows[1:]] == [parent_ts, parent_ts]
    messages = world.sim.messages_in(CHANNEL)
    assert len(messages) == 3, "one parent and two replies, each posted once"
    parent, quiet, loud = messages
    assert parent["ts"] == parent_ts and quiet["thread_ts"] == parent_ts and loud["thread_ts"] == parent_ts
    assert quiet.get("subtype") != "thread_broadcast"
    assert loud.get("subtype") == "thread_broadcast", "a regression beyond the threshold reaches the channel"
    assert "*Regressed:* Setup WNS" in json.dumps(loud["blocks"], ensure_ascii=False)
    assert _fields(loud)["Setup WNS"] == "-0.200 ns\n:red_circle: ▼ 105.0 ps · _first regression_"
    assert _fields(quiet)["Setup WNS"] == "-0.095 ns\n:large_green_circle: ▲ 5.0 ps · _best so far_"
    # The parent, edited in place: the latest run, its figures and the WNS trend over the three runs.
    shown = json.dumps(parent["blocks"], ensure_ascii=False)
    assert parent["blocks"][0]["text"]["text"] == "Timing: riscv_3"
    assert "Latest of 3 runs" in shown and "WNS trend: ██▁" in shown
    assert _fields(parent)["Setup WNS"].startswith("-0.200 ns")
    assert parent["metadata"]["event_payload"]["table"] == "riscv_1"
    world.sim.assert_no_violations()


def test_a_crash_between_the_reply_and_the_parent_update_leaves_one_reply_and_a_current_parent(world: World) -> None:
    _add_timing_run(world, "dsp_1", [("max", -0.100)])
    _run_pipeline(world)
    _add_timing_run(world, "dsp_2", [("max", -0.050)])
    # The reply is accepted, then the parent update gets no answer: the step fails after the send.
    world.sim.inject("chat.update", error="fatal_error", times=1)
    scanner.scan(world.ctx, only_username=world.name)
    worker.process_due(world.ctx, world.ports, limit=10)
    assert len(world.sim.messages_in(CHANNEL)) == 2
    with world.ctx.db.session() as session:
        row = session.scalars(select(Dashboard).where(Dashboard.table_name == "dsp_2")).one()
        assert row.message_ts is None and row.send_started_at is not None, "the send may have happened"
        row.next_attempt_at = row.created_at  # retry now rather than after the backoff
    _run_pipeline(world)

    parent, reply = world.sim.messages_in(CHANNEL)
    assert reply["thread_ts"] == parent["ts"], "found again by its metadata, not posted twice"
    assert parent["blocks"][0]["text"]["text"] == "Timing: dsp_2"
    rows = _thread_rows(world, "dsp_")
    assert rows[1] == ("dsp_2", reply["ts"], parent["ts"])


def test_a_reply_slack_took_without_answering_is_found_in_the_thread_not_posted_again(world: World) -> None:
    _add_timing_run(world, "mac_1", [("max", -0.100)])
    _run_pipeline(world)
    _add_timing_run(world, "mac_2", [("max", -0.120)])
    world.sim.inject("chat.postMessage", drop_after_accept=True, times=1)
    scanner.scan(world.ctx, only_username=world.name)
    worker.process_due(world.ctx, world.ports, limit=10)
    with world.ctx.db.session() as session:
        row = session.scalars(select(Dashboard).where(Dashboard.table_name == "mac_2")).one()
        assert row.message_ts is None and row.send_started_at is not None
        row.next_attempt_at = row.created_at
    _run_pipeline(world)

    parent, reply = world.sim.messages_in(CHANNEL)
    assert reply["thread_ts"] == parent["ts"] and reply["metadata"]["event_payload"]["table"] == "mac_2"
    assert parent["blocks"][0]["text"]["text"] == "Timing: mac_2", "the parent was updated after the lookup"
    assert _thread_rows(world, "mac_")[1] == ("mac_2", reply["ts"], parent["ts"])


def _claim(w: World, table: str) -> states.Claim:
    """This test's worker takes the table's row, as a second process would, whatever the queue's order."""
    with w.ctx.db.session() as session:
        row = session.scalars(select(Dashboard).where(Dashboard.table_name == table)).one()
        row.lease_owner, row.lease_expires_at = w.ports.owner, func.now() + timedelta(minutes=5)
        return states.Claim(row.id, w.ports.owner)


def _make_due(w: World, table: str) -> None:
    with w.ctx.db.session() as session:
        row = session.scalars(select(Dashboard).where(Dashboard.table_name == table)).one()
        row.next_attempt_at = func.now()


def test_a_later_run_reaching_its_send_first_waits_and_replies_in_the_first_runs_thread(world: World) -> None:
    _add_timing_run(world, "alu_1", [("max", -0.100)])
    _add_timing_run(world, "alu_2", [("max", -0.090)])
    scanner.scan(world.ctx, only_username=world.name)
    # Another worker holds alu_1 (still being built); this one takes alu_2 as far as it may go.
    worker.process(world.ctx, world.ports, _claim(world, "alu_2"))
    assert world.sim.messages_in(CHANNEL) == [], "the later run did not post before the first"
    with world.ctx.db.session() as session:
        waiting = session.scalars(select(Dashboard).where(Dashboard.table_name == "alu_2")).one()
        assert waiting.state == DashboardState.PREVIEW_READY and waiting.lease_owner is None
        assert waiting.attempts == 0 and waiting.last_error is None, "waiting is not a failure"
    _run_pipeline(world)
    _make_due(world, "alu_2")
    _run_pipeline(world)

    parent, reply = world.sim.messages_in(CHANNEL)
    assert parent["metadata"]["event_payload"]["table"] == "alu_1"
    assert parent.get("thread_ts", parent["ts"]) == parent["ts"], "a top-level message (Slack marks a parent so)"
    assert reply["thread_ts"] == parent["ts"] and reply["metadata"]["event_payload"]["table"] == "alu_2"
    assert _thread_rows(world, "alu_") == [("alu_1", parent["ts"], None), ("alu_2", reply["ts"], parent["ts"])]


def test_an_earlier_run_posted_late_replies_in_the_thread_a_later_run_started(world: World) -> None:
    _add_timing_run(world, "fpu_1", [("max", -0.100)])
    _add_timing_run(world, "fpu_2", [("max", -0.090)])
    world.sim.inject("chat.postMessage", error="fatal_error", times=1)  # fpu_1's send fails: it waits for a retry
    _run_pipeline(world)
    _make_due(world, "fpu_2")
    _run_pipeline(world)
    (parent,) = world.sim.messages_in(CHANNEL)
    assert parent["metadata"]["event_payload"]["table"] == "fpu_2", "a failed run holds nobody up"
    _make_due(world, "fpu_1")
    _run_pipeline(world)

    top, late = world.sim.messages_in(CHANNEL)
    assert top["ts"] == parent["ts"] and late["thread_ts"] == parent["ts"]
    assert late["metadata"]["event_payload"]["table"] == "fpu_1"
    assert top["blocks"][0]["text"]["text"] == "Timing: fpu_2", "the parent still shows the newest run"
    assert [ts for _, ts, thread in _thread_rows(world, "fpu_") if thread is None] == [parent["ts"]]
