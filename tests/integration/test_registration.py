"""Registration and deletion against a real PostgreSQL server: databases, roles, isolation."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import select

from core import credentials
from core.authz import Actor
from core.db.models import AuditEntry, User
from core.db.provisioning import grafana_role
from core.errors import AlreadyExists, InvalidInput
from core.registration import StepState, delete, register

pytestmark = pytest.mark.db
ADMIN = Actor.cli()


def _connect_as(ctx, database: str, user: str, password: str) -> psycopg.Connection:
    return psycopg.connect(ctx.server.url_for(database, user=user, password=_S(password)), connect_timeout=5)


class _S:
    def __init__(self, v: str) -> None:
        self.v = v

    def reveal(self) -> str:
        return self.v


def _password(ctx, username: str, key: str) -> str:
    with ctx.db.session() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        value = credentials.get(s, ctx.cipher, user, key)
        assert value is not None
        return value.reveal()


def test_register_creates_databases_roles_and_a_hashed_key(core_ctx, unique_username) -> None:
    name = unique_username()
    seen: list[list[str]] = []
    result = register(
        core_ctx,
        username=name,
        slack_user_id="U0ALICE1",
        actor=ADMIN,
        on_progress=lambda p: seen.append([s.state.value for s in p.steps]),
    )
    assert result.api_key.reveal().startswith("eda_")
    assert seen[-1] == ["done"] * 7, "every step reported done at the end"
    with core_ctx.db.session() as s:
        user = s.scalars(select(User).where(User.username == name)).one()
        assert user.active and user.state == "active"
        assert user.api_key_hash and result.api_key.reveal() not in (user.api_key_hash, user.api_key_prefix)
        assert result.api_key.reveal().startswith(user.api_key_prefix)
        actions = set(s.scalars(select(AuditEntry.action).where(AuditEntry.target_username == name)))
    assert {"user.registration_started", "user.registered", "apikey.rotated"} <= actions

    owner_pw = _password(core_ctx, name, "DB_PASSWORD")
    for db in result.databases.values():
        with _connect_as(core_ctx, db, name, owner_pw) as conn:
            conn.execute("CREATE TABLE t (x int)")
            conn.execute("INSERT INTO t VALUES (1)")


def test_public_and_other_users_cannot_connect(core_ctx, unique_username) -> None:
    alice, bob = unique_username("alice"), unique_username("bob")
    register(core_ctx, username=alice, slack_user_id="U0ALICE2", actor=ADMIN)
    register(core_ctx, username=bob, slack_user_id="U0BOB002", actor=ADMIN)
    bob_pw = _password(core_ctx, bob, "DB_PASSWORD")
    with pytest.raises(psycopg.OperationalError, match="permission denied"):
        _connect_as(core_ctx, f"{alice}_timing", bob, bob_pw)
    with psycopg.connect(core_ctx.server.admin_url.reveal()) as conn:
        acl = conn.execute("SELECT datacl::text FROM pg_database WHERE datname = %s", (f"{alice}_qor",)).fetchone()
    # An ACL entry with an empty grantee ("=c/...") would mean PUBLIC may connect.
    assert acl is not None and not any(e.startswith("=") for e in acl[0].strip("{}").split(","))


def test_grafana_role_reads_later_tables_and_cannot_write(core_ctx, unique_username) -> None:
    name = unique_username()
    register(core_ctx, username=name, slack_user_id="U0CAROL1", actor=ADMIN)
    owner_pw = _password(core_ctx, name, "DB_PASSWORD")
    reader_pw = _password(core_ctx, name, "GRAFANA_DB_PASSWORD")
    with _connect_as(core_ctx, f"{name}_timing", name, owner_pw) as conn:
        conn.execute("CREATE TABLE paths (slack double precision)")
        conn.execute("INSERT INTO paths VALUES (-0.25), (0.5)")
    with _connect_as(core_ctx, f"{name}_timing", grafana_role(name), reader_pw) as conn:
        assert conn.execute("SELECT min(slack) FROM paths").fetchone() == (-0.25,)
    with (
        _connect_as(core_ctx, f"{name}_timing", grafana_role(name), reader_pw) as conn,
        pytest.raises(psycopg.errors.ReadOnlySqlTransaction),
    ):
        conn.execute("INSERT INTO paths VALUES (1)")
    with (
        _connect_as(core_ctx, f"{name}_timing", grafana_role(name), reader_pw) as conn,
        pytest.raises(psycopg.Error),
    ):
        conn.execute("SET TRANSACTION READ WRITE")
        conn.execute("CREATE TABLE evil (x int)")


def test_registration_resumes_after_a_failed_step(core_ctx, unique_username, monkeypatch) -> None:
    name = unique_username()
    from core.db import provisioning

    real = provisioning.ensure_databases

    def crash(*a, **k):
        raise RuntimeError("simulated crash during database creation")

    monkeypatch.setattr(provisioning, "ensure_databases", crash)
    states: list[dict[str, str]] = []
    with pytest.raises(RuntimeError):
        register(
            core_ctx,
            username=name,
            slack_user_id="U0DAVE01",
            actor=ADMIN,
            on_progress=lambda p: states.append({s.key: s.state.value for s in p.steps}),
        )
    assert states[-1]["databases"] == StepState.FAILED.value
    with core_ctx.db.session() as s:
        user = s.scalars(select(User).where(User.username == name)).one()
        assert not user.active and user.api_key_hash is None, "no usable key before the last step"
    monkeypatch.setattr(provisioning, "ensure_databases", real)
    result = register(core_ctx, username=None, slack_user_id="U0DAVE01", actor=ADMIN)
    assert result.resumed and result.username == name


def test_second_registration_is_refused(core_ctx, unique_username) -> None:
    name = unique_username()
    register(core_ctx, username=name, slack_user_id="U0ERIN01", actor=ADMIN)
    with pytest.raises(AlreadyExists, match="already registered"):
        register(core_ctx, username=unique_username(), slack_user_id="U0ERIN01", actor=ADMIN)
    with pytest.raises(AlreadyExists, match="taken"):
        register(core_ctx, username=name, slack_user_id="U0FRANK1", actor=ADMIN)


def test_invalid_username_writes_nothing(core_ctx) -> None:
    with pytest.raises(InvalidInput):
        register(core_ctx, username="bad;name", slack_user_id="U0GINA01", actor=ADMIN)
    with core_ctx.db.session() as s:
        assert s.scalars(select(User)).all() == []


def test_existing_foreign_role_is_not_taken_over(core_ctx, unique_username) -> None:
    name = unique_username()
    with psycopg.connect(core_ctx.server.admin_url.reveal(), autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{name}" LOGIN')
    try:
        with pytest.raises(Exception, match="not created by edabot"):
            register(core_ctx, username=name, slack_user_id="U0HANK01", actor=ADMIN)
    finally:
        with psycopg.connect(core_ctx.server.admin_url.reveal(), autocommit=True) as conn:
            conn.execute(f'DROP ROLE IF EXISTS "{name}"')


@pytest.mark.parametrize("drop_data", [True, False])
def test_delete_user(core_ctx, unique_username, drop_data: bool) -> None:
    name = unique_username()
    register(core_ctx, username=name, slack_user_id="U0IVY001", actor=ADMIN)
    delete(core_ctx, username=name, drop_data=drop_data, actor=ADMIN)
    with core_ctx.db.session() as s:
        assert s.scalars(select(User).where(User.username == name)).one_or_none() is None
    with psycopg.connect(core_ctx.server.admin_url.reveal()) as conn:
        dbs = {r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (name + "%",))}
        login = conn.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
    if drop_data:
        assert dbs == set() and login is None
    else:
        assert dbs == {f"{name}_timing", f"{name}_qor", f"{name}_drc"} and login == (False,)
