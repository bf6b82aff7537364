"""Time units: reports print times in the library's unit (ns, ps) or SI seconds; facts are stored in ns."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_SCALE_TO_NS = {"fs": 1e-6, "ps": 1e-3, "ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
# Matched against stripped text: with '\s*' on both sides of the optional number, a blank run could be
# split between them in quadratically many ways before failing.
_UNIT_RE = re.compile(r"^(\d++(?:\.\d++)?)?\s*+(fs|ps|ns|us|ms|s)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TimeUnit:
    """A report's own time unit: ``label`` is kept with the facts, ``to_ns`` converts values."""

    label: str
    to_ns: float

    def ns(self, value: float | None) -> float | None:
        if value is None:
            return None
        return value * self.to_ns


NS = TimeUnit("ns", 1.0)
PS = TimeUnit("ps", 1e-3)
SECONDS = TimeUnit("s", 1e9)


def parse_time_unit(text: str) -> TimeUnit | None:
    """Read a unit as written by ORFS (``1ps``), OpenSTA (``1ns``) or a person (``ps``)."""
    m = _UNIT_RE.match(text.strip())
    if m is None:
        return None
    factor = float(m.group(1)) if m.group(1) else 1.0
    unit = m.group(2).lower()
    label = unit if factor == 1.0 else f"{m.group(1)}{unit}"
    return TimeUnit(label, factor * _SCALE_TO_NS[unit])


# ASAP7 libraries are characterised in ps; every other open PDK the flows ship (nangate45, sky130,
# gf180, ihp-sg13g2) uses ns. OpenSTA text never prints the unit, so the cell names are the only clue.
_PS_LIBRARY_HINT = re.compile(r"_ASAP7_|asap7sc7p5t", re.IGNORECASE)


def guess_time_unit(head: str) -> TimeUnit:
    """Best guess for a text report that does not state its unit; callers can always override it."""
    if _PS_LIBRARY_HINT.search(head):
        return PS
    return NS


def finite(value: float | None) -> float | None:
    """Drop INF/NaN: they are not data (OpenSTA prints INF for an unconstrained design)."""
    if value is None or not math.isfinite(value):
        return None
    return value
