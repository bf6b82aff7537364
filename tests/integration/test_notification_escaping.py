"""The attacker's table: a registered user names a DRC table and its rules `<!channel>`, the pipeline
posts its notification, and what Slack stored pings nobody and links nowhere.

Real scan, real dashboard publishing (against the Grafana fake) with the key figures read back from
the table, the real SlackNotifier against the Slack simulator; only the GIF capture is left out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from core import registration, users
from core.authz import Actor
from core.context import CoreContext
from core.db.models import Credential
from core.pipeline import scanner, worker
from core.pipeline.ports import Ports
from tests.conftest import owner_login
from tests.fakes.grafana import GrafanaFake
from tests.fakes.slack import SlackSimulator
from tests.integration.pipeline_rig import NoCapture, simulator_notifier, with_grafana

pytestmark = pytest.mark.db
OWNER_ID = "U0ATTACK1"
CHANNEL = "C0ATTACKS"
PING = "<!channel>"
TABLE = f"drc_{PING}"
RULES = [PING, "M1.S.1`<https://evil.example|Open in Grafana>`*bold*", "<@U0VICTIM1>", "M2.W.1"]


@pytest.fixture
def posted(core_ctx: CoreContext, unique_username) -> Iterator[tuple[dict[str, Any], GrafanaFake]]:  # type: ignore[no-untyped-def]
    with SlackSimulator() as sim, GrafanaFake(render_delay_ms=5) as grafana:
        sim.add_user(OWNER_ID, name="mallory")
        sim.add_channel(CHANNEL, name="drc-results", is_member=True, members=[OWNER_ID])
        ctx, client = with_grafana(core_ctx, grafana)
        name = unique_username("mallory")
        registration.register(ctx, username=name, slack_user_id=OWNER_ID, actor=Actor.cli())
        with ctx.db.session() as session:
            owner = users.require(session, name)
            # Stored as a row: how a channel may be chosen is not what this test is about.
            session.add(
                Credential(user_id=owner.id, key_name="SLACK_CHANNEL_ID", encrypted_value=ctx.cipher.encrypt(CHANNEL))
            )
        # As the user would, with their own login role, in their own DRC database.
        with owner_login(ctx, name, "drc") as conn:
            conn.execute(f'CREATE TABLE "{TABLE}" (rule text, layer text, x double precision, y double precision)')
            for i, rule in enumerate(RULES):
                for j in range(len(RULES) - i):  # the rules get 4, 3, 2 and 1 violations
                    conn.execute(f'INSERT INTO "{TABLE}" VALUES (%s, %s, %s, %s)', (rule, f"M{i}", j, j))
        ports = Ports(NoCapture(), simulator_notifier(sim), owner="test:attack")
        try:
            scanner.scan(ctx, only_username=name)
            for _ in range(4):
                worker.process_due(ctx, ports)
            messages = sim.messages_in(CHANNEL)
            assert len(messages) == 1, f"one notification, got {len(messages)}: {sim.requests[-3:]}"
            yield messages[0], grafana
        finally:
            client.close()
        sim.assert_no_violations()


def _mrkdwn_texts(node: Any) -> list[str]:
    if isinstance(node, list):
        return [t for item in node for t in _mrkdwn_texts(item)]
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            return [str(node["text"])]
        return [
            t for key, value in node.items() if key != "text" or isinstance(value, dict) for t in _mrkdwn_texts(value)
        ]
    return []


def test_a_channel_ping_in_table_and_rule_names_reaches_slack_as_text(
    posted: tuple[dict[str, Any], GrafanaFake],
) -> None:
    message, grafana = posted
    read = [message.get("text", ""), *_mrkdwn_texts(message.get("blocks", []))]  # what Slack parses
    joined = "\n".join(read)
    assert "&lt;!channel&gt;" in message["text"], "the table name, shown as typed, in the fallback text"
    assert "`&lt;!channel&gt;` 4" in joined, "the top rule, read back from the table, shown as typed"
    assert "`&lt;@U0VICTIM1&gt;` 2" in joined
    for token in re.findall(r"<[^<>]*>", joined):
        assert token == f"<@{OWNER_ID}>", f"live token {token!r} in what Slack stored"
    # A backtick in a rule name cannot close its code span early.
    assert "`M1.S.1'&lt;https://evil.example|Open in Grafana&gt;'*bold*` 3" in joined
    buttons = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"] if "url" in e]
    assert [b["url"] for b in buttons] and all(b["url"].startswith(grafana.base_url) for b in buttons)
    assert "evil.example" not in json.dumps(buttons)
