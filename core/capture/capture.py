"""The capture service: one long-lived Chromium owned by one thread, turning dashboards into GIF previews.

Playwright's sync API is bound to the thread that started it, and one browser with a fresh context per
capture is far cheaper than a browser per capture; so every capture is queued to a single thread that
owns the browser, and callers on any thread get a Future. The browser is replaced after
`recycle_after` captures (Chromium's memory only grows, grafana-image-renderer#269) and after a crash,
and a capture lost to a crash is retried once on the fresh browser.
"""

from __future__ import annotations

import io
import logging
import queue
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass

from PIL import Image
from playwright.sync_api import Browser, Playwright, sync_playwright

from core.capture.browser import find_chromium, launch_chromium
from core.capture.capture_errors import BrowserCrashed, BrowserUnavailable, CaptureError
from core.capture.capture_types import CaptureRequest, CaptureResult, CaptureSettings
from core.capture.dashboard_page import PageCapture, capture_page
from core.capture.frames import count_distinct, frame_digest, is_blank, scale_to_width
from core.capture.gif import encode_gif, gif_path, write_atomically

__all__ = ["CaptureRequest", "CaptureResult", "CaptureService", "CaptureSettings"]

log = logging.getLogger(__name__)

_STOPPED = "The capture service stopped before this capture ran; it will be retried later"


@dataclass
class _Job:
    request: CaptureRequest
    future: Future[CaptureResult]


@dataclass(frozen=True)
class _Frame:
    scaled: Image.Image
    full: Image.Image | None
    digest: str
    blank: bool


def _prepare_frame(png: bytes, *, gif_width: int, keep_full: bool) -> _Frame:
    full = Image.open(io.BytesIO(png)).convert("RGB")
    scaled = scale_to_width(full, gif_width)
    return _Frame(scaled, full if keep_full else None, frame_digest(png), is_blank(scaled))


class CaptureService:
    """Queue captures with `capture()` from any thread; `close()` when done (or use `with`)."""

    def __init__(self, settings: CaptureSettings) -> None:
        self._settings = settings
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._ready: Future[None] | None = None
        self._closed = False
        # Owned by the capture thread; read elsewhere only as plain ints for status and tests.
        self._browser: Browser | None = None
        self._captures_on_browser = 0
        self._launches = 0
        self._executable = ""

    # -- public API -----------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the capture thread and its browser; raises BrowserUnavailable (and closes the service)
        when Chromium cannot be found or started. Called by `capture()` when needed."""
        with self._lock:
            if self._closed:
                raise CaptureError("The capture service is closed")
            if self._ready is None:
                self._ready = Future()
                self._thread = threading.Thread(
                    target=self._run, args=(self._ready,), name="edabot-capture", daemon=True
                )
                self._thread.start()
            ready = self._ready
        try:
            ready.result()
        except BaseException:
            self.close()
            raise

    def capture(self, request: CaptureRequest) -> Future[CaptureResult]:
        """Queue one capture; the Future holds its CaptureResult or raises a CaptureError."""
        request.dashboard_url()  # reject a malformed Grafana URL here, in the caller's thread
        self.start()
        future: Future[CaptureResult] = Future()
        with self._lock:
            if self._closed:
                raise CaptureError("The capture service is closed")
            self._jobs.put(_Job(request, future))
        return future

    def close(self, timeout_s: float = 10.0) -> None:
        """Stop the thread and the browser. A capture in progress is cancelled within a fraction of a
        second; queued ones fail with CaptureError."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
        self._stop.set()
        self._jobs.put(None)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)
        self._fail_queued()
        if thread is not None and thread.is_alive():
            # The drain above may have taken the stop marker: give the thread another one.
            self._jobs.put(None)
            log.warning("the capture thread did not stop within %.0f s; it will exit when its capture ends", timeout_s)

    def __enter__(self) -> CaptureService:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def browser_launches(self) -> int:
        """How many browsers this service has started (1 + recycles + crash replacements)."""
        return self._launches

    @property
    def queue_depth(self) -> int:
        return self._jobs.qsize()

    # -- the capture thread ---------------------------------------------------------------------------

    def _run(self, ready: Future[None]) -> None:
        try:
            playwright = sync_playwright().start()
        except Exception as exc:
            ready.set_exception(BrowserUnavailable(f"Playwright could not start: {exc}", path=None))
            return
        try:
            try:
                self._executable = find_chromium(
                    self._settings.chromium_path, playwright_browser=lambda: playwright.chromium.executable_path
                )
                self._launch(playwright)
            except BrowserUnavailable as exc:
                ready.set_exception(exc)
                return
            except Exception as exc:
                ready.set_exception(
                    BrowserUnavailable(
                        f"Chromium at {self._executable or '(not found)'} would not start: {exc}",
                        path=self._executable or None,
                    )
                )
                return
            ready.set_result(None)
            # Decoding and scaling a 1080p frame takes ~50 ms; a helper thread does it while the next
            # frame is captured (Pillow and the browser pipe both release the GIL).
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="edabot-frames") as frames:
                self._serve(playwright, frames)
        finally:
            if not ready.done():  # whatever happened, start() must not wait forever
                ready.set_exception(CaptureError("The capture thread stopped while starting"))
            self._fail_queued()
            self._discard_browser()
            with suppress(Exception):
                playwright.stop()

    def _serve(self, playwright: Playwright, frames: ThreadPoolExecutor) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            if not job.future.set_running_or_notify_cancel():
                continue
            if self._stop.is_set():
                job.future.set_exception(CaptureError(_STOPPED))
                continue
            try:
                result = self._capture_with_retry(playwright, frames, job.request)
            except CaptureError as exc:
                job.future.set_exception(exc)
            except Exception as exc:
                log.exception("capture of %s failed unexpectedly", job.request.dashboard_url())
                job.future.set_exception(exc)
            else:
                job.future.set_result(result)
            self._captures_on_browser += 1
            if self._captures_on_browser >= self._settings.recycle_after and not self._stop.is_set():
                # Replace it now, while idle, so the next capture finds a warm browser.
                log.info("recycling the browser after %d captures", self._captures_on_browser)
                self._discard_browser()
                with suppress(BrowserUnavailable):
                    self._launch(playwright)

    def _launch(self, playwright: Playwright) -> Browser:
        browser = launch_chromium(playwright, self._executable)
        self._browser = browser
        self._captures_on_browser = 0
        self._launches += 1
        log.info("started Chromium %s from %s", browser.version, self._executable)
        return browser

    def _discard_browser(self) -> None:
        browser, self._browser = self._browser, None
        if browser is not None:
            with suppress(Exception):
                browser.close()

    def _capture_with_retry(
        self, playwright: Playwright, executor: ThreadPoolExecutor, request: CaptureRequest
    ) -> CaptureResult:
        started = time.monotonic()
        for attempt in (1, 2):
            prepared: list[Future[_Frame]] = []

            def prepare(png: bytes, prepared: list[Future[_Frame]] = prepared) -> None:
                prepared.append(
                    executor.submit(
                        _prepare_frame, png, gif_width=self._settings.gif_width, keep_full=request.keep_frames
                    )
                )

            browser = self._browser
            if browser is None or not browser.is_connected():
                self._discard_browser()
                browser = self._launch(playwright)
            # A retry gets a full budget of its own: what the crash ate was not the dashboard's fault.
            deadline = time.monotonic() + self._settings.timeout_ms / 1000
            try:
                page = capture_page(
                    browser, request, self._settings, deadline=deadline, stop=self._stop, on_frame=prepare
                )
            except BrowserCrashed as exc:
                self._discard_browser()
                if attempt == 2 or self._stop.is_set():
                    raise BrowserCrashed(f"{exc} (twice; giving up for now)") from None
                log.warning("%s; retrying once on a fresh browser", exc)
                continue
            frames = [future.result() for future in prepared]
            return self._write_preview(request, page, frames, started=started, attempts=attempt)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _write_preview(
        self, request: CaptureRequest, page: PageCapture, frames: list[_Frame], *, started: float, attempts: int
    ) -> CaptureResult:
        settings = self._settings
        blank = [i for i, frame in enumerate(frames) if frame.blank]
        encoded = encode_gif(
            [frame.scaled for frame in frames], frame_delay_ms=settings.frame_delay_ms, width=settings.gif_width
        )
        path = gif_path(settings.output_dir, request.dashboard_uid)
        try:
            write_atomically(path, encoded.data)
        except OSError as exc:
            raise CaptureError(
                f"Could not write the preview {path} ({exc.strerror or exc}); check GIF_CAPTURE_DIR "
                "exists, is writable and has free space"
            ) from exc
        result = CaptureResult(
            path=path,
            bytes=len(encoded.data),
            frame_count=encoded.frame_count,
            distinct_frames=count_distinct(frame.digest for frame in frames),
            duration_s=time.monotonic() - started,
            blank_frames=blank,
            panel_errors=page.panel_errors,
            url=page.url,
            attempts=attempts,
            tour=page.tour,
            frames=[frame.full for frame in frames if frame.full is not None],
        )
        if result.ok:
            log.info(
                "captured %s: %d frames (%s tour), %d bytes in %.1f s",
                page.url,
                result.frame_count,
                page.tour,
                result.bytes,
                result.duration_s,
            )
        else:
            log.warning(
                "captured %s with problems: %d blank frames, panel errors %s",
                page.url,
                len(blank),
                page.panel_errors,
            )
        return result

    def _fail_queued(self) -> None:
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            if job is not None and job.future.set_running_or_notify_cancel():
                job.future.set_exception(CaptureError(_STOPPED))
