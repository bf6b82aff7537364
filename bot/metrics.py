"""Prometheus metrics: pipeline rows by state, capture time and size, Slack and Grafana calls and errors,
scan duration, ack latency. One registry per process, passed around explicitly (tests make their own)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import httpx
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core.pipeline.ports import Previewer, PreviewResult
from core.pipeline.scanner import ScanReport
from core.secret import Secret


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.slack_calls = Counter("edabot_slack_calls", "Slack Web API calls", ["method"], registry=r)
        self.slack_errors = Counter("edabot_slack_errors", "Slack Web API errors", ["method", "error"], registry=r)
        self.grafana_calls = Counter("edabot_grafana_calls", "Grafana HTTP calls", ["method"], registry=r)
        self.grafana_errors = Counter("edabot_grafana_errors", "Grafana HTTP errors", ["method", "status"], registry=r)
        self.capture_seconds = Histogram(
            "edabot_capture_seconds",
            "Wall time of one GIF capture",
            registry=r,
            buckets=(1, 2, 5, 10, 20, 30, 60, 120, 300),
        )
        self.capture_bytes = Histogram(
            "edabot_capture_bytes", "Size of one GIF preview", registry=r, buckets=(1e4, 1e5, 2.5e5, 5e5, 1e6, 2e6, 5e6)
        )
        self.scan_seconds = Histogram(
            "edabot_scan_seconds",
            "Wall time of one scan of all user databases",
            registry=r,
            buckets=(0.1, 0.5, 1, 2, 5, 10, 20, 60),
        )
        # Per pass, the user databases listed (counters moved, or a full listing) and those skipped (unchanged):
        # what the change-driven scan saves. Counters, exposed as *_total like the others.
        self.scan_databases_listed = Counter(
            "edabot_scan_databases_listed", "User databases listed by scan passes", registry=r
        )
        self.scan_databases_skipped = Counter(
            "edabot_scan_databases_skipped", "User databases a scan pass skipped (no writes since listed)", registry=r
        )
        self.ack_seconds = Histogram(
            "edabot_ack_seconds",
            "Time from a Slack request's arrival to its ack",
            registry=r,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3),
        )

    def observe_scan(self, report: ScanReport) -> None:
        self.scan_seconds.observe(report.seconds)
        self.scan_databases_listed.inc(report.listed)
        self.scan_databases_skipped.inc(report.skipped)

    def watch_rows(self, count_by_state: Callable[[], dict[str, int]]) -> None:
        self.registry.register(_RowsByState(count_by_state))


class _RowsByState(Collector):
    """Read at scrape time from the master database, so every process reports the shared truth."""

    def __init__(self, count_by_state: Callable[[], dict[str, int]]) -> None:
        self._count = count_by_state

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily("edabot_dashboards", "Dashboards by pipeline state", labels=["state"])
        try:
            counts = self._count()
        except Exception:  # a scrape during a database outage reports nothing rather than failing
            counts = {}
        for state, count in sorted(counts.items()):
            family.add_metric([state], count)
        yield family


class CountingWebClient(WebClient):
    """A WebClient that counts every Web API call and every error code."""

    metrics: Metrics | None = None

    def api_call(self, api_method: str, *args: Any, **kwargs: Any) -> Any:
        if self.metrics is not None:
            self.metrics.slack_calls.labels(api_method).inc()
        try:
            return super().api_call(api_method, *args, **kwargs)
        except SlackApiError as exc:
            if self.metrics is not None:
                self.metrics.slack_errors.labels(api_method, str(exc.response.get("error", "unknown"))).inc()
            raise


class CountingTransport(httpx.HTTPTransport):
    """Counts the Grafana client's requests and error statuses (it retries, so each try counts)."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__()
        self._metrics = metrics

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._metrics.grafana_calls.labels(request.method).inc()
        try:
            response = super().handle_request(request)
        except httpx.TransportError:
            self._metrics.grafana_errors.labels(request.method, "no_answer").inc()
            raise
        if response.status_code >= 400:
            self._metrics.grafana_errors.labels(request.method, str(response.status_code)).inc()
        return response


class MeasuredPreviewer:
    def __init__(self, inner: Previewer, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics

    def preview(self, *, uid: str, token: Secret | None) -> PreviewResult:
        started = time.monotonic()
        result = self._inner.preview(uid=uid, token=token)
        self._metrics.capture_seconds.observe(time.monotonic() - started)
        if result.path is not None and result.path.exists():
            self._metrics.capture_bytes.observe(result.path.stat().st_size)
        return result
