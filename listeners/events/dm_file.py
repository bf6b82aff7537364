"""A registered user drops a report file into a DM with the bot: ingest it, reply in the thread."""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from slack_sdk import WebClient

from core.errors import Invalid, Refusal
from core.usecases import reports
from listeners.blocks.account_builder import warning_text
from listeners.blocks.ingest_builder import ingest_reply_blocks, ingest_reply_text
from listeners.services import Services
from listeners.slack_files import download

log = logging.getLogger(__name__)
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
                    result = reports.ingest(ctx=services.core, actor=actor, path=path)
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
