"""`/eda dashboards`: the caller's dashboards with state and link; `scan` and `status` until they exist."""

from __future__ import annotations

from core import dashboards
from core.authz import require_registered
from listeners.blocks.common import section
from listeners.commands.request import CommandRequest


def list_dashboards(req: CommandRequest) -> None:
    def job() -> None:
        username = require_registered(req.actor())
        with req.services.core.db.session() as session:
            lines = dashboards.latest(session, username)
        if not lines:
            text = "No dashboards yet: every new table in your databases gets one."
        else:
            text = "\n".join(
                (f"<{d.url}|{d.table}>" if d.url else f"`{d.table}`")
                + f" · {d.kind} · {d.state}"
                + (f" — {d.last_error[:150]}" if d.last_error else "")
                for d in lines
            )
        req.answer("Your dashboards", [section(text)])

    req.in_background("listing your dashboards", job)
