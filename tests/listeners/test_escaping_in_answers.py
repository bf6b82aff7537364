"""A table named `<!channel>` in a user's database, seen through `/eda dashboards` and the App
Home tab of the real Bolt app: what the Slack simulator received shows the name and pings nobody."""

from __future__ import annotations

import re
from typing import Any

import psycopg
import pytest

from core.db.urls import with_database
from core.pipeline import scanner
from tests.listeners.conftest import Harness

pytestmark = pytest.mark.db
USER = "U0MALLORY"
TABLE = "sta_<!channel>_<@U0VICTIM1>_<https://evil.example|x>"


def _mrkdwn(node: Any) -> list[str]:
    if isinstance(node, list):
        return [t for item in node for t in _mrkdwn(item)]
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            return [str(node["text"])]
        return [t for value in node.values() for t in _mrkdwn(value)]
    return []


def _parsed_by_slack(message: dict[str, Any]) -> str:
    return "\n".join([str(message.get("text", "")), *_mrkdwn(message.get("blocks", []))])


def _assert_shown_not_live(seen: str) -> None:
    assert "&lt;!channel&gt;" in seen and "&lt;@U0VICTIM1&gt;" in seen
    assert re.findall(r"<[^<>]*>", seen) == [], f"a live token: {re.findall(r'<[^<>]*>', seen)}"


@pytest.fixture
def mallory(harness: Harness, unique_username) -> str:  # type: ignore[no-untyped-def]
    name = unique_username("mallory")
    harness.command(USER, f"register {name}", timeout=60)
    core = harness.services.core
    with psycopg.connect(with_database(core.server.admin_url.reveal(), f"{name}_timing"), autocommit=True) as conn:
        conn.execute(f'SET ROLE "{name}"')
        conn.execute(f'CREATE TABLE "{TABLE}" (startpoint text, endpoint text, slack double precision)')
    return name


def test_dashboards_list_shows_a_hostile_table_name_as_text(harness: Harness, mallory: str) -> None:
    scanner.scan(harness.services.core, only_username=mallory)
    _assert_shown_not_live(_parsed_by_slack(harness.command(USER, "dashboards")))


def test_app_home_shows_a_hostile_table_name_as_text(harness: Harness, mallory: str) -> None:
    scanner.scan(harness.services.core, only_username=mallory)
    harness.sim.send_event({"type": "app_home_opened", "user": USER, "tab": "home", "channel": "D0HOME0001"})
    home = harness.sim.wait_for(
        lambda: harness.sim.home_views.get(USER) if "Latest" in str(harness.sim.home_views.get(USER)) else None, 10
    )
    _assert_shown_not_live("\n".join(_mrkdwn(home.get("blocks", []))))
