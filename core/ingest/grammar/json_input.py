"""Whole-document JSON input for the small JSON formats (metrics, rules), keeping duplicate keys visible.

The standard decoder silently keeps the last of two equal keys; METRICS2.1 logs really do repeat keys
(one value per command run), and a repeated rule is an ambiguous gate, so every object remembers which
keys were repeated (and, when there are any, its pairs in file order).

Decoded JSON can take far more memory than its text ('{}' is 2 bytes, an empty dict about 90), so
before decoding, a structural count of the text (objects, arrays, values, strings: all at C speed)
bounds what the decoded values will take, and a document over the budget is refused with the figures.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from typing import Any, BinaryIO

from core.ingest.errors import ReportParseError, shorten
from core.ingest.grammar.lines import Cursor

MAX_JSON_BYTES = 16 << 20
# Decoded values (with the text they came from) may take at most this many times the report's size,
# never less than the floor (so small files are never refused for Python's per-object overhead) and
# never more than the ceiling.
JSON_MEMORY_FACTOR = 10
JSON_MEMORY_FLOOR = 4 << 20
JSON_MEMORY_CEILING = 200_000_000

# Upper bounds, in bytes, of what json.loads with pairs_hook keeps per item on 64-bit CPython 3.11
# (measured with tracemalloc on documents made of nothing but that item; see tests/unit/ingest).
_COST_OBJECT = 250  # a JsonObject with the hash table of a small dict
_COST_ARRAY = 88  # a list and its over-allocation
_COST_PAIR = 160  # the decoder's (key, value) tuple, the dict entry and the key memo
_COST_VALUE = 40  # a pointer to the value and a float or int object
_COST_STRING = 80  # a str object's header (its characters are counted apart)
# After escaped backslashes and quotes are dropped, every quote delimits a string.
_STRING_RE = re.compile(rb'"[^"]*+"')


class JsonObject(dict[str, Any]):
    """A decoded JSON object that also knows its repeated keys and, if any, every pair in file order."""

    __slots__ = ("_pairs", "duplicates")
    _pairs: list[tuple[str, Any]] | None  # only kept when a key repeats (else the dict's order is the same)
    duplicates: list[str]

    @property
    def pairs(self) -> list[tuple[str, Any]]:
        """Every (key, value) pair in file order, duplicates included."""
        return self._pairs if self._pairs is not None else list(self.items())


_NO_DUPLICATES: list[str] = []  # shared by every object without a repeated key; never appended to


def pairs_hook(pairs: list[tuple[str, Any]]) -> JsonObject:
    obj = JsonObject(pairs)
    if len(obj) == len(pairs):
        obj._pairs = None
        obj.duplicates = _NO_DUPLICATES
        return obj
    obj._pairs = pairs
    seen: set[str] = set()
    obj.duplicates = []
    for key, _ in pairs:
        if key in seen:
            obj.duplicates.append(key)
        seen.add(key)
    return obj


@dataclass(frozen=True, slots=True)
class JsonShape:
    """Structural counts of a JSON text (outside strings), enough to bound its decoded size."""

    size: int  # bytes of UTF-8 text
    objects: int
    arrays: int
    pairs: int
    values: int  # an upper bound of pair values, array elements and the document itself
    strings: int
    string_bytes: int

    def decoded_bytes(self, text_bytes: int, char_width: int) -> int:
        """An upper bound of the memory the decoded values and the text (``text_bytes``) take together."""
        return (
            text_bytes
            + self.string_bytes * char_width
            + self.strings * _COST_STRING
            + self.objects * _COST_OBJECT
            + self.arrays * _COST_ARRAY
            + self.pairs * _COST_PAIR
            + self.values * _COST_VALUE
        )


def json_shape(raw: bytes) -> JsonShape:
    """Count a JSON text's structure without decoding it (linear, and a few copies of the text at most)."""
    bare = raw
    if b"\\" in bare:
        bare = bare.replace(b"\\\\", b"").replace(b'\\"', b"")
    outside, strings = _STRING_RE.subn(b"", bare)
    commas = outside.count(b",")
    objects = outside.count(b"{")
    arrays = outside.count(b"[")
    return JsonShape(
        size=len(raw),
        objects=objects,
        arrays=arrays,
        pairs=outside.count(b":"),
        # Each value is the document, a pair's or the first in a non-empty array or follows a comma.
        values=commas + objects + arrays + 1 - outside.count(b"{}") - outside.count(b"[]"),
        strings=strings,
        string_bytes=len(bare) - len(outside),
    )


def json_memory_budget(size: int) -> int:
    return min(max(JSON_MEMORY_FACTOR * size, JSON_MEMORY_FLOOR), JSON_MEMORY_CEILING)


def check_json_memory(
    raw: bytes, text_bytes: int, char_width: int, cursor: Cursor, line_no: int, file_size: int | None = None
) -> None:
    """Refuse JSON text ``raw`` whose decoded values would take more than the memory budget.

    ``text_bytes`` is what the decoded text itself takes, ``char_width`` the widest character it holds
    (1, 2 or 4 bytes): decoded strings take at most that per character. The budget is the file's:
    ``file_size`` when ``raw`` is one value of a larger file (its size by default).
    """
    shape = json_shape(raw)
    need = shape.decoded_bytes(text_bytes, char_width)
    budget = json_memory_budget(shape.size if file_size is None else max(file_size, shape.size))
    if need > budget:
        raise memory_error(cursor, shape, need, budget, line_no)


def memory_error(cursor: Cursor, shape: JsonShape, need: int, budget: int, line_no: int) -> ReportParseError:
    return cursor.error(
        f"JSON that decodes within {_mb(budget)} (the limit is {JSON_MEMORY_FACTOR}x the file's size, "
        f"at least {_mb(JSON_MEMORY_FLOOR)} and at most {_mb(JSON_MEMORY_CEILING)})",
        f"{shape.objects} objects, {shape.arrays} arrays and {shape.values} values in {_mb(shape.size)} "
        f"of text, up to {_mb(need)} once decoded",
        line_no,
    )


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


_NON_ASCII_HEADER = sys.getsizeof("\xe9") - 2  # a non-ASCII str's fixed part (one character and the NUL)


def char_width(text: str) -> int:
    """Bytes per character of ``text`` in memory: CPython keeps a str in 1, 2 or 4 bytes a character,
    whichever its widest character needs (read from its size rather than by scanning it)."""
    if text.isascii():
        return 1
    return max(1, (sys.getsizeof(text) - _NON_ASCII_HEADER) // (len(text) + 1))


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
    """Read and decode a JSON document; errors name the line. Returns (text, value).

    Refused before decoding: a file over MAX_JSON_BYTES, and one whose values would not fit the memory
    budget (json_memory_budget) once decoded.
    """
    raw = stream.read(MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise cursor.error(f"a JSON report under {MAX_JSON_BYTES >> 20} MiB", "a larger file", 0)
    text = decode_json_text(raw, cursor)
    check_json_memory(raw, sys.getsizeof(text), char_width(text), cursor, 0)
    del raw  # only the text is needed from here on
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


_COLON_AFTER_RE = re.compile(r"\s*+:")


def find_key(text: str, key: str, start: int = 0) -> int:
    """Where "key" next appears as an object key (its opening quote) from ``start``, or -1.

    A plain substring search (linear) rather than a pattern compiled from the key, whose compile time
    grows fast with a long key.
    """
    needle = json.dumps(key, ensure_ascii=False)
    at = text.find(needle, start)
    while at >= 0 and _COLON_AFTER_RE.match(text, at + len(needle)) is None:
        at = text.find(needle, at + 1)
    return at


def line_of_key(text: str, key: str, occurrence: int = 2) -> int:
    """The line of the n-th appearance of "key" as an object key, for duplicate-key messages."""
    at = -1
    for _ in range(occurrence):
        at = find_key(text, key, at + 1)
        if at < 0:
            return 0
    return text.count("\n", 0, at) + 1


class KeyLines:
    """Lines of keys looked up in file order: each search starts where the previous key was found, so
    locating every key of a document is linear in its text (not one pass over the text per key)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    def line_of(self, key: str) -> int:
        at = find_key(self.text, key, self.pos)
        if at < 0:
            return 0
        self.line += self.text.count("\n", self.pos, at)
        self.pos = at
        return self.line


def duplicate_error(cursor: Cursor, text: str, key: str, what: str) -> Exception:
    return cursor.error(f"each {what} once", f"the key {shorten(key)} a second time", line_of_key(text, key))
