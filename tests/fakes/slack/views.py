"""Modal and App Home view lifecycle: triggers, stacks, hashes, response_action acks."""

from __future__ import annotations

import copy
import time
from typing import Any

from .api_base import ApiError
from .blockkit import (
    MAX_VIEW_BYTES,
    SURFACE_MODAL,
    assign_missing_ids,
    check_view,
    view_size,
)
from .context import SimContext
from .workspace import Trigger

_CONTENT_KEYS = (
    "type", "title", "submit", "close", "blocks", "private_metadata", "callback_id",
    "clear_on_close", "notify_on_close", "external_id", "submit_disabled",
)  # fmt: skip


def issue_trigger(ctx: SimContext, user_id: str, channel_id: str | None = None) -> str:
    trigger_id = ctx.ids.trigger_id()
    with ctx.ws.lock:
        ctx.ws.triggers[trigger_id] = Trigger(trigger_id, user_id, time.monotonic(), channel_id)
    return trigger_id


def check_trigger(ctx: SimContext, method: str, trigger_id: str | None) -> Trigger:
    """Validate without consuming: Slack only exchanges a trigger when the view opens."""
    if not trigger_id:
        raise ApiError(
            "invalid_arguments",
            violation=f"{method}: no trigger_id or interactivity_pointer",
            response_metadata={"messages": ["[ERROR] missing required field: trigger_id"]},
        )
    trigger = ctx.ws.triggers.get(trigger_id)
    if trigger is None:
        raise ApiError("invalid_trigger_id", violation=f"{method}: trigger_id {trigger_id!r} was never issued")
    if trigger.used:
        raise ApiError("exchanged_trigger_id", violation=f"{method}: trigger_id already used (single-use)")
    age = time.monotonic() - trigger.issued_at
    if age > ctx.settings.trigger_ttl_s:
        raise ApiError(
            "expired_trigger_id",
            violation=f"{method}: trigger_id used after {age:.2f}s (valid {ctx.settings.trigger_ttl_s}s)",
        )
    return trigger


def validate_view(ctx: SimContext, where: str, view: Any, expected_type: str) -> dict[str, Any]:
    problems = check_view(view, expected_type=expected_type)
    if problems:
        messages = [p.render() for p in problems]
        raise ApiError(
            "invalid_arguments",
            violation=f"{where}: invalid view: {'; '.join(messages)}",
            response_metadata={"messages": messages},
        )
    if view_size(view) > MAX_VIEW_BYTES:
        raise ApiError("view_too_large", violation=f"{where}: view is {view_size(view)} bytes (max {MAX_VIEW_BYTES})")
    external_id = view.get("external_id")
    if external_id:
        for stored in ctx.ws.views.values():
            if stored.get("external_id") == external_id and stored.get("id") != view.get("id"):
                raise ApiError("duplicate_external_id", violation=f"{where}: external_id {external_id!r} in use")
    return view  # type: ignore[no-any-return]


def _materialize(
    ctx: SimContext,
    source: dict[str, Any],
    *,
    view_id: str,
    root_view_id: str,
    previous_view_id: str | None,
    state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The stored view object, in the shape views.open's documented example returns."""
    who = ctx.identity
    is_modal = source.get("type") == SURFACE_MODAL
    return {
        "id": view_id,
        "team_id": who.team_id,
        "type": source.get("type"),
        "title": copy.deepcopy(source.get("title")),
        "submit": copy.deepcopy(source.get("submit")) if is_modal else None,
        "close": copy.deepcopy(source.get("close")) if is_modal else None,
        "blocks": assign_missing_ids(source.get("blocks") or [], ctx.ids.block_id, ctx.ids.action_id),
        "private_metadata": source.get("private_metadata", ""),
        "callback_id": source.get("callback_id", ""),
        "external_id": source.get("external_id", ""),
        "state": state if state is not None else {"values": {}},
        "hash": ctx.ids.view_hash(),
        "clear_on_close": bool(source.get("clear_on_close", False)),
        "notify_on_close": bool(source.get("notify_on_close", False)),
        "submit_disabled": bool(source.get("submit_disabled", False)),
        "previous_view_id": previous_view_id,
        "root_view_id": root_view_id,
        "app_id": who.app_id,
        "app_installed_team_id": who.team_id,
        "bot_id": who.bot_id,
    }


def _store(ctx: SimContext, view: dict[str, Any], owner: str) -> dict[str, Any]:
    ctx.ws.views[view["id"]] = view
    ctx.ws.view_owner[view["id"]] = owner
    return view


def open_modal(ctx: SimContext, user_id: str, source: dict[str, Any]) -> dict[str, Any]:
    view_id = ctx.ids.new_id("V")
    view = _materialize(ctx, source, view_id=view_id, root_view_id=view_id, previous_view_id=None)
    ctx.ws.modal_stacks[user_id] = [view_id]
    return _store(ctx, view, user_id)


def push_modal(ctx: SimContext, where: str, user_id: str, source: dict[str, Any]) -> dict[str, Any]:
    stack = ctx.ws.modal_stacks.get(user_id) or []
    if not stack:
        raise ApiError("not_found", violation=f"{where}: no modal is open for {user_id} to push onto")
    if len(stack) >= ctx.settings.max_view_stack:
        raise ApiError(
            "push_limit_reached", violation=f"{where}: modal stack already holds {ctx.settings.max_view_stack} views"
        )
    view_id = ctx.ids.new_id("V")
    view = _materialize(ctx, source, view_id=view_id, root_view_id=stack[0], previous_view_id=stack[-1])
    stack.append(view_id)
    return _store(ctx, view, user_id)


def replace_content(ctx: SimContext, current: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
    """views.update / publish over an existing view: same id, new hash, state kept where ids persist."""
    block_ids = {b.get("block_id") for b in source.get("blocks") or [] if isinstance(b, dict)}
    values = {k: v for k, v in (current.get("state") or {}).get("values", {}).items() if k in block_ids}
    updated = _materialize(
        ctx,
        source,
        view_id=current["id"],
        root_view_id=current["root_view_id"],
        previous_view_id=current.get("previous_view_id"),
        state={"values": values},
    )
    current.clear()
    current.update(updated)
    return current


def publish_home(ctx: SimContext, user_id: str, source: dict[str, Any], view_hash: str | None) -> dict[str, Any]:
    existing_id = ctx.ws.home_views.get(user_id)
    if existing_id is not None:
        current = ctx.ws.views[existing_id]
        if view_hash and view_hash != current["hash"]:
            raise ApiError("hash_conflict")
        return replace_content(ctx, current, source)
    view_id = ctx.ids.new_id("V")
    view = _materialize(ctx, source, view_id=view_id, root_view_id=view_id, previous_view_id=None)
    ctx.ws.home_views[user_id] = view_id
    return _store(ctx, view, user_id)


def close_modal(ctx: SimContext, user_id: str, view_id: str, *, clear: bool = False) -> None:
    stack = ctx.ws.modal_stacks.get(user_id) or []
    if clear:
        stack.clear()
    elif view_id in stack:
        del stack[stack.index(view_id) :]


def input_block_ids(view: dict[str, Any]) -> set[str]:
    return {
        b["block_id"]
        for b in view.get("blocks") or []
        if isinstance(b, dict) and b.get("type") == "input" and isinstance(b.get("block_id"), str)
    }


def apply_submission_ack(
    ctx: SimContext, user_id: str, view_id: str, payload: dict[str, Any] | None
) -> dict[str, str] | None:
    """What Slack does with the ack of a view_submission. Returns field errors, if any."""
    view = ctx.ws.views.get(view_id)
    if view is None:
        return None
    where = f"view_submission ack for {view.get('callback_id') or view_id}"
    if not payload:
        close_modal(ctx, user_id, view_id)  # plain ack: the submitted view closes
        return None
    action = payload.get("response_action")
    if action == "errors":
        errors = payload.get("errors")
        if not isinstance(errors, dict) or not errors:
            ctx.violation(f"{where}: response_action errors without an `errors` object")
            return None
        unknown = sorted(set(errors) - input_block_ids(view))
        if unknown:
            # Slack rejects the whole ack, so the user sees a generic error instead of yours.
            ctx.violation(f"{where}: errors for block_ids that are not input blocks: {unknown}")
        return {str(k): str(v) for k, v in errors.items()}
    if action in ("update", "push"):
        source = payload.get("view")
        try:
            validate_view(ctx, where, source, SURFACE_MODAL)
            if action == "update":
                replace_content(ctx, view, source)  # type: ignore[arg-type]
            else:
                push_modal(ctx, where, user_id, source)  # type: ignore[arg-type]
        except ApiError as exc:
            ctx.violation(exc.violation or f"{where}: {exc.code}")
        return None
    if action == "clear":
        close_modal(ctx, user_id, view_id, clear=True)
        return None
    ctx.violation(f"{where}: unsupported ack payload {sorted(payload)} (response_action={action!r})")
    return None
