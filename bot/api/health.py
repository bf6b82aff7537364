"""`GET /healthz` (no auth) and `GET /metrics` (Prometheus text) for operators and load balancers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from bot.metrics import Metrics
from core.context import CoreContext

# The pipeline ticks every 2 s; a heartbeat older than this means the scheduler has stalled.
HEARTBEAT_MAX_AGE = timedelta(seconds=60)


@dataclass
class HealthProbe:
    core: CoreContext
    last_tick: Callable[[], datetime | None]
    socket_connected: Callable[[], bool]

    def checks(self) -> dict[str, dict[str, Any]]:
        results: dict[str, dict[str, Any]] = {}
        try:
            with self.core.db.session() as session:
                session.execute(text("SELECT 1"))
            results["database"] = {"ok": True}
        except Exception as exc:
            results["database"] = {"ok": False, "detail": type(exc).__name__}
        tick = self.last_tick()
        fresh = tick is not None and datetime.now(UTC) - tick < HEARTBEAT_MAX_AGE
        results["scheduler"] = {"ok": fresh, "last_tick": tick.isoformat() if tick else None}
        results["socket_mode"] = {"ok": bool(self.socket_connected())}
        return results


def health_router(probe: HealthProbe, metrics: Metrics) -> APIRouter:
    router = APIRouter()

    @router.get("/healthz", tags=["operations"], summary="Liveness and readiness")
    def healthz() -> JSONResponse:
        checks = probe.checks()
        ok = all(c["ok"] for c in checks.values())
        return JSONResponse({"status": "ok" if ok else "degraded", "checks": checks}, status_code=200 if ok else 503)

    @router.get("/metrics", tags=["operations"], summary="Prometheus metrics", response_class=Response)
    def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router
