"""The App Home tab: account, masked credentials, latest dashboards, common actions."""

from __future__ import annotations

from typing import Any

from core.credentials import MaskedCredential
from core.dashboards import DashboardLine
from core.users import UserSummary
from listeners.blocks.common import Block, button, code, context, divider, esc, header, line_sections, link, section
from listeners.ids import ActionId, BlockId


def dashboard_lines(dashboards: list[DashboardLine], *, error_chars: int) -> list[str]:
    """One mrkdwn line per dashboard: the table (linked to Grafana when it has a URL), kind, state, error."""
    lines = []
    for d in dashboards:
        # The error may quote a server, a table or a credential value: shown, never acted on.
        error = f" — {esc(d.last_error[:error_chars])}" if d.last_error else ""
        lines.append(f"{link(d.url, d.table)} · {esc(d.kind)} · {esc(d.state)}{error}")
    return lines


def dashboards_blocks(dashboards: list[DashboardLine]) -> list[Block]:
    """`/eda dashboards`: the caller's dashboards."""
    if not dashboards:
        return [section("No dashboards yet: every new table in your databases gets one.")]
    return line_sections(dashboard_lines(dashboards, error_chars=150))[:50]


def home_view(
    command: str, summary: UserSummary | None, creds: list[MaskedCredential], dashboards: list[DashboardLine]
) -> dict[str, Any]:
    blocks: list[Block] = [header("edabot")]
    if summary is None:
        blocks += [
            section(f"You are not registered yet. Run {code(command + ' register <username>')} in any channel."),
            context("You get three databases (timing, QoR, DRC); every new table becomes a Grafana dashboard."),
        ]
        return {"type": "home", "blocks": blocks}
    blocks += [
        section(
            f"*Account:* {code(summary.username)}{' (admin)' if summary.is_admin else ''} · {esc(summary.state)}\n"
            f"*API key:* {code((summary.api_key_prefix or 'none') + '…')}"
        ),
        {
            "type": "actions",
            "block_id": BlockId.HOME_ACTIONS,
            "elements": [
                button("Manage credentials", ActionId.HOME_OPEN_CREDS, style="primary"),
                button("Rotate API key", ActionId.HOME_ROTATE_KEY),
                button("Refresh", ActionId.HOME_REFRESH),
            ],
        },
        divider(),
        section("*Credentials*\n" + ("\n".join(f"{code(c.key_name)} {esc(c.masked)}" for c in creds[:40]) or "none")),
        divider(),
    ]
    if dashboards:
        blocks.append(section("*Latest dashboards*\n" + "\n".join(dashboard_lines(dashboards[:20], error_chars=120))))
    else:
        blocks.append(section("*Dashboards*\nNone yet: create a table in one of your databases."))
    return {"type": "home", "blocks": blocks}
