"""The channel message for a new dashboard: header, key figures, preview, and its three buttons."""

from __future__ import annotations

from typing import Any

from core.comparison import FigureChange, RuleChange, Verdict
from listeners.blocks.common import Block, button, clip, code, context, esc, header, mention, safe_url, section
from listeners.ids import ActionId, MessageMetadata

KIND_TITLES = {"timing": "Timing", "qor": "QoR", "drc": "DRC"}
# The sign next to a change: green when the run got better for that metric, red when worse.
SIGNS = {
    Verdict.BETTER: ":large_green_circle:",
    Verdict.WORSE: ":red_circle:",
    Verdict.SAME: ":white_circle:",
    Verdict.CHANGED: ":large_blue_circle:",
}


def figure_text(figure: FigureChange) -> str:
    """One figure's field: title, value with unit, and its change against the previous run with its sign."""
    text = f"*{esc(figure.title)}*\n{esc(figure.shown)}"
    if figure.change is not None:
        text += f"\n{SIGNS.get(figure.verdict, '')} {esc(figure.change)}".rstrip()
    marks = [m for m, on in (("best so far", figure.best_so_far), ("first regression", figure.first_regression)) if on]
    if marks:
        text += " · _" + ", ".join(marks) + "_"
    return clip(text, 2000)


def rule_text(rule: RuleChange) -> str:
    text = f"{code(clip(rule.rule, 60))} {esc(rule.count)}"
    if rule.change is not None:
        text += f" ({SIGNS.get(rule.verdict, '')} {esc(rule.change)})"
    return text


def notification_text(kind: str, table: str, username: str) -> str:
    # The fallback text is what push notifications and screen readers show: mrkdwn like the blocks.
    return f"New {esc(KIND_TITLES.get(kind, kind))} results: {esc(table)} ({esc(username)})"


def notification_blocks(
    *,
    dashboard_id: int,
    kind: str,
    table: str,
    username: str,
    slack_user_id: str | None,
    database: str,
    grafana_url: str,
    figures: list[FigureChange],
    top: list[RuleChange],
    file_id: str | None,
    problems: list[str],
    series: str | None = None,
    previous_table: str | None = None,
    regressed: list[str] | None = None,
    latest_of: int | None = None,
    trend: str | None = None,
) -> list[Block]:
    """`latest_of` and `trend` make it a series' parent message showing its latest run (of that many) and the
    WNS sparkline; `regressed` names the figures that got worse beyond REGRESSION_THRESHOLDS."""
    owner = mention(slack_user_id) if slack_user_id else code(username)
    blocks: list[Block] = [
        header(f"{KIND_TITLES.get(kind, kind)}: {table}"),  # plain_text: shown literally
        section(f"New table in {owner}'s {code(database)} database."),
    ]
    if latest_of is not None:
        line = f"Latest of {latest_of} runs of series {code(series or table)}; earlier runs are in the thread."
        if trend:
            line += f"\nWNS trend: {esc(trend)}"
        blocks[1] = section(line)
    if regressed:
        blocks.append(section(":rotating_light: *Regressed:* " + esc(", ".join(regressed))))
    if series is not None:
        against = f", compared with {code(previous_table)}" if previous_table is not None else ", its first run"
        blocks.append(context(f"Series {code(series)}{against}"))
    # Figures are read from the user's own table: titles and values are user text.
    fields = [{"type": "mrkdwn", "text": figure_text(figure), "verbatim": True} for figure in figures[:10]]
    if fields:
        blocks.append({"type": "section", "fields": fields})
    if top:
        blocks.append(section("*Top rules:* " + ", ".join(rule_text(rule) for rule in top[:5])))
    if file_id:
        alt = clip(f"Preview of the {table} dashboard", 2000)  # alt_text is never parsed as mrkdwn
        blocks.append({"type": "image", "slack_file": {"id": file_id}, "alt_text": alt})
    if problems:
        blocks.append(
            section(
                ":warning: *The preview is not usable:* "
                + esc(clip("; ".join(problems), 2500))
                + "\nPress *Refresh preview* to try again."
            )
        )
    # The link is the dashboard Grafana gave us for our own save, and only an http(s) one.
    url = safe_url(grafana_url)
    open_button = [
        button("Open in Grafana", ActionId.OPEN_DASHBOARD_LINK, url=url, value=str(dashboard_id), style="primary")
    ]
    blocks.append(
        {
            "type": "actions",
            "elements": [
                *(open_button if url else []),
                button("Refresh preview", ActionId.REFRESH_PREVIEW, value=str(dashboard_id)),
                {
                    **button("Mute", ActionId.MUTE_DASHBOARD, value=str(dashboard_id), style="danger"),
                    "confirm": {
                        "title": {"type": "plain_text", "text": "Mute this series?"},
                        "text": {
                            "type": "plain_text",
                            "text": f"No more notifications for the runs of {clip(series or table, 200)}.",
                        },
                        "confirm": {"type": "plain_text", "text": "Mute"},
                        "deny": {"type": "plain_text", "text": "Cancel"},
                    },
                },
            ],
        }
    )
    blocks.append(context(f"edabot · dashboard {dashboard_id}"))
    return blocks


def notification_metadata(dashboard_id: int, username: str, table: str) -> dict[str, Any]:
    return {
        "event_type": MessageMetadata.DASHBOARD_EVENT,
        "event_payload": {"dashboard_id": dashboard_id, "username": username, "table": table},
    }


def mute_text(table: str, series: str, *, muted: bool) -> str:
    if muted:
        return (
            f"Muted series {code(series)} (from {code(table)}): its later runs will not be posted. "
            "Changed your mind? Press Unmute."
        )
    return f"Unmuted series {code(series)}: its next runs are posted again."


def mute_blocks(table: str, series: str, dashboard_id: int, *, muted: bool) -> list[Block]:
    blocks: list[Block] = [section(mute_text(table, series, muted=muted))]
    if muted:
        unmute = button("Unmute", ActionId.UNMUTE_DASHBOARD, value=str(dashboard_id))
        blocks.append({"type": "actions", "elements": [unmute]})
    return blocks
