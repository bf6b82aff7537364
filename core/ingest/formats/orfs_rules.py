"""ORFS rules-base.json: regression gates ``{"<metric>": {"value": …, "compare": "<=", "level": …}}``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from core.ingest.errors import shorten
from core.ingest.format_ids import ReportFormat, ReportKind
from core.ingest.formats.registry import FormatSpec
from core.ingest.grammar.context import ParseContext
from core.ingest.grammar.head import Head
from core.ingest.grammar.json_input import JsonObject, KeyLines, duplicate_error, load_json
from core.ingest.grammar.metric_keys import METRIC_KEY_HEAD, is_time_metric, split_metric_key
from core.ingest.records import Fact, QorRule

_COMPARES = frozenset({"<=", ">=", "==", "<", ">", "!="})


def parse(stream: BinaryIO, ctx: ParseContext) -> Iterator[Fact]:
    text, doc = load_json(stream, ctx.cursor)
    if not isinstance(doc, JsonObject):
        raise ctx.cursor.error("a JSON object of rules", f"a JSON {type(doc).__name__}", 1)
    if doc.duplicates:
        # Two thresholds for one metric: which one gates the run is undefined, so refuse the file.
        raise duplicate_error(ctx.cursor, text, doc.duplicates[0], "rule")
    run = ctx.run
    key_lines = KeyLines(text)
    for key, rule in doc.pairs:
        line = key_lines.line_of(key)
        if not isinstance(rule, JsonObject) or "value" not in rule or "compare" not in rule:
            raise ctx.cursor.error(f'{{"value": …, "compare": …}} for the rule {shorten(key)}', "something else", line)
        compare = rule["compare"]
        if compare not in _COMPARES:
            raise ctx.cursor.error("a comparison (<=, >=, ==)", shorten(str(compare)), line)
        if rule.duplicates:
            raise duplicate_error(ctx.cursor, text, rule.duplicates[0], "rule field")
        value = rule["value"]
        threshold: float | None = None
        threshold_text: str | None = None
        if isinstance(value, int | float) and not isinstance(value, bool):
            threshold = float(value)
            _, metric, _ = split_metric_key(key)
            if is_time_metric(metric):
                threshold = ctx.unit.ns(threshold)  # gates compare against metrics stored in ns
        else:
            threshold_text = str(value)
        level = rule.get("level")
        yield QorRule(
            design=run.design,
            platform=run.platform,
            flow_variant=run.flow_variant,
            metric_key=key,
            threshold=threshold,
            threshold_text=threshold_text,
            compare=compare,
            level=level if isinstance(level, str) else None,
            source_commit=run.scripts_commit,
        )


_JSON_RULE_RE = re.compile(rf'"{METRIC_KEY_HEAD}[^"]*+"\s*+:\s*+\{{\s*+"value"\s*+:')


def _is_rules(head: Head) -> bool:
    return bool(_JSON_RULE_RE.search(head.text) and '"compare"' in head.text)


FORMATS = (FormatSpec(ReportFormat.ORFS_RULES, ReportKind.QOR, "orfs", "json", 20, _is_rules, stream=parse),)
