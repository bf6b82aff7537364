"""Web API dispatch: token, catalogue contract and scope checks, then the method handler."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import api_chat, api_conversations, api_files, api_identity, api_views
from .api_base import ApiCall, ApiError, Handler
from .context import SimContext
from .contract import MethodSpec

HANDLERS: dict[str, Handler] = {
    **api_identity.HANDLERS,
    **api_chat.HANDLERS,
    **api_conversations.HANDLERS,
    **api_views.HANDLERS,
    **api_files.HANDLERS,
}

# The app-level (xapp-) token works for this method only, and the bot token does not work for it.
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
# Accepted by every method (org-wide apps); Bolt's per-request WebClient always sends it.
UNIVERSAL_ARGS = frozenset({"team_id"})


@dataclass
class ApiResult:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ApiRequest:
    method: str
    args: dict[str, Any]  # query + body, token removed
    token: str | None
    json_body: bool = False
    json_charset: bool = True
    query_only_args: dict[str, Any] = field(default_factory=dict)


def _error(code: str, **extra: Any) -> dict[str, Any]:
    return {"ok": False, "error": code, **extra}


def dispatch(ctx: SimContext, request: ApiRequest) -> ApiResult:
    method = request.method
    spec = ctx.catalogue.spec(method)
    handler = HANDLERS.get(method)
    if ctx.catalogue.is_unknown_method(method):
        ctx.violation(f"{method}: not a Slack Web API method (unknown_method)")
        return ApiResult(200, _error("unknown_method"))
    if spec is None and handler is None:
        return ApiResult(200, _error("unknown_method"))  # catalogue absent and not simulated

    token_error = _check_token(ctx, method, request.token)
    if token_error is not None:
        return ApiResult(200, token_error)
    headers = {"x-oauth-scopes": ",".join(sorted(ctx.scopes))}
    if spec is not None:
        headers["x-accepted-oauth-scopes"] = ",".join(spec.bot_scopes)

    args = request.args
    if spec is not None:
        if request.json_body and not spec.accepts_json:
            # Slack ignores JSON bodies for these methods, so the arguments never arrive.
            ctx.violation(f"{method}: JSON body sent, but this method only reads form/query arguments")
            args = dict(request.query_only_args)
        contract_error = _check_contract(ctx, spec, request.token, args)
        if contract_error is not None:
            return ApiResult(200, contract_error, headers)

    try:
        with ctx.ws.lock:
            if handler is not None:
                body = handler(ctx, ApiCall(method, args))
            else:
                # Documented but not simulated: answer with the catalogue's success example.
                body = {**(spec.success_example if spec and spec.success_example else {}), "ok": True}
    except ApiError as exc:
        if exc.violation:
            ctx.violation(exc.violation)
        body = _error(exc.code, **exc.extra)
    if spec is not None and not body.get("ok") and not spec.documents_error(str(body.get("error"))):
        ctx.undocumented_errors.append(f"{method}: {body.get('error')}")
    if request.json_body and not request.json_charset:
        body.setdefault("warning", "missing_charset")
        body.setdefault("response_metadata", {}).setdefault("warnings", []).append("missing_charset")
    return ApiResult(200, body, headers)


def _check_token(ctx: SimContext, method: str, token: str | None) -> dict[str, Any] | None:
    if not token:
        return _error("not_authed")
    who = ctx.identity
    if token not in (who.bot_token, who.app_token):
        return _error("invalid_auth")
    needs_app_token = method in APP_TOKEN_METHODS
    if (token == who.app_token) != needs_app_token:
        kind = "app-level (xapp-)" if needs_app_token else "bot (xoxb-)"
        ctx.violation(f"{method}: called with the wrong token type; it needs the {kind} token")
        return _error("not_allowed_token_type")
    return None


def _check_contract(
    ctx: SimContext, spec: MethodSpec, token: str | None, args: dict[str, Any]
) -> dict[str, Any] | None:
    method = spec.name
    if spec.arg_names:
        for name in sorted(set(args) - spec.arg_names - UNIVERSAL_ARGS):
            ctx.violation(f"{method}: argument {name!r} is not documented (Slack silently ignores it)", warning=True)
    for name in spec.required:
        if args.get(name) in (None, ""):
            ctx.violation(f"{method}: missing required argument {name!r}")
            code, extra = spec.missing_argument_error(name)
            return _error(code, **extra)
    if token == ctx.identity.bot_token:
        conversation = api_conversations.conversation_type_of(ctx, args.get("channel") or args.get("channel_id"))
        needed = spec.needed_scopes(conversation)
        granted = ctx.scopes
        if needed and not granted.intersection(needed):
            ctx.violation(f"{method}: bot lacks scope {' or '.join(needed)}")
            return _error("missing_scope", needed=",".join(needed), provided=",".join(sorted(granted)))
    return None
