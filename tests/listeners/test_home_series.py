"""App Home's Series section through a real Bolt app over Socket Mode against the Slack simulator: the series
with their latest figures and trend, the Mute/Unmute toggle (checked in series_mutes and in the republished
view), and a crafted button value naming another user's series, which changes nothing for that user."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from core import users
from core.db.models import AuditEntry, Dashboard, SeriesMute, User
from core.pipeline.publish import Figure, Published
from listeners.blocks.home_builder import series_toggle_value
from listeners.ids import ActionId
from tests.listeners.conftest import Harness

pytestmark = pytest.mark.db
OWNER = "U0HOMESR1"
ATTACKER = "U0HOMEATK"
TOGGLE = ActionId.HOME_SERIES_MUTE_TOGGLE


def _add_run(harness: Harness, username: str, table: str, series: str, wns: float) -> None:
    figures = [Figure("Setup WNS", f"{wns:.3f}", wns, "ns", 3)]
    published = Published(uid=table, url=f"https://grafana.test/d/{table}", template="t", figures=figures)
    with harness.services.core.db.session() as session:
        session.add(
            Dashboard(
                user_id=users.require(session, username).id,
                kind="timing",
                database_name=f"{username}_timing",
                table_name=table,
                state="posted",
                grafana_url=published.url,
                key_figures=published.as_json(),
                series=series,
            )
        )


def _mutes(harness: Harness) -> list[tuple[str, str, str]]:
    with harness.services.core.db.session() as session:
        rows = session.execute(
            select(User.username, SeriesMute.kind, SeriesMute.series)
            .join(User, User.id == SeriesMute.user_id)
            .order_by(SeriesMute.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _series_sections(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in view["blocks"] if b.get("accessory", {}).get("action_id") == TOGGLE]


def _home_after(harness: Harness, user_id: str, before: dict[str, Any] | None, action: Any) -> dict[str, Any]:
    """Do `action`, then wait for the home view to be republished (its hash changes) and all work to end."""
    old = (before or {}).get("hash")
    action()

    def republished() -> dict[str, Any] | None:
        view = harness.sim.home_views.get(user_id)
        return view if view is not None and view.get("hash") != old and _series_sections(view) else None

    view: dict[str, Any] = harness.sim.wait_for(republished, 10)
    assert harness.services.work.wait_idle(10)
    return view


def _register(harness: Harness, user_id: str, unique_username: Any, prefix: str) -> str:
    harness.sim.add_user(user_id, name=prefix)
    name = str(unique_username(prefix))
    harness.command(user_id, f"register {name}")
    return name


def test_app_home_lists_series_and_its_toggle_mutes_and_unmutes(harness: Harness, unique_username) -> None:  # type: ignore[no-untyped-def]
    name = _register(harness, OWNER, unique_username, "homeseries")
    for n, wns in enumerate((-0.100, -0.080, -0.150), start=1):
        _add_run(harness, name, f"cpu_{n}", "cpu", wns)
    _add_run(harness, name, "alu_1", "alu", -0.3)  # the newest run: its series comes first

    home = _home_after(harness, OWNER, None, lambda: harness.sim.open_app_home(OWNER).wait_ack(3))
    sections = _series_sections(home)
    assert [s["accessory"]["text"]["text"] for s in sections] == ["Mute", "Mute"]
    alu, cpu = (s["text"]["text"] for s in sections)
    assert alu.startswith("`alu` · Timing · 1 run ·") and cpu.startswith("`cpu` · Timing · 3 runs ·")
    # The latest run (-0.150 ns) against the one before (-0.080 ns): 70 ps worse, red; the trend of all three.
    assert "<https://grafana.test/d/cpu_3|cpu_3>" in cpu
    assert "Setup WNS *-0.150 ns* :red_circle: ▼ 70.0 ps" in cpu
    assert "WNS trend: ▆█▁" in cpu
    assert len(home["blocks"]) < 100

    # Mute `cpu`: a row in series_mutes, and the republished tab offers Unmute and says it is muted.
    muted = _home_after(
        harness,
        OWNER,
        home,
        lambda: harness.sim.click_button(OWNER, TOGGLE, view=home["id"], block_id=sections[1]["block_id"]).wait_ack(3),
    )
    assert _mutes(harness) == [(name, "timing", "cpu")]
    cpu_section = next(s for s in _series_sections(muted) if s["text"]["text"].startswith("`cpu`"))
    assert cpu_section["accessory"]["text"]["text"] == "Unmute" and "_muted_" in cpu_section["text"]["text"]

    unmuted = _home_after(
        harness,
        OWNER,
        muted,
        lambda: harness.sim.click_button(OWNER, TOGGLE, view=muted["id"], block_id=cpu_section["block_id"]).wait_ack(3),
    )
    assert _mutes(harness) == []
    assert [s["accessory"]["text"]["text"] for s in _series_sections(unmuted)] == ["Mute", "Mute"]
    with harness.services.core.db.session() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.target_username == name)).all()
    assert {"series.mute", "series.unmute"} <= set(actions)


def test_a_crafted_toggle_naming_someone_elses_series_changes_nothing_for_them(
    harness: Harness,
    unique_username,  # type: ignore[no-untyped-def]
) -> None:
    victim = _register(harness, OWNER, unique_username, "victim")
    attacker = _register(harness, ATTACKER, unique_username, "attacker")
    _add_run(harness, victim, "secret_chip_1", "secret_chip", -0.1)
    _add_run(harness, attacker, "mine_1", "mine", -0.2)
    home = _home_after(harness, ATTACKER, None, lambda: harness.sim.open_app_home(ATTACKER).wait_ack(3))
    (own,) = _series_sections(home)

    # The attacker presses their own toggle with values of their making: the victim's series by name, with a
    # `user` field thrown in, and a mute the victim's own button would send.
    crafted = [
        series_toggle_value("timing", "secret_chip", mute=True),
        json.dumps({"kind": "timing", "series": "secret_chip", "mute": True, "user": victim, "user_id": 1}),
        json.dumps({"kind": "timing", "series": "secret_chip", "mute": "yes"}),
        "not json",
    ]
    for value in crafted:
        harness.sim.click_button(ATTACKER, TOGGLE, value=value, view=home["id"], block_id=own["block_id"]).wait_ack(3)
        assert harness.services.work.wait_idle(10)
    assert _mutes(harness) == [], "nobody's series was muted"
    said = [e["text"] for e in harness.sim.ephemerals_for(ATTACKER)]
    assert sum("no timing series named `secret_chip`" in t for t in said) == 2
    assert sum("out of date" in t for t in said) == 2
    assert victim not in json.dumps(harness.sim.home_views.get(ATTACKER, {}))

    # The victim's own tab still offers Mute, and their series keeps being posted.
    victim_home = _home_after(harness, OWNER, None, lambda: harness.sim.open_app_home(OWNER).wait_ack(3))
    assert [s["accessory"]["text"]["text"] for s in _series_sections(victim_home)] == ["Mute"]
