"""Re-render the views that show a user's credentials: the creds modal and the App Home tab (which also shows
their dashboards and series)."""

from __future__ import annotations

from slack_sdk import WebClient

from core.usecases import accounts, credentials, dashboards, series_overview
from listeners.blocks.creds_builder import creds_modal
from listeners.blocks.home_builder import HOME_SERIES, home_view
from listeners.services import Services


def refresh_creds_modal(
    services: Services,
    client: WebClient,
    *,
    view_id: str,
    user_id: str,
    channel_id: str | None,
    notice: str | None = None,
) -> None:
    creds = credentials.list_masked(ctx=services.core, actor=services.actor(user_id))
    client.views_update(view_id=view_id, view=creds_modal(creds, channel_id=channel_id, notice=notice))


def publish_home(services: Services, client: WebClient, user_id: str) -> None:
    actor = services.actor(user_id)
    if actor.username is None:
        client.views_publish(user_id=user_id, view=home_view(services.command, None, [], []))
        return
    summary = accounts.show(ctx=services.core, actor=actor)
    creds = credentials.list_masked(ctx=services.core, actor=actor)
    lines = dashboards.list_latest(ctx=services.core, actor=actor, limit=20)
    # One more than is shown, so the tab can say that older ones exist; enough runs for the trend.
    series = series_overview.list_series(ctx=services.core, actor=actor, limit=HOME_SERIES + 1, runs=12).series
    client.views_publish(user_id=user_id, view=home_view(services.command, summary, creds, lines, series))
