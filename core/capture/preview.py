"""The pipeline's Previewer port implemented on the capture service (one browser, one thread)."""

from __future__ import annotations

from core.capture.capture import CaptureService
from core.capture.capture_errors import CaptureAuthError
from core.capture.capture_types import CaptureRequest
from core.grafana.capture_token import CaptureTokens
from core.pipeline.ports import PreviewResult
from core.secret import Secret


class _FixedToken:
    """One given token (tests, and callers that manage the token themselves)."""

    def __init__(self, token: Secret | None) -> None:
        self._token = token

    def token(self) -> Secret | None:
        return self._token

    def invalidate(self, token: Secret | None) -> None:
        pass


class CapturePreviewer:
    """Captures with the capture token only (a Viewer, see core.grafana.capture_token).

    The token the pipeline passes per call is the user's own GRAFANA_API_KEY credential, made for
    saving dashboards: it may carry Editor or Admin rights, so it never goes into the browser either.
    `default_token` is a fixed capture token for callers without a `CaptureTokens`.
    """

    def __init__(
        self,
        service: CaptureService,
        *,
        grafana_url: str,
        org_id: int | None,
        timeout_s: float,
        tokens: CaptureTokens | None = None,
        default_token: Secret | None = None,
    ) -> None:
        self._service = service
        self._grafana_url = grafana_url
        self._org_id = org_id
        self._timeout_s = timeout_s
        self._tokens: CaptureTokens | _FixedToken = tokens if tokens is not None else _FixedToken(default_token)

    def preview(self, *, uid: str, token: Secret | None) -> PreviewResult:
        del token  # deliberately unused: see the class docstring
        # May create the capture account on first use; a Grafana error then fails this step, to be retried.
        capture_token = self._tokens.token()
        request = CaptureRequest(self._grafana_url, uid, token=capture_token, org_id=self._org_id)
        try:
            # A little beyond CAPTURE_TIMEOUT: the service enforces the budget itself and raises CaptureTimeout.
            result = self._service.capture(request).result(timeout=self._timeout_s + 30)
        except CaptureAuthError:
            # Revoked or deleted in Grafana meanwhile: the next attempt checks it and makes a new one.
            self._tokens.invalidate(capture_token)
            raise
        problems = [f"panel error: {e}" for e in result.panel_errors]
        if result.blank_frames:
            problems.append(f"{len(result.blank_frames)} blank frame(s) of {result.frame_count}")
        return PreviewResult(result.path, result.ok, problems)
