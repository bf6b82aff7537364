"""What the simulator observed: requests, acks and contract violations (all thread-safe)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

WARNING_PREFIX = "[warning] "


@dataclass
class RecordedRequest:
    """One HTTP request to the Web API (or to an upload/response/download URL)."""

    method: str  # API method name, or "<upload_url>" / "<response_url>" / "<file_download>"
    http_method: str
    path: str
    headers: dict[str, str]
    args: dict[str, Any]  # query + body arguments, token removed
    raw_body: bytes
    timestamp: float
    token: str | None = None
    json_body: bool = False
    # Filled in once the simulator has answered, so tests can see what the product received.
    status: int | None = None
    response: Any = None
    dropped: bool = False  # served, then the connection closed before the answer (drop_after_accept)


@dataclass(frozen=True)
class AckRecord:
    """A Socket Mode ack frame as received from the app."""

    envelope_id: str
    payload: dict[str, Any] | None
    latency_s: float
    envelope_type: str
    has_payload: bool = False


class ViolationLog:
    """Contract violations, in arrival order.

    Warning-level entries carry WARNING_PREFIX so one list serves both `assert_no_violations`
    (which by default fails on warnings too: the product promises e.g. fallback text) and humans.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[str] = []

    def add(self, message: str, *, warning: bool = False) -> None:
        with self._lock:
            self._items.append(f"{WARNING_PREFIX}{message}" if warning else message)

    def snapshot(self) -> list[str]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


@dataclass
class RequestLog:
    """Every HTTP request the simulator served."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _items: list[RecordedRequest] = field(default_factory=list)

    def add(self, request: RecordedRequest) -> None:
        with self._lock:
            self._items.append(request)

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._items)
