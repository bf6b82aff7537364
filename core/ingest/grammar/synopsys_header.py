"""The '****' banner that opens every Synopsys (DC, PrimeTime, ICC2) report: Report, Design, Version, Date."""

from __future__ import annotations

from datetime import UTC, datetime

from core.ingest.records import RunInfo

_FIELDS = frozenset({"Report", "Design", "Version", "Date"})


def apply_header_line(text: str, run: RunInfo) -> bool:
    """Copy Design/Version/Date from a header line into the run record; True if the line was one."""
    # str methods rather than '^\s*(Report|…)\s*:\s*(.*?)\s*$', whose lazy value before optional
    # trailing blanks is quadratic on a line with a long blank run inside.
    key, colon, value = text.strip().partition(":")
    key = key.rstrip()
    if not colon or key not in _FIELDS:
        return False
    value = value.strip()
    if key == "Design" and value and run.design is None:
        run.design = value
    elif key == "Version" and value:
        run.tool_version = value
    elif key == "Date" and value:
        run.started_at = parse_date(value)
    return True


def parse_date(value: str) -> datetime | None:
    """'Thu Jul  3 16:02:52 2025' -> an aware datetime (the report gives no zone; UTC is assumed)."""
    try:
        return datetime.strptime(" ".join(value.split()), "%a %b %d %H:%M:%S %Y").replace(tzinfo=UTC)
    except ValueError:
        return None
