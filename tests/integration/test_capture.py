"""Dashboard previews with a real Chromium against Grafana-like pages served on loopback.

The "Grafana" server serves dashboards that behave like Grafana's scenes: `window.__grafanaSceneContext`
appears after a moment, `window.__grafanaRunningQueryCount` counts panel queries (real POSTs to
`/api/ds/query` answered after a delay) down to zero, and panels draw only when their query returns.
A second server on another port stands for any other origin a dashboard may load from. Both record
every request's headers, so the tests can see where the token went.
"""

from __future__ import annotations

import io
import itertools
import json
import logging
import os
import signal
import threading
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from PIL import Image, ImageSequence

from core.capture import browser as browser_module
from core.capture.browser import find_chromium
from core.capture.capture import CaptureRequest, CaptureResult, CaptureService, CaptureSettings
from core.capture.capture_errors import BrowserUnavailable, CaptureAuthError, CaptureError, CaptureTimeout
from core.secret import Secret

TOKEN = "glsa_test_SECRET_9f8e7d6c5b4a3210"
VIEW_W, VIEW_H = 640, 360
GIF_W = 320
FRAMES = 4
LOADING = (0, 229, 255)  # the colour of a panel still waiting for its query: must never be captured
LAZY_DONE = (255, 0, 255)  # the colour the lazy bottom panel draws once its query returned


# -- loopback servers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    authorization: str | None


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a browser hanging up mid-answer (its context closed) is normal here


class Loopback:
    """A threaded HTTP server on 127.0.0.1 that records each request and answers through `route`."""

    def __init__(self, route: object) -> None:
        self.seen: list[Seen] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                outer.seen.append(Seen(self.command, self.path, self.headers.get("Authorization")))
                status, headers, body = route(self.command, self.path)  # type: ignore[operator]
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _handle

            def log_message(self, *_args: object) -> None:
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def paths(self) -> list[str]:
        return [s.path for s in self.seen]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, format="PNG")
    return buffer.getvalue()


# Panels on a two-column grid; each draws its own bars once its query returns, so every panel (and so
# every part of the page) looks different. `lazy` panels load only when scrolled into view, like
# Grafana without `preload`.
DASHBOARD_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>__TITLE__</title>
<style>
  body { margin: 0; background: #111217; color: #ccccdc; font: 13px sans-serif; }
  .grid { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; padding: 8px; }
  section { background: #181b1f; border: 1px solid #2c3235; height: __PANEL_H__px; position: relative; }
  section.wide { grid-column: 1 / 3; }
  h2 { margin: 0; padding: 4px 8px; font-size: 13px; font-weight: 500; }
  .body { position: absolute; inset: 28px 8px 8px 8px; }
  .loading { position: absolute; left: 40%; top: 30%; width: 40px; height: 40px; background: #00e5ff; }
  .err { color: #f2495c; }
</style></head>
<body>
<div class="grid" id="grid"></div>
<img src="__OTHER__/pixel.png" width="8" height="8" alt="">
<img src="/redirect-out" width="8" height="8" alt="">
<script>
const PANELS = __PANELS__;
const MODE = "__MODE__";
let seed = 11;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const grid = document.getElementById('grid');
const COLOURS = ['#73bf69', '#f2cc0c', '#5794f2', '#ff9830', '#b877d9', '#f2495c'];
function draw(p, el) {
  const body = el.querySelector('.body');
  if (p.error) {
    body.innerHTML = '<div class="err" data-testid="data-testid Panel data error message">' + p.error + '</div>';
    el.querySelector('h2').insertAdjacentHTML('beforeend',
      ' <button data-testid="data-testid Panel status error" aria-label="Panel status">!</button>');
    return;
  }
  if (p.lazy) { body.innerHTML = '<div style="background:#ff00ff;height:100%"></div>'; return; }
  const w = body.clientWidth, h = body.clientHeight;
  let bars = '';
  for (let i = 0; i < 12; i++) {
    const bh = (0.2 + 0.8 * rnd()) * (h - 10);
    bars += '<rect x="' + (i * w / 12 + 2) + '" y="' + (h - bh) + '" width="' + (w / 12 - 4) + '" height="' + bh +
            '" fill="' + COLOURS[p.id % COLOURS.length] + '"/>';
  }
  body.innerHTML = '<svg width="' + w + '" height="' + h + '">' + bars + '</svg>';
}
function query(p, el) {
  window.__grafanaRunningQueryCount++;
  fetch('/api/ds/query?delay=' + p.delay, { method: 'POST', body: '{}' })
    .then((r) => r.json())
    .then(() => draw(p, el))
    .finally(() => { window.__grafanaRunningQueryCount--; });
}
if (MODE === 'ticking') {
  // A clock that never stops changing the DOM, as a live panel would.
  const clock = document.createElement('div');
  document.body.prepend(clock);
  setInterval(() => { clock.textContent = 'now ' + performance.now().toFixed(0); }, 50);
}
setTimeout(() => {
  window.__grafanaRunningQueryCount = MODE === 'never' ? 1 : 0;
  if (MODE !== 'noscene') window.__grafanaSceneContext = { state: {} };
  if (MODE === 'blank') return;
  for (const p of PANELS) {
    const el = document.createElement('section');
    if (p.wide) el.className = 'wide';
    el.setAttribute('data-viz-panel-key', 'panel-' + p.id);
    el.setAttribute('data-testid', 'data-testid Panel header ' + p.title);
    el.innerHTML = '<h2>' + p.title + '</h2><div class="body"><div class="loading"></div></div>';
    grid.appendChild(el);
    if (p.lazy) {
      const seen = new IntersectionObserver((entries) => {
        if (entries.some((e) => e.isIntersecting)) { seen.disconnect(); query(p, el); }
      });
      seen.observe(el);
    } else {
      query(p, el);
    }
  }
}, 100);
</script></body></html>
"""

TALL = [
    {"id": 1, "title": "WNS", "delay": 150},
    {"id": 2, "title": "TNS", "delay": 250},
    {"id": 3, "title": "Violating paths", "delay": 200},
    {"id": 4, "title": "Slack histogram", "delay": 300},
    {"id": 5, "title": "Area", "delay": 100},
    {"id": 6, "title": "Power", "delay": 120},
    {"id": 7, "title": "Late panel", "delay": 400, "lazy": True, "wide": True},
]
FITS = [
    {"id": 1, "title": "WNS", "delay": 150},
    {"id": 2, "title": "TNS", "delay": 250},
    {"id": 3, "title": "Worst paths", "delay": 200, "wide": True},
]
WITH_ERROR = [
    {"id": 1, "title": "WNS", "delay": 150},
    {"id": 2, "title": "TNS", "delay": 100},
    {"id": 3, "title": "Worst paths", "delay": 200, "wide": True, "error": 'relation "timing" does not exist'},
]
SLOW = [{"id": 1, "title": "Slow", "delay": 1000}, {"id": 2, "title": "Slower", "delay": 1000}]

# uid -> (panels, panel height, mode)
DASHBOARDS: dict[str, tuple[list[dict[str, object]], int, str]] = {
    "tall": (TALL, 200, "normal"),
    "fits": (FITS, 140, "normal"),
    "errors": (WITH_ERROR, 140, "normal"),
    "blank": ([], 100, "blank"),
    "never": (FITS, 140, "never"),
    "noscene": (FITS, 140, "noscene"),
    "slow": (SLOW, 140, "normal"),
    "ticking": (FITS, 140, "ticking"),
}


@pytest.fixture(scope="module")
def other() -> Iterator[Loopback]:
    server = Loopback(lambda method, path: (200, {"Content-Type": "image/png"}, _png((40, 40, 40))))
    yield server
    server.close()


@pytest.fixture(scope="module")
def grafana(other: Loopback) -> Iterator[Loopback]:
    def route(method: str, path: str) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(path)
        if parts.path == "/api/ds/query" and method == "POST":
            time.sleep(int(parse_qs(parts.query).get("delay", ["100"])[0]) / 1000)
            return 200, {"Content-Type": "application/json"}, b'{"results":{}}'
        if parts.path == "/redirect-out":
            return 302, {"Location": f"{other.origin}/after-redirect.png"}, b""
        if parts.path == "/d/unauthorized":
            return 401, {"Content-Type": "application/json"}, b'{"message":"invalid API key"}'
        uid = parts.path.removeprefix("/d/")
        if parts.path.startswith("/d/") and uid in DASHBOARDS:
            panels, height, mode = DASHBOARDS[uid]
            page = (
                DASHBOARD_PAGE.replace("__PANELS__", json.dumps(panels))
                .replace("__PANEL_H__", str(height))
                .replace("__MODE__", mode)
                .replace("__OTHER__", other.origin)
                .replace("__TITLE__", uid)
            )
            return 200, {"Content-Type": "text/html; charset=utf-8"}, page.encode()
        return 404, {"Content-Type": "text/plain"}, b"not found"

    server = Loopback(route)
    yield server
    server.close()


# -- capture services ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> str:
    try:
        return find_chromium(os.environ.get("CHROMIUM_PATH") or None)
    except BrowserUnavailable as exc:
        pytest.skip(f"no Chromium to capture with: {exc}")


def _settings(tmp: Path, chromium: str, **overrides: object) -> CaptureSettings:
    values: dict[str, object] = {
        "width": VIEW_W,
        "height": VIEW_H,
        "frames": FRAMES,
        "frame_delay_ms": 200,
        "timeout_ms": 15_000,
        "gif_width": GIF_W,
        "chromium_path": chromium,
        "output_dir": tmp,
        "frame_timeout_ms": 5_000,
    }
    values.update(overrides)
    return CaptureSettings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def service(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CaptureService]:
    with CaptureService(_settings(tmp_path_factory.mktemp("gifs"), chromium)) as svc:
        yield svc


def _request(grafana: Loopback, uid: str, **extra: object) -> CaptureRequest:
    return CaptureRequest(grafana.origin, uid, token=Secret(TOKEN), **extra)  # type: ignore[arg-type]


def _has_colour(image: Image.Image, colour: tuple[int, int, int], tolerance: int = 12) -> bool:
    pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    return bool((np.abs(pixels - np.array(colour)) <= tolerance).all(axis=2).any())


def _gif_frames(path: Path) -> list[Image.Image]:
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.info.get("loop") == 0, "the preview must loop forever"
        return [frame.copy() for frame in ImageSequence.Iterator(gif)]


def _durations(path: Path) -> list[int]:
    with Image.open(path) as gif:
        return [frame.info["duration"] for frame in ImageSequence.Iterator(gif)]


# -- the tests ----------------------------------------------------------------------------------------


def test_tall_dashboard_becomes_a_touring_gif_of_rendered_panels(service: CaptureService, grafana: Loopback) -> None:
    result = service.capture(_request(grafana, "tall", keep_frames=True)).result(timeout=30)

    assert result.ok, (result.blank_frames, result.panel_errors)
    assert result.path.is_file() and result.path.stat().st_size == result.bytes
    assert result.path.name == "tall.gif"
    frames = _gif_frames(result.path)
    assert len(frames) == result.frame_count == FRAMES
    assert frames[0].size[0] == GIF_W
    assert frames[0].size[1] == round(VIEW_H * GIF_W / VIEW_W)
    assert _durations(result.path) == [200] * FRAMES
    assert result.distinct_frames >= 3
    assert "scroll" in result.tour
    # Waited for every query: no frame shows a panel still loading, and the lazy panel at the bottom,
    # which only starts its query once scrolled into view, is drawn in the last frame.
    assert not any(_has_colour(frame, LOADING) for frame in result.frames)
    assert _has_colour(result.frames[-1], LAZY_DONE)
    assert not _has_colour(result.frames[0], LAZY_DONE)


def test_dashboard_that_fits_spotlights_its_panels(service: CaptureService, grafana: Loopback) -> None:
    result = service.capture(_request(grafana, "fits")).result(timeout=30)

    assert result.ok
    assert result.tour == "spotlight"
    assert result.frame_count == FRAMES
    assert result.distinct_frames >= 3
    frames = _gif_frames(result.path)
    for before, after in itertools.pairwise(frames):
        assert np.asarray(before.convert("RGB")).tobytes() != np.asarray(after.convert("RGB")).tobytes()


def test_token_goes_to_grafana_only_and_never_into_logs(
    service: CaptureService, grafana: Loopback, other: Loopback, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    grafana_before, other_before = len(grafana.seen), len(other.seen)

    result = service.capture(_request(grafana, "fits")).result(timeout=30)

    assert result.ok
    to_grafana = grafana.seen[grafana_before:]
    to_other = other.seen[other_before:]
    assert {s.path for s in to_grafana} >= {"/d/fits?kiosk", "/redirect-out", "/api/ds/query?delay=150"}
    assert all(s.authorization == f"Bearer {TOKEN}" for s in to_grafana), to_grafana
    # The other origin was asked directly and through Grafana's redirect, and never saw the token.
    assert {s.path for s in to_other} == {"/pixel.png", "/after-redirect.png"}
    assert all(s.authorization is None for s in to_other), to_other
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(result)


def test_org_id_is_passed_in_the_url(service: CaptureService, grafana: Loopback) -> None:
    result = service.capture(_request(grafana, "fits", org_id=3)).result(timeout=30)

    assert result.url == f"{grafana.origin}/d/fits?kiosk&orgId=3"
    assert "/d/fits?kiosk&orgId=3" in grafana.paths()


def test_a_page_that_never_stops_changing_is_captured_without_waiting_forever(
    service: CaptureService, grafana: Loopback
) -> None:
    result = service.capture(_request(grafana, "ticking")).result(timeout=30)

    assert result.ok
    assert result.frame_count == FRAMES
    # The full settle cap (3 s) once, then a short one per frame; never the cap on every frame (15 s).
    assert result.duration_s < 3 + FRAMES * 1.0


def test_panel_errors_are_reported_by_title(service: CaptureService, grafana: Loopback) -> None:
    result = service.capture(_request(grafana, "errors")).result(timeout=30)

    assert not result.ok
    assert result.panel_errors == ['Worst paths: relation "timing" does not exist']
    assert result.blank_frames == []
    assert result.path.is_file()  # kept for inspection; the caller decides not to post it


def test_blank_page_is_reported_not_passed_off_as_a_preview(service: CaptureService, grafana: Loopback) -> None:
    result = service.capture(_request(grafana, "blank")).result(timeout=30)

    assert not result.ok
    assert result.blank_frames == list(range(FRAMES))
    assert result.tour == "still"
    assert result.distinct_frames == 1
    assert result.frame_count == 1  # identical frames are stored once


def test_http_error_from_grafana_fails_fast_with_the_status(service: CaptureService, grafana: Loopback) -> None:
    started = time.monotonic()
    with pytest.raises(CaptureAuthError, match="HTTP 401") as caught:
        service.capture(_request(grafana, "unauthorized")).result(timeout=30)

    assert not isinstance(caught.value, CaptureTimeout)
    assert "GRAFANA_CAPTURE_TOKEN" in str(caught.value) and "Viewer" in str(caught.value)
    assert TOKEN not in str(caught.value)
    assert time.monotonic() - started < 5


def test_concurrent_captures_from_many_threads_all_complete(service: CaptureService, grafana: Loopback) -> None:
    uids = ["fits", "errors", "blank"]
    futures: dict[str, Future[CaptureResult]] = {}

    def submit(uid: str) -> None:
        futures[uid] = service.capture(_request(grafana, uid))

    threads = [threading.Thread(target=submit, args=(uid,)) for uid in uids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results = {uid: future.result(timeout=60) for uid, future in futures.items()}

    assert {uid: r.path.name for uid, r in results.items()} == {uid: f"{uid}.gif" for uid in uids}
    assert results["fits"].ok
    assert results["errors"].panel_errors
    assert results["blank"].blank_frames


def _assert_secret_free(exc: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    text = "".join(traceback.format_exception(exc))
    assert TOKEN not in text
    assert TOKEN not in repr(exc)
    assert TOKEN not in caplog.text


def test_timeouts_name_the_wait_and_come_quickly(
    chromium: str, grafana: Loopback, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # 2.5 s: enough for a fresh browser's first page load on a busy machine, small enough to be quick.
    with CaptureService(_settings(tmp_path, chromium, timeout_ms=2500)) as svc:
        with pytest.raises(CaptureTimeout) as noscene:
            svc.capture(_request(grafana, "noscene")).result(timeout=30)
        started = time.monotonic()
        with pytest.raises(CaptureTimeout) as never:
            svc.capture(_request(grafana, "never")).result(timeout=30)
        elapsed = time.monotonic() - started

    assert elapsed < 4
    assert never.value.wait == "Grafana's running queries to finish"
    assert f"{grafana.origin}/d/never?kiosk" in str(never.value)
    assert "__grafanaSceneContext" in noscene.value.wait
    _assert_secret_free(never.value, caplog)
    _assert_secret_free(noscene.value, caplog)


def test_browser_is_recycled_after_n_captures_and_keeps_working(
    chromium: str, grafana: Loopback, tmp_path: Path
) -> None:
    with CaptureService(_settings(tmp_path, chromium, frames=2, recycle_after=2)) as svc:
        results = [svc.capture(_request(grafana, "fits")).result(timeout=30) for _ in range(3)]
        launches = svc.browser_launches

    assert all(r.ok for r in results)
    assert launches == 2  # the first browser, then a fresh one after capture 2


def _browser_pids() -> set[int]:
    """Main Chromium processes descended from this test process (not renderers or helpers)."""
    me = os.getpid()
    parents: dict[int, int] = {}
    browsers: set[int] = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
        if b"--remote-debugging-pipe" in cmdline and not any(arg.startswith(b"--type=") for arg in cmdline):
            browsers.add(int(entry))

    def descends(pid: int) -> bool:
        while pid > 1:
            pid = parents.get(pid, 0)
            if pid == me:
                return True
        return False

    return {pid for pid in browsers if descends(pid)}


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the browser process through /proc")
def test_capture_survives_a_browser_crash_by_retrying_on_a_fresh_browser(
    chromium: str, grafana: Loopback, tmp_path: Path
) -> None:
    before = _browser_pids()
    with CaptureService(_settings(tmp_path, chromium, frames=2)) as svc:
        ours = _browser_pids() - before
        assert len(ours) == 1
        seen = len(grafana.seen)
        future = svc.capture(_request(grafana, "slow"))
        deadline = time.monotonic() + 10
        while "/d/slow?kiosk" not in grafana.paths()[seen:] and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)  # inside the wait for its 1 s queries
        os.kill(ours.pop(), signal.SIGKILL)
        result = future.result(timeout=30)
        launches = svc.browser_launches

    assert result.ok and result.attempts == 2
    assert launches == 2


def test_close_cancels_a_running_capture_within_seconds(chromium: str, grafana: Loopback, tmp_path: Path) -> None:
    svc = CaptureService(_settings(tmp_path, chromium, timeout_ms=60_000))
    svc.start()
    seen = len(grafana.seen)
    running = svc.capture(_request(grafana, "never"))
    queued = svc.capture(_request(grafana, "fits"))
    deadline = time.monotonic() + 10
    while "/d/never?kiosk" not in grafana.paths()[seen:] and time.monotonic() < deadline:
        time.sleep(0.02)

    started = time.monotonic()
    svc.close()

    assert time.monotonic() - started < 5
    with pytest.raises(CaptureError, match="shutting down"):
        running.result(timeout=1)
    with pytest.raises(CaptureError, match="stopped before this capture ran"):
        queued.result(timeout=1)
    with pytest.raises(CaptureError, match="closed"):
        svc.capture(_request(grafana, "fits"))


def test_missing_chromium_is_reported_with_the_path_and_the_fix(tmp_path: Path) -> None:
    svc = CaptureService(_settings(tmp_path, str(tmp_path / "no-chromium-here")))
    with pytest.raises(BrowserUnavailable) as caught:
        svc.start()

    message = str(caught.value)
    assert "CHROMIUM_PATH" in message and str(tmp_path / "no-chromium-here") in message
    assert "apt-get install chromium" in message
    assert caught.value.path == str(tmp_path / "no-chromium-here")


def _executable(path: Path) -> str:
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return str(path)


def test_find_chromium_prefers_chromium_path_then_playwright_then_debian(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configured = _executable(tmp_path / "my-chromium")
    bundled = _executable(tmp_path / "playwright-chrome")
    debian = _executable(tmp_path / "debian-chromium")
    monkeypatch.setattr(browser_module, "DEBIAN_CHROMIUM", debian)

    assert find_chromium(configured, playwright_browser=lambda: bundled) == configured
    assert find_chromium(None, playwright_browser=lambda: bundled) == bundled
    assert find_chromium(None, playwright_browser=lambda: str(tmp_path / "not-installed")) == debian
    assert find_chromium(None, playwright_browser=lambda: None) == debian


def test_find_chromium_refuses_a_bad_chromium_path_and_names_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_executable = tmp_path / "chromium"
    not_executable.write_text("")
    with pytest.raises(BrowserUnavailable, match="is not an executable file") as caught:
        find_chromium(str(not_executable), playwright_browser=lambda: None)
    assert caught.value.path == str(not_executable)

    monkeypatch.setattr(browser_module, "DEBIAN_CHROMIUM", str(tmp_path / "absent"))
    with pytest.raises(BrowserUnavailable) as nothing:
        find_chromium(None, playwright_browser=lambda: None)
    assert "CHROMIUM_PATH" in str(nothing.value) and "apt-get install chromium" in str(nothing.value)
