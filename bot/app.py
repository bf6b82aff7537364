"""build_app(settings, services) -> a Bolt App; no work at import time."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient

from bot.config import Settings
from bot.metrics import CountingWebClient, Metrics
from bot.slack.retry import slack_retry_handlers
from listeners import register_listeners
from listeners.services import ListenerSettings, Services
from listeners.workspace import workspace_guard


def build_web_client(settings: ListenerSettings, token: str, metrics: Metrics | None = None) -> WebClient:
    """Every Web API call goes to SLACK_API_URL; 429s wait for Retry-After; a dropped connection is retried
    for reads only, so a post or an update is never sent twice behind its caller's back (bot/slack/retry.py)."""
    client = CountingWebClient(
        token=token, base_url=settings.slack_api_url, timeout=15, retry_handlers=slack_retry_handlers()
    )
    client.metrics = metrics
    return client


def _bot_metrics(services: Services) -> Metrics | None:
    # Listeners see metrics through a narrow Protocol; the Web API client counts calls on bot's own Metrics.
    return services.metrics if isinstance(services.metrics, Metrics) else None


def build_app(settings: Settings, services: Services) -> App:
    assert settings.slack_bot_token is not None, "checked by Settings.missing_for_run"
    app = App(
        # A child of `slack_bolt`, which logs.configure() never lets below INFO: at DEBUG, Bolt and the Socket
        # Mode client print whole payloads, including values users type into modals.
        logger=logging.getLogger("slack_bolt.edabot"),
        client=build_web_client(settings, settings.slack_bot_token.reveal(), _bot_metrics(services)),
        # Listeners only ack, validate and hand work off, so a modest pool keeps acks well under 3 s.
        listener_executor=ThreadPoolExecutor(max_workers=16, thread_name_prefix="bolt-listener"),
        request_verification_enabled=False,  # Socket Mode: nothing to verify
        raise_error_for_unhandled_request=False,
    )
    # First of our middleware: nothing from another workspace reaches a listener or the database.
    app.use(workspace_guard(app.client))
    register_listeners(app, services)
    return app
