"""Test helpers over the simulator: find the modal a user is looking at, pick from an overflow menu."""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.slack import SlackSimulator


def wait_for_view(
    sim: SlackSimulator,
    user_id: str,
    callback_id: str,
    *,
    contains: str | None = None,
    timeout: float = 10.0,
    newest: bool = False,
    after: int = 0,
) -> dict[str, Any]:
    """The user's top modal once it has this callback_id (and text), e.g. after views.update filled it in.

    `after` skips views whose id was already seen (pass len(sim.views) taken before the action)."""

    def find() -> dict[str, Any] | None:
        stack = sim.open_views(user_id)
        if not stack:
            return None
        top = stack[-1]
        if top.get("callback_id") != callback_id:
            return None
        if contains is not None and contains not in json.dumps(top, ensure_ascii=False):
            return None
        if newest and list(sim.views).index(top["id"]) < after:
            return None
        return top

    found: dict[str, Any] = sim.wait_for(find, timeout, what=f"{callback_id} modal for {user_id}")
    return found


def select_overflow(sim: SlackSimulator, user_id: str, action_id: str, value: str, *, view: dict[str, Any]) -> Any:
    """Pick `value` from whichever row's overflow menu offers it (rows share one action_id)."""
    for block in view.get("blocks", []):
        accessory = block.get("accessory") or {}
        if accessory.get("action_id") == action_id and any(
            o.get("value") == value for o in accessory.get("options", [])
        ):
            return sim.click_button(user_id, action_id, value, block_id=block.get("block_id"), view=view)
    raise AssertionError(f"no {action_id} menu offers {value!r}")
