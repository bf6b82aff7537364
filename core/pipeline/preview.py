"""The pipeline's Previewer port on top of the capture service (one browser, one thread)."""

from __future__ import annotations

from core.pipeline.capture import CaptureService
from core.pipeline.capture_types import CaptureRequest
from core.pipeline.worker import PreviewResult
from core.secret import Secret


class CapturePreviewer:
    def __init__(
        self,
        service: CaptureService,
        *,
        grafana_url: str,
        org_id: int | None,
        timeout_s: float,
        default_token: Secret | None,
    ) -> None:
        self._service = service
        self._grafana_url = grafana_url
        self._org_id = org_id
        self._timeout_s = timeout_s
        self._default_token = default_token

    def preview(self, *, uid: str, token: Secret | None) -> PreviewResult:
        request = CaptureRequest(self._grafana_url, uid, token=token or self._default_token, org_id=self._org_id)
        # A little beyond CAPTURE_TIMEOUT: the service enforces the budget itself and raises CaptureTimeout.
        result = self._service.capture(request).result(timeout=self._timeout_s + 30)
        problems = [f"panel error: {e}" for e in result.panel_errors]
        if result.blank_frames:
            problems.append(f"{len(result.blank_frames)} blank frame(s) of {result.frame_count}")
        return PreviewResult(result.path, result.ok, problems)
