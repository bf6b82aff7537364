"""METRICS2.1 key grammar: ``<stage>__<category>__<name>[__<qualifier>...]`` in both spellings.

Per-stage logs and 2025 files write qualifiers as ``name:value`` (``timing__fmax__clock:clk``);
genMetrics/uploadMetadata rewrite ':' to '__' (``timing__fmax__clock__clk``). Both normalise to
the same ``(stage, metric, {qualifier: value})`` so runs from either era chart on one line.
"""

from __future__ import annotations

import re

# '<stage>__' as a pattern fragment for the format detectors: the first '__' after a word of [a-z0-9_],
# matched a segment at a time ('a', then '_b' pieces, possessively), so no split of the key is tried twice.
METRIC_KEY_HEAD = r"[a-z][a-z0-9]*+(?:_[a-z0-9]++)*+__"

STAGES = frozenset(
    {
        "synth",
        "floorplan",
        "floorplan_io",
        "floorplan_macro",
        "floorplan_pdn",
        "floorplan_tap",
        "macro_place",
        "globalplace_skip_io",
        "globalplace_io",
        "globalplace",
        "placeopt",
        "detailedplace",
        "cts",
        "globalroute",
        "detailedroute",
        "finish_merge",
        "finish",
        "run",
        "constraints",
    }
)
# Qualifier names that are always followed by their value.
QUALIFIER_KEYS = frozenset({"clock", "corner", "iter", "net", "class", "mode", "scenario"})
# Metric stems whose next segment is a value (a site name, a message id), not part of the name.
_VALUE_AFTER = (("design", "rows"), ("design", "sites"), ("flow", "warnings", "count"), ("flow", "errors", "count"))
_VALUE_AFTER_LONGEST = max(map(len, _VALUE_AFTER))

_RUNTIME_RE = re.compile(r"^(\d+):(\d{1,2})(?::(\d{1,2}))?(\.\d+)?$")
_PERCENT_RE = re.compile(r"^(-?\d+(?:\.\d+)?)%$")
_TIME_METRIC_RE = re.compile(
    r"(^|__|_)(ws|wns|tns|skew|latency|slack|period)(__|_|$)|max_slew_limit$|_slack_(min|max)$"
)
_NOT_TIME_RE = re.compile(r"count|fmax|violat|area|cap|fanout|drv__max_slew$|percent|_div_")

# 2021 names (notes §2.1 "Legacy 2021 schema") -> the current ones, so old runs join the trend lines.
LEGACY_ALIASES = {
    "timing__ws__worst": "timing__setup__ws",
    "timing__wns__worst": "timing__setup__wns",
    "timing__tns__total": "timing__setup__tns",
    "area__stdcell__count": "design__instance__count__stdcell",
    "area__stdcell__area": "design__instance__area__stdcell",
    "area__instance__area": "design__instance__area",
    "area__instance__count": "design__instance__count",
    "drc__error__count": "route__drc_errors",
    "wirelength": "route__wirelength",
    "via__count": "route__vias",
}


def split_metric_key(key: str) -> tuple[str | None, str, dict[str, str]]:
    """'finish__timing__fmax__clock:clk' -> ('finish', 'timing__fmax', {'clock': 'clk'})."""
    if "::" in key or "__" not in key:
        return None, key, {}  # tool-prefixed legacy keys (RSZ::tns_max) and bare names (total_time)
    segments = key.split("__")
    stage = None
    if segments[0] in STAGES and len(segments) > 1:
        stage, segments = segments[0], segments[1:]
    parts: list[str] = []
    quals: dict[str, str] = {}
    for seg in segments:
        if ":" in seg:
            name, _, value = seg.partition(":")
            if name not in QUALIFIER_KEYS:
                parts.append(name)
            quals[name] = value
        else:
            parts.append(seg)
    metric_parts: list[str] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        # Qualifiers follow '<category>__<name>', so 'route__net__special' stays a metric name.
        if i >= 2 and part in QUALIFIER_KEYS and i + 1 < len(parts):
            quals[part] = parts[i + 1]
            i += 2
            continue
        metric_parts.append(part)
        i += 1
        # Only short stems can be in _VALUE_AFTER: building the tuple for every part of a long key
        # would be quadratic in its length.
        if len(metric_parts) <= _VALUE_AFTER_LONGEST and tuple(metric_parts) in _VALUE_AFTER and i == len(parts) - 1:
            quals[part] = parts[i]
            i += 1
    return stage, "__".join(metric_parts) or key, quals


def is_time_metric(metric: str) -> bool:
    return _TIME_METRIC_RE.search(metric) is not None and _NOT_TIME_RE.search(metric) is None


def runtime_seconds(text: str) -> float | None:
    """GNU time's elapsed form ('0:08.05', '1:02:11.62') in seconds."""
    m = _RUNTIME_RE.match(text)
    if m is None:
        return None
    a, b, c, frac = m.group(1), m.group(2), m.group(3), m.group(4) or ""
    if c is None:
        return int(a) * 60 + float(b + frac)
    return int(a) * 3600 + int(b) * 60 + float(c + frac)


def percent(text: str) -> float | None:
    m = _PERCENT_RE.match(text)
    return float(m.group(1)) if m else None


def unit_of(metric: str) -> str | None:
    """The unit a METRICS2.1 value is in after loading (times are converted to ns)."""
    if is_time_metric(metric):
        return "ns"
    if metric.startswith("power__") or "__power__" in metric:
        return "W"
    if metric.endswith("fmax") or "fmax__" in metric:
        return "Hz"
    if "mem__peak" in metric:
        return "KB"
    if "runtime" in metric or metric.endswith("elapsed_seconds") or metric == "total_time":
        return "s"
    if "__area" in metric or metric.endswith("area"):
        return "um^2"
    return None
