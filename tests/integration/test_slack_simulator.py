"""The loopback Slack simulator, driven by the real slack_sdk WebClient and a real Bolt app.

These tests pin the simulator to Slack's published contracts (shared/specs/slack), because
every other test in the project trusts it to behave like the real Slack.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from tests.fakes.slack import UPLOAD_URL, SlackSimulator, check_message_blocks, check_view

SHARED = Path(__file__).resolve().parents[3] / "shared"
SPECS = SHARED / "specs" / "slack"

USER = "U0ALICE001"
CHANNEL = "C0GENERAL1"

MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "dashboard_form",
    "title": {"type": "plain_text", "text": "New dashboard"},
    "submit": {"type": "plain_text", "text": "Create"},
    "close": {"type": "plain_text", "text": "Cancel"},
    "private_metadata": "run-42",
    "blocks": [
        {
            "type": "input",
            "block_id": "name",
            "label": {"type": "plain_text", "text": "Name"},
            "element": {"type": "plain_text_input", "action_id": "name_input"},
        },
        {
            "type": "actions",
            "block_id": "more",
            "elements": [
                {"type": "button", "action_id": "more_options", "text": {"type": "plain_text", "text": "More"}}
            ],
        },
    ],
}


def need_catalogue() -> None:
    if not (SPECS / "slack-api-ref" / "docs.slack.dev" / "methods").is_dir():
        pytest.skip(f"Slack method catalogue not found under {SPECS} (../shared is absent)")


def need_samples() -> dict[str, Any]:
    folder = SPECS / "socket-mode-samples"
    if not folder.is_dir():
        pytest.skip(f"Socket Mode samples not found under {folder} (../shared is absent)")
    samples: dict[str, Any] = {}
    for name in ("envelopes.json", "interactive_payloads.json"):
        samples.update(json.loads((folder / name).read_text(encoding="utf-8")))
    return samples


def fetch(url: str, *, token: str | None = None, data: bytes | None = None) -> bytes:
    """Plain HTTP to the simulator (loopback only), following redirects like a naive client."""
    assert url.startswith("http://127.0.0.1:"), url
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 - loopback http only
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return bytes(response.read())


def api_error(excinfo: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(excinfo.value.response["error"])


# ---- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def sim() -> Iterator[SlackSimulator]:
    with SlackSimulator() as simulator:
        simulator.add_user(USER, "alice")
        simulator.add_channel(CHANNEL, "general")
        yield simulator
        # Every error code the simulator answered must be one Slack documents for that method.
        assert simulator.undocumented_errors == []


@pytest.fixture
def client(sim: SlackSimulator) -> WebClient:
    return WebClient(token=sim.bot_token, base_url=sim.api_url)


@pytest.fixture
def app(sim: SlackSimulator) -> App:
    # A real Bolt app: App() calls auth.test against the simulator at construction.
    return App(client=WebClient(token=sim.bot_token, base_url=sim.api_url))


@pytest.fixture
def connect(sim: SlackSimulator) -> Iterator[Callable[[App], SocketModeHandler]]:
    handlers: list[SocketModeHandler] = []

    def _connect(bolt_app: App) -> SocketModeHandler:
        handler = SocketModeHandler(bolt_app, sim.app_token)
        handler.connect()  # non-blocking: apps.connections.open, then the WebSocket
        handlers.append(handler)
        sim.wait_connected(count=len(handlers))
        return handler

    yield _connect
    for handler in handlers:
        handler.close()


def ack_everything(bolt_app: App) -> None:
    bolt_app.command(re.compile(".*"))(lambda ack: ack())
    bolt_app.shortcut(re.compile(".*"))(lambda ack: ack())
    bolt_app.action(re.compile(".*"))(lambda ack: ack())
    bolt_app.view(re.compile(".*"))(lambda ack: ack())


# ---- Web API basics ----------------------------------------------------------------------------


def test_auth_test_reports_identity_and_scopes(sim: SlackSimulator, client: WebClient) -> None:
    response = client.auth_test()
    assert response["user_id"] == sim.bot_user_id and response["team_id"] == sim.team_id
    assert response["bot_id"] == sim.bot_id
    sim.granted_scopes = {"chat:write", "commands"}
    scopes = client.auth_test().headers["x-oauth-scopes"]
    assert set(scopes.split(",")) == {"chat:write", "commands"}
    assert sim.api_url.startswith("http://127.0.0.1:") and sim.api_url.endswith("/api/")
    assert sim.bot_token.startswith("xoxb-") and sim.app_token.startswith("xapp-")
    sim.assert_no_violations()


def test_wrong_missing_and_misused_tokens(sim: SlackSimulator) -> None:
    with pytest.raises(SlackApiError) as wrong:
        WebClient(token="xoxb-not-a-real-token", base_url=sim.api_url).auth_test()
    assert wrong.value.response.status_code == 200 and api_error(wrong) == "invalid_auth"
    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=sim.api_url).api_call("auth.test")
    assert api_error(missing) == "not_authed"
    with pytest.raises(SlackApiError) as misused:
        WebClient(token=sim.app_token, base_url=sim.api_url).chat_postMessage(channel=CHANNEL, text="hi")
    assert api_error(misused) == "not_allowed_token_type"
    with pytest.raises(SlackApiError):
        WebClient(token=sim.bot_token, base_url=sim.api_url).apps_connections_open(app_token=sim.bot_token)
    assert len(sim.violations) == 2  # both wrong-token-type calls are contract violations
    assert [r.args.get("channel") for r in sim.requests if r.method == "chat.postMessage"] == [CHANNEL]


def test_requests_are_recorded_with_parsed_args_in_every_encoding(sim: SlackSimulator, client: WebClient) -> None:
    client.chat_postMessage(channel=CHANNEL, text="json body")  # JSON body, Bearer header
    client.conversations_info(channel=CHANNEL)  # GET with a query string
    form = urllib.parse.urlencode({"user": USER, "token": sim.bot_token}).encode()  # form body, token field
    body = fetch(f"{sim.api_url}users.info", data=form)
    assert json.loads(body)["user"]["name"] == "alice"
    [post] = [r for r in sim.requests if r.method == "chat.postMessage"]
    assert post.json_body and post.headers["Authorization"] == f"Bearer {sim.bot_token}"
    assert json.loads(post.raw_body)["text"] == "json body" and post.status == 200
    assert sim.calls("conversations.info") == [{"channel": CHANNEL}]
    assert sim.calls("users.info") == [{"user": USER}]
    sim.assert_no_violations()


def test_catalogue_flags_unknown_methods_and_missing_arguments(sim: SlackSimulator, client: WebClient) -> None:
    need_catalogue()
    with pytest.raises(SlackApiError) as unknown:
        client.api_call("chat.postMessages", json={"channel": CHANNEL, "text": "typo"})
    assert api_error(unknown) == "unknown_method"
    with pytest.raises(SlackApiError) as no_channel:
        client.api_call("chat.postMessage", json={"text": "where?"})
    assert api_error(no_channel) == "channel_not_found"
    with pytest.raises(SlackApiError) as no_view:
        client.api_call("views.publish", json={"user_id": USER})
    assert api_error(no_view) == "invalid_arguments"
    client.chat_postMessage(channel=CHANNEL, text="hi", chanel="typo")
    violations = sim.violations
    assert any("chat.postMessages: not a Slack Web API method" in v for v in violations)
    assert any("missing required argument 'channel'" in v for v in violations)
    assert any("missing required argument 'view'" in v for v in violations)
    assert any("'chanel' is not documented" in v and v.startswith("[warning]") for v in violations)
    with pytest.raises(AssertionError, match="4 Slack contract violation"):
        sim.assert_no_violations()
    with pytest.raises(AssertionError, match="3 Slack contract violation"):
        sim.assert_no_violations(include_warnings=False)


def test_scopes_can_come_from_the_app_manifest(sim: SlackSimulator, tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"oauth_config": {"scopes": {"bot": ["commands", "chat:write"]}}}))
    assert sim.grant_scopes_from_manifest(manifest) == {"commands", "chat:write"}


def test_missing_scope_is_reported_with_needed_and_provided(sim: SlackSimulator, client: WebClient) -> None:
    need_catalogue()
    sim.granted_scopes = {"commands"}
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel=CHANNEL, text="hi")
    assert api_error(excinfo) == "missing_scope"
    assert excinfo.value.response["needed"] == "chat:write" and excinfo.value.response["provided"] == "commands"
    assert any("lacks scope chat:write" in v for v in sim.violations)


# ---- conversations and messages ---------------------------------------------------------------


def test_channel_membership_rules_for_posting(sim: SlackSimulator, client: WebClient) -> None:
    sim.add_channel("C0SECRET01", "secret", is_private=True, is_member=False)
    sim.add_channel("C0PUBLIC01", "public-not-joined", is_member=False)
    sim.add_channel("C0ARCHIVE1", "old", is_archived=True)
    expectations = {"C0SECRET01": "not_in_channel", "C0ARCHIVE1": "is_archived", "C0MISSING1": "channel_not_found"}
    for channel, error in expectations.items():
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_postMessage(channel=channel, text="hi")
        assert api_error(excinfo) == error
    assert client.chat_postMessage(channel="C0PUBLIC01", text="via chat:write.public")["ok"]
    sim.granted_scopes = sim.granted_scopes - {"chat:write.public"}
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C0PUBLIC01", text="hi")
    assert api_error(excinfo) == "not_in_channel"
    with pytest.raises(SlackApiError) as no_text:
        client.api_call("chat.postMessage", json={"channel": CHANNEL})
    assert api_error(no_text) == "no_text"
    # Posting to a user id lands in the app's DM with that user.
    dm = client.chat_postMessage(channel=USER, text="direct")["channel"]
    assert dm.startswith("D") and client.conversations_open(users=USER)["channel"]["id"] == dm


def test_history_returns_metadata_only_with_include_all_metadata(sim: SlackSimulator, client: WebClient) -> None:
    metadata = {"event_type": "dashboard_built", "event_payload": {"run": "r42", "uid": "abc"}}
    first = client.chat_postMessage(channel=CHANNEL, text="built", metadata=metadata)
    client.chat_postMessage(channel=CHANNEL, text="second")
    client.chat_postMessage(channel=CHANNEL, text="reply", thread_ts=first["ts"])
    history = client.conversations_history(channel=CHANNEL)["messages"]
    assert [m["text"] for m in history] == ["second", "built"]  # newest first, no thread replies
    assert all("metadata" not in m for m in history)
    with_metadata = client.conversations_history(channel=CHANNEL, include_all_metadata=True)["messages"]
    assert with_metadata[1]["metadata"] == metadata
    page = client.conversations_history(channel=CHANNEL, limit=1)
    assert page["has_more"] and len(page["messages"]) == 1
    rest = client.conversations_history(channel=CHANNEL, limit=1, cursor=page["response_metadata"]["next_cursor"])
    assert rest["messages"][0]["text"] == "built"
    assert client.conversations_history(channel=CHANNEL, oldest=first["ts"])["messages"][0]["text"] == "second"
    assert [m["text"] for m in client.conversations_replies(channel=CHANNEL, ts=first["ts"])["messages"]] == [
        "built",
        "reply",
    ]
    sim.assert_no_violations()


def test_conversations_members_pages_with_next_cursor(sim: SlackSimulator, client: WebClient) -> None:
    need_catalogue()
    for n in range(5):
        sim.add_user(f"U0MEMB000{n}", f"member{n}")
    sim.add_channel("C0TEAM0001", "team", members={USER, "U0MEMB0001", "U0MEMB0003"})
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        page = client.conversations_members(channel="C0TEAM0001", limit=2, cursor=cursor or None)
        assert set(page.data) == {"ok", "members", "response_metadata"}  # the documented shape
        seen += page["members"]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    # Three people plus the bot (it is a member of the channel), over two pages of two.
    assert pages == 2 and sorted(seen) == sorted([USER, "U0MEMB0001", "U0MEMB0003", sim.bot_user_id])
    sim.set_member("C0TEAM0001", "U0MEMB0001", member=False)
    assert "U0MEMB0001" not in client.conversations_members(channel="C0TEAM0001")["members"]
    # A channel without an explicit member list holds everyone.
    assert {USER, "U0MEMB0004"} <= set(client.conversations_members(channel=CHANNEL)["members"])
    sim.assert_no_violations()


def test_conversations_members_errors(sim: SlackSimulator, client: WebClient) -> None:
    need_catalogue()
    sim.add_channel("C0HIDDEN01", "hidden", is_private=True, is_member=False, members={USER})
    sim.add_channel("C0OPEN0001", "open-not-joined", is_member=False)
    for channel in ("C0HIDDEN01", "C0NOSUCH01"):
        with pytest.raises(SlackApiError) as excinfo:
            client.conversations_members(channel=channel)
        assert api_error(excinfo) == "channel_not_found"
    # A public channel the bot has not joined is still readable with channels:read, without the bot in it.
    assert client.conversations_members(channel="C0OPEN0001")["members"] == [USER]
    with pytest.raises(SlackApiError) as bad_cursor:
        client.conversations_members(channel=CHANNEL, cursor="not-a-cursor")
    assert api_error(bad_cursor) == "invalid_cursor"
    sim.granted_scopes = sim.granted_scopes - {"groups:read"}
    sim.add_channel("C0PRIVJOIN", "private-joined", is_private=True, is_member=True)
    with pytest.raises(SlackApiError) as no_scope:
        client.conversations_members(channel="C0PRIVJOIN")
    assert api_error(no_scope) == "missing_scope" and no_scope.value.response["needed"] == "groups:read"
    sim.clear_violations()


def test_users_info_describes_external_users(sim: SlackSimulator, client: WebClient) -> None:
    sim.add_user("U0EXT00001", "outsider", team_id="T0OTHER001", is_stranger=True)
    sim.add_user("W0ENT00001", "grid-user", enterprise_id="E0OTHER001")
    outsider = client.users_info(user="U0EXT00001")["user"]
    assert outsider["team_id"] == "T0OTHER001" and outsider["is_stranger"] is True
    assert outsider["profile"]["team"] == "T0OTHER001"
    grid = client.users_info(user="W0ENT00001")["user"]
    assert grid["enterprise_user"]["enterprise_id"] == "E0OTHER001" and grid["team_id"] == sim.team_id
    own = client.users_info(user=USER)["user"]
    assert own["team_id"] == sim.team_id and "is_stranger" not in own and "enterprise_user" not in own
    sim.assert_no_violations()


def test_update_delete_and_ephemeral(sim: SlackSimulator, client: WebClient) -> None:
    posted = client.chat_postMessage(channel=CHANNEL, text="v1")
    updated = client.chat_update(channel=CHANNEL, ts=posted["ts"], text="v2")
    assert updated["text"] == "v2" and sim.messages_in(CHANNEL)[0]["text"] == "v2"
    with pytest.raises(SlackApiError) as missing:
        client.chat_update(channel=CHANNEL, ts="1.000001", text="nope")
    assert api_error(missing) == "message_not_found"
    client.chat_delete(channel=CHANNEL, ts=posted["ts"])
    assert sim.messages_in(CHANNEL) == []
    ts = client.chat_postEphemeral(channel=CHANNEL, user=USER, text="only you")["message_ts"]
    [ephemeral] = sim.ephemerals_for(USER)
    assert ephemeral["ts"] == ts and ephemeral["channel"] == CHANNEL and ephemeral["text"] == "only you"
    assert client.users_info(user=USER)["user"]["name"] == "alice"
    sim.add_user("U0BOB00001", "bob")
    group = client.conversations_open(users=f"{USER},U0BOB00001", return_im=True)["channel"]
    assert group["id"].startswith("G") and group["is_mpim"]
    sim.assert_no_violations()


# ---- Block Kit --------------------------------------------------------------------------------


def test_block_kit_limit_violations_are_rejected_like_slack(sim: SlackSimulator, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as too_many:
        client.chat_postMessage(channel=CHANNEL, text="x", blocks=[{"type": "divider"}] * 51)
    assert api_error(too_many) == "invalid_blocks"
    assert "at most 50" in too_many.value.response["response_metadata"]["messages"][0]
    long_title = {**MODAL, "title": {"type": "plain_text", "text": "x" * 25}}
    delivery_trigger = _trigger(sim)
    with pytest.raises(SlackApiError) as bad_view:
        client.views_open(trigger_id=delivery_trigger, view=long_title)
    assert api_error(bad_view) == "invalid_arguments"
    assert "json-pointer:/view/title/text" in bad_view.value.response["response_metadata"]["messages"][0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # slack_sdk warns about the missing text too
        client.chat_postMessage(channel=CHANNEL, blocks=[_section("*hi*")])
    violations = sim.violations
    assert any("chat.postMessage: invalid blocks" in v for v in violations)
    assert any("views.open: invalid view" in v for v in violations)
    assert any(v.startswith("[warning]") and "fallback `text`" in v for v in violations)


def _section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def _button(**extra: Any) -> dict[str, Any]:
    return {"type": "button", "action_id": "b", "text": {"type": "plain_text", "text": "Go"}, **extra}


def _select(options: int, text: str = "o", value: str = "v") -> dict[str, Any]:
    return {
        "type": "static_select",
        "action_id": "s",
        "options": [{"text": {"type": "plain_text", "text": text}, "value": f"{value}{i}"} for i in range(options)],
    }


def _input(element: dict[str, Any], label: str = "Label", block_id: str = "in") -> dict[str, Any]:
    return {"type": "input", "block_id": block_id, "label": {"type": "plain_text", "text": label}, "element": element}


def _modal(blocks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "T"},
        "submit": {"type": "plain_text", "text": "OK"},
        "blocks": blocks,
        **extra,
    }


MESSAGE_CASES: list[tuple[str, list[dict[str, Any]], str | None]] = [
    ("valid", [_section("hi"), {"type": "divider"}, {"type": "actions", "elements": [_button()]}], None),
    ("header 151", [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "/blocks/0/text/text"),
    ("header mrkdwn", [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}], "/blocks/0/text/type"),
    ("section 3001", [_section("s" * 3001)], "/blocks/0/text/text"),
    ("11 fields", [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}], "/blocks/0/fields"),
    ("field 2001", [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}], "/blocks/0/fields/0/text"),
    ("block_id 256", [_section("x", block_id="b" * 256)], "/blocks/0/block_id"),
    ("duplicate block_id", [_section("a", block_id="same"), _section("b", block_id="same")], "/blocks/1/block_id"),
    ("26 actions", [{"type": "actions", "elements": [_button(action_id=f"b{i}") for i in range(26)]}], "/blocks/0/elements"),
    ("duplicate action_id", [{"type": "actions", "elements": [_button(), _button()]}], "/blocks/0/elements/1/action_id"),
    ("11 context", [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}], "/blocks/0/elements"),
    ("button text 76", [{"type": "actions", "elements": [_button(text={"type": "plain_text", "text": "b" * 76})]}], "/blocks/0/elements/0/text/text"),
    ("button value 2001", [{"type": "actions", "elements": [_button(value="v" * 2001)]}], "/blocks/0/elements/0/value"),
    ("button url 3001", [{"type": "actions", "elements": [_button(url="u" * 3001)]}], "/blocks/0/elements/0/url"),
    ("option text 76", [{"type": "actions", "elements": [_select(1, text="o" * 76)]}], "/blocks/0/elements/0/options/0/text/text"),
    ("option value 151", [{"type": "actions", "elements": [_select(1, value="v" * 151)]}], "/blocks/0/elements/0/options/0/value"),
    ("101 options", [{"type": "actions", "elements": [_select(101)]}], "/blocks/0/elements/0/options"),
    ("placeholder 151", [{"type": "actions", "elements": [{**_select(1), "placeholder": {"type": "plain_text", "text": "p" * 151}}]}], "/blocks/0/elements/0/placeholder/text"),
    ("bad text type", [{"type": "section", "text": {"type": "markdown", "text": "x"}}], "/blocks/0/text/type"),
    ("input in message", [_input({"type": "plain_text_input", "action_id": "i"})], "/blocks/0/type"),
    ("text input in actions", [{"type": "actions", "elements": [{"type": "plain_text_input", "action_id": "i"}]}], "/blocks/0/elements/0/type"),
    ("51 blocks", [{"type": "divider"}] * 51, "/blocks"),
]  # fmt: skip

VIEW_CASES: list[tuple[str, dict[str, Any], str | None]] = [
    ("valid modal", MODAL, None),
    ("valid home", {"type": "home", "blocks": [_input({"type": "plain_text_input", "action_id": "i"})] * 1}, None),
    ("title 25", _modal([], title={"type": "plain_text", "text": "t" * 25}), "/view/title/text"),
    ("empty title", _modal([], title={"type": "plain_text", "text": ""}), "/view/title/text"),
    ("title mrkdwn", _modal([], title={"type": "mrkdwn", "text": "t"}), "/view/title/type"),
    ("submit 25", _modal([], submit={"type": "plain_text", "text": "s" * 25}), "/view/submit/text"),
    ("close 25", _modal([], close={"type": "plain_text", "text": "c" * 25}), "/view/close/text"),
    ("private_metadata 3001", _modal([], private_metadata="m" * 3001), "/view/private_metadata"),
    ("callback_id 256", _modal([], callback_id="c" * 256), "/view/callback_id"),
    ("label 2001", _modal([_input({"type": "plain_text_input", "action_id": "i"}, label="l" * 2001)]), "/view/blocks/0/label/text"),
    ("max_length 3001", _modal([_input({"type": "plain_text_input", "action_id": "i", "max_length": 3001})]), "/view/blocks/0/element/max_length"),
    ("101 blocks", _modal([{"type": "divider"}] * 101), "/view/blocks"),
    ("input without submit", {**_modal([_input({"type": "plain_text_input", "action_id": "i"})]), "submit": None}, "/view/submit"),
    ("duplicate block_ids", _modal([_input({"type": "plain_text_input", "action_id": "i"})] * 2), "/view/blocks/1/block_id"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "blocks", "pointer"), MESSAGE_CASES, ids=[c[0] for c in MESSAGE_CASES])
def test_message_block_rules(name: str, blocks: list[dict[str, Any]], pointer: str | None) -> None:
    problems = check_message_blocks(blocks)
    if pointer is None:
        assert problems == []
    else:
        assert pointer in [p.pointer for p in problems], problems


@pytest.mark.parametrize(("name", "view", "pointer"), VIEW_CASES, ids=[c[0] for c in VIEW_CASES])
def test_view_rules(name: str, view: dict[str, Any], pointer: str | None) -> None:
    problems = check_view(view)
    if pointer is None:
        assert problems == []
    else:
        assert pointer in [p.pointer for p in problems], problems


# ---- views ------------------------------------------------------------------------------------


def _trigger(sim: SlackSimulator) -> str:
    """A fresh trigger_id for USER, as an interaction delivers one (needs no app connected)."""
    return sim.new_trigger_id(USER)


def test_trigger_ids_are_single_use_and_expire(sim: SlackSimulator, client: WebClient) -> None:
    trigger = _trigger(sim)
    opened = client.views_open(trigger_id=trigger, view=MODAL)["view"]
    assert opened["callback_id"] == "dashboard_form" and opened["root_view_id"] == opened["id"]
    with pytest.raises(SlackApiError) as reused:
        client.views_open(trigger_id=trigger, view=MODAL)
    assert api_error(reused) == "exchanged_trigger_id"
    with pytest.raises(SlackApiError) as invented:
        client.views_open(trigger_id="12345.98765.abcdef", view=MODAL)
    assert api_error(invented) == "invalid_trigger_id"
    sim.settings.trigger_ttl_s = 0.2
    late = _trigger(sim)
    time.sleep(0.3)
    with pytest.raises(SlackApiError) as expired:
        client.views_open(trigger_id=late, view=MODAL)
    assert api_error(expired) == "expired_trigger_id"
    assert len(sim.violations) == 3


def test_views_update_hash_conflict_and_push_limit(
    sim: SlackSimulator, client: WebClient, app: App, connect: Callable[[App], SocketModeHandler]
) -> None:
    ack_everything(app)
    connect(app)
    view = client.views_open(trigger_id=_trigger(sim), view=MODAL)["view"]
    renamed = {**MODAL, "title": {"type": "plain_text", "text": "Renamed"}}
    updated = client.views_update(view_id=view["id"], hash=view["hash"], view=renamed)["view"]
    assert updated["id"] == view["id"] and updated["hash"] != view["hash"]
    with pytest.raises(SlackApiError) as stale:
        client.views_update(view_id=view["id"], hash=view["hash"], view=MODAL)
    assert api_error(stale) == "hash_conflict"
    # Each push needs a trigger from an interaction inside the modal, as in Slack.
    for _ in range(2):
        top = sim.open_views(USER)[-1]
        click = sim.click_button(USER, "more_options", view=top)
        click.wait_ack()
        assert click.payload["container"] == {"type": "view", "view_id": top["id"]}
        client.views_push(trigger_id=click.trigger_id, view=MODAL)
    assert len(sim.open_views(USER)) == 3
    click = sim.click_button(USER, "more_options", view=sim.open_views(USER)[-1])
    with pytest.raises(SlackApiError) as limit:
        client.views_push(trigger_id=click.trigger_id, view=MODAL)
    assert api_error(limit) == "push_limit_reached"


def test_view_submission_acks_drive_the_modal(
    sim: SlackSimulator, client: WebClient, app: App, connect: Callable[[App], SocketModeHandler]
) -> None:
    @app.view("dashboard_form")
    def on_submit(ack: Any, view: dict[str, Any]) -> None:
        name = view["state"]["values"]["name"]["name_input"]["value"]
        if len(name) < 3:
            ack(response_action="errors", errors={"name": "Too short"})
        else:
            ack()

    connect(app)
    view = client.views_open(trigger_id=_trigger(sim), view=MODAL)["view"]
    rejected = sim.submit_view(USER, view["id"], {"name": {"name_input": "ab"}})
    ack = rejected.wait_ack()
    assert ack.payload == {"response_action": "errors", "errors": {"name": "Too short"}}
    assert rejected.view_errors == {"name": "Too short"} and len(sim.open_views(USER)) == 1
    submitted = sim.submit_view(USER, view["id"], {"name": {"name_input": "timing"}})
    assert submitted.wait_ack().payload is None
    assert submitted.payload["view"]["private_metadata"] == "run-42"
    assert submitted.payload["view"]["state"]["values"]["name"]["name_input"] == {
        "type": "plain_text_input",
        "value": "timing",
    }
    assert sim.open_views(USER) == []
    with pytest.raises(ValueError, match="not the modal"):
        sim.submit_view(USER, view["id"], {"name": {"name_input": "again"}})
    sim.assert_no_violations()


def test_app_home_publish_per_user(
    sim: SlackSimulator, client: WebClient, app: App, connect: Callable[[App], SocketModeHandler]
) -> None:
    @app.event("app_home_opened")
    def on_home(event: dict[str, Any], client: WebClient) -> None:
        home = {"type": "home", "blocks": [_section(f"Hello <@{event['user']}>")]}
        client.views_publish(user_id=event["user"], view=home)

    connect(app)
    delivery = sim.open_app_home(USER)
    delivery.wait_ack()
    assert delivery.payload["event"]["tab"] == "home" and delivery.payload["event"]["channel"].startswith("D")
    home = sim.wait_for(lambda: sim.home_views.get(USER))
    assert home["type"] == "home" and "Hello" in home["blocks"][0]["text"]["text"]
    with pytest.raises(SlackApiError) as stale:
        client.views_publish(user_id=USER, hash="1.stale", view={"type": "home", "blocks": []})
    assert api_error(stale) == "hash_conflict"
    sim.assert_no_violations()


# ---- Socket Mode with a real Bolt app ---------------------------------------------------------


def test_slash_command_is_acked_and_respond_reaches_response_url(
    sim: SlackSimulator, app: App, connect: Callable[[App], SocketModeHandler]
) -> None:
    @app.command("/eda")
    def on_command(ack: Any, respond: Any, command: dict[str, Any]) -> None:
        ack()
        respond(text=f"Building {command['text']}")
        respond(text=f"Built {command['text']}", replace_original=True)

    connect(app)
    delivery = sim.send_slash_command(USER, "qor-dashboard", channel_id=CHANNEL)
    ack = delivery.wait_ack()
    assert ack.payload is None and ack.latency_s < 3
    envelope = delivery.envelope
    assert envelope["type"] == "slash_commands" and envelope["accepts_response_payload"] is True
    uuid.UUID(envelope["envelope_id"])
    assert delivery.response_url is not None and delivery.response_url.startswith(sim.http_url + "/response/")
    sim.wait_for(lambda: len(sim.responses.get(delivery.response_url or "", [])) == 2)
    assert [m["text"] for m in sim.response_messages(delivery)] == ["Built qor-dashboard"]
    assert [e["text"] for e in sim.ephemerals_for(USER)] == ["Built qor-dashboard"]
    sim.assert_no_violations()


def test_ack_payload_round_trips(sim: SlackSimulator, app: App, connect: Callable[[App], SocketModeHandler]) -> None:
    blocks = [_section("Working on *it*")]

    @app.command("/eda")
    def on_command(ack: Any) -> None:
        ack(text="Working on it", blocks=blocks)

    connect(app)
    ack = sim.send_slash_command(USER, "build").wait_ack()
    assert ack.has_payload and ack.payload == {"text": "Working on it", "blocks": blocks}
    [shown] = sim.ephemerals_for(USER)
    assert shown["source"] == "ack" and shown["text"] == "Working on it"
    assert sim.acks[-1] == ack
    sim.assert_no_violations()


def test_button_click_and_replace_original(
    sim: SlackSimulator, client: WebClient, app: App, connect: Callable[[App], SocketModeHandler]
) -> None:
    @app.action("approve")
    def on_approve(ack: Any, respond: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        respond(text=f"Approved run {body['actions'][0]['value']}", replace_original=True)
        client.chat_postMessage(channel=body["channel"]["id"], thread_ts=body["container"]["message_ts"], text="Go")

    connect(app)
    posted = client.chat_postMessage(
        channel=CHANNEL,
        text="Approve run?",
        blocks=[_section("Approve run?"), {"type": "actions", "elements": [_button(action_id="approve", value="r42")]}],
    )
    click = sim.click_button(USER, "approve", message=posted["message"], channel_id=CHANNEL)
    click.wait_ack()
    assert click.envelope["accepts_response_payload"] is False
    assert click.payload["container"]["message_ts"] == posted["ts"] and click.payload["actions"][0]["value"] == "r42"
    sim.wait_for(lambda: sim.messages_in(CHANNEL)[0]["text"] == "Approved run r42")
    assert "blocks" not in sim.messages_in(CHANNEL)[0]
    assert [m["text"] for m in sim.response_messages(click)] == ["Approved run r42"]
    reply = sim.wait_for_call("chat.postMessage", lambda args: args.get("thread_ts") == posted["ts"])
    assert reply["text"] == "Go" and reply["channel"] == CHANNEL
    sim.assert_no_violations()


def test_disconnect_makes_the_client_reconnect(
    sim: SlackSimulator, app: App, connect: Callable[[App], SocketModeHandler]
) -> None:
    ack_everything(app)
    connect(app)
    assert len(sim.calls("apps.connections.open")) == 1
    assert sim.request_disconnect("refresh_requested") == 1
    sim.wait_for(lambda: len(sim.calls("apps.connections.open")) == 2, what="a second apps.connections.open")
    # slack_sdk drops the old socket once the new one is up.
    sim.wait_for(lambda: sim.open_sockets == 1 and sim.connections_opened == 2, what="the old socket to close")
    delivery = sim.send_slash_command(USER, "after reconnect")
    assert delivery.wait_ack().latency_s < 3
    assert delivery.attempts[0].connection_id == 2
    sim.assert_no_violations()


def test_events_are_redelivered_until_acked(
    sim: SlackSimulator, app: App, connect: Callable[[App], SocketModeHandler]
) -> None:
    seen: list[tuple[str, str]] = []

    def is_retry(request: Any) -> bool:
        # Pretend the first delivery hit a busy worker: no listener matches, so Bolt sends no ack.
        return str(request.headers.get("x-slack-retry-num", ["0"])[0]) != "0"

    @app.event("app_mention", matchers=[is_retry])
    def on_mention(request: Any) -> None:
        seen.append((request.headers["x-slack-retry-num"][0], request.headers["x-slack-retry-reason"][0]))

    connect(app)
    delivery = sim.send_event(
        {"type": "app_mention", "user": USER, "text": f"<@{sim.bot_user_id}> hi", "channel": CHANNEL}
    )
    ack = delivery.wait_ack(timeout=sim.settings.ack_timeout_s + 3)
    first, retry = delivery.attempts
    assert (first.envelope["retry_attempt"], first.envelope["retry_reason"]) == (0, "")
    assert (retry.envelope["retry_attempt"], retry.envelope["retry_reason"]) == (1, "timeout")
    assert retry.envelope_id != first.envelope_id and ack.envelope_id == retry.envelope_id
    assert retry.envelope["payload"]["event_id"] == first.envelope["payload"]["event_id"]
    assert retry.sent_at - first.sent_at >= sim.settings.ack_timeout_s
    assert seen == [("1", "timeout")]
    sim.assert_no_violations()


def test_each_envelope_goes_to_one_of_several_connections(
    sim: SlackSimulator, connect: Callable[[App], SocketModeHandler]
) -> None:
    received: list[int] = []

    def listener_for(replica: int) -> Callable[..., None]:
        def on_command(ack: Any) -> None:
            received.append(replica)
            ack()

        return on_command

    for replica in (1, 2):
        bolt_app = App(client=WebClient(token=sim.bot_token, base_url=sim.api_url))
        bolt_app.command("/eda")(listener_for(replica))
        connect(bolt_app)
    deliveries = [sim.send_slash_command(USER, str(i)) for i in range(4)]
    for delivery in deliveries:
        delivery.wait_ack()
    assert sorted(received) == [1, 1, 2, 2]
    assert {d.attempts[0].connection_id for d in deliveries} == {1, 2}
    sim.assert_no_violations()


def test_envelope_shapes_match_slack_samples(
    sim: SlackSimulator, client: WebClient, app: App, connect: Callable[[App], SocketModeHandler]
) -> None:
    samples = need_samples()
    ack_everything(app)
    app.event("app_mention")(lambda: None)
    connect(app)
    slash = sim.send_slash_command(USER, "x")
    event = sim.send_event({"type": "app_mention", "user": USER, "text": "hi", "channel": CHANNEL})
    view = client.views_open(trigger_id=slash.trigger_id, view=MODAL)["view"]
    click = sim.click_button(USER, "more_options", view=view)
    submit = sim.submit_view(USER, view["id"], {"name": {"name_input": "n"}})
    shortcut = sim.send_shortcut(USER, "do-something")
    for delivery in (slash, event, click, submit, shortcut):
        delivery.wait_ack()
    expected = [
        (slash, samples["slack_sdk_0_slash_commands.hello-socket-mode"]),
        (shortcut, samples["slack_sdk_2_interactive.shortcut"]),
        (event, samples["slack_sdk_1_events_api.event_callback"]),
        (click, samples["slack_sdk_4_interactive.block_actions"]),
    ]
    for delivery, sample in expected:
        assert set(delivery.envelope) == set(sample), delivery.kind
        assert set(sample["payload"]) <= set(delivery.payload), delivery.kind
    assert set(samples["slack_sdk_1_events_api.event_callback"]["payload"]["authorizations"][0]) == set(
        event.payload["authorizations"][0]
    )
    submission = samples["view_submission (bolt tests/scenario_tests/test_view_submission.py body)"]
    assert set(submission) <= set(submit.payload) and set(submission["view"]) <= set(submit.payload["view"])
    assert submit.envelope["accepts_response_payload"] is True
    sim.assert_no_violations()


def test_dm_file_share_event_and_authenticated_download(
    sim: SlackSimulator, app: App, connect: Callable[[App], SocketModeHandler]
) -> None:
    downloaded: list[bytes] = []

    @app.event({"type": "message", "subtype": "file_share"})
    def on_file(event: dict[str, Any]) -> None:
        downloaded.append(fetch(event["files"][0]["url_private_download"], token=sim.bot_token))

    connect(app)
    delivery = sim.send_dm_file(USER, "timing.csv", b"path,slack\nA,0.12\n")
    delivery.wait_ack()
    event = delivery.payload["event"]
    assert event["channel_type"] == "im" and event["user"] == USER and event["files"][0]["name"] == "timing.csv"
    sim.wait_for(lambda: downloaded)
    assert downloaded == [b"path,slack\nA,0.12\n"]
    sim.assert_no_violations()


def test_view_closed_only_with_notify_on_close(
    sim: SlackSimulator, client: WebClient, app: App, connect: Callable[[App], SocketModeHandler]
) -> None:
    cleared: list[bool] = []

    @app.view_closed("dashboard_form")
    def on_closed(ack: Any, body: dict[str, Any]) -> None:
        ack()
        cleared.append(body["is_cleared"])

    connect(app)
    quiet = client.views_open(trigger_id=_trigger(sim), view=MODAL)["view"]
    assert sim.close_view(USER, quiet["id"]) is None and sim.open_views(USER) == []
    noisy = client.views_open(trigger_id=_trigger(sim), view={**MODAL, "notify_on_close": True})["view"]
    delivery = sim.close_view(USER, noisy["id"])
    assert delivery is not None and delivery.payload["type"] == "view_closed"
    delivery.wait_ack()
    assert sim.wait_for(lambda: cleared) == [False]
    sim.assert_no_violations()


def test_response_url_rules(sim: SlackSimulator, app: App, connect: Callable[[App], SocketModeHandler]) -> None:
    ack_everything(app)
    connect(app)
    delivery = sim.send_slash_command(USER, "x")
    delivery.wait_ack()
    hook = WebhookClient(delivery.response_url or "")
    assert (hook.send(text="first").status_code, hook.send(text="second").body) == (200, "ok")
    assert [m["text"] for m in sim.response_messages(delivery)] == ["first", "second"]
    assert hook.send(delete_original=True).status_code == 200
    assert [m["text"] for m in sim.response_messages(delivery)] == ["first"]
    assert hook.send(text="").status_code == 400  # no text, no blocks
    assert hook.send(text="fifth use").status_code == 200
    assert hook.send(text="sixth use").status_code == 404  # at most 5 uses
    assert [e["text"] for e in sim.ephemerals_for(USER)] == ["first", "fifth use"]
    violations = sim.violations
    assert len(violations) == 2 and "no_text" in violations[0] and "more than 5 times" in violations[1]


# ---- files ------------------------------------------------------------------------------------


def test_files_upload_v2_end_to_end(sim: SlackSimulator, client: WebClient) -> None:
    content = b"GIF89a fake preview bytes"
    response = client.files_upload_v2(
        channel=CHANNEL, content=content, filename="preview.gif", title="QoR preview", initial_comment="Dashboard ready"
    )
    file_id = response["file"]["id"]
    assert [r.method for r in sim.requests] == [
        "files.getUploadURLExternal",
        UPLOAD_URL,
        "files.completeUploadExternal",
    ]
    [message] = sim.messages_in(CHANNEL)
    assert message["text"] == "Dashboard ready" and message["files"][0]["id"] == file_id
    info = client.files_info(file=file_id)["file"]
    assert info["title"] == "QoR preview" and info["mimetype"] == "image/gif" and info["size"] == len(content)
    assert list(info["shares"]["public"]) == [CHANNEL]
    assert fetch(info["url_private_download"], token=sim.bot_token) == content
    sim.assert_no_violations()
    # Without the token Slack redirects to its sign-in page, which a naive client saves as the file.
    page = fetch(info["url_private_download"])
    assert b"Sign in" in page
    assert any("Slack would serve its sign-in page" in v for v in sim.violations)


def test_complete_upload_requires_an_uploaded_file(sim: SlackSimulator, client: WebClient) -> None:
    pending = client.files_getUploadURLExternal(filename="x.txt", length=3)
    assert pending["upload_url"] == f"{sim.http_url}/upload/{pending['file_id']}"
    with pytest.raises(SlackApiError) as excinfo:
        client.files_completeUploadExternal(files=[{"id": pending["file_id"]}], channel_id=CHANNEL)
    assert api_error(excinfo) == "file_not_found"
    with pytest.raises(SlackApiError) as zero:
        client.files_getUploadURLExternal(filename="x.txt", length=0)
    assert api_error(zero) == "missing_argument"
    assert any("never uploaded" in v for v in sim.violations)


# ---- fault injection ------------------------------------------------------------------------


def test_rate_limit_retry_after_is_honoured(sim: SlackSimulator) -> None:
    plain = WebClient(token=sim.bot_token, base_url=sim.api_url)
    sim.inject("chat.postMessage", status=429, retry_after=1)
    with pytest.raises(SlackApiError) as limited:
        plain.chat_postMessage(channel=CHANNEL, text="hi")
    assert limited.value.response.status_code == 429 and api_error(limited) == "ratelimited"
    assert limited.value.response.headers["Retry-After"] == "1"

    retrying = WebClient(
        token=sim.bot_token, base_url=sim.api_url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)]
    )
    sim.inject("chat.postMessage", status=429, retry_after=1)
    started = time.monotonic()
    assert retrying.chat_postMessage(channel=CHANNEL, text="eventually")["ok"]
    assert time.monotonic() - started >= 1.0
    assert [r.status for r in sim.requests if r.method == "chat.postMessage"] == [429, 429, 200]
    assert [m["text"] for m in sim.messages_in(CHANNEL)] == ["eventually"]


def test_injected_errors_statuses_and_delays(sim: SlackSimulator, client: WebClient) -> None:
    sim.inject("chat.postMessage", error="not_in_channel")
    with pytest.raises(SlackApiError) as injected:
        client.chat_postMessage(channel=CHANNEL, text="hi")
    assert injected.value.response.status_code == 200 and api_error(injected) == "not_in_channel"
    sim.inject("conversations.info", status=503)
    with pytest.raises(SlackApiError) as unavailable:
        client.conversations_info(channel=CHANNEL)
    assert unavailable.value.response.status_code == 503
    sim.inject("users.info", delay=2)
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        WebClient(token=sim.bot_token, base_url=sim.api_url, timeout=1).users_info(user=USER)
    sim.inject(UPLOAD_URL, status=500)
    with pytest.raises(urllib.error.HTTPError):
        client.files_upload_v2(channel=CHANNEL, content=b"abc", filename="a.txt")
    assert client.chat_postMessage(channel=CHANNEL, text="injections are used up")["ok"]


# ---- the raw Socket Mode protocol -------------------------------------------------------------


def test_raw_socket_protocol(sim: SlackSimulator) -> None:
    url = WebClient(base_url=sim.api_url).apps_connections_open(app_token=sim.app_token)["url"]
    assert url.startswith(sim.ws_url + "/link/?ticket=") and f"app_id={sim.app_id}" in url

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(url, autoping=False) as ws:
                hello = json.loads((await ws.receive(timeout=5)).data)
                assert hello["type"] == "hello" and hello["num_connections"] == 1
                assert hello["connection_info"] == {"app_id": sim.app_id} and "debug_info" in hello
                await ws.ping(b"are-you-there")
                kinds = set()
                while aiohttp.WSMsgType.PONG not in kinds:
                    kinds.add((await ws.receive(timeout=5)).type)
                delivery = await asyncio.to_thread(
                    sim.send_event, {"type": "app_home_opened", "user": USER, "tab": "home"}
                )
                while True:
                    message = await ws.receive(timeout=5)
                    if message.type == aiohttp.WSMsgType.TEXT:
                        break
                envelope = json.loads(message.data)
                assert envelope["envelope_id"] == delivery.envelope_id
                # An events_api ack must not carry a payload; an unknown envelope_id is a bug too.
                await ws.send_json({"envelope_id": envelope["envelope_id"], "payload": {"text": "nope"}})
                await ws.send_json({"envelope_id": "not-an-envelope"})
                await asyncio.to_thread(delivery.wait_ack, 5)
            with pytest.raises(aiohttp.WSServerHandshakeError):
                await session.ws_connect(url)  # tickets are single-use

    asyncio.run(scenario())
    violations = sim.violations
    assert any("accepts_response_payload is false" in v for v in violations)
    assert any("ack for unknown envelope_id" in v for v in violations)
    assert any("did not issue (or reused one)" in v for v in violations)
