"""`/eda scan`: scan the caller's databases now and say what was found."""

from __future__ import annotations

from bot.scheduler import scan_and_process
from core.authz import require_registered
from core.errors import EdabotError
from listeners.blocks.common import section
from listeners.commands.request import CommandRequest


def scan_now(req: CommandRequest) -> None:
    def job() -> None:
        username = require_registered(req.actor())
        if req.services.pipeline is None:
            raise EdabotError("The dashboard pipeline is not running in this process.")
        report = scan_and_process(req.services.core, req.services.pipeline, only_username=username)
        if not report.ran:
            text = "A scan is already running; your new tables will be picked up by it."
        elif report.new:
            found = "\n".join(f"• `{table}` ({kind})" for _, kind, table in report.new[:30])
            text = f"Found {len(report.new)} new table(s):\n{found}\nTheir dashboards are on the way."
        else:
            text = f"No new tables in your {report.databases} databases ({report.tables} known)."
        if report.errors:
            text += "\n:warning: " + "; ".join(report.errors[:5])
        req.answer(text, [section(text)])

    req.in_background("scanning your databases", job)
