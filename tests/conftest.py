"""Shared fixtures: a real PostgreSQL server for every database test.

By default an embedded server (pip-installed binaries) is started once per test session in a
temporary directory; TEST_DATABASE_URL points the suite at another server instead (CI also runs the
database tests against the machine's PostgreSQL 15 that way).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from core.crypto import CredentialCipher
from core.db.engine import Database
from core.db.migrate import upgrade_to_head
from core.db.provisioning import DbServer
from core.db.urls import with_database
from core.secret import Secret

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test with the reason when that folder is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: these tests read ../shared beside the repo in place")
    return path


def server_data_dir(prefix: str) -> Path:
    """A directory for an embedded server outside pytest's tmp tree: pytest resets that tree to mode 0700
    whenever another session starts, which would lock out the server's own system user when run as root."""
    return Path(tempfile.mkdtemp(prefix=prefix))


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    from core.db.embedded import EmbeddedPostgres

    data_dir = server_data_dir("edabot-test-pg-")
    server = EmbeddedPostgres(data_dir, fast_unsafe=True)
    info = server.start()
    try:
        yield info.url()
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def _drop_edabot_objects(admin_url: str, usernames: set[str]) -> None:
    """Remove the per-user databases and roles a test created (only ones edabot marked as its own)."""
    if not usernames:
        return
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for name in usernames:
            marker = f"edabot user {name}"
            for (db,) in conn.execute(
                "SELECT datname FROM pg_database WHERE shobj_description(oid, 'pg_database') = %s", (marker,)
            ).fetchall():
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))
            for (role,) in conn.execute(
                "SELECT rolname FROM pg_roles WHERE shobj_description(oid, 'pg_authid') = %s", (marker,)
            ).fetchall():
                conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@pytest.fixture
def fresh_database(pg_admin_url: str) -> Iterator[str]:
    """An empty database of its own for one test, dropped afterwards."""
    name = f"edabot_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_database(pg_admin_url, name)
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def master_db_url(fresh_database: str) -> str:
    upgrade_to_head(fresh_database)
    return fresh_database


@pytest.fixture
def unique_username() -> Iterator[object]:
    """Make usernames unique per test (roles are server-wide) and clean their objects up afterwards."""
    made: set[str] = set()

    def make(prefix: str = "eng") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        made.add(name)
        return name

    make.made = made  # type: ignore[attr-defined]
    yield make


@pytest.fixture
def credentials_key() -> Secret:
    from cryptography.fernet import Fernet

    return Secret(Fernet.generate_key().decode())


@pytest.fixture
def core_ctx(
    master_db_url: str, pg_admin_url: str, unique_username: object, credentials_key: Secret
) -> Iterator[object]:
    from core.context import CoreContext, NoGrafana

    db = Database(master_db_url, pool_size=5)
    server = DbServer.from_admin_url(master_db_url, grafana_host=None, grafana_port=None)
    ctx = CoreContext(db=db, cipher=CredentialCipher([credentials_key]), server=server, grafana=NoGrafana())
    try:
        yield ctx
    finally:
        db.dispose()
        _drop_edabot_objects(pg_admin_url, unique_username.made)  # type: ignore[attr-defined]


def owner_login(ctx: object, username: str, kind: str, *, autocommit: bool = True) -> psycopg.Connection:
    """Log in to one of the user's databases as the user does: their own role and their DB_PASSWORD."""
    from core.logins import OWNER_PASSWORD, require_password

    password = require_password(ctx, OWNER_PASSWORD, username)  # type: ignore[arg-type]
    url = ctx.server.url_for(f"{username}_{kind}", user=username, password=password)  # type: ignore[attr-defined]
    return psycopg.connect(url, autocommit=autocommit, connect_timeout=10)


def admin_login(ctx: object, database: str) -> psycopg.Connection:
    """The test's own superuser session in any database (setup and inspection only; the product never does this
    in a user database)."""
    return psycopg.connect(with_database(ctx.server.admin_url.reveal(), database), autocommit=True)  # type: ignore[attr-defined]
