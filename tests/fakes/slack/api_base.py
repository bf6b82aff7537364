"""Building blocks shared by the Web API method handlers."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .blockkit import check_message_blocks
from .context import SimContext


class ApiError(Exception):
    """An `{"ok": false, "error": code, ...}` answer (HTTP 200, as Slack sends platform errors).

    `violation` is set when the error is the product's fault (a broken contract rather than a
    legitimate runtime condition such as a missing channel), so the test fails on it too.
    """

    def __init__(self, code: str, *, violation: str | None = None, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.violation = violation
        self.extra = extra


@dataclass
class ApiCall:
    method: str
    args: dict[str, Any]


Handler = Callable[[SimContext, ApiCall], dict[str, Any]]


# ---- argument readers: form bodies give strings, JSON bodies give typed values ----------------


def arg_str(args: dict[str, Any], name: str) -> str | None:
    value = args.get(name)
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def arg_bool(args: dict[str, Any], name: str, default: bool = False) -> bool:
    value = args.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes")


def arg_int(args: dict[str, Any], name: str, method: str) -> int | None:
    value = args.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(
            "invalid_arguments",
            violation=f"{method}: argument {name!r} is not an integer: {value!r}",
            response_metadata={"messages": [f"[ERROR] must be an integer [json-pointer:/{name}]"]},
        ) from None


def arg_json(args: dict[str, Any], name: str, method: str, *, error: str = "invalid_arguments") -> Any:
    """A JSON-valued argument (blocks, view, metadata, files) given as a string or an object."""
    value = args.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        raise ApiError(error, violation=f"{method}: argument {name!r} is not valid JSON") from None


def arg_list(args: dict[str, Any], name: str) -> list[str]:
    """Comma-separated list arguments (channels, users), or a JSON array."""
    value = args.get(name)
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [part.strip() for part in str(value).split(",") if part.strip()]


# ---- message content --------------------------------------------------------------------------


def message_blocks(ctx: SimContext, method: str, args: dict[str, Any]) -> list[dict[str, Any]] | None:
    """Parse and check `blocks`; Slack answers invalid_blocks with the problems listed."""
    blocks = arg_json(args, "blocks", method, error="invalid_blocks_format")
    if blocks is None:
        return None
    problems = check_message_blocks(blocks)
    if problems:
        messages = [p.render() for p in problems]
        raise ApiError(
            "invalid_blocks",
            violation=f"{method}: invalid blocks: {'; '.join(messages)}",
            errors=messages,
            response_metadata={"messages": messages},
        )
    return blocks  # type: ignore[no-any-return]


def check_fallback_text(ctx: SimContext, method: str, text: str | None, blocks: Any) -> None:
    # slack_sdk warns when blocks come without `text`; notifications and screen readers then
    # show nothing useful. Our product promises fallback text, so record it.
    if blocks and not (text or "").strip():
        ctx.violation(f"{method}: blocks sent without fallback `text`", warning=True)


MAX_TEXT = 40_000  # Slack truncates longer message text


def clamp_text(ctx: SimContext, method: str, text: str | None) -> str | None:
    if text is not None and len(text) > MAX_TEXT:
        ctx.violation(f"{method}: text of {len(text)} chars would be truncated at {MAX_TEXT}", warning=True)
        return text[:MAX_TEXT]
    return text


def parse_metadata(method: str, args: dict[str, Any]) -> dict[str, Any] | None:
    metadata = arg_json(args, "metadata", method, error="invalid_metadata_format")
    if metadata is None:
        return None
    if (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("event_type"), str)
        or not isinstance(metadata.get("event_payload"), dict)
    ):
        raise ApiError(
            "invalid_metadata_format",
            violation=f"{method}: metadata must be {{event_type: str, event_payload: object}}",
        )
    return metadata
