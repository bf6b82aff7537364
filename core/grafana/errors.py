"""Grafana failures as the project's own exceptions, so callers retry or report on the right type.

Every message names Grafana, the request path and what to fix; none ever contains a token.
"""

from __future__ import annotations

from core.errors import Unavailable


class GrafanaError(Unavailable):
    """Base class. `status` is the HTTP status when Grafana answered, else None.

    Every Grafana failure is Unavailable: down, a wrong token, or Grafana in a state only its admin can fix
    (a foreign object in the way); none is the user's input, and the same request works once Grafana does."""

    def __init__(self, message: str, *, path: str, status: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.status = status


class GrafanaUnavailable(GrafanaError):
    """Grafana could not be reached, timed out or answered 5xx; retrying later may work."""


class GrafanaAuthError(GrafanaError):
    """401/403: the token is wrong, expired, or its service account lacks the role."""


class GrafanaNotFound(GrafanaError):
    """404: the folder, datasource or dashboard does not exist."""


class GrafanaConflict(GrafanaError):
    """409/412: the object exists already or was changed by someone else."""


class GrafanaRejected(GrafanaError):
    """400/422 and other 4xx: Grafana refused the request as invalid; retrying will not help."""


class GrafanaBadResponse(GrafanaError):
    """Grafana (or whatever answered at that URL) sent a body that is not the JSON we expect."""
