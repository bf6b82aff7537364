"""Slash commands through a real Bolt app over Socket Mode: answers users can read, refusals with reasons."""

from __future__ import annotations

import json

import pytest

from tests.listeners.conftest import ADMIN_ID, Harness

pytestmark = pytest.mark.db


def _text(message: dict) -> str:
    return message.get("text", "") + json.dumps(message.get("blocks", []), ensure_ascii=False)


def test_empty_command_shows_help_with_the_callers_state(harness: Harness) -> None:
    answer = _text(harness.command("U0NEW0001", ""))
    assert "not registered yet" in answer and "register &lt;username&gt;" in answer  # shown as <username>
    assert "Admin commands" not in answer


def test_admin_sees_admin_commands(harness: Harness) -> None:
    assert "Admin commands" in _text(harness.command(ADMIN_ID, "help"))


def test_unknown_subcommand_is_named_in_help(harness: Harness) -> None:
    answer = _text(harness.command("U0NEW0001", "frobnicate"))
    assert "Unknown command `frobnicate`" in answer and "Commands" in answer


def test_extra_words_are_named(harness: Harness) -> None:
    answer = _text(harness.command("U0NEW0001", "apikey now please"))
    assert "unexpected `now please`" in answer


def test_register_shows_progress_then_the_key_once(harness: Harness, unique_username) -> None:
    name = unique_username()
    delivery = harness.sim.send_slash_command("U0ALICE01", f"register {name}")
    delivery.wait_ack(timeout=3)
    harness.sim.wait_for(lambda: any("Welcome" in _text(m) for m in harness.sim.response_messages(delivery)), 20)
    posts = harness.sim.responses[delivery.payload["response_url"]]
    assert len(posts) <= 5, "Slack accepts at most five posts to one response_url"
    assert any("Creating databases" in _text(m) for m in posts[:-1]), "progress was shown while working"
    assert all(p.get("replace_original") for p in posts[1:]), "progress updates the same message"
    assert len(harness.sim.response_messages(delivery)) == 1
    final = _text(posts[-1])
    assert "eda_" in final and f"{name}_timing" in final and "DB_PASSWORD" in final
    again = _text(harness.command("U0ALICE01", "register"))
    assert "already registered" in again and "eda_" not in again


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("register o'brien", "not allowed"),
        ("register bob;drop", "';'"),
        ("register josé", "'é'"),
        ("register Alice", "use lower case"),
        ("register postgres", "reserved"),
        ("register " + "a" * 40, "too long"),
    ],
    ids=["quotes", "semicolon", "unicode", "upper-case", "reserved", "over-long"],
)
def test_bad_usernames_are_refused_and_nothing_is_written(harness: Harness, text: str, expected: str) -> None:
    assert expected in _text(harness.command("U0BAD0001", text))
    with harness.services.core.db.session() as session:
        from sqlalchemy import text as sql

        assert session.execute(sql("SELECT count(*) FROM users")).scalar() == 0


def test_non_admin_is_refused_admin_commands_with_a_reason(harness: Harness, unique_username) -> None:
    name = unique_username()
    harness.command("U0CAROL01", f"register {name}")
    answer = _text(harness.command("U0CAROL01", "user list"))
    assert "Only an edabot admin can list users" in answer
    answer = _text(harness.command("U0CAROL01", "user show someone_else"))
    assert "only for your own account" in answer and "someone_else" in answer


def test_admin_lists_and_shows_users(harness: Harness, unique_username) -> None:
    name = unique_username()
    harness.command("U0DAVE001", f"register {name}")
    assert name in _text(harness.command(ADMIN_ID, "user list"))
    shown = _text(harness.command(ADMIN_ID, f"user show {name}"))
    assert f"{name}_qor" in shown and "U0DAVE001" in shown


def test_apikey_rotation_revokes_the_old_key(harness: Harness, unique_username) -> None:
    from core import users

    name = unique_username()
    first = _text(harness.command("U0ERIN001", f"register {name}"))
    second = _text(harness.command("U0ERIN001", "apikey"))
    import re

    old = re.search(r"eda_[A-Za-z0-9_-]{40,}", first)
    new = re.search(r"eda_[A-Za-z0-9_-]{40,}", second)
    assert old and new and old.group(0) != new.group(0)
    with harness.services.core.db.session() as session:
        assert users.by_api_key(session, old.group(0)) is None
        found = users.by_api_key(session, new.group(0))
        assert found is not None and found.username == name


def test_unregistered_user_is_told_to_register(harness: Harness) -> None:
    assert "/eda register" in _text(harness.command("U0NOBODY1", "apikey"))


def test_admin_creates_an_account_for_someone_else(harness: Harness, unique_username) -> None:
    name = unique_username()
    harness.sim.add_user("U0FRANK01", name="frank")
    answer = _text(harness.command(ADMIN_ID, f"user create {name} <@U0FRANK01|frank>"))
    assert "Done" in answer and "eda_" not in answer, "the new user's key is not shown to the admin"
    dm = harness.sim.wait_for_call("chat.postMessage", lambda a: "apikey" in str(a.get("blocks")), timeout=5)
    assert dm is not None


def test_admin_deletes_a_user_through_the_confirmation_modal(harness: Harness, unique_username) -> None:
    from listeners.ids import ActionId, BlockId, CallbackId
    from tests.slack_views import wait_for_view

    name = unique_username()
    harness.command("U0GONE001", f"register {name}")
    harness.sim.send_slash_command(ADMIN_ID, f"user delete {name}").wait_ack(timeout=3)
    form = wait_for_view(harness.sim, ADMIN_ID, CallbackId.USER_DELETE, timeout=10)
    assert name in json.dumps(form) and "Keep the databases" in json.dumps(form)
    harness.sim.submit_view(
        ADMIN_ID, form["id"], {BlockId.USER_DELETE_DATA: {ActionId.USER_DELETE_DATA_CHOICE: "drop"}}
    ).wait_ack(timeout=3)
    assert harness.services.work.wait_idle(30)
    dm = harness.sim.messages_in(harness.sim.im_channel(ADMIN_ID))
    assert any("was deleted" in _text(m) for m in dm)
    with harness.services.core.db.session() as session:
        from sqlalchemy import text as sql

        assert session.execute(sql("SELECT count(*) FROM users WHERE username = :n"), {"n": name}).scalar() == 0
        assert (
            session.execute(sql("SELECT count(*) FROM pg_database WHERE datname LIKE :n"), {"n": name + "%"}).scalar()
            == 0
        )


def test_delete_of_an_unknown_user_says_so_in_the_modal(harness: Harness) -> None:
    from listeners.ids import CallbackId
    from tests.slack_views import wait_for_view

    harness.sim.send_slash_command(ADMIN_ID, "user delete nobody_here").wait_ack(timeout=3)
    view = wait_for_view(harness.sim, ADMIN_ID, CallbackId.LOADING, contains="no edabot user", timeout=10)
    assert "nobody_here" in json.dumps(view)


def test_a_failing_slack_call_is_reported_with_a_reference(harness: Harness, unique_username) -> None:
    """The global error handler: the listener raises, the user gets a reference id, the log the traceback."""
    harness.command("U0OOPS001", f"register {unique_username()}")
    harness.sim.inject("views.open", error="internal_error")
    delivery = harness.sim.send_slash_command("U0OOPS001", "creds")
    delivery.wait_ack(timeout=3)
    harness.sim.wait_for(lambda: harness.sim.response_messages(delivery), 10)
    text = _text(harness.sim.response_messages(delivery)[-1])
    import re

    assert re.search(r"reference `[0-9A-F]{8}`", text), text


def test_an_outage_during_a_background_job_gives_the_user_the_reference_logged_at_warning(
    harness: Harness, unique_username, caplog: pytest.LogCaptureFixture
) -> None:
    """Unavailable (here: no pipeline in this process) is not the user's fault: their answer carries a reference
    id, and the log has the same id at WARNING with the error, where the admin looks for it."""
    import logging
    import re

    harness.command("U0DOWN001", f"register {unique_username()}")
    with caplog.at_level(logging.INFO):
        text = _text(harness.command("U0DOWN001", "scan"))
    assert "pipeline is not running" in text, text
    reference = re.search(r"reference `([0-9A-F]{8})`", text)
    assert reference, text
    logged = [r for r in caplog.records if reference.group(1) in r.getMessage()]
    assert len(logged) == 1 and logged[0].levelno == logging.WARNING and logged[0].exc_info is not None


def test_status_shows_the_doctor_checks_and_fixes_to_an_admin(harness: Harness) -> None:
    answer = _text(harness.command(ADMIN_ID, "status", timeout=20))
    assert "PostgreSQL reachable" in answer and "Slack auth.test" in answer
    assert "GRAFANA_API_KEY is not set" in answer and "service account" in answer
    assert "All dashboards by state" in answer
