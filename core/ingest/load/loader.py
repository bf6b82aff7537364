"""Load a parsed report into a per-user database: the shared canonical tables plus one new table per run.

Everything happens in one transaction: path points are copied live as the report is parsed, the other
facts stream into one temporary file per table (so memory stays flat) and are copied in after, and if
the parser or the database fails half-way the whole load, run record included, is rolled back.
"""

from __future__ import annotations

import json
import math
import re
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import IO, Any

import psycopg
from psycopg import sql
from psycopg.copy import Copy, FileWriter, QueuedLibpqWriter

from core.errors import Invalid
from core.ingest.format_ids import AnyFormat, ReportFormat, ReportKind, kind_for
from core.ingest.formats.reports import open_report
from core.ingest.load.schema import FACT_TABLES, POINTS_CASCADE_TRIGGER, SHARED_SCHEMA, ddl_statements
from core.ingest.records import POINTS_TABLE, Fact, ParsedReport, PathPoint, RunInfo, TimingPath

_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_CLEAN_RE = re.compile(r"[^a-z0-9]+")
_MAX_IDENT = 63

# Which canonical table a run's own table mirrors: the first one with rows, in this order.
_PRIMARY_BY_KIND: dict[ReportKind, tuple[str, ...]] = {
    ReportKind.TIMING: ("timing_paths", "timing_summary", "power_summary", "qor_metrics"),
    ReportKind.QOR: ("qor_metrics", "cell_usage", "qor_rules", "timing_summary", "power_summary"),
    ReportKind.DRC: ("drc_violations", "antenna_violations", "drc_summary"),
}
_PRIMARY_BY_FORMAT: dict[str, tuple[str, ...]] = {
    ReportFormat.YOSYS_STAT: ("cell_usage", "qor_metrics"),
    ReportFormat.ORFS_RULES: ("qor_rules",),
}


class IngestError(Invalid):
    """The report parsed but cannot be stored as asked (e.g. the requested table already exists)."""


@dataclass(frozen=True, slots=True)
class LoadResult:
    run_id: int
    table: str  # the run's own table, in schema ``public``
    fact_table: str  # the canonical table whose columns (and rows for this run) it holds
    kind: ReportKind
    format: AnyFormat
    design: str | None
    source_name: str
    rows: dict[str, int] = field(default_factory=dict)  # canonical table -> rows stored for this run
    shared_schema: str = SHARED_SCHEMA

    @property
    def qualified_table(self) -> str:
        return f"public.{self.table}"


# ---- writing rows ----------------------------------------------------------------------------------
#
# A connection runs one COPY at a time and the facts of several tables interleave in the stream. Path
# points, by far the most numerous rows, are copied live while the report is parsed, so the server
# stores them on its own core meanwhile; the rows of every other table are spooled to a temporary file
# of their own and copied in once the parse is done, all in the same transaction. Rows go in COPY's
# binary format, written by psycopg's C row formatter and typed by the target table's own column
# types: a float written as text costs a shortest-repr conversion on the client and a parse on the
# server; the binary format is exact, and a string needs no escaping in it.

_BATCH_ROWS = 2048
_READ_BYTES = 1 << 20
_FLOAT8_OID = 701
_TEXT_OID = 25  # strings of every string type (char(1) included) are sent as text: same binary form
_POINT_COLUMNS = ("run_id", "path_index", *PathPoint._fields)


def _finite(value: Any) -> Any:
    """Non-finite floats are stored as NULL (as they always have been)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _column_types(conn: psycopg.Connection[Any], schema: str) -> dict[str, dict[str, int]]:
    """Table -> column -> the type oid to format it with in binary COPY, for every fact table."""
    rows = conn.execute(
        "SELECT c.relname, a.attname, CASE WHEN t.typcategory = 'S' THEN %s ELSE a.atttypid::int END "
        "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relname = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped",
        (_TEXT_OID, schema, list(FACT_TABLES)),
    ).fetchall()
    types: dict[str, dict[str, int]] = {}
    for table, column, oid in rows:
        types.setdefault(str(table), {})[str(column)] = int(oid)
    return types


def _oids(types: dict[str, dict[str, int]], schema: str, table: str, columns: tuple[str, ...]) -> list[int]:
    known = types.get(table, {})
    missing = [c for c in columns if c not in known]
    if missing:
        raise IngestError(f"table {schema}.{table} has no column {', '.join(missing)}")
    return [known[c] for c in columns]


class _Rows:
    """One table's rows, written in batches through a binary psycopg Copy (live, or into a file).

    Rows wait in a short list so that non-finite floats (stored as NULL) can be looked for a batch at a
    time in C (their sum is not finite) rather than value by value.
    """

    __slots__ = ("columns", "copy", "count", "floats", "pending", "table")

    def __init__(self, copy: Copy, table: str, columns: tuple[str, ...], oids: list[int]) -> None:
        self.table = table
        self.columns = columns  # as written, run_id first
        self.count = 0
        self.pending: list[tuple[Any, ...]] = []
        positions = [i for i, oid in enumerate(oids) if oid == _FLOAT8_OID]
        self.floats: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None = None
        if len(positions) == 1:
            only = positions[0]
            self.floats = lambda row: (row[only],)
        elif positions:
            self.floats = itemgetter(*positions)
        self.copy = copy
        copy.set_types(oids)

    def add(self, values: tuple[Any, ...]) -> None:
        pending = self.pending
        pending.append(values)
        if len(pending) >= _BATCH_ROWS:
            self.flush()

    def extend(self, rows: Iterable[tuple[Any, ...]]) -> None:
        pending = self.pending
        pending.extend(rows)
        if len(pending) >= _BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        rows = self.pending
        if not rows:
            return
        floats = self.floats
        if floats is not None and not math.isfinite(sum(filter(None, chain.from_iterable(map(floats, rows))))):
            rows = [tuple(map(_finite, row)) for row in rows]
        deque(map(self.copy.write_row, rows), maxlen=0)
        self.count += len(rows)
        self.pending = []


def _copy_statement(schema: sql.Identifier, table: str, columns: tuple[str, ...]) -> sql.Composed:
    return sql.SQL("COPY {}.{} ({}) FROM STDIN (FORMAT binary)").format(
        schema, sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )


class _Spool(_Rows):
    """Rows spooled to a temporary file while another COPY is live, copied in afterwards."""

    __slots__ = ("file",)

    def __init__(
        self, cursor: psycopg.Cursor[Any], table: str, columns: tuple[str, ...], oids: list[int], file: IO[bytes]
    ) -> None:
        # ``cursor`` never runs a statement: the Copy only borrows its adapters.
        super().__init__(Copy(cursor, binary=True, writer=FileWriter(file)), table, columns, oids)
        self.file = file

    def copy_into(self, conn: psycopg.Connection[Any], schema: sql.Identifier) -> None:
        self.flush()
        self.copy.finish(None)  # writes the binary trailer
        self.file.seek(0)
        read = self.file.read
        with conn.cursor() as cur, cur.copy(_copy_statement(schema, self.table, self.columns)) as copy:
            while chunk := read(_READ_BYTES):
                copy.write(chunk)


@dataclass(frozen=True, slots=True)
class _Spec:
    """How a record class becomes rows: its table, its columns and a getter of their values."""

    table: str
    columns: tuple[str, ...]
    values: Callable[[Any], tuple[Any, ...]]


_SPECS: dict[type, _Spec] = {}


def _row_values(fact: Fact) -> tuple[Any, ...]:
    return tuple(fact.row().values())


def _spec(fact: Fact) -> _Spec:
    cls = type(fact)
    spec = _SPECS.get(cls)
    if spec is not None:
        return spec
    if cls.row is Fact.row:
        columns = cls.columns()
        getter = attrgetter(*columns)
        values: Callable[[Any], tuple[Any, ...]] = getter if len(columns) > 1 else (lambda f: (getter(f),))
    else:  # a row() of its own (re-typed values: a dict for jsonb, a list for an array): use it
        columns = tuple(fact.row())
        values = _row_values
    spec = _SPECS[cls] = _Spec(fact.TABLE, columns, values)
    return spec


class _Writers:
    """Where one load's rows go: the live COPY of path points, and a spool file per other table."""

    def __init__(self, conn: psycopg.Connection[Any], schema: str, run_id: int, directory: str | None) -> None:
        self.conn = conn
        self.schema = schema
        self.run_id = run_id
        self.directory = directory
        self.types = _column_types(conn, schema)  # now: no other statement can run once the COPY is live
        self.by_table: dict[str, _Spool] = {}
        self.points_written = 0
        self._files = ExitStack()

    def open(self, table: str, columns: tuple[str, ...]) -> _Spool:
        spool = self.by_table.get(table)
        if spool is None:
            columns = ("run_id", *columns)
            oids = _oids(self.types, self.schema, table, columns)
            # Closed, and so removed, by close() through the ExitStack.
            temp = tempfile.TemporaryFile(prefix=f"edabot-{table}-", suffix=".copy", dir=self.directory)  # noqa: SIM115
            file = self._files.enter_context(temp)
            cursor = self._files.enter_context(self.conn.cursor())
            spool = self.by_table[table] = _Spool(cursor, table, columns, oids, file)
        elif spool.columns[1:] != columns:
            raise IngestError(f"records of table {table} disagree on its columns")
        return spool

    def write(self, facts: Iterator[Fact]) -> None:
        """Write every fact, and the points of every timing path, keeping memory flat.

        The points' COPY starts at the first point and ends with the facts; if the parser raises, it is
        cancelled on the server (and the caller's transaction rolls back).
        """
        run = (self.run_id,)
        last_cls: type | None = None
        last_add: Callable[[tuple[Any, ...]], None] = _never
        last_values: Callable[[Any], tuple[Any, ...]] = _row_values
        points: _Rows | None = None
        with ExitStack() as live:
            for fact in facts:
                cls = type(fact)
                if cls is not last_cls:
                    spec = _spec(fact)
                    last_cls, last_add, last_values = cls, self.open(spec.table, spec.columns).add, spec.values
                last_add(run + last_values(fact))
                if not isinstance(fact, TimingPath) or not fact.points:
                    continue
                if points is None:
                    points = self._points(live)
                points.extend(map((self.run_id, fact.path_index).__add__, fact.points))
            if points is not None:
                points.flush()
                self.points_written = points.count

    def _points(self, live: ExitStack) -> _Rows:
        schema = sql.Identifier(self.schema)
        cursor = live.enter_context(self.conn.cursor())
        # The queued writer sends from a thread of its own: while the server catches up, parsing goes on.
        statement = _copy_statement(schema, POINTS_TABLE, _POINT_COLUMNS)
        copy = live.enter_context(cursor.copy(statement, writer=QueuedLibpqWriter(cursor)))
        return _Rows(copy, POINTS_TABLE, _POINT_COLUMNS, _oids(self.types, self.schema, POINTS_TABLE, _POINT_COLUMNS))

    def counts(self) -> dict[str, int]:
        for spool in self.by_table.values():
            spool.flush()
        out = {table: spool.count for table, spool in self.by_table.items()}
        if self.points_written:
            out[POINTS_TABLE] = self.points_written
        return out

    def close(self) -> None:
        self._files.close()


def _never(row: tuple[Any, ...]) -> None:
    raise AssertionError("no spool chosen")


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
    """Create the shared schema, or bring one made by an earlier version up to date."""
    row = conn.execute(
        "SELECT (SELECT count(*) FROM unnest(%s::text[]) AS t(name) "
        "        WHERE to_regclass(quote_ident(%s) || '.' || name) IS NULL) = 0 "
        "   AND EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = %s "
        "               AND tgrelid = to_regclass(quote_ident(%s) || '.eda_runs'))",
        (["eda_runs", *FACT_TABLES], schema, POINTS_CASCADE_TRIGGER, schema),
    ).fetchone()
    if row is not None and row[0]:
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
    spool_dir: str | None = None,
) -> LoadResult:
    """Store a parsed report: its facts in the shared canonical tables and its primary facts in a new
    ``public`` table named from design/stage/time/run id (or ``table_name`` if given).

    Runs inside ``conn.transaction()``: a parse error or DB error leaves nothing behind. Rows are
    spooled to temporary files (in ``spool_dir``, default the system's temporary directory) while the
    report is parsed, then copied into their tables; the files are removed either way. Raises
    ReportParseError for a bad file, IngestError for an unusable ``table_name``.
    """
    kind = kind or kind_for(parsed.format)
    if table_name is not None and not _NAME_RE.match(table_name):
        raise IngestError(
            f"table name {table_name!r} is not usable: use lowercase letters, digits and '_', "
            "starting with a letter, at most 63 characters"
        )
    schema = sql.Identifier(shared_schema)
    with conn.transaction():
        _ensure_schema(conn, shared_schema)
        # The rows carry the run id and reference its record, so the record goes in first; parsers fill
        # the run in as they go, so it is written again once the facts are read.
        run_id = _next_run_id(conn, shared_schema)
        run = parsed.run
        _write_run(conn, schema, run, kind, run_id, insert=True)
        writers = _Writers(conn, shared_schema, run_id, spool_dir)
        try:
            writers.write(parsed.facts)
            counts: dict[str, int] = dict.fromkeys(FACT_TABLES, 0)
            counts.update(writers.counts())
            primary = _choose_primary(parsed.format, kind, counts)
            _write_run(conn, schema, run, kind, run_id, insert=False)
            when = run.started_at or datetime.now(UTC)
            name = table_name or run_table_name(table_prefix or kind.value, run, when, run_id)
            exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f'public."{name}"',)).fetchone()
            if exists is not None and exists[0]:
                raise IngestError(f"table public.{name} already exists; choose another table name")
            for table in FACT_TABLES:
                spool = writers.by_table.get(table)
                if spool is not None and spool.count:
                    spool.copy_into(conn, schema)
        finally:
            writers.close()
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


def _choose_primary(fmt: AnyFormat, kind: ReportKind, counts: dict[str, int]) -> str:
    order = _PRIMARY_BY_FORMAT.get(fmt) or _PRIMARY_BY_KIND[kind_for(fmt)]
    return next((t for t in order if counts.get(t)), order[0])


def _next_run_id(conn: psycopg.Connection[Any], schema: str) -> int:
    row = conn.execute(
        "SELECT nextval(pg_get_serial_sequence(quote_ident(%s) || '.eda_runs', 'run_id'))", (schema,)
    ).fetchone()
    assert row is not None
    return int(row[0])


# eda_runs columns written from the RunInfo (and the load's kind), in statement order.
_RUN_COLUMNS = (
    "source_tool",
    "design",
    "platform",
    "flow_variant",
    "run_tag",
    "started_at",
    "tool_version",
    "scripts_commit",
    "run_uuid",
    "time_unit",
    "power_unit",
    "source_path",
    "format",
    "kind",
    "stage",
    "corner",
    "schema_version",
)


def _write_run(
    conn: psycopg.Connection[Any], schema: sql.Identifier, run: RunInfo, kind: ReportKind, run_id: int, *, insert: bool
) -> None:
    values = (
        run.source_tool,
        run.design,
        run.platform,
        "base" if run.flow_variant is None else run.flow_variant,
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
    )
    columns = [sql.Identifier(c) for c in _RUN_COLUMNS]
    if insert:
        statement = sql.SQL("INSERT INTO {}.eda_runs (run_id, {}) VALUES (%s, {})").format(
            schema, sql.SQL(", ").join(columns), sql.SQL(", ").join(sql.Placeholder() * len(columns))
        )
        conn.execute(statement, (run_id, *values))
    else:
        statement = sql.SQL("UPDATE {}.eda_runs SET ({}) = ROW({}) WHERE run_id = %s").format(
            schema, sql.SQL(", ").join(columns), sql.SQL(", ").join(sql.Placeholder() * len(columns))
        )
        conn.execute(statement, (*values, run_id))


def ingest_file(
    conn: psycopg.Connection[Any],
    path: str | Path,
    *,
    kind: ReportKind | str | None = None,
    table: str | None = None,
    fmt: AnyFormat | None = None,
    time_unit: str | None = None,
    design: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """Detect, parse and load one report file (the ``edabot ingest`` path); `progress` gets the bytes read."""
    try:
        chosen = ReportKind(kind) if kind is not None else None
    except ValueError:
        raise IngestError(f"kind must be one of timing, qor, drc, not {kind!r}") from None
    with open_report(path, fmt=fmt, time_unit=time_unit, design=design, progress=progress) as parsed:
        return load_report(conn, parsed, table_name=table, kind=chosen)
