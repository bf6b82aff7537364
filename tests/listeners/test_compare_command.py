"""`/eda compare` through a real Bolt app over Socket Mode: the answer Slack received, for the owner of the runs
and for another user naming them."""

from __future__ import annotations

import json

import pytest

from core import users
from core.db.models import Dashboard
from tests.listeners.conftest import Harness

pytestmark = pytest.mark.db
AREAS = {"gcd_1": 100.0, "gcd_2": 112.5}


def _text(message: dict) -> str:
    # Without the block ids Slack assigns to each message, so two answers can be compared.
    blocks = [{k: v for k, v in b.items() if k != "block_id"} for b in message.get("blocks", [])]
    return message.get("text", "") + json.dumps(blocks, ensure_ascii=False)


def _posted_run(harness: Harness, username: str, table: str, area: float, ts: str) -> None:
    figures = {
        "template": "qor",
        "figures": [["Area", f"{area}"]],
        "top": [],
        "metrics": [{"title": "Area", "value": area, "unit": "suffix:µm²", "decimals": 1}],
        "top_complete": True,
    }
    with harness.services.core.db.session() as session:
        owner = users.require(session, username)
        session.add(
            Dashboard(
                user_id=owner.id,
                kind="qor",
                database_name=f"{username}_qor",
                table_name=table,
                state="posted",
                series="gcd",
                key_figures=figures,
                slack_channel="C0EDA0001",
                message_ts=ts,
            )
        )


def test_compare_shows_both_runs_and_the_change(harness: Harness, unique_username) -> None:  # type: ignore[no-untyped-def]
    name = unique_username()
    harness.command("U0CMPL001", f"register {name}")
    for number, (table, area) in enumerate(AREAS.items(), start=1):
        _posted_run(harness, name, table, area, f"1700000000.00000{number}")

    answer = _text(harness.command("U0CMPL001", "compare"))

    before, after = AREAS["gcd_1"], AREAS["gcd_2"]
    assert "`gcd_1` → `gcd_2`" in answer
    assert f"*Area*: {before:.1f} µm² → {after:.1f} µm²" in answer
    assert f"▲ {after - before:.1f} µm² (worse)" in answer  # more area is worse
    # This harness has no Grafana: the comparison is shown all the same, and says why there is no link.
    assert "Grafana comparison is unavailable" in answer
    assert _text(harness.command("U0CMPL001", "compare gcd_1 gcd_2")) == answer


def test_another_user_naming_those_runs_is_told_they_do_not_exist(harness: Harness, unique_username) -> None:  # type: ignore[no-untyped-def]
    owner, other = unique_username(), unique_username()
    harness.command("U0CMPL002", f"register {owner}")
    harness.command("U0CMPL003", f"register {other}")
    for number, (table, area) in enumerate(AREAS.items(), start=1):
        _posted_run(harness, owner, table, area, f"1700000001.00000{number}")

    answers = [
        _text(harness.command("U0CMPL003", text)) for text in ("compare gcd_2", "compare gcd", "compare gcd_1 gcd_2")
    ]
    default = _text(harness.command("U0CMPL003", "compare"))

    assert all("no table or series named" in a for a in answers)
    assert "no posted runs" in default
    for answer in (*answers, default):
        assert "µm²" not in answer and "112.5" not in answer and owner not in answer
