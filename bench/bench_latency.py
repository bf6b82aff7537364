"""Latency from CREATE TABLE to the Slack message, through a real `edabot run` process.

Runs the bot against the loopback Slack simulator and Grafana fake, with the embedded PostgreSQL and
real Chromium, creates tables one at a time at random moments of the scan interval, and measures when
each one's message appears. Target (issue 4): p95 <= SCAN_INTERVAL_SECONDS + 15 s.

    python bench/bench_latency.py [--tables 10] [--interval 10]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.conftest import CHANNEL_ID, BotProcess
from tests.fakes.grafana import GrafanaFake
from tests.fakes.slack import SlackSimulator


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tables", type=int, default=10)
    parser.add_argument("--interval", type=int, default=10, help="SCAN_INTERVAL_SECONDS")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        print("no chromium: apt-get install chromium")
        return 2
    import os
    import tempfile

    from cryptography.fernet import Fernet

    from core.db.embedded import EmbeddedPostgres

    data = Path(tempfile.mkdtemp(prefix="edabot-bench-latency-"))
    with SlackSimulator() as sim, GrafanaFake(render_delay_ms=20) as grafana:
        sim.add_channel(CHANNEL_ID, name="eda", is_member=True)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
            "SLACK_BOT_TOKEN": sim.bot_token, "SLACK_APP_TOKEN": sim.app_token, "SLACK_API_URL": sim.api_url,
            "CREDENTIALS_KEY": Fernet.generate_key().decode(), "LOG_FILE": str(data / "app.log"),
            "GRAFANA_BASE_URL": grafana.base_url, "GRAFANA_API_KEY": grafana.token, "SLACK_CHANNEL_ID": CHANNEL_ID,
            "SCAN_INTERVAL_SECONDS": str(args.interval), "CHROMIUM_PATH": chromium, "PORT": "0",
        }
        bot = BotProcess(sim, data, data / "app.log", env)
        bot.start()
        try:
            delivery = sim.send_slash_command("U0BENCH01", "register bench_lat", channel_id=CHANNEL_ID)
            delivery.wait_ack(timeout=3)
            sim.wait_for(lambda: any("Welcome" in str(m) for m in sim.response_messages(delivery)), 60)
            rng = random.Random(7)
            latencies = []
            for i in range(args.tables):
                time.sleep(rng.uniform(0, args.interval))
                table = f"lat_{i:03d}"
                with bot.connect("bench_lat_timing") as conn:
                    conn.execute('SET ROLE "bench_lat"')
                    conn.execute(f'CREATE TABLE "{table}" (startpoint text, endpoint text, slack double precision)')
                    conn.execute(f"INSERT INTO \"{table}\" VALUES ('a', 'b', -0.1), ('c', 'd', 0.2)")
                created = time.monotonic()
                sim.wait_for(lambda t=table: any((m.get("metadata") or {}).get("event_payload", {}).get("table") == t
                                                 for m in sim.messages_in(CHANNEL_ID)), args.interval + 120)
                latencies.append(time.monotonic() - created)
                print(f"  {table}: {latencies[-1]:.1f}s", flush=True)
        finally:
            bot.stop()
            if (data / ".edabot" / "pg").exists():
                EmbeddedPostgres(data / ".edabot").stop(force=True)
            shutil.rmtree(data, ignore_errors=True)
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    target = args.interval + 15
    print(f"CREATE TABLE -> Slack message over {len(latencies)} tables, SCAN_INTERVAL_SECONDS={args.interval}: "
          f"p50 {statistics.median(latencies):.1f}s, p95 {p95:.1f}s, max {latencies[-1]:.1f}s")
    print(f"baseline (target) interval + 15 s = {target}s; p95 / target = {p95 / target:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
