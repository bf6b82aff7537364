"""Logging: one line per event, to stderr and a rotating LOG_FILE, with tokens redacted."""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
from pathlib import Path

from core.log_context import CURRENT, tagged

__all__ = ["CURRENT", "RedactingFormatter", "configure", "redact", "tagged"]


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.ctx = CURRENT.get()
        return True


# Anything shaped like a Slack token, an edabot API key, a Fernet key/token or a URL password.
TOKEN_PATTERNS = [
    re.compile(r"xox[abposre]-[A-Za-z0-9-]+"),
    re.compile(r"xapp-[A-Za-z0-9-]+"),
    re.compile(r"eda_[A-Za-z0-9_-]{20,}"),
    re.compile(r"gAAAAA[A-Za-z0-9_=-]{20,}"),
    re.compile(r"glsa_[A-Za-z0-9_]{10,}"),
    re.compile(r"(?<=://)([^:/@\s]+):([^@/\s]+)@"),
]
# Their debug output includes request bodies (modal values, revealed secrets): never below INFO.
CHATTY_LOGGERS = ("slack_sdk", "slack_bolt", "urllib3", "httpx", "httpcore", "websocket", "apscheduler")


def redact(text: str) -> str:
    for pattern in TOKEN_PATTERNS:
        if pattern.groups == 2:
            text = pattern.sub(r"\1:••••@", text)
        else:
            text = pattern.sub("••••", text)
    return text


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


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
        rotating = logging.handlers.RotatingFileHandler(log_file, maxBytes=10_000_000, backupCount=5, encoding="utf-8")
        rotating.setFormatter(formatter)
        rotating.addFilter(ContextFilter())
        root.addHandler(rotating)
    root.setLevel(level)
    floor = max(logging.INFO, logging.getLevelName(level) if isinstance(logging.getLevelName(level), int) else 20)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(floor)
