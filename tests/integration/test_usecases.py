"""The use-case layer on a real PostgreSQL: who may do what is decided there, for every edge, and a refusal
leaves the master database as it was."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core import users
from core.actors import api_key_actor, slack_actor
from core.authz import Actor
from core.db.models import AuditEntry, Credential, User
from core.errors import AlreadyExists, NotAllowed
from core.registration import register
from core.usecases import accounts, apikeys, credentials, dashboards, reports
from core.usecases.credentials import CredentialExists
from core.usecases.dashboards import PipelineNotRunning
from core.usecases.status import status

pytestmark = pytest.mark.db

ALICE_SLACK, BOB_SLACK, LISTED_ADMIN = "U0UCALICE", "U0UCBOB01", "U0UCADMIN"
ADMINS = frozenset({LISTED_ADMIN})


@pytest.fixture
def people(core_ctx, unique_username) -> dict[str, str]:
    names = {"alice": unique_username("alice"), "bob": unique_username("bob")}
    register(core_ctx, username=names["alice"], slack_user_id=ALICE_SLACK, actor=Actor.cli())
    register(core_ctx, username=names["bob"], slack_user_id=BOB_SLACK, actor=Actor.cli())
    return names


def _snapshot(core_ctx) -> tuple[list[tuple[int, str, str]], int, list[tuple[str, str | None]]]:
    """Everything a credential or key use case could change: credential rows, audit rows, key hashes."""
    with core_ctx.db.session() as s:
        creds = [
            (c.user_id, c.key_name, c.encrypted_value)
            for c in s.scalars(select(Credential).order_by(Credential.user_id, Credential.key_name))
        ]
        audits = int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0)
        keys = [(u.username, u.api_key_hash) for u in s.scalars(select(User).order_by(User.username))]
    return creds, audits, keys


def test_a_non_admin_is_refused_on_another_users_credentials_and_nothing_changes(core_ctx, people) -> None:
    bob = slack_actor(core_ctx.db, BOB_SLACK, admins=ADMINS)
    credentials.set_value(
        ctx=core_ctx, actor=slack_actor(core_ctx.db, ALICE_SLACK, admins=ADMINS), key_name="API_TOKEN", value="a" * 20
    )
    before = _snapshot(core_ctx)
    alice = people["alice"]
    attempts = {
        "list": lambda: credentials.list_masked(ctx=core_ctx, actor=bob, username=alice),
        "set": lambda: credentials.set_value(
            ctx=core_ctx, actor=bob, username=alice, key_name="API_TOKEN", value="b" * 20
        ),
        "delete": lambda: credentials.delete(ctx=core_ctx, actor=bob, username=alice, key_name="API_TOKEN"),
        "reveal": lambda: credentials.reveal(ctx=core_ctx, actor=bob, username=alice, key_name="API_TOKEN"),
        "rotate": lambda: apikeys.rotate(ctx=core_ctx, actor=bob, username=alice),
    }
    for what, attempt in attempts.items():
        with pytest.raises(NotAllowed, match="only for your own account") as refused:
            attempt()
        assert alice in str(refused.value), what
    assert _snapshot(core_ctx) == before  # no value, key, or audit row written by any refusal


def test_an_admin_listed_in_edabot_admins_acts_on_anyones_credentials(core_ctx, people) -> None:
    admin = slack_actor(core_ctx.db, LISTED_ADMIN, admins=ADMINS)
    assert admin.is_admin and admin.username is None  # an admin need not have an account
    stored = credentials.set_value(
        ctx=core_ctx, actor=admin, username=people["bob"], key_name="API_TOKEN", value="x" * 20
    )
    assert stored.created and stored.credential.masked == "••••xxxx"
    assert credentials.reveal(ctx=core_ctx, actor=admin, username=people["bob"], key_name="API_TOKEN").reveal() == (
        "x" * 20
    )
    credentials.delete(ctx=core_ctx, actor=admin, username=people["bob"], key_name="API_TOKEN")
    names = [c.key_name for c in credentials.list_masked(ctx=core_ctx, actor=admin, username=people["bob"])]
    assert "API_TOKEN" not in names


def test_adding_a_credential_that_exists_is_refused_and_the_old_value_stays(core_ctx, people) -> None:
    alice = slack_actor(core_ctx.db, ALICE_SLACK, admins=ADMINS)
    credentials.set_value(ctx=core_ctx, actor=alice, key_name="API_TOKEN", value="first-value-1234")
    with pytest.raises(CredentialExists):
        credentials.set_value(ctx=core_ctx, actor=alice, key_name="API_TOKEN", value="second-value-99", replace=False)
    assert credentials.reveal(ctx=core_ctx, actor=alice, key_name="API_TOKEN").reveal() == "first-value-1234"
    replaced = credentials.set_value(ctx=core_ctx, actor=alice, key_name="API_TOKEN", value="second-value-99")
    assert not replaced.created


def test_slack_and_api_callers_get_the_same_admin_rule(core_ctx, people, unique_username) -> None:
    listed = unique_username("lst")
    made = register(core_ctx, username=listed, slack_user_id=LISTED_ADMIN, actor=Actor.cli())
    by_key = api_key_actor(core_ctx.db, made.api_key.reveal(), admins=ADMINS)
    by_slack = slack_actor(core_ctx.db, LISTED_ADMIN, admins=ADMINS)
    assert by_key is not None and by_key.is_admin and by_key.label == f"api:{listed}"
    assert by_slack.is_admin and by_slack.username == listed
    # Not listed and no admin flag: a plain user through either edge.
    assert not slack_actor(core_ctx.db, BOB_SLACK, admins=ADMINS).is_admin
    assert slack_actor(core_ctx.db, "U0NOBODY1", admins=ADMINS).username is None
    assert api_key_actor(core_ctx.db, "not-an-edabot-key", admins=ADMINS) is None


def test_rotating_a_key_revokes_the_old_one_at_once(core_ctx, people, unique_username) -> None:
    name = unique_username("rot")
    old = register(core_ctx, username=name, slack_user_id="U0UCROT01", actor=Actor.cli()).api_key.reveal()
    caller = api_key_actor(core_ctx.db, old, admins=ADMINS)
    assert caller is not None
    rotated = apikeys.rotate(ctx=core_ctx, actor=caller)
    assert rotated.username == name
    assert api_key_actor(core_ctx.db, old, admins=ADMINS) is None
    assert api_key_actor(core_ctx.db, rotated.key.reveal(), admins=ADMINS) == caller


def test_account_administration_is_refused_to_non_admins_and_writes_nothing(core_ctx, people, unique_username) -> None:
    bob = slack_actor(core_ctx.db, BOB_SLACK, admins=ADMINS)
    before = _snapshot(core_ctx)
    newcomer = unique_username("new")
    refused = {
        "create": lambda: accounts.create_for(ctx=core_ctx, actor=bob, username=newcomer, slack_user_id="U0UCNEW01"),
        "list": lambda: accounts.list_all(ctx=core_ctx, actor=bob),
        "delete": lambda: accounts.delete(ctx=core_ctx, actor=bob, username=people["alice"], drop_data=True),
        "prepare delete": lambda: accounts.check_deletable(ctx=core_ctx, actor=bob, username=people["alice"]),
        "show another": lambda: accounts.show(ctx=core_ctx, actor=bob, username=people["alice"]),
        "purge": lambda: accounts.purge(ctx=core_ctx, actor=bob, username=people["alice"]),
    }
    for what, attempt in refused.items():
        with pytest.raises(NotAllowed):
            attempt()
            pytest.fail(f"{what} was allowed")
    assert _snapshot(core_ctx) == before
    with core_ctx.db.session() as s:
        assert users.by_username(s, newcomer) is None and users.require(s, people["alice"]).active
    assert accounts.show(ctx=core_ctx, actor=bob).username == people["bob"]


def test_creating_an_account_for_a_slack_user_who_has_one_names_it(core_ctx, people, unique_username) -> None:
    with pytest.raises(AlreadyExists, match=people["alice"]):
        accounts.create_for(ctx=core_ctx, actor=Actor.cli(), username=unique_username("dup"), slack_user_id=ALICE_SLACK)


def test_a_report_for_another_users_databases_is_refused_before_the_file_is_read(core_ctx, people, tmp_path) -> None:
    bob = slack_actor(core_ctx.db, BOB_SLACK, admins=ADMINS)
    missing = tmp_path / "never-written.rpt"  # a read would raise FileNotFoundError, not NotAllowed
    with pytest.raises(NotAllowed):
        reports.authorize_upload(ctx=core_ctx, actor=bob, username=people["alice"])
    with pytest.raises(NotAllowed):
        reports.ingest(ctx=core_ctx, actor=bob, username=people["alice"], path=missing)
    with pytest.raises(NotAllowed):
        reports.rescan(ctx=core_ctx, ports=None, actor=bob, username=people["alice"])
    assert reports.rescan(ctx=core_ctx, ports=None, actor=bob) is None  # no pipeline here: the scheduler scans


def test_scanning_needs_an_account_and_a_pipeline(core_ctx, people) -> None:
    with pytest.raises(NotAllowed, match="not registered"):
        dashboards.scan_now(ctx=core_ctx, ports=None, actor=slack_actor(core_ctx.db, "U0NOBODY1", admins=ADMINS))
    with pytest.raises(PipelineNotRunning):
        dashboards.scan_now(ctx=core_ctx, ports=None, actor=slack_actor(core_ctx.db, BOB_SLACK, admins=ADMINS))
    bob = slack_actor(core_ctx.db, BOB_SLACK, admins=ADMINS)
    assert dashboards.list_latest(ctx=core_ctx, actor=bob) == []
    with pytest.raises(NotAllowed):
        dashboards.list_latest(ctx=core_ctx, actor=bob, username=people["alice"])


def test_status_shows_server_checks_to_admins_only(core_ctx, people) -> None:
    def ask(slack_id: str):
        actor = slack_actor(core_ctx.db, slack_id, admins=ADMINS)
        return status(ctx=core_ctx, actor=actor, slack=None, required_scopes=(), global_channel=None)

    assert ask("U0NOBODY1") is None
    own = ask(BOB_SLACK)
    assert own is not None and own.server is None and own.server_queue is None
    assert {c.name for c in own.own} >= {"your timing database", "your channel"}
    admin = ask(LISTED_ADMIN)
    assert admin is not None and admin.own == [] and admin.server is not None
    assert any(c.name == "PostgreSQL reachable" and c.ok for c in admin.server)
