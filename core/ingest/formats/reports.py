"""Entry points: detect a report's format from its content and stream its facts with the parser its
registration names (see registry.py).

``parse_report`` takes a binary stream, ``open_report`` a path (closing the file when done),
``parse_text`` an in-memory string. Every failure, whatever the format, is a ReportParseError.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, cast

from core.ingest.errors import ReportParseError
from core.ingest.format_ids import AnyFormat
from core.ingest.formats.registry import detect_format, spec_for
from core.ingest.grammar.context import ParseContext
from core.ingest.grammar.head import HEAD_BYTES
from core.ingest.grammar.lines import REPORT_LINE_BYTES, Cursor, Lines, read_lines
from core.ingest.grammar.units import NS, TimeUnit, guess_time_unit, parse_time_unit
from core.ingest.records import Fact, ParsedReport, RunInfo


class _Rewound(io.RawIOBase):
    """A non-seekable stream with its already-read head put back in front."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n


def _with_head(stream: BinaryIO) -> tuple[bytes, BinaryIO]:
    head = stream.read(HEAD_BYTES)
    try:
        if stream.seekable():
            stream.seek(-len(head), io.SEEK_CUR)
            return head, stream
    except (OSError, ValueError):
        pass
    return head, io.BufferedReader(_Rewound(head, stream))


def parse_report(
    stream: BinaryIO,
    *,
    source_name: str,
    fmt: AnyFormat | None = None,
    time_unit: str | TimeUnit | None = None,
    design: str | None = None,
) -> ParsedReport:
    """Detect (unless ``fmt`` is given) and start parsing a report; facts stream as they are consumed.

    ``time_unit`` overrides the unit the report is assumed to print times in (e.g. 'ps' for an
    ASAP7 run whose report gives no clue); ``design`` fills in the design when the report lacks it.
    """
    cursor = Cursor(source_name)
    try:
        head, stream = _with_head(stream)
    except OSError as exc:
        raise ReportParseError(source_name, 0, "a readable file", f"a read error ({exc})") from None
    entry_fmt = fmt if fmt is not None else detect_format(head, source_name)
    entry = spec_for(entry_fmt)
    explicit = _resolve_unit(time_unit, source_name)
    head_text = head.decode("utf-8", errors="replace")
    unit = explicit or (guess_time_unit(head_text) if entry.lines is not None else NS)
    run = RunInfo(
        source_name=source_name,
        format=entry_fmt,
        source_tool=entry.tool,
        design=design,
        time_unit=unit.label,
    )
    ctx = ParseContext(run=run, unit=unit, cursor=cursor, unit_is_explicit=explicit is not None)
    if not head.strip() and not entry.empty_ok:
        raise ReportParseError(source_name, 0, f"a {entry_fmt.value} report", "an empty file")
    if entry.lines is not None:
        facts = entry.lines(Lines(read_lines(stream, cursor, REPORT_LINE_BYTES), cursor), ctx)
    else:
        assert entry.stream is not None
        facts = entry.stream(stream, ctx)
    return ParsedReport(run=run, facts=_guarded(facts, ctx))


def _resolve_unit(time_unit: str | TimeUnit | None, source: str) -> TimeUnit | None:
    if time_unit is None or isinstance(time_unit, TimeUnit):
        return time_unit
    parsed = parse_time_unit(time_unit)
    if parsed is None:
        raise ReportParseError(source, 0, "a time unit such as 'ns' or '1ps'", repr(time_unit))
    return parsed


def _guarded(facts: Iterator[Fact], ctx: ParseContext) -> Iterator[Fact]:
    """Keep the one-error-type promise: anything unexpected becomes a ReportParseError at the line."""
    try:
        yield from facts
    except ReportParseError:
        raise
    except Exception as exc:
        raise ReportParseError(
            ctx.source,
            ctx.cursor.line_no,
            f"a well-formed {ctx.run.format.value} report",
            f"input the parser could not handle ({type(exc).__name__}: {exc})",
            internal=True,
        ) from exc
    ctx.run.time_unit = ctx.unit.label


PROGRESS_STEP_BYTES = 1 << 20


class _ReportingReader:
    """A binary file that tells how far it has been read, once per PROGRESS_STEP_BYTES and at the end. Only
    `read` is counted: it is all the parsers call to move forward (seek and tell pass through)."""

    def __init__(self, handle: BinaryIO, report: Callable[[int], None]) -> None:
        self._handle = handle
        self._report = report
        self._next = PROGRESS_STEP_BYTES

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        position = self._handle.tell()
        if position >= self._next or not data:
            self._next = position + PROGRESS_STEP_BYTES
            self._report(position)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


@contextmanager
def open_report(
    path: str | Path,
    *,
    fmt: AnyFormat | None = None,
    time_unit: str | TimeUnit | None = None,
    design: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[ParsedReport]:
    """Parse a report file; the file stays open while the facts are consumed inside the block. `progress`,
    when given, is called with the number of bytes read so far as the parse moves through the file."""
    path = Path(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ReportParseError(path.name, 0, "a readable file", f"{type(exc).__name__}: {exc.strerror}") from None
    with handle:
        stream = cast(BinaryIO, _ReportingReader(handle, progress)) if progress is not None else handle
        yield parse_report(stream, source_name=path.name, fmt=fmt, time_unit=time_unit, design=design)


def parse_text(
    text: str,
    *,
    source_name: str = "<inline>",
    fmt: AnyFormat | None = None,
    time_unit: str | TimeUnit | None = None,
) -> ParsedReport:
    """Parse a report held in memory (tests, small uploads)."""
    return parse_bytes(text.encode("utf-8"), source_name=source_name, fmt=fmt, time_unit=time_unit)


def parse_bytes(
    data: bytes,
    *,
    source_name: str = "<inline>",
    fmt: AnyFormat | None = None,
    time_unit: str | TimeUnit | None = None,
) -> ParsedReport:
    return parse_report(io.BytesIO(data), source_name=source_name, fmt=fmt, time_unit=time_unit)
