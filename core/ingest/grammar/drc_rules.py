"""Rule vocabulary shared by the DRC parsers: a coarse category for charts and the layer a rule is on."""

from __future__ import annotations

import re

_CATEGORY_WORDS = (
    ("antenna", ("antenna",)),
    ("short", ("short",)),
    ("congestion", ("congestion",)),
    ("density", ("density", "fil.", "fill")),
    ("enclosure", ("enclos", "overlap of", "extension", "surround")),
    ("spacing", ("spacing", "space", "notch", "eol", "separation")),
    ("width", ("width", "size")),
)
_LAYER_RE = re.compile(r"^([A-Za-z][A-Za-z0-9_/]*)\.")


def category_for(*texts: str | None) -> str:
    """short|spacing|width|enclosure|density|antenna|congestion|other, from the rule name or text."""
    lowered = " ".join(t.lower() for t in texts if t)
    for category, words in _CATEGORY_WORDS:
        if any(w in lowered for w in words):
            return category
    return "other"


def layer_from_rule(rule: str) -> str | None:
    """'met1.7' -> 'met1', 'M1.j' -> 'M1', 'diff/tap.1' -> 'diff/tap' (as OpenLane's drc_rosetta does)."""
    m = _LAYER_RE.match(rule.strip())
    return m.group(1) if m else None
