"""Bolt listeners, registered per kind; each callback lives in its own small module."""

from __future__ import annotations

import time
from collections.abc import Callable

from slack_bolt import App, BoltContext

from core.log_context import tagged
from listeners import actions, commands, events, views
from listeners.errors import handle_listener_error
from listeners.services import Services


def register_listeners(app: App, services: Services) -> None:
    def put_services(context: BoltContext, next: Callable[[], None]) -> None:
        context["services"] = services
        context["received_at"] = time.monotonic()  # for the ack-latency metric
        with tagged("req"):
            next()

    app.use(put_services)
    app.error(handle_listener_error)
    commands.register(app, services.command)
    actions.register(app)
    views.register(app)
    events.register(app)
