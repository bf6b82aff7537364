"""Slack trust boundaries, played from the attacker's side: payloads from other workspaces, external users,
download links pointing away from Slack, notification channels the owner is not in."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from core.db.models import User
from tests.fakes.slack import FILE_DOWNLOAD
from tests.listeners.conftest import Harness

pytestmark = pytest.mark.db

USER = "U0BOUND001"
OTHER_TEAM = "T0EVILORG1"


def _registered(harness: Harness, unique_username, user_id: str = USER) -> str:
    name = unique_username()
    answer = harness.command(user_id, f"register {name}")
    assert "Registered" in answer.get("text", ""), answer
    return name


def _account(harness: Harness, slack_user_id: str) -> User | None:
    with harness.services.core.db.session() as session:
        return session.scalars(select(User).where(User.slack_user_id == slack_user_id)).one_or_none()


# ---- another workspace ---------------------------------------------------------------------------


def test_command_from_another_workspace_is_refused_with_the_reason(harness: Harness) -> None:
    delivery = harness.sim.send_slash_command(USER, "register intruder", team_id=OTHER_TEAM)
    ack = delivery.wait_ack(timeout=3)
    assert ack.payload is not None and "workspace only" in ack.payload["text"]
    assert ack.payload["response_type"] == "ephemeral"
    [shown] = harness.sim.ephemerals_for(USER)
    assert "EDA Bot Simulated Workspace" in shown["text"]
    assert harness.services.work.wait_idle(5)
    assert harness.sim.response_messages(delivery) == [], "no listener ran"
    assert _account(harness, USER) is None


def test_event_from_another_workspace_is_acked_and_ignored(harness: Harness) -> None:
    im = harness.sim.im_channel(USER)
    event = {"type": "app_home_opened", "user": USER, "channel": im, "tab": "home"}
    foreign = harness.sim.send_event(event, team_id=OTHER_TEAM)
    foreign.wait_ack(timeout=3)  # acked, so Slack does not retry it
    # The same event from our own workspace does publish the Home tab: the refusal above is the guard's doing.
    harness.sim.send_event(event).wait_ack(timeout=3)
    harness.sim.wait_for(lambda: harness.sim.calls("views.publish"), timeout=5)
    assert len(harness.sim.calls("views.publish")) == 1


def test_dm_from_a_slack_connect_user_is_ignored(harness: Harness) -> None:
    harness.sim.add_user("U0CONNECT1", "partner", team_id=OTHER_TEAM)
    im = harness.sim.im_channel("U0CONNECT1")
    harness.sim.send_event(
        {"type": "message", "user": "U0CONNECT1", "user_team": OTHER_TEAM, "channel": im, "text": "hello"}
    ).wait_ack(timeout=3)
    assert harness.services.work.wait_idle(5)
    assert not [m for m in harness.sim.messages_in(im) if m.get("user") == harness.sim.bot_user_id]


@pytest.mark.parametrize(
    ("external", "reason"),
    [
        ({"team_id": OTHER_TEAM, "is_stranger": True}, "external (Slack Connect)"),
        ({"team_id": OTHER_TEAM}, f"another workspace ({OTHER_TEAM})"),
        ({"enterprise_id": "E0OTHERENT"}, "another Enterprise Grid organisation"),
    ],
    ids=["stranger", "other-team", "other-enterprise"],
)
def test_external_user_cannot_register(harness: Harness, unique_username, external: dict, reason: str) -> None:
    harness.sim.add_user("U0OUTSIDE1", "outsider", **external)
    answer = harness.command("U0OUTSIDE1", f"register {unique_username()}")
    text = answer["text"] + json.dumps(answer.get("blocks", []))
    assert reason in text and "Nothing was created" in text
    assert _account(harness, "U0OUTSIDE1") is None


def test_admin_cannot_create_an_account_for_an_external_user(harness: Harness, unique_username) -> None:
    from tests.listeners.conftest import ADMIN_ID

    harness.sim.add_user("U0OUTSIDE2", "guest", team_id=OTHER_TEAM, is_stranger=True)
    answer = harness.command(ADMIN_ID, f"user create {unique_username()} <@U0OUTSIDE2|guest>")
    assert "That person's Slack account cannot have an edabot account" in answer["text"]
    assert _account(harness, "U0OUTSIDE2") is None


# ---- DM file downloads ---------------------------------------------------------------------------


class _EvilServer:
    """A loopback HTTP server of the attacker's, recording every request and its Authorization header."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str | None]] = []
        seen = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append((self.path, self.headers.get("Authorization")))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"Startpoint: x\n")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def evil() -> Iterator[_EvilServer]:
    server = _EvilServer()
    yield server
    server.close()


def _file_event(harness: Harness, name: str, **overrides: object) -> dict:
    """A DM file_share event for a real file in the simulator, with some of its file object's fields replaced."""
    im = harness.sim.im_channel(USER)
    meta = harness.sim.add_file(USER, name, b"Startpoint: in1\n")
    meta.update(overrides)
    return {
        "type": "message",
        "subtype": "file_share",
        "user": USER,
        "channel": im,
        "channel_type": "im",
        "text": "",
        "files": [meta],
    }


def _thread_reply(harness: Harness, name: str) -> str:
    im = harness.sim.im_channel(USER)
    replies = harness.sim.wait_for(
        lambda: [
            m for m in harness.sim.messages_in(im) if m.get("thread_ts") and name in json.dumps(m.get("blocks", []))
        ],
        timeout=10,
        what="the bot's reply",
    )
    return json.dumps(replies[-1]["blocks"], ensure_ascii=False)


@pytest.mark.parametrize("field", ["url_private_download", "url_private"])
def test_dm_file_link_to_another_host_gets_no_request_and_no_token(
    harness: Harness, unique_username, evil: _EvilServer, field: str
) -> None:
    _registered(harness, unique_username)
    overrides: dict[str, object] = {field: f"{evil.url}/files-pri/steal/download/report.rpt"}
    if field == "url_private":
        overrides["url_private_download"] = None
    harness.sim.send_event(_file_event(harness, "report.rpt", **overrides)).wait_ack(timeout=3)
    reply = _thread_reply(harness, "report.rpt")
    assert "not to Slack's file server (files.slack.com)" in reply and "did not fetch" in reply
    assert evil.requests == [], "the attacker's server was contacted"
    assert not [r for r in harness.sim.requests if r.method == FILE_DOWNLOAD]


def test_dm_file_link_over_plain_http_to_slack_is_refused(harness: Harness, unique_username, evil) -> None:
    _registered(harness, unique_username)
    link = "http://files.slack.com/files-pri/T0SIM00001-F1/download/plain.rpt"
    harness.sim.send_event(_file_event(harness, "plain.rpt", url_private_download=link)).wait_ack(timeout=3)
    assert "not https" in _thread_reply(harness, "plain.rpt")


def test_dm_file_over_the_size_limit_is_refused_before_download(harness: Harness, unique_username) -> None:
    _registered(harness, unique_username)
    event = _file_event(harness, "huge.rpt", size=5 * 2**30)  # the declared size, from Slack's file object
    harness.sim.send_event(event).wait_ack(timeout=3)
    reply = _thread_reply(harness, "huge.rpt")
    assert "the limit is 1024 MB" in reply and "5120 MB" in reply
    assert not [r for r in harness.sim.requests if r.method == FILE_DOWNLOAD], "nothing was downloaded"


def test_dm_file_on_slacks_host_is_still_loaded(harness: Harness, unique_username) -> None:
    """The control: the same path with the simulator's own link downloads with the token and loads."""
    from tests.conftest import shared_path

    _registered(harness, unique_username)
    sample = shared_path("eda-samples", "opensta_report_checks", "opensta_min_max_delays.ok").read_bytes()
    harness.sim.send_dm_file(USER, "good.rpt", sample).wait_ack(timeout=3)
    assert "timing table" in _thread_reply(harness, "good.rpt")
    [download] = [r for r in harness.sim.requests if r.method == FILE_DOWNLOAD]
    assert download.headers.get("Authorization") == f"Bearer {harness.sim.bot_token}"


# ---- the notification channel --------------------------------------------------------------------


def _set_channel(harness: Harness, user_id: str, channel: str) -> dict:
    """Submit the creds modal for SLACK_CHANNEL_ID; returns the field errors of the ack ({} when accepted)."""
    from listeners.ids import ActionId, BlockId, CallbackId
    from tests.slack_views import wait_for_view

    harness.sim.send_slash_command(user_id, "creds set SLACK_CHANNEL_ID", channel_id="C0EDA0001").wait_ack(3)
    form = wait_for_view(harness.sim, user_id, CallbackId.CREDS_SET, timeout=10)
    ack = harness.sim.submit_view(user_id, form["id"], {BlockId.CREDS_VALUE: {ActionId.CREDS_VALUE_INPUT: channel}})
    errors = (ack.wait_ack(timeout=3).payload or {}).get("errors") or {}
    assert harness.services.work.wait_idle(10)
    return {k: v for k, v in errors.items()}


def _stored_channel(harness: Harness, username: str) -> str | None:
    from core import credentials, users

    with harness.services.core.db.session() as session:
        user = users.require(session, username)
        value = credentials.get(session, harness.services.core.cipher, user, "SLACK_CHANNEL_ID")
    return value.reveal() if value is not None else None


def test_channel_the_user_is_not_in_is_refused_in_the_modal(harness: Harness, unique_username) -> None:
    from listeners.ids import BlockId

    name = _registered(harness, unique_username)
    harness.sim.add_user("U0VICTIM01", "victim")
    harness.sim.add_channel("C0VICTIM01", "victims-team", members={"U0VICTIM01"})
    errors = _set_channel(harness, USER, "C0VICTIM01")
    assert "You are not a member of channel C0VICTIM01" in errors[BlockId.CREDS_VALUE]
    assert _stored_channel(harness, name) is None
    assert harness.sim.calls("conversations.members"), "Slack was asked"


def test_private_channel_without_the_bot_says_to_invite_it(harness: Harness, unique_username) -> None:
    from listeners.ids import BlockId

    name = _registered(harness, unique_username)
    harness.sim.add_channel("G0PRIVATE1", "tapeout", is_private=True, is_member=False, members={USER})
    errors = _set_channel(harness, USER, "G0PRIVATE1")
    assert "invite the bot to the channel" in errors[BlockId.CREDS_VALUE]
    assert _stored_channel(harness, name) is None


def test_channel_the_user_is_in_is_saved_after_paging_through_members(
    harness: Harness, unique_username, monkeypatch: pytest.MonkeyPatch
) -> None:
    from listeners import channel_directory

    monkeypatch.setattr(channel_directory, "PAGE_SIZE", 2)  # so the caller is found on a later page
    for n in range(5):  # before the caller, who is listed last
        harness.sim.add_user(f"U0CROWD00{n}", f"crowd{n}")
    name = _registered(harness, unique_username)
    harness.sim.add_channel("C0MINE0001", "mine", members={*(f"U0CROWD00{n}" for n in range(5)), USER})
    assert _set_channel(harness, USER, "C0MINE0001") == {}
    assert _stored_channel(harness, name) == "C0MINE0001"
    calls = [c for c in harness.sim.calls("conversations.members") if c.get("channel") == "C0MINE0001"]
    assert len(calls) >= 3 and any(c.get("cursor") for c in calls)


def test_admin_may_set_any_channel(harness: Harness, unique_username) -> None:
    from tests.listeners.conftest import ADMIN_ID

    name = _registered(harness, unique_username, ADMIN_ID)
    harness.sim.add_channel("C0ELSEWHER", "elsewhere", members={"U0SOMEONE1"})
    assert _set_channel(harness, ADMIN_ID, "C0ELSEWHER") == {}
    assert _stored_channel(harness, name) == "C0ELSEWHER"


def test_channel_name_instead_of_id_is_refused(harness: Harness, unique_username) -> None:
    from listeners.ids import BlockId

    _registered(harness, unique_username)
    errors = _set_channel(harness, USER, "#general")
    assert "must be a channel ID like C012AB3CD" in errors[BlockId.CREDS_VALUE]


def test_button_click_by_a_slack_connect_user_is_dropped(harness: Harness) -> None:
    from slack_sdk import WebClient

    from listeners.ids import ActionId

    client = WebClient(token=harness.sim.bot_token, base_url=harness.sim.api_url)
    text = {"type": "plain_text", "text": "Mute"}
    button = {"type": "button", "action_id": ActionId.MUTE_DASHBOARD, "value": "999999", "text": text}
    posted = client.chat_postMessage(channel="C0EDA0001", text="x", blocks=[{"type": "actions", "elements": [button]}])
    message = {"ts": posted["ts"], "channel": "C0EDA0001"}
    harness.sim.add_user("U0CONNECT2", "partner", team_id=OTHER_TEAM)
    harness.sim.click_button("U0CONNECT2", ActionId.MUTE_DASHBOARD, message=message).wait_ack(timeout=3)
    # The control: the same click by a member of the workspace reaches the listener, which answers.
    harness.sim.click_button(USER, ActionId.MUTE_DASHBOARD, message=message).wait_ack(timeout=3)
    harness.sim.wait_for(lambda: harness.sim.ephemerals_for(USER), timeout=10, what="the member's answer")
    assert harness.services.work.wait_idle(5)
    assert harness.sim.ephemerals_for("U0CONNECT2") == []
