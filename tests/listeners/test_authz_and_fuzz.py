"""Who may do what in Slack (every subcommand and button), and fuzzed input: always acked, always answered."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from listeners.ids import ActionId, BlockId, CallbackId
from tests.listeners.conftest import ADMIN_ID, Harness
from tests.slack_views import wait_for_view

pytestmark = pytest.mark.db
MEMBER, STRANGER = "U0MEMBER1", "U0STRANGER"


@pytest.fixture
def people(harness: Harness, unique_username) -> dict[str, str]:
    member, other = unique_username("member"), unique_username("other")
    harness.command(MEMBER, f"register {member}")
    harness.command("U0OTHER01", f"register {other}")
    return {"member": member, "other": other}


def _answer(harness: Harness, user: str, text: str) -> str:
    message = harness.command(user, text, timeout=20)
    return message.get("text", "") + json.dumps(message.get("blocks", []), ensure_ascii=False)


# (who, subcommand, text that must appear): every refusal names its reason.
REFUSALS = [
    (STRANGER, "creds set SOME_KEY", None),  # opens the form; refused on submit (tested below)
    (STRANGER, "apikey", "not registered yet"),
    (STRANGER, "dashboards", "not registered yet"),
    (STRANGER, "scan", "not registered yet"),
    (STRANGER, "user show", "not registered yet"),
    (MEMBER, "register again_name", "already registered"),
    (MEMBER, "user list", "Only an edabot admin can list users"),
    (MEMBER, "user create newbie <@U0NEWBIE1>", "Only an edabot admin can create accounts"),
    (MEMBER, "user show {other}", "only for your own account"),
]


def test_refusals_name_their_reason(harness: Harness, people: dict[str, str]) -> None:
    for user, text, expected in REFUSALS:
        if expected is None:
            continue
        assert expected in _answer(harness, user, text.format(**people)), (user, text)


def test_allowed_for_the_right_people(harness: Harness, people: dict[str, str]) -> None:
    assert people["other"] in _answer(harness, ADMIN_ID, f"user show {people['other']}")
    assert people["member"] in _answer(harness, ADMIN_ID, "user list")
    assert people["member"] in _answer(harness, MEMBER, "user show")
    assert "No dashboards yet" in _answer(harness, MEMBER, "dashboards")
    assert "edabot status" in _answer(harness, STRANGER, "status")
    assert "not registered yet" in _answer(harness, STRANGER, "help")


def test_creds_for_strangers_are_refused_with_a_reason(harness: Harness, people: dict[str, str]) -> None:
    harness.sim.send_slash_command(STRANGER, "creds").wait_ack(timeout=3)
    wait_for_view(harness.sim, STRANGER, CallbackId.LOADING, contains="not registered yet", timeout=10)
    harness.sim.send_slash_command(STRANGER, "creds set SOME_KEY").wait_ack(timeout=3)
    form = wait_for_view(harness.sim, STRANGER, CallbackId.CREDS_SET, timeout=10)
    harness.sim.submit_view(STRANGER, form["id"], {BlockId.CREDS_VALUE: {ActionId.CREDS_VALUE_INPUT: "v-1234"}})
    refusal = harness.sim.wait_for(
        lambda: [e for e in harness.sim.ephemerals_for(STRANGER) if "not registered yet" in e["text"]], 10
    )
    assert refusal


def test_non_admin_cannot_open_the_delete_dialog(harness: Harness, people: dict[str, str]) -> None:
    harness.sim.send_slash_command(MEMBER, f"user delete {people['other']}").wait_ack(timeout=3)
    wait_for_view(harness.sim, MEMBER, CallbackId.LOADING, contains="Only an edabot admin can delete users", timeout=10)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)
    | st.sampled_from(
        [
            "user",
            "user show",
            "creds set",
            "creds set a b c",
            "register",
            "user delete x y",
            "\u200b",
            "help " * 50,
            "user create x <@U1|y>",
            "<@U0ADMIN01>",
            "apikey\n\n",
        ]
    )
)
def test_any_command_text_is_acked_in_time_and_answered(harness: Harness, people, caplog, text: str) -> None:
    caplog.set_level(logging.ERROR)
    delivery = harness.sim.send_slash_command(MEMBER, text)
    assert delivery.wait_ack(timeout=3).latency_s < 3
    harness.sim.wait_for(lambda: harness.sim.response_messages(delivery) or harness.sim.open_views(MEMBER), 20)
    assert harness.services.work.wait_idle(20)
    assert not [r for r in caplog.records if r.exc_info], "an unhandled exception reached the log"
    for view in harness.sim.open_views(MEMBER):
        harness.sim.close_view(MEMBER, view["id"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.text(max_size=80), value=st.text(min_size=1, max_size=3000))
def test_any_modal_submission_is_acked_in_time_and_never_echoes_the_value(
    harness: Harness, people, caplog, key: str, value: str
) -> None:
    caplog.set_level(logging.ERROR)
    view = None
    harness.sim.send_slash_command(MEMBER, "creds").wait_ack(timeout=3)
    view = wait_for_view(harness.sim, MEMBER, CallbackId.CREDS_LIST, contains="DB_PASSWORD", timeout=10)
    harness.sim.click_button(MEMBER, ActionId.CREDS_ADD, view=view).wait_ack(timeout=3)
    form = wait_for_view(harness.sim, MEMBER, CallbackId.CREDS_SET, timeout=10)
    values = {
        BlockId.CREDS_KEY: {ActionId.CREDS_KEY_INPUT: key or " "},
        BlockId.CREDS_VALUE: {ActionId.CREDS_VALUE_INPUT: value if value.strip(" ") else value + "x"},
    }
    ack = harness.sim.submit_view(MEMBER, form["id"], values).wait_ack(timeout=3)
    assert ack.latency_s < 3
    errors = json.dumps((ack.payload or {}).get("errors", {}), ensure_ascii=False)
    if len(value.strip()) >= 8 and value.strip() not in key:  # key names are shown; values never
        assert value.strip() not in errors
    assert harness.services.work.wait_idle(20)
    assert not [r for r in caplog.records if r.exc_info]
    for open_view in reversed(harness.sim.open_views(MEMBER)):
        harness.sim.close_view(MEMBER, open_view["id"])
