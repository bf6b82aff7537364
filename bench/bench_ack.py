"""Benchmark of slash-command ack latency: edabot's real app against a bare Bolt app, same run, same load.

    python bench/bench_ack.py [--commands 200] [--rate 20] [--warmup 5] [--rounds 1] [--text help]

Each app gets a fresh loopback Slack simulator (tests/fakes/slack) and is connected over Socket Mode with
slack_bolt's SocketModeHandler. A paced sender thread sends `--commands` `/eda` slash commands at `--rate`
per second (after `--warmup` unmeasured ones), and the simulator records each ack's latency (envelope
written to the socket -> ack frame received). Apps:

  bare    a Bolt App whose /eda listener only calls ack()
  edabot  bot.app.build_app() with real Services on a migrated master database (embedded PostgreSQL);
          `/eda help` reads the caller's user row in the background after the ack and answers
          through the response_url

Printed: p50, p95, p99 and max ack latency of each, and edabot p99 / bare p99 (target: at most 1.5x).
With `--rounds N` the two apps are measured N times, alternating, and the latencies pooled.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

# Run as `python bench/bench_ack.py`: the repo root first, for `tests.fakes` and the repo's own packages.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
from cryptography.fernet import Fernet
from psycopg import sql
from slack_bolt import Ack, App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient

from bench.cpu import Cpu, CpuMeter, postmaster_pid
from tests.fakes.slack import Delivery, SlackSimulator

MASTER_DB = "edabot_bench_master"
TARGET_RATIO = 1.5
USERS = [f"U0BENCH{i:03d}" for i in range(1, 21)]  # commands come from 20 different people
METER = CpuMeter()


@dataclass
class Run:
    """One app's measured commands."""

    latencies_s: list[float] = field(default_factory=list)
    send_lag_s: list[float] = field(default_factory=list)  # how late each send was against its schedule
    send_span_s: float = 0.0
    answered: int = -1  # commands whose response_url got a message (-1: not checked)
    drain_s: float = 0.0  # from the last send until background work was idle
    violations: list[str] = field(default_factory=list)
    cpu: Cpu = field(default_factory=Cpu)  # from the first measured send to the last ack


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def paced_send(sim: SlackSimulator, count: int, rate: float, text: str) -> tuple[list[Delivery], list[float], float]:
    """Send `count` slash commands at `rate`/s from a sender thread; returns deliveries, lateness, span."""
    deliveries: list[Delivery] = []
    lags: list[float] = []
    failure: list[BaseException] = []

    def sender() -> None:
        start = time.perf_counter()
        try:
            for i in range(count):
                due = start + i / rate
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                lags.append(max(0.0, time.perf_counter() - due))
                deliveries.append(sim.send_slash_command(USERS[i % len(USERS)], text))
        except BaseException as exc:  # reported by the caller
            failure.append(exc)

    started = time.perf_counter()
    thread = threading.Thread(target=sender, name="bench-sender", daemon=True)
    thread.start()
    thread.join()
    span = time.perf_counter() - started
    if failure:
        raise failure[0]
    return deliveries, lags, span


def measure(sim: SlackSimulator, args: argparse.Namespace, after: Callable[[list[Delivery], Run], None]) -> Run:
    for i in range(args.warmup):
        sim.send_slash_command(USERS[i % len(USERS)], args.text).wait_ack(timeout=10)
    run = Run()
    stop = METER.start()
    deliveries, run.send_lag_s, run.send_span_s = paced_send(sim, args.commands, args.rate, args.text)
    run.latencies_s = [d.wait_ack(timeout=30).latency_s for d in deliveries]
    run.cpu = stop()
    after(deliveries, run)
    run.violations = sim.violations
    return run


def new_simulator() -> SlackSimulator:
    sim = SlackSimulator().start()
    for user in USERS:
        sim.add_user(user, name=user.lower())
    return sim


@contextmanager
def connected(sim: SlackSimulator, app: App) -> Iterator[None]:
    handler = SocketModeHandler(app, sim.app_token)
    handler.connect()
    try:
        sim.wait_connected(timeout=10)
        yield
    finally:
        handler.close()  # before the simulator stops, or the client keeps reconnecting


def run_bare(args: argparse.Namespace) -> Run:
    sim = new_simulator()
    try:
        app = App(client=WebClient(token=sim.bot_token, base_url=sim.api_url))

        @app.command("/eda")
        def only_ack(ack: Ack) -> None:
            ack()

        with connected(sim, app):
            return measure(sim, args, lambda deliveries, run: None)
    finally:
        sim.stop()


@dataclass
class MasterDb:
    url: str


@contextmanager
def master_database() -> Iterator[MasterDb]:
    from core.db.embedded import EmbeddedPostgres
    from core.db.migrate import upgrade_to_head
    from core.db.urls import with_database

    data_dir = Path(tempfile.mkdtemp(prefix="edabot-bench-ack-"))
    server = EmbeddedPostgres(data_dir, fast_unsafe=True)
    try:
        info = server.start()
        METER.postmaster = postmaster_pid(data_dir / "pg")
        with psycopg.connect(info.url(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(MASTER_DB)))
        url = with_database(info.url(), MASTER_DB)
        upgrade_to_head(url)
        yield MasterDb(url)
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def run_edabot(args: argparse.Namespace, master: MasterDb) -> Run:
    from bot.app import build_app
    from bot.config import load_settings
    from bot.work import BackgroundWork
    from core.context import CoreContext, NoGrafana
    from core.crypto import CredentialCipher
    from core.db.engine import Database
    from core.db.provisioning import DbServer
    from core.secret import Secret
    from listeners.services import Services

    sim = new_simulator()
    db = Database(master.url, pool_size=10)  # as bot/runtime.py
    work = BackgroundWork(max_workers=8)  # as bot/runtime.py
    try:
        key = Fernet.generate_key().decode()
        settings = load_settings(
            {
                "SLACK_BOT_TOKEN": sim.bot_token,
                "SLACK_APP_TOKEN": sim.app_token,
                "SLACK_API_URL": sim.api_url,
                "EDABOT_ADMINS": USERS[0],
                "CREDENTIALS_KEY": key,
            },
            env_file=None,
        )
        core = CoreContext(
            db=db,
            cipher=CredentialCipher([Secret(key)]),
            server=DbServer.from_admin_url(master.url, grafana_host=None, grafana_port=None),
            grafana=NoGrafana(),
        )
        services = Services(settings=settings, core=core, work=work)
        app = build_app(settings, services)

        def after(deliveries: list[Delivery], run: Run) -> None:
            started = time.perf_counter()
            if not work.wait_idle(60):
                run.violations.append("background work still running 60 s after the last command")
            # The answer is posted before the job ends; give the simulator a moment to record the last ones.
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                run.answered = sum(1 for d in deliveries if sim.response_messages(d))
                if run.answered == len(deliveries):
                    break
                time.sleep(0.05)
            run.drain_s = time.perf_counter() - started

        with connected(sim, app):
            return measure(sim, args, after)
    finally:
        work.shutdown(wait=True)
        sim.stop()
        db.dispose()


def describe(name: str, latencies: list[float]) -> str:
    ms = [1000 * x for x in latencies]
    return (
        f"{name:<7} ack latency over {len(ms)} commands: p50 {percentile(ms, 50):.1f} ms, "
        f"p95 {percentile(ms, 95):.1f} ms, p99 {percentile(ms, 99):.1f} ms, max {max(ms):.1f} ms "
        f"(mean {statistics.fmean(ms):.1f} ms)"
    )


def sum_cpu(items: list[Cpu]) -> Cpu:
    return Cpu(
        sum(c.wall_s for c in items),
        sum(c.process_s for c in items),
        sum(c.postgres_s for c in items),
        sum(c.machine_busy_s for c in items),
        sum(c.machine_total_s for c in items),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=200, help="measured commands per app (default 200)")
    parser.add_argument("--rate", type=float, default=20.0, help="commands per second (default 20)")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured commands first (default 5)")
    parser.add_argument("--rounds", type=int, default=1, help="measure both apps this many times, alternating")
    parser.add_argument("--text", default="help", help="the command text (default: help)")
    args = parser.parse_args()
    if args.commands < 1 or args.rate <= 0 or args.warmup < 0 or args.rounds < 1:
        parser.error("--commands and --rounds must be at least 1, --rate positive, --warmup not negative")

    bare: list[Run] = []
    eda: list[Run] = []
    started = time.perf_counter()
    with master_database() as master:
        setup_s = time.perf_counter() - started
        for _ in range(args.rounds):
            bare.append(run_bare(args))
            eda.append(run_edabot(args, master))

    bare_lat = [x for r in bare for x in r.latencies_s]
    eda_lat = [x for r in eda for x in r.latencies_s]
    lags = [x for r in bare + eda for x in r.send_lag_s]
    spans = [r.send_span_s for r in bare + eda]
    print(
        f"edabot ack benchmark: {args.commands} x /eda {args.text!r} at {args.rate:g}/s per app, "
        f"{args.warmup} warm-up, {args.rounds} round(s), loopback Slack simulator, {os.cpu_count()} CPUs"
    )
    print(
        f"setup (embedded PostgreSQL + migrate) {setup_s:.1f} s; sending took {statistics.fmean(spans):.2f} s "
        f"per app (schedule {(args.commands - 1) / args.rate:.2f} s), sends late by p99 "
        f"{1000 * percentile(lags, 99):.1f} ms"
    )
    print(describe("bare", bare_lat))
    print(f"    {sum_cpu([r.cpu for r in bare])}")
    print(describe("edabot", eda_lat))
    print(f"    {sum_cpu([r.cpu for r in eda])}")
    ratio = percentile(eda_lat, 99) / percentile(bare_lat, 99)
    print(
        f"edabot p99 / bare p99 = {ratio:.2f}x (target <= {TARGET_RATIO}x: "
        f"{'met' if ratio <= TARGET_RATIO else 'MISSED'}); "
        f"p50 ratio {percentile(eda_lat, 50) / percentile(bare_lat, 50):.2f}x"
    )
    answered = sum(r.answered for r in eda)
    print(
        f"edabot answered {answered}/{args.commands * args.rounds} measured commands through response_url; "
        f"background work idle {max(r.drain_s for r in eda):.2f} s after the last ack"
    )
    problems = [v for r in bare + eda for v in r.violations]
    if answered != args.commands * args.rounds:
        problems.append(f"only {answered} of {args.commands * args.rounds} commands were answered")
    if problems:
        print(f"PROBLEMS ({len(problems)}):\n  " + "\n  ".join(problems[:20]))
        return 1
    print("Slack contract violations: 0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
