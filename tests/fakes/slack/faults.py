"""Fault injection: make the next N calls of a method fail, slow down, rate-limit, or go unanswered."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

# Pseudo method names for the non-API URLs the simulator serves.
UPLOAD_URL = "<upload_url>"
RESPONSE_URL = "<response_url>"
FILE_DOWNLOAD = "<file_download>"

# Bodies Slack sends with these statuses (rate limiting is documented as 429 + ratelimited).
_DEFAULT_STATUS_ERRORS = {429: "ratelimited", 500: "internal_error", 503: "service_unavailable"}


@dataclass
class Injection:
    method: str
    error: str | None = None
    status: int | None = None
    retry_after: float | None = None
    delay: float | None = None
    remaining: int | None = 1  # None = until cleared
    body: Any = None  # overrides the generated body (dict -> JSON, str -> text)
    # Serve the request in full (a message is stored), then close the connection without answering: the
    # client cannot tell whether Slack acted on it, as when production sees RemoteDisconnected.
    drop_after_accept: bool = False

    @property
    def answers(self) -> bool:
        """False for a pure delay: after sleeping the request is served normally."""
        return self.error is not None or self.status is not None or self.body is not None

    def http_status(self) -> int:
        return self.status if self.status is not None else 200

    def response_body(self) -> Any:
        if self.body is not None:
            return self.body
        error = self.error or _DEFAULT_STATUS_ERRORS.get(self.http_status(), "internal_error")
        return {"ok": False, "error": error}

    def response_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.http_status() == 429 or self.retry_after is not None:
            # Slack always sends Retry-After (whole seconds) with a 429.
            seconds = self.retry_after if self.retry_after is not None else 1
            headers["Retry-After"] = str(int(seconds)) if float(seconds).is_integer() else str(seconds)
        return headers


class FaultInjector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Injection] = []

    def add(self, injection: Injection) -> Injection:
        if injection.remaining is not None and injection.remaining < 1:
            raise ValueError("times must be >= 1 (or None for 'until cleared')")
        with self._lock:
            self._items.append(injection)
        return injection

    def take(self, method: str) -> Injection | None:
        """Consume one use of the oldest injection registered for `method`."""
        with self._lock:
            for item in self._items:
                if item.method != method:
                    continue
                if item.remaining is not None:
                    item.remaining -= 1
                    if item.remaining <= 0:
                        self._items.remove(item)
                return item
        return None

    def clear(self, method: str | None = None) -> None:
        with self._lock:
            self._items = [i for i in self._items if method is not None and i.method != method]
