"""What core flows need from the outside world, passed explicitly (built by bot/runtime.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.crypto import CredentialCipher
from core.db.engine import Database
from core.db.provisioning import DbServer
from core.grafana.client import GrafanaClient
from core.secret import Secret


class GrafanaSteps(Protocol):
    """The Grafana side of registration and deletion (folder, datasources). Idempotent."""

    def ensure_user(self, *, username: str, grafana_db_password: Secret) -> str:
        """Create or repair; returns a short description for the progress message."""
        ...

    def remove_user(self, *, username: str) -> str: ...


class NoGrafana:
    """Used when GRAFANA_API_KEY is not set: registration still works, dashboards come later."""

    def ensure_user(self, *, username: str, grafana_db_password: Secret) -> str:
        return "skipped (GRAFANA_API_KEY is not set)"

    def remove_user(self, *, username: str) -> str:
        return "skipped (GRAFANA_API_KEY is not set)"


@dataclass(frozen=True)
class CoreContext:
    db: Database
    cipher: CredentialCipher
    server: DbServer
    grafana: GrafanaSteps
    # The bot's own Grafana client (service-account token), None when GRAFANA_API_KEY is unset.
    grafana_client: GrafanaClient | None = None
