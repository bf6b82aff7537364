"""One payload pushed over Socket Mode, with every (re)delivery attempt and its ack."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from .records import AckRecord


@dataclass
class Attempt:
    envelope_id: str
    envelope: dict[str, Any]
    retry_attempt: int
    sent_at: float = 0.0  # time.monotonic() when written to the socket
    connection_id: int | None = None
    acked: bool = False


class Delivery:
    """Returned by the simulator's send_* helpers; `wait_ack()` blocks until the app acks."""

    def __init__(self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool, **context: Any) -> None:
        self.kind = kind  # envelope type: events_api | slash_commands | interactive
        self.payload = payload
        self.accepts_response_payload = accepts_response_payload
        self.context = context  # user_id / view_id / channel_id the simulator needs later
        self.attempts: list[Attempt] = []
        self.view_errors: dict[str, str] | None = None  # response_action=errors of a view_submission
        self._lock = threading.Lock()
        self._acked = threading.Event()
        self._ack: AckRecord | None = None

    # ---- read side (test thread) ------------------------------------------------------

    @property
    def envelope(self) -> dict[str, Any]:
        """The first envelope sent (retries are in `attempts`)."""
        with self._lock:
            if not self.attempts:
                raise RuntimeError("not delivered yet")
            return self.attempts[0].envelope

    @property
    def envelope_id(self) -> str:
        return str(self.envelope["envelope_id"])

    @property
    def envelope_ids(self) -> list[str]:
        with self._lock:
            return [a.envelope_id for a in self.attempts]

    @property
    def response_url(self) -> str | None:
        return self.payload.get("response_url")

    @property
    def trigger_id(self) -> str | None:
        return self.payload.get("trigger_id")

    @property
    def acked(self) -> bool:
        return self._acked.is_set()

    @property
    def ack(self) -> AckRecord | None:
        return self._ack

    def wait_ack(self, timeout: float = 5.0) -> AckRecord:
        if not self._acked.wait(timeout):
            raise TimeoutError(
                f"no ack for {self.kind} envelope(s) {self.envelope_ids} within {timeout}s "
                "(Bolt sends no ack when a listener raises or no listener matches)"
            )
        assert self._ack is not None
        return self._ack

    # ---- write side (simulator loop) ----------------------------------------------------

    def add_attempt(self, attempt: Attempt) -> None:
        with self._lock:
            self.attempts.append(attempt)

    def record_ack(self, record: AckRecord) -> bool:
        """Store the first ack; returns False for later ones (duplicates / late retries).

        Waiters are released by `complete()`, after the simulator has applied what the ack
        asks for (closing a modal, showing a message), so a test never sees the state before.
        """
        with self._lock:
            if self._ack is not None:
                return False
            self._ack = record
        return True

    def complete(self) -> None:
        self._acked.set()
