"""The App Home tab: account, masked credentials, latest dashboards, common actions."""

from __future__ import annotations

from typing import Any

from core.credentials import MaskedCredential
from core.dashboards import DashboardLine
from core.users import UserSummary
from listeners.blocks.common import Block, button, code, context, divider, header, section
from listeners.ids import ActionId, BlockId


def home_view(
    command: str, summary: UserSummary | None, creds: list[MaskedCredential], dashboards: list[DashboardLine]
) -> dict[str, Any]:
    blocks: list[Block] = [header("edabot")]
    if summary is None:
        blocks += [
            section(f"You are not registered yet. Run `{command} register <username>` in any channel."),
            context("You get three databases (timing, QoR, DRC); every new table becomes a Grafana dashboard."),
        ]
        return {"type": "home", "blocks": blocks}
    blocks += [
        section(
            f"*Account:* {code(summary.username)}{' (admin)' if summary.is_admin else ''} · {summary.state}\n"
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
        section("*Credentials*\n" + ("\n".join(f"{code(c.key_name)} {c.masked}" for c in creds[:40]) or "none")),
        divider(),
    ]
    if dashboards:
        lines = []
        for d in dashboards[:20]:
            link = f"<{d.url}|{d.table}>" if d.url else code(d.table)
            error = f" — {d.last_error[:120]}" if d.last_error else ""
            lines.append(f"{link} · {d.kind} · {d.state}{error}")
        blocks.append(section("*Latest dashboards*\n" + "\n".join(lines)))
    else:
        blocks.append(section("*Dashboards*\nNone yet: create a table in one of your databases."))
    return {"type": "home", "blocks": blocks}
