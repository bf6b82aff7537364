"""One capture in one fresh browser context: sign Grafana's requests, wait until the dashboard has
rendered, tour it, and take the frames.

Everything here runs on the capture thread, the only thread that may touch the browser. Every wait is
cut into short slices so a capture notices the service shutting down within a fraction of a second.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Frame, Page, Request, Response, Route
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from core.capture.capture_errors import BrowserCrashed, CaptureAuthError, CaptureError, CaptureTimeout
from core.capture.capture_types import CaptureRequest, CaptureSettings
from core.capture.tour import PanelBox, TourStep, describe, plan_tour
from core.secret import Secret

log = logging.getLogger(__name__)

# The page counts as settled after this long without DOM mutations or network requests in flight
# (grafana-image-renderer uses a stable body hash across 100 ms polls; a little longer absorbs chart
# libraries that draw on the next animation frame).
SETTLE_QUIET_MS = 300
# DOM and network quiet are best effort: a clock panel or a hung image on another host would keep them
# busy forever. After this long only Grafana's running-query count still has to reach zero.
SETTLE_CAP_MS = 3_000
# Grafana only defines __grafanaRunningQueryCount once its query controller has run; a dashboard whose
# scene exists but which has no queries never defines it. Treat "undefined" as zero after this grace.
UNDEFINED_COUNT_GRACE_MS = 1_000
# Longest single Playwright wait, so shutdown and deadlines are checked often.
_SLICE_MS = 200
# After a scroll or hover, time for lazy panels (IntersectionObserver) to start loading before we look.
_AFTER_MOVE_MS = 50
# Requests that stay open by design and would keep the network from ever looking idle.
_LONG_LIVED = frozenset({"eventsource", "websocket"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_ACCESS_HINT = (
    "the capture token (GRAFANA_CAPTURE_TOKEN, or edabot's own `edabot-capture` service account) needs "
    "Viewer access to the dashboard's folder"
)

# Installed into every document before Grafana's own scripts: remembers when the DOM last changed, and
# ignores the style changes this module makes itself to highlight a panel.
_TRACKER_JS = """
(() => {
  if (window.__edabotCapture) return;
  const state = { lastMutation: performance.now(), own: new WeakSet(), panels: [], scroller: null };
  Object.defineProperty(window, '__edabotCapture', { value: state, enumerable: false });
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'attributes' && r.attributeName === 'style' && state.own.has(r.target)) continue;
      state.lastMutation = performance.now();
      return;
    }
  }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
})();
"""

_SCENE_JS = """
() => {
  if (!window.__grafanaSceneContext) return false;
  const s = window.__edabotCapture;
  if (s && s.sceneAt === undefined) s.sceneAt = performance.now();
  return true;
}
"""

_READY_JS = """
([quietMs, graceMs]) => {
  const s = window.__edabotCapture;
  if (!s) return false;
  const now = performance.now();
  const count = window.__grafanaRunningQueryCount;
  if (typeof count === 'number') {
    if (count > 0) return false;
  } else if (s.sceneAt === undefined || now - s.sceneAt < graceMs) {
    return false;
  }
  return now - s.lastMutation >= quietMs;
}
"""

_PLAN_JS = """
() => {
  const s = window.__edabotCapture;
  const doc = document.scrollingElement || document.documentElement;
  let scroller = null;
  if (doc && doc.scrollHeight - doc.clientHeight > 1) {
    scroller = doc;
  } else if (document.body) {
    // Older Grafana scrolls an inner element instead of the page: take the largest scrollable one.
    let bestArea = 0;
    for (const el of document.body.querySelectorAll('*')) {
      if (el.scrollHeight - el.clientHeight <= 1) continue;
      const overflow = getComputedStyle(el).overflowY;
      if (overflow !== 'auto' && overflow !== 'scroll' && overflow !== 'overlay') continue;
      const r = el.getBoundingClientRect();
      const area = Math.max(0, r.width) * Math.max(0, r.height);
      if (area > bestArea) { bestArea = area; scroller = el; }
    }
  }
  s.scroller = scroller;
  const inner = scroller && scroller !== doc;
  const originTop = inner ? scroller.getBoundingClientRect().top - scroller.scrollTop : -window.scrollY;
  let panels = [];
  for (const sel of ['[data-viz-panel-key]', '[data-panelid]', '.react-grid-item']) {
    panels = Array.from(document.querySelectorAll(sel));
    if (panels.length) break;
  }
  panels = panels.filter((p) => !panels.some((o) => o !== p && o.contains(p)));
  const boxes = new Map(panels.map((p) => [p, p.getBoundingClientRect()]));
  panels.sort((a, b) => boxes.get(a).top - boxes.get(b).top || boxes.get(a).left - boxes.get(b).left);
  s.panels = panels;
  return {
    maxScroll: scroller ? Math.max(0, scroller.scrollHeight - scroller.clientHeight) : 0,
    viewHeight: inner ? scroller.clientHeight : window.innerHeight,
    panels: panels.map((p) => ({ top: boxes.get(p).top - originTop, height: boxes.get(p).height })),
  };
}
"""

_SHOW_JS = """
([scrollTop, index]) => {
  const s = window.__edabotCapture;
  if (s.scroller) s.scroller.scrollTo({ top: scrollTop, behavior: 'instant' });
  if (s.focus) {
    s.focus.style.outline = s.focusOutline;
    s.focus.style.outlineOffset = s.focusOffset;
    s.focus = null;
  }
  const el = index === null ? null : s.panels[index];
  if (!el || !el.isConnected) return null;
  s.own.add(el);
  s.focus = el;
  s.focusOutline = el.style.outline;
  s.focusOffset = el.style.outlineOffset;
  // Grafana's orange, drawn inside the panel so neighbours and the page edge cannot clip it.
  el.style.outline = '3px solid #ff9830';
  el.style.outlineOffset = '-3px';
  const r = el.getBoundingClientRect();
  const top = Math.max(0, r.top), bottom = Math.min(window.innerHeight, r.bottom);
  return { x: r.left + r.width / 2, y: (top + bottom) / 2 };
}
"""

_NEXT_PAINT_JS = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"

_PANEL_ERRORS_JS = """
() => {
  const HEADER = 'data-testid Panel header ';
  const markers = document.querySelectorAll(
    '[data-testid="data-testid Panel status error"], [data-testid="data-testid Panel data error message"]');
  const seen = new Set();
  const found = [];
  for (const marker of markers) {
    const panel = marker.closest('[data-viz-panel-key], [data-panelid], .react-grid-item')
      || marker.closest('[data-testid^="' + HEADER + '"]');
    const key = panel || marker;
    if (seen.has(key)) continue;
    seen.add(key);
    let title = '';
    const titled = marker.closest('[data-testid^="' + HEADER + '"]')
      || (panel && panel.querySelector('[data-testid^="' + HEADER + '"]'));
    if (titled) title = titled.getAttribute('data-testid').slice(HEADER.length);
    if (!title && panel) {
      const h = panel.querySelector('h2, h6, [class*="panel-title"]');
      if (h) title = h.textContent;
    }
    let message = '';
    const text = panel && panel.querySelector('[data-testid="data-testid Panel data error message"]');
    if (text) message = text.textContent;
    else message = marker.getAttribute('aria-label') || marker.getAttribute('title') || '';
    found.push({ title: (title || '').trim(), message: (message || '').trim() });
  }
  return found;
}
"""


@dataclass
class PageCapture:
    url: str
    frames: list[bytes]
    panel_errors: list[str]
    tour: str


def origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the default port filled in, or None for non-http(s) URLs."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


@dataclass
class _Watch:
    """What the page did, gathered from Playwright's events as they arrive on the capture thread."""

    inflight: set[Request] = field(default_factory=set)
    last_network: float = field(default_factory=time.monotonic)
    crashed: bool = False
    nav_status: int | None = None
    nav_failure: str | None = None

    main_frame: Frame | None = None

    def attach(self, page: Page) -> None:
        self.main_frame = page.main_frame
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)
        page.on("crash", self._crash)

    def _is_main_navigation(self, request: Request) -> bool:
        return request.is_navigation_request() and request.frame == self.main_frame

    def _started(self, request: Request) -> None:
        if request.resource_type not in _LONG_LIVED:
            self.inflight.add(request)
            self.last_network = time.monotonic()

    def _ended(self, request: Request) -> None:
        self.inflight.discard(request)
        self.last_network = time.monotonic()

    def _failed(self, request: Request) -> None:
        self._ended(request)
        if self._is_main_navigation(request):
            self.nav_failure = request.failure or "failed"

    def _response(self, response: Response) -> None:
        if self._is_main_navigation(response.request):
            self.nav_status = response.status

    def _crash(self, _page: Page) -> None:
        self.crashed = True

    def network_quiet_ms(self) -> float:
        if self.inflight:
            return 0.0
        return (time.monotonic() - self.last_network) * 1000


class _Capture:
    page: Page

    def __init__(
        self,
        browser: Browser,
        request: CaptureRequest,
        settings: CaptureSettings,
        *,
        deadline: float,
        stop: threading.Event,
        on_frame: Callable[[bytes], None] | None,
    ) -> None:
        self.on_frame = on_frame
        self.browser = browser
        self.request = request
        self.settings = settings
        self.deadline = deadline
        self.stop = stop
        self.url = request.dashboard_url()
        self.started = time.monotonic()
        self.watch = _Watch()
        self.restless = False

    # -- deadlines and slices -------------------------------------------------------------------------

    def _check_stop(self) -> None:
        if self.stop.is_set():
            raise CaptureError(f"Capture of {self.url} cancelled: the capture service is shutting down")

    @staticmethod
    def _remaining_ms(deadline: float) -> float:
        return (deadline - time.monotonic()) * 1000

    def _timeout(self, wait: str, since: float, deadline: float) -> CaptureTimeout:
        return CaptureTimeout(
            wait=wait,
            url=self.url,
            waited_ms=round((time.monotonic() - since) * 1000),
            budget_ms=round((deadline - since) * 1000),
        )

    def _until(self, predicate: str, arg: Any, *, deadline: float, wait: str) -> None:
        """Poll a JS predicate in short slices until true, or CaptureTimeout naming `wait`."""
        since = time.monotonic()
        while True:
            self._check_stop()
            remaining = self._remaining_ms(deadline)
            if remaining <= 0:
                raise self._timeout(wait, since, deadline)
            try:
                self.page.wait_for_function(predicate, arg=arg, polling=50, timeout=max(1, min(_SLICE_MS, remaining)))
                return
            except PlaywrightTimeoutError:
                continue

    # -- the capture ----------------------------------------------------------------------------------

    def run(self) -> PageCapture:
        try:
            context = self.browser.new_context(
                viewport={"width": self.settings.width, "height": self.settings.height},
                device_scale_factor=1,
                # Service workers fetch on their own and would bypass the routing that signs requests.
                service_workers="block",
                reduced_motion="reduce",
            )
        except PlaywrightError as exc:
            raise self._translate(exc) from None
        try:
            return self._run_in(context)
        except PlaywrightError as exc:
            # Not chained: Playwright's text may quote request details; ours is built to be safe.
            raise self._translate(exc) from None
        finally:
            with suppress(PlaywrightError):
                context.close()

    def _translate(self, exc: PlaywrightError) -> CaptureError:
        detail = _first_line(exc)
        if self.request.token and self.request.token.reveal() in str(exc):
            detail = "details withheld (they quoted a secret)"
        if self._crashed(exc):
            return BrowserCrashed(f"Chromium crashed while capturing {self.url} ({detail})")
        return CaptureError(f"Chromium failed while capturing {self.url}: {detail}")

    def _crashed(self, exc: PlaywrightError) -> bool:
        text = str(exc).lower()
        return (
            self.watch.crashed
            or not self.browser.is_connected()
            or "crash" in text
            or "has been closed" in text
            or "browser closed" in text
        )

    def _run_in(self, context: BrowserContext) -> PageCapture:
        context.add_init_script(_TRACKER_JS)
        if self.request.token:
            self._sign_grafana_requests(context, self.request.token)
        self.page = context.new_page()
        self.watch.attach(self.page)

        self._load()
        loaded = time.monotonic()
        self._until(
            _SCENE_JS, None, deadline=self.deadline, wait="Grafana's dashboard scene (window.__grafanaSceneContext)"
        )
        self._wait_ready(self.deadline, "")
        ready = time.monotonic()

        plan = self.page.evaluate(_PLAN_JS)
        steps = plan_tour(
            frames=self.settings.frames,
            max_scroll=int(plan["maxScroll"]),
            view_height=int(plan["viewHeight"]),
            panels=[PanelBox(float(p["top"]), float(p["height"])) for p in plan["panels"]],
        )
        tour = describe(steps)
        if tour == "still" and self.settings.frames > 1:
            log.info("%s has nothing to scroll and no panels to spotlight: its frames will all be alike", self.url)
        frames: list[bytes] = []
        errors: list[str] = self._panel_errors([])
        previous = TourStep(0, None)
        for index, step in enumerate(steps):
            self._check_stop()
            frame_started = time.monotonic()
            frame_deadline = min(self.deadline, frame_started + self.settings.frame_timeout_ms / 1000)
            label = f"frame {index + 1}/{len(steps)}: "
            if step != previous:
                self._show(step)
                # Give lazy panels (IntersectionObserver) and hover effects a chance to start before looking.
                self.page.evaluate(_NEXT_PAINT_JS)
                self.page.wait_for_timeout(_AFTER_MOVE_MS)
            previous = step
            self._wait_ready(frame_deadline, label)
            errors = self._panel_errors(errors)
            remaining = self._remaining_ms(frame_deadline)
            try:
                if remaining <= 0:
                    raise PlaywrightTimeoutError("no time left")
                png = self.page.screenshot(type="png", timeout=max(1, remaining), caret="initial", animations="allow")
            except PlaywrightTimeoutError:
                raise self._timeout(f"{label}the screenshot", frame_started, frame_deadline) from None
            frames.append(png)
            if self.on_frame is not None:
                self.on_frame(png)
        log.debug(
            "%s: loaded in %.2f s, rendered in %.2f s more, %d frames in %.2f s",
            self.url,
            loaded - self.started,
            ready - loaded,
            len(frames),
            time.monotonic() - ready,
        )
        return PageCapture(self.url, frames, errors, tour)

    def _sign_grafana_requests(self, context: BrowserContext, token: Secret) -> None:
        """Add the Bearer token to requests for Grafana's origin and to nothing else.

        Not `extra_http_headers` (sent to every host the dashboard touches), and not `route.continue_`
        with the header either: Chromium then carries the overridden header along redirects, even to
        other origins. Instead Playwright fetches Grafana's requests itself with redirects switched off
        and hands the answer to the page; a redirect reaches the browser as a redirect, and the next
        request is judged on its own origin like any other.
        """
        grafana = origin_of(self.request.grafana_url)
        authorization = f"Bearer {token.reveal()}"

        def is_grafana(url: str) -> bool:
            return origin_of(url) == grafana

        def sign(route: Route, request: Request) -> None:
            try:
                if not is_grafana(request.url):
                    route.continue_()
                    return
                budget = self._remaining_ms(self.deadline)
                if budget <= 0:
                    route.abort("timedout")
                    return
                headers = {**request.headers, "authorization": authorization}
                response = route.fetch(headers=headers, max_redirects=0, timeout=budget)
                route.fulfill(response=response)
            except PlaywrightError:
                # The request failed or the page went away: let the page see a failed request, never hang it.
                with suppress(PlaywrightError):
                    route.abort("failed")

        context.route(is_grafana, sign)

    def _load(self) -> None:
        # Navigating from JavaScript returns at once; page.goto would block until load with no way to
        # notice a shutdown in between.
        self.page.evaluate("(url) => { window.location.href = url; }", self.url)
        since = time.monotonic()
        while True:
            self._check_stop()
            if self.watch.nav_failure:
                raise CaptureError(
                    f"Could not load {self.url} ({self.watch.nav_failure}); "
                    "check GRAFANA_BASE_URL and that Grafana is running"
                )
            remaining = self._remaining_ms(self.deadline)
            if remaining <= 0:
                raise self._timeout("the page to load", since, self.deadline)
            try:
                self.page.wait_for_url(
                    lambda url: url != "about:blank", wait_until="load", timeout=max(1, min(_SLICE_MS, remaining))
                )
                break
            except PlaywrightTimeoutError:
                continue
        if self.watch.nav_failure:
            raise CaptureError(
                f"Could not load {self.url} ({self.watch.nav_failure}); check GRAFANA_BASE_URL and that Grafana is running"
            )
        status = self.watch.nav_status
        if status in (401, 403):
            raise CaptureAuthError(f"Grafana answered HTTP {status} for {self.url}; {_ACCESS_HINT}")
        if status is not None and status >= 400:
            raise CaptureError(
                f"Grafana answered HTTP {status} for {self.url}; check the dashboard exists and Grafana is healthy"
            )
        if urlsplit(self.page.url).path.rstrip("/").endswith("/login"):
            raise CaptureAuthError(
                f"Grafana sent the browser to its login page for {self.url}: it did not accept the token; {_ACCESS_HINT}"
            )

    def _wait_ready(self, deadline: float, label: str) -> None:
        """Grafana's running queries at zero, then (best effort, up to SETTLE_CAP_MS) no DOM mutation and
        no request in flight for SETTLE_QUIET_MS. A page that never went quiet once (a clock, a live
        panel) gets only SETTLE_QUIET_MS of that courtesy per frame, not the whole cap again."""
        since = time.monotonic()
        cap_ms = SETTLE_QUIET_MS if self.restless else SETTLE_CAP_MS
        settle_cap = min(deadline, since + cap_ms / 1000)
        while True:
            self._check_stop()
            now = time.monotonic()
            settled_enough = now >= settle_cap
            remaining = self._remaining_ms(deadline)
            if remaining <= 0:
                # Out of time: accept a page whose queries are done even if it never went quiet.
                try:
                    self.page.wait_for_function(_READY_JS, arg=[0, UNDEFINED_COUNT_GRACE_MS], timeout=100)
                    return
                except PlaywrightTimeoutError:
                    raise self._timeout(f"{label}Grafana's running queries to finish", since, deadline) from None
            quiet_ms = 0 if settled_enough else SETTLE_QUIET_MS
            try:
                self.page.wait_for_function(
                    _READY_JS,
                    arg=[quiet_ms, UNDEFINED_COUNT_GRACE_MS],
                    polling=50,
                    timeout=max(1, min(_SLICE_MS, remaining)),
                )
            except PlaywrightTimeoutError:
                continue
            if settled_enough or self.watch.network_quiet_ms() >= SETTLE_QUIET_MS:
                if settled_enough and not self.restless:
                    self.restless = True
                    log.info("%s%s kept changing for %d ms; capturing it anyway", label, self.url, cap_ms)
                return
            self.page.wait_for_timeout(50)

    # -- the tour -------------------------------------------------------------------------------------

    def _show(self, step: TourStep) -> None:
        centre = self.page.evaluate(_SHOW_JS, [step.scroll_top, step.panel])
        if centre:
            self.page.mouse.move(centre["x"], centre["y"])
        else:
            # Park the pointer in the page margin so no panel shows a hover state in a plain view.
            self.page.mouse.move(1, 1)

    def _panel_errors(self, known: list[str]) -> list[str]:
        found = list(known)
        for item in self.page.evaluate(_PANEL_ERRORS_JS):
            title = str(item.get("title") or "") or "untitled panel"
            message = " ".join(str(item.get("message") or "").split())[:200]
            entry = f"{title}: {message}" if message else title
            if entry not in found:
                found.append(entry)
        return found


def capture_page(
    browser: Browser,
    request: CaptureRequest,
    settings: CaptureSettings,
    *,
    deadline: float,
    stop: threading.Event,
    on_frame: Callable[[bytes], None] | None = None,
) -> PageCapture:
    """Capture `request`'s dashboard in a fresh context of `browser` (closed afterwards).

    `on_frame` gets each frame's PNG as soon as it is taken, so the caller can process it while the
    next one is being captured. Raises CaptureTimeout when a wait runs out, BrowserCrashed when Chromium or the tab died (the caller
    retries on a fresh browser), CaptureError for anything else; no message ever holds the token.
    """
    return _Capture(browser, request, settings, deadline=deadline, stop=stop, on_frame=on_frame).run()
