"""The one error type every report parser raises, so callers handle bad files in one place."""

from __future__ import annotations

from core.errors import Invalid


class ReportParseError(Invalid):
    """A report could not be read: names the file, the line, what was expected and what was found.

    ``internal`` is True when the error wraps an unexpected failure inside a parser (a bug), so tests
    can tell a deliberate rejection from a crash that was caught by the safety net.
    """

    def __init__(
        self,
        source: str,
        line_no: int,
        expected: str,
        found: str,
        *,
        internal: bool = False,
    ) -> None:
        self.source = source
        self.line_no = line_no
        self.expected = expected
        self.found = found
        self.internal = internal
        where = f"{source}, line {line_no}" if line_no > 0 else source
        super().__init__(f"{where}: expected {expected}, found {found}")


class ReportFormatError(ReportParseError):
    """The content matches no known report format (detection failed)."""

    def __init__(self, source: str, first_line: str, supported: str) -> None:
        super().__init__(
            source,
            1,
            f"a known EDA report ({supported})",
            f"unrecognised content starting {shorten(first_line)}",
        )


def shorten(text: str, limit: int = 80) -> str:
    """Quote a piece of input for an error message without flooding the log."""
    text = text.replace("\t", " ")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text)
