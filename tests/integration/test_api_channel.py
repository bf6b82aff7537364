"""SLACK_CHANNEL_ID through the REST API: only a channel the account's owner is in (asked of Slack), or any
channel when an admin sets it; Slack here is the loopback simulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core import credentials, users
from tests.fakes.slack import SlackSimulator
from tests.integration.test_api import ApiWorld, api_world, assert_refusal

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackSimulator]:
    with SlackSimulator() as sim:
        yield sim


@pytest.fixture(scope="module")
def world(pg_admin_url: str, slack: SlackSimulator) -> Iterator[ApiWorld]:
    with api_world(pg_admin_url, SLACK_BOT_TOKEN=slack.bot_token, SLACK_API_URL=slack.api_url) as built:
        for account in (built.user, built.other):
            assert account.slack_user_id is not None
            slack.add_user(account.slack_user_id)
        yield built


def _stored(world: ApiWorld, username: str) -> str | None:
    with world.core.db.session() as session:
        value = credentials.get(session, world.core.cipher, users.require(session, username), "SLACK_CHANNEL_ID")
    return value.reveal() if value is not None else None


def _put(world: ApiWorld, key: str, username: str, channel: str):  # type: ignore[no-untyped-def]
    return world.call("PUT", f"/api/v1/users/{username}/credentials/SLACK_CHANNEL_ID", key, json={"value": channel})


def test_a_channel_the_owner_is_not_in_is_422(world: ApiWorld, slack: SlackSimulator) -> None:
    slack.add_channel("C0OTHERS01", "others-only", members={str(world.other.slack_user_id)})
    body = assert_refusal(_put(world, world.user.key, world.user.username, "C0OTHERS01"), 422, "invalid_input")
    assert "You are not a member of channel C0OTHERS01" in body["message"]
    assert _stored(world, world.user.username) is None
    assert any(c.get("channel") == "C0OTHERS01" for c in slack.calls("conversations.members"))


def test_a_private_channel_without_the_bot_says_to_invite_it(world: ApiWorld, slack: SlackSimulator) -> None:
    slack.add_channel("G0HIDDEN01", "hidden", is_private=True, is_member=False, members={str(world.user.slack_user_id)})
    body = assert_refusal(_put(world, world.user.key, world.user.username, "G0HIDDEN01"), 422, "invalid_input")
    assert "invite the bot to the channel" in body["message"]
    assert _stored(world, world.user.username) is None


def test_the_owners_own_channel_is_saved_and_leaving_it_is_noticed(world: ApiWorld, slack: SlackSimulator) -> None:
    slack.add_channel("C0USERS001", "users-team", members={str(world.user.slack_user_id)})
    assert _put(world, world.user.key, world.user.username, "C0USERS001").status_code in (200, 201)
    assert _stored(world, world.user.username) == "C0USERS001"
    slack.set_member("C0USERS001", str(world.user.slack_user_id), member=False)
    assert_refusal(_put(world, world.user.key, world.user.username, "C0USERS001"), 422, "invalid_input")


def test_an_admin_may_set_any_channel_for_anyone(world: ApiWorld, slack: SlackSimulator) -> None:
    slack.add_channel("C0NOBODY01", "nobody", members=set())
    assert _put(world, world.admin.key, world.other.username, "C0NOBODY01").status_code in (200, 201)
    assert _stored(world, world.other.username) == "C0NOBODY01"


def test_without_slack_the_api_cannot_check_and_refuses(pg_admin_url: str) -> None:
    with api_world(pg_admin_url) as bare:
        body = assert_refusal(_put(bare, bare.user.key, bare.user.username, "C0ANY00001"), 422, "invalid_input")
        assert "cannot check" in body["message"]
        assert _put(bare, bare.admin.key, bare.user.username, "C0ANY00001").status_code == 201
