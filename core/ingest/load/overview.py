"""Keep a user's runs-overview dashboard current: rebuilt and saved after each ingested report."""

from __future__ import annotations

import logging

from core.context import CoreContext
from core.db.provisioning import database_names, grafana_role
from core.grafana.errors import GrafanaError
from core.grafana.provisioning import datasource_uid, folder_uid
from core.grafana.templates.runs_overview import build_runs_overview
from core.ingest.load.schema import SHARED_SCHEMA
from core.logins import READER_PASSWORD, require_password

log = logging.getLogger(__name__)


# Read as the owner's read-only role with search_path pinned to pg_catalog: the owner controls this database.
_HAS_RUNS = """
    SELECT 1 FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
    WHERE n.nspname OPERATOR(pg_catalog.=) %s AND c.relname OPERATOR(pg_catalog.=) 'eda_runs'
"""


def kinds_with_runs(ctx: CoreContext, username: str) -> list[str]:
    reader = require_password(ctx, READER_PASSWORD, username)
    found = []
    for kind, database in database_names(username).items():
        with ctx.server.connect_as(database, user=grafana_role(username), password=reader, catalog_only=True) as conn:
            if conn.execute(_HAS_RUNS, (SHARED_SCHEMA,)).fetchone() is not None:
                found.append(kind)
    return found


def refresh_runs_overview(ctx: CoreContext, username: str) -> str | None:
    """Save the dashboard; returns its URL, or None when Grafana is not configured or not reachable
    (the ingest itself succeeded either way, so this never raises for Grafana trouble)."""
    client = ctx.grafana_client
    if client is None:
        return None
    kinds = kinds_with_runs(ctx, username)
    if not kinds:
        return None
    dashboard = build_runs_overview(username, {k: datasource_uid(username, k) for k in kinds})
    try:
        saved = client.save_dashboard(
            dashboard, folder_uid=folder_uid(username), overwrite=True, message="edabot: runs overview"
        )
    except GrafanaError as exc:
        log.warning("runs overview for %s not saved: %s", username, exc)
        return None
    return saved.url if saved.url.startswith("http") else client.base_url + saved.url
