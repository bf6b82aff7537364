"""Logging: one line per event, to stderr and LOG_FILE (appended to, rotated by logrotate), secrets redacted."""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import sys
from pathlib import Path

from core.log_context import CURRENT, tagged

__all__ = ["CURRENT", "RedactingFormatter", "SharedLogFileHandler", "configure", "redact", "tagged"]


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.ctx = CURRENT.get()
        return True


MASK = "••••"
# Anything shaped like a secret, and what it becomes. Passwords first, so a key inside one goes with it.
REDACTIONS: list[tuple[re.Pattern[str], str]] = [
    # The password in a URL's user info (postgresql://user:pass@host, also with an empty user name). It
    # may contain an unescaped "/", so only "@" or a blank ends it.
    (re.compile(r"(?<=://)([^:/@\s]*):[^@\s]+@"), rf"\1:{MASK}@"),
    # libpq's password parameter in a URL's query: postgresql://host/db?sslmode=require&password=...
    (re.compile(r"(?i)(?<=[?&])(\w*password)=[^&#\s]*"), rf"\1={MASK}"),
    # libpq keyword strings (host=db password=... or password = '...'), and PGPASSWORD=... or
    # GRAFANA_DB_PASSWORD=... in an environment dump. A quoted value may hold blanks and \' escapes; an
    # unquoted one ends at a blank.
    (re.compile(r"(?i)(?<![\w?&])(\w*password)\s*=\s*(?:'(?:[^'\\]|\\.)*'?|\S+)"), rf"\1={MASK}"),
    (re.compile(r"xox[abposre]-[A-Za-z0-9-]+"), MASK),  # Slack tokens
    (re.compile(r"xapp-[A-Za-z0-9-]+"), MASK),
    (re.compile(r"eda_[A-Za-z0-9_-]{20,}"), MASK),  # edabot API keys
    (re.compile(r"gAAAAA[A-Za-z0-9_=-]{20,}"), MASK),  # Fernet tokens (encrypted credentials)
    (re.compile(r"glsa_[A-Za-z0-9_]{10,}"), MASK),  # Grafana service-account tokens
    # Fernet keys (CREDENTIALS_KEY): 32 bytes in url-safe base64, 44 characters whose last before the
    # "=" can carry only four bits, so it is one of these sixteen. Not when part of a longer run.
    (re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]=(?![A-Za-z0-9_=-])"), MASK),
]
# Their debug output includes request bodies (modal values, revealed secrets): never below INFO.
CHATTY_LOGGERS = ("slack_sdk", "slack_bolt", "urllib3", "httpx", "httpcore", "websocket", "apscheduler")


def redact(text: str) -> str:
    for pattern, replacement in REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class SharedLogFileHandler(logging.handlers.WatchedFileHandler):
    """LOG_FILE shared by every `edabot run` process on the host, rotated by logrotate.

    Why not RotatingFileHandler: each process rotates on its own count of the bytes it wrote, renaming
    the file under the others, which go on writing into the renamed file (or rotate it again). Why not one
    file per process: a reader would have to merge them, and every restart leaves another file behind.
    So: every process appends (O_APPEND), each record in one write() call of its own, so two processes'
    lines cannot interleave whatever the stream's buffering does, and rotation is logrotate's rename,
    which each process notices at its next record (WatchedFileHandler) and follows by reopening the path.
    O_APPEND is atomic on local filesystems, not on NFS: keep LOG_FILE on a local disk.
    """

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.reopenIfNeeded()
            if self.stream is None:  # closed earlier, or never opened (delay=True)
                self.stream = self._open()
                self._statstream()
            line = self.format(record) + self.terminator
            os.write(self.stream.fileno(), line.encode(self.encoding or "utf-8", "backslashreplace"))
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)


def configure(level: str, log_file: Path | None) -> None:
    formatter = RedactingFormatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] [%(ctx)s] %(message)s")
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(formatter)
    stderr.addFilter(ContextFilter())
    root.addHandler(stderr)
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        shared = SharedLogFileHandler(log_file, encoding="utf-8")
        shared.setFormatter(formatter)
        shared.addFilter(ContextFilter())
        root.addHandler(shared)
    root.setLevel(level)
    floor = max(logging.INFO, logging.getLevelName(level) if isinstance(logging.getLevelName(level), int) else 20)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(floor)
