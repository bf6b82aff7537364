"""Identifier, timestamp and token generation in the shapes Slack uses."""

from __future__ import annotations

import itertools
import secrets
import string
import threading
import time
import uuid

_ALNUM = string.ascii_letters + string.digits


class IdFactory:
    """Thread-safe source of Slack-shaped ids.

    Ids come from a counter rather than randomness so that failures are reproducible and readable
    ("C0SIM000003" says "the third channel"); message ts values are strictly increasing because
    Slack guarantees that within a channel and tests sort on them.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        self._last_ts_us = 0

    def new_id(self, prefix: str) -> str:
        """A Slack object id: type letter(s) + upper-case alphanumerics (e.g. C…, D…, F…, V…)."""
        with self._lock:
            n = next(self._counter)
        return f"{prefix}0SIM{n:06d}"

    def new_ts(self) -> str:
        """A message ts ("1503435956.000247"), unique and increasing across the simulator."""
        with self._lock:
            now_us = int(time.time() * 1_000_000)
            self._last_ts_us = max(now_us, self._last_ts_us + 1)
            ts_us = self._last_ts_us
        return f"{ts_us // 1_000_000}.{ts_us % 1_000_000:06d}"

    def trigger_id(self) -> str:
        # Real trigger ids look like "3701415066658.3485157640.72f11de3d52bb9593d6931af772a323e".
        with self._lock:
            n = next(self._counter)
        return f"{int(time.time() * 1000)}{n % 10}.{3485157640 + n}.{secrets.token_hex(16)}"

    def envelope_id(self) -> str:
        # Socket Mode envelope ids are UUID4 strings.
        return str(uuid.uuid4())

    def view_hash(self) -> str:
        # Shape of Slack's view hash: "1596530361.3wRYuk3R".
        return f"{int(time.time())}.{random_alnum(8)}"

    def block_id(self) -> str:
        # Slack invents short random block_ids ("hspI") for blocks sent without one.
        return random_alnum(4)

    def action_id(self) -> str:
        return random_alnum(5)

    def secret(self, nbytes: int = 12) -> str:
        return secrets.token_hex(nbytes)


def random_alnum(length: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(length))
