"""What reaches the log: Fernet keys and libpq passwords masked like the tokens already were, and one LOG_FILE
shared by several processes, every line whole, following logrotate's rename."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.logs import RedactingFormatter, SharedLogFileHandler, redact

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def logged(tmp_path: Path) -> Iterator[tuple[logging.Logger, Path]]:
    """A logger writing through the product's formatter and file handler, as `edabot run` configures them."""
    path = tmp_path / "app.log"
    handler = SharedLogFileHandler(path, encoding="utf-8")
    handler.setFormatter(RedactingFormatter("%(levelname)s %(message)s"))
    logger = logging.getLogger(f"edabot.test.{tmp_path.name}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield logger, path
    logger.removeHandler(handler)
    handler.close()


def test_fernet_keys_are_masked_in_messages_and_tracebacks(logged: tuple[logging.Logger, Path]) -> None:
    logger, path = logged
    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    logger.info("loaded CREDENTIALS_KEY=%s,%s", new, old)
    try:
        raise ValueError(f"key {new!r} does not decrypt")
    except ValueError:
        logger.exception("rotation failed")
    written = path.read_text(encoding="utf-8")
    assert new not in written and old not in written
    assert "CREDENTIALS_KEY=••••,••••" in written and "key '••••' does not decrypt" in written


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("connecting to postgresql://edabot:Pa55-w0rd@db.example:5432/master", "postgresql://edabot:••••@db.example"),
        ("dsn postgres://:Pa55-w0rd@127.0.0.1/x (no user name)", "postgres://:••••@127.0.0.1/x"),
        ("url postgresql://db.example/x?sslmode=require&password=Pa55-w0rd&connect_timeout=5", "&connect_timeout=5"),
        ("libpq: host=db.example port=5432 user=alice password=Pa55-w0rd dbname=alice_timing", "dbname=alice_timing"),
        ("libpq: host=db password = 'Pa55 w0rd \\' quoted' sslmode=require", "sslmode=require"),
        ("environment PGPASSWORD=Pa55-w0rd psql -h db", "psql -h db"),
        ("creds set GRAFANA_DB_PASSWORD=Pa55-w0rd", "GRAFANA_DB_PASSWORD=••••"),
    ],
)
def test_libpq_passwords_are_masked(logged: tuple[logging.Logger, Path], text: str, kept: str) -> None:
    logger, path = logged
    logger.warning("%s", text)
    written = path.read_text(encoding="utf-8")
    assert "Pa55" not in written and "w0rd" not in written
    assert kept in written, "the rest of the line still says where and what"


@pytest.mark.parametrize(
    "text",
    [
        "dashboard http://grafana.example:3000/d/timing-abc?orgId=1&from=now-6h",
        "table sta_run_2026_12_07 in alice_timing, 44 paths, slack -0.125 ns",
        "digest " + "A" * 43 + "B=",  # base64 of 32 bytes cannot end in B before "="
        "file id F0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefgh",
    ],
)
def test_ordinary_lines_are_left_alone(text: str) -> None:
    assert redact(text) == text


# One process of the sharing test: waits for the go file, then logs its numbered lines; every third one is
# long (60 kB, beyond the 8 kB I/O buffers), and the two together write past 10 MB, where the
# RotatingFileHandler edabot used before started renaming the file under the other process.
WRITER = """
import logging, sys, time
from pathlib import Path
from bot.logs import configure
proc, count, path, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
configure("INFO", path)
log = logging.getLogger("edabot.sharing")
while not go.exists():
    time.sleep(0.001)
for seq in range(count):
    size = 60_000 if seq % 3 == 0 else 40 + seq % 200
    log.info("proc=%s seq=%d len=%d %s end", proc, seq, size, proc * size)
"""
LINE = re.compile(r".* INFO edabot\.sharing \[MainThread\] \[[^\]]*\] proc=(\w) seq=(\d+) len=(\d+) (\w+) end")


def test_two_processes_appending_to_one_file_leave_every_line_whole(tmp_path: Path) -> None:
    path, go, count = tmp_path / "logs" / "app.log", tmp_path / "go", 300
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, proc, str(count), str(path), str(go)],
            cwd=REPO,
            stderr=subprocess.DEVNULL,
        )
        for proc in ("a", "b")
    ]
    time.sleep(0.5)  # both imported and configured: they start writing together
    go.touch()
    assert [w.wait(timeout=60) for w in writers] == [0, 0]
    seen: set[tuple[str, int]] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = LINE.fullmatch(line)
        assert match is not None, f"a torn or interleaved line: {line[:120]!r}…"
        proc, seq, size, payload = match[1], int(match[2]), int(match[3]), match[4]
        assert payload == proc * size, f"line {proc}/{seq} carries another process's bytes"
        seen.add((proc, seq))
    assert seen == {(proc, seq) for proc in ("a", "b") for seq in range(count)}, "every line is in the one file"


def test_after_logrotate_moves_the_file_the_next_line_starts_a_new_one(logged: tuple[logging.Logger, Path]) -> None:
    logger, path = logged
    logger.info("before rotation")
    rotated = path.with_name("app.log.1")
    os.rename(path, rotated)  # what logrotate does (without copytruncate)
    logger.info("after rotation")
    assert "before rotation" in rotated.read_text() and "after rotation" not in rotated.read_text()
    assert path.read_text().strip() == "INFO after rotation"
