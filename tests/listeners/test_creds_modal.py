"""The credentials modal and App Home through a real Bolt app: add, update, delete, reveal, refusals."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from core.db.models import Credential
from listeners.ids import ActionId, BlockId, CallbackId
from tests.listeners.conftest import Harness
from tests.slack_views import select_overflow, wait_for_view

pytestmark = pytest.mark.db
USER = "U0CREDS01"


def _registered(harness: Harness, unique_username) -> str:
    name = unique_username()
    harness.command(USER, f"register {name}")
    return name


def _open_creds(harness: Harness) -> dict:
    harness.sim.send_slash_command(USER, "creds", channel_id="C0EDA0001").wait_ack(timeout=3)
    return wait_for_view(harness.sim, USER, CallbackId.CREDS_LIST, contains="DB_PASSWORD", timeout=10)


def test_creds_modal_lists_masked_values_and_adds_one(harness: Harness, unique_username) -> None:
    _registered(harness, unique_username)
    view = _open_creds(harness)
    text = json.dumps(view, ensure_ascii=False)
    assert "DB_PASSWORD" in text and "GRAFANA_DB_PASSWORD" in text and "••••" in text
    harness.sim.click_button(USER, ActionId.CREDS_ADD, view=view).wait_ack(timeout=3)
    form = wait_for_view(harness.sim, USER, CallbackId.CREDS_SET, timeout=10)
    value = "xoxb-personal-token-1234"
    ack = harness.sim.submit_view(
        USER,
        form["id"],
        {
            BlockId.CREDS_KEY: {ActionId.CREDS_KEY_INPUT: "SLACK_BOT_TOKEN"},
            BlockId.CREDS_VALUE: {ActionId.CREDS_VALUE_INPUT: value},
        },
    ).wait_ack(timeout=3)
    assert not (ack.payload or {}).get("errors")
    updated = wait_for_view(harness.sim, USER, CallbackId.CREDS_LIST, contains="SLACK_BOT_TOKEN", timeout=10)
    assert "••••1234" in json.dumps(updated, ensure_ascii=False) and value not in json.dumps(updated)
    with harness.services.core.db.session() as session:
        stored = session.scalars(select(Credential).where(Credential.key_name == "SLACK_BOT_TOKEN")).one()
        assert value not in stored.encrypted_value


def test_modal_with_missing_fields_names_them(harness: Harness, unique_username) -> None:
    _registered(harness, unique_username)
    view = _open_creds(harness)
    harness.sim.click_button(USER, ActionId.CREDS_ADD, view=view).wait_ack(timeout=3)
    form = wait_for_view(harness.sim, USER, CallbackId.CREDS_SET, timeout=10)
    # Slack's client refuses truly empty required inputs; blank ones still get through.
    ack = harness.sim.submit_view(
        USER,
        form["id"],
        {BlockId.CREDS_KEY: {ActionId.CREDS_KEY_INPUT: "   "}, BlockId.CREDS_VALUE: {ActionId.CREDS_VALUE_INPUT: "  "}},
    )
    errors = (ack.wait_ack(timeout=3).payload or {}).get("errors", {})
    assert "name is required" in errors.get(BlockId.CREDS_KEY, "")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("   ", "empty"), ("bin\x00ary", "binary or control characters")],
    ids=["empty-value", "binary-value"],
)
def test_bad_values_are_refused_in_the_modal(harness: Harness, unique_username, value: str, expected: str) -> None:
    _registered(harness, unique_username)
    harness.sim.send_slash_command(USER, "creds set SOME_KEY", channel_id="C0EDA0001").wait_ack(timeout=3)
    form = wait_for_view(harness.sim, USER, CallbackId.CREDS_SET, timeout=10)
    ack = harness.sim.submit_view(USER, form["id"], {BlockId.CREDS_VALUE: {ActionId.CREDS_VALUE_INPUT: value}})
    errors = (ack.wait_ack(timeout=3).payload or {}).get("errors", {})
    assert expected in errors.get(BlockId.CREDS_VALUE, "")
    with harness.services.core.db.session() as session:
        assert session.scalars(select(Credential).where(Credential.key_name == "SOME_KEY")).all() == []


def test_modal_caps_values_at_slacks_input_limit(harness: Harness, unique_username) -> None:
    """Slack's client stops longer input; the 10 kB server-side limit is tested in test_credentials."""
    _registered(harness, unique_username)
    harness.sim.send_slash_command(USER, "creds set BIG_KEY", channel_id="C0EDA0001").wait_ack(timeout=3)
    form = wait_for_view(harness.sim, USER, CallbackId.CREDS_SET, timeout=10)
    with pytest.raises(ValueError, match="exceeds max_length 3000"):
        harness.sim.submit_view(USER, form["id"], {BlockId.CREDS_VALUE: {ActionId.CREDS_VALUE_INPUT: "x" * 3001}})


@pytest.mark.parametrize(
    ("key", "expected"),
    [("lower_case", "must be upper case"), ("BAD-KEY", "not allowed")],
    ids=["lower-case-key", "symbol-key"],
)
def test_bad_key_names_are_refused(harness: Harness, unique_username, key: str, expected: str) -> None:
    _registered(harness, unique_username)
    message = harness.command(USER, f"creds set {key}")
    assert expected in message["text"]


def test_managed_password_cannot_be_overwritten(harness: Harness, unique_username) -> None:
    _registered(harness, unique_username)
    harness.sim.send_slash_command(USER, "creds set DB_PASSWORD", channel_id="C0EDA0001").wait_ack(timeout=3)
    form = wait_for_view(harness.sim, USER, CallbackId.CREDS_SET, timeout=10)
    ack = harness.sim.submit_view(USER, form["id"], {BlockId.CREDS_VALUE: {ActionId.CREDS_VALUE_INPUT: "new-pw"}})
    assert "managed by edabot" in json.dumps((ack.wait_ack(timeout=3).payload or {}).get("errors", {}))


def test_delete_and_reveal_from_the_row_menu(harness: Harness, unique_username) -> None:
    _registered(harness, unique_username)
    harness.sim.send_slash_command(USER, "creds set TEMP_TOKEN", channel_id="C0EDA0001").wait_ack(timeout=3)
    form = wait_for_view(harness.sim, USER, CallbackId.CREDS_SET, timeout=10)
    harness.sim.submit_view(USER, form["id"], {BlockId.CREDS_VALUE: {ActionId.CREDS_VALUE_INPUT: "temp-value-9876"}})
    harness.sim.wait_for(lambda: [e for e in harness.sim.ephemerals_for(USER) if "TEMP_TOKEN" in e["text"]], 10)
    view = _open_creds(harness)
    select_overflow(harness.sim, USER, ActionId.CREDS_ROW_MENU, "reveal:TEMP_TOKEN", view=view).wait_ack(timeout=3)
    revealed = harness.sim.wait_for(
        lambda: [e for e in harness.sim.ephemerals_for(USER) if "temp-value-9876" in e["text"]], 10
    )
    assert revealed[-1]["user"] == USER and revealed[-1]["channel"] == "C0EDA0001"
    select_overflow(harness.sim, USER, ActionId.CREDS_ROW_MENU, "delete:TEMP_TOKEN", view=view).wait_ack(timeout=3)
    after = wait_for_view(harness.sim, USER, CallbackId.CREDS_LIST, contains="Deleted", timeout=10)
    menus = [b.get("accessory", {}) for b in after["blocks"]]
    offered = {o["value"] for m in menus for o in m.get("options", [])}
    assert "reveal:TEMP_TOKEN" not in offered and "reveal:DB_PASSWORD" in offered, "the row is gone, others stay"
    with harness.services.core.db.session() as session:
        assert session.scalars(select(Credential).where(Credential.key_name == "TEMP_TOKEN")).all() == []


def test_app_home_shows_account_and_masked_credentials(harness: Harness, unique_username) -> None:
    name = _registered(harness, unique_username)
    harness.sim.open_app_home(USER).wait_ack(timeout=3)
    harness.sim.wait_for(lambda: name in json.dumps(harness.sim.home_views.get(USER, {})), 10)
    home = json.dumps(harness.sim.home_views[USER], ensure_ascii=False)
    assert "DB_PASSWORD" in home and "Manage credentials" in home


def test_app_home_for_unregistered_user_says_how_to_register(harness: Harness) -> None:
    harness.sim.open_app_home("U0STRANGE").wait_ack(timeout=3)
    harness.sim.wait_for(lambda: "U0STRANGE" in harness.sim.home_views, 10)
    assert "not registered yet" in json.dumps(harness.sim.home_views["U0STRANGE"])
