"""Every API error as `{"error": <code word>, "message": <sentence>}`: refusals say why, failures give a
reference id that is in the log next to the traceback, and neither ever carries a stack trace or a secret.

The REST edge of the error tree (core/errors.py), handled here only: a Refusal is a 4xx (403, 404, 409, else
422) logged at INFO, an Invalid report or data is a 422, an Unavailable dependency is a 503 with a reference
id logged at WARNING with its cause, anything else a 500 with a reference id and the traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.api.schemas import ErrorBody
from core.errors import AlreadyExists, EdabotError, Invalid, NotAllowed, NotEdabots, NotFound, Refusal, Unavailable
from core.ingest import IngestError, ReportParseError
from core.log_context import new_reference

log = logging.getLogger(__name__)

CODE_WORDS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "already_exists",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    500: "internal",
    502: "upstream_failed",
    503: "unavailable",
}

DESCRIPTIONS = {
    400: "Malformed request (e.g. invalid JSON or multipart)",
    401: "Missing or invalid API key",
    403: "The key may not do this (user keys act on their own account only)",
    404: "No such user, credential or endpoint",
    409: "It exists already",
    413: "Request body too large",
    415: "Wrong Content-Type",
    422: "Invalid input: the message names the field and the rule",
    500: "Unexpected failure; the message has a reference id for the log",
    502: "Grafana failed; running the request again finishes the work",
    503: "A dependency (PostgreSQL, Grafana, Slack) is unavailable; the message has a reference id, and running "
    "the request again later finishes the work",
}


class ApiError(HTTPException, Refusal):
    """A refusal with its own code word. An HTTPException so that FastAPI re-raises it as it is even when it
    happens while the request body is read (other exceptions there become a generic 400); Starlette finds the
    HTTPException handler first in its MRO."""

    def __init__(self, status: int, message: str, *, code: str | None = None, headers: Mapping[str, str] | None = None):
        super().__init__(status_code=status, detail=message, headers=dict(headers) if headers else None)
        self.code = code or CODE_WORDS.get(status, "error")
        self.message = message


def error_response(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        ErrorBody(error=code, message=message).model_dump(), status_code=status, headers=dict(headers or {})
    )


def declare(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the given error statuses (500 and 503 are always declared: any request may
    meet a bug or a dependency that is down)."""
    return {s: {"model": ErrorBody, "description": DESCRIPTIONS[s]} for s in sorted({*statuses, 500, 503})}


def _refused(
    request: Request, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    log.info("API %s %s refused (%s %s): %s", request.method, request.url.path, status, code, message)
    return error_response(status, code, message, headers)


def _where(loc: Iterable[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "form"):
        parts = parts[1:]
    return ".".join(parts) or "the request body"


def describe_validation_errors(errors: Iterable[Mapping[str, Any]]) -> tuple[int, str, str]:
    """(status, code, message) for FastAPI's validation errors; never echoes the input (it may be a secret)."""
    sentences = []
    for err in errors:
        kind = str(err.get("type", ""))
        where = _where(err.get("loc", ()))
        if kind == "json_invalid":
            return 400, "bad_request", "The request body is not valid JSON; send a JSON object."
        if kind == "missing":
            sentences.append(f"`{where}` is required.")
        elif kind == "extra_forbidden":
            sentences.append(f"`{where}` is not a known field.")
        else:
            msg = str(err.get("msg", "is not valid"))
            sentences.append(f"`{where}`: {msg}.")
    return 422, "invalid_input", " ".join(sentences[:5]) or "The request is not valid."


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    status, code, message = describe_validation_errors(exc.errors())
    return _refused(request, status, code, message)


async def _on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if isinstance(exc, ApiError):
        return _refused(request, exc.status_code, exc.code, exc.message, headers)
    status = exc.status_code
    if status == 404:
        hint = " (drop the trailing /)" if request.url.path.endswith("/") and request.url.path != "/" else ""
        message = (
            f"There is no endpoint {request.method} {request.url.path}{hint}; the API is described at /openapi.json."
        )
    elif status == 405:
        allowed = headers.get("Allow") or headers.get("allow")
        message = f"{request.method} is not supported on {request.url.path}" + (f"; use {allowed}." if allowed else ".")
    elif status == 400:
        # FastAPI's own "There was an error parsing the body" (e.g. bytes that are not UTF-8).
        message = "The request body could not be read: send a UTF-8 JSON object with Content-Type: application/json."
    else:
        message = str(exc.detail)
    return _refused(request, status, CODE_WORDS.get(status, "error"), message, headers)


# The first match wins: the narrower kinds before their branch.
_STATUS_OF: list[tuple[type[Exception], int, str]] = [
    (NotAllowed, 403, "forbidden"),
    (NotFound, 404, "not_found"),
    (AlreadyExists, 409, "already_exists"),
    (NotEdabots, 409, "already_exists"),
    (Refusal, 422, "invalid_input"),
    (ReportParseError, 422, "bad_report"),
    (IngestError, 422, "cannot_store"),
    (Invalid, 422, "invalid_data"),
]


async def _on_edabot_error(request: Request, exc: Exception) -> Response:
    """Every error of the tree: a refusal or bad data says why; a dependency that is down (or an error outside
    the branches) gets a reference id the log has next to the cause."""
    for kind, status, code in _STATUS_OF:
        if isinstance(exc, kind):
            return _refused(request, status, code, str(exc))
    reference = new_reference()
    if isinstance(exc, Unavailable):
        status, code = 503, CODE_WORDS[503]
    else:
        status, code = 500, "failed"
    log.warning("API %s %s failed [ref %s]: %s", request.method, request.url.path, reference, exc, exc_info=exc)
    return error_response(status, code, f"{exc} (reference {reference})")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(HTTPException, _on_http_exception)
    app.add_exception_handler(EdabotError, _on_edabot_error)
    app.add_middleware(InternalErrors)


class InternalErrors:
    """Turns any other exception into a 500 with a reference id, logged once with its traceback.

    A middleware rather than an `Exception` handler: Starlette re-raises after calling such a handler, so the
    server would log the same traceback a second time without the reference.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            reference = new_reference()
            log.exception("API %s %s failed [ref %s]", scope.get("method"), scope.get("path"), reference)
            if started:
                raise  # too late for an error body: let the server close the connection
            response = error_response(
                500,
                "internal",
                f"Something went wrong on the edabot server; tell your edabot admin the reference {reference}.",
            )
            await response(scope, receive, send)
