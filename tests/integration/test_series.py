"""Series on real PostgreSQL: the build step records each dashboard's series (ingested runs by design,
platform and variant from eda.eda_runs, other tables by their name's stem), and `/eda series` moves a table
to the series its owner chooses, which a rebuild keeps."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.app import build_web_client
from bot.config import load_settings
from bot.slack.notifier import SlackNotifier
from core import registration, users
from core.authz import Actor
from core.context import CoreContext
from core.db.models import AuditEntry, Credential, Dashboard
from core.errors import InvalidInput, NotAllowed, NotFound
from core.grafana.client import GrafanaClient
from core.grafana.steps import GrafanaProvisioner
from core.ingest import ingest_file
from core.pipeline import scanner, states, worker
from core.pipeline.machine import DashboardState
from core.pipeline.ports import Ports, PreviewResult
from core.secret import Secret
from core.usecases import dashboards as dashboard_usecase
from core.usecases import series as series_usecase
from tests.conftest import owner_login
from tests.fakes.grafana import GrafanaFake
from tests.fakes.slack import SlackSimulator

pytestmark = pytest.mark.db
OWNER_ID = "U0SERIES1"
CHANNEL = "C0SERIES1"


class NoCapture:
    """A usable preview with no image: these tests are about the rows, not the GIF."""

    def preview(self, *, uid: str, token: Secret | None) -> PreviewResult:
        return PreviewResult(None, True, [])


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
        client = GrafanaClient(grafana.base_url, grafana.token, max_attempts=1)
        ctx = dataclasses.replace(core_ctx, grafana=GrafanaProvisioner(client, core_ctx.server), grafana_client=client)
        name = unique_username("series")
        registration.register(ctx, username=name, slack_user_id=OWNER_ID, actor=Actor.cli())
        with ctx.db.session() as session:
            owner = users.require(session, name)
            session.add(
                Credential(user_id=owner.id, key_name="SLACK_CHANNEL_ID", encrypted_value=ctx.cipher.encrypt(CHANNEL))
            )
        settings = load_settings(
            {
                "SLACK_BOT_TOKEN": sim.bot_token,
                "SLACK_API_URL": sim.api_url,
                "CREDENTIALS_KEY": Fernet.generate_key().decode(),
            },
            env_file=None,
        )
        notifier = SlackNotifier(settings, build_web_client(settings, sim.bot_token))
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
    _add_timing_run(world, "cpu_2", [("max", -0.150), ("max", -0.05), ("min", 0.02)])
    _run_pipeline(world)

    first, second = world.sim.messages_in(CHANNEL)
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
    _add_drc_run(world, "chip_drc_2", {"M1.S.1": 1, "V1.EN": 2, "M2.W": 3})
    _run_pipeline(world)

    first, second = world.sim.messages_in(CHANNEL)
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
