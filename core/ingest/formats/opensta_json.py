"""OpenSTA ``report_checks -format json``: ``{"checks": [ {path}, … ]}`` with SI units (seconds, farads).

Paths are decoded one at a time from a sliding buffer, so a report with many paths is never held in
memory whole; each path object keeps its duplicate keys visible (a repeated 'slack' is refused). A value
that outgrows the steady-state buffer is measured (json_input.check_json_memory) before each attempt to
decode it, so one huge path of tiny objects cannot blow up memory either.
"""

from __future__ import annotations

import codecs
import io
import json
import re
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO

from core.ingest.errors import shorten
from core.ingest.format_ids import ReportFormat, ReportKind
from core.ingest.formats.registry import FormatSpec
from core.ingest.grammar.context import ParseContext
from core.ingest.grammar.head import Head
from core.ingest.grammar.json_input import (
    JsonObject,
    char_width,
    check_json_memory,
    line_of_key,
    pairs_hook,
    reject_constant,
)
from core.ingest.grammar.lines import Cursor
from core.ingest.grammar.units import SECONDS
from core.ingest.records import Fact, PathPoint, TimingPath

_CHUNK = 1 << 16
# The largest single value (one path object): real ones are a few hundred KB at most.
_MAX_VALUE_CHARS = 4 << 20
# A value in a window up to this size is decoded unchecked (its objects take a few MB at worst);
# past it, the window's decoded size is bounded before each attempt. Steady-state windows (what is
# left of one chunk plus the next) stay under it, so ordinary reports are never scanned twice.
_CHECK_FROM_CHARS = 2 * _CHUNK
_NOT_BLANK_RE = re.compile(r"[^ \t\r\n]")


class _Buffer:
    """Decoded text from the stream with a read position; keeps line numbers across compactions."""

    def __init__(self, stream: BinaryIO, cursor: Cursor) -> None:
        self.stream = stream
        self.cursor = cursor
        self.text = ""
        self.pos = 0
        self.eof = False
        self.lines_before = 0
        self.bytes_read = 0
        self.decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.json = json.JSONDecoder(object_pairs_hook=pairs_hook, parse_constant=reject_constant)
        # The memory budget of one value is the whole file's (paths are released as they are yielded).
        self.file_size = _remaining_size(stream)

    def line(self, pos: int | None = None) -> int:
        return self.lines_before + self.text.count("\n", 0, self.pos if pos is None else pos) + 1

    def fill(self, size: int = _CHUNK) -> bool:
        if self.eof:
            return False
        raw = self.stream.read(size)
        final = not raw
        if b"\x00" in raw:
            raise self.cursor.error("a JSON text report", "binary data (a NUL byte)", self.line(len(self.text)))
        try:
            chunk = self.decoder.decode(raw, final=final)
        except UnicodeDecodeError:
            raise self.cursor.error("UTF-8 text", "bytes that are not valid UTF-8", self.line(len(self.text))) from None
        self.bytes_read += len(raw)
        if self.bytes_read == len(raw) and chunk.startswith("\ufeff"):
            chunk = chunk[1:]
        self.text += chunk
        self.eof = final
        return True

    def compact(self) -> None:
        self.lines_before += self.text.count("\n", 0, self.pos)
        self.text = self.text[self.pos :]
        self.pos = 0

    def peek(self) -> str:
        """The next non-blank character ('' at end of input)."""
        while True:
            m = _NOT_BLANK_RE.search(self.text, self.pos)  # a blank run is skipped at C speed
            if m is not None:
                self.pos = m.start()
                return self.text[self.pos]
            self.pos = len(self.text)
            self.compact()  # drop the blanks so a long run of them is never copied again on each fill
            if not self.fill():
                return ""

    def expect(self, char: str, what: str) -> None:
        got = self.peek()
        if got != char:
            found = shorten(self.text[self.pos : self.pos + 40]) if got else "end of file"
            raise self.cursor.error(what, found, self.line())
        self.pos += 1

    def value(self) -> tuple[Any, int]:
        """Decode the JSON value at the read position; returns (value, its start offset)."""
        self.peek()
        self.compact()
        checked = 0
        while True:
            window = len(self.text) - self.pos
            if window > _CHECK_FROM_CHARS and window > checked:
                text = self.text[self.pos :]
                check_json_memory(
                    text.encode("utf-8"),
                    sys.getsizeof(self.text),
                    char_width(text),
                    self.cursor,
                    self.line(),
                    max(self.file_size or 0, self.bytes_read),
                )
                checked = window
            try:
                value, end = self.json.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                if not self.eof and window < _MAX_VALUE_CHARS:
                    # An unfinished value: read as much again, so that decoding it anew each time
                    # costs a constant factor of its size rather than a pass per chunk.
                    self.fill(max(_CHUNK, window))
                    continue
                raise self.cursor.error("valid JSON", exc.msg, self.line(exc.pos)) from None
            except RecursionError:
                raise self.cursor.error("JSON nested less deeply", "a deeply nested value", self.line()) from None
            except ValueError as exc:
                raise self.cursor.error("valid JSON", str(exc), self.line()) from None
            start = self.pos
            if end == len(self.text) and not self.eof and not isinstance(value, dict | list | str):
                self.fill()  # a number at the end of the buffer may continue in the next chunk
                continue
            self.pos = end
            return value, start


def _remaining_size(stream: BinaryIO) -> int | None:
    """Bytes from the stream's position to its end, or None when it cannot seek (then what was read so
    far stands in for the file's size)."""
    try:
        if not stream.seekable():
            return None
        here = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(here)
    except (OSError, ValueError):
        return None
    return end - here


def parse(stream: BinaryIO, ctx: ParseContext) -> Iterator[Fact]:
    ctx.unit = SECONDS  # -format json always prints SI units, whatever the library uses
    ctx.run.time_unit = SECONDS.label
    buf = _Buffer(stream, ctx.cursor)
    if buf.peek() == "":
        raise ctx.cursor.error("a JSON document", "an empty file", 0)
    buf.expect("{", "a JSON object with a 'checks' list")
    index = 0
    seen_checks = False
    while True:
        if buf.peek() == "}":
            buf.pos += 1
            break
        key, _ = buf.value()
        if not isinstance(key, str):
            raise ctx.cursor.error("a JSON object key", shorten(str(key)), buf.line())
        buf.expect(":", "':' after a key")
        if key == "checks":
            seen_checks = True
            buf.expect("[", "a list of paths after 'checks'")
            if buf.peek() == "]":
                buf.pos += 1
            else:
                while True:
                    obj, start = buf.value()
                    ctx.cursor.line_no = buf.line(start)
                    yield _path(obj, index, buf, start, ctx)
                    index += 1
                    nxt = buf.peek()
                    if nxt == "]":
                        buf.pos += 1
                        break
                    buf.expect(",", "',' or ']' between paths")
        else:
            buf.value()
        if buf.peek() == "}":
            buf.pos += 1
            break
        buf.expect(",", "',' or '}' after a value")
    if buf.peek() != "":
        raise ctx.cursor.error("the end of the JSON document", shorten(buf.text[buf.pos : buf.pos + 40]), buf.line())
    if not seen_checks:
        raise ctx.cursor.error("a 'checks' list of paths", "a JSON object without one", 1)


def _path(obj: Any, index: int, buf: _Buffer, start: int, ctx: ParseContext) -> TimingPath:
    line = buf.line(start)
    cursor = ctx.cursor
    if not isinstance(obj, JsonObject):
        raise cursor.error("a path object in 'checks'", f"a JSON {type(obj).__name__}", line)
    if obj.duplicates:
        dup = obj.duplicates[0]
        text = buf.text[start : buf.pos]
        raise cursor.error(
            "each key once in a path", f"the key {shorten(dup)} a second time", line + line_of_key(text, dup) - 1
        )

    def text_field(name: str, required: bool = True) -> str | None:
        value = obj.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value:
            raise cursor.error(f"a name for '{name}'", shorten(json.dumps(value)), line)
        return value

    def time_field(name: str, required: bool = False) -> float | None:
        value = obj.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise cursor.error(f"a number for '{name}'", shorten(json.dumps(value)), line)
        return SECONDS.ns(float(value))

    path_type = obj.get("path_type")
    if path_type not in ("max", "min"):
        raise cursor.error("'path_type' max or min", shorten(json.dumps(path_type)), line)
    startpoint = text_field("startpoint")
    endpoint = text_field("endpoint")
    assert startpoint is not None and endpoint is not None
    arrival = time_field("data_arrival_time", required=True)
    required = time_field("required_time")
    slack = time_field("slack")
    points: list[PathPoint] = []
    for chain, is_capture in (("source_clock_path", False), ("source_path", False), ("target_clock_path", True)):
        entries = obj.get(chain, [])
        if not isinstance(entries, list):
            raise cursor.error(f"a list for '{chain}'", shorten(json.dumps(entries)), line)
        prev: float | None = None
        for entry in entries:
            point = _point(entry, len(points), is_capture, prev, cursor, line, ctx)
            prev = point.path_time
            points.append(point)
    depth = None
    if obj.get("source_path"):
        source = [e for e in obj["source_path"] if isinstance(e, dict)]
        instances = [e.get("instance") for e in source if e.get("instance")]
        depth = len(set(instances) - {instances[0], instances[-1]}) if instances else 0
    return TimingPath(
        path_index=index,
        stage=None,
        report_section="report_checks -format json",
        corner=None,
        mode=None,
        scenario=None,
        path_group=text_field("path_group", required=False),
        path_type=path_type,
        startpoint=startpoint,
        startpoint_kind=None,
        endpoint=endpoint,
        endpoint_kind=None,
        launch_clock=text_field("source_clock", required=False),
        launch_edge=text_field("source_clock_edge", required=False),
        capture_clock=text_field("target_clock", required=False),
        capture_edge=text_field("target_clock_edge", required=False),
        arrival=arrival,
        required=required,
        slack=slack,
        status=None if slack is None else ("VIOLATED" if slack < 0 else "MET"),
        clock_period=None,
        setup_hold_time=time_field("margin"),
        clock_uncertainty=None,
        crpr=time_field("crpr"),
        logic_depth=depth,
        time_unit=SECONDS.label,
        points=tuple(points),
        line_no=line,
    )


def _point(
    entry: Any, seq: int, is_capture: bool, prev: float | None, cursor: Cursor, line: int, ctx: ParseContext
) -> PathPoint:
    if not isinstance(entry, dict):
        raise cursor.error("a point object in a path list", shorten(json.dumps(entry)), line)
    pin = entry.get("pin")
    if not isinstance(pin, str) or not pin:
        raise cursor.error("a 'pin' name in every point", shorten(json.dumps(entry)[:60]), line)
    numbers: dict[str, float | None] = {}
    for name in ("arrival", "slew", "capacitance"):
        value = entry.get(name)
        if value is not None and (not isinstance(value, int | float) or isinstance(value, bool)):
            raise cursor.error(f"a number for '{name}' of {pin}", shorten(json.dumps(value)), line)
        numbers[name] = None if value is None else float(value)
    instance = entry.get("instance")
    is_port = not instance
    cell = entry.get("cell") if isinstance(entry.get("cell"), str) else None
    if is_port and cell and ctx.run.design is None:
        ctx.run.design = cell  # a top-level port's "cell" is the design itself
    arrival = SECONDS.ns(numbers["arrival"])
    cap = numbers["capacitance"]
    src = entry.get("verilog_src")
    return PathPoint(
        seq=seq,
        point=pin,
        cell=None if is_port else cell,
        point_kind="port" if is_port else "pin",
        edge=None,
        fanout=None,
        cap=None if cap is None else cap * 1e12,  # F -> pF
        slew=SECONDS.ns(numbers["slew"]),
        incr=None if arrival is None or prev is None else arrival - prev,
        path_time=arrival,
        is_capture=is_capture,
        src_attr=src if isinstance(src, str) and src else None,
    )


_CHECKS_KEY_RE = re.compile(r'"checks"\s*:')
_PATH_KEY_RE = re.compile(r'"(path_group|startpoint|slack)"\s*:')


def _is_checks_json(head: Head) -> bool:
    return bool(_CHECKS_KEY_RE.search(head.text) and _PATH_KEY_RE.search(head.text))


FORMATS = (
    FormatSpec(ReportFormat.OPENSTA_JSON, ReportKind.TIMING, "opensta", "json", 10, _is_checks_json, stream=parse),
)
