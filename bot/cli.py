"""The `edabot` command line."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot import logs
from bot.api.server import ApiServerError
from bot.config import Settings, SettingsError, ensure_credentials_key, load_settings
from bot.progress import Progress
from core.errors import CredentialsKeyError, EdabotError, Unavailable
from core.log_context import new_reference

# The CLI edge of the error tree (core/errors.py), handled in main() only: a Refusal or Invalid input exits 1,
# settings and keys that cannot work exit 2, and a dependency that is down (Unavailable) exits 75
# (EX_TEMPFAIL in sysexits.h) so a script knows that running the same command later may succeed.
EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_UNAVAILABLE = 0, 1, 2, 75


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="edabot", description="Slack bot for EDA results dashboards")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot (Socket Mode), migrating the master database first")
    sub.add_parser("migrate", help="apply database migrations and exit")
    sub.add_parser("rotate-key", help="re-encrypt every stored credential under the newest CREDENTIALS_KEY")
    ingest = sub.add_parser("ingest", help="load EDA report files into a user's databases")
    ingest.add_argument("files", nargs="+", type=Path, metavar="FILE")
    ingest.add_argument("--user", required=True, help="the edabot username")
    ingest.add_argument("--kind", choices=["timing", "qor", "drc"], help="override the detected kind")
    ingest.add_argument("--table", help="name of the table to create (one file only)")
    scan = sub.add_parser("scan", help="one pipeline pass: scan, dashboards, previews, notifications")
    scan.add_argument("--user", help="only this user's databases")
    doctor = sub.add_parser("doctor", help="check PostgreSQL, Grafana and Slack; exit 1 if anything fails")
    doctor.add_argument("--json", action="store_true", help="print the checks as JSON")
    user = sub.add_parser("user", help="manage users offline").add_subparsers(dest="user_command", required=True)
    create = user.add_parser("create", help="create a user with databases and an API key")
    create.add_argument("name")
    create.add_argument("--slack-id", help="the user's Slack user ID (U…)")
    create.add_argument("--admin", action="store_true", help="make the user an admin")
    user.add_parser("list", help="list users")
    delete = user.add_parser("delete", help="delete a user")
    delete.add_argument("name")
    delete.add_argument("--drop-data", action="store_true", help="also drop the user's databases and roles")
    restore = user.add_parser("restore", help="give a deleted account's kept databases to a Slack user")
    restore.add_argument("name")
    restore.add_argument("--slack-id", required=True, help="the Slack user ID (U…) who gets the name and its data")
    purge = user.add_parser("purge", help="drop the databases kept under a deleted account's name and free it")
    purge.add_argument("name")
    return parser


def _print_progress(progress: object) -> None:
    from core.registration import Progress, StepState

    assert isinstance(progress, Progress)
    running = next((s for s in progress.steps if s.state is StepState.RUNNING), None)
    if running is not None:
        print(f"  … {running.label}", file=sys.stderr, flush=True)


def _cmd_migrate(settings: Settings) -> int:
    from bot.runtime import prepare

    master, core = prepare(settings)
    core.db.dispose()
    master.stop()
    print("master database is up to date")
    return EXIT_OK


def _cmd_doctor(settings: Settings, as_json: bool) -> int:
    import json

    import psycopg
    from sqlalchemy.exc import SQLAlchemyError

    from bot.doctor import render_table, run_checks, run_offline_checks
    from bot.runtime import prepare
    from core.db.embedded import EmbeddedPostgresError
    from core.errors import DatabaseUnavailable

    try:
        master, core = prepare(settings)
    except (psycopg.Error, SQLAlchemyError, DatabaseUnavailable, EmbeddedPostgresError, OSError) as exc:
        checks = run_offline_checks(settings, str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc))
    else:
        try:
            from bot.app import build_web_client

            slack = build_web_client(settings, settings.slack_bot_token.reveal()) if settings.slack_bot_token else None
            checks = run_checks(settings, core, slack)
        finally:
            core.db.dispose()
            master.stop()
    if as_json:
        print(json.dumps({"ok": all(c.ok for c in checks), "checks": [c.as_dict() for c in checks]}, indent=2))
    else:
        print(render_table(checks))
    return EXIT_OK if all(c.ok for c in checks) else EXIT_FAILED


def _cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runtime import prepare
    from core.authz import Actor
    from core.ingest.errors import ReportParseError
    from core.ingest.load.loader import IngestError
    from core.usecases import reports

    if args.table and len(args.files) > 1:
        print("edabot: --table names one table: give one FILE with it", file=sys.stderr)
        return EXIT_CONFIG
    master, core = prepare(settings)
    failed = 0
    try:
        reports.authorize_upload(ctx=core, actor=Actor.cli(), username=args.user)
        total = len(args.files)
        for index, path in enumerate(args.files, start=1):
            bar = Progress(f"[{index}/{total}] {Path(path).name}", unit="B")
            try:
                result = reports.ingest(
                    ctx=core,
                    actor=Actor.cli(),
                    username=args.user,
                    path=path,
                    kind=args.kind,
                    table=args.table,
                    progress=bar.update,
                )
            except (ReportParseError, IngestError, ValueError, OSError) as exc:
                failed += 1
                print(f"edabot: {exc}", file=sys.stderr)
                continue
            finally:
                bar.close()
            rows = result.rows.get(result.fact_table, sum(result.rows.values()))
            print(f"{path}: {result.format.value} → {result.kind.value} table {result.table} ({rows} rows)")
    finally:
        core.db.dispose()
        master.stop()
    return EXIT_OK if not failed else EXIT_FAILED


def _cmd_scan(settings: Settings, username: str | None) -> int:
    from bot.runtime import build_pipeline_ports, prepare
    from core.pipeline.runs import scan_and_process

    if settings.slack_bot_token is None:
        print("edabot: SLACK_BOT_TOKEN is not set: `scan` posts notifications to Slack", file=sys.stderr)
        return EXIT_CONFIG
    master, core = prepare(settings)
    ports, capture = build_pipeline_ports(settings, core=core)
    bar = Progress("scan: databases listed", unit="databases")
    try:
        report = scan_and_process(core, ports, only_username=username, progress=bar.update)
        bar.close()
        from sqlalchemy import select

        from core.db.models import Dashboard

        with core.db.session() as session:
            states = dict(session.execute(select(Dashboard.table_name, Dashboard.state)).all())
    finally:
        capture.close()
        core.db.dispose()
        master.stop()
    if not report.ran:
        print("another edabot process is scanning right now; try again in a moment")
        return EXIT_OK
    print(
        f"scanned {report.databases} database(s) of {report.users} user(s): {report.tables} table(s), "
        f"{len(report.new)} new"
    )
    for user, kind, table in report.new:
        print(f"  {user} {kind} {table}: {states.get(table, '?')}")
    for error in report.errors:
        print(f"  error: {error}", file=sys.stderr)
    return EXIT_OK if not report.errors else EXIT_FAILED


def _cmd_rotate_key(settings: Settings) -> int:
    from bot.runtime import prepare
    from core import credentials

    master, core = prepare(settings)
    try:
        bar = Progress("rotate-key: credentials re-encrypted", unit="credentials")
        with core.db.session() as session:
            count = credentials.rotate_all(session, core.cipher, actor="cli", progress=bar.update)
        bar.close()
    finally:
        core.db.dispose()
        master.stop()
    print(f"re-encrypted {count} credential(s) under the newest key; older keys can now be removed")
    return EXIT_OK


def _cmd_user(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runtime import prepare
    from core.authz import Actor
    from core.usecases import accounts

    master, core = prepare(settings)
    cli = Actor.cli()
    try:
        if args.user_command == "create":
            result = accounts.create_for(
                ctx=core,
                actor=cli,
                username=args.name,
                slack_user_id=args.slack_id,
                make_admin=args.admin,
                on_progress=_print_progress,
            )
            print(
                f"created {result.username}: databases {', '.join(result.databases.values())} "
                f"on {result.host}:{result.port}"
            )
            print(f"API key (shown once): {result.api_key.reveal()}")
        elif args.user_command == "list":
            rows = accounts.list_all(ctx=core, actor=cli)
            print(f"{'USERNAME':<32} {'STATE':<12} {'ADMIN':<6} {'SLACK':<14} DASHBOARDS")
            for s in rows:
                print(
                    f"{s.username:<32} {s.state:<12} {'yes' if s.is_admin else 'no':<6} "
                    f"{s.slack_user_id or '-':<14} {s.dashboards}"
                )
            for kept in accounts.list_kept(ctx=core, actor=cli):
                print(f"{kept.username:<32} {'kept-data':<12} {'-':<6} {kept.slack_user_id or '-':<14} -")
        elif args.user_command == "restore":
            result = accounts.restore(
                ctx=core, actor=cli, username=args.name, slack_user_id=args.slack_id, on_progress=_print_progress
            )
            print(
                f"restored {result.username} to {args.slack_id} with its databases {', '.join(result.databases.values())}"
            )
            print(f"API key (shown once): {result.api_key.reveal()}")
        elif args.user_command == "purge":
            accounts.purge(ctx=core, actor=cli, username=args.name)
            print(f"purged {args.name}: its kept databases and roles are dropped and the name is free")
        elif args.user_command == "delete":
            accounts.delete(
                ctx=core, actor=cli, username=args.name, drop_data=args.drop_data, on_progress=_print_progress
            )
            print(
                f"deleted {args.name}"
                + (" and dropped their databases" if args.drop_data else " (databases kept, login disabled)")
            )
    finally:
        core.db.dispose()
        master.stop()
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        for problem in exc.problems:
            print(f"edabot: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "run" and (missing := settings.missing_for_run()):
        for problem in missing:
            print(f"edabot: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    logs.configure(settings.log_level, settings.log_file if args.command == "run" else None)
    for warning in settings.warnings:
        logging.getLogger("edabot").warning(warning)
    settings = ensure_credentials_key(settings)
    commands: dict[str, Callable[[], int]] = {
        "run": lambda: _run(settings),
        "migrate": lambda: _cmd_migrate(settings),
        "rotate-key": lambda: _cmd_rotate_key(settings),
        "doctor": lambda: _cmd_doctor(settings, args.json),
        "scan": lambda: _cmd_scan(settings, args.user),
        "ingest": lambda: _cmd_ingest(settings, args),
        "user": lambda: _cmd_user(settings, args),
    }
    try:
        return commands[args.command]()
    except CredentialsKeyError as exc:
        print(f"edabot: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except ApiServerError as exc:
        print(f"edabot: {exc} (HOST/PORT)", file=sys.stderr)
        return EXIT_CONFIG
    except Unavailable as exc:
        reference = new_reference()
        logging.getLogger("edabot").warning("%s failed [ref %s]: %s", args.command, reference, exc, exc_info=exc)
        print(f"edabot: {exc} (reference {reference}; run the command again once it is back)", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except EdabotError as exc:  # Refusal or Invalid: the message says what to change
        print(f"edabot: {exc}", file=sys.stderr)
        return EXIT_FAILED


def _run(settings: Settings) -> int:
    from bot.runtime import run

    return run(settings)


if __name__ == "__main__":
    sys.exit(main())
