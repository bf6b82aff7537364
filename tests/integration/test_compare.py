"""`/eda compare` on real PostgreSQL, the Slack simulator and the Grafana fake: runs posted by the pipeline,
compared by name or by default, with every expected number computed here from the rows inserted."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import select

from core import credentials, registration, users
from core.authz import Actor
from core.comparison import Verdict
from core.context import CoreContext
from core.db.models import Credential, Dashboard
from core.db.provisioning import grafana_role
from core.errors import InvalidInput, NotFound
from core.grafana.templates.compare import comparison_uid
from core.pipeline import scanner, worker
from core.pipeline.ports import Ports
from core.run_compare import RunComparison
from core.usecases.compare import compare_runs
from listeners.blocks.compare_builder import compare_blocks, compare_text
from tests.conftest import owner_login
from tests.fakes.grafana import GrafanaFake
from tests.fakes.slack import SlackSimulator
from tests.integration.pipeline_rig import NoCapture, simulator_notifier, with_grafana

pytestmark = pytest.mark.db
CHANNEL = "C0COMPARE1"

# Setup (max) and hold (min) paths of three runs of one block: (startpoint, endpoint, path_type, slack in ns).
RUNS: dict[str, list[tuple[str, str, str, float]]] = {
    "blk_1": [
        ("r1", "r9", "max", -0.120),
        ("r2", "r9", "max", 0.050),
        ("r3", "r8", "max", 0.200),
        ("a", "b", "min", 0.01),
    ],
    "blk_2": [
        ("r1", "r9", "max", -0.080),
        ("r2", "r9", "max", -0.010),
        ("r3", "r8", "max", 0.200),
        ("a", "b", "min", 0.02),
    ],
    "blk_3": [
        ("r1", "r9", "max", -0.150),
        ("r2", "r9", "max", -0.010),
        ("r4", "r7", "max", -0.030),
        ("a", "b", "min", -0.005),
    ],
}
# DRC summary tables: rule -> count.
DRC_RUNS: dict[str, dict[str, int]] = {
    "chip_drc_1": {"M1.S.1": 4, "V1.EN.2": 2},
    "chip_drc_2": {"M1.S.1": 7, "V1.EN.2": 1, "M2.W.1": 3},
}


@dataclasses.dataclass
class World:
    ctx: CoreContext
    ports: Ports
    grafana: GrafanaFake
    sim: SlackSimulator


@pytest.fixture
def world(core_ctx: CoreContext) -> Iterator[World]:
    with SlackSimulator() as sim, GrafanaFake(render_delay_ms=5) as grafana:
        sim.add_channel(CHANNEL, name="compare", is_member=True, members=[])
        ctx, client = with_grafana(core_ctx, grafana)
        notifier = simulator_notifier(sim)
        try:
            yield World(ctx, Ports(NoCapture(), notifier, owner="test:compare"), grafana, sim)
        finally:
            client.close()


def _register(w: World, name: str, slack_id: str) -> None:
    w.sim.add_user(slack_id, name=name)
    registration.register(w.ctx, username=name, slack_user_id=slack_id, actor=Actor.cli())
    with w.ctx.db.session() as session:
        owner = users.require(session, name)
        session.add(
            Credential(user_id=owner.id, key_name="SLACK_CHANNEL_ID", encrypted_value=w.ctx.cipher.encrypt(CHANNEL))
        )


def _post(w: World, name: str) -> None:
    """Detect and post every new table of the user, one by one so each run's id follows its creation."""
    scanner.scan(w.ctx, only_username=name)
    while worker.process_due(w.ctx, w.ports, limit=10):
        pass


def _timing_runs(w: World, name: str, tables: list[str]) -> None:
    for table in tables:
        with owner_login(w.ctx, name, "timing") as conn:
            conn.execute(
                f'CREATE TABLE "{table}" (startpoint text, endpoint text, path_type text, slack double precision)'
            )
            for row in RUNS[table]:
                conn.execute(f'INSERT INTO "{table}" VALUES (%s, %s, %s, %s)', row)
        _post(w, name)


def _drc_runs(w: World, name: str) -> None:
    for table, rules in DRC_RUNS.items():
        with owner_login(w.ctx, name, "drc") as conn:
            conn.execute(f'CREATE TABLE "{table}" (rule text, count integer)')
            for rule, count in rules.items():
                conn.execute(f'INSERT INTO "{table}" VALUES (%s, %s)', (rule, count))
        _post(w, name)


def _setup(table: str) -> list[float]:
    return [slack for _, _, kind, slack in RUNS[table] if kind == "max"]


def _hold(table: str) -> list[float]:
    return [slack for _, _, kind, slack in RUNS[table] if kind == "min"]


def _ps(delta_ns: float) -> str:
    return f"{'▲' if delta_ns > 0 else '▼'} {abs(delta_ns) * 1000:,.1f} ps"


def _figure(result: RunComparison, title: str) -> tuple[str, str, str | None, Verdict]:
    row = next(f for f in result.figures if f.title == title)
    return row.before, row.after, row.change, row.verdict


def _check_timing(result: RunComparison, before: str, after: str) -> None:
    assert (result.before.table, result.after.table) == (before, after)
    wns_before, wns_after = min(_setup(before)), min(_setup(after))
    assert _figure(result, "Setup WNS") == (
        f"{wns_before:.3f} ns",
        f"{wns_after:.3f} ns",
        _ps(wns_after - wns_before) if wns_after != wns_before else "no change",
        Verdict.BETTER if wns_after > wns_before else Verdict.WORSE if wns_after < wns_before else Verdict.SAME,
    )
    tns_before = sum(s for s in _setup(before) if s < 0)
    tns_after = sum(s for s in _setup(after) if s < 0)
    shown = _figure(result, "Setup TNS")
    assert shown[:2] == (f"{tns_before:.3f} ns", f"{tns_after:.3f} ns")
    assert shown[2] == _ps(tns_after - tns_before)
    vio_before = sum(1 for s in _setup(before) if s < 0)
    vio_after = sum(1 for s in _setup(after) if s < 0)
    row = next(f for f in result.figures if f.title == "Setup violating paths")
    assert (row.before, row.after) == (f"{vio_before} count", f"{vio_after} count")
    if vio_after != vio_before:
        assert row.change == f"{'▲' if vio_after > vio_before else '▼'} {abs(vio_after - vio_before)}"
        assert row.verdict is (Verdict.WORSE if vio_after > vio_before else Verdict.BETTER)
    hold = _figure(result, "Hold WNS")
    assert hold[:2] == (f"{min(_hold(before)):.3f} ns", f"{min(_hold(after)):.3f} ns")


def _expected_paths(before: str, after: str) -> list[tuple[str, str, str]]:
    """(path, before, after) of the second run's setup paths whose slack moved, worst first."""
    was = {f"{s} → {e}": slack for s, e, kind, slack in RUNS[before] if kind == "max"}
    now = sorted(((f"{s} → {e}", slack) for s, e, kind, slack in RUNS[after] if kind == "max"), key=lambda p: p[1])
    return [
        (path, f"{was[path]:.3f} ns" if path in was else "–", f"{slack:.3f} ns")
        for path, slack in now
        if was.get(path) != slack
    ]


def test_default_one_and_two_names_compare_the_right_runs(world: World, unique_username) -> None:  # type: ignore[no-untyped-def]
    name = unique_username("cmp")
    _register(world, name, "U0CMP0001")
    _timing_runs(world, name, ["blk_1", "blk_2", "blk_3"])
    actor = Actor(label="U0CMP0001", is_admin=False, username=name)

    default = compare_runs(world.ctx, actor)
    _check_timing(default, "blk_2", "blk_3")
    assert default.before.series == default.after.series == "blk"
    assert [(p.path, p.before, p.after) for p in default.paths] == _expected_paths("blk_2", "blk_3")
    worst = default.paths[0]
    assert worst.change == _ps(-0.150 - -0.080) and worst.verdict is Verdict.WORSE

    assert compare_runs(world.ctx, actor, "blk") == default
    _check_timing(compare_runs(world.ctx, actor, "blk_2"), "blk_1", "blk_2")
    two = compare_runs(world.ctx, actor, "blk_1", "blk_3")
    _check_timing(two, "blk_1", "blk_3")
    assert [(p.path, p.before, p.after) for p in two.paths] == _expected_paths("blk_1", "blk_3")
    # Newer first: the change still goes from the first name to the second.
    _check_timing(compare_runs(world.ctx, actor, "blk_3", "blk_1"), "blk_3", "blk_1")

    text = compare_text(default) + str(compare_blocks(default))
    assert "`blk_2` → `blk_3`" in text and _ps(min(_setup("blk_3")) - min(_setup("blk_2"))) in text
    assert "Every run of the series in Grafana" in text


def test_the_series_comparison_dashboard_has_one_row_per_run_with_its_deltas(world: World, unique_username) -> None:  # type: ignore[no-untyped-def]
    name = unique_username("cmp")
    _register(world, name, "U0CMP0002")
    _timing_runs(world, name, ["blk_1", "blk_2", "blk_3"])

    result = compare_runs(world.ctx, Actor(label="U0CMP0002", is_admin=False, username=name))

    board = world.grafana.dashboard(comparison_uid(name, "timing", "blk"))
    assert board is not None and world.grafana.violations == []
    assert result.dashboard_url is not None and board["uid"] in result.dashboard_url
    (panel,) = [p for p in board["panels"] if p["type"] == "table"]
    with world.ctx.db.session() as s:
        password = credentials.get(s, world.ctx.cipher, users.require(s, name), "GRAFANA_DB_PASSWORD")
    assert password is not None
    # The panel's query, run as Grafana runs it: as the user's read-only role.
    url = world.ctx.server.url_for(f"{name}_timing", user=grafana_role(name), password=password)
    with psycopg.connect(url) as conn:
        cursor = conn.execute(panel["targets"][0]["rawSql"])
        columns = [c.name for c in cursor.description or []]
        rows = cursor.fetchall()
    assert [r[columns.index("Run")] for r in rows] == ["blk_1", "blk_2", "blk_3"]
    wns = [min(_setup(t)) for t in ("blk_1", "blk_2", "blk_3")]
    assert [r[columns.index("Setup WNS")] for r in rows] == pytest.approx(wns)
    deltas = [r[columns.index("Δ Setup WNS")] for r in rows]
    assert deltas[0] is None
    assert deltas[1:] == pytest.approx([wns[1] - wns[0], wns[2] - wns[1]])


def test_without_grafana_the_comparison_is_still_shown_and_says_the_link_is_unavailable(  # type: ignore[no-untyped-def]
    world: World, unique_username
) -> None:
    name = unique_username("cmp")
    _register(world, name, "U0CMP0003")
    _timing_runs(world, name, ["blk_1", "blk_2"])
    world.grafana.down = True
    try:
        result = compare_runs(world.ctx, Actor(label="U0CMP0003", is_admin=False, username=name))
    finally:
        world.grafana.down = False
    _check_timing(result, "blk_1", "blk_2")
    assert result.dashboard_url is None
    assert "Grafana comparison is unavailable" in str(compare_blocks(result))


def test_drc_runs_show_their_top_rules_with_the_change(world: World, unique_username) -> None:  # type: ignore[no-untyped-def]
    name = unique_username("cmp")
    _register(world, name, "U0CMP0004")
    _drc_runs(world, name)

    result = compare_runs(world.ctx, Actor(label="U0CMP0004", is_admin=False, username=name), "chip_drc")

    first, second = DRC_RUNS["chip_drc_1"], DRC_RUNS["chip_drc_2"]
    total = _figure(result, "Total violations")
    assert total[:2] == (f"{sum(first.values())} count", f"{sum(second.values())} count")
    assert total[3] is Verdict.WORSE
    rules = {r.rule: (r.count, r.change, r.verdict) for r in result.rules}
    assert set(rules) == set(second)
    for rule, count in second.items():
        if rule not in first:
            assert rules[rule][1] == "new rule" and rules[rule][2] is Verdict.WORSE
        else:
            delta = count - first[rule]
            assert rules[rule][1] == f"{'▲' if delta > 0 else '▼'} {abs(delta)}"
            assert rules[rule][2] is (Verdict.WORSE if delta > 0 else Verdict.BETTER)
    assert result.paths == [] and not result.paths_read


def test_unknown_names_single_runs_and_mixed_kinds_are_refused(world: World, unique_username) -> None:  # type: ignore[no-untyped-def]
    name = unique_username("cmp")
    _register(world, name, "U0CMP0005")
    actor = Actor(label="U0CMP0005", is_admin=False, username=name)
    with pytest.raises(NotFound, match="no posted runs"):
        compare_runs(world.ctx, actor)
    _timing_runs(world, name, ["blk_1"])
    _drc_runs(world, name)

    with pytest.raises(NotFound, match="no table or series named `nosuch`"):
        compare_runs(world.ctx, actor, "nosuch")
    with pytest.raises(NotFound, match="`nosuch`"):
        compare_runs(world.ctx, actor, "blk_1", "nosuch")
    with pytest.raises(InvalidInput, match="one run so far"):
        compare_runs(world.ctx, actor, "blk")
    with pytest.raises(InvalidInput, match="first run of its series"):
        compare_runs(world.ctx, actor, "chip_drc_1")
    with pytest.raises(InvalidInput, match="same kind"):
        compare_runs(world.ctx, actor, "blk_1", "chip_drc_2")
    with pytest.raises(InvalidInput, match="same run"):
        compare_runs(world.ctx, actor, "blk_1", "blk_1")


def test_another_users_tables_and_series_are_not_found(world: World, unique_username) -> None:  # type: ignore[no-untyped-def]
    owner, attacker = unique_username("cmp"), unique_username("cmpx")
    _register(world, owner, "U0CMP0006")
    _register(world, attacker, "U0CMP0007")
    _timing_runs(world, owner, ["blk_1", "blk_2", "blk_3"])
    with world.ctx.db.session() as session:
        owned = session.scalars(select(Dashboard.table_name).where(Dashboard.key_figures.is_not(None))).all()
    assert {"blk_1", "blk_2", "blk_3"} <= set(owned)
    actor = Actor(label="U0CMP0007", is_admin=False, username=attacker)

    seen = []
    for names in ((), ("blk",), ("blk_3",), ("blk_1", "blk_3"), ("blk", "blk")):
        with pytest.raises(NotFound) as caught:
            compare_runs(world.ctx, actor, *names)
        seen.append(str(caught.value))
    # Not even a name of theirs the attacker did not type, nor any of their figures.
    text = " ".join(seen)
    assert "blk_2" not in text and "0.1" not in text and "r9" not in text
    assert world.grafana.dashboard(comparison_uid(owner, "timing", "blk")) is None
    assert world.grafana.dashboard(comparison_uid(attacker, "timing", "blk")) is None
