"""The pipeline's transitions table against its states: every working state has a step, the steps chain
from `detected` to `posted`, and the model's check constraint lists exactly the enum's states."""

from __future__ import annotations

from core.db.models import Dashboard
from core.pipeline.machine import STOP_STATES, WORKING_STATES, DashboardState
from core.pipeline.worker import TRANSITIONS


def test_every_working_state_but_failed_has_a_step() -> None:
    # A failed row resumes at `retry_from`, which is always one of the step states.
    assert set(TRANSITIONS) == set(WORKING_STATES) - {DashboardState.FAILED}


def test_the_steps_chain_from_detected_to_posted_through_every_step() -> None:
    state, visited = DashboardState.DETECTED, []
    while state in TRANSITIONS:
        assert state not in visited, f"the transitions loop back to {state}"
        visited.append(state)
        state = TRANSITIONS[state].leads_to
    assert state is DashboardState.POSTED and state in STOP_STATES
    assert set(visited) == set(TRANSITIONS)


def test_the_check_constraint_is_generated_from_the_enum() -> None:
    (check,) = [c for c in Dashboard.__table__.constraints if c.name == "dashboards_state_known"]
    quoted = ", ".join(f"'{state.value}'" for state in DashboardState)
    assert str(check.sqltext) == f"state IN ({quoted})"  # type: ignore[attr-defined]
