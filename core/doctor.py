"""The troubleshooting guide as checks: each says what is wrong and the concrete fix.

Database, Grafana and Slack checks; Slack is reached through the SlackProbe port (an adapter over the Web
API lives with the Slack edge), so `edabot doctor` and `/eda status` run the same checks. Two scopes: the server-wide checks (`edabot doctor`, and admins in `/eda status`) name every user's
datasources and the server's version; the `own_*` checks cover one user's databases, datasources and
queue only, and say nothing about the server or anyone else, so any registered user may see them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import psycopg
from sqlalchemy import func, select

from core import credentials, users
from core.context import CoreContext
from core.db.models import Credential, Dashboard, User
from core.db.provisioning import database_names
from core.errors import Unavailable
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


@dataclass(frozen=True)
class SlackIdentity:
    """What Slack's auth.test says about the bot's token."""

    user: str | None
    team: str | None
    scopes: frozenset[str]


@dataclass(frozen=True)
class SlackChannelInfo:
    name: str | None
    is_member: bool
    is_private: bool


class SlackCallFailed(Unavailable):
    """A Slack call was refused; `str()` is Slack's error code (e.g. `invalid_auth`, `channel_not_found`)."""


class SlackProbe(Protocol):
    """The Slack Web API calls the checks make; both raise SlackCallFailed."""

    def identity(self) -> SlackIdentity: ...

    def channel(self, channel_id: str) -> SlackChannelInfo: ...


def _first_line(exc: BaseException) -> str:
    text_ = str(exc).strip()
    return text_.splitlines()[0] if text_ else type(exc).__name__


def database_checks(ctx: CoreContext) -> list[Check]:
    try:
        with psycopg.connect(ctx.server.admin_url.reveal(), connect_timeout=5, autocommit=True) as conn:
            version = conn.execute("SHOW server_version").fetchone()
            track_counts = conn.execute("SHOW track_counts").fetchone()
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
    # The scan lists only the databases whose write counters moved; with counting off, every pass lists all.
    counting = track_counts is not None and str(track_counts[0]).lower() == "on"
    checks.append(
        Check(
            "PostgreSQL track_counts",
            counting,
            "on" if counting else "off: every scan pass connects to every user database",
            ""
            if counting
            else "turn it on: ALTER SYSTEM SET track_counts = on; SELECT pg_reload_conf(); (or track_counts = on "
            "in postgresql.conf)",
        )
    )
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


def slack_checks(
    ctx: CoreContext | None,
    probe: SlackProbe | None,
    *,
    required_scopes: Collection[str],
    global_channel: str | None,
) -> list[Check]:
    """Token, scopes, and every configured channel (SLACK_CHANNEL_ID and each user's): the admins' view."""
    if probe is None:
        return [
            Check(
                "Slack tokens",
                False,
                "SLACK_BOT_TOKEN is not set",
                "create the app from manifest.json and put its bot token in .env",
            )
        ]
    try:
        identity = probe.identity()
    except SlackCallFailed as exc:
        return [
            Check(
                "Slack auth.test",
                False,
                str(exc),
                "the bot token was revoked or is wrong: reinstall the app and update SLACK_BOT_TOKEN",
            )
        ]
    checks = [Check("Slack auth.test", True, f"bot {identity.user} in {identity.team}")]
    missing = sorted(set(required_scopes) - identity.scopes)
    checks.append(
        Check(
            "Slack scopes",
            not missing,
            "all granted" if not missing else f"missing {', '.join(missing)}",
            "" if not missing else "add them from manifest.json and reinstall the app",
        )
    )
    for channel, whose in _channels(ctx, global_channel) if ctx is not None else []:
        checks.append(_channel_check(probe, channel, whose))
    return checks


def _channels(ctx: CoreContext, global_channel: str | None) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if global_channel:
        found.append((global_channel, "SLACK_CHANNEL_ID"))
    with ctx.db.session() as session:
        rows = session.execute(
            select(User.username, Credential.encrypted_value)
            .join(Credential, Credential.user_id == User.id)
            .where(Credential.key_name == "SLACK_CHANNEL_ID")
        )
        for username, token in rows:
            found.append((ctx.cipher.decrypt(token).reveal(), f"{username}'s SLACK_CHANNEL_ID"))
    return found


def _channel_check(probe: SlackProbe, channel: str, whose: str) -> Check:
    name = f"Slack channel {channel} ({whose})"
    try:
        info = probe.channel(channel)
    except SlackCallFailed as exc:
        return Check(name, False, str(exc), f"invite @edabot to that channel, or correct {whose}")
    if info.is_member or not info.is_private:
        return Check(name, True, f"#{info.name}")
    return Check(
        name,
        False,
        f"#{info.name} is private and the bot is not in it",
        f"invite @edabot to #{info.name}",
    )


def server_checks(
    ctx: CoreContext, probe: SlackProbe | None, *, required_scopes: Collection[str], global_channel: str | None
) -> list[Check]:
    """`edabot doctor`: everything, for everyone."""
    return [
        *database_checks(ctx),
        *grafana_checks(ctx, ctx.grafana_client),
        *slack_checks(ctx, probe, required_scopes=required_scopes, global_channel=global_channel),
    ]


def own_channel_checks(ctx: CoreContext, probe: SlackProbe | None, username: str) -> list[Check]:
    """The user's own SLACK_CHANNEL_ID only: other people's channels are in the admins' checks."""
    with ctx.db.session() as session:
        channel = credentials.get(session, ctx.cipher, users.require(session, username), "SLACK_CHANNEL_ID")
    if channel is None:
        return [
            Check("your channel", True, "not set: `creds set SLACK_CHANNEL_ID` chooses where your notifications go")
        ]
    if probe is None:
        return [Check("your channel", False, "Slack is not configured on this edabot", "tell your edabot admin")]
    return [_channel_check(probe, channel.reveal(), "your SLACK_CHANNEL_ID")]


def own_checks(ctx: CoreContext, probe: SlackProbe | None, username: str) -> list[Check]:
    """What `/eda status` shows any registered user: their databases, datasources and channel."""
    return [
        *own_database_checks(ctx, username),
        *own_grafana_checks(ctx.grafana_client, username),
        *own_channel_checks(ctx, probe, username),
    ]
