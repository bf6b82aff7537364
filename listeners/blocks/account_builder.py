"""Account messages: registration result, API key, user details and lists, and error answers."""

from __future__ import annotations

from core.registration import Progress, Registered
from core.users import UserSummary
from listeners.blocks.common import Block, code, context, esc, header, line_sections, mention, section
from listeners.blocks.progress_builder import progress_lines


def registered_blocks(command: str, result: Registered, progress: Progress | None) -> list[Block]:
    dbs = "\n".join(f"• {esc(kind)}: {code(name)}" for kind, name in result.databases.items())
    blocks: list[Block] = [header(f"Welcome, {result.username}")]
    if progress is not None:
        blocks.append(section(progress_lines(progress)))
    blocks += [
        section(
            f"*Your API key* (shown once — store it now; {code(command + ' apikey')} issues a new one):\n"
            + code(result.api_key.reveal())
        ),
        section(
            f"*Databases* on {code(f'{result.host}:{result.port}')}, login role {code(result.username)}:\n{dbs}\n"
            f"The password is stored as `DB_PASSWORD`: reveal it from {code(command + ' creds')}."
        ),
        context("Every new table in these databases gets a Grafana dashboard and a preview in Slack."),
    ]
    return blocks


def registered_text(username: str) -> str:
    return f"Registered as {esc(username)}"


def api_key_blocks(command: str, username: str, key: str) -> list[Block]:
    return [
        section(f"*New API key for {code(username)}* (shown once; the previous key no longer works):\n{code(key)}"),
        context(f"Lost it? Run {code(command + ' apikey')} again."),
    ]


def user_blocks(summary: UserSummary, databases: dict[str, str]) -> list[Block]:
    dbs = ", ".join(code(d) for d in databases.values())
    who = mention(summary.slack_user_id) if summary.slack_user_id else "no Slack user"
    return [
        header(f"User {summary.username}"),
        section(
            f"*Slack:* {who}\n*State:* {esc(summary.state)}{' (admin)' if summary.is_admin else ''}\n"
            f"*API key:* {code((summary.api_key_prefix or 'none') + '…')}\n"
            f"*Databases:* {dbs}\n*Credentials:* {esc(summary.credentials)}\n"
            f"*Dashboards:* {esc(summary.dashboards)}"
        ),
    ]


def user_text(username: str) -> str:
    return f"User {esc(username)}"


def user_list_blocks(summaries: list[UserSummary]) -> list[Block]:
    if not summaries:
        return [section("No users yet.")]
    lines = [
        f"{code(s.username)} — {esc(s.state)}{' · admin' if s.is_admin else ''} · {esc(s.dashboards)} dashboards"
        + (f" · {mention(s.slack_user_id)}" if s.slack_user_id else "")
        for s in summaries
    ]
    return [header(f"{len(summaries)} users"), *line_sections(lines)][:50]


def account_creation_title(username: str, slack_user_id: str) -> str:
    """mrkdwn: the progress title while an admin creates an account for someone else."""
    return f"Creating account {code(username)} for {mention(slack_user_id)}"


def account_ready_blocks(command: str, *, username: str, created_by: str) -> list[Block]:
    """The DM to someone whose account an admin created; the API key is theirs to issue."""
    return [
        section(
            f"{mention(created_by)} created your edabot account {code(username)} with three databases. "
            f"Run {code(command + ' apikey')} to get your API key, and {code(command + ' creds')} "
            "for your passwords."
        )
    ]


def account_created_blocks(slack_user_id: str) -> list[Block]:
    return [section(f"Done. {mention(slack_user_id)} was told how to get their API key.")]


def created_text(username: str) -> str:
    return f"Created {esc(username)}"


def deletion_title(username: str) -> str:
    """mrkdwn: the progress title while a user is deleted."""
    return f"Deleting {code(username)}"


def deleted_blocks(username: str) -> list[Block]:
    return [section(f":white_check_mark: {code(username)} was deleted.")]


def deleted_text(username: str) -> str:
    return f"Deleted {esc(username)}"


def error_blocks(message: str) -> list[Block]:
    return [section(f":warning: {esc(message)}")]


def error_text(message: str, reference: str | None = None) -> str:
    """Fallback text of an error answer (it is what notifications show, so it is mrkdwn too)."""
    return esc(message) + (f" (ref {esc(reference)})" if reference else "")


def warning_text(message: str, reference: str | None = None) -> str:
    """An error as a one-line ephemeral or thread reply, where there are no blocks."""
    suffix = f" Quote reference {code(reference)} to your edabot admin." if reference else ""
    return f":warning: {esc(message)}{suffix}"


def internal_error_blocks(message: str, reference: str) -> list[Block]:
    return [
        section(
            f":x: {esc(message)} Quote reference {code(reference)} to your edabot admin; "
            "the details are in the bot's log."
        )
    ]
