"""Keep a user's runs-overview dashboard current: rebuilt and saved after each ingested report."""

from __future__ import annotations

import logging

import psycopg

from core.context import CoreContext
from core.db.provisioning import database_names
from core.grafana.errors import GrafanaError
from core.grafana.provisioning import datasource_uid, folder_uid
from core.grafana.templates.runs_overview import build_runs_overview
from core.ingest.schema import SHARED_SCHEMA

log = logging.getLogger(__name__)


def kinds_with_runs(ctx: CoreContext, username: str) -> list[str]:
    found = []
    for kind, database in database_names(username).items():
        with psycopg.connect(ctx.server.url_for(database), connect_timeout=10) as conn:
            row = conn.execute("SELECT to_regclass(%s)", (f"{SHARED_SCHEMA}.eda_runs",)).fetchone()
            if row and row[0] is not None:
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
