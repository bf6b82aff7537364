"""Small Block Kit pieces with Slack's length limits applied, so builders cannot exceed them."""

from __future__ import annotations

from typing import Any

Block = dict[str, Any]

HEADER_MAX = 150
SECTION_MAX = 3000
BUTTON_TEXT_MAX = 75
MODAL_TITLE_MAX = 24


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = SECTION_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, SECTION_MAX)}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_MAX)}


def section(text: str, **extra: Any) -> Block:
    return {"type": "section", "text": mrkdwn(text), **extra}


def line_sections(lines: list[str], limit: int = SECTION_MAX - 100) -> list[Block]:
    """Lines joined into as few sections as keep each under ``limit`` characters (a section holds 3000)."""
    blocks: list[Block] = []
    chunk: list[str] = []
    size = 0
    for line in lines:
        if chunk and size + len(line) > limit:
            blocks.append(section("\n".join(chunk)))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return blocks


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:10]]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str, action_id: str, *, value: str | None = None, style: str | None = None, url: str | None = None
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(text, BUTTON_TEXT_MAX), "action_id": action_id}
    if value is not None:
        element["value"] = clip(value, 2000)
    if style is not None:
        element["style"] = style
    if url is not None:
        element["url"] = url
    return element


def modal(
    title: str,
    blocks: list[Block],
    *,
    callback_id: str,
    submit: str | None = None,
    close: str = "Close",
    private_metadata: str = "",
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MODAL_TITLE_MAX),
        "close": plain(close, MODAL_TITLE_MAX),
        "blocks": blocks[:100],
    }
    if submit is not None:
        view["submit"] = plain(submit, MODAL_TITLE_MAX)
    if private_metadata:
        view["private_metadata"] = private_metadata
    return view


def code(text: str) -> str:
    """Inline code that cannot be broken out of by backticks in user-supplied text."""
    return "`" + text.replace("`", "'") + "`"
