"""Block action listeners (buttons, menus)."""

from __future__ import annotations

from slack_bolt import App

from listeners.actions.creds_actions import add_credential, credential_row_menu
from listeners.actions.dashboard_actions import mute, refresh_preview, unmute
from listeners.actions.deferred_actions import process_deferred
from listeners.actions.home_actions import (
    open_creds_from_home,
    refresh_home,
    rotate_key_from_home,
    toggle_series_mute,
)
from listeners.ids import ActionId


def register(app: App) -> None:
    app.action(ActionId.CREDS_ADD)(add_credential)
    app.action(ActionId.CREDS_ROW_MENU)(credential_row_menu)
    app.action(ActionId.HOME_OPEN_CREDS)(open_creds_from_home)
    app.action(ActionId.HOME_ROTATE_KEY)(rotate_key_from_home)
    app.action(ActionId.HOME_REFRESH)(refresh_home)
    app.action(ActionId.HOME_SERIES_MUTE_TOGGLE)(toggle_series_mute)
    app.action(ActionId.REFRESH_PREVIEW)(refresh_preview)
    app.action(ActionId.MUTE_DASHBOARD)(mute)
    app.action(ActionId.UNMUTE_DASHBOARD)(unmute)
    app.action(ActionId.PROCESS_DEFERRED)(process_deferred)
    # Link buttons still send an action; acknowledging it keeps Slack from showing an error.
    app.action(ActionId.OPEN_DASHBOARD_LINK)(lambda ack: ack())
