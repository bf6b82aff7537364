"""The REST API as a FastAPI app, built from the runtime's Services (nothing happens at import time)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.api import routes_credentials, routes_dashboards, routes_reports, routes_series, routes_users
from bot.api.errors import ApiError, error_response, install_error_handlers
from listeners.services import Services

UPLOAD_PATH = re.compile(r"^/api/v1/users/[^/]+/reports$")


@dataclass(frozen=True)
class ApiLimits:
    json_bytes: int = 64 * 1024  # any request body but a report upload
    upload_bytes: int = 1 << 30  # a whole report upload request (multipart)


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return f"{n} bytes"


class BodySizeLimit:
    """413 for a body over the limit: at once from Content-Length, else as soon as the streamed body exceeds it,
    so neither a JSON body nor an upload is ever read past the limit."""

    def __init__(self, app: ASGIApp, limits: ApiLimits) -> None:
        self.app = app
        self.limits = limits

    def _limit_for(self, scope: Scope) -> tuple[int, str]:
        if scope.get("method") == "POST" and UPLOAD_PATH.match(scope.get("path", "")):
            return self.limits.upload_bytes, "report upload"
        return self.limits.json_bytes, "request body"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, what = self._limit_for(scope)
        message = f"The {what} is larger than the limit of {_size(limit)}."
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await error_response(413, "too_large", message, {"Connection": "close"})(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            event = await receive()
            if event["type"] == "http.request":
                received += len(event.get("body", b""))
                if received > limit:
                    raise ApiError(413, message, headers={"Connection": "close"})
            return event

        await self.app(scope, limited_receive, send)


def build_api(
    services: Services, extra_routers: Iterable[APIRouter] = (), *, limits: ApiLimits | None = None
) -> FastAPI:
    """The app: /api/v1/users… and /openapi.json, plus `extra_routers` (health, metrics) from the runtime."""
    app = FastAPI(
        title="edabot API",
        version="1",
        description="Accounts, credentials, report uploads, dashboards and series of edabot. Authenticate with "
        "`Authorization: Bearer eda_…`. Admin keys act on any user; a user's key on its own account only. "
        "`{id}` in a path is the numeric user id or the username. "
        'Every error is `{"error": <code word>, "message": <what to do>}`.',
        redoc_url=None,
        redirect_slashes=False,
    )
    app.state.services = services
    for router in (
        routes_users.router,
        routes_credentials.router,
        routes_reports.router,
        routes_dashboards.router,
        routes_series.router,
        *extra_routers,
    ):
        app.include_router(router)
    install_error_handlers(app)
    # Added last, so it is outermost (inside the server-error middleware): limits apply before any route runs.
    app.add_middleware(BodySizeLimit, limits=limits or ApiLimits())
    return app
