"""The credentials modals: the masked list with actions, and the set-one-value form."""

from __future__ import annotations

import json
from typing import Any

from core.credentials import KNOWN_KEYS, MaskedCredential
from listeners.blocks.common import SECTION_MAX, Block, button, code, context, divider, esc, modal, plain, section
from listeners.ids import ActionId, BlockId, CallbackId, CredsRowAction

VALUE_MAX_CHARS = 3000  # Slack's plain_text_input limit; the server-side limit is 10 kB


def creds_metadata(channel_id: str | None) -> str:
    """Only where to reveal values (a channel ID): never a value, never a token."""
    return json.dumps({"channel_id": channel_id}) if channel_id else ""


def read_metadata(raw: str | None) -> dict[str, Any]:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _row_menu(cred: MaskedCredential) -> dict[str, Any]:
    actions = [(CredsRowAction.REVEAL, "Reveal to me")]
    if not cred.managed:
        actions = [(CredsRowAction.UPDATE, "Update"), *actions, (CredsRowAction.DELETE, "Delete")]
    return {
        "type": "overflow",
        "action_id": ActionId.CREDS_ROW_MENU,
        "options": [{"text": plain(label, 75), "value": f"{action}:{cred.key_name}"} for action, label in actions],
    }


def deleted_notice(key_name: str) -> str:
    return f":wastebasket: Deleted {code(key_name)}."


def saved_notice(key_name: str, *, created: bool, masked: str) -> str:
    # The mask keeps the value's last characters: they are the user's text like any other.
    return f":white_check_mark: {'Added' if created else 'Updated'} {code(key_name)} ({esc(masked)})."


def revealed_text(key_name: str, value: str) -> str:
    """Fallback text of the reveal ephemeral; the exact value is shown by revealed_blocks."""
    return f"{esc(key_name)} (only you can see this): {esc(value)}"


def revealed_blocks(key_name: str, value: str) -> list[Block]:
    # plain_text without emoji: the value is shown exactly as stored, `*`, `_` and `:x:` included.
    shown = f"{key_name} (only you can see this): {value}"
    if len(shown) > SECTION_MAX:
        return []  # the escaped fallback text carries it whole; a section would cut it
    return [{"type": "section", "text": {"type": "plain_text", "text": shown, "emoji": False}}]


def creds_modal(creds: list[MaskedCredential], *, channel_id: str | None, notice: str | None = None) -> dict[str, Any]:
    """`notice` is mrkdwn from deleted_notice / saved_notice."""
    blocks: list[Block] = []
    if notice:
        blocks.append(section(notice))
    if not creds:
        blocks.append(section("You have no stored credentials yet."))
    for cred in creds[:90]:
        note = " _(managed)_" if cred.managed else ""
        blocks.append(section(f"{code(cred.key_name)}{note}\n{esc(cred.masked)}", accessory=_row_menu(cred)))
    blocks += [
        divider(),
        {
            "type": "actions",
            "block_id": BlockId.CREDS_ACTIONS,
            "elements": [button("Add credential", ActionId.CREDS_ADD, style="primary")],
        },
        context("Values are encrypted at rest and shown masked. *Reveal* shows one value only to you."),
    ]
    return modal(
        "Your credentials", blocks, callback_id=CallbackId.CREDS_LIST, private_metadata=creds_metadata(channel_id)
    )


def set_credential_modal(key_name: str | None, *, channel_id: str | None) -> dict[str, Any]:
    blocks: list[Block] = []
    meta: dict[str, Any] = {"channel_id": channel_id} if channel_id else {}
    if key_name is None:
        known = ", ".join(code(k) for k in KNOWN_KEYS if k != "DB_PASSWORD")
        blocks.append(
            {
                "type": "input",
                "block_id": BlockId.CREDS_KEY,
                "label": plain("Name", 2000),
                "hint": plain(f"A–Z, 0–9 and _, like SLACK_CHANNEL_ID. Known names: {known.replace('`', '')}", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ActionId.CREDS_KEY_INPUT,
                    "max_length": 64,
                    "placeholder": plain("SLACK_CHANNEL_ID", 150),
                },
            }
        )
    else:
        meta["key_name"] = key_name  # a name, not a value
        about = KNOWN_KEYS.get(key_name)
        blocks.append(section(f"Setting {code(key_name)}" + (f" — {esc(about)}" if about else "")))
    blocks.append(
        {
            "type": "input",
            "block_id": BlockId.CREDS_VALUE,
            "label": plain("Value", 2000),
            "hint": plain("Stored encrypted; shown masked afterwards.", 2000),
            "element": {
                "type": "plain_text_input",
                "action_id": ActionId.CREDS_VALUE_INPUT,
                "max_length": VALUE_MAX_CHARS,
            },
        }
    )
    return modal(
        "Set a credential",
        blocks,
        callback_id=CallbackId.CREDS_SET,
        submit="Save",
        close="Cancel",
        private_metadata=json.dumps(meta) if meta else "",
    )


def loading_modal(title: str) -> dict[str, Any]:
    return modal(title, [section(":hourglass_flowing_sand: Loading…")], callback_id=CallbackId.LOADING)


def message_modal(title: str, text: str) -> dict[str, Any]:
    """`text` is shown as written (an error may quote user input), emoji codes included."""
    return modal(title, [section(esc(text))], callback_id=CallbackId.LOADING)
