"""views.open, views.push, views.update, views.publish."""

from __future__ import annotations

import copy
from typing import Any

from . import views
from .api_base import ApiCall, ApiError, Handler, arg_json, arg_str
from .blockkit import SURFACE_HOME, SURFACE_MODAL
from .context import SimContext


def _view_arg(call: ApiCall) -> Any:
    return arg_json(call.args, "view", call.method)


def _trigger_of(call: ApiCall) -> str | None:
    return arg_str(call.args, "trigger_id") or arg_str(call.args, "interactivity_pointer")


def view_open(ctx: SimContext, call: ApiCall) -> dict[str, Any]:
    trigger = views.check_trigger(ctx, call.method, _trigger_of(call))
    source = views.validate_view(ctx, call.method, _view_arg(call), SURFACE_MODAL)
    trigger.used = True
    return {"ok": True, "view": copy.deepcopy(views.open_modal(ctx, trigger.user_id, source))}


def view_push(ctx: SimContext, call: ApiCall) -> dict[str, Any]:
    trigger = views.check_trigger(ctx, call.method, _trigger_of(call))
    source = views.validate_view(ctx, call.method, _view_arg(call), SURFACE_MODAL)
    view = views.push_modal(ctx, call.method, trigger.user_id, source)
    trigger.used = True
    return {"ok": True, "view": copy.deepcopy(view)}


def view_update(ctx: SimContext, call: ApiCall) -> dict[str, Any]:
    view_id, external_id = arg_str(call.args, "view_id"), arg_str(call.args, "external_id")
    if not view_id and not external_id:
        raise ApiError(
            "invalid_arguments",
            violation="views.update: neither view_id nor external_id given",
            response_metadata={"messages": ["[ERROR] either view_id or external_id is required"]},
        )
    current = ctx.ws.views.get(view_id or "")
    if current is None and external_id:
        current = next((v for v in ctx.ws.views.values() if v.get("external_id") == external_id), None)
    if current is None:
        raise ApiError("not_found")
    view_hash = arg_str(call.args, "hash")
    if view_hash and view_hash != current["hash"]:
        raise ApiError("hash_conflict")
    source = _view_arg(call)
    if isinstance(source, dict):
        source = {**source, "id": current["id"]}  # an unchanged external_id is not a duplicate
    expected = SURFACE_HOME if current.get("type") == SURFACE_HOME else SURFACE_MODAL
    views.validate_view(ctx, call.method, source, expected)
    source.pop("id", None)
    return {"ok": True, "view": copy.deepcopy(views.replace_content(ctx, current, source))}


def view_publish(ctx: SimContext, call: ApiCall) -> dict[str, Any]:
    user_id = arg_str(call.args, "user_id") or ""
    source = _view_arg(call)
    existing = ctx.ws.home_views.get(user_id)
    if isinstance(source, dict) and existing is not None:
        source = {**source, "id": existing}
    views.validate_view(ctx, call.method, source, SURFACE_HOME)
    source.pop("id", None)
    view = views.publish_home(ctx, user_id, source, arg_str(call.args, "hash"))
    return {"ok": True, "view": copy.deepcopy(view)}


HANDLERS: dict[str, Handler] = {
    "views.open": view_open,
    "views.push": view_push,
    "views.update": view_update,
    "views.publish": view_publish,
}
