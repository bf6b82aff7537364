"""Tables that try to break the templates: 500 columns, one or no column, NULL-only and huge values,
no rows, names that are SQL keywords, quotes, '%', unicode or look like Grafana macros. Every panel
query must still run as the reader role, and Grafana must find nothing to interpolate in it."""

# These tests build hostile tables on purpose, with hand-quoted SQL.

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.grafana.client import GrafanaClient
from core.grafana.introspect import classify, describe_table
from core.grafana.provisioning import ensure_user_grafana
from core.grafana.templates import build_dashboard
from core.grafana.templates.sql import quote_ident, quote_literal
from tests.fakes.grafana import GrafanaFake
from tests.integration.grafana import sample_tables
from tests.integration.grafana.conftest import ScratchUser
from tests.integration.grafana.panel_runner import PanelResult, errors, run_panels

pytestmark = pytest.mark.db

WEIRD_TABLES = ["select", "My Table", "50% done", "it's", "Ünïcødé 表", "$__timeFilter(x)", "[[var]]", 'quote"d']
WEIRD_COLUMNS = {
    "select": "int",
    "from": "text",
    "My Col": "double precision",
    "%": "numeric",
    "'q'": "text",
    "$__time(ts)": "timestamptz",
    "${x}": "double precision",
    "time": "double precision",
    'a"b': "text",
    "ts": "timestamptz",
}
TYPES_500 = ("double precision", "integer", "numeric", "text", "boolean")


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _create_all(conn: psycopg.Connection) -> None:
    columns = ", ".join(f"c{i} {TYPES_500[i % len(TYPES_500)]}" for i in range(1, 500))
    conn.execute(f"CREATE TABLE wide500 (ts timestamptz, {columns})")
    for row in range(3):
        values = ", ".join(
            {
                "double precision": f"{row}.5",
                "integer": str(row),
                "numeric": f"{row}e30",
                "text": f"'r{row}'",
                "boolean": "true",
            }[TYPES_500[i % len(TYPES_500)]]
            for i in range(1, 500)
        )
        conn.execute(f"INSERT INTO wide500 VALUES (now() - interval '{row} day', {values})")
    conn.execute("CREATE TABLE one_col (v double precision)")
    conn.execute("INSERT INTO one_col VALUES (1), (2), (3)")
    conn.execute("CREATE TABLE null_only (a double precision, b text, c timestamptz, d numeric)")
    conn.execute("INSERT INTO null_only SELECT NULL, NULL, NULL, NULL FROM generate_series(1, 4)")
    conn.execute("CREATE TABLE huge (n numeric, d double precision, b bigint, r real, t timestamptz)")
    conn.execute(
        "INSERT INTO huge VALUES (1e400, 1.7e308, 9223372036854775807, 3.4e38, now()),"
        " (-1e400, 1.7e308, -9223372036854775808, -3.4e38, now()), ('NaN', 'Infinity', 0, 'NaN', 'infinity'),"
        " (NULL, '-Infinity', NULL, NULL, NULL)"
    )
    conn.execute("CREATE TABLE empty_table (t timestamptz, x numeric, s text, d date)")
    conn.execute("CREATE TABLE zero_cols ()")
    conn.execute("INSERT INTO zero_cols DEFAULT VALUES")
    conn.execute("INSERT INTO zero_cols DEFAULT VALUES")
    columns = ", ".join(f"{q(name)} {pg_type}" for name, pg_type in WEIRD_COLUMNS.items())
    for table in WEIRD_TABLES:
        conn.execute(f"CREATE TABLE {q(table)} ({columns})")
        conn.execute(
            f"INSERT INTO {q(table)} VALUES (1, 'a', 1.5, 2.5, 'x', now(), 3, 4, 'y', now()),"
            " (2, NULL, -1.5, NULL, '%s', now() - interval '1 hour', NULL, 5, 'z', now())"
        )
    sample_tables.load_timing_paths(conn, "timing $paths 'x'")


@pytest.fixture(scope="module")
def hostile(scratch_user: ScratchUser) -> Iterator[ScratchUser]:
    with scratch_user.owner_conn("drc") as conn:
        _create_all(conn)
    yield scratch_user
    with scratch_user.owner_conn("drc") as conn:
        names = ["wide500", "one_col", "null_only", "huge", "empty_table", "zero_cols", "timing $paths 'x'"]
        for table in names + WEIRD_TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {q(table)}")


def _run(user: ScratchUser, table: str, expected_kind: str = "generic") -> dict[str, PanelResult]:
    with user.reader_conn("drc") as conn:
        info = describe_table(conn, table)
        assert classify(info) == expected_kind
        dashboard = build_dashboard(
            expected_kind, info, username=user.username, datasource_uid="ds", database_kind="drc"
        )
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                leftover = re.sub(r"\$__time(From|To)\(\)", "", target["rawSql"])
                assert "$" not in leftover and "[[" not in leftover, target["rawSql"]
        results = run_panels(conn, dashboard)
    assert errors(results) == {}
    return results


@pytest.mark.parametrize("table", WEIRD_TABLES)
def test_weird_names_round_trip(hostile: ScratchUser, table: str) -> None:
    panels = _run(hostile, table)
    assert panels["Rows"].value() == 2
    assert panels["First 100 rows"].columns == list(WEIRD_COLUMNS)
    summary = panels["Numeric columns"]
    assert summary.column("column") == ["select", "My Col", "%", "${x}", "time"]
    assert dict(zip(summary.column("column"), summary.column("max"), strict=True))["My Col"] == 1.5
    series = panels["Over time ($__time(ts))".replace("$", "\uff04")]
    assert series.columns[0] == "time" and "time" not in series.columns[1:]
    assert len(series.rows) == 2


def test_500_columns(hostile: ScratchUser) -> None:
    panels = _run(hostile, "wide500")
    assert panels["Rows"].value() == 3
    assert len(panels["First 100 rows"].columns) == 500
    numeric = [
        f"c{i}" for i in range(1, 500) if TYPES_500[i % len(TYPES_500)] in ("double precision", "integer", "numeric")
    ]
    assert panels["Numeric columns"].column("column") == numeric
    assert panels["Numeric columns"].column("values") == [3] * len(numeric)


def test_one_column(hostile: ScratchUser) -> None:
    panels = _run(hostile, "one_col")
    assert panels["Numeric columns"].rows == [("v", 3, 0, 1.0, 3.0, 2.0)]


def test_null_only_columns(hostile: ScratchUser) -> None:
    panels = _run(hostile, "null_only")
    summary = panels["Numeric columns"]
    assert summary.rows == [("a", 0, 4, None, None, None), ("d", 0, 4, None, None, None)]
    assert panels["Over time (c)"].rows == []


def test_huge_numbers_do_not_break_queries(hostile: ScratchUser) -> None:
    panels = _run(hostile, "huge")
    summary = {row[0]: row for row in panels["Numeric columns"].rows}
    assert summary["b"][3:5] == (-9223372036854775808.0, 9223372036854775807.0)
    assert summary["n"][3] is None  # -1e400 does not fit a double: shown empty, not an error
    assert panels["First 100 rows"].column("n")[0] == "1" + "0" * 400  # exact, as text


def test_empty_table(hostile: ScratchUser) -> None:
    panels = _run(hostile, "empty_table")
    assert panels["Rows"].value() == 0
    assert panels["Numeric columns"].rows == [("x", 0, 0, None, None, None)]
    assert panels["First 100 rows"].rows == []


def test_zero_columns(hostile: ScratchUser) -> None:
    panels = _run(hostile, "zero_cols")
    assert panels["Rows"].value() == 2
    assert set(panels) == {"Rows", "First 100 rows"}


def test_canonical_timing_table_with_hostile_name(hostile: ScratchUser) -> None:
    panels = _run(hostile, "timing $paths 'x'", expected_kind="timing")
    assert panels["Setup WNS"].value() is not None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), min_size=1, max_size=20))
def test_quoting_round_trips_any_name(scratch_user: ScratchUser, name: str) -> None:
    if len(name.encode()) > 63:  # PostgreSQL truncates longer identifiers
        return
    with psycopg.connect(scratch_user.admin_url, autocommit=True) as conn:
        cursor = conn.execute(f"SELECT {quote_literal(name)} AS {quote_ident(name)}")
        assert cursor.description is not None
        assert cursor.description[0].name == name
        assert cursor.fetchone() == (name,)


def test_fake_grafana_accepts_and_draws_every_hostile_dashboard(
    hostile: ScratchUser, grafana_fake: GrafanaFake
) -> None:
    names = ["wide500", "one_col", "null_only", "huge", "empty_table", "zero_cols", "timing $paths 'x'", *WEIRD_TABLES]
    with GrafanaClient(grafana_fake.base_url, grafana_fake.token, max_attempts=1) as client:
        setup = ensure_user_grafana(
            client,
            username=hostile.username,
            db_host=hostile.host,
            db_port=hostile.port,
            grafana_db_password=hostile.reader_password,
            server_version_num=hostile.server_version_num,
        )
        assert setup.healthy
        uids = set()
        for name in names:
            with hostile.reader_conn("drc") as conn:
                info = describe_table(conn, name)
            dashboard = build_dashboard(
                classify(info),
                info,
                username=hostile.username,
                datasource_uid=setup.datasource_uids["drc"],
                database_kind="drc",
            )
            saved = client.save_dashboard(dashboard, folder_uid=setup.folder_uid)
            uids.add(saved.uid)
            page = httpx.get(
                grafana_fake.base_url + saved.url, headers={"Authorization": f"Bearer {grafana_fake.token}"}
            )
            assert page.status_code == 200, name
            assert "Panel status error" not in page.text, (name, re.findall(r'error message">([^<]*)', page.text))
    assert len(uids) == len(names)
