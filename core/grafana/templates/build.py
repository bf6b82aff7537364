"""Pick the template for a table and wrap its panels into a dashboard ready for `/api/dashboards/db`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.grafana.introspect import TableInfo, classify
from core.grafana.kinds import DASHBOARD_KINDS, DATABASE_KINDS
from core.grafana.templates import drc, generic, qor, timing
from core.grafana.templates.dashboard import dashboard_model
from core.grafana.templates.uid import dashboard_uid

_BUILDERS: dict[str, Callable[[TableInfo, str], list[dict[str, Any]]]] = {
    "timing": timing.build_panels,
    "qor": qor.build_panels,
    "drc": drc.build_panels,
    "generic": generic.build_panels,
}


def build_dashboard(
    kind: str,
    table: TableInfo,
    *,
    username: str,
    datasource_uid: str,
    database_kind: str | None = None,
) -> dict[str, Any]:
    """The dashboard JSON for `table` using template `kind` (timing, qor, drc or generic).

    `database_kind` names the user database the table lives in (timing, qor or drc); it defaults to
    `kind` and is required for generic tables, since it keeps uids and titles apart when two of the
    user's databases hold tables of the same name.
    """
    if kind not in DASHBOARD_KINDS:
        raise ValueError(f"unknown dashboard kind {kind!r}; expected one of {', '.join(DASHBOARD_KINDS)}")
    if kind != "generic" and classify(table) != kind:
        raise ValueError(
            f"table {table.display_name} lacks the columns of a {kind} table (eda-formats.md §4); "
            "pick the template with classify(table), or use 'generic'"
        )
    database_kind = database_kind or kind
    if database_kind not in DATABASE_KINDS:
        raise ValueError(
            f"database_kind must be one of {', '.join(DATABASE_KINDS)} (got {database_kind!r}); "
            "pass it explicitly for generic tables"
        )
    tags = ["edabot", kind, username]
    if database_kind != kind:
        tags.append(database_kind)
    return dashboard_model(
        uid=dashboard_uid(username, database_kind, table),
        title=f"{table.display_name} · {database_kind}",
        tags=tags,
        # Nothing data-dependent goes into the model: the same table always gives the same JSON.
        description=f"edabot {kind} dashboard for {username}'s {database_kind} table {table.display_name}",
        panels=_BUILDERS[kind](table, datasource_uid),
    )
