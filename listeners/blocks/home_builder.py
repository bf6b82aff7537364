"""The App Home tab: account, masked credentials, latest dashboards, series with their mute toggles, common
actions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from core.credentials import MaskedCredential
from core.dashboards import DashboardLine
from core.usecases.series_overview import SeriesOverview
from core.users import UserSummary
from listeners.blocks.common import (
    Block,
    button,
    clip,
    code,
    context,
    divider,
    esc,
    header,
    line_sections,
    link,
    section,
)
from listeners.blocks.notification_builder import KIND_TITLES, SIGNS
from listeners.ids import ActionId, BlockId

# Series shown on the tab: with the other sections this keeps the view far below Slack's 100 blocks.
HOME_SERIES = 10
# Figures per series line: the rest are in the notification and the REST answer.
HOME_FIGURES = 4


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


def series_toggle_value(kind: str, series: str, *, mute: bool) -> str:
    """The Mute/Unmute button's value: which of the presser's own series, and what to do. It names no user:
    the handler acts on the presser's series only, so a crafted value cannot reach anyone else's."""
    return json.dumps({"kind": kind, "series": series, "mute": mute}, separators=(",", ":"))


def series_text(overview: SeriesOverview) -> str:
    """One series: name, kind, runs, the latest run (linked), its figures with their change, the WNS trend."""
    latest = overview.latest_run
    kind = KIND_TITLES.get(overview.kind, overview.kind)
    runs = f"{overview.run_count} run{'s' if overview.run_count != 1 else ''}"
    text = f"{code(overview.series)} · {esc(kind)} · {runs} · latest {link(latest.grafana_url, latest.table)}"
    if overview.muted:
        text += " · :no_bell: _muted_"
    figures = []
    for figure in overview.latest[:HOME_FIGURES]:
        shown = f"{esc(figure.title)} *{esc(figure.shown)}*"
        if figure.change is not None:
            shown += f" {SIGNS.get(figure.verdict, '')} {esc(figure.change)}".rstrip()
        figures.append(shown)
    if figures:
        text += "\n" + " · ".join(figures)
    if overview.sparkline:
        text += f"\nWNS trend: {esc(overview.sparkline)}"
    return clip(text, 2900)


def series_blocks(series: Sequence[SeriesOverview]) -> list[Block]:
    """The Series section: the newest HOME_SERIES series, each with a Mute or Unmute button."""
    if not series:
        return [section("*Series*\nNone yet: the runs of one design (or one report name) form a series.")]
    blocks: list[Block] = [section("*Series* (newest first)")]
    for number, overview in enumerate(series[:HOME_SERIES]):
        mute = not overview.muted
        toggle = button(
            "Mute" if mute else "Unmute",
            ActionId.HOME_SERIES_MUTE_TOGGLE,
            value=series_toggle_value(overview.kind, overview.series, mute=mute),
            style=None if mute else "primary",
        )
        blocks.append(section(series_text(overview), block_id=f"{BlockId.HOME_SERIES}_{number}", accessory=toggle))
    if len(series) > HOME_SERIES:
        blocks.append(context(f"The {HOME_SERIES} series with the newest runs; the REST API lists every one."))
    return blocks


def home_view(
    command: str,
    summary: UserSummary | None,
    creds: list[MaskedCredential],
    dashboards: list[DashboardLine],
    series: Sequence[SeriesOverview] = (),
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
    blocks += [divider(), *series_blocks(series)]
    return {"type": "home", "blocks": blocks}
