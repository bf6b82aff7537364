"""The troubleshooting guide as checks: each says what is wrong and the concrete fix.

Two scopes: the server-wide checks (`edabot doctor`, and admins in `/eda status`) name every user's
datasources and the server's version; the `own_*` checks cover one user's databases, datasources and
queue only, and say nothing about the server or anyone else, so any registered user may see them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import psycopg
from sqlalchemy import func, select

from core.context import CoreContext
from core.db.models import Dashboard, User
from core.db.provisioning import database_names
from core.grafana.client import GrafanaClient
from core.grafana.errors import GrafanaAuthError, GrafanaError
from core.grafana.kinds import DATABASE_KINDS
from core.grafana.provisioning import datasource_uid

CONNECTIONS_WARN_RATIO = 0.8


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _first_line(exc: BaseException) -> str:
    text_ = str(exc).strip()
    return text_.splitlines()[0] if text_ else type(exc).__name__


def database_checks(ctx: CoreContext) -> list[Check]:
    try:
        with psycopg.connect(ctx.server.admin_url.reveal(), connect_timeout=5, autocommit=True) as conn:
            version = conn.execute("SHOW server_version").fetchone()
            used, limit = conn.execute(
                "SELECT (SELECT count(*) FROM pg_stat_activity), current_setting('max_connections')::int"
            ).fetchone() or (0, 1)
    except psycopg.Error as exc:
        return [
            Check(
                "PostgreSQL reachable",
                False,
                _first_line(exc),
                f"start PostgreSQL at {ctx.server.host}:{ctx.server.port} or fix DATABASE_URL",
            )
        ]
    checks = [
        Check("PostgreSQL reachable", True, f"{ctx.server.host}:{ctx.server.port}"),
        Check("PostgreSQL version", True, str(version[0]) if version else "unknown"),
    ]
    ratio = used / max(limit, 1)
    checks.append(
        Check(
            "PostgreSQL connections",
            ratio < CONNECTIONS_WARN_RATIO,
            f"{used} of {limit} in use",
            "" if ratio < CONNECTIONS_WARN_RATIO else "raise max_connections or lower the number of edabot processes",
        )
    )
    return checks


def grafana_checks(ctx: CoreContext | None, client: GrafanaClient | None) -> list[Check]:
    if client is None:
        return [
            Check(
                "Grafana configured",
                False,
                "GRAFANA_API_KEY is not set",
                "create a service account (role Admin) in Grafana, add a token, and set GRAFANA_API_KEY",
            )
        ]
    try:
        health = client.health()
    except GrafanaError as exc:
        return [Check("Grafana health", False, str(exc), "check GRAFANA_BASE_URL and that Grafana is running")]
    checks = [
        Check(
            "Grafana health",
            health.database == "ok",
            f"version {health.version}, database {health.database}",
            "" if health.database == "ok" else "Grafana's own database is failing: see Grafana's log",
        )
    ]
    try:
        client.search(limit=1)
        checks.append(Check("Grafana token", True, "accepted"))
    except GrafanaAuthError as exc:
        checks.append(
            Check("Grafana token", False, str(exc), "create a new service-account token and set GRAFANA_API_KEY")
        )
        return checks
    except GrafanaError as exc:
        checks.append(Check("Grafana token", False, str(exc), "check GRAFANA_BASE_URL and GRAFANA_ORG_ID"))
        return checks
    if ctx is None:
        return checks
    with ctx.db.session() as session:
        usernames = list(session.scalars(select(User.username).where(User.active.is_(True)).order_by(User.username)))
    for username in usernames:
        checks += _datasource_checks(client, username, _datasource_fix(ctx), f"as {username} ")
    return checks


def _datasource_checks(client: GrafanaClient, username: str, unhealthy_fix: str, who: str) -> list[Check]:
    checks = []
    for kind in DATABASE_KINDS:
        uid = datasource_uid(username, kind)
        try:
            result = client.datasource_health(uid)
            checks.append(Check(f"datasource {uid}", result.ok, result.message, "" if result.ok else unhealthy_fix))
        except GrafanaError as exc:
            checks.append(Check(f"datasource {uid}", False, str(exc), f"run `/eda register` {who}again to recreate it"))
    return checks


def own_database_checks(ctx: CoreContext, username: str) -> list[Check]:
    """Whether the user's three databases exist; nothing about the server itself (version, load)."""
    names = database_names(username)
    try:
        with psycopg.connect(ctx.server.admin_url.reveal(), connect_timeout=5, autocommit=True) as conn:
            rows = conn.execute("SELECT datname FROM pg_database WHERE datname = ANY(%s)", (list(names.values()),))
            present = {str(name) for (name,) in rows.fetchall()}
    except psycopg.Error:
        # The error text names the server's address and internals: that is for the admin's doctor.
        return [Check("your databases", False, "the database server is not reachable", "tell your edabot admin")]
    return [
        Check(
            f"your {kind} database",
            name in present,
            name if name in present else f"{name} is missing",
            "" if name in present else "run `/eda register` again to recreate it",
        )
        for kind, name in names.items()
    ]


def own_grafana_checks(client: GrafanaClient | None, username: str) -> list[Check]:
    """The user's own three datasources; Grafana's own health and version are the admin's business."""
    if client is None:
        return [Check("your datasources", False, "Grafana is not configured on this edabot", "tell your edabot admin")]
    return _datasource_checks(client, username, "tell your edabot admin: Grafana cannot reach your database", "")


def _datasource_fix(ctx: CoreContext) -> str:
    return (
        f"Grafana must reach PostgreSQL at {ctx.server.grafana_host}:{ctx.server.grafana_port}; set "
        "GRAFANA_DB_HOST/GRAFANA_DB_PORT if it sees the server at another address"
    )


def queue_depth(ctx: CoreContext, username: str | None = None) -> dict[str, int]:
    """Dashboards by pipeline state: everyone's, or one user's only."""
    query = select(Dashboard.state, func.count()).group_by(Dashboard.state)
    if username is not None:
        query = query.join(User, User.id == Dashboard.user_id).where(User.username == username)
    with ctx.db.session() as session:
        return {state: int(count) for state, count in session.execute(query)}
