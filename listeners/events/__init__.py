"""Events API listeners."""

from __future__ import annotations

from slack_bolt import App

from listeners.events.app_home_opened import app_home_opened
from listeners.events.dm_file import dm_message


def register(app: App) -> None:
    app.event("app_home_opened")(app_home_opened)
    app.event("message")(dm_message)
