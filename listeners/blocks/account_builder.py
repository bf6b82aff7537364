"""Account messages: registration result, API key, user details and lists."""

from __future__ import annotations

from core.registration import Progress, Registered
from core.users import UserSummary
from listeners.blocks.common import Block, code, context, header, line_sections, section
from listeners.blocks.progress_builder import progress_lines


def registered_blocks(command: str, result: Registered, progress: Progress | None) -> list[Block]:
    dbs = "\n".join(f"• {kind}: {code(name)}" for kind, name in result.databases.items())
    blocks: list[Block] = [header(f"Welcome, {result.username}")]
    if progress is not None:
        blocks.append(section(progress_lines(progress)))
    blocks += [
        section(
            "*Your API key* (shown once — store it now; `"
            + command
            + " apikey` issues a new one):\n"
            + code(result.api_key.reveal())
        ),
        section(
            f"*Databases* on `{result.host}:{result.port}`, login role {code(result.username)}:\n{dbs}\n"
            f"The password is stored as `DB_PASSWORD`: reveal it from `{command} creds`."
        ),
        context("Every new table in these databases gets a Grafana dashboard and a preview in Slack."),
    ]
    return blocks


def api_key_blocks(command: str, username: str, key: str) -> list[Block]:
    return [
        section(f"*New API key for `{username}`* (shown once; the previous key no longer works):\n{code(key)}"),
        context(f"Lost it? Run `{command} apikey` again."),
    ]


def user_blocks(summary: UserSummary, databases: dict[str, str]) -> list[Block]:
    dbs = ", ".join(code(d) for d in databases.values())
    who = f"<@{summary.slack_user_id}>" if summary.slack_user_id else "no Slack user"
    return [
        header(f"User {summary.username}"),
        section(
            f"*Slack:* {who}\n*State:* {summary.state}{' (admin)' if summary.is_admin else ''}\n"
            f"*API key:* {code((summary.api_key_prefix or 'none') + '…')}\n"
            f"*Databases:* {dbs}\n*Credentials:* {summary.credentials}\n*Dashboards:* {summary.dashboards}"
        ),
    ]


def user_list_blocks(summaries: list[UserSummary]) -> list[Block]:
    if not summaries:
        return [section("No users yet.")]
    lines = [
        f"{code(s.username)} — {s.state}{' · admin' if s.is_admin else ''} · {s.dashboards} dashboards"
        + (f" · <@{s.slack_user_id}>" if s.slack_user_id else "")
        for s in summaries
    ]
    return [header(f"{len(summaries)} users"), *line_sections(lines)][:50]


def error_blocks(message: str) -> list[Block]:
    return [section(f":warning: {message}")]


def internal_error_blocks(message: str, reference: str) -> list[Block]:
    return [
        section(f":x: {message} Quote reference `{reference}` to your edabot admin; the details are in the bot's log.")
    ]
