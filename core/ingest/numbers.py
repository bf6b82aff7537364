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


def slug(text: str) -> str:
    """A lowercase identifier-ish form of a label ("Critical Path Slack" -> "critical_path_slack")."""
    return _SLUG_RE.sub("_", text.lower()).strip("_")
