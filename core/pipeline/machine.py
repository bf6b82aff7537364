"""The dashboards' pipeline states: the one list of them, and which ones the worker advances.

Imports nothing from core.db, so the model's check constraint and the migrations can be generated from it.
"""

from __future__ import annotations

import enum


class DashboardState(enum.StrEnum):
    """Where a dashboards row stands. A new state is a member here plus a migration that re-creates the
    `dashboards_state_known` check constraint from this enum."""

    DETECTED = "detected"
    DASHBOARD_READY = "dashboard_ready"
    PREVIEW_READY = "preview_ready"
    POSTED = "posted"
    FAILED = "failed"
    MUTED = "muted"
    # Over its owner's hourly quota: recorded, not captured, until the quota allows or the owner asks.
    DEFERRED = "deferred"


# Rows the worker claims: one waiting for its next step, or a failed one whose backoff has passed.
WORKING_STATES = (
    DashboardState.DETECTED,
    DashboardState.DASHBOARD_READY,
    DashboardState.PREVIEW_READY,
    DashboardState.FAILED,
)

# A row in one of these gives up its lease: it is done, waiting out a backoff, or muted by its owner.
STOP_STATES = (DashboardState.POSTED, DashboardState.FAILED, DashboardState.MUTED)
