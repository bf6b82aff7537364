"""Modal submission listeners."""

from __future__ import annotations

from slack_bolt import App

from listeners.ids import CallbackId
from listeners.views.creds_set_view import submit_credential
from listeners.views.user_delete_view import submit_user_delete


def register(app: App) -> None:
    app.view(CallbackId.CREDS_SET)(submit_credential)
    app.view(CallbackId.USER_DELETE)(submit_user_delete)
