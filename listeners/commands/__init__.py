"""Slash command listeners."""

from __future__ import annotations

from slack_bolt import App

from listeners.commands.eda_command import eda_command


def register(app: App, command: str) -> None:
    app.command(command)(eda_command)
