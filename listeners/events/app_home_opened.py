"""Refresh the App Home tab whenever the user opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from listeners.creds_view import publish_home
from listeners.services import Services


def app_home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab") != "home":
        return
    services: Services = context["services"]
    user_id = event["user"]
    services.work.submit(
        "showing your home tab", lambda: publish_home(services, client, user_id), lambda _message, _ref: None
    )
