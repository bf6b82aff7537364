"""Finding and starting the Chromium that captures dashboard previews."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from core.capture.capture_errors import BrowserUnavailable

DEBIAN_CHROMIUM = "/usr/bin/chromium"

# Headless capture on servers: no sandbox (root cannot have one, and Playwright drops it by default too), no
# GPU (hangs and crashes under load, grafana-image-renderer#229), /tmp instead of a small /dev/shm, and no
# background traffic (updates, sync, QUIC probes) that would hammer a closed network. Local Network Access
# checks are off because the Grafana documents we serve through route.fulfill count as "public" to
# Chromium, which would then refuse the dashboard's own requests to private or loopback hosts.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-features=LocalNetworkAccessChecks",
)

LAUNCH_TIMEOUT_MS = 30_000

_INSTALL_HINT = (
    "set CHROMIUM_PATH to a Chromium executable, or install one with `apt-get install chromium` "
    "(or `playwright install chromium` where downloads are allowed)"
)


def _is_executable(path: str) -> bool:
    return Path(path).is_file() and os.access(path, os.X_OK)


def playwright_chromium() -> str | None:
    """Where Playwright's own Chromium would be, or None when Playwright cannot say.

    Runs Playwright in a thread of its own: its sync API refuses to start in a thread that already runs
    it or an asyncio loop, and callers of `find_chromium` may be either.
    """
    found: list[str | None] = [None]

    def ask() -> None:
        try:
            with sync_playwright() as playwright:
                found[0] = playwright.chromium.executable_path
        except Exception:  # noqa: S110 - no driver or no browser registry just means "not installed"
            pass

    thread = threading.Thread(target=ask, name="edabot-find-chromium", daemon=True)
    thread.start()
    thread.join(30)
    return found[0]


def find_chromium(configured: str | None, *, playwright_browser: Callable[[], str | None] = playwright_chromium) -> str:
    """CHROMIUM_PATH when set (it must be an executable file), else Playwright's own browser when it is
    installed, else Debian's /usr/bin/chromium; otherwise BrowserUnavailable naming the fix."""
    if configured:
        if _is_executable(configured):
            return configured
        problem = "does not exist" if not Path(configured).exists() else "is not an executable file"
        raise BrowserUnavailable(
            f"CHROMIUM_PATH={configured} {problem}; point CHROMIUM_PATH at a Chromium executable, "
            "or unset it to use Playwright's Chromium or /usr/bin/chromium (`apt-get install chromium`)",
            path=configured,
        )
    bundled = playwright_browser()
    if bundled and _is_executable(bundled):
        return bundled
    if _is_executable(DEBIAN_CHROMIUM):
        return DEBIAN_CHROMIUM
    tried = ", ".join(p for p in (bundled, DEBIAN_CHROMIUM) if p)
    raise BrowserUnavailable(f"No Chromium found (tried {tried}); {_INSTALL_HINT}", path=None)


def launch_chromium(playwright: Playwright, executable: str) -> Browser:
    """A headless Chromium from `executable`, or BrowserUnavailable saying which path failed and why."""
    try:
        return playwright.chromium.launch(
            executable_path=executable, args=list(CHROMIUM_ARGS), headless=True, timeout=LAUNCH_TIMEOUT_MS
        )
    except PlaywrightError as exc:
        first_line = (exc.message or str(exc)).strip().splitlines()[0] if str(exc).strip() else "unknown error"
        raise BrowserUnavailable(
            f"Chromium at {executable} would not start ({first_line}); check that it runs "
            f"(`{executable} --headless --no-sandbox --version`), or {_INSTALL_HINT}",
            path=executable,
        ) from exc
