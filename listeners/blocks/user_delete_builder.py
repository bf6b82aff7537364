"""Confirmation modal for deleting a user: keep or drop their databases."""

from __future__ import annotations

import json
from typing import Any

from listeners.blocks.common import code, modal, plain, section
from listeners.ids import ActionId, BlockId, CallbackId, DeleteDataChoice


def delete_user_modal(username: str) -> dict[str, Any]:
    keep = {"text": plain("Keep the databases (login disabled)", 75), "value": DeleteDataChoice.KEEP}
    drop = {"text": plain("Drop the databases and all their tables", 75), "value": DeleteDataChoice.DROP}
    return modal(
        "Delete user",
        [
            section(f"Delete {code(username)}: the account, stored credentials, Grafana folder and datasources."),
            {
                "type": "input",
                "block_id": BlockId.USER_DELETE_DATA,
                "label": plain("Their databases", 2000),
                "element": {
                    "type": "radio_buttons",
                    "action_id": ActionId.USER_DELETE_DATA_CHOICE,
                    "options": [keep, drop],
                    "initial_option": keep,
                },
            },
        ],
        callback_id=CallbackId.USER_DELETE,
        submit="Delete",
        close="Cancel",
        private_metadata=json.dumps({"username": username}),
    )
