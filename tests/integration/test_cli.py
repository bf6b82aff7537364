"""The `edabot` CLI as an admin uses it: offline user management, migrations, key rotation, wrong keys."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet

from tests.conftest import REPO

pytestmark = pytest.mark.db


def _edabot(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(REPO), **env}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], cwd=cwd, env=full, capture_output=True, text=True, timeout=120
    )


def test_user_create_list_delete(cli_env, tmp_path: Path, unique_username) -> None:
    name = unique_username()
    created = _edabot(cli_env, "user", "create", name, "--slack-id", "U0CLI0001", "--admin", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert f"{name}_timing" in created.stdout and "API key (shown once): eda_" in created.stdout
    listed = _edabot(cli_env, "user", "list", cwd=tmp_path)
    assert listed.returncode == 0 and name in listed.stdout and "yes" in listed.stdout
    deleted = _edabot(cli_env, "user", "delete", name, "--drop-data", cwd=tmp_path)
    assert deleted.returncode == 0, deleted.stderr
    with psycopg.connect(cli_env["DATABASE_URL"]) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM pg_database WHERE datname LIKE %s", (name + "%",)).fetchone() == (0,)


def test_a_database_that_is_down_exits_75_with_a_reference_in_the_message_and_the_log(tmp_path: Path) -> None:
    """Unavailable at the CLI edge: not the admin's input, so not exit 1; EX_TEMPFAIL says "run it again later"."""
    env = {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "CREDENTIALS_KEY": Fernet.generate_key().decode()}
    result = _edabot(env, "user", "list", cwd=tmp_path)
    assert result.returncode == 75, result.stderr
    said = [line for line in result.stderr.splitlines() if line.startswith("edabot: ")]
    assert said and "master database cannot be reached" in said[-1], result.stderr
    reference = re.search(r"reference ([0-9A-F]{8})", said[-1])
    assert reference, said
    logged = [line for line in result.stderr.splitlines() if f"[ref {reference.group(1)}]" in line]
    assert logged and "WARNING" in logged[0], result.stderr


def test_bad_username_from_the_cli_exits_1_with_the_reason(cli_env, tmp_path: Path) -> None:
    result = _edabot(cli_env, "user", "create", "Robert'); DROP TABLE users;--", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "is not allowed" in result.stderr or "too long" in result.stderr


def test_rotate_key_then_the_old_key_alone_is_refused_at_start_up(cli_env, tmp_path: Path, unique_username) -> None:
    name = unique_username()
    assert _edabot(cli_env, "user", "create", name, cwd=tmp_path).returncode == 0
    old = cli_env["CREDENTIALS_KEY"]
    new = Fernet.generate_key().decode()
    rotated = _edabot({**cli_env, "CREDENTIALS_KEY": f"{new},{old}"}, "rotate-key", cwd=tmp_path)
    assert rotated.returncode == 0 and "re-encrypted 2 credential(s)" in rotated.stdout
    assert _edabot({**cli_env, "CREDENTIALS_KEY": new}, "migrate", cwd=tmp_path).returncode == 0
    refused = _edabot({**cli_env, "CREDENTIALS_KEY": old}, "migrate", cwd=tmp_path)
    assert refused.returncode == 2
    assert "CREDENTIALS_KEY cannot decrypt 2 stored credential(s)" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_generated_key_file_is_private_and_reused(fresh_database: str, tmp_path: Path) -> None:
    env = {"DATABASE_URL": fresh_database, "EDABOT_DATA_DIR": str(tmp_path / "data")}
    first = _edabot(env, "migrate", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "data" / "credentials.key"
    assert key_file.stat().st_mode & 0o777 == 0o600 and "Back it up" in first.stderr
    key = key_file.read_text()
    assert _edabot(env, "migrate", cwd=tmp_path).returncode == 0
    assert key_file.read_text() == key


def test_migrate_is_idempotent(cli_env, tmp_path: Path) -> None:
    assert _edabot(cli_env, "migrate", cwd=tmp_path).returncode == 0
    again = _edabot(cli_env, "migrate", cwd=tmp_path)
    assert again.returncode == 0 and "up to date" in again.stdout


def test_ingest_loads_a_real_report_readable_by_grafana_and_refuses_a_bad_one(
    cli_env, tmp_path: Path, unique_username
) -> None:
    from tests.conftest import shared_path

    sample = shared_path("eda-samples", "opensta_report_checks", "opensta_min_max_delays.ok")
    name = unique_username()
    assert _edabot(cli_env, "user", "create", name, cwd=tmp_path).returncode == 0
    done = _edabot(cli_env, "ingest", str(sample), "--user", name, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "→ timing table " in done.stdout
    table = done.stdout.split("→ timing table ")[1].split()[0]
    from core.db.urls import with_database

    with psycopg.connect(with_database(cli_env["DATABASE_URL"], f"{name}_timing")) as conn:
        owner = conn.execute("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = %s", (table,)).fetchone()
        readable = conn.execute("SELECT has_table_privilege(%s, %s, 'SELECT')", (f"{name}_grafana", table)).fetchone()
        before = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    assert owner == (name,) and readable == (True,)

    bad = tmp_path / "truncated.rpt"
    bad.write_text(sample.read_text()[:600])
    refused = _edabot(cli_env, "ingest", str(bad), "--user", name, cwd=tmp_path)
    assert refused.returncode == 1 and "truncated.rpt" in refused.stderr and "line" in refused.stderr
    assert "Traceback" not in refused.stderr
    with psycopg.connect(with_database(cli_env["DATABASE_URL"], f"{name}_timing")) as conn:
        after = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    assert after == before, "a bad file leaves nothing behind"
