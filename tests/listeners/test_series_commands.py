"""`/eda series` through a real Bolt app over Socket Mode: the answer Slack received and the row it changed."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from core import users
from core.db.models import Dashboard
from tests.listeners.conftest import Harness

pytestmark = pytest.mark.db


def _text(message: dict) -> str:
    return message.get("text", "") + json.dumps(message.get("blocks", []), ensure_ascii=False)


def _add_dashboard(harness: Harness, username: str, table: str, series: str) -> None:
    with harness.services.core.db.session() as session:
        owner = users.require(session, username)
        session.add(
            Dashboard(
                user_id=owner.id,
                kind="timing",
                database_name=f"{username}_timing",
                table_name=table,
                state="posted",
                series=series,
            )
        )


def _series_of(harness: Harness, table: str) -> list[tuple[str | None, bool]]:
    with harness.services.core.db.session() as session:
        rows = session.execute(select(Dashboard.series, Dashboard.series_chosen).where(Dashboard.table_name == table))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_series_moves_the_callers_table_and_says_so(harness: Harness, unique_username) -> None:  # type: ignore[no-untyped-def]
    name = unique_username()
    harness.command("U0SER0001", f"register {name}")
    _add_dashboard(harness, name, "run_harness_7", "run_harness")

    answer = _text(harness.command("U0SER0001", "series run_harness_7 harness"))

    assert "`run_harness_7`" in answer and "`harness`" in answer
    assert _series_of(harness, "run_harness_7") == [("harness", True)]


def test_series_of_someone_elses_table_is_refused_and_changes_nothing(harness: Harness, unique_username) -> None:  # type: ignore[no-untyped-def]
    owner, other = unique_username(), unique_username()
    harness.command("U0SER0002", f"register {owner}")
    harness.command("U0SER0003", f"register {other}")
    _add_dashboard(harness, owner, "aes_1", "aes")

    answer = _text(harness.command("U0SER0003", "series aes_1 stolen"))

    assert "no dashboard for a table named" in answer
    assert _series_of(harness, "aes_1") == [("aes", False)]


def test_series_without_a_name_shows_the_usage(harness: Harness) -> None:
    answer = _text(harness.command("U0SER0004", "series aes_1"))
    assert "series &lt;table&gt; &lt;name&gt;" in answer
