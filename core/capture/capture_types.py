"""What a capture is asked to do and what it reports back."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from PIL import Image

from core.secret import Secret


@dataclass(frozen=True)
class CaptureSettings:
    """CAPTURE_WIDTH/HEIGHT (viewport), CAPTURE_FRAMES, CAPTURE_FRAME_DELAY (ms each frame is shown),
    CAPTURE_TIMEOUT (ms for one whole capture), GIF_WIDTH, CHROMIUM_PATH and GIF_CAPTURE_DIR.

    `recycle_after`: captures before the browser is replaced (Chromium's memory only grows).
    `frame_timeout_ms`: budget for one frame's waits and screenshot, within the capture's own budget.
    """

    width: int
    height: int
    frames: int
    frame_delay_ms: int
    timeout_ms: int
    gif_width: int
    chromium_path: str | None
    output_dir: Path
    recycle_after: int = 50
    frame_timeout_ms: int = 15_000

    def __post_init__(self) -> None:
        for name in ("width", "height", "frames", "timeout_ms", "gif_width", "recycle_after", "frame_timeout_ms"):
            if getattr(self, name) < 1:
                raise ValueError(f"capture setting {name} must be at least 1, got {getattr(self, name)}")
        if self.frame_delay_ms < 10:
            raise ValueError(
                f"CAPTURE_FRAME_DELAY must be at least 10 ms (GIF stores 1/100 s), got {self.frame_delay_ms}"
            )


@dataclass(frozen=True)
class CaptureRequest:
    """One dashboard to capture. `token` is sent only to `grafana_url`'s origin; `keep_frames` keeps the
    full-size frames in the result (benchmarks and diagnostics; costs ~6 MB per 1080p frame)."""

    grafana_url: str
    dashboard_uid: str
    token: Secret | None = None
    org_id: int | None = None
    keep_frames: bool = False

    def dashboard_url(self) -> str:
        """`<grafana>/d/<uid>?kiosk[&orgId=N]`: kiosk hides Grafana's navigation so the frames show only
        the dashboard. Never contains the token, so it is safe in logs and error messages."""
        parts = urlsplit(self.grafana_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"GRAFANA_BASE_URL must be an http(s) URL, got {self.grafana_url!r}")
        url = f"{self.grafana_url.rstrip('/')}/d/{quote(self.dashboard_uid, safe='')}?kiosk"
        if self.org_id is not None:
            url += f"&orgId={int(self.org_id)}"
        return url


@dataclass(frozen=True)
class CaptureResult:
    """A written preview and what was seen while capturing it.

    `frame_count` is the number of frames in the GIF (identical neighbours are merged);
    `distinct_frames` the number of different pictures captured; `duration_s` the wall time of the
    capture, browser work and GIF included; `blank_frames` the indices of nearly uniform frames;
    `panel_errors` one entry per failing panel ("Title: message" where Grafana shows a message);
    `attempts` is 2 when the first attempt was lost to a browser crash; `tour` says how frames were
    varied ("scroll", "highlight" or "still" when the page offered nothing to vary).
    """

    path: Path
    bytes: int
    frame_count: int
    distinct_frames: int
    duration_s: float
    blank_frames: list[int]
    panel_errors: list[str]
    url: str
    attempts: int
    tour: str
    frames: list[Image.Image] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        """False when any frame is blank or any panel failed: such a preview must not be posted as fine."""
        return not self.blank_frames and not self.panel_errors
