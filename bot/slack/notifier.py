"""Post dashboard notifications to Slack, and find one that may already have been posted."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app import build_web_client
from bot.config import Settings
from core.pipeline.worker import Job, NotifyError, Posted
from listeners.blocks.notification_builder import notification_blocks, notification_metadata, notification_text
from listeners.ids import MessageMetadata

log = logging.getLogger(__name__)
# Slack's own clock and ours differ a little; look this far before the recorded send time.
HISTORY_SLACK_S = 120
CHANNEL_ERRORS = {"not_in_channel", "channel_not_found", "is_archived"}


class SlackNotifier:
    def __init__(self, settings: Settings, default_client: WebClient) -> None:
        self._settings = settings
        self._default = default_client

    def _client(self, job: Job) -> WebClient:
        if job.bot_token is not None:
            return build_web_client(self._settings, job.bot_token.reveal())
        return self._default

    def _channel(self, job: Job) -> str:
        channel = job.channel or self._settings.slack_channel_id
        if channel is None:
            raise NotifyError(
                f"no channel to post to: set SLACK_CHANNEL_ID, or `{self._settings.slack_command} creds set "
                "SLACK_CHANNEL_ID` for your own channel"
            )
        return channel

    def find_posted(self, job: Job) -> Posted | None:
        channel = self._channel(job)
        oldest = (job.since.timestamp() - HISTORY_SLACK_S) if job.since else 0
        cursor: str | None = None
        for _ in range(20):  # bounded: at most 20 pages of history since the send started
            page = self._call(
                job,
                "conversations_history",
                channel=channel,
                oldest=f"{oldest:.6f}",
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
            for message in page.get("messages", []):
                meta = message.get("metadata") or {}
                if (
                    meta.get("event_type") == MessageMetadata.DASHBOARD_EVENT
                    and (meta.get("event_payload") or {}).get("dashboard_id") == job.dashboard_id
                ):
                    return Posted(channel=channel, ts=str(message["ts"]), file_id=None)
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        return None

    def post(self, job: Job) -> Posted:
        channel = self._channel(job)
        file_id = self._upload(job)
        posted = self._call(
            job,
            "chat_postMessage",
            channel=channel,
            blocks=self._blocks(job, file_id),
            text=notification_text(job.kind, job.table, job.username),
            metadata=notification_metadata(job.dashboard_id, job.username, job.table),
            unfurl_links=False,
        )
        return Posted(channel=str(posted["channel"]), ts=str(posted["ts"]), file_id=file_id)

    def replace(self, job: Job, posted: Posted) -> Posted:
        """The same message, with a new preview (chat.update keeps its place in the channel)."""
        file_id = self._upload(job)
        self._call(
            job,
            "chat_update",
            channel=posted.channel,
            ts=posted.ts,
            blocks=self._blocks(job, file_id),
            text=notification_text(job.kind, job.table, job.username),
            metadata=notification_metadata(job.dashboard_id, job.username, job.table),
        )
        return Posted(channel=posted.channel, ts=posted.ts, file_id=file_id)

    def _upload(self, job: Job) -> str | None:
        preview = job.preview
        if preview is None or not preview.ok or preview.path is None or not preview.path.exists():
            return None
        # Uploaded without a channel: the image appears once, inside our message, not as a second post.
        uploaded = self._call(
            job,
            "files_upload_v2",
            file=str(preview.path),
            filename=f"{job.table}.gif",
            title=f"{job.table} preview",
            alt_txt=f"Preview of the {job.table} dashboard",
        )
        return str(uploaded["file"]["id"])

    def _blocks(self, job: Job, file_id: str | None) -> list[dict[str, Any]]:
        figures = job.figures
        return notification_blocks(
            dashboard_id=job.dashboard_id,
            kind=job.kind,
            table=job.table,
            username=job.username,
            slack_user_id=job.slack_user_id,
            database=job.database,
            grafana_url=job.grafana_url,
            figures=list(figures.get("figures") or []),
            top=list(figures.get("top") or []),
            file_id=file_id,
            problems=list(job.preview.problems) if job.preview is not None else [],
        )

    def _call(self, job: Job, method: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._client(job), method)(**kwargs)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "error"))
            if error in CHANNEL_ERRORS:
                channel = kwargs.get("channel") or job.channel or self._settings.slack_channel_id
                raise NotifyError(f"Slack said {error}: invite @edabot to <#{channel}> (/invite @edabot)") from exc
            raise NotifyError(f"Slack {method.replace('_', '.')} failed: {error}") from exc
