"""SQL text for panel queries: PostgreSQL quoting that Grafana cannot misread, and numeric guards.

Panel SQL is sent by Grafana, not by us, so it cannot use bind parameters. Grafana rewrites `$name`,
`${name}`, `[[name]]` and `$__macro(...)` anywhere in rawSql, even inside quotes, so names holding
`$`, `[` or `]` are written with PostgreSQL's Unicode escapes (U&"..."), which Grafana leaves alone.
"""

from __future__ import annotations

from core.grafana.introspect import ColumnInfo, TableInfo

_GRAFANA_SPECIAL = frozenset("$[]")
_INTEGER_TYPES = frozenset({"smallint", "integer", "bigint"})
_FLOAT_TYPES = frozenset({"real", "double precision"})
# float8 holds up to ~1.8e308; anything larger (numeric allows far more) becomes NULL, not an error.
_FLOAT_LIMIT = "1e308"


def _unicode_escaped(text: str, quote: str) -> str:
    out: list[str] = []
    for ch in text:
        if ch in _GRAFANA_SPECIAL:
            out.append(f"\\{ord(ch):04X}")
        elif ch == "\\":
            out.append("\\\\")
        elif ch == quote:
            out.append(quote * 2)
        else:
            out.append(ch)
    return f"U&{quote}{''.join(out)}{quote}"


def quote_ident(name: str) -> str:
    """A PostgreSQL identifier for any name: `select`, `My Table`, `a"b`, `50%`, unicode, `$x`."""
    if "\x00" in name:
        raise ValueError("PostgreSQL identifiers cannot contain NUL")
    if any(ch in _GRAFANA_SPECIAL for ch in name):
        return _unicode_escaped(name, '"')
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """A PostgreSQL string literal (standard_conforming_strings on, the default since 9.1)."""
    if "\x00" in value:
        raise ValueError("PostgreSQL strings cannot contain NUL")
    if any(ch in _GRAFANA_SPECIAL for ch in value):
        return _unicode_escaped(value, "'")
    return "'" + value.replace("'", "''") + "'"


def table_ref(table: TableInfo) -> str:
    return f"{quote_ident(table.schema)}.{quote_ident(table.name)}"


def col(name: str, alias: str | None = None) -> str:
    ident = quote_ident(name)
    return f"{alias}.{ident}" if alias else ident


def finite_float(expr: str) -> str:
    """`expr` (numeric) as double precision, NULL when float8 cannot hold it (huge, NaN, infinity)."""
    return f"CASE WHEN abs({expr}) < {_FLOAT_LIMIT} THEN ({expr})::double precision END"


def as_float(column: ColumnInfo, expr: str | None = None) -> str:
    """A numeric column as double precision for Grafana, never raising on huge values."""
    expr = expr or quote_ident(column.name)
    if column.pg_type in _FLOAT_TYPES:
        return f"({expr})::double precision"
    if column.pg_type in _INTEGER_TYPES:
        return f"({expr})::double precision"
    return finite_float(f"({expr})::numeric")


def safe_sum(expr: str, *, where: str | None = None, zero_if_none: bool = False) -> str:
    """sum() in numeric, because a float8 sum raises 'value out of range' on overflow."""
    filtered = f" FILTER (WHERE {where})" if where else ""
    total = f"sum(({expr})::numeric){filtered}"
    return finite_float(f"COALESCE({total}, 0)" if zero_if_none else total)


def safe_avg(expr: str, *, where: str | None = None) -> str:
    filtered = f" FILTER (WHERE {where})" if where else ""
    return finite_float(f"avg(({expr})::numeric){filtered}")


def alias(label: str) -> str:
    """An output column name as Grafana shows it."""
    return quote_ident(label)
