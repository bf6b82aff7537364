"""Why a notification came to the owner's DM instead of their SLACK_CHANNEL_ID channel."""

from __future__ import annotations

from listeners.blocks.common import Block, channel_link, code, esc, section


def redirect_reason_not_member(channel_id: str) -> str:
    return f"you are no longer a member of {channel_link(channel_id)}"


def redirect_reason_hidden(channel_id: str, problem: str) -> str:
    return f"edabot cannot post to {channel_link(channel_id)}: {esc(problem)}"


def redirected_notice_blocks(reason: str, command: str) -> list[Block]:
    """`reason` is mrkdwn from the two functions above."""
    return [
        section(
            f":information_source: This notification came to your DM because {reason}. Join the channel again, "
            f"or choose another with {code(f'{command} creds set SLACK_CHANNEL_ID')}."
        )
    ]


def redirected_text(text: str, reason: str) -> str:
    return f"{text} (in your DM: {reason})"
