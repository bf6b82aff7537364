"""Start `edabot run` as a real subprocess against the Slack simulator and an embedded PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet

from tests.conftest import REPO, server_data_dir
from tests.fakes.grafana import GrafanaFake
from tests.fakes.slack import SlackSimulator

ADMIN_ID = "U0ADMIN01"
CHANNEL_ID = "C0EDA0001"


@dataclass
class BotProcess:
    sim: SlackSimulator
    data_dir: Path
    log_file: Path
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    outputs: list[Path] = field(default_factory=list)

    def start(self) -> None:
        out = self.data_dir / f"stdout-{len(self.outputs)}.txt"
        self.outputs.append(out)
        connects = len(self.sim.calls("apps.connections.open"))
        with out.open("wb") as fh:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"],
                cwd=self.data_dir,
                env=self.env,
                stdout=fh,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while len(self.sim.calls("apps.connections.open")) <= connects:
            if self.proc.poll() is not None:
                raise AssertionError(f"edabot run exited {self.proc.returncode}:\n{out.read_text()}")
            if time.monotonic() > deadline:
                raise AssertionError("edabot run did not connect to Socket Mode in 60 s:\n" + out.read_text())
            time.sleep(0.1)
        self.sim.wait_connected(timeout=20)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)

    def output(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.outputs if p.exists())

    def api_url(self) -> str:
        """Where the REST API of the running process listens (it binds a free port in tests)."""
        import re

        found = re.findall(r"REST API, /healthz and /metrics on (http://[0-9.]+:\d+)", self.output())
        assert found, "the process did not start its REST API"
        return found[-1]

    def admin_url(self, database: str = "postgres") -> str:
        password = (self.data_dir / ".edabot" / "pg-superuser.password").read_text().strip()
        port = (self.data_dir / ".edabot" / "pg-port").read_text().strip()
        return f"postgresql://postgres:{password}@127.0.0.1:{port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.admin_url(database), autocommit=True)


@pytest.fixture
def bot() -> Iterator[BotProcess]:
    with bot_process() as process:
        yield process


@contextlib.contextmanager
def bot_process() -> Iterator[BotProcess]:
    """A simulator, a data directory and the environment for `edabot run` (not started); torn down with its
    embedded server. Also for module-scoped fixtures, so that tests can share one process."""
    tmp_path = server_data_dir("edabot-e2e-")
    with SlackSimulator() as sim:
        sim.add_user(ADMIN_ID, name="admin")
        sim.add_channel(CHANNEL_ID, name="eda", is_member=True)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(REPO),
            "SLACK_BOT_TOKEN": sim.bot_token,
            "SLACK_APP_TOKEN": sim.app_token,
            "SLACK_API_URL": sim.api_url,
            "EDABOT_ADMINS": ADMIN_ID,
            "CREDENTIALS_KEY": Fernet.generate_key().decode(),
            "LOG_FILE": str(tmp_path / "logs" / "app.log"),
            "LOG_LEVEL": "DEBUG",
            "PORT": "0",  # several bots (and other test runs) on one machine
        }
        process = BotProcess(sim, tmp_path, tmp_path / "logs" / "app.log", env)
        try:
            yield process
        finally:
            if process.proc is not None and process.proc.poll() is None:
                process.stop()
            # The embedded server outlives SIGKILLed bots by design; stop it with the test.
            from core.db.embedded import EmbeddedPostgres

            if (tmp_path / ".edabot" / "pg").exists():
                EmbeddedPostgres(tmp_path / ".edabot").stop(force=True)
            shutil.rmtree(tmp_path, ignore_errors=True)


def fast_capture(bot: BotProcess, grafana: GrafanaFake) -> None:
    """The pipeline e2e settings (`_configure`), with a scan every second and a small three-frame capture: for
    tests that wait on many posts, where the preview's size is not what they check."""
    # Imported here: test_pipeline_e2e imports this module, so a module-level import would be circular.
    from tests.e2e.test_pipeline_e2e import _configure

    _configure(bot, grafana)
    bot.env.update(
        SCAN_INTERVAL_SECONDS="1",
        CAPTURE_FRAMES="3",
        CAPTURE_FRAME_DELAY="100",
        CAPTURE_WIDTH="640",
        CAPTURE_HEIGHT="480",
        GIF_WIDTH="320",
    )
