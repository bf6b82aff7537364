"""Which payloads come from another workspace than the installed one (the guard's decision, on payload shapes
from shared/specs/slack/socket-mode-samples)."""

from __future__ import annotations

import pytest

from listeners.workspace import InstalledWorkspace, foreign_team

OURS = InstalledWorkspace(team_id="T0OURS0001", name="EDA", enterprise_id=None)
GRID = InstalledWorkspace(team_id="T0OURS0001", name="EDA", enterprise_id="E0OURS0001")


@pytest.mark.parametrize(
    "body",
    [
        {"command": "/eda", "team_id": "T0OURS0001", "user_id": "U1"},
        {"type": "block_actions", "team": {"id": "T0OURS0001"}, "user": {"id": "U1", "team_id": "T0OURS0001"}},
        {"type": "event_callback", "team_id": "T0OURS0001", "event": {"type": "message", "team": "T0OURS0001"}},
        {"type": "view_submission", "team": {"id": "T0OURS0001"}, "enterprise": None, "user": {"id": "U1"}},
        {"type": "ssl_check"},
    ],
)
def test_own_workspace_passes(body: dict) -> None:
    assert foreign_team(body, OURS) is None


@pytest.mark.parametrize(
    ("body", "stranger"),
    [
        ({"command": "/eda", "team_id": "T0EVIL0001", "user_id": "U1"}, "T0EVIL0001"),
        (
            {"type": "block_actions", "team": {"id": "T0OURS0001"}, "user": {"id": "U9", "team_id": "T0EVIL0001"}},
            "T0EVIL0001",
        ),
        (
            {
                "type": "event_callback",
                "team_id": "T0OURS0001",
                "event": {"type": "message", "user_team": "T0EVIL0001"},
            },
            "T0EVIL0001",
        ),
        ({"command": "/eda", "team_id": "T0OURS0001", "enterprise_id": "E0EVIL0001"}, "E0EVIL0001"),
    ],
)
def test_any_other_team_is_named(body: dict, stranger: str) -> None:
    assert foreign_team(body, OURS) == stranger


def test_own_enterprise_id_counts_as_ours_on_grid() -> None:
    body = {"command": "/eda", "team_id": "T0OURS0001", "enterprise_id": "E0OURS0001"}
    assert foreign_team(body, GRID) is None
    assert foreign_team({**body, "enterprise_id": "E0EVIL0001"}, GRID) == "E0EVIL0001"
