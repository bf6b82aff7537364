"""Load a parsed report into a per-user database: the shared canonical tables plus one new table per run.

Everything happens in one transaction: facts stream from the parser into a COPY (so memory stays flat),
and if the parser fails half-way the whole load, run record included, is rolled back.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from core.ingest.formats import ReportFormat, ReportKind, kind_for
from core.ingest.records import Fact, ParsedReport, RunInfo, TimingPath
from core.ingest.reports import open_report
from core.ingest.schema import FACT_TABLES, SHARED_SCHEMA, ddl_statements

_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_CLEAN_RE = re.compile(r"[^a-z0-9]+")
_MAX_IDENT = 63

# Which canonical table a run's own table mirrors: the first one with rows, in this order.
_PRIMARY_BY_KIND: dict[ReportKind, tuple[str, ...]] = {
    ReportKind.TIMING: ("timing_paths", "timing_summary", "power_summary", "qor_metrics"),
    ReportKind.QOR: ("qor_metrics", "cell_usage", "qor_rules", "timing_summary", "power_summary"),
    ReportKind.DRC: ("drc_violations", "antenna_violations", "drc_summary"),
}
_PRIMARY_BY_FORMAT: dict[ReportFormat, tuple[str, ...]] = {
    ReportFormat.YOSYS_STAT: ("cell_usage", "qor_metrics"),
    ReportFormat.ORFS_RULES: ("qor_rules",),
}


class IngestError(Exception):
    """The report parsed but cannot be stored as asked (e.g. the requested table already exists)."""


@dataclass(frozen=True, slots=True)
class LoadResult:
    run_id: int
    table: str  # the run's own table, in schema ``public``
    fact_table: str  # the canonical table whose columns (and rows for this run) it holds
    kind: ReportKind
    format: ReportFormat
    design: str | None
    source_name: str
    rows: dict[str, int] = field(default_factory=dict)  # canonical table -> rows stored for this run
    shared_schema: str = SHARED_SCHEMA

    @property
    def qualified_table(self) -> str:
        return f"public.{self.table}"


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _rows(fact: Fact) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(fact, TimingPath):
        yield fact.TABLE, fact.row()
        for point in fact.points:
            row = point.row()
            row["path_index"] = fact.path_index
            yield point.TABLE, row
        return
    yield fact.TABLE, fact.row()


def _json(row: dict[str, Any]) -> str:
    return json.dumps({k: _clean(v) for k, v in row.items()}, allow_nan=False, separators=(",", ":"))


def _slug(text: str | None) -> str:
    return _CLEAN_RE.sub("_", (text or "").lower()).strip("_")


def run_table_name(prefix: str, run: RunInfo, when: datetime, run_id: int) -> str:
    """'<prefix>_<design>_<stage|corner|format>_<yyyymmdd_hhmmss>_r<run_id>', a valid identifier ≤ 63."""
    suffix = f"_{when.astimezone(UTC):%Y%m%d_%H%M%S}_r{run_id}"
    head = _slug(prefix) or "report"
    if not head[0].isalpha():
        head = f"t_{head}"
    design = _slug(run.design)
    label = _slug(run.stage or run.corner or run.format.value)
    room = _MAX_IDENT - len(suffix) - len(head)
    parts = [p for p in (design, label) if p]
    middle = ""
    if parts and room > 1:
        share = max(1, (room - len(parts)) // len(parts))
        middle = "".join(f"_{p[:share].strip('_')}" for p in parts)[:room]
    name = f"{head}{middle}{suffix}"
    return name[:_MAX_IDENT] if len(name) > _MAX_IDENT else name


def _ensure_schema(conn: psycopg.Connection[Any], schema: str) -> None:
    missing = conn.execute(
        "SELECT count(*) FROM unnest(%s::text[]) AS t(name) WHERE to_regclass(quote_ident(%s) || '.' || name) IS NULL",
        (["eda_runs", *FACT_TABLES], schema),
    ).fetchone()
    if missing is not None and missing[0] == 0:
        return
    # Two first ingests at once would race on CREATE TABLE IF NOT EXISTS; serialise just this step.
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('edabot.ingest.schema'))")
    for stmt in ddl_statements(schema):
        conn.execute(stmt)


def load_report(
    conn: psycopg.Connection[Any],
    parsed: ParsedReport,
    *,
    table_prefix: str | None = None,
    table_name: str | None = None,
    kind: ReportKind | None = None,
    shared_schema: str = SHARED_SCHEMA,
) -> LoadResult:
    """Store a parsed report: its facts in the shared canonical tables and its primary facts in a new
    ``public`` table named from design/stage/time/run id (or ``table_name`` if given).

    Runs inside ``conn.transaction()``: a parse error or DB error leaves nothing behind. Raises
    ReportParseError for a bad file, IngestError for an unusable ``table_name``.
    """
    kind = kind or kind_for(parsed.format)
    if table_name is not None and not _NAME_RE.match(table_name):
        raise IngestError(
            f"table name {table_name!r} is not usable: use lowercase letters, digits and '_', "
            "starting with a letter, at most 63 characters"
        )
    schema = sql.Identifier(shared_schema)
    stage_table = sql.Identifier(f"_edabot_stage_{uuid.uuid4().hex[:12]}")
    counts: dict[str, int] = dict.fromkeys(FACT_TABLES, 0)
    with conn.transaction():
        _ensure_schema(conn, shared_schema)
        conn.execute(
            sql.SQL("CREATE TEMP TABLE {} (seq bigserial, tbl text NOT NULL, fact jsonb NOT NULL)").format(stage_table)
        )
        # One COPY for every fact type (a connection can run only one COPY at a time); the rows are
        # then moved server-side into their typed tables.
        with conn.cursor().copy(sql.SQL("COPY {} (tbl, fact) FROM STDIN").format(stage_table)) as copy:
            for fact in parsed.facts:
                for table, row in _rows(fact):
                    counts[table] += 1
                    copy.write_row((table, _json(row)))
        run = parsed.run
        primary = _choose_primary(parsed.format, kind, counts)
        run_id = _insert_run(conn, schema, run, kind)
        when = run.started_at or datetime.now(UTC)
        name = table_name or run_table_name(table_prefix or kind.value, run, when, run_id)
        exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f'public."{name}"',)).fetchone()
        if exists is not None and exists[0]:
            raise IngestError(f"table public.{name} already exists; choose another table name")
        for table, n in counts.items():
            if n:
                target = sql.SQL("{}.{}").format(schema, sql.Identifier(table))
                conn.execute(
                    sql.SQL(
                        "INSERT INTO {target} SELECT (jsonb_populate_record(NULL::{target}, "
                        "fact || jsonb_build_object('run_id', %s::bigint))).* FROM {stage} WHERE tbl = %s ORDER BY seq"
                    ).format(target=target, stage=stage_table),
                    (run_id, table),
                )
        source = sql.SQL("{}.{}").format(schema, sql.Identifier(primary))
        public = sql.SQL("public.{}").format(sql.Identifier(name))
        conn.execute(
            sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)").format(public, source)
        )
        conn.execute(sql.SQL("INSERT INTO {} SELECT * FROM {} WHERE run_id = %s").format(public, source), (run_id,))
        comment = json.dumps(
            {
                "edabot": "ingest",
                "kind": kind.value,
                "fact_table": primary,
                "run_id": run_id,
                "format": run.format.value,
            }
        )
        conn.execute(sql.SQL("COMMENT ON TABLE {} IS {}").format(public, sql.Literal(comment)))
        conn.execute(sql.SQL("UPDATE {}.eda_runs SET run_table = %s WHERE run_id = %s").format(schema), (name, run_id))
        conn.execute(sql.SQL("DROP TABLE {}").format(stage_table))
    return LoadResult(
        run_id=run_id,
        table=name,
        fact_table=primary,
        kind=kind,
        format=parsed.format,
        design=parsed.run.design,
        source_name=parsed.run.source_name,
        rows={t: n for t, n in counts.items() if n},
        shared_schema=shared_schema,
    )


def _choose_primary(fmt: ReportFormat, kind: ReportKind, counts: dict[str, int]) -> str:
    order = _PRIMARY_BY_FORMAT.get(fmt) or _PRIMARY_BY_KIND[kind_for(fmt)]
    return next((t for t in order if counts.get(t)), order[0])


def _insert_run(conn: psycopg.Connection[Any], schema: sql.Identifier, run: RunInfo, kind: ReportKind) -> int:
    row = conn.execute(
        sql.SQL(
            "INSERT INTO {}.eda_runs (source_tool, design, platform, flow_variant, run_tag, started_at, "
            "tool_version, scripts_commit, run_uuid, time_unit, power_unit, source_path, format, kind, "
            "stage, corner, schema_version) "
            "VALUES (%s, %s, %s, coalesce(%s, 'base'), %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "RETURNING run_id"
        ).format(schema),
        (
            run.source_tool,
            run.design,
            run.platform,
            run.flow_variant,
            run.run_tag,
            run.started_at,
            run.tool_version,
            run.scripts_commit,
            run.run_uuid,
            run.time_unit,
            run.power_unit,
            run.source_name,
            run.format.value,
            kind.value,
            run.stage,
            run.corner,
            run.schema_version,
        ),
    ).fetchone()
    assert row is not None
    return int(row[0])


def ingest_file(
    conn: psycopg.Connection[Any],
    path: str | Path,
    *,
    kind: ReportKind | str | None = None,
    table: str | None = None,
    fmt: ReportFormat | None = None,
    time_unit: str | None = None,
    design: str | None = None,
) -> LoadResult:
    """Detect, parse and load one report file (the ``edabot ingest`` path)."""
    try:
        chosen = ReportKind(kind) if kind is not None else None
    except ValueError:
        raise IngestError(f"kind must be one of timing, qor, drc, not {kind!r}") from None
    with open_report(path, fmt=fmt, time_unit=time_unit, design=design) as parsed:
        return load_report(conn, parsed, table_name=table, kind=chosen)
