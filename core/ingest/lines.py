"""Text input for the line-oriented parsers: numbered, decoded lines read lazily from a byte stream.

Decoding happens line by line so a file in the wrong encoding is reported at the line where it goes
wrong, and a line-length cap keeps a binary file without newlines from being read into memory whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from itertools import chain
from typing import BinaryIO, NamedTuple

from core.ingest.errors import ReportParseError, shorten

MAX_LINE_BYTES = 1 << 20
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


def read_lines(stream: BinaryIO, cursor: Cursor) -> Iterator[Line]:
    """Yield the stream's lines, numbered from 1, keeping ``cursor.line_no`` up to date.

    The stream is read and decoded a block of whole lines at a time; a block holding a NUL byte, bytes
    that are not UTF-8 or a line over the cap is redone line by line so the error names its line.
    """
    no = 0
    carry = b""
    new_line = _new_line
    while True:
        try:
            block = stream.read(READ_BLOCK_BYTES)
        except OSError as exc:
            raise cursor.error("a readable file", f"a read error ({exc})", no + 1) from None
        if not block:
            if carry:
                no += 1
                cursor.line_no = no
                yield from _checked_lines([carry], no, cursor)
            return
        data = carry + block if carry else block
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            carry = data
            if len(carry) > MAX_LINE_BYTES:
                cursor.line_no = no + 1
                raise cursor.error("a text line shorter than 1 MiB", "a longer line (is this a binary file?)", no + 1)
            continue
        body, carry = data[:cut], data[cut:]
        text = None
        if len(body) <= MAX_LINE_BYTES and b"\x00" not in body:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                pass
        if text is None:
            raws = body.split(b"\n")
            raws.pop()  # body ends with a newline
            for line in _checked_lines([raw + b"\n" for raw in raws], no + 1, cursor):
                no = line.no
                yield line
            continue
        if "\r" in text:
            texts = [t.rstrip("\r") for t in text.split("\n")]
        else:
            texts = text.split("\n")
        texts.pop()
        if no == 0 and texts[0].startswith("\ufeff"):
            texts[0] = texts[0][1:]
        for t in texts:
            no += 1
            cursor.line_no = no
            yield new_line((no, t))


def _checked_lines(raws: list[bytes], first_no: int, cursor: Cursor) -> Iterator[Line]:
    """Lines one at a time with every check (length, NUL, UTF-8), numbered from ``first_no``."""
    for no, raw in enumerate(raws, start=first_no):
        cursor.line_no = no
        if len(raw) > MAX_LINE_BYTES:
            raise cursor.error("a text line shorter than 1 MiB", "a longer line (is this a binary file?)", no)
        yield Line(no, decode_line(raw, no, cursor))


def text_lines(lines: Iterable[str], cursor: Cursor) -> Iterator[Line]:
    """Number lines that are already decoded (inline fixtures, callers with their own reader)."""
    for no, text in enumerate(lines, start=1):
        cursor.line_no = no
        if "\x00" in text:
            raise cursor.error("a text report", "binary data (a NUL byte)", no)
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
