"""Grafana's PostgreSQL macros and time ranges, as the real datasource expands them
(pkg/tsdb/grafana-postgresql-datasource/macros.go; notes/grafana.md §6), so panel SQL can be run
against a real database exactly as Grafana would send it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_MACRO = re.compile(r"\$(__[_a-zA-Z0-9]+)\(([^)]*)\)")
_RELATIVE = re.compile(r"^now(?:-(\d+)([smhdwMy]))?(?:/[smhdwMy])?$")
_UNITS = {
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
    "M": timedelta(days=30),
    "y": timedelta(days=365),
}


class MacroError(ValueError):
    """Grafana reports these as a query error on the panel."""


def parse_time(text: str, now: datetime | None = None) -> datetime:
    """`now`, `now-7d`, epoch milliseconds or ISO 8601, as Grafana's `from`/`to` accept."""
    now = now or datetime.now(UTC)
    text = text.strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    match = _RELATIVE.match(text)
    if match:
        amount, unit = match.groups()
        return now - (int(amount) * _UNITS[unit] if amount else timedelta(0))
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class TimeRange:
    start: datetime
    end: datetime

    @classmethod
    def parse(cls, start: str, end: str) -> TimeRange:
        now = datetime.now(UTC)
        return cls(parse_time(start, now), parse_time(end, now))


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _seconds(interval: str) -> int:
    match = re.fullmatch(r"'?(\d+)([smhdw])'?", interval.strip())
    if not match:
        raise MacroError(f"error parsing interval {interval.strip()}")
    return int(int(match.group(1)) * _UNITS[match.group(2)].total_seconds())


def expand_macros(sql: str, time_range: TimeRange, *, interval: str = "1m") -> str:
    start, end = f"'{_rfc3339(time_range.start)}'", f"'{_rfc3339(time_range.end)}'"

    def replace(match: re.Match[str]) -> str:
        name, raw_args = match.group(1), match.group(2)
        args = [arg.strip() for arg in raw_args.split(",")] if raw_args.strip() else []
        if name == "__time":
            return f'{args[0]} AS "time"'
        if name == "__timeEpoch":
            return f'extract(epoch from {args[0]}) as "time"'
        if name == "__timeFilter":
            return f"{args[0]} BETWEEN {start} AND {end}"
        if name == "__timeFrom":
            return start
        if name == "__timeTo":
            return end
        if name in ("__timeGroup", "__timeGroupAlias"):
            seconds = _seconds(args[1])
            group = f"floor(extract(epoch from {args[0]})/{seconds})*{seconds}"
            return f'{group} AS "time"' if name == "__timeGroupAlias" else group
        if name == "__unixEpochFilter":
            return (
                f"{args[0]} >= {int(time_range.start.timestamp())} AND {args[0]} <= {int(time_range.end.timestamp())}"
            )
        if name == "__unixEpochFrom":
            return str(int(time_range.start.timestamp()))
        if name == "__unixEpochTo":
            return str(int(time_range.end.timestamp()))
        raise MacroError(f"undefined macro: ${name}")

    expanded = _MACRO.sub(replace, sql)
    return expanded.replace("$__interval_ms", str(_seconds(interval) * 1000)).replace("$__interval", interval)
