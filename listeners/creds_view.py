"""Re-render the views that show a user's credentials: the creds modal and the App Home tab."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.services import Services
from core import credentials, dashboards, users
from core.authz import require_registered
from listeners.blocks.creds_builder import creds_modal
from listeners.blocks.home_builder import home_view


def refresh_creds_modal(
    services: Services,
    client: WebClient,
    *,
    view_id: str,
    user_id: str,
    channel_id: str | None,
    notice: str | None = None,
) -> None:
    username = require_registered(services.actor(user_id))
    with services.core.db.session() as session:
        creds = credentials.list_masked(session, services.core.cipher, users.require(session, username))
    client.views_update(view_id=view_id, view=creds_modal(creds, channel_id=channel_id, notice=notice))


def publish_home(services: Services, client: WebClient, user_id: str) -> None:
    actor = services.actor(user_id)
    if actor.username is None:
        client.views_publish(user_id=user_id, view=home_view(services.command, None, [], []))
        return
    with services.core.db.session() as session:
        user = users.require(session, actor.username)
        summary = users.summarize(session, user)
        creds = credentials.list_masked(session, services.core.cipher, user)
        lines = dashboards.latest(session, actor.username, limit=20)
    client.views_publish(user_id=user_id, view=home_view(services.command, summary, creds, lines))
