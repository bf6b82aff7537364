"""`edabot doctor` and `/eda status`: database, Grafana and Slack checks with a fix for each failure."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from core import credentials, users
from core.context import CoreContext
from core.db.models import Credential, User
from core.doctor import Check, database_checks, grafana_checks, own_database_checks, own_grafana_checks

log = logging.getLogger(__name__)
MANIFEST = Path(__file__).resolve().parents[1] / "manifest.json"


def required_scopes() -> set[str]:
    try:
        manifest = json.loads(MANIFEST.read_text())
        return set(manifest["oauth_config"]["scopes"]["bot"])
    except (OSError, ValueError, KeyError):
        return set()


def slack_checks(settings: Settings, core: CoreContext | None, client: WebClient | None) -> list[Check]:
    if client is None:
        return [
            Check(
                "Slack tokens",
                False,
                "SLACK_BOT_TOKEN is not set",
                "create the app from manifest.json and put its bot token in .env",
            )
        ]
    try:
        auth = client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error", "error")
        return [
            Check(
                "Slack auth.test",
                False,
                str(error),
                "the bot token was revoked or is wrong: reinstall the app and update SLACK_BOT_TOKEN",
            )
        ]
    checks = [Check("Slack auth.test", True, f"bot {auth.get('user')} in {auth.get('team')}")]
    granted = {s.strip() for s in (auth.headers.get("x-oauth-scopes") or "").split(",") if s.strip()}
    missing = sorted(required_scopes() - granted)
    checks.append(
        Check(
            "Slack scopes",
            not missing,
            "all granted" if not missing else f"missing {', '.join(missing)}",
            "" if not missing else "add them from manifest.json and reinstall the app",
        )
    )
    for channel, whose in _channels(settings, core) if core is not None else []:
        checks.append(_channel_check(client, channel, whose))
    return checks


def _channels(settings: Settings, core: CoreContext) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if settings.slack_channel_id:
        found.append((settings.slack_channel_id, "SLACK_CHANNEL_ID"))
    from sqlalchemy import select

    with core.db.session() as session:
        rows = session.execute(
            select(User.username, Credential.encrypted_value)
            .join(Credential, Credential.user_id == User.id)
            .where(Credential.key_name == "SLACK_CHANNEL_ID")
        )
        for username, token in rows:
            found.append((core.cipher.decrypt(token).reveal(), f"{username}'s SLACK_CHANNEL_ID"))
    return found


def _channel_check(client: WebClient, channel: str, whose: str) -> Check:
    name = f"Slack channel {channel} ({whose})"
    try:
        info = client.conversations_info(channel=channel)["channel"]
    except SlackApiError as exc:
        error = exc.response.get("error", "error")
        return Check(name, False, str(error), f"invite @edabot to that channel, or correct {whose}")
    if info.get("is_member") or not info.get("is_private"):
        return Check(name, True, f"#{info.get('name')}")
    return Check(
        name,
        False,
        f"#{info.get('name')} is private and the bot is not in it",
        f"invite @edabot to #{info.get('name')}",
    )


def run_checks(settings: Settings, core: CoreContext, slack: WebClient | None) -> list[Check]:
    return [*database_checks(core), *grafana_checks(core, core.grafana_client), *slack_checks(settings, core, slack)]


def own_channel_checks(core: CoreContext, client: WebClient | None, username: str) -> list[Check]:
    """The user's own SLACK_CHANNEL_ID only: other people's channels are in the admins' checks."""
    with core.db.session() as session:
        channel = credentials.get(session, core.cipher, users.require(session, username), "SLACK_CHANNEL_ID")
    if channel is None:
        return [
            Check("your channel", True, "not set: `creds set SLACK_CHANNEL_ID` chooses where your notifications go")
        ]
    if client is None:
        return [Check("your channel", False, "Slack is not configured on this edabot", "tell your edabot admin")]
    return [_channel_check(client, channel.reveal(), "your SLACK_CHANNEL_ID")]


def run_own_checks(core: CoreContext, slack: WebClient | None, username: str) -> list[Check]:
    """What `/eda status` shows any registered user: their databases, datasources and channel."""
    return [
        *own_database_checks(core, username),
        *own_grafana_checks(core.grafana_client, username),
        *own_channel_checks(core, slack, username),
    ]


def run_offline_checks(settings: Settings, database_problem: str) -> list[Check]:
    """When the master database cannot be opened, still check what can be checked without it."""
    from bot.app import build_web_client
    from bot.runtime import build_grafana_client

    slack = build_web_client(settings, settings.slack_bot_token.reveal()) if settings.slack_bot_token else None
    return [
        Check(
            "PostgreSQL reachable",
            False,
            database_problem,
            "start PostgreSQL or fix DATABASE_URL / MASTER_DB_*; with neither set edabot uses its embedded server",
        ),
        *grafana_checks(None, build_grafana_client(settings)),
        *slack_checks(settings, None, slack),
    ]


def render_table(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    lines = []
    for c in checks:
        lines.append(f"{'ok ' if c.ok else 'FAIL'} {c.name:<{width}}  {c.detail}")
        if not c.ok and c.fix:
            lines.append(f"     {'':<{width}}  fix: {c.fix}")
    return "\n".join(lines)
