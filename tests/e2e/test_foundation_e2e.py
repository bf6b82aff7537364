"""The whole `edabot run` process against the Slack simulator and the embedded PostgreSQL."""

from __future__ import annotations

import json
import re
import subprocess

import psycopg
import pytest

from core.db.embedded import binaries_dir
from listeners.ids import ActionId, BlockId, CallbackId
from tests.e2e.conftest import CHANNEL_ID, BotProcess
from tests.slack_views import select_overflow, wait_for_view

pytestmark = [pytest.mark.e2e, pytest.mark.db]
CANARY = "CANARY-7f3a9c1e-do-not-leak-4b2d"


def _text(message: dict) -> str:
    return message.get("text", "") + json.dumps(message.get("blocks", []), ensure_ascii=False)


def _command(bot: BotProcess, user: str, text: str, until: str, timeout: float = 30.0) -> str:
    delivery = bot.sim.send_slash_command(user, text, channel_id=CHANNEL_ID)
    delivery.wait_ack(timeout=3)
    try:
        bot.sim.wait_for(lambda: any(until in _text(m) for m in bot.sim.response_messages(delivery)), timeout)
    except TimeoutError:
        shown = [_text(m) for m in bot.sim.response_messages(delivery)]
        raise AssertionError(f"no {until!r} in the answer to /eda {text}: {shown}\n{bot.output()[-3000:]}") from None
    return _text(bot.sim.response_messages(delivery)[-1])


def _register(bot: BotProcess, user: str, name: str) -> str:
    answer = _command(bot, user, f"register {name}", until="Welcome")
    key = re.search(r"eda_[A-Za-z0-9_-]{40,}", answer)
    assert key, answer
    return key.group(0)


def _user_role_password(bot: BotProcess, name: str) -> str:
    """Read DB_PASSWORD the way the user would: reveal it from the creds modal."""
    bot.sim.send_slash_command(name_to_user[name], "creds", channel_id=CHANNEL_ID).wait_ack(timeout=3)
    view = wait_for_view(bot.sim, name_to_user[name], CallbackId.CREDS_LIST, contains="DB_PASSWORD", timeout=15)
    select_overflow(bot.sim, name_to_user[name], ActionId.CREDS_ROW_MENU, "reveal:DB_PASSWORD", view=view).wait_ack(3)
    eph = bot.sim.wait_for(
        lambda: [e for e in bot.sim.ephemerals_for(name_to_user[name]) if "DB_PASSWORD (only you" in e["text"]], 15
    )
    return eph[-1]["text"].rsplit(": ", 1)[1]


name_to_user: dict[str, str] = {}


def test_register_isolate_store_credentials_and_refuse(bot: BotProcess) -> None:
    bot.start()
    alice, bob = "alice_e2e", "bob_e2e"
    name_to_user.update({alice: "U0ALICE01", bob: "U0BOB0001"})
    alice_key = _register(bot, "U0ALICE01", alice)
    _register(bot, "U0BOB0001", bob)

    # Databases and roles exist; PUBLIC and other users cannot connect.
    with bot.connect() as conn:
        dbs = {r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'alice_e2e_%'")}
        roles = {r[0] for r in conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE 'alice_e2e%'")}
        conn.execute("CREATE ROLE outsider LOGIN PASSWORD 'outsider-pw'")
    assert dbs == {"alice_e2e_timing", "alice_e2e_qor", "alice_e2e_drc"}
    assert roles == {"alice_e2e", "alice_e2e_grafana"}
    port = (bot.data_dir / ".edabot" / "pg-port").read_text().strip()
    with pytest.raises(psycopg.OperationalError, match="permission denied"):
        psycopg.connect(f"postgresql://outsider:outsider-pw@127.0.0.1:{port}/alice_e2e_timing")
    bob_pw = _user_role_password(bot, bob)
    with pytest.raises(psycopg.OperationalError, match="permission denied"):
        psycopg.connect(f"postgresql://bob_e2e:{bob_pw}@127.0.0.1:{port}/alice_e2e_timing")
    alice_pw = _user_role_password(bot, alice)
    psycopg.connect(f"postgresql://alice_e2e:{alice_pw}@127.0.0.1:{port}/alice_e2e_timing").close()

    # The users row holds a hash, never the plain key.
    with bot.connect() as conn:
        row = conn.execute(
            "SELECT api_key_hash, row_to_json(u)::text FROM users u WHERE username = %s", (alice,)
        ).fetchone()
    assert row is not None and len(row[0]) == 64 and alice_key not in row[1]

    # A credential set through the modal is stored encrypted and shown masked in App Home.
    bot.sim.send_slash_command("U0ALICE01", "creds set MY_TOKEN", channel_id=CHANNEL_ID).wait_ack(timeout=3)
    form = wait_for_view(bot.sim, "U0ALICE01", CallbackId.CREDS_SET, timeout=10)
    ack = bot.sim.submit_view(
        "U0ALICE01", form["id"], {BlockId.CREDS_VALUE: {ActionId.CREDS_VALUE_INPUT: CANARY}}
    ).wait_ack(timeout=3)
    assert not (ack.payload or {}).get("errors")
    bot.sim.wait_for(lambda: [e for e in bot.sim.ephemerals_for("U0ALICE01") if "MY_TOKEN" in e["text"]], 15)
    dump = subprocess.run(
        [str(binaries_dir() / "pg_dump"), bot.admin_url("postgres")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        user="edabot-pg" if _is_root() else None,
    ).stdout
    assert "MY_TOKEN" in dump and CANARY not in dump
    bot.sim.open_app_home("U0ALICE01").wait_ack(timeout=3)
    home = bot.sim.wait_for(lambda: "MY_TOKEN" in json.dumps(bot.sim.home_views.get("U0ALICE01", {})), 15)
    assert home
    home_json = json.dumps(bot.sim.home_views["U0ALICE01"], ensure_ascii=False)
    assert "••••" + CANARY[-4:] in home_json and CANARY not in home_json

    # Bad modal input: a clear message under the field, nothing saved, the value never echoed.
    bot.sim.send_slash_command("U0ALICE01", "creds set OTHER_TOKEN", channel_id=CHANNEL_ID).wait_ack(timeout=3)
    form = wait_for_view(bot.sim, "U0ALICE01", CallbackId.CREDS_SET, timeout=10)
    ack = bot.sim.submit_view(
        "U0ALICE01", form["id"], {BlockId.CREDS_VALUE: {ActionId.CREDS_VALUE_INPUT: CANARY + "\x00"}}
    ).wait_ack(3)
    errors = (ack.payload or {}).get("errors", {})
    assert "binary or control characters" in errors.get(BlockId.CREDS_VALUE, "") and CANARY not in json.dumps(errors)

    # A non-admin's `user delete` of someone else is refused, with the reason.
    bot.sim.send_slash_command("U0BOB0001", f"user delete {alice}", channel_id=CHANNEL_ID).wait_ack(timeout=3)
    refused = wait_for_view(bot.sim, "U0BOB0001", CallbackId.LOADING, contains="Only an edabot admin", timeout=15)
    assert refused
    with bot.connect() as conn:
        assert conn.execute("SELECT count(*) FROM users WHERE username = %s", (alice,)).fetchone() == (1,)

    assert bot.stop() == 0, bot.output()
    _assert_canary_never_leaked(bot)
    bot.sim.assert_no_violations()


def _is_root() -> bool:
    import os

    return os.geteuid() == 0


def _assert_canary_never_leaked(bot: BotProcess) -> None:
    assert bot.log_file.exists()
    assert CANARY not in bot.log_file.read_text(errors="replace")
    assert CANARY not in bot.output()
    for request in bot.sim.requests:
        body = request.raw_body.decode("utf-8", errors="replace")
        assert CANARY not in body, f"canary sent to Slack in {request.method}"


def _stuck_in(bot: BotProcess, query_prefix: str) -> bool:
    with bot.connect() as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'edabot' AND state = 'active' "
            "AND query ILIKE %s",
            (query_prefix + "%",),
        ).fetchone()
        return row is not None and row[0] > 0


@pytest.mark.parametrize("kill_at", ["passwords", "databases"])
def test_registration_killed_halfway_is_finished_by_running_it_again(bot: BotProcess, kill_at: str) -> None:
    """SIGKILL while a registration step is blocked on the database, then `/eda register` again."""
    bot.start()
    name = f"carol_{kill_at[:4]}"
    holder = bot.connect("postgres" if kill_at == "passwords" else "template1")
    if kill_at == "passwords":
        # The account row gets written, then storing the passwords waits on this table lock.
        holder.autocommit = False
        holder.execute("LOCK TABLE credentials IN SHARE ROW EXCLUSIVE MODE")
        stuck_query = "INSERT INTO credentials"
    else:
        # CREATE DATABASE waits (up to 5 s) while anyone is connected to its template.
        stuck_query = "CREATE DATABASE"
    bot.sim.send_slash_command("U0CAROL01", f"register {name}", channel_id=CHANNEL_ID).wait_ack(timeout=3)
    bot.sim.wait_for(lambda: _stuck_in(bot, stuck_query), 20, what=f"registration blocked at {stuck_query}")
    bot.kill()
    holder.rollback() if not holder.autocommit else None
    holder.close()
    with bot.connect() as conn:
        assert conn.execute("SELECT active, api_key_hash FROM users WHERE username = %s", (name,)).fetchone() == (
            False,
            None,
        ), "killed before the end: not active, no usable key"
        done_dbs = conn.execute("SELECT count(*) FROM pg_database WHERE datname LIKE %s", (name + "_%",)).fetchone()
    assert done_dbs is not None and done_dbs[0] < 3

    bot.start()
    answer = _command(bot, "U0CAROL01", "register", until="Welcome")
    assert "continuing an unfinished registration" in answer and f"{name}_drc" in answer
    with bot.connect() as conn:
        assert conn.execute("SELECT active, state FROM users WHERE username = %s", (name,)).fetchone() == (
            True,
            "active",
        )
        assert conn.execute("SELECT count(*) FROM pg_database WHERE datname LIKE %s", (name + "_%",)).fetchone() == (3,)
    assert bot.stop() == 0


def test_fifty_slash_commands_together_are_all_acked_within_3_seconds(bot: BotProcess) -> None:
    bot.start()
    deliveries = [bot.sim.send_slash_command(f"U0LOAD{i:04d}", "help", channel_id=CHANNEL_ID) for i in range(50)]
    acks = [d.wait_ack(timeout=10) for d in deliveries]
    latencies = sorted(a.latency_s for a in acks)
    print(f"ack latency over 50 concurrent commands: max {latencies[-1]:.3f}s, p50 {latencies[25]:.3f}s")
    assert latencies[-1] < 3.0
    # And every one of them was answered.
    bot.sim.wait_for(lambda: all(bot.sim.response_messages(d) for d in deliveries), 30)
    bot.stop()
