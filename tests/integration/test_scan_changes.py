"""The change-driven scan on a real server: it connects only to databases whose write counters moved, and
lists everything when the counters cannot be trusted (statistics reset, server restart, track_counts off)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator

import psycopg
import pytest
from cryptography.fernet import Fernet

from core.authz import Actor
from core.context import CoreContext, NoGrafana
from core.crypto import CredentialCipher
from core.db.embedded import EmbeddedPostgres
from core.db.engine import Database
from core.db.migrate import upgrade_to_head
from core.db.provisioning import DbServer, database_names
from core.doctor import database_checks
from core.pipeline import scanner
from core.registration import register
from core.secret import Secret
from tests.conftest import admin_login, owner_login, server_data_dir

pytestmark = pytest.mark.db


def _wait(predicate: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _stats(ctx: CoreContext, databases: list[str]) -> dict[str, tuple[int, int, int, int]]:
    """(sessions, tup_inserted, tup_updated, tup_deleted) per database, as the server itself counts them."""
    with admin_login(ctx, "postgres") as conn:
        rows = conn.execute(
            "SELECT datname, sessions, tup_inserted, tup_updated, tup_deleted FROM pg_stat_database "
            "WHERE datname = ANY(%s)",
            (databases,),
        ).fetchall()
    return {str(r[0]): (int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows}


@pytest.fixture
def no_autovacuum(core_ctx: CoreContext) -> Iterator[None]:
    """Autovacuum's ANALYZE of a new database's catalogues writes rows, which moves that database's counters at
    a moment of its choosing: right for the product (one extra listing), noise for a test that counts them."""
    with admin_login(core_ctx, "postgres") as conn:
        conn.execute("ALTER SYSTEM SET autovacuum = off")
        conn.execute("SELECT pg_reload_conf()")
    try:
        yield
    finally:
        with admin_login(core_ctx, "postgres") as conn:
            conn.execute("ALTER SYSTEM RESET autovacuum")
            conn.execute("SELECT pg_reload_conf()")


def _settled(ctx: CoreContext, databases: list[str]) -> dict[str, tuple[int, int, int, int]]:
    """Statistics are flushed when sessions end: wait until two readings agree."""
    last = _stats(ctx, databases)
    for _ in range(50):
        time.sleep(0.3)
        now = _stats(ctx, databases)
        if now == last:
            return now
        last = now
    return last


def _create(ctx: CoreContext, username: str, kind: str, table: str) -> None:
    with owner_login(ctx, username, kind) as conn:
        conn.execute(f'CREATE TABLE "{table}" (startpoint text, slack double precision)')


def test_a_new_table_is_found_without_connecting_to_the_unchanged_databases(
    core_ctx, unique_username, no_autovacuum
) -> None:
    names = [unique_username("quiet") for _ in range(3)]
    for name in names:
        register(core_ctx, username=name, slack_user_id=None, actor=Actor.cli())
    databases = [db for name in names for db in database_names(name).values()]
    _settled(core_ctx, databases)  # registration's own writes counted before the first scan reads them
    first = scanner.scan(core_ctx)
    assert first.full_reason == "first scan" and first.listed == 9

    target = database_names(names[1])["qor"]
    before = _settled(core_ctx, databases)
    _create(core_ctx, names[1], "qor", "run_7")
    _wait(lambda: _stats(core_ctx, [target])[target][1] > before[target][1], "the CREATE TABLE to reach the counters")
    counted = _settled(core_ctx, databases)

    report = scanner.scan(core_ctx)
    assert report.new == [(names[1], "qor", "run_7")]
    assert (report.listed, report.skipped, report.full_reason) == (1, 8, None)
    _wait(lambda: _stats(core_ctx, [target])[target][0] > counted[target][0], "the scan's session to be counted")
    after = _settled(core_ctx, databases)
    # The server's own count of sessions: one more in the changed database, none in the eight others.
    assert after[target][0] == counted[target][0] + 1
    assert {db: after[db][0] for db in databases if db != target} == {
        db: counted[db][0] for db in databases if db != target
    }

    idle = scanner.scan(core_ctx)
    assert (idle.listed, idle.skipped, idle.new) == (0, 9, [])


def test_a_dropped_table_is_marked_and_a_renamed_one_keeps_its_dashboard(core_ctx, unique_username) -> None:
    name = unique_username("mover")
    register(core_ctx, username=name, slack_user_id=None, actor=Actor.cli())
    _create(core_ctx, name, "drc", "drc_a")
    _create(core_ctx, name, "drc", "drc_b")
    assert len(scanner.scan(core_ctx).new) == 2
    with owner_login(core_ctx, name, "drc") as conn:
        conn.execute("DROP TABLE drc_a")
        conn.execute("ALTER TABLE drc_b RENAME TO drc_b_final")
    # Noticed like a new table: the DROP and RENAME move the database's counters (flushed when the session ends).
    passes = []
    _wait(lambda: bool(passes.append(scanner.scan(core_ctx)) or passes[-1].dropped), "the scan to notice the drop")
    report = passes[-1]
    assert report.full_reason is None and report.new == []
    assert report.renamed == [(f"{name}_drc", "drc_b", "drc_b_final")]
    assert report.dropped == [(f"{name}_drc", "drc_a")]
    with core_ctx.db.session() as session:
        from sqlalchemy import text

        rows = dict(session.execute(text("SELECT table_name, table_dropped_at IS NOT NULL FROM dashboards")).all())
    assert rows == {"drc_a": True, "drc_b_final": False}


def test_a_statistics_reset_lists_everything_and_misses_nothing(core_ctx, unique_username) -> None:
    name = unique_username("reset")
    register(core_ctx, username=name, slack_user_id=None, actor=Actor.cli())
    scanner.scan(core_ctx)
    _create(core_ctx, name, "timing", "after_reset")
    database = database_names(name)["timing"]
    # The reset throws the CREATE TABLE's counts away: the counters alone would not show the change.
    with admin_login(core_ctx, database) as conn:
        conn.execute("SELECT pg_stat_reset()")
    _wait(lambda: _stats(core_ctx, [database])[database][1] < 50, "the reset counters")
    report = scanner.scan(core_ctx)
    assert report.full_reason == "statistics were reset"
    assert report.new == [(name, "timing", "after_reset")]


def test_track_counts_off_lists_everything(core_ctx, unique_username) -> None:
    name = unique_username("nocount")
    register(core_ctx, username=name, slack_user_id=None, actor=Actor.cli())
    scanner.scan(core_ctx)
    with admin_login(core_ctx, "postgres") as conn:
        conn.execute("ALTER SYSTEM SET track_counts = off")
        conn.execute("SELECT pg_reload_conf()")
    try:
        _wait(lambda: _track_counts(core_ctx) == "off", "the reload")
        _create(core_ctx, name, "qor", "uncounted")
        report = scanner.scan(core_ctx)
        assert report.full_reason == "track_counts is off"
        assert report.new == [(name, "qor", "uncounted")]
        # `edabot doctor` says so, as a failed check with the fix.
        [check] = [c for c in database_checks(core_ctx) if c.name == "PostgreSQL track_counts"]
        assert not check.ok and "ALTER SYSTEM SET track_counts = on" in check.fix
    finally:
        with admin_login(core_ctx, "postgres") as conn:
            conn.execute("ALTER SYSTEM RESET track_counts")
            conn.execute("SELECT pg_reload_conf()")


def _track_counts(ctx: CoreContext) -> str:
    with ctx.db.engine.connect() as conn:
        from sqlalchemy import text

        return str(conn.execute(text("SHOW track_counts")).scalar())


@pytest.fixture
def own_server() -> Iterator[tuple[EmbeddedPostgres, CoreContext]]:
    """A server of the test's own, so that it can be restarted."""
    data = server_data_dir("edabot-scan-restart-")
    server = EmbeddedPostgres(data, fast_unsafe=True)
    url = server.start().url()
    upgrade_to_head(url)
    db = Database(url, pool_size=2)
    ctx = CoreContext(
        db=db,
        cipher=CredentialCipher([Secret(Fernet.generate_key().decode())]),
        server=DbServer.from_admin_url(url, grafana_host=None, grafana_port=None),
        grafana=NoGrafana(),
    )
    try:
        yield server, ctx
    finally:
        db.dispose()
        server.stop(force=True)
        shutil.rmtree(data, ignore_errors=True)


def test_a_server_restart_lists_everything(own_server) -> None:
    server, ctx = own_server
    register(ctx, username="restarted", slack_user_id=None, actor=Actor.cli())
    assert scanner.scan(ctx).full_reason == "first scan"
    assert scanner.scan(ctx).full_reason is None
    ctx.db.engine.dispose()
    server.stop()
    server.start()
    report = scanner.scan(ctx)
    assert report.full_reason == "the database server restarted" and report.listed == 3
    with psycopg.connect(ctx.server.admin_url.reveal(), autocommit=True) as conn:
        assert conn.execute("SELECT last_full_at IS NOT NULL FROM scan_state").fetchone() == (True,)
