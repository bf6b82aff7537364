"""ORFS METRICS2.1 JSON: merged metadata.json (2025/2026 and the 2021 legacy schema), per-stage logs
(logs/.../4_1_cts.json) and ``openroad -metrics`` files, one qor_metrics row per key."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, BinaryIO

from core.ingest.format_ids import ReportFormat, ReportKind
from core.ingest.formats.registry import FormatSpec
from core.ingest.grammar.context import ParseContext
from core.ingest.grammar.head import Head
from core.ingest.grammar.json_input import JsonObject, duplicate_error, load_json
from core.ingest.grammar.metric_keys import (
    LEGACY_ALIASES,
    METRIC_KEY_HEAD,
    percent,
    runtime_seconds,
    split_metric_key,
    unit_of,
)
from core.ingest.grammar.numbers import is_number
from core.ingest.grammar.units import parse_time_unit
from core.ingest.records import Fact, QorMetric

# Run-record fields, current spelling first, then the 2021 one.
_RUN_FIELDS = {
    "design": ("run__flow__design",),
    "platform": ("run__flow__platform",),
    "flow_variant": ("run__flow__variant",),
    "run_uuid": ("run__flow__uuid",),
    "scripts_commit": ("run__flow__scripts_commit", "run__flow__scripts__commit"),
    "tool_version": ("run__flow__openroad_version", "run__flow__openroad__version"),
}


def parse(stream: BinaryIO, ctx: ParseContext) -> Iterator[Fact]:
    text, doc = load_json(stream, ctx.cursor)
    if not isinstance(doc, JsonObject):
        raise ctx.cursor.error("a JSON object of METRICS2.1 keys", f"a JSON {type(doc).__name__}", 1)
    # A merged metadata.json is written from a dict, so a repeated key there means a damaged file;
    # logs append one value per command run, so repeats there are real data.
    merged = "run__flow__design" in doc or "run__flow__generate_date" in doc or "run__flow__generate__date" in doc
    if merged and doc.duplicates:
        raise duplicate_error(ctx.cursor, text, doc.duplicates[0], "metric key")
    legacy = "run__flow__generate__date" in doc or "run__flow__openroad__commit" in doc
    _fill_run(doc, ctx, legacy)
    seen: dict[str, Any] = {}
    occurrences: dict[str, int] = {}
    for key, value in doc.pairs:
        if key in seen:
            if seen[key] == value:
                continue  # the same figure reported twice (serv 5_2_route.json) is one fact
            occurrences[key] = occurrences.get(key, 1) + 1
        seen[key] = value
        yield _metric(key, value, occurrences.get(key, 1), ctx, legacy)


def _fill_run(doc: JsonObject, ctx: ParseContext, legacy: bool) -> None:
    run = ctx.run
    for attr, keys in _RUN_FIELDS.items():
        for key in keys:
            value = doc.get(key)
            if isinstance(value, str) and value and value not in ("N/A", "not a git repo"):
                setattr(run, attr, value)
                break
    date = doc.get("run__flow__generate_date", doc.get("run__flow__generate__date"))
    if isinstance(date, str):
        try:
            run.started_at = datetime.strptime(date.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
        except ValueError:
            pass
    version = doc.get("run__flow__metrics_version")
    run.schema_version = "2021-legacy" if legacy else version if isinstance(version, str) else None
    units = doc.get("run__flow__platform__time_units")
    if isinstance(units, str) and not ctx.unit_is_explicit:
        parsed = parse_time_unit(units)
        if parsed is not None:
            ctx.unit = parsed
    run.time_unit = ctx.unit.label


def _metric(key: str, value: Any, occurrence: int, ctx: ParseContext, legacy: bool) -> QorMetric:
    stage, metric, quals = split_metric_key(key)
    if legacy:
        metric = LEGACY_ALIASES.get(metric, metric)
    raw_key = key
    if occurrence > 1:
        quals = {**quals, "occurrence": str(occurrence)}
        raw_key = f"{key}#{occurrence}"
    num, text, unit = _value(metric, value)
    if num is not None and unit == "ns":
        num = ctx.unit.ns(num)
    return QorMetric(stage, metric, quals, num, text, unit, raw_key)


def _value(metric: str, value: Any) -> tuple[float | None, str | None, str | None]:
    """(numeric value, text value, unit); strings that are numbers count as numbers."""
    unit = unit_of(metric)
    if isinstance(value, bool):
        return float(value), None, None
    if isinstance(value, int | float):
        return float(value), None, unit
    if isinstance(value, str):
        stripped = value.strip()
        if is_number(stripped):
            return float(stripped), None, unit
        pct = percent(stripped)
        if pct is not None:
            return pct, stripped, "%"
        seconds = runtime_seconds(stripped)
        if seconds is not None:
            return seconds, stripped, "s"
        return None, value, None
    if value is None:
        return None, None, None
    return None, json.dumps(value), None


_JSON_METRIC_KEY_RE = re.compile(rf'"(?:{METRIC_KEY_HEAD}[A-Za-z0-9_:.\-]++|[A-Z]{{2,4}}::[A-Za-z_:]++)"\s*+:')


def _is_metrics(head: Head) -> bool:
    return _JSON_METRIC_KEY_RE.search(head.text) is not None


FORMATS = (FormatSpec(ReportFormat.ORFS_METRICS, ReportKind.QOR, "orfs", "json", 30, _is_metrics, stream=parse),)
