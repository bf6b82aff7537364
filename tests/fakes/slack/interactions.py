"""What a user's click or form entry looks like in block_actions / view_submission payloads."""

from __future__ import annotations

import copy
from typing import Any

_TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
_SINGLE_OPTION = {"static_select", "external_select", "radio_buttons", "overflow"}
_MULTI_OPTION = {"multi_static_select", "multi_external_select", "checkboxes"}
# element type -> state key holding the user's choice (plain values)
_VALUE_KEYS = {
    "users_select": "selected_user",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
    "multi_users_select": "selected_users",
    "multi_conversations_select": "selected_conversations",
    "multi_channels_select": "selected_channels",
}


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return [o for o in options if isinstance(o, dict)]


def _option(element: dict[str, Any], value: Any) -> dict[str, Any]:
    for option in _options(element):
        if option.get("value") == value:
            return copy.deepcopy(option)
    raise ValueError(f"{element.get('type')} {element.get('action_id')!r} has no option with value {value!r}")


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def build_action(block: dict[str, Any], element: dict[str, Any], value: Any, action_ts: str) -> dict[str, Any]:
    """The `actions[0]` entry Slack sends when the user uses `element`."""
    kind = element.get("type")
    action: dict[str, Any] = {
        "type": kind,
        "action_id": element.get("action_id"),
        "block_id": block.get("block_id"),
        "action_ts": action_ts,
    }
    if kind == "button":
        action["text"] = copy.deepcopy(element.get("text"))
        chosen = value if value is not None else element.get("value")
        if chosen is not None:
            action["value"] = chosen
        if "style" in element:
            action["style"] = element["style"]
    elif kind in _SINGLE_OPTION:
        action["selected_option"] = _option(element, value)
    elif kind in _MULTI_OPTION:
        action["selected_options"] = [_option(element, v) for v in _as_list(value)]
    elif kind in _VALUE_KEYS:
        action[_VALUE_KEYS[kind]] = _as_list(value) if kind.startswith("multi_") else value
    elif kind in _TEXT_INPUTS:
        action["value"] = value
    else:
        action["value"] = value
    if "placeholder" in element:
        action["placeholder"] = copy.deepcopy(element["placeholder"])
    return action


def _state_entry(element: dict[str, Any], given: Any) -> dict[str, Any]:
    kind = element.get("type")
    if isinstance(given, dict):
        return {"type": kind, **given}
    if kind in _TEXT_INPUTS:
        text = None if given is None else str(given)
        _check_length(element, text)
        return {"type": kind, "value": text}
    if kind in _SINGLE_OPTION:
        return {"type": kind, "selected_option": None if given is None else _option(element, given)}
    if kind in _MULTI_OPTION:
        return {
            "type": kind,
            "selected_options": [] if given is None else [_option(element, v) for v in _as_list(given)],
        }
    if kind in _VALUE_KEYS:
        key = _VALUE_KEYS[kind]
        if kind.startswith("multi_"):
            return {"type": kind, key: [] if given is None else _as_list(given)}
        return {"type": kind, key: given}
    return {"type": kind, "value": given}


def _check_length(element: dict[str, Any], text: str | None) -> None:
    # The Slack client enforces these before it lets the user submit.
    if text is None:
        return
    max_len, min_len = element.get("max_length"), element.get("min_length")
    if isinstance(max_len, int) and len(text) > max_len:
        raise ValueError(f"{element.get('action_id')!r}: {len(text)} chars exceeds max_length {max_len}")
    if isinstance(min_len, int) and len(text) < min_len:
        raise ValueError(f"{element.get('action_id')!r}: {len(text)} chars is below min_length {min_len}")


def build_state_values(view: dict[str, Any], values: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """view.state.values for a submission: every input block, as the Slack client fills it."""
    state: dict[str, Any] = {}
    seen: set[tuple[str, str]] = set()
    for block in view.get("blocks") or []:
        if not isinstance(block, dict) or block.get("type") != "input":
            continue
        element = block.get("element") or {}
        block_id, action_id = str(block.get("block_id")), str(element.get("action_id"))
        given = values.get(block_id, {}).get(action_id)
        if given in (None, "", []) and not block.get("optional", False):
            raise ValueError(f"required input {block_id}/{action_id} is empty; Slack would not let the user submit")
        state.setdefault(block_id, {})[action_id] = _state_entry(element, given)
        seen.add((block_id, action_id))
    for block_id, by_action in values.items():
        for action_id in by_action:
            if (block_id, action_id) not in seen:
                raise ValueError(f"view {view.get('id')} has no input {block_id}/{action_id}")
    return state
