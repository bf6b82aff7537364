"""Text input for the line-oriented parsers: numbered, decoded lines read lazily from a byte stream.

Decoding happens line by line so a file in the wrong encoding is reported at the line where it goes
wrong. Report lines are capped at ``REPORT_LINE_BYTES`` (64 KiB): no real report line comes near it,
and the cap bounds the work any line pattern can do on one line. The reader never holds more than the
cap plus one read block of an unfinished line, so a binary file without newlines is refused early.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from itertools import chain
from typing import BinaryIO, NamedTuple

from core.ingest.errors import ReportParseError, shorten

# The reader's default cap (a guard against binary files); report parsing passes REPORT_LINE_BYTES.
MAX_LINE_BYTES = 1 << 20
# The documented cap on one line of a text report, line ending included (see core/ingest/README.md).
REPORT_LINE_BYTES = 64 << 10
READ_BLOCK_BYTES = 1 << 16


class Line(NamedTuple):
    no: int
    text: str


_new_line = partial(tuple.__new__, Line)  # Line((no, text)) without the namedtuple's Python-level __new__


class Cursor:
    """Where a parser is in its input, so any error (even an unexpected one) can name the line."""

    __slots__ = ("line_no", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self.line_no = 0

    def error(self, expected: str, found: str, line_no: int | None = None) -> ReportParseError:
        return ReportParseError(self.source, self.line_no if line_no is None else line_no, expected, found)


def decode_line(raw: bytes, no: int, cursor: Cursor) -> str:
    if b"\x00" in raw:
        raise cursor.error("a text report", "binary data (a NUL byte)", no)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = raw[exc.start]
        raise cursor.error(
            "UTF-8 text", f"the byte 0x{bad:02x} at column {exc.start + 1}, which is not valid UTF-8", no
        ) from None
    if no == 1 and text.startswith("\ufeff"):
        text = text[1:]
    return text.rstrip("\r\n")


def line_too_long(cursor: Cursor, no: int, cap: int) -> ReportParseError:
    """The error for a line over ``cap`` bytes, naming the line and the limit."""
    if cap >= MAX_LINE_BYTES:
        return cursor.error("a text line shorter than 1 MiB", "a longer line (is this a binary file?)", no)
    return cursor.error(
        f"a text line of at most {cap >> 10} KiB (the limit for one line of a report)",
        f"a line longer than {cap >> 10} KiB",
        no,
    )


def read_lines(stream: BinaryIO, cursor: Cursor, max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[Line]:
    """Yield the stream's lines, numbered from 1, keeping ``cursor.line_no`` up to date.

    The stream is read and decoded a block of whole lines at a time; a block holding a NUL byte, bytes
    that are not UTF-8 or a line that may be over ``max_line_bytes`` is redone line by line so the error
    names its line. An unfinished line is refused as soon as it passes the cap, before more is read.
    """
    no = 0
    carry = b""
    new_line = _new_line
    cap = max_line_bytes
    # A decoded line of at most this many characters is within the cap whatever its encoding (UTF-8
    # takes at most 4 bytes a character, plus '\r\n'); only longer ones need their bytes counted.
    safe_chars = cap // 4 - 2
    while True:
        try:
            block = stream.read(READ_BLOCK_BYTES)
        except OSError as exc:
            raise cursor.error("a readable file", f"a read error ({exc})", no + 1) from None
        if not block:
            if carry:
                no += 1
                cursor.line_no = no
                yield from _checked_lines([carry], no, cursor, cap)
            return
        data = carry + block if carry else block
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            carry = data
            if len(carry) > cap:
                cursor.line_no = no + 1
                raise line_too_long(cursor, no + 1, cap)
            continue
        body, carry = data[:cut], data[cut:]
        text = None
        if b"\x00" not in body:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                pass
        texts: list[str] = []
        if text is not None:
            if "\r" in text:
                texts = [t.rstrip("\r") for t in text.split("\n")]
            else:
                texts = text.split("\n")
            texts.pop()
            if len(body) > cap and max(map(len, texts)) > safe_chars:
                text = None  # a line may be over the cap: count its bytes on the checked path
        if text is None:
            raws = body.split(b"\n")
            raws.pop()  # body ends with a newline
            for line in _checked_lines([raw + b"\n" for raw in raws], no + 1, cursor, cap):
                no = line.no
                yield line
            continue
        if no == 0 and texts[0].startswith("\ufeff"):
            texts[0] = texts[0][1:]
        for t in texts:
            no += 1
            cursor.line_no = no
            yield new_line((no, t))


def _checked_lines(raws: list[bytes], first_no: int, cursor: Cursor, cap: int) -> Iterator[Line]:
    """Lines one at a time with every check (length, NUL, UTF-8), numbered from ``first_no``."""
    for no, raw in enumerate(raws, start=first_no):
        cursor.line_no = no
        if len(raw) > cap:
            raise line_too_long(cursor, no, cap)
        yield Line(no, decode_line(raw, no, cursor))


def text_lines(lines: Iterable[str], cursor: Cursor, max_line_bytes: int = REPORT_LINE_BYTES) -> Iterator[Line]:
    """Number lines that are already decoded (inline fixtures, callers with their own reader)."""
    safe_chars = max_line_bytes // 4 - 2
    for no, text in enumerate(lines, start=1):
        cursor.line_no = no
        if "\x00" in text:
            raise cursor.error("a text report", "binary data (a NUL byte)", no)
        if len(text) > safe_chars and len(text.encode("utf-8", "surrogatepass")) > max_line_bytes:
            raise line_too_long(cursor, no, max_line_bytes)
        yield Line(no, text.rstrip("\r\n"))


class Lines:
    """A numbered line stream with one line of look-ahead, as the block grammars need.

    The underlying iterator keeps ``cursor.line_no`` at the number of the line it yielded last (as
    ``read_lines`` and ``text_lines`` do), so the line consumed last is known without bookkeeping here.
    """

    __slots__ = ("_it", "_peeked", "cursor")

    def __init__(self, it: Iterator[Line], cursor: Cursor) -> None:
        self._it = it
        self._peeked: Line | None = None
        self.cursor = cursor

    @property
    def last_no(self) -> int:
        """The number of the line consumed last (0 before the first)."""
        peeked = self._peeked
        return peeked.no - 1 if peeked is not None else self.cursor.line_no

    def __iter__(self) -> Iterator[Line]:
        return self

    def __next__(self) -> Line:
        if self._peeked is not None:
            line, self._peeked = self._peeked, None
            return line
        return next(self._it)

    def rest(self) -> Iterator[Line]:
        """The lines from here on, for a loop that does not peek: without a method call per line."""
        peeked = self._peeked
        if peeked is None:
            return self._it
        self._peeked = None
        return chain((peeked,), self._it)

    def peek(self) -> Line | None:
        if self._peeked is None:
            try:
                self._peeked = next(self._it)
            except StopIteration:
                return None
        return self._peeked

    def error(self, expected: str, found: str | Line | None = None, line_no: int | None = None) -> ReportParseError:
        if isinstance(found, Line):
            return self.cursor.error(expected, shorten(found.text), found.no)
        if found is None:
            return self.cursor.error(expected, "end of file", line_no if line_no is not None else self.last_no)
        return self.cursor.error(expected, found, line_no)
