"""The HTTP side: /api/<method>, upload URLs, file downloads and response_urls (aiohttp)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from . import filestore, responses
from .context import SimContext
from .dispatch import ApiRequest, dispatch
from .faults import FILE_DOWNLOAD, RESPONSE_URL, UPLOAD_URL, Injection
from .records import RecordedRequest

MAX_BODY = 256 * 1024 * 1024
# Set by a drop_after_accept injection: the request is served, then its connection closed unanswered.
_DROP = web.RequestKey("drop_after_accept", bool)
_RECORD = web.RequestKey("recorded_request", RecordedRequest)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _drop_after_accept(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    if request.get(_DROP):
        record = request.get(_RECORD)
        if record is not None:
            record.status, record.response, record.dropped = None, None, True
        # Closed before a byte of the answer is written; aiohttp then discards the response quietly.
        if request.transport is not None:
            request.transport.close()
    return response


def build_http_app(ctx: SimContext) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY, middlewares=[_drop_after_accept])
    routes = _Routes(ctx)
    app.router.add_route("*", "/api/{method}", routes.api)
    app.router.add_post("/upload/{file_id}", routes.upload)
    app.router.add_get("/files-pri/{key}/{tail:.*}", routes.download)
    app.router.add_post("/response/{rid}", routes.response_url)
    app.router.add_get("/signin", routes.signin)
    return app


def _parse_form(raw: bytes) -> dict[str, Any]:
    return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))


def _parse_multipart(raw: bytes, content_type: str) -> dict[str, Any]:
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
    out: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        out[str(name)] = data if part.get_filename() else data.decode("utf-8", "replace")
    return out


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() or None if header.lower().startswith("bearer ") else None


def _respond(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    if isinstance(body, (dict, list)):
        return web.json_response(body, status=status, headers=headers)
    return web.Response(status=status, text=str(body), headers=headers)


class _Routes:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx

    async def _record(
        self, request: web.Request, method: str, raw: bytes, args: dict[str, Any], **kw: Any
    ) -> RecordedRequest:
        record = RecordedRequest(
            method=method,
            http_method=request.method,
            path=request.path_qs,
            headers=dict(request.headers),
            args=args,
            raw_body=raw,
            timestamp=time.time(),
            **kw,
        )
        self.ctx.requests.add(record)
        request[_RECORD] = record
        return record

    async def _injected(self, request: web.Request, method: str) -> web.Response | None:
        injection: Injection | None = self.ctx.faults.take(method)
        if injection is None:
            return None
        if injection.delay:
            await asyncio.sleep(injection.delay)
        if injection.drop_after_accept:
            request[_DROP] = True
        if not injection.answers:
            return None
        return _respond(injection.http_status(), injection.response_body(), injection.response_headers())

    @staticmethod
    def _finish(record: RecordedRequest, response: web.Response) -> web.Response:
        record.status = response.status
        text = response.text if response.body is not None else None
        try:
            record.response = json.loads(text) if text else text
        except ValueError:
            record.response = text
        return response

    async def api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.read()
        content_type = request.headers.get("Content-Type", "")
        main_type = content_type.split(";", 1)[0].strip().lower()
        query = dict(request.query)
        json_body = main_type == "application/json"
        body: dict[str, Any] = {}
        bad_json = False
        if json_body:
            try:
                parsed = json.loads(raw or b"{}")
                body = parsed if isinstance(parsed, dict) else {}
                bad_json = not isinstance(parsed, dict)
            except ValueError:
                bad_json = True
        elif main_type == "multipart/form-data":
            body = _parse_multipart(raw, content_type)
        elif raw:
            body = _parse_form(raw)
        # Slack takes the token from the Authorization header, or from form/query fields; a
        # `token` inside a JSON body is ignored.
        token = _bearer(request) or query.get("token") or (None if json_body else body.get("token"))
        args = {k: v for k, v in {**query, **body}.items() if k != "token"}
        record = await self._record(request, method, raw, args, token=token, json_body=json_body)
        injected = await self._injected(request, method)
        if injected is not None:
            return self._finish(record, injected)
        if bad_json:
            self.ctx.violation(f"{method}: JSON body is not a JSON object")
            return self._finish(record, _respond(200, {"ok": False, "error": "invalid_json"}))
        api_request = ApiRequest(
            method=method,
            args=args,
            token=token,
            json_body=json_body,
            json_charset="charset" in content_type.lower(),
            query_only_args={k: v for k, v in query.items() if k != "token"},
        )
        result = dispatch(self.ctx, api_request)
        return self._finish(record, _respond(result.status, result.body, result.headers))

    async def upload(self, request: web.Request) -> web.Response:
        raw = await request.read()
        file_id = request.match_info["file_id"]
        record = await self._record(request, UPLOAD_URL, raw, {"file_id": file_id})
        injected = await self._injected(request, UPLOAD_URL)
        if injected is not None:
            return self._finish(record, injected)
        status, text = filestore.accept_upload(self.ctx, file_id, raw, request.headers.get("Content-Type", ""))
        return self._finish(record, web.Response(status=status, text=text))

    async def download(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        file_id = key.split("-", 1)[1] if "-" in key else key
        record = await self._record(request, FILE_DOWNLOAD, b"", {"file_id": file_id}, token=_bearer(request))
        injected = await self._injected(request, FILE_DOWNLOAD)
        if injected is not None:
            return self._finish(record, injected)
        outcome = filestore.authorize_download(self.ctx, request.headers.get("Authorization"), file_id)
        if isinstance(outcome, str):
            # Slack does not answer 401/403 here: it redirects to a sign-in page that returns
            # HTML with 200, which a naive client saves as the "file".
            self.ctx.violation(f"download of {file_id} {outcome}: Slack would serve its sign-in page")
            raise web.HTTPFound(self.ctx.urls.signin_url() + f"?redir={request.path}")
        response = web.Response(
            status=200,
            body=outcome.content,
            content_type=str(outcome.meta.get("mimetype") or "application/octet-stream"),
        )
        record.status = 200
        return response

    async def response_url(self, request: web.Request) -> web.Response:
        raw = await request.read()
        rid = request.match_info["rid"]
        try:
            posted = json.loads(raw)
        except ValueError:
            posted = None
        args = {"rid": rid, "url": str(request.url), **(posted if isinstance(posted, dict) else {})}
        record = await self._record(request, RESPONSE_URL, raw, args)
        injected = await self._injected(request, RESPONSE_URL)
        if injected is not None:
            return self._finish(record, injected)
        status, text = responses.handle_post(self.ctx, rid, raw, request.headers.get("Content-Type", ""))
        return self._finish(record, web.Response(status=status, text=text))

    async def signin(self, request: web.Request) -> web.Response:
        html = "<!DOCTYPE html><html><head><title>Sign in | Slack</title></head><body>Sign in</body></html>"
        return web.Response(status=200, text=html, content_type="text/html")
