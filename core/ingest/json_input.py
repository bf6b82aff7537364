"""Whole-document JSON input for the small JSON formats (metrics, rules), keeping duplicate keys visible.

The standard decoder silently keeps the last of two equal keys; METRICS2.1 logs really do repeat keys
(one value per command run), and a repeated rule is an ambiguous gate, so every object remembers its
pairs in file order and which keys were repeated.
"""

from __future__ import annotations

import json
import re
from typing import Any, BinaryIO

from core.ingest.errors import shorten
from core.ingest.lines import Cursor

MAX_JSON_BYTES = 64 << 20


class JsonObject(dict[str, Any]):
    """A decoded JSON object that also keeps every (key, value) pair in order, duplicates included."""

    pairs: list[tuple[str, Any]]
    duplicates: list[str]


def pairs_hook(pairs: list[tuple[str, Any]]) -> JsonObject:
    obj = JsonObject(pairs)
    obj.pairs = pairs
    seen: set[str] = set()
    obj.duplicates = []
    for key, _ in pairs:
        if key in seen:
            obj.duplicates.append(key)
        seen.add(key)
    return obj


def decode_json_text(raw: bytes, cursor: Cursor) -> str:
    if not raw.strip():
        raise cursor.error("a JSON document", "an empty file", 0)
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise cursor.error("a JSON text report", "binary data (a NUL byte)", line)
    try:
        return raw.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise cursor.error("UTF-8 text", f"the byte 0x{raw[exc.start]:02x}, which is not valid UTF-8", line) from None


def load_json(stream: BinaryIO, cursor: Cursor) -> tuple[str, Any]:
    """Read and decode a JSON document; errors name the line. Returns (text, value)."""
    raw = stream.read(MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise cursor.error("a JSON report under 64 MiB", "a larger file", 0)
    text = decode_json_text(raw, cursor)
    try:
        value = json.loads(text, object_pairs_hook=pairs_hook, parse_constant=reject_constant)
    except json.JSONDecodeError as exc:
        raise cursor.error("valid JSON", f"{exc.msg} at column {exc.colno}", exc.lineno) from None
    except RecursionError:
        raise cursor.error("JSON nested less deeply", "a deeply nested document", 0) from None
    except ValueError as exc:
        raise cursor.error("valid JSON", str(exc), 0) from None
    return text, value


def reject_constant(name: str) -> float:
    # NaN/Infinity are not JSON and would not survive the jsonb load either.
    raise ValueError(f"the non-standard constant {name}")


def line_of_key(text: str, key: str, occurrence: int = 2) -> int:
    """The line of the n-th appearance of "key" as an object key, for duplicate-key messages."""
    pattern = re.compile(re.escape(json.dumps(key)) + r"\s*:")
    for i, m in enumerate(pattern.finditer(text), start=1):
        if i == occurrence:
            return text.count("\n", 0, m.start()) + 1
    return 0


def duplicate_error(cursor: Cursor, text: str, key: str, what: str) -> Exception:
    return cursor.error(f"each {what} once", f"the key {shorten(key)} a second time", line_of_key(text, key))
