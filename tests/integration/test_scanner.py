"""The scanner on a real server: every table in `public` recorded once, broken databases do not stop the
others, one scan at a time."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import select, text

from core.authz import Actor
from core.db.models import Dashboard
from core.pipeline import scanner
from core.registration import register
from tests.conftest import owner_login

pytestmark = pytest.mark.db


def _create(ctx, username: str, kind: str, *tables: str) -> None:  # type: ignore[no-untyped-def]
    with owner_login(ctx, username, kind) as conn:
        for table in tables:
            conn.execute(f'CREATE TABLE "{table}" (x int)')


def test_new_tables_are_recorded_once_and_only_public_ones(core_ctx, unique_username) -> None:
    alice, bob = unique_username("alice"), unique_username("bob")
    for name in (alice, bob):
        register(core_ctx, username=name, slack_user_id=None, actor=Actor.cli())
    _create(core_ctx, alice, "timing", "sta_1", "My Table", "sélect")
    _create(core_ctx, alice, "drc", "drc_1")
    _create(core_ctx, bob, "qor", "sta_1")
    with owner_login(core_ctx, alice, "qor") as conn:
        conn.execute("CREATE SCHEMA side")
        conn.execute("CREATE TABLE side.not_a_report (x int)")

    first = scanner.scan(core_ctx)
    assert first.ran and first.users == 2 and first.databases == 6 and first.errors == []
    assert sorted(first.new) == sorted(
        [
            (alice, "timing", "sta_1"),
            (alice, "timing", "My Table"),
            (alice, "timing", "sélect"),
            (alice, "drc", "drc_1"),
            (bob, "qor", "sta_1"),
        ]
    )
    second = scanner.scan(core_ctx)
    assert second.new == [] and (second.listed, second.skipped) == (0, 6)  # nothing moved: nothing listed
    third = scanner.scan(core_ctx, full=True)
    assert third.new == [] and third.tables == 5
    with core_ctx.db.session() as session:
        assert len(session.scalars(select(Dashboard)).all()) == 5
        assert set(session.scalars(select(Dashboard.state))) == {"detected"}


def test_a_broken_database_does_not_stop_the_others(core_ctx, unique_username) -> None:
    good, broken = unique_username("good"), unique_username("broken")
    for name in (good, broken):
        register(core_ctx, username=name, slack_user_id=None, actor=Actor.cli())
    _create(core_ctx, good, "timing", "t1")
    with psycopg.connect(core_ctx.server.admin_url.reveal(), autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{broken}_drc" ALLOW_CONNECTIONS false')
    report = scanner.scan(core_ctx)
    assert report.new == [(good, "timing", "t1")]
    assert len(report.errors) == 1 and f"{broken}_drc" in report.errors[0]
    with psycopg.connect(core_ctx.server.admin_url.reveal(), autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{broken}_drc" ALLOW_CONNECTIONS true')


def test_one_scan_at_a_time(core_ctx) -> None:
    with core_ctx.db.engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": scanner.SCAN_LOCK})
        try:
            assert scanner.scan(core_ctx).ran is False
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": scanner.SCAN_LOCK})


def test_a_pass_that_records_many_tables_refreshes_the_queues_statistics(core_ctx, unique_username) -> None:
    # Claims are planned from these statistics: left at "nearly empty" after a first scan of a large deployment,
    # each claim would read the whole queue once per user.
    name = unique_username("bulk")
    register(core_ctx, username=name, slack_user_id=None, actor=Actor.cli())
    scanner.scan(core_ctx, full=True)
    with owner_login(core_ctx, name, "timing") as conn, conn.transaction():
        for i in range(scanner.ANALYZE_AFTER_NEW):
            conn.execute(f'CREATE TABLE "bulk_{i:04d}" (endpoint text, slack double precision)')

    def analyses() -> int:
        with core_ctx.db.session() as session:
            return int(
                session.execute(
                    text("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'dashboards'")
                ).scalar_one()
            )

    before = analyses()
    report = scanner.scan(core_ctx, only_username=name)
    assert len(report.new) == scanner.ANALYZE_AFTER_NEW
    assert analyses() == before + 1
    with owner_login(core_ctx, name, "timing") as conn:
        conn.execute('CREATE TABLE "one_more" (endpoint text)')
    scanner.scan(core_ctx, only_username=name)
    assert analyses() == before + 1, "a pass with a few new tables leaves the statistics to autovacuum"
