"""The kinds edabot knows: one user database per report kind, one dashboard template per kind plus generic."""

from __future__ import annotations

from typing import Literal, get_args

DatabaseKind = Literal["timing", "qor", "drc"]
DashboardKind = Literal["timing", "qor", "drc", "generic"]

DATABASE_KINDS: tuple[DatabaseKind, ...] = get_args(DatabaseKind)
DASHBOARD_KINDS: tuple[DashboardKind, ...] = get_args(DashboardKind)
