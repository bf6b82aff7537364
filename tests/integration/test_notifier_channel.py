"""The notifier checks the owner's channel before every post: after they leave it (or the bot loses sight of
it) the notification goes to their DM and says why; a message already sent there is found, not doubled."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.slack.notifier import SlackNotifier
from core.pipeline.ports import Job
from tests.fakes.slack import SlackSimulator
from tests.integration.pipeline_rig import simulator_notifier

OWNER = "U0OWNER001"
TEAM_CHANNEL = "C0TEAMCH01"


@pytest.fixture
def sim() -> Iterator[SlackSimulator]:
    with SlackSimulator() as simulator:
        simulator.add_user(OWNER, "owner")
        simulator.add_user("U0COLLEAG1", "colleague")
        simulator.add_channel(TEAM_CHANNEL, "timing-team", members={OWNER, "U0COLLEAG1"})
        yield simulator
        simulator.assert_no_violations()


@pytest.fixture
def notifier(sim: SlackSimulator) -> SlackNotifier:
    return simulator_notifier(sim)


def _job(dashboard_id: int, channel: str | None = TEAM_CHANNEL) -> Job:
    return Job(
        dashboard_id=dashboard_id,
        username="owner_eng",
        slack_user_id=OWNER,
        kind="timing",
        database="owner_eng_timing",
        table=f"sta_run_{dashboard_id}",
        grafana_url="http://grafana.example/d/abc",
        figures={},
        preview=None,
        channel=channel,
        bot_token=None,
        since=datetime.now(UTC),
    )


def test_posts_in_the_owners_channel_while_they_are_in_it(sim: SlackSimulator, notifier: SlackNotifier) -> None:
    posted = notifier.post(_job(1))
    assert posted.channel == TEAM_CHANNEL
    [message] = sim.messages_in(TEAM_CHANNEL)
    assert "DM" not in message["text"]
    assert any(c.get("channel") == TEAM_CHANNEL for c in sim.calls("conversations.members"))


def test_after_leaving_the_channel_the_notification_goes_to_the_dm_saying_why(
    sim: SlackSimulator, notifier: SlackNotifier
) -> None:
    notifier.post(_job(1))
    sim.set_member(TEAM_CHANNEL, OWNER, member=False)
    posted = notifier.post(_job(2))
    dm = sim.im_channel(OWNER)
    assert posted.channel == dm
    assert len(sim.messages_in(TEAM_CHANNEL)) == 1, "nothing more in the channel the owner left"
    [message] = sim.messages_in(dm)
    blocks = json.dumps(message["blocks"])
    assert f"you are no longer a member of <#{TEAM_CHANNEL}>" in blocks and "creds set SLACK_CHANNEL_ID" in blocks
    assert message["metadata"]["event_payload"]["dashboard_id"] == 2
    # A send that may have happened is found in the DM, so the pipeline does not post it twice.
    found = notifier.find_posted(_job(2))
    assert found is not None and found.channel == dm and found.ts == posted.ts


def test_a_private_channel_the_bot_was_removed_from_redirects_with_the_fix(
    sim: SlackSimulator, notifier: SlackNotifier
) -> None:
    sim.add_channel("G0TAPEOUT1", "tapeout", is_private=True, is_member=False, members={OWNER})
    posted = notifier.post(_job(3, channel="G0TAPEOUT1"))
    assert posted.channel == sim.im_channel(OWNER)
    [message] = sim.messages_in(posted.channel)
    assert "invite the bot to the channel" in json.dumps(message["blocks"])


def test_the_admins_default_channel_is_not_checked(sim: SlackSimulator, notifier: SlackNotifier) -> None:
    # No personal channel: the global SLACK_CHANNEL_ID of the admin's .env (none here) is the fallback.
    with pytest.raises(Exception, match="no channel to post to"):
        notifier.post(_job(4, channel=None))
    assert sim.calls("conversations.members") == []
