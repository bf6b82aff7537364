"""Which series a results table belongs to: the runs of one design (or one report name) over time.

Pure functions. A series is identified by its owner, its kind and the name computed here (or the one the
owner chose with `/eda series`), so the same name in the timing and the DRC database are two series.
"""

from __future__ import annotations

import re

MAX_SERIES_NAME = 120

# One run suffix at the end of a table name, separated by `_` or `-`: a run number (`_3`, `_r12`), a date
# (`_20261201`, `_2026-12-01`), a time (`_1200`, `_120000`) or a timestamp (`_20261201T120000`). Stripped
# repeatedly, so `aes_20261201_1200` and `timing_aes_finish_20261201_120000_r7` lose all of theirs.
_RUN_SUFFIX = re.compile(
    r"[_-](?:r?\d+|\d{4}-\d{2}-\d{2}(?:[t_]?\d{2}[:-]?\d{2}(?:[:-]?\d{2})?)?|\d{8}t\d{4,6}z?)$", re.IGNORECASE
)
# Letters and digits stuck together at the end (`aes128`, `run2`) are left alone: they as often name a
# design as a run, and a wrong split merges designs while a missed one only starts a new series.


def series_from_table_name(table: str) -> str:
    """The table name without its run suffixes; the name itself when nothing else would remain."""
    name = table
    while True:
        stripped = _RUN_SUFFIX.sub("", name)
        if stripped == name or not stripped.strip("_-"):
            break
        name = stripped
    return name[:MAX_SERIES_NAME]


def series_from_run(design: str | None, platform: str | None, flow_variant: str | None) -> str | None:
    """`design/platform/variant` of an ingested run (the parts it has); None without a design, so the table
    name decides instead."""
    design = (design or "").strip()
    if not design:
        return None
    parts = [design, *(p.strip() for p in (platform, flow_variant) if p and p.strip())]
    return "/".join(parts)[:MAX_SERIES_NAME]


def valid_series_name(name: str) -> bool:
    """What `/eda series` accepts: one visible word of at most MAX_SERIES_NAME characters."""
    return 0 < len(name) <= MAX_SERIES_NAME and name.isprintable() and not any(c.isspace() for c in name)
