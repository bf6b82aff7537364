"""`/eda scan`: what a scan of the caller's databases found."""

from __future__ import annotations

from core.pipeline.scanner import ScanReport
from listeners.blocks.common import Block, code, esc, section


def scan_result_text(report: ScanReport) -> str:
    """mrkdwn, used both as the section and as the fallback text."""
    if not report.ran:
        text = "A scan is already running; your new tables will be picked up by it."
    elif report.new:
        found = "\n".join(f"• {code(table)} ({esc(kind)})" for _, kind, table in report.new[:30])
        text = f"Found {len(report.new)} new table(s):\n{found}\nTheir dashboards are on the way."
    else:
        text = f"No new tables in your {report.databases} databases ({report.tables} known)."
    if report.errors:
        # Scan errors quote server messages, which quote table and database names.
        text += "\n:warning: " + esc("; ".join(report.errors[:5]))
    return text


def scan_result_blocks(report: ScanReport) -> list[Block]:
    return [section(scan_result_text(report))]
