"""Claims take users in turn: one user's flood of new tables does not keep another user's first table waiting."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from core.pipeline import states
from core.pipeline.machine import WORKING_STATES

pytestmark = pytest.mark.db


def _user(session, name: str) -> int:  # type: ignore[no-untyped-def]
    return int(
        session.execute(
            text("INSERT INTO users (username, active, state) VALUES (:n, true, 'active') RETURNING id"), {"n": name}
        ).scalar_one()
    )


def _tables(session, user_id: int, count: int, age_s: int) -> list[int]:  # type: ignore[no-untyped-def]
    rows = session.execute(
        text(
            "INSERT INTO dashboards (user_id, kind, database_name, table_name, next_attempt_at) "
            "SELECT :u, 'timing', 'db', 't' || i, now() - make_interval(secs => :age) + make_interval(secs => i) "
            "FROM generate_series(1, :n) AS i RETURNING id"
        ),
        {"u": user_id, "n": count, "age": age_s},
    )
    return [int(r[0]) for r in rows]


def test_a_flood_from_one_user_does_not_delay_another_users_first_table(core_ctx) -> None:
    with core_ctx.db.session() as session:
        flood = _tables(session, _user(session, "flooder"), 500, age_s=3600)
        (first,) = _tables(session, _user(session, "newcomer"), 1, age_s=10)  # due, and newer than every flood row
    with core_ctx.db.session() as session:
        claimed = [c.dashboard_id for c in states.claim_due(session, owner="w1", lease_s=60, limit=1)]
    with core_ctx.db.session() as session:
        second = [c.dashboard_id for c in states.claim_due(session, owner="w2", lease_s=60, limit=1)]
    # The oldest row of each user goes first, oldest user-turn first: the flood's first row, then the newcomer's.
    assert claimed == [flood[0]]
    assert second == [first]
    with core_ctx.db.session() as session:
        third = [c.dashboard_id for c in states.claim_due(session, owner="w3", lease_s=60, limit=3)]
    assert sorted(third) == flood[1:4]  # then the flood again, in order, and nothing claimed twice


def test_two_workers_never_claim_the_same_row(core_ctx) -> None:
    with core_ctx.db.session() as session:
        for name in ("a_user", "b_user", "c_user"):
            _tables(session, _user(session, name), 20, age_s=100)
    seen: list[int] = []
    for round_ in range(40):
        with core_ctx.db.session() as session:
            seen += [c.dashboard_id for c in states.claim_due(session, owner=f"w{round_ % 2}", lease_s=60, limit=2)]
    assert len(seen) == 60 and len(set(seen)) == 60


def test_the_claim_index_covers_exactly_the_claimable_states(core_ctx) -> None:
    # Migration 0011 spells the states out; the claim names them from WORKING_STATES. Should the two drift, the
    # planner could no longer use the index for the claim, or a claimable row would be missing from it.
    with core_ctx.db.session() as session:
        definition = session.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'dashboards_user_due'")
        ).scalar_one()
    listed = set(re.findall(r"'([a-z_]+)'", definition.split(" WHERE ", 1)[1]))
    assert listed == {state.value for state in WORKING_STATES}
    assert "(user_id, next_attempt_at, id)" in definition


def test_rows_in_their_backoff_or_held_by_a_lease_are_not_claimed(core_ctx) -> None:
    with core_ctx.db.session() as session:
        waiting, held, due = _tables(session, _user(session, "backoff_user"), 3, age_s=100)
        session.execute(
            text("UPDATE dashboards SET state = 'failed', next_attempt_at = now() + interval '1 minute' WHERE id = :i"),
            {"i": waiting},
        )
        session.execute(
            text(
                "UPDATE dashboards SET lease_owner = 'other', lease_expires_at = now() + interval '1 minute' WHERE id = :i"
            ),
            {"i": held},
        )
    with core_ctx.db.session() as session:
        claimed = [c.dashboard_id for c in states.claim_due(session, owner="w1", lease_s=60, limit=10)]
    assert claimed == [due]
