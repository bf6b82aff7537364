"""Post dashboard notifications to Slack, and find one that may already have been posted.

The owner's SLACK_CHANNEL_ID is checked before each post: if they have left the channel (or the bot can no
longer see it), the message goes to their DM instead and says why, so nobody's dashboards land in a channel
its owner cannot read.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app import build_web_client
from bot.config import Settings
from core.channels import ChannelUnavailable
from core.comparison import message_figures, regressions, sparkline, wns_trend
from core.errors import EdabotError
from core.pipeline.ports import DeferralJob, Job, NotifyError, Posted
from listeners.blocks.channel_notice_builder import (
    redirect_reason_hidden,
    redirect_reason_not_member,
    redirected_notice_blocks,
    redirected_text,
)
from listeners.blocks.deferral_builder import deferral_blocks, deferral_metadata, deferral_text
from listeners.blocks.notification_builder import notification_blocks, notification_metadata, notification_text
from listeners.channel_directory import SlackChannelDirectory
from listeners.ids import MessageMetadata

log = logging.getLogger(__name__)
# Slack's own clock and ours differ a little; look this far before the recorded send time.
HISTORY_SLACK_S = 120
CHANNEL_ERRORS = {"not_in_channel", "channel_not_found", "is_archived"}


class SlackNoAnswer(NotifyError):
    """Slack did not answer (connection dropped, reset, timed out): whether it acted is unknown."""


@dataclass(frozen=True)
class _Target:
    """Where one notification goes, with which client, and (mrkdwn) why it is not the owner's channel."""

    channel: str
    client: WebClient
    redirected_because: str | None = None


class SlackNotifier:
    def __init__(self, settings: Settings, default_client: WebClient) -> None:
        self._settings = settings
        self._default = default_client

    def _client(self, job: Job | DeferralJob) -> WebClient:
        if job.bot_token is not None:
            return build_web_client(self._settings, job.bot_token.reveal())
        return self._default

    def _channel(self, job: Job | DeferralJob) -> str:
        channel = job.channel or self._settings.slack_channel_id
        if channel is None:
            raise NotifyError(
                f"no channel to post to: set SLACK_CHANNEL_ID, or `{self._settings.slack_command} creds set "
                "SLACK_CHANNEL_ID` for your own channel"
            )
        return channel

    def _dm(self, slack_user_id: str) -> str:
        opened = self._call(self._default, "conversations_open", users=slack_user_id)
        return str(opened["channel"]["id"])

    def _target(self, job: Job | DeferralJob) -> _Target:
        """The owner's channel if they are still in it (asked afresh for every post), else their DM."""
        if job.channel is None or job.slack_user_id is None:
            # The admin's default channel, or an account without a Slack user: nobody's membership to check.
            return _Target(self._channel(job), self._client(job))
        directory = SlackChannelDirectory(self._default)  # new each time: no remembered membership
        try:
            member = directory.is_member(job.channel, job.slack_user_id)
            reason = None if member else redirect_reason_not_member(job.channel)
        except ChannelUnavailable as exc:
            reason = redirect_reason_hidden(job.channel, str(exc))
        except EdabotError as exc:
            raise NotifyError(str(exc)) from exc  # Slack could not answer: retried later, nothing posted
        if reason is None:
            return _Target(job.channel, self._client(job))
        log.info("%s: owner's channel not usable, posting to their DM", _label(job))
        # The app's own client: a personal SLACK_BOT_TOKEN's bot may not share a DM with the owner.
        return _Target(self._dm(job.slack_user_id), self._default, reason)

    def find_posted(self, job: Job) -> Posted | None:
        """Look in the owner's channel, then in their DM (where a post goes when they have left the channel);
        a later run of a series in its thread."""
        if job.thread is not None:
            return self._find_reply(job, job.thread)
        return self._find(job, MessageMetadata.DASHBOARD_EVENT, "dashboard_id", job.dashboard_id)

    def _find_reply(self, job: Job, thread: Posted) -> Posted | None:
        client = self._thread_client(job, thread)
        replies = self._messages_since(job, client, "conversations_replies", channel=thread.channel, ts=thread.ts)
        for message in replies:
            if _carries(message, MessageMetadata.DASHBOARD_EVENT, "dashboard_id", job.dashboard_id):
                # Its preview too: the parent update that follows shows the reply's image, which a crash
                # between the reply and that update would otherwise drop from the parent.
                return Posted(channel=thread.channel, ts=str(message["ts"]), file_id=_preview_file(message))
        return None

    def _thread_client(self, job: Job, thread: Posted) -> WebClient:
        # The parent went where the first run went: the owner's channel (their token) or, redirected, the DM.
        return self._client(job) if thread.channel in (job.channel, self._settings.slack_channel_id) else self._default

    def _find(self, job: Job | DeferralJob, event_type: str, key: str, value: int) -> Posted | None:
        places = [(self._channel(job), self._client(job))]
        if job.channel is not None and job.slack_user_id is not None:
            places.append((self._dm(job.slack_user_id), self._default))
        for index, (channel, client) in enumerate(places):
            try:
                found = self._find_in(job, client, channel, event_type, key, value)
            except SlackNoAnswer:
                raise  # nothing learnt about this place: looking elsewhere and posting could double it
            except NotifyError:
                if index == len(places) - 1:
                    raise
                # The bot can no longer read the channel, so it cannot have posted there since; the DM may tell.
                log.info("%s: channel history unreadable, looking in the DM", _label(job))
                continue
            if found is not None:
                return found
        return None

    def _find_in(
        self, job: Job | DeferralJob, client: WebClient, channel: str, event_type: str, key: str, value: int
    ) -> Posted | None:
        for message in self._messages_since(job, client, "conversations_history", channel=channel):
            if _carries(message, event_type, key, value):
                return Posted(channel=channel, ts=str(message["ts"]), file_id=None)
        return None

    def _messages_since(
        self, job: Job | DeferralJob, client: WebClient, method: str, **where: Any
    ) -> Iterator[dict[str, Any]]:
        """The messages of a channel's history or a thread since the send started (a little before, for clock
        skew), page by page: at most 20 pages, so a busy channel cannot keep a retry reading for ever."""
        oldest = (job.since.timestamp() - HISTORY_SLACK_S) if job.since else 0
        cursor: str | None = None
        for _ in range(20):
            page = self._call(
                client, method, **where, oldest=f"{oldest:.6f}", include_all_metadata=True, limit=200, cursor=cursor
            )
            yield from page.get("messages", [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return

    def post(self, job: Job) -> Posted:
        if job.thread is not None:
            return self._post_reply(job, job.thread)
        target = self._target(job)
        file_id = self._upload(job, target.client)
        return self._post_to(
            target,
            text=notification_text(job.kind, job.table, job.username),
            blocks=self._blocks(job, file_id),
            metadata=notification_metadata(job.dashboard_id, job.username, job.table),
            file_id=file_id,
        )

    def _post_to(
        self, target: _Target, *, text: str, blocks: list[dict[str, Any]], metadata: Any, file_id: str | None
    ) -> Posted:
        """Post where the owner's messages go; a message redirected to their DM says why first."""
        if target.redirected_because is not None:
            text = redirected_text(text, target.redirected_because)
            blocks = redirected_notice_blocks(target.redirected_because, self._settings.slack_command) + blocks
        posted = self._call(
            target.client,
            "chat_postMessage",
            channel=target.channel,
            blocks=blocks,
            text=text,
            metadata=metadata,
            unfurl_links=False,
        )
        return Posted(channel=str(posted["channel"]), ts=str(posted["ts"]), file_id=file_id)

    def _editing_client(self, job: Job | DeferralJob, posted: Posted) -> WebClient:
        """A message redirected to the DM was posted with the app's own client; only that one may edit it."""
        mine = posted.channel in (job.channel, self._settings.slack_channel_id)
        return self._client(job) if mine else self._default

    def _post_reply(self, job: Job, thread: Posted) -> Posted:
        """A later run of a series, in the thread of its first message; also in the channel when it regressed."""
        client = self._thread_client(job, thread)
        file_id = self._upload(job, client)
        figures, _ = message_figures(job.figures, job.earlier)
        regressed = regressions(figures, self._settings.regression_thresholds)
        posted = self._call(
            client,
            "chat_postMessage",
            channel=thread.channel,
            thread_ts=thread.ts,
            reply_broadcast=bool(regressed),
            blocks=self._blocks(job, file_id, regressed=regressed),
            text=notification_text(job.kind, job.table, job.username),
            metadata=notification_metadata(job.dashboard_id, job.username, job.table),
            unfurl_links=False,
        )
        return Posted(channel=str(posted["channel"]), ts=str(posted["ts"]), file_id=file_id)

    def update_parent(self, job: Job, reply: Posted) -> None:
        """The series' first message, edited to show this (latest) run and the WNS trend. Its metadata keeps
        naming the first run, so a lookup for any other run never finds it."""
        thread = job.thread
        if thread is None or job.parent_id is None:
            return
        trend = wns_trend([*job.earlier, job.figures])
        blocks = self._blocks(job, reply.file_id, latest_of=len(job.earlier) + 1, trend=sparkline(trend))
        self._call(
            self._thread_client(job, thread),
            "chat_update",
            channel=thread.channel,
            ts=thread.ts,
            blocks=blocks,
            text=notification_text(job.kind, job.table, job.username),
            metadata=notification_metadata(job.parent_id, job.username, job.parent_table or job.table),
        )

    def replace(self, job: Job, posted: Posted) -> Posted:
        """The same message, with a new preview (chat.update keeps its place in the channel)."""
        client = self._editing_client(job, posted)
        file_id = self._upload(job, client)
        self._call(
            client,
            "chat_update",
            channel=posted.channel,
            ts=posted.ts,
            blocks=self._blocks(job, file_id),
            text=notification_text(job.kind, job.table, job.username),
            metadata=notification_metadata(job.dashboard_id, job.username, job.table),
        )
        return Posted(channel=posted.channel, ts=posted.ts, file_id=file_id)

    def find_deferral(self, job: DeferralJob) -> Posted | None:
        """The summary of this notice's deferred tables, if a send that may have happened did."""
        return self._find(job, MessageMetadata.DEFERRED_EVENT, "notice_id", job.notice_id)

    def post_deferral(self, job: DeferralJob) -> Posted:
        """The one summary message of a user database's deferred tables, where its dashboards would go."""
        return self._post_to(
            self._target(job),
            text=deferral_text(count=job.count, database=job.database, command=self._settings.slack_command),
            blocks=self._deferral_blocks(job),
            metadata=deferral_metadata(job.notice_id, job.username, job.database),
            file_id=None,
        )

    def update_deferral(self, job: DeferralJob, posted: Posted) -> Posted:
        """The same summary with the count as it is now (chat.update: one message however often it changes)."""
        self._call(
            self._editing_client(job, posted),
            "chat_update",
            channel=posted.channel,
            ts=posted.ts,
            blocks=self._deferral_blocks(job),
            text=deferral_text(count=job.count, database=job.database, command=self._settings.slack_command),
            metadata=deferral_metadata(job.notice_id, job.username, job.database),
        )
        return posted

    def _deferral_blocks(self, job: DeferralJob) -> list[dict[str, Any]]:
        return deferral_blocks(
            notice_id=job.notice_id,
            count=job.count,
            database=job.database,
            username=job.username,
            slack_user_id=job.slack_user_id,
            command=self._settings.slack_command,
        )

    def _upload(self, job: Job, client: WebClient) -> str | None:
        preview = job.preview
        if preview is None or not preview.ok or preview.path is None or not preview.path.exists():
            return None
        # Uploaded without a channel: the image appears once, inside our message, not as a second post.
        uploaded = self._call(
            client,
            "files_upload_v2",
            file=str(preview.path),
            filename=f"{job.table}.gif",
            title=f"{job.table} preview",
            alt_txt=f"Preview of the {job.table} dashboard",
        )
        return str(uploaded["file"]["id"])

    def _blocks(
        self,
        job: Job,
        file_id: str | None,
        *,
        regressed: list[str] | None = None,
        latest_of: int | None = None,
        trend: str | None = None,
    ) -> list[dict[str, Any]]:
        figures, top = message_figures(job.figures, job.earlier)
        previous = job.earlier[-1].get("table") if job.earlier else None
        return notification_blocks(
            dashboard_id=job.dashboard_id,
            kind=job.kind,
            table=job.table,
            username=job.username,
            slack_user_id=job.slack_user_id,
            database=job.database,
            grafana_url=job.grafana_url,
            figures=figures,
            top=top,
            file_id=file_id,
            problems=list(job.preview.problems) if job.preview is not None else [],
            series=job.series,
            previous_table=str(previous) if previous is not None else None,
            regressed=regressed or [],
            latest_of=latest_of,
            trend=trend,
        )

    def _call(self, client: WebClient, method: str, **kwargs: Any) -> Any:
        try:
            return getattr(client, method)(**kwargs)
        except OSError as exc:
            # No answer (RemoteDisconnected, reset, timeout, refused): the client did not resend a write
            # (bot/slack/retry.py), because Slack may have acted on it. The pipeline looks for the message
            # by its metadata before it posts again.
            raise SlackNoAnswer(
                f"no answer from Slack to {_api_name(method)} ({type(exc).__name__}); it is retried later, "
                "after checking whether it arrived"
            ) from exc
        except SlackApiError as exc:
            error = str(exc.response.get("error", "error"))
            if error in CHANNEL_ERRORS:
                channel = kwargs.get("channel") or self._settings.slack_channel_id
                raise NotifyError(f"Slack said {error}: invite @edabot to <#{channel}> (/invite @edabot)") from exc
            raise NotifyError(f"Slack {_api_name(method)} failed: {error}") from exc


def _carries(message: dict[str, Any], event_type: str, key: str, value: int) -> bool:
    """Whether a message's metadata is edabot's event of that type for that row."""
    meta = message.get("metadata") or {}
    return meta.get("event_type") == event_type and (meta.get("event_payload") or {}).get(key) == value


def _preview_file(message: dict[str, Any]) -> str | None:
    """The Slack file id of a posted message's preview image block, if it has one."""
    for block in message.get("blocks") or []:
        slack_file = block.get("slack_file") if isinstance(block, dict) and block.get("type") == "image" else None
        if isinstance(slack_file, dict) and isinstance(slack_file.get("id"), str):
            return str(slack_file["id"])
    return None


def _label(job: Job | DeferralJob) -> str:
    """What a log line calls the message being sent."""
    return f"dashboard {job.dashboard_id}" if isinstance(job, Job) else f"deferred tables of {job.database}"


def _api_name(method: str) -> str:
    """Slack's name for a WebClient method (chat_postMessage -> chat.postMessage); files_upload_v2 is
    slack_sdk's own three-call upload and keeps its name."""
    return method if method == "files_upload_v2" else method.replace("_", ".")
