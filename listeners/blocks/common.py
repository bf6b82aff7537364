"""Small Block Kit pieces with Slack's length limits applied, so builders cannot exceed them.

Also the one place where user text is made safe for mrkdwn: `esc`, `code`, `link` and `mention`. Every
name, value or message that came from a user, a report file, a database or another service goes through
one of them before it is put into mrkdwn (section and context text, fields, and a message's fallback
`text`); plain_text objects (headers, buttons, modal titles) show text literally and need nothing.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit

Block = dict[str, Any]

HEADER_MAX = 150
SECTION_MAX = 3000
BUTTON_TEXT_MAX = 75
MODAL_TITLE_MAX = 24


# Slack ids as Slack itself writes them; anything else is shown as text, never as a mention.
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,20}$")
# What may stay unencoded in a link target: RFC 3986 characters minus the ones Slack's <url|label>
# syntax gives a meaning to (`<`, `>`, `|`) and minus `&`, which mrkdwn reads as the start of an entity.
_URL_SAFE = ":/?#[]@!$'()*+,;=%~-._"


def esc(text: object) -> str:
    """User text made inert in mrkdwn: `<!channel>`, `<@U…>` or `<url|label>` are shown, never acted on.

    Slack reads only `&`, `<` and `>` as control characters; escaping them turns every mention, link and
    special command into plain text that displays exactly as typed (Slack decodes the entities).
    """
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code(text: object) -> str:
    """Inline code for a user-supplied name: escaped, and unable to close the span early.

    A backtick would end the span (and let the rest be read as formatting), a newline would end it too;
    both are replaced rather than dropped so the name stays recognisable.
    """
    inner = str(text).replace("`", "'").replace("\r", " ").replace("\n", " ")
    return "`" + (esc(inner) or " ") + "`"


def safe_url(url: str | None) -> str | None:
    """An http(s) URL with every character that could end a Slack link percent-encoded, else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    encoded = quote(url.strip(), safe=_URL_SAFE)
    return encoded if len(encoded) <= 3000 else None


def link(url: str | None, label: object) -> str:
    """`<url|label>` for a URL edabot built (e.g. a Grafana dashboard), with the label escaped;
    the label in inline code when there is no usable URL."""
    target = safe_url(url)
    if target is None:
        return code(label)
    # In a link label `|` is harmless (only the first one splits) but `>` would end the link: esc covers it.
    return f"<{esc(target)}|{esc(label) or 'link'}>"


def mention(user_id: str | None, fallback: object = "someone") -> str:
    """A live `<@U…>` mention only for a well-formed Slack user id; anything else is shown as text."""
    if user_id and USER_ID.match(user_id):
        return f"<@{user_id}>"
    return code(user_id) if user_id else esc(fallback)


def channel_link(channel_id: str | None) -> str:
    """`<#C…>` only for a well-formed conversation id (a credential value is user text)."""
    if channel_id and CHANNEL_ID.match(channel_id):
        return f"<#{channel_id}>"
    return code(channel_id or "no channel")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = SECTION_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_MAX) -> dict[str, Any]:
    """`text` is mrkdwn written by edabot, with every user part already through esc/code/link/mention.

    verbatim: Slack then does not turn bare URLs, `#channel` names or `@here` words into links itself;
    only the <…> forms we wrote are live.
    """
    return {"type": "mrkdwn", "text": clip(text, limit), "verbatim": True}


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
