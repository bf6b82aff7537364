"""`edabot doctor`: the checks of core.doctor run from the command line, printed as a table or JSON."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.config import Settings
from core.context import CoreContext
from core.doctor import Check, grafana_checks, server_checks, slack_checks
from listeners.slack_probe import WebClientProbe, required_scopes


def run_checks(settings: Settings, core: CoreContext, slack: WebClient | None) -> list[Check]:
    probe = WebClientProbe(slack) if slack is not None else None
    return server_checks(core, probe, required_scopes=required_scopes(), global_channel=settings.slack_channel_id)


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
        *slack_checks(
            None,
            WebClientProbe(slack) if slack is not None else None,
            required_scopes=required_scopes(),
            global_channel=settings.slack_channel_id,
        ),
    ]


def render_table(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    lines = []
    for c in checks:
        lines.append(f"{'ok ' if c.ok else 'FAIL'} {c.name:<{width}}  {c.detail}")
        if not c.ok and c.fix:
            lines.append(f"     {'':<{width}}  fix: {c.fix}")
    return "\n".join(lines)
