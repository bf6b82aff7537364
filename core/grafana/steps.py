"""The Grafana side of registration and deletion, behind the `GrafanaSteps` seam of core.context."""

from __future__ import annotations

from collections.abc import Callable

from core.db.provisioning import DbServer
from core.grafana.client import GrafanaClient
from core.grafana.provisioning import DEFAULT_SSLMODE, ensure_user_grafana, remove_user_grafana
from core.secret import Secret


class GrafanaProvisioner:
    """Folder and datasources with the bot's own service-account token (creating datasources needs
    Admin, which a user's personal GRAFANA_API_KEY usually lacks)."""

    def __init__(
        self,
        client: GrafanaClient,
        server: DbServer,
        *,
        sslmode: str = DEFAULT_SSLMODE,
        capture_account: Callable[[], int | None] | None = None,
    ) -> None:
        """`sslmode`: GRAFANA_DB_SSLMODE. `capture_account`: edabot's Viewer service account id (None
        when GRAFANA_CAPTURE_TOKEN is given: its owner then grants it access)."""
        self._client = client
        self._server = server
        self._sslmode = sslmode
        self._capture_account = capture_account
        self._version: int | None = None

    def ensure_user(self, *, username: str, grafana_db_password: Secret) -> str:
        if self._version is None:
            self._version = self._server.server_version_num()
        setup = ensure_user_grafana(
            self._client,
            username=username,
            db_host=self._server.grafana_host,
            db_port=self._server.grafana_port,
            grafana_db_password=grafana_db_password,
            server_version_num=self._version,
            sslmode=self._sslmode,
            capture_account_id=self._capture_account() if self._capture_account is not None else None,
        )
        state = f"folder `{setup.folder_uid}`, {len(setup.datasource_uids)} datasources"
        if not setup.healthy:
            state += " (a datasource health check failed: see `/eda status`)"
        return state + ("" if setup.changed else ", already in place")

    def remove_user(self, *, username: str) -> str:
        removed = remove_user_grafana(self._client, username)
        return f"removed {len(removed)} item(s)" if removed else "nothing to remove"
