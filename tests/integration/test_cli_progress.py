"""`edabot ingest` shows its progress: a bar on a terminal, plain percentage lines through a pipe."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.e2e.test_ack_during_ingest import write_big_timing_report
from tests.integration.test_cli import _edabot

pytestmark = pytest.mark.db

REPORT_BYTES = 24 * 1024 * 1024


@pytest.fixture
def loaded_user(cli_env, tmp_path: Path, unique_username) -> tuple[dict[str, str], str, Path]:
    name = unique_username("bar")
    created = _edabot(cli_env, "user", "create", name, cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    report = tmp_path / "big_timing.rpt"
    write_big_timing_report(report, REPORT_BYTES)
    return cli_env, name, report


def test_a_pipe_gets_plain_percentage_lines(loaded_user, tmp_path: Path) -> None:
    env, name, report = loaded_user
    result = _edabot(env, "ingest", str(report), "--user", name, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "big_timing.rpt:" in line and "%" in line]
    assert [line.split(": ")[1].split("%")[0] for line in lines] == [str(p) for p in range(10, 101, 10)]
    assert lines[-1].endswith(" MB)") and "MB of" in lines[-1]
    assert "\r" not in result.stderr  # no bar redrawing through a pipe
    assert "timing table" in result.stdout


def test_a_terminal_gets_a_redrawn_bar(loaded_user, tmp_path: Path) -> None:
    env, name, report = loaded_user
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(REPO), **env}
    controller, terminal = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "ingest", str(report), "--user", name],
            cwd=tmp_path,
            env=full,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=terminal,
        )
        os.close(terminal)
        seen = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal closed: the process is gone
                break
            if not chunk:
                break
            seen += chunk
        assert proc.wait(timeout=120) == 0, seen.decode(errors="replace")
    finally:
        os.close(controller)
    text = seen.decode(errors="replace")
    # tqdm redraws one line with carriage returns, with a bar, sizes in MB and 100% at the end.
    assert text.count("\r") >= 2, text
    assert "100%" in text and "MB" in text and "|" in text, repr(text[-800:])
    assert "10% (" not in text  # not the plain lines meant for pipes
