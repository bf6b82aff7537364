"""What a results table looks like (columns, types, rows), read from information_schema, and which
dashboard template fits it. Templates only ever see this description, never the connection."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from core.errors import NotFound
from core.grafana.kinds import DashboardKind

NUMERIC_TYPES = frozenset({"smallint", "integer", "bigint", "real", "double precision", "numeric"})
TEMPORAL_TYPES = frozenset({"timestamp with time zone", "timestamp without time zone", "date"})
TEXT_TYPES = frozenset({"text", "character varying", "character", "name", "citext"})

# Helper tables a template may join, looked up next to the reported table and then in the schema
# where `edabot ingest` keeps every run (core/ingest: `eda`): regression rules and run metadata.
RELATED_TABLES = ("qor_rules", "eda_runs")
SHARED_SCHEMA = "eda"


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    pg_type: str  # information_schema data_type; arrays as "<udt>[]", enums/composites as their type name

    @property
    def is_numeric(self) -> bool:
        return self.pg_type in NUMERIC_TYPES

    @property
    def is_temporal(self) -> bool:
        return self.pg_type in TEMPORAL_TYPES

    @property
    def is_textual(self) -> bool:
        return self.pg_type in TEXT_TYPES


@dataclass(frozen=True)
class TableInfo:
    schema: str
    name: str
    columns: tuple[ColumnInfo, ...]
    row_count: int | None = None
    related: tuple[TableInfo, ...] = ()

    def column(self, name: str) -> ColumnInfo | None:
        for column in self.columns:
            if column.name == name:
                return column
        return None

    def has(self, name: str) -> bool:
        return self.column(name) is not None

    def has_numeric(self, name: str) -> bool:
        column = self.column(name)
        return column is not None and column.is_numeric

    def has_textual(self, name: str) -> bool:
        column = self.column(name)
        return column is not None and column.is_textual

    def related_table(self, name: str) -> TableInfo | None:
        return next((table for table in self.related if table.name == name), None)

    @property
    def display_name(self) -> str:
        return self.name if self.schema == "public" else f"{self.schema}.{self.name}"


_COLUMNS = """
SELECT column_name, data_type, udt_name
FROM information_schema.columns
WHERE table_schema = %s AND table_name = %s
ORDER BY ordinal_position
"""

_TABLE_EXISTS = """
SELECT 1 FROM information_schema.tables
WHERE table_schema = %s AND table_name = %s AND table_type IN ('BASE TABLE', 'VIEW', 'FOREIGN')
"""


def _pg_type(data_type: str, udt_name: str) -> str:
    if data_type == "ARRAY":
        return f"{udt_name.removeprefix('_')}[]"
    if data_type == "USER-DEFINED":
        return udt_name
    return data_type


def _read_table(conn: psycopg.Connection, schema: str, table: str, *, count_rows: bool) -> TableInfo | None:
    if conn.execute(_TABLE_EXISTS, (schema, table)).fetchone() is None:
        return None
    rows = conn.execute(_COLUMNS, (schema, table)).fetchall()
    columns = tuple(ColumnInfo(str(name), _pg_type(str(data_type), str(udt))) for name, data_type, udt in rows)
    row_count = None
    if count_rows:
        counted = conn.execute(
            sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        ).fetchone()
        row_count = int(counted[0]) if counted else None
    return TableInfo(schema=schema, name=table, columns=columns, row_count=row_count)


def describe_table(
    conn: psycopg.Connection,
    table: str,
    *,
    schema: str = "public",
    shared_schema: str = SHARED_SCHEMA,
    count_rows: bool = True,
) -> TableInfo:
    """Columns in table order, the exact row count (unless `count_rows=False`) and helper tables.

    Only what this connection's role can see is described: introspect as (or with the privileges of)
    the Grafana reader, so that panels never join a table Grafana cannot read.
    """
    info = _read_table(conn, schema, table, count_rows=count_rows)
    if info is None:
        raise NotFound(f"table {schema}.{table} does not exist (or this role cannot see it)")
    related = []
    for name in RELATED_TABLES:
        for where in dict.fromkeys((schema, shared_schema)):
            if (where, name) == (schema, table):
                continue
            helper = _read_table(conn, where, name, count_rows=False)
            if helper is not None:
                related.append(helper)
                break
    return TableInfo(info.schema, info.name, info.columns, info.row_count, tuple(related))


def classify(table: TableInfo) -> DashboardKind:
    """The template whose canonical columns (eda-formats.md §4) the table carries; else generic."""
    if table.has_numeric("slack") and any(
        table.has(name) for name in ("endpoint", "startpoint", "path_type", "path_group")
    ):
        return "timing"
    if table.has_numeric("setup_wns") or table.has_numeric("setup_tns"):
        return "timing"
    if table.has_textual("metric") and table.has_numeric("value_num"):
        return "qor"
    if table.has_textual("rule") and (
        table.has_numeric("count") or any(table.has(name) for name in ("layer", "checker", "category"))
    ):
        return "drc"
    return "generic"
