"""A scratch PostgreSQL setup shaped like one edabot user: an owner role, a read-only
`<username>_grafana` role and the three databases `<username>_{timing,qor,drc}`.

It runs on the suite's server (embedded, or TEST_DATABASE_URL) and drops everything it created afterwards.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from psycopg import sql

from core.db import provisioning
from core.db.provisioning import DbServer
from core.secret import Secret
from tests.fakes.grafana import GrafanaFake

KINDS = ("timing", "qor", "drc")


@dataclass(frozen=True)
class ScratchUser:
    admin_url: str
    host: str
    port: int
    username: str
    reader: str
    reader_password: str
    server_version_num: int

    def database(self, kind: str) -> str:
        return f"{self.username}_{kind}"

    def owner_conn(self, kind: str) -> psycopg.Connection:
        """Superuser connection acting as the owner role, so default privileges apply to new tables."""
        conn = psycopg.connect(self.admin_url, dbname=self.database(kind), autocommit=True)
        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(self.username)))
        return conn

    def reader_conn(self, kind: str) -> psycopg.Connection:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            dbname=self.database(kind),
            user=self.reader,
            password=self.reader_password,
            autocommit=True,
        )


@pytest.fixture(scope="session")
def scratch_user(pg_admin_url: str) -> Iterator[ScratchUser]:
    """One user provisioned by the product's own code (roles, databases, Grafana read access)."""
    server = DbServer.from_admin_url(pg_admin_url, grafana_host=None, grafana_port=None)
    username = f"gt_{secrets.token_hex(4)}"
    user = ScratchUser(
        admin_url=pg_admin_url,
        host=server.host,
        port=server.port,
        username=username,
        reader=f"{username}_grafana",
        reader_password=secrets.token_urlsafe(16),
        server_version_num=server.server_version_num(),
    )
    owner_password = Secret(secrets.token_urlsafe(16))
    provisioning.ensure_roles(
        server, username, owner_password=owner_password, grafana_password=Secret(user.reader_password)
    )
    provisioning.ensure_databases(server, username)
    provisioning.ensure_grafana_read_access(server, username, owner_password=owner_password)
    try:
        yield user
    finally:
        provisioning.drop_user_databases(server, username)
        provisioning.drop_roles(server, username)


@pytest.fixture
def grafana_fake() -> Iterator[GrafanaFake]:
    with GrafanaFake(render_delay_ms=5) as fake:
        yield fake
        assert fake.violations == [], "the fake saw contract violations"
