"""Runs SQL the way Grafana's PostgreSQL datasource does: with the datasource's own host, database,
user and password (psycopg), so a fake answer is only OK when the real database agrees."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.types.datetime import DateLoader, TimestampLoader, TimestamptzLoader

MAX_ROWS = 10000


def lenient_datetimes(conn: psycopg.Connection) -> None:
    """Show 'infinity' and years past 9999 as text: Python's datetime cannot hold them, Grafana can."""
    for base, name in ((TimestamptzLoader, "timestamptz"), (TimestampLoader, "timestamp"), (DateLoader, "date")):

        class Lenient(base):  # type: ignore[valid-type,misc]
            def load(self, data: Any) -> Any:
                try:
                    return super().load(data)
                except psycopg.DataError:
                    return bytes(data).decode()

        conn.adapters.register_loader(name, Lenient)


@dataclass
class QueryResult:
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    error: str | None = None
    sql: str = ""


def _host_port(url: str) -> tuple[str, int | None]:
    url = url.strip()
    if url.startswith("/"):
        return url, None  # unix socket directory, as Grafana accepts
    if url.startswith("["):
        host, _, rest = url[1:].partition("]")
        return host, int(rest.lstrip(":")) if rest.strip(":") else None
    host, _, port = url.rpartition(":") if url.count(":") == 1 else (url, "", "")
    return host, int(port) if port else None


def connect_kwargs(datasource: dict[str, Any], password: str | None) -> dict[str, Any]:
    json_data = datasource.get("jsonData") or {}
    host, port = _host_port(str(datasource.get("url", "")))
    kwargs: dict[str, Any] = {
        "host": host,
        "port": port or 5432,
        # Grafana reads jsonData.database; old datasources kept it top-level.
        "dbname": json_data.get("database") or datasource.get("database") or "",
        "user": datasource.get("user") or "",
        "sslmode": json_data.get("sslmode") or "require",
        "connect_timeout": 5,
        "application_name": "grafana-fake",
    }
    if password is not None:
        kwargs["password"] = password
    return kwargs


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def check_connection(datasource: dict[str, Any], password: str | None) -> str | None:
    """None when a `SELECT 1` works, else the error as Grafana's plugin would report it."""
    if not datasource.get("jsonData", {}).get("database") and not datasource.get("database"):
        return "no default database configured"
    try:
        with psycopg.connect(**connect_kwargs(datasource, password), autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return _first_line(exc)
    return None


def run_queries(
    datasource: dict[str, Any], password: str | None, statements: list[str], *, max_rows: int = MAX_ROWS
) -> list[QueryResult]:
    """Each statement on its own; one failing does not stop the others (as with Grafana panels)."""
    try:
        conn = psycopg.connect(**connect_kwargs(datasource, password), autocommit=True)
    except psycopg.Error as exc:
        return [QueryResult(error=_first_line(exc), sql=sql) for sql in statements]
    lenient_datetimes(conn)
    results = []
    with conn:
        for sql in statements:
            try:
                # No parameters: psycopg then sends the text as is, so '%' needs no escaping.
                cursor = conn.execute(sql)
                columns = [column.name for column in cursor.description or []]
                rows = cursor.fetchmany(max_rows) if cursor.description else []
                results.append(QueryResult(columns=columns, rows=rows, sql=sql))
            except psycopg.Error as exc:
                results.append(QueryResult(error=_first_line(exc), sql=sql))
    return results
