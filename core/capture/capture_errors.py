"""Failures of a dashboard capture as the project's own exceptions.

Every message names what ran out or broke, the dashboard URL (which never carries the token) and what to
do about it; none ever contains the Grafana token.
"""

from __future__ import annotations

from core.errors import Unavailable


class CaptureError(Unavailable):
    """A preview could not be captured; `str(error)` is safe to show to the user. Unavailable: the browser
    or the dashboard failed, and a later capture may work."""


class CaptureTimeout(CaptureError):
    """One of the capture's waits ran out of its budget."""

    def __init__(self, *, wait: str, url: str, waited_ms: int, budget_ms: int) -> None:
        super().__init__(
            f"Timed out waiting for {wait} on {url} (waited {waited_ms / 1000:.1f} s of a "
            f"{budget_ms / 1000:.1f} s budget); the dashboard may be slow or broken: open it in Grafana, "
            "or raise CAPTURE_TIMEOUT"
        )
        self.wait = wait
        self.url = url
        self.waited_ms = waited_ms
        self.budget_ms = budget_ms


class BrowserUnavailable(CaptureError):
    """No usable Chromium: not found, not executable, or it would not start."""

    def __init__(self, message: str, *, path: str | None) -> None:
        super().__init__(message)
        self.path = path


class BrowserCrashed(CaptureError):
    """Chromium (or the dashboard's tab) died during a capture, on the retry as well."""


class CaptureAuthError(CaptureError):
    """Grafana refused the capture token (HTTP 401/403, or a redirect to its login page)."""
