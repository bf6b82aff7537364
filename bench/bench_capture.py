"""Benchmark of dashboard previews: wall time per GIF and GIF size, with a warm browser.

    python bench/bench_capture.py [--runs 5] [--frames 10] [--delay 500] [--width 1920 --height 1080] [--verbose]
                                  [--writer-runs 15]

Serves a 6-panel Grafana-like dashboard on loopback (dark theme, stats, a time series, a table and a bar
chart, queries answered after 100-400 ms, taller than the screen), then captures it `--runs` times.
Figures printed: wall time per GIF against the floor CAPTURE_FRAMES x CAPTURE_FRAME_DELAY (target:
floor + 2 s), and GIF bytes against the same frames written by imageio's defaults at full size
(target: at most 40 % of that, and at most 2 MB). Then the last capture's frames are written again by the
product's writer (Pillow) and through imageio's Pillow plugin: size and median write time of each.
CHROMIUM_PATH picks the browser as in the bot.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from PIL import Image, ImageSequence

# Run as `python bench/bench_capture.py`: put the repo root first so `bench` is found.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.gif_writers import imageio_gif_bytes, naive_gif_bytes, pillow_l_gif_bytes
from core.capture.capture import CaptureRequest, CaptureService, CaptureSettings
from core.capture.gif import IndexedFrames, index_frames, pillow_gif_bytes
from core.secret import Secret

TOKEN = Secret("glsa_bench_token_not_a_secret_0123456789")

# Six panels on Grafana's 24-column grid (x, y, w, h in grid units of 30 px), like the timing template.
PANELS = [
    {"id": 1, "type": "stat", "title": "WNS (ns)", "x": 0, "y": 0, "w": 8, "h": 5, "delay": 120},
    {"id": 2, "type": "stat", "title": "TNS (ns)", "x": 8, "y": 0, "w": 8, "h": 5, "delay": 180},
    {"id": 3, "type": "stat", "title": "Violating paths", "x": 16, "y": 0, "w": 8, "h": 5, "delay": 150},
    {"id": 4, "type": "timeseries", "title": "Slack by run", "x": 0, "y": 5, "w": 24, "h": 12, "delay": 400},
    {"id": 5, "type": "table", "title": "Worst paths", "x": 0, "y": 17, "w": 14, "h": 16, "delay": 300},
    {"id": 6, "type": "barchart", "title": "Violations by group", "x": 14, "y": 17, "w": 10, "h": 16, "delay": 250},
]

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Timing - Grafana</title>
<style>
  body { margin: 0; background: #111217; color: #ccccdc; font: 13px/1.4 Inter, Helvetica, Arial, sans-serif; }
  .grid { position: relative; margin: 16px; }
  .panel { position: absolute; box-sizing: border-box; background: #181b1f; border: 1px solid #2c3235;
           border-radius: 2px; overflow: hidden; }
  .panel h2 { margin: 0; padding: 6px 8px; font-size: 14px; font-weight: 500; color: #ccccdc; }
  .body { position: absolute; top: 32px; left: 8px; right: 8px; bottom: 8px; }
  .spinner { position: absolute; left: 50%; top: 40%; width: 24px; height: 24px; border-radius: 50%;
             border: 3px solid #3d71d9; border-right-color: transparent; }
  .stat { font-size: 56px; font-weight: 500; text-align: center; margin-top: 12px; }
  table { width: 100%; border-collapse: collapse; font-size: 12px; }
  th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #2c3235; white-space: nowrap; }
  th { color: #6e9fff; font-weight: 500; }
  .neg { color: #f2495c; } .pos { color: #73bf69; }
</style></head>
<body><div class="grid" id="grid"></div>
<script>
const PANELS = __PANELS__;
const COLS = 24, ROW = 30, GAP = 8;
const grid = document.getElementById('grid');
const colW = (window.innerWidth - 32 + GAP) / COLS;
let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
window.__grafanaRunningQueryCount = 0;
let maxBottom = 0;
for (const p of PANELS) {
  const el = document.createElement('section');
  el.className = 'panel';
  el.setAttribute('data-viz-panel-key', 'panel-' + p.id);
  el.setAttribute('data-testid', 'data-testid Panel header ' + p.title);
  el.style.left = (p.x * colW) + 'px'; el.style.top = (p.y * (ROW + GAP)) + 'px';
  el.style.width = (p.w * colW - GAP) + 'px'; el.style.height = (p.h * (ROW + GAP) - GAP) + 'px';
  maxBottom = Math.max(maxBottom, (p.y + p.h) * (ROW + GAP));
  el.innerHTML = '<h2>' + p.title + '</h2><div class="body"><div class="spinner"></div></div>';
  grid.appendChild(el);
  p.el = el;
}
grid.style.height = maxBottom + 'px';

function svgOf(w, h, inner) {
  return '<svg width="' + w + '" height="' + h + '" xmlns="http://www.w3.org/2000/svg">' + inner + '</svg>';
}
function render(p, data) {
  const body = p.el.querySelector('.body');
  const w = body.clientWidth, h = body.clientHeight;
  if (p.type === 'stat') {
    const v = data.values[0];
    const color = v < 0 ? '#f2495c' : '#73bf69';
    let pts = data.values.map((y, i) => (i * w / (data.values.length - 1)) + ',' + (h - 10 - (y + 2) * 12)).join(' ');
    body.innerHTML = '<div class="stat" style="color:' + color + '">' + v.toFixed(3) + '</div>' +
      '<div style="position:absolute;left:0;right:0;bottom:0">' +
      svgOf(w, h, '<polyline fill="none" stroke="' + color + '" stroke-opacity="0.5" stroke-width="2" points="' + pts + '"/>') + '</div>';
  } else if (p.type === 'timeseries') {
    let inner = '';
    for (let g = 0; g <= 5; g++) {
      const y = 10 + g * (h - 40) / 5;
      inner += '<line x1="40" x2="' + w + '" y1="' + y + '" y2="' + y + '" stroke="#2c3235"/>' +
               '<text x="0" y="' + (y + 4) + '" fill="#8e8e8e" font-size="11">' + (1 - g * 0.4).toFixed(1) + '</text>';
    }
    const colors = ['#73bf69', '#f2cc0c', '#5794f2'];
    data.series.forEach((s, k) => {
      const pts = s.map((y, i) => (40 + i * (w - 40) / (s.length - 1)).toFixed(1) + ',' + (10 + (1 - y) / 2 * (h - 40)).toFixed(1)).join(' ');
      inner += '<polyline fill="none" stroke="' + colors[k] + '" stroke-width="1.5" points="' + pts + '"/>';
      inner += '<rect x="' + (50 + k * 120) + '" y="' + (h - 14) + '" width="14" height="4" fill="' + colors[k] + '"/>' +
               '<text x="' + (70 + k * 120) + '" y="' + (h - 8) + '" fill="#ccccdc" font-size="12">corner ' + (k + 1) + '</text>';
    });
    body.innerHTML = svgOf(w, h, inner);
  } else if (p.type === 'table') {
    let rows = '<tr><th>#</th><th>startpoint</th><th>endpoint</th><th>group</th><th>slack (ns)</th></tr>';
    data.rows.forEach((r, i) => {
      rows += '<tr><td>' + (i + 1) + '</td><td>' + r[0] + '</td><td>' + r[1] + '</td><td>' + r[2] +
              '</td><td class="' + (r[3] < 0 ? 'neg' : 'pos') + '">' + r[3].toFixed(3) + '</td></tr>';
    });
    body.innerHTML = '<table>' + rows + '</table>';
  } else {
    let inner = '';
    const n = data.bars.length, bw = (w - 20) / n;
    data.bars.forEach((b, i) => {
      const bh = b.value * (h - 40);
      inner += '<rect x="' + (10 + i * bw + 4) + '" y="' + (h - 24 - bh) + '" width="' + (bw - 8) + '" height="' + bh + '" fill="#ff9830" fill-opacity="0.8"/>' +
               '<text x="' + (10 + i * bw + 4) + '" y="' + (h - 8) + '" fill="#8e8e8e" font-size="11">' + b.name + '</text>';
    });
    body.innerHTML = svgOf(w, h, inner);
  }
}
function makeData(p) {
  if (p.type === 'stat') return { values: Array.from({ length: 30 }, () => rnd() * 3 - 2) };
  if (p.type === 'timeseries') return { series: [0, 1, 2].map(() => { let y = 0; return Array.from({ length: 120 }, () => (y = Math.max(-1, Math.min(1, y + rnd() * 0.2 - 0.1)))); }) };
  if (p.type === 'table') return { rows: Array.from({ length: 24 }, (_, i) => ['u_core/u_alu/reg_' + Math.floor(rnd() * 512) + '/CK', 'u_core/u_lsu/q_reg_' + Math.floor(rnd() * 64) + '/D', ['clk_core', 'clk_io', 'clk_mem'][i % 3], rnd() * 0.8 - 0.6]) };
  return { bars: ['setup', 'hold', 'recovery', 'removal', 'max_tran', 'max_cap'].map((name) => ({ name, value: rnd() })) };
}
// Like Grafana's scene: the context appears once the dashboard is built, then each panel runs a query.
setTimeout(() => {
  window.__grafanaSceneContext = { state: {} };
  for (const p of PANELS) {
    window.__grafanaRunningQueryCount++;
    fetch('/api/ds/query?panel=' + p.id + '&delay=' + p.delay, { method: 'POST', body: '{}' })
      .then((r) => r.json())
      .then(() => render(p, makeData(p)))
      .finally(() => { window.__grafanaRunningQueryCount--; });
  }
}, 100);
</script></body></html>
"""


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if urlsplit(self.path).path.startswith("/d/"):
            body = PAGE.replace("__PANELS__", json.dumps(PANELS)).encode()
            self._send(200, "text/html; charset=utf-8", body)
        else:
            self._send(404, "text/plain", b"not found")

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if parts.path == "/api/ds/query":
            delay = int(parse_qs(parts.query).get("delay", ["100"])[0])
            time.sleep(delay / 1000)
            self._send(200, "application/json", b'{"results":{"A":{"status":200,"frames":[]}}}')
        else:
            self._send(404, "text/plain", b"not found")

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def _compare_writers(frames: list[Image.Image], *, delay_ms: int, width: int, runs: int) -> None:
    """The same indexed frames through each writer, `runs` times, interleaved so load spikes hit all alike."""
    t0 = time.perf_counter()
    indexed: IndexedFrames = index_frames(frames, frame_delay_ms=delay_ms, width=width)
    index_s = time.perf_counter() - t0
    writers = {
        "Pillow (the product's writer)": pillow_gif_bytes,
        "imageio, Pillow plugin": imageio_gif_bytes,
        "Pillow, as imageio calls it ('L' frames + palette)": pillow_l_gif_bytes,
    }
    times: dict[str, list[float]] = {name: [] for name in writers}
    sizes: dict[str, int] = {}
    decoded: dict[str, bytes] = {}
    for _ in range(runs):
        for name, write in writers.items():
            t0 = time.perf_counter()
            data = write(indexed)
            times[name].append(time.perf_counter() - t0)
            sizes[name] = len(data)
            decoded[name] = _decoded(data)
    base = "Pillow (the product's writer)"
    base_ms = statistics.median(times[base]) * 1000
    print(
        f"GIF writer on the last capture's frames ({len(frames)} frames, {len(indexed.pixels)} distinct, "
        f"{width} px wide; indexing them {index_s * 1000:.0f} ms, once), median of {runs} writes:"
    )
    for name in writers:
        ms = statistics.median(times[name]) * 1000
        same = "same pixels" if decoded[name] == decoded[base] else "DIFFERENT pixels"
        print(
            f"  {name}: {sizes[name] / 1024:.1f} KiB ({sizes[name] / sizes[base]:.1%}), {ms:.1f} ms "
            f"({ms / base_ms:.2f}x), {same}"
        )


def _decoded(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as gif:
        return b"".join(frame.convert("RGB").tobytes() for frame in ImageSequence.Iterator(gif))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--frames", type=int, default=10)
    parser.add_argument("--delay", type=int, default=500, help="CAPTURE_FRAME_DELAY in ms")
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--gif-width", type=int, default=960)
    parser.add_argument("--verbose", action="store_true", help="log each capture's phases (load, render, frames)")
    parser.add_argument("--writer-runs", type=int, default=15, help="writes per GIF writer in the comparison")
    args = parser.parse_args()
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="  %(message)s")
        logging.getLogger("core.capture.dashboard_page").setLevel(logging.DEBUG)

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, name="bench-grafana", daemon=True).start()
    grafana = f"http://127.0.0.1:{server.server_port}"

    with tempfile.TemporaryDirectory(prefix="edabot-bench-") as out:
        settings = CaptureSettings(
            width=args.width,
            height=args.height,
            frames=args.frames,
            frame_delay_ms=args.delay,
            timeout_ms=120_000,
            gif_width=args.gif_width,
            chromium_path=os.environ.get("CHROMIUM_PATH") or None,
            output_dir=Path(out),
        )
        started = time.monotonic()
        with CaptureService(settings) as service:
            print(f"browser started in {time.monotonic() - started:.2f} s")
            request = CaptureRequest(grafana, "bench-timing", token=TOKEN, keep_frames=True)
            warm = service.capture(request).result()
            print(f"warm-up capture: {warm.duration_s:.2f} s, tour={warm.tour}, frames={warm.frame_count}")
            walls: list[float] = []
            sizes: list[int] = []
            last = warm
            for run in range(args.runs):
                t0 = time.monotonic()
                last = service.capture(request).result()
                wall = time.monotonic() - t0
                walls.append(wall)
                sizes.append(last.bytes)
                status = "ok" if last.ok else f"NOT ok: blank={last.blank_frames} errors={last.panel_errors}"
                print(
                    f"run {run + 1}: {wall:.2f} s, {last.bytes / 1024:.0f} KiB, {last.frame_count} frames "
                    f"({last.distinct_frames} distinct), {status}"
                )
        t0 = time.monotonic()
        naive = naive_gif_bytes(last.frames)
        naive_s = time.monotonic() - t0
        frames = list(last.frames)

    floor = args.frames * args.delay / 1000
    median, p95 = statistics.median(walls), _percentile(walls, 0.95)
    size = statistics.median(sizes)
    print()
    print(f"viewport {args.width}x{args.height}, {args.frames} frames x {args.delay} ms, GIF width {args.gif_width}")
    print(f"wall time per GIF: median {median:.2f} s, p95 {p95:.2f} s over {args.runs} runs")
    print(f"floor (frames x delay) {floor:.2f} s; target floor + 2 s = {floor + 2:.2f} s")
    print(
        f"  median / floor = {median / floor:.2f}; p95 - floor = {p95 - floor:+.2f} s "
        f"({'meets' if p95 <= floor + 2 else 'MISSES'} target)"
    )
    print(
        f"GIF bytes: median {size / 1024:.0f} KiB; naive imageio full-size {len(naive) / 1024:.0f} KiB "
        f"(encoded in {naive_s:.1f} s)"
    )
    ratio = size / len(naive)
    print(
        f"  ratio {ratio:.1%} of naive (target <= 40 %: {'meets' if ratio <= 0.4 else 'MISSES'}); "
        f"<= 2 MB: {'meets' if size <= 2 * 1024 * 1024 else 'MISSES'}"
    )
    print()
    _compare_writers(frames, delay_ms=args.delay, width=args.gif_width, runs=args.writer_runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
