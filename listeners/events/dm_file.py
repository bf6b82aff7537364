"""A registered user drops a report file into a DM with the bot: ingest it, reply in the thread."""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core.errors import Invalid, Refusal
from core.usecases import reports
from listeners.blocks.account_builder import warning_text
from listeners.blocks.ingest_builder import ingest_progress_text, ingest_reply_blocks, ingest_reply_text
from listeners.services import Services
from listeners.slack_files import download

log = logging.getLogger(__name__)
# Files at least this big get a progress message in their thread (smaller ones load in a second or two).
PROGRESS_MIN_BYTES = 4 * 1024 * 1024
PROGRESS_EVERY_S = 2.0
_seen_lock = threading.Lock()
# A redelivered event must not load the same file twice. Keyed by the message too: sharing a file again
# is a new request, and file ids alone repeat across the test simulator's workspaces.
_seen_files: set[tuple[str, str, str]] = set()


def _first_time(channel: str, ts: str, file_id: str) -> bool:
    key = (channel, ts, file_id)
    with _seen_lock:
        if key in _seen_files:
            return False
        _seen_files.add(key)
        return True


def dm_message(event: dict[str, Any], client: WebClient, context: Any) -> None:
    if event.get("channel_type") != "im" or event.get("bot_id") or not event.get("files"):
        return
    services: Services = context["services"]
    user_id, channel, ts = event.get("user"), event.get("channel"), event.get("ts")
    if not user_id or not channel:
        return
    files = [f for f in event["files"] if _first_time(str(channel), str(ts), str(f.get("id")))]
    if not files:
        return

    def reply(text: str, blocks: list[dict[str, Any]]) -> None:
        client.chat_postMessage(channel=channel, thread_ts=ts, text=text, blocks=blocks)

    def progress_for(name: str, size: int) -> Callable[[int, int], None] | None:
        """A big file's load is shown in its thread: one message, edited at most every PROGRESS_EVERY_S."""
        if size < PROGRESS_MIN_BYTES:
            return None
        posted = client.chat_postMessage(channel=channel, thread_ts=ts, text=ingest_progress_text(name, 0, size))
        message_ts, last = str(posted["ts"]), [time.monotonic()]

        def update(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] < PROGRESS_EVERY_S and done < total:
                return
            last[0] = now
            try:
                client.chat_update(channel=channel, ts=message_ts, text=ingest_progress_text(name, done, total))
            except SlackApiError:
                log.warning("progress message for %s not updated", name, exc_info=True)  # the load goes on

        return update

    def job() -> None:
        actor = services.actor(user_id)
        reports.authorize_upload(ctx=services.core, actor=actor)  # refused before any download
        token = services.settings.slack_bot_token
        assert token is not None
        loaded: list[tuple[str, str, str, int]] = []
        problems: list[tuple[str, str]] = []
        workdir = Path(tempfile.mkdtemp(prefix="edabot-dm-"))
        try:
            for info in files:
                name = str(info.get("name") or info.get("id"))
                url = info.get("url_private_download") or info.get("url_private")
                try:
                    if not url:
                        raise Refusal("Slack sent no download link for it")
                    # One folder per file: two files with one name must not collide.
                    folder = Path(tempfile.mkdtemp(dir=workdir))
                    path = download(
                        str(url),
                        token,
                        directory=folder,
                        name=name,
                        api_url=services.settings.slack_api_url,
                        declared_size=info.get("size"),
                    )
                    progress = progress_for(name, path.stat().st_size)
                    result = reports.ingest(ctx=services.core, actor=actor, path=path, progress=progress)
                    rows = result.rows.get(result.fact_table, sum(result.rows.values()))
                    loaded.append((name, result.kind.value, result.table, rows))
                except (Refusal, Invalid) as exc:
                    # Listed with the other files' outcomes; an Unavailable (Slack or the database down) ends
                    # the job and reaches the user with a reference id (listeners.errors.report_failure).
                    problems.append((name, str(exc)))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        reply(ingest_reply_text(len(loaded), len(problems)), ingest_reply_blocks(loaded, problems))
        if loaded:
            reports.rescan(ctx=services.core, ports=services.pipeline, actor=actor)

    def on_error(message: str, reference: str | None) -> None:
        client.chat_postMessage(channel=channel, thread_ts=ts, text=warning_text(message, reference))

    services.work.submit("loading your report", job, on_error)
