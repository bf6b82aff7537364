"""Number and name helpers shared by the text parsers."""

from __future__ import annotations

import math
import re

# '\d+(?:\.\d*)?' rather than '\d+\.?\d*': the same numbers, but a long run of digits has one way to split,
# so a token that is not a number fails in linear time. Possessive: giving back digits never helps.
_NUMBER_RE = re.compile(r"^[-+]?(?:\d++(?:\.\d*+)?|\.\d++)(?:[eE][-+]?\d++)?$")
_SLUG_RE = re.compile(r"[^a-z0-9]+")


def is_number(token: str) -> bool:
    return _NUMBER_RE.match(token) is not None


def to_float(token: str) -> float | None:
    """A finite float, or None for anything else (INF, N/A, words)."""
    if not is_number(token):
        return None
    value = float(token)
    return value if math.isfinite(value) else None


def to_int(token: str) -> int | None:
    value = to_float(token)
    if value is None or value != int(value) or abs(value) > 2**62:
        return None
    return int(value)


class UniqueKeys:
    """Raw keys for repeated figures: the base the first time, then 'base#2', 'base#3', ….

    Each base remembers the next number to try, so a figure repeated k times costs O(k) in all
    rather than probing 'base', 'base#2', … from the start every time (O(k²)).
    """

    __slots__ = ("_next", "_taken")

    def __init__(self) -> None:
        self._taken: set[str] = set()
        self._next: dict[str, int] = {}

    def take(self, base: str) -> str:
        n = self._next.get(base, 1)
        raw = base if n == 1 else f"{base}#{n}"
        while raw in self._taken:
            n += 1
            raw = f"{base}#{n}"
        self._taken.add(raw)
        self._next[base] = n + 1
        return raw


def slug(text: str) -> str:
    """A lowercase identifier-ish form of a label ("Critical Path Slack" -> "critical_path_slack")."""
    return _SLUG_RE.sub("_", text.lower()).strip("_")
