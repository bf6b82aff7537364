"""`/eda dashboards`: the caller's dashboards with state and link; `scan` and `status` until they exist."""

from __future__ import annotations

from sqlalchemy import select

from bot.services import Services
from core import users
from core.authz import require_registered
from core.db.models import Dashboard
from listeners.blocks.common import section
from listeners.blocks.home_builder import DashboardLine
from listeners.commands.request import CommandRequest


def dashboard_lines(services: Services, username: str, limit: int = 50) -> list[DashboardLine]:
    with services.core.db.session() as session:
        user = users.require(session, username)
        rows = session.scalars(
            select(Dashboard).where(Dashboard.user_id == user.id).order_by(Dashboard.created_at.desc()).limit(limit)
        )
        return [DashboardLine(r.table_name, r.kind, r.state, r.grafana_url, r.last_error) for r in rows]


def list_dashboards(req: CommandRequest) -> None:
    def job() -> None:
        username = require_registered(req.actor())
        lines = dashboard_lines(req.services, username)
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


def not_yet_available(req: CommandRequest, name: str) -> None:
    text = (
        f"`{req.command} {name}` is not available in this version of edabot yet; it arrives with the "
        "dashboard pipeline."
    )
    req.answer(text, [section(text)])
